#include "channel/forwarding.h"

#include <algorithm>
#include <atomic>
#include <cctype>
#include <mutex>

#include <boost/asio/steady_timer.hpp>
#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include "channel/recipient_addresses.h"
#include "common/ids.h"
#include "common/strings.h"
#include "outbound/compose.h"
#include "outbound/enqueue.h"
#include "settings/desk_settings.h"

namespace postdesk::channel {
namespace {

using nlohmann::json;

constexpr size_t kMaxTokenChars = 128;

bool TokenEquals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  unsigned char diff = 0;
  for (size_t i = 0; i < a.size(); ++i) diff |= static_cast<unsigned char>(a[i] ^ b[i]);
  return diff == 0;
}

// Whitespace runs -> one space, trimmed: a forwarder may re-wrap or re-encode
// the text without changing what it says.
std::string CollapseSpace(std::string_view text) {
  std::string out;
  bool space = false;
  for (char c : text) {
    if (c == ' ' || c == '\t' || c == '\r' || c == '\n') {
      space = !out.empty();
      continue;
    }
    if (space) out += ' ';
    space = false;
    out += c;
  }
  return out;
}

std::string DefaultOr(store::Tx& tx, const std::string& fallback) {
  auto d = DefaultAddress(tx);
  return d.ok() ? *d : fallback;
}

std::string ForwardFix(const std::string& address, const std::string& target) {
  return "set up automatic forwarding of " + address + " to " + target +
         " at its mail provider (a server-side forward or redirect that keeps the message as it "
         "is), then verify forwarding again";
}

Status Record(store::Tx& tx, std::string_view kind, const store::RecipientAddress& a,
              json detail, int64_t now) {
  store::SystemEvent e;
  e.kind = std::string(kind);
  e.subject = a.email;
  detail["address_id"] = a.id;
  e.detail_json = detail.dump();
  e.created_at = now;
  auto added = tx.AddSystemEvent(e);
  return added.ok() ? Status::Ok() : added.status();
}

Status Fail(store::Tx& tx, store::RecipientAddress& a, const std::string& reason,
            const std::string& fix, json delivery, int64_t now) {
  a.forwarding_status = std::string(kStatusFailed);
  a.updated_at = now;
  SetCheck(a, "forwarding", kStatusFailed, reason, fix,
           json{{"checked_at", FormatIsoTime(now)}, {"delivery", delivery}});
  if (Status s = tx.UpdateRecipientAddress(a); !s.ok()) return s;
  return Record(tx, "forwarding_failed", a,
                json{{"reason", reason}, {"fix", fix}, {"delivery", std::move(delivery)}}, now);
}

json DeliveryJson(const store::OutboundRecipient& r) {
  json j = {{"recipient_id", r.id}, {"state", r.state}, {"attempts", r.attempts}};
  if (r.last_code) j["smtp_code"] = r.last_code;
  if (!r.last_status.empty()) j["status"] = r.last_status;
  if (!r.last_reply.empty()) j["reply"] = r.last_reply;
  if (!r.remote_host.empty()) j["remote_host"] = r.remote_host;
  if (!r.reason.empty()) j["reason"] = r.reason;
  return j;
}

// "550 5.1.1 <x>: user unknown" from a recipient's last reply fields.
std::string SmtpReason(const store::OutboundRecipient& r) {
  std::string out;
  std::string reply(Trim(r.last_reply));
  if (r.last_code && !IStartsWith(reply, std::to_string(r.last_code))) {
    out = std::to_string(r.last_code);
  }
  if (!r.last_status.empty() && reply.find(r.last_status) == std::string::npos) {
    out += (out.empty() ? "" : " ") + r.last_status;
  }
  if (!reply.empty()) out += (out.empty() ? "" : " ") + reply;
  if (out.empty()) out = r.reason.empty() ? "no reply recorded" : r.reason;
  return out;
}

}  // namespace

