// intake/retention: suspended mail is kept `retention_days` (default 14, as
// the Zendesk API documents for its suspended tickets) and then purged: the
// suspended row and its raw message are deleted and a `suspended_purged`
// system event (subject: the author's address; detail: id, cause, subject,
// when it arrived) says what went, so nothing disappears without a trace.
//
// Time comes from a Clock, so tests move it with FakeClock. `serve` runs a
// RetentionTask: once at start, then every `interval_seconds`, each batch one
// transaction through the single writer.
// Input trust: only stored rows. Thread-safety: PurgeExpiredSuspended runs on
// the thread owning the Tx; RetentionTask's methods run on its executor
// (Start/Stop may be called from any thread).
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <cstdint>
#include <memory>

#include "common/clock.h"
#include "common/status.h"
#include "settings/desk_settings.h"
#include "store/group_commit.h"
#include "store/store.h"

namespace postdesk::intake {

struct RetentionOptions {
  int64_t retention_days = 14;  // 0: keep forever (nothing is purged)
  int64_t batch_size = 200;     // rows per transaction
  int64_t interval_seconds = 3600;
  // For RetentionTask: when set, each run takes its suspended_retention_days
  // (the admin's setting) instead of retention_days.
  std::shared_ptr<const settings::LiveSettings> settings;
};

struct PurgeStats {
  int64_t suspended = 0;     // suspended tickets purged
  int64_t raw_messages = 0;  // raw messages deleted with them
  bool more = false;         // a full batch: call again
  PurgeStats& operator+=(const PurgeStats& other) {
    suspended += other.suspended;
    raw_messages += other.raw_messages;
    more = other.more;
    return *this;
  }
};

// The oldest-first batch of suspended tickets created before
// `now - retention_days`, purged in the caller's transaction.
Result<PurgeStats> PurgeExpiredSuspended(store::Tx& tx, int64_t now,
                                         const RetentionOptions& options);

// Batches through Store::Write until nothing is left (start-up, tools, tests).
Result<PurgeStats> PurgeAllExpiredSuspended(store::Store& store, const Clock& clock,
                                            const RetentionOptions& options);

// The periodic purge for `serve`. Writes go through `writer`; a failed batch
// is logged and tried again at the next interval.
class RetentionTask {
 public:
  RetentionTask(boost::asio::any_io_executor executor, store::GroupCommitWriter& writer,
                const Clock& clock, RetentionOptions options);
  ~RetentionTask();
  RetentionTask(const RetentionTask&) = delete;
  RetentionTask& operator=(const RetentionTask&) = delete;

  void Start();  // a purge now, then one every interval
  void Stop();   // no new batch starts; one already submitted still commits

  // Totals since Start (for logs and tests; read on any thread).
  PurgeStats totals() const;
  int64_t runs() const;  // purges finished (each may take several batches)

 private:
  struct State;
  std::shared_ptr<State> state_;
};

}  // namespace postdesk::intake
