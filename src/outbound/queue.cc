#include "outbound/queue.h"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include "common/config.h"
#include "common/blocking.h"
#include "common/spawn.h"
#include "common/strings.h"
#include "store/async_write.h"

namespace postdesk::outbound {
namespace {

namespace asio = boost::asio;
using nlohmann::json;

constexpr std::string_view kFailureTag = "system_email_notification_failure";

// A coarse reason from an SMTP reply, for failures at SMTP time.
std::string ReasonFromReply(int code, const std::string& enhanced, const std::string& text) {
  std::string t = ToLower(text);
  if (enhanced.rfind("5.1.1", 0) == 0 || enhanced.rfind("5.1.0", 0) == 0 ||
      t.find("user unknown") != std::string::npos || t.find("no such user") != std::string::npos ||
      t.find("does not exist") != std::string::npos) {
    return "user_unknown";
  }
  if (enhanced.rfind("5.2.2", 0) == 0 || enhanced.rfind("4.2.2", 0) == 0 ||
      t.find("mailbox full") != std::string::npos || t.find("quota") != std::string::npos) {
    return "mailbox_full";
  }
  if (enhanced.rfind("5.7.26", 0) == 0 || enhanced.rfind("5.7.25", 0) == 0 ||
      t.find("dmarc") != std::string::npos || t.find("dkim") != std::string::npos ||
      t.find("spf") != std::string::npos) {
    return "authentication";
  }
  if (t.find("spam") != std::string::npos || t.find("blocked") != std::string::npos ||
      t.find("blacklist") != std::string::npos || t.find("blocklist") != std::string::npos) {
    return "blocked";
  }
  if (enhanced.rfind("5.7", 0) == 0) return "policy";
  if (enhanced.rfind("5.3.4", 0) == 0 || code == 552) return "message_too_large";
  if (enhanced.rfind("5.1.2", 0) == 0 || enhanced.rfind("5.4.4", 0) == 0) return "host_unknown";
  return "other";
}

}  // namespace

std::string VerpAddress(const std::string& token, const std::string& bounce_domain) {
  return "bounces+" + token + "@" + bounce_domain;
}

AttemptOutcome Classify(const SendResult& result, const store::OutboundRecipient& r,
                        const RetryPolicy& retry, int64_t now) {
  AttemptOutcome o;
  if (result.sent()) {
    o.state = DeliveryState::kSent;
    return o;
  }
  if (result.outcome == SendResult::Outcome::kPermanent) {
    o.state = DeliveryState::kFailed;
    o.reason = ReasonFromReply(result.code, result.enhanced, result.text);
    return o;
  }
  auto next = NextAttempt(retry, r.attempts, r.created_at, now);
  if (!next) {
    o.state = DeliveryState::kFailed;
    o.reason = "expired";
    return o;
  }
  o.state = DeliveryState::kDeferred;
  o.next_attempt_at = *next;
  return o;
}

Status RecordTransition(store::Tx& tx, store::OutboundRecipient& r, DeliveryState to,
                        const std::string& detail, int64_t now) {
  const std::string new_state(DeliveryStateName(to));
  // The state as stored now, not as the caller read it: a delivery report
  // may have bounced the recipient while its attempt was still running.
  auto stored = tx.GetOutboundRecipient(r.id);
  if (!stored.ok()) return stored.status();
  const std::string previous = stored->state;
  auto from = ParseDeliveryState(previous);
  const bool terminal = from == DeliveryState::kFailed || from == DeliveryState::kBounced;
  if (!from || !LegalTransition(*from, to) || (terminal && *from == to)) {
    // Nothing moves (and no failure is counted twice); the history says
    // what was reported and why it changed nothing.
    spdlog::warn("recipient {} ({}): {} while {}: recorded, state unchanged", r.id, r.address,
                 new_state, previous);
    store::DeliveryEvent ev;
    ev.recipient_id = r.id;
    ev.state = previous;
    ev.code = r.last_code;
    ev.status = r.last_status;
    ev.detail = detail + " (not applied: the recipient is already " + previous + ")";
    ev.remote_host = r.remote_host;
    ev.created_at = now;
    if (auto added = tx.AddDeliveryEvent(ev); !added.ok()) return added.status();
    r = std::move(stored).value();
    return Status::Ok();
  }
  r.state = new_state;
  r.updated_at = now;
  if (Status s = tx.UpdateOutboundRecipient(r); !s.ok()) return s;
  store::DeliveryEvent ev;
  ev.recipient_id = r.id;
  ev.state = new_state;
  ev.code = r.last_code;
  ev.status = r.last_status;
  ev.detail = detail;
  ev.remote_host = r.remote_host;
  ev.created_at = now;
  if (auto added = tx.AddDeliveryEvent(ev); !added.ok()) return added.status();

  auto message = tx.GetOutboundMessage(r.message_id);
  if (!message.ok()) return message.status();
  if (message->ticket_id == 0) return Status::Ok();

  json event = {{"type", "EmailDelivery"},
                {"recipient", r.address},
                {"state", new_state},
                {"previous_state", previous},
                {"outbound_message_id", r.message_id},
                {"message_id", message->message_id},
                {"attempts", r.attempts}};
  if (r.last_code) event["smtp_code"] = r.last_code;
  if (!r.last_status.empty()) event["status"] = r.last_status;
  if (!r.last_reply.empty()) event["reply"] = r.last_reply;
  if (!r.reason.empty()) event["reason"] = r.reason;
  if (!r.remote_host.empty()) event["remote_host"] = r.remote_host;
  if (to == DeliveryState::kDeferred) event["next_attempt_at"] = FormatIsoTime(r.next_attempt_at);
  if (message->trigger_id) {
    event["via"] = {{"source", {{"rel", "trigger"}}},
                    {"id", *message->trigger_id},
                    {"title", message->trigger_title}};
  }
  store::Audit audit;
  audit.ticket_id = message->ticket_id;
  audit.author_id = -1;  // the system
  audit.via = Channel::kSystem;
  audit.events_json = json::array({event}).dump();
  audit.metadata_json = json{{"system", {{"delivery", true}}}}.dump();
  audit.created_at = now;
  if (auto a = tx.AddAudit(audit); !a.ok()) return a.status();

  if (to == DeliveryState::kFailed || to == DeliveryState::kBounced) {
    auto ticket = tx.GetTicket(message->ticket_id);
    if (!ticket.ok()) return ticket.status();
    if (std::find(ticket->tags.begin(), ticket->tags.end(), kFailureTag) == ticket->tags.end()) {
      ticket->tags.emplace_back(kFailureTag);
      if (Status s = tx.UpdateTicket(*ticket); !s.ok()) return s;
    }
    if (r.user_id && (r.reason == "user_unknown" || r.reason == "host_unknown")) {
      auto user = tx.GetUser(*r.user_id);
      if (user.ok() && !user->undeliverable) {
        user->undeliverable = true;
        user->undeliverable_reason = r.reason + ": " + r.last_reply;
        user->updated_at = now;
        if (Status s = tx.UpdateUser(*user); !s.ok()) return s;
      }
    } else if (r.user_id) {
      auto user = tx.GetUser(*r.user_id);
      if (user.ok()) {
        user->soft_bounces += 1;
        user->updated_at = now;
        if (Status s = tx.UpdateUser(*user); !s.ok()) return s;
      }
    }
  }
  return Status::Ok();
}

OutboundQueue::OutboundQueue(asio::io_context& io, store::Store& store,
                             store::GroupCommitWriter& writer, QueueOptions options,
                             const Clock& clock, TargetFinder find_targets)
    : io_(io),
      strand_(asio::make_strand(io)),
      store_(store),
      writer_(writer),
      options_(std::move(options)),
      clock_(clock),
      find_targets_(std::move(find_targets)),
      wake_(strand_) {}

OutboundQueue::~OutboundQueue() { Stop(); }

void OutboundQueue::Start() {
  asio::co_spawn(strand_, Run(), [](std::exception_ptr e) {
    if (e) {
      try {
        std::rethrow_exception(e);
      } catch (const std::exception& ex) {
        spdlog::error("outbound queue stopped: {}", ex.what());
      }
    }
  });
}

void OutboundQueue::Stop() {
  stopping_ = true;
  asio::post(strand_, [this] { wake_.cancel(); });
}

void OutboundQueue::Wake() {
  asio::post(strand_, [this] { wake_.cancel(); });
}

asio::awaitable<void> OutboundQueue::Run() {
  // Recovery: whatever was mid-delivery when we stopped is tried again.
  {
    int64_t now = clock_.Now();
    store::TxFn recover = [now](store::Tx& tx) {
      auto sending = tx.RecipientsInState(DeliveryStateName(DeliveryState::kSending));
      if (!sending.ok()) return sending.status();
      for (auto& r : *sending) {
        r.next_attempt_at = now;
        Status t = RecordTransition(
            tx, r, DeliveryState::kDeferred,
            "interrupted by a restart while sending; retried now (the remote server may see "
            "this message twice)",
            now);
        if (!t.ok()) return t;
      }
      return Status::Ok();
    };
    Status s = co_await store::AsyncWrite(writer_, std::move(recover));
    if (!s.ok()) spdlog::error("outbound recovery: {}", s.message());
  }

  while (!stopping_) {
    uint32_t room = options_.max_in_flight > in_flight_ ? options_.max_in_flight - in_flight_ : 0;
    std::vector<store::OutboundRecipient> claimed;
    if (room > 0) {
      int64_t now = clock_.Now();
      store::TxFn claim = [&claimed, now, room](store::Tx& tx) {
        claimed.clear();
        auto due = tx.DueRecipients(now, room);
        if (!due.ok()) return due.status();
        for (auto& r : *due) {
          r.attempts += 1;
          r.state = DeliveryStateName(DeliveryState::kSending);
          r.updated_at = now;
          if (Status u = tx.UpdateOutboundRecipient(r); !u.ok()) return u;
          // The transition is history too (no audit: the outcome's audit follows).
          store::DeliveryEvent ev;
          ev.recipient_id = r.id;
          ev.state = DeliveryStateName(DeliveryState::kSending);
          ev.detail = "attempt " + std::to_string(r.attempts);
          ev.created_at = now;
          if (auto e = tx.AddDeliveryEvent(ev); !e.ok()) return e.status();
          claimed.push_back(r);
        }
        return Status::Ok();
      };
      Status s = co_await store::AsyncWrite(writer_, std::move(claim));
      if (!s.ok()) {
        spdlog::warn("outbound claim: {}", s.message());
        claimed.clear();
      }
    }
    for (auto& r : claimed) {
      ++in_flight_;
      // An exception must neither leak the slot nor leave the recipient
      // "sending": it is deferred like any temporary failure.
      Spawn(strand_, Deliver(r), "outbound: delivering to " + r.address,
            [this, r](const std::string& error) mutable { DeliveryCrashed(std::move(r), error); });
    }
    if (!claimed.empty() && claimed.size() == room) continue;  // more may be due right away
    wake_.expires_after(std::chrono::milliseconds(options_.poll_milliseconds));
    co_await wake_.async_wait(asio::as_tuple(asio::use_awaitable));
  }
}

void OutboundQueue::DeliveryCrashed(store::OutboundRecipient r, const std::string& error) {
  // A temporary failure like any other: the same backoff, and failed once
  // the delivery's lifetime is over.
  SendResult crashed;
  crashed.outcome = SendResult::Outcome::kTemporary;
  crashed.stage = "queue";
  crashed.text = "internal error while delivering: " + error;
  int64_t now = clock_.Now();
  AttemptOutcome outcome = Classify(crashed, r, options_.retry, now);
  r.reason = outcome.reason;
  r.next_attempt_at = outcome.next_attempt_at;
  std::string detail = "at queue: " + crashed.text;
  writer_.Submit(
      [r, outcome, detail, now](store::Tx& tx) mutable {
        return RecordTransition(tx, r, outcome.state, detail, now);
      },
      [address = r.address](Status s) {
        if (!s.ok()) spdlog::error("outbound record {}: {}", address, s.message());
      });
  --in_flight_;
  if (in_flight_ <= options_.max_in_flight / 2) wake_.cancel();
}

asio::awaitable<void> OutboundQueue::Deliver(store::OutboundRecipient r) {
  std::string bytes;
  // Off the strand: the read may wait for a reader connection.
  std::function<Status()> read_message = [&] {
    return store_.Read([&](store::Tx& tx) {
      auto m = tx.GetOutboundMessage(r.message_id);
      if (!m.ok()) return m.status();
      bytes = std::move(m->bytes);
      return Status::Ok();
    });
  };
  Status read = co_await OffThread(options_.blocking, std::move(read_message));

  SendResult result;
  if (!read.ok()) {
    result.outcome = SendResult::Outcome::kTemporary;
    result.stage = "queue";
    result.text = "cannot read the message: " + read.message();
  } else {
    std::vector<SmtpTarget> targets;
    if (!options_.relay.empty()) {
      // ParseHostPort, not stoi: a bad value must not throw out of this
      // coroutine (the recipient would stay "sending"), and "[::1]:25" works.
      SmtpTarget t;
      if (Status parsed = ParseHostPort(options_.relay, t.host, t.port); parsed.ok()) {
        targets.push_back(t);
      } else {
        result.outcome = SendResult::Outcome::kTemporary;
        result.stage = "queue";
        result.text = "bad relay setting: " + parsed.message();
      }
    } else {
      auto found = co_await find_targets_(std::string(EmailDomain(r.address)));
      if (found.ok()) {
        targets = std::move(found).value();
      } else {
        result.outcome = found.status().temporary() ? SendResult::Outcome::kTemporary
                                                    : SendResult::Outcome::kPermanent;
        result.stage = "dns";
        result.enhanced = found.status().temporary() ? "4.4.3" : "5.1.2";
        result.text = found.status().message();
      }
    }
    if (!targets.empty() && options_.sign) {
      std::function<Status()> sign = [&] {
        bytes = options_.sign(bytes) + bytes;
        return Status::Ok();
      };
      // A signer that throws defers the mail rather than sending it unsigned.
      if (Status signed_ = co_await OffThread(options_.blocking, std::move(sign)); !signed_.ok()) {
        result.outcome = SendResult::Outcome::kTemporary;
        result.stage = "queue";
        result.text = "DKIM signing failed: " + signed_.message();
        targets.clear();
      }
    }
    if (!targets.empty()) {
      SendOptions so;
      so.helo = options_.helo;
      so.timeout_seconds = options_.timeout_seconds;
      result = co_await SendMail(strand_, std::move(targets), so,
                                 VerpAddress(r.verp_token, options_.bounce_domain), r.address, bytes);
    }
  }

  int64_t now = clock_.Now();
  AttemptOutcome outcome = Classify(result, r, options_.retry, now);
  r.last_code = result.code;
  r.last_status = result.enhanced;
  r.last_reply = result.text;
  r.remote_host = result.remote_host;
  r.reason = outcome.reason;
  r.next_attempt_at = outcome.next_attempt_at;
  std::string detail = "at " + result.stage + ": " + result.text;
  store::TxFn record = [r, outcome, detail, now](store::Tx& tx) mutable {
    return RecordTransition(tx, r, outcome.state, detail, now);
  };
  Status s = co_await store::AsyncWrite(writer_, std::move(record));
  if (!s.ok()) spdlog::error("outbound record {}: {}", r.address, s.message());
  --in_flight_;
  // Claim again once half the slots are free: one claim transaction for many
  // deliveries keeps the single writer (and its fsyncs) for intake.
  if (in_flight_ <= options_.max_in_flight / 2) wake_.cancel();
}

}  // namespace postdesk::outbound