std::string VerificationText(std::string_view address, std::string_view token) {
  std::string a(address);
  return "This is a test email from your help desk. It was sent to " + a +
         " to check that mail to that address is forwarded to the help desk.\n\n"
         "Nothing needs to be done: when forwarding works, this email comes back to the help "
         "desk by itself and " + a + " is marked as verified. Please do not change or reply to "
         "it.\n\n"
         "Verification code: " + std::string(token) + "\n";
}

Result<store::RecipientAddress> StartForwardingCheck(store::Tx& tx, int64_t address_id,
                                                     const ForwardingOptions& options, int64_t now) {
  auto a = tx.GetRecipientAddress(address_id);
  if (!a.ok()) return a.status();
  if (IsOwnDomain(a->email, options.desk_domain)) {
    return Status::Invalid(a->email + " is on the help desk's own domain " + options.desk_domain +
                           ": mail to it reaches us directly, there is no forwarding to verify");
  }
  std::string from = DefaultOr(tx, options.desk_default);
  std::string token = NewToken();

  // The desk's name as the Settings page saved it, else the configured one.
  settings::DeskSettings defaults;
  defaults.desk_name = options.desk_name;
  auto desk = settings::Load(tx, defaults);
  if (!desk.ok()) return desk.status();

  outbound::Notification mail;
  mail.from = {desk->effective.desk_name, from};
  mail.to = {{a->name, a->email}};
  mail.subject = "Forwarding verification for " + a->email;
  mail.text_body = VerificationText(a->email, token);
  mail.hostname = options.hostname;
  mail.date = now;
  mail.add_delimiter = false;
  auto composed = outbound::ComposeNotification(mail);
  if (!composed.ok()) {
    return Status::Invalid("cannot build the verification email for " + a->email + ": " +
                           composed.status().message());
  }
  store::OutboundMessage m;
  m.message_id = composed->message_id;
  m.subject = mail.subject;
  // Header fields have no order that matters; ours goes first.
  m.bytes = std::string(kForwardingCheckHeader) + ": " + token + "\r\n" + composed->bytes;
  m.created_at = now;
  // Not worth delivering after the check has given up on it.
  auto queued = outbound::Enqueue(tx, std::move(m), {{a->email, std::nullopt}}, now,
                                  std::max<int64_t>(options.timeout_seconds, 1),
                                  "forwarding verification of " + a->email);
  if (!queued.ok()) return queued.status();

  a->forwarding_status = std::string(kStatusWaiting);
  a->forwarding_token = token;
  a->forwarding_sent_at = now;
  a->forwarding_recipient_id = queued->recipients.front().id;
  a->updated_at = now;
  SetCheck(*a, "forwarding", kStatusWaiting,
           "verification email queued to " + a->email + " at " + FormatIsoTime(now) +
               "; waiting for it to come back by forwarding (gives up after " +
               std::to_string(options.timeout_seconds) + " s)",
           "if it does not come back: " + ForwardFix(a->email, from),
           json{{"sent_at", FormatIsoTime(now)},
                {"outbound_message_id", queued->message.id},
                {"message_id", queued->message.message_id}});
  if (Status s = tx.UpdateRecipientAddress(*a); !s.ok()) return s;
  if (Status s = Record(tx, "forwarding_check_sent", *a,
                        json{{"outbound_message_id", queued->message.id},
                             {"recipient_id", *a->forwarding_recipient_id},
                             {"from", from}},
                        now);
      !s.ok()) {
    return s;
  }
  return a;
}

std::optional<std::string> ForwardingCheckToken(const mime::Message& message) {
  auto h = message.Header(kForwardingCheckHeader);
  if (!h) return std::nullopt;
  std::string token(Trim(*h));
  if (token.empty() || token.size() > kMaxTokenChars) return std::nullopt;
  for (unsigned char c : token) {
    if (!std::isxdigit(c)) return std::nullopt;
  }
  return ToLower(token);
}

