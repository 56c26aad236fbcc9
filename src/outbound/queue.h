// OutboundQueue: the durable delivery state machine for every email we send
// (as Postfix's queue manager): each recipient goes
//   queued -> sending -> sent | deferred (backoff) -> sending ... | failed
// and, later, sent -> bounced when a DSN comes back. Every transition is
// committed with a DeliveryEvent and an audit event on the ticket before the
// next step; a failure marks the ticket (tag system_email_notification_failure).
//
// Crash window (documented on purpose): a recipient is marked "sending" and
// committed before its SMTP transaction starts. If the process dies after the
// remote server accepted DATA but before "sent" is committed, the restart
// finds it in "sending", records the interruption and tries again -- the
// remote server then sees a second DATA. Nothing else is ever sent twice.
//
// Each recipient gets its own transaction with a VERP envelope sender
// (bounces+TOKEN@domain), so an asynchronous bounce names the exact message
// and recipient, and one recipient's failure never affects another's.
// Thread-safety: Start/Stop/Wake may be called from any thread.
#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>

#include <boost/asio/thread_pool.hpp>

#include "common/clock.h"
#include "common/status.h"
#include "outbound/delivery_state.h"
#include "outbound/retry.h"
#include "outbound/smtp_client.h"
#include "store/group_commit.h"
#include "store/store.h"

namespace postdesk::outbound {

struct QueueOptions {
  std::string relay;          // "host:port" smarthost; empty: MX lookup per domain
  std::string helo = "postdesk.localhost";
  std::string bounce_domain;  // envelope senders are bounces+TOKEN@bounce_domain
  RetryPolicy retry;
  uint32_t max_in_flight = 32;
  uint32_t poll_milliseconds = 250;
  uint32_t timeout_seconds = 60;
  // DKIM: the DKIM-Signature field to put in front of a message at delivery
  // time ("" to send it unsigned). Empty function: no signing.
  std::function<std::string(const std::string& message)> sign;
  // Where the message is read from the store and signed (both may block or
  // take a while); null: on the queue's strand.
  boost::asio::thread_pool* blocking = nullptr;
};

// Mail servers for a recipient domain, in the order to try (MX by preference,
// then the domain's A/AAAA). A temporary DNS failure is a temporary status.
using TargetFinder =
    std::function<boost::asio::awaitable<Result<std::vector<SmtpTarget>>>(std::string domain)>;

// What a delivery attempt did to a recipient (pure; exposed for tests).
struct AttemptOutcome {
  DeliveryState state = DeliveryState::kDeferred;  // sent | deferred | failed
  int64_t next_attempt_at = 0;
  std::string reason;  // for failed: the classified reason
};
AttemptOutcome Classify(const SendResult& result, const store::OutboundRecipient& recipient,
                        const RetryPolicy& retry, int64_t now);

// Records one recipient's new state in `tx`: the recipient row, its
// DeliveryEvent, an audit event on the ticket and, for failures, the ticket's
// failure tag and the user's undeliverable flag (for unknown users).
// The move starts from the state as stored (not `recipient.state`, which
// may be stale). A move the state table does not allow
// (outbound/delivery_state), or a failure reported again, changes nothing:
// only a DeliveryEvent saying so is written, and `recipient` becomes the
// stored row.
Status RecordTransition(store::Tx& tx, store::OutboundRecipient& recipient,
                        DeliveryState new_state, const std::string& detail, int64_t now);

// The envelope sender of a recipient.
std::string VerpAddress(const std::string& token, const std::string& bounce_domain);

class OutboundQueue {
 public:
  OutboundQueue(boost::asio::io_context& io, store::Store& store, store::GroupCommitWriter& writer,
                QueueOptions options, const Clock& clock, TargetFinder find_targets);
  ~OutboundQueue();

  void Start();
  void Stop();
  void Wake();

 private:
  boost::asio::awaitable<void> Run();
  boost::asio::awaitable<void> Deliver(store::OutboundRecipient recipient);
  // Deliver threw: the recipient is deferred and its slot freed (on strand_).
  void DeliveryCrashed(store::OutboundRecipient recipient, const std::string& error);

  boost::asio::io_context& io_;
  boost::asio::strand<boost::asio::io_context::executor_type> strand_;
  store::Store& store_;
  store::GroupCommitWriter& writer_;
  QueueOptions options_;
  const Clock& clock_;
  TargetFinder find_targets_;
  boost::asio::steady_timer wake_;
  std::atomic<bool> stopping_{false};
  uint32_t in_flight_ = 0;  // on strand_
};

}  // namespace postdesk::outbound
