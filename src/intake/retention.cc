#include "intake/retention.h"

#include <spdlog/spdlog.h>

#include <atomic>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <chrono>
#include <mutex>
#include <nlohmann/json.hpp>

namespace postdesk::intake {

using nlohmann::json;

namespace {
constexpr int64_t kDay = 24 * 3600;
}  // namespace

Result<PurgeStats> PurgeExpiredSuspended(store::Tx& tx, int64_t now,
                                         const RetentionOptions& options) {
  PurgeStats stats;
  if (options.retention_days <= 0 || options.batch_size <= 0) return stats;
  const int64_t cutoff = now - options.retention_days * kDay;
  auto rows = tx.ListSuspendedCreatedBefore(cutoff, options.batch_size);
  if (!rows.ok()) return rows.status();
  for (const auto& s : *rows) {
    if (Status d = tx.DeleteSuspended(s.id); !d.ok()) {
      if (d.kind() == ErrorKind::kNotFound) continue;
      return d;
    }
    bool raw_deleted = false;
    if (s.raw_message_id != 0) {
      Status r = tx.DeleteRawMessage(s.raw_message_id);
      if (r.ok()) {
        raw_deleted = true;
        ++stats.raw_messages;
      } else if (r.kind() != ErrorKind::kNotFound && r.kind() != ErrorKind::kInvalid) {
        // NotFound: already gone; Invalid: a comment still refers to it, so it stays.
        return r;
      }
    }
    store::SystemEvent e;
    e.kind = "suspended_purged";
    e.subject =
        s.author_email.empty() ? "suspended_ticket:" + std::to_string(s.id) : s.author_email;
    e.detail_json = json{
        {"suspended_ticket_id", s.id},
        {"cause", s.cause},
        {"cause_id", s.cause_id},
        {"subject", s.subject},
        {"message_id", s.message_id},
        {"recipient", s.recipient},
        {"received_at", FormatIsoTime(s.created_at)},
        {"retention_days", options.retention_days},
        {"raw_message_deleted",
         raw_deleted}}.dump(-1, ' ', false, json::error_handler_t::replace);
    e.created_at = now;
    if (auto added = tx.AddSystemEvent(e); !added.ok()) return added.status();
    ++stats.suspended;
  }
  stats.more = static_cast<int64_t>(rows->size()) == options.batch_size;
  return stats;
}

Result<PurgeStats> PurgeAllExpiredSuspended(store::Store& store, const Clock& clock,
                                            const RetentionOptions& options) {
  PurgeStats total;
  const int64_t now = clock.Now();  // one cut-off for the whole run
  while (true) {
    PurgeStats batch;
    Status s = store.Write([&](store::Tx& tx) -> Status {
      auto r = PurgeExpiredSuspended(tx, now, options);
      if (!r.ok()) return r.status();
      batch = *r;
      return Status::Ok();
    });
    if (!s.ok()) return s;
    total += batch;
    if (!batch.more) break;
  }
  return total;
}

struct RetentionTask::State : std::enable_shared_from_this<State> {
  State(boost::asio::any_io_executor ex, store::GroupCommitWriter& w, const Clock& c,
        RetentionOptions o)
      : strand(boost::asio::make_strand(ex)), timer(strand), writer(w), clock(c), options(o) {}

  boost::asio::strand<boost::asio::any_io_executor> strand;
  boost::asio::steady_timer timer;
  store::GroupCommitWriter& writer;
  const Clock& clock;
  RetentionOptions options;
  std::atomic<bool> stopped{false};

  mutable std::mutex mu;
  PurgeStats totals;
  PurgeStats this_run;
  int64_t runs = 0;

  // The days in force now (the admin may change them while we run).
  RetentionOptions Current() const {
    RetentionOptions o = options;
    if (o.settings) o.retention_days = o.settings->Get()->suspended_retention_days;
    return o;
  }

  // Runs on the strand.
  void Batch(int64_t now) {
    if (stopped) return;
    const RetentionOptions current = Current();
    if (current.retention_days <= 0) {  // kept forever, for now
      Schedule();
      return;
    }
    auto result = std::make_shared<PurgeStats>();
    auto self = shared_from_this();
    store::TxFn fn = [self, result, now, current](store::Tx& tx) -> Status {
      auto r = PurgeExpiredSuspended(tx, now, current);
      if (!r.ok()) return r.status();
      *result = *r;
      return Status::Ok();
    };
    writer.Submit(std::move(fn), [self, result, now](Status status) {
      boost::asio::post(self->strand,
                        [self, result, now, status] { self->Done(status, *result, now); });
    });
  }

  void Done(const Status& status, const PurgeStats& batch, int64_t now) {
    if (!status.ok()) {
      spdlog::warn("retention: purging suspended mail failed ({}); retrying in {} s",
                   status.message(), options.interval_seconds);
    } else {
      std::lock_guard lock(mu);
      totals += batch;
      this_run += batch;
    }
    if (status.ok() && batch.more && !stopped) {
      Batch(now);  // same cut-off: finish this run
      return;
    }
    PurgeStats run;
    {
      std::lock_guard lock(mu);
      run = this_run;
      this_run = PurgeStats{};
      ++runs;
    }
    if (run.suspended > 0) {
      spdlog::info("retention: purged {} suspended ticket(s) older than {} days ({} raw messages)",
                   run.suspended, Current().retention_days, run.raw_messages);
    }
    Schedule();
  }

  void Schedule() {
    if (stopped) return;
    timer.expires_after(std::chrono::seconds(std::max<int64_t>(1, options.interval_seconds)));
    auto self = shared_from_this();
    timer.async_wait([self](const boost::system::error_code& ec) {
      if (ec || self->stopped) return;
      self->Batch(self->clock.Now());
    });
  }
};

RetentionTask::RetentionTask(boost::asio::any_io_executor executor,
                             store::GroupCommitWriter& writer, const Clock& clock,
                             RetentionOptions options)
    : state_(std::make_shared<State>(executor, writer, clock, options)) {}

RetentionTask::~RetentionTask() { Stop(); }

void RetentionTask::Start() {
  if (state_->Current().retention_days <= 0) {
    spdlog::info("retention: suspended mail is kept forever (suspended_retention_days = 0)");
    if (!state_->options.settings) return;  // cannot change while we run
  }
  auto state = state_;
  boost::asio::post(state->strand, [state] { state->Batch(state->clock.Now()); });
}

void RetentionTask::Stop() {
  state_->stopped = true;
  auto state = state_;
  boost::asio::post(state->strand, [state] { state->timer.cancel(); });
}

PurgeStats RetentionTask::totals() const {
  std::lock_guard lock(state_->mu);
  return state_->totals;
}

int64_t RetentionTask::runs() const {
  std::lock_guard lock(state_->mu);
  return state_->runs;
}

}  // namespace postdesk::intake