Result<bool> ConsumeForwardingCheck(store::Tx& tx, const mime::Message& message,
                                    std::string_view token_in, int64_t now) {
  std::string token = ToLower(Trim(token_in));
  if (token.empty() || token.size() > kMaxTokenChars) return false;
  auto all = tx.ListRecipientAddresses();
  if (!all.ok()) return all.status();
  std::optional<store::RecipientAddress> match;
  for (const auto& a : *all) {
    // Every row is compared, so the time taken does not say which one matched.
    if (!a.forwarding_token.empty() && TokenEquals(a.forwarding_token, token)) match = a;
  }
  if (!match) return false;
  store::RecipientAddress& a = *match;

  std::string received = CollapseSpace(message.text_body);
  std::string expected = CollapseSpace(VerificationText(a.email, a.forwarding_token));
  std::string altered;
  if (received.find(a.forwarding_token) == std::string::npos) {
    altered = "came back altered: the body no longer carries the verification code";
  } else if (received.find(expected) == std::string::npos) {
    altered = "came back altered: the text of the body was changed on the way";
  }
  std::string target = DefaultOr(tx, "the help desk's default address");
  json seen = {{"message_id", message.message_id}, {"subject", message.subject}};
  if (!altered.empty()) {
    if (Status s = Fail(tx, a, altered + " (forwarded copy <" + message.message_id + ">)",
                        "forward " + a.email + " to " + target +
                            " with automatic forwarding or a redirect that passes the message "
                            "on unchanged (no manual \"Forward\", no added footer or rewritten "
                            "body), then verify forwarding again",
                        seen, now);
        !s.ok()) {
      return s;
    }
    return true;
  }
  a.forwarding_status = std::string(kStatusVerified);
  a.updated_at = now;
  SetCheck(a, "forwarding", kStatusVerified,
           "the verification email came back by forwarding at " + FormatIsoTime(now) + "; mail to " +
               a.email + " reaches the help desk, and replies are sent as " + a.email,
           "", json{{"verified_at", FormatIsoTime(now)}, {"forwarded_copy", seen}});
  if (Status s = tx.UpdateRecipientAddress(a); !s.ok()) return s;
  if (Status s = Record(tx, "forwarding_verified", a, seen, now); !s.ok()) return s;
  return true;
}

Result<std::vector<store::RecipientAddress>> ExpireForwardingChecks(store::Tx& tx, int64_t now,
                                                                    int64_t timeout_seconds) {
  std::vector<store::RecipientAddress> failed;
  auto all = tx.ListRecipientAddresses();
  if (!all.ok()) return all.status();
  std::string target;
  for (auto a : *all) {
    if (a.forwarding_status != kStatusWaiting) continue;
    if (target.empty()) target = DefaultOr(tx, "the help desk's default address");
    std::optional<store::OutboundRecipient> r;
    if (a.forwarding_recipient_id) {
      auto got = tx.GetOutboundRecipient(*a.forwarding_recipient_id);
      if (got.ok()) r = *got;
      else if (got.status().kind() != ErrorKind::kNotFound) return got.status();
    }
    bool timed_out = now - a.forwarding_sent_at >= timeout_seconds;
    std::string reason, fix;
    json delivery = r ? DeliveryJson(*r) : json(nullptr);
    if (r && (r->state == "failed" || r->state == "bounced")) {
      reason = "not delivered: " + SmtpReason(*r);
      fix = "the test email to " + a.email + " was refused" +
            (r->remote_host.empty() ? "" : " by " + r->remote_host) + ": make sure " + a.email +
            " exists and accepts mail from outside, then verify forwarding again";
    } else if (!timed_out) {
      continue;
    } else if (!r) {
      reason = "the verification email is no longer in the outbound queue";
      fix = "verify forwarding again";
    } else if (r->state == "sent") {
      reason = "delivered to " + (r->remote_host.empty() ? std::string("its mail server") : r->remote_host) +
               " but never forwarded back (waited " + std::to_string(timeout_seconds) + " s)";
      fix = ForwardFix(a.email, target);
    } else {
      reason = "still not delivered (" + r->state + ": " +
               (r->last_reply.empty() ? std::string("no reply yet") : SmtpReason(*r)) + ")";
      fix = "our mail to " + a.email + " has not got through in " + std::to_string(timeout_seconds) +
            " s: check that the domain's mail servers accept mail, then verify forwarding again";
    }
    if (Status s = Fail(tx, a, reason, fix, delivery, now); !s.ok()) return s;
    failed.push_back(std::move(a));
  }
  return failed;
}

// ---- ForwardingWatcher ----

struct ForwardingWatcher::State {
  State(boost::asio::io_context& io, store::Store& s, store::GroupCommitWriter& w, const Clock& c)
      : timer(io), store(s), writer(w), clock(c) {}
  boost::asio::steady_timer timer;
  store::Store& store;
  store::GroupCommitWriter& writer;
  const Clock& clock;
  int64_t timeout_seconds = 3600;
  std::chrono::milliseconds interval{2000};
  OnFailed on_failed;
  std::atomic<bool> stopped{false};
  std::atomic<bool> in_flight{false};
  std::mutex mu;  // serialises timer use between Start/Stop and ticks
};

void ForwardingWatcher::Schedule(const std::shared_ptr<State>& st) {
  std::lock_guard lock(st->mu);
  if (st->stopped) return;
  st->timer.expires_after(st->interval);
  st->timer.async_wait([st](const boost::system::error_code& ec) {
    if (!ec) Tick(st);
  });
}

void ForwardingWatcher::Tick(const std::shared_ptr<State>& st) {
  if (st->stopped) return;
  // A cheap read first: most of the time nothing is waiting.
  bool waiting = false;
  Status r = st->store.Read([&](store::Tx& tx) {
    auto all = tx.ListRecipientAddresses();
    if (!all.ok()) return all.status();
    for (const auto& a : *all) waiting = waiting || a.forwarding_status == kStatusWaiting;
    return Status::Ok();
  });
  if (!r.ok()) spdlog::warn("forwarding checks: {}", r.message());
  if (waiting && !st->in_flight.exchange(true)) {
    auto failed = std::make_shared<std::vector<store::RecipientAddress>>();
    int64_t now = st->clock.Now();
    int64_t timeout = st->timeout_seconds;
    store::TxFn fn = [failed, now, timeout](store::Tx& tx) {
      failed->clear();
      auto expired = ExpireForwardingChecks(tx, now, timeout);
      if (!expired.ok()) return expired.status();
      *failed = std::move(expired).value();
      return Status::Ok();
    };
    st->writer.Submit(std::move(fn), [st, failed](Status s) {
      st->in_flight = false;
      if (!s.ok()) {
        spdlog::warn("forwarding checks: {}", s.message());
        return;
      }
      for (const auto& a : *failed) {
        if (st->on_failed) st->on_failed(a);
      }
    });
  }
  Schedule(st);
}

ForwardingWatcher::ForwardingWatcher(boost::asio::io_context& io, store::Store& store,
                                     store::GroupCommitWriter& writer, const Clock& clock,
                                     int64_t timeout_seconds, std::chrono::milliseconds interval,
                                     OnFailed on_failed)
    : state_(std::make_shared<State>(io, store, writer, clock)) {
  state_->timeout_seconds = timeout_seconds;
  state_->interval = interval;
  state_->on_failed = std::move(on_failed);
}

ForwardingWatcher::~ForwardingWatcher() { Stop(); }

void ForwardingWatcher::Start() {
  auto st = state_;
  {
    std::lock_guard lock(st->mu);
    st->stopped = false;
    st->timer.expires_after(std::chrono::milliseconds(0));
    st->timer.async_wait([st](const boost::system::error_code& ec) {
      if (!ec) Tick(st);
    });
  }
}

void ForwardingWatcher::Stop() {
  std::lock_guard lock(state_->mu);
  state_->stopped = true;
  state_->timer.cancel();
}

}  // namespace postdesk::channel
