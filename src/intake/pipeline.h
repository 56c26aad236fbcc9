// The intake pipeline: the one function every door (SMTP, LMTP, `ingest`, the
// API) calls with an email. It decides *new ticket*, *comment on ticket N* or
// *suspended (cause)*, and commits that decision with its events.
//
// Two stages, so that CPU work stays out of the single writer:
//   Prepare  -- outside any transaction: parse (mime), hash, and every check
//               that needs no stored state: the allowlist and blocklist, the
//               per-sender rate, the spam filter's score and the screening
//               checks (automated mail, loops, system and no-reply senders,
//               malicious patterns, ...). It decides refusals (SMTP 550 /
//               451, nothing kept) and early suspensions with their evidence.
//   Commit   -- inside the writer's transaction: idempotency, threading,
//               permission to update, then the writes and their audit.
// Input is untrusted mail; it reaches the store only as bound values.
// Thread-safety: Pipeline's configuration is immutable; its mutable parts
// (support addresses, email lists, the rate limiter) are internally
// synchronised. Prepare may run on any thread; Commit runs on whichever
// thread owns the Tx.
#pragma once

#include <algorithm>
#include <functional>
#include <memory>

#include <boost/asio/io_context.hpp>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "common/clock.h"
#include "common/config.h"
#include "common/status.h"
#include "intake/causes.h"
#include "intake/door.h"
#include "intake/email_lists.h"
#include "intake/rate_limit.h"
#include "intake/relay_verdict.h"
#include "intake/support_addresses.h"
#include "auth/authenticate.h"
#include "dns/resolver.h"
#include "mime/message.h"
#include "outbound/dsn.h"
#include "settings/desk_settings.h"
#include "store/store.h"
#include "tickets/updates.h"

namespace postdesk::spam {
class Filter;
}

namespace postdesk::intake {

// An email as a door hands it over.
struct Inbound {
  std::string bytes;  // exactly as received
  std::string mail_from;
  std::vector<std::string> recipients;  // envelope recipients (already checked as ours)
  Door door = Door::kSmtp;
  std::string client_ip;
  std::string helo;
};

// A decision taken before touching the store.
struct EarlyVerdict {
  Cause cause;
  std::string evidence;  // human-readable: what decided it
  // Structured evidence (header values, counts, matched entries), and the
  // other findings that would also have suspended it, as {"cause","reason"}.
  nlohmann::json details = nlohmann::json::object();
  nlohmann::json also = nlohmann::json::array();
};

// Refused at SMTP time; nothing is stored but a system event.
struct Refusal {
  bool temporary = false;  // 451 4.7.1 (rate) vs 550 5.7.1 (lists, spam, DMARC)
  std::string reason;      // for the SMTP reply and the event
  nlohmann::json details = nlohmann::json::object();
  bool record_event = true;  // write an smtp_refused system event (floods: only some)
};

struct Prepared {
  Inbound inbound;
  mime::Message message;
  std::string sha256;        // of inbound.bytes: the idempotency key with the recipient
  std::string trace_header;  // our Received: field
  std::string stored_bytes;  // what we keep: our trace and Authentication-Results fields,
                             // then inbound.bytes without AR fields claiming our authserv-id
  std::string recipient;     // the support address it came to (canonical)
  std::string from_email;    // normalised requester address; may be empty
  std::string from_name;
  std::optional<EarlyVerdict> early;
  // A delivery report about mail we sent (DSN or non-standard bounce), and
  // the VERP token of our envelope sender it came back to, if any.
  std::optional<outbound::Bounce> bounce;
  std::string verp_token;
  // A From address is one of our active agents (looked up in Prepare).
  bool from_agent = false;
  // Sender authentication (set by Pipeline::Authenticate; absent when off).
  std::optional<auth::AuthOutcome> auth;
  // Refused before anything is stored (reject: entry, rate, spam score).
  std::optional<Refusal> refusal;
  // The spam filter's verdict (Verdict::ToJson), "" when it did not run.
  std::string spam_json;
  // A scanner verdict in the header (RelayVerdict::ToJson plus "relay" and
  // "honoured"): null when no scanner field is there.
  nlohmann::json relay_verdict;
  // The allowlist or blocklist entry that applied, if any.
  ListVerdict list;
  // Counted towards the sender's rate (its raw message records the sender).
  bool rate_counted = false;
  // The secret of our forwarding verification email, from its
  // X-Postdesk-Forwarding-Check header (read before the loop checks, since
  // that email is our own mail coming back by design); "" when absent.
  std::string forwarding_token;
};

// What became of an email. Kept as its name only at the edges: the
// inbound_deliveries table (idempotency), logs, ingest's output.
enum class OutcomeKind {
  kTicket,
  kComment,
  kSuspended,
  kBounce,        // a delivery report tied to our message and recipient
  kBackscatter,   // a delivery report about mail we never sent
  kVerification,  // our forwarding check came back
  kRejected,      // SMTP 550 5.7.1
  kThrottled,     // SMTP 451 4.7.1: too many from this sender, try later
};
std::string_view OutcomeKindName(OutcomeKind kind);  // "ticket", "comment", ...
std::optional<OutcomeKind> OutcomeKindFromName(std::string_view name);

struct Outcome {
  OutcomeKind kind = OutcomeKind::kTicket;
  int64_t ticket_id = 0;
  int64_t comment_id = 0;
  int64_t suspended_id = 0;
  int64_t bounced_recipient_id = 0;  // for "bounce": the OutboundRecipient it concerned
  std::string cause;       // for "suspended"; for "rejected"/"throttled", the reason
  bool duplicate = false;  // a redelivery of something already handled
  size_t notifications = 0;  // emails the triggers queued
};

struct RecoverOptions {
  int64_t agent_id = 0;                  // who recovers it (the audit's author)
  std::optional<int64_t> requester_id;  // overrides the original requester
  // The suspended ticket's stored raw message: the comment refers to it
  // instead of a second copy of the bytes (0: store prepared.stored_bytes).
  int64_t raw_message_id = 0;
};

// Screening limits (config keys in common/config.h).
struct ScreeningOptions {
  RateOptions rate;
  size_t max_header_recipients = 50;  // distinct To/Cc addresses; 0 = no limit
  TrustedRelays trusted_relays;       // whose scanner verdicts suspend as spam
  // Where the loop guard finds a sender's earlier mail (SenderHistoryFrom a
  // store); null: this process's memory only.
  RateLimiter::History rate_history;

  // Fails on a malformed trusted_relays entry.
  static Result<ScreeningOptions> FromConfig(const Config& config) {
    ScreeningOptions o;
    auto relays = TrustedRelays::Parse(config.trusted_relays);
    if (!relays.ok()) return relays.status();
    o.trusted_relays = std::move(relays).value();
    o.rate.accept_per_window = config.rate_accept_per_hour;
    o.rate.suspend_per_window = config.rate_suspend_per_hour;
    o.rate.allowlist_multiplier = config.allowlist_rate_multiplier;
    o.rate.window_seconds = 3600;
    o.max_header_recipients = static_cast<size_t>(std::max<int64_t>(0, config.max_header_recipients));
    return o;
  }
};

struct PipelineOptions {
  std::vector<std::string> support_addresses;  // the first is the default
  std::string hostname;  // ours: in trace headers and our Message-IDs
  const Clock* clock = nullptr;  // null: system clock
  tickets::DeskInfo desk;        // for the triggers' notifications
  auth::AuthPolicy auth;         // sender authentication (mode "off" skips it)
  // The learning spam filter (thread-safe Classify); null: no spam scoring.
  spam::Filter* spam = nullptr;
  ScreeningOptions screening;
  // The admin's settings in force (authentication policy, spam thresholds),
  // read per message; null: `auth` and the filter's own thresholds apply.
  std::shared_ptr<const settings::LiveSettings> settings;
};

// The header our outbound mail carries so that it is recognised if it loops back.
inline constexpr std::string_view kLoopHeader = "X-Postdesk-Loop";

class Pipeline {
 public:
  explicit Pipeline(PipelineOptions options);

  const SupportAddresses& addresses() const { return addresses_; }
  // For replacing the set when support addresses change (thread-safe).
  SupportAddresses& addresses() { return addresses_; }
  // True for our VERP envelope senders, bounces+TOKEN@<bounce domain>.
  bool IsBounceAddress(std::string_view address) const;
  // True for a recipient we accept mail for: a support or bounce address.
  bool Accepts(std::string_view address) const {
    return addresses_.Contains(address) || IsBounceAddress(address);
  }
  // The allowlist and blocklist in force; replaced when the API changes them.
  EmailListsHolder& email_lists() const { return *lists_; }

  Prepared Prepare(Inbound inbound) const;
  // Stage 1b, outside any transaction, needs DNS: SPF, DKIM, ARC, DMARC and
  // the policy's decision; writes our Authentication-Results field.
  boost::asio::awaitable<void> Authenticate(dns::Resolver& resolver, Prepared& prepared) const;
  Result<Outcome> Commit(store::Tx& tx, const Prepared& prepared) const;
  // Commits a suspended email as if it had passed every check (threading and
  // triggers as for new mail), keeping its original requester unless
  // `options.requester_id` says otherwise ("requester=me").
  Result<Outcome> CommitRecovered(store::Tx& tx, const Prepared& prepared,
                                  const RecoverOptions& options) const;
  // The bounce half of Commit: ties a report to our message and recipient.
  Result<Outcome> CommitBounce(store::Tx& tx, const Prepared& prepared, int64_t raw_id,
                               const std::vector<std::string>& recipients) const;

  // Prepare, Authenticate (when a resolver is given) and Commit in one
  // synchronous Store::Write (for `ingest` and tests).
  // `resolver` must run on `io`, which Process runs until authentication ends.
  Result<Outcome> Process(store::Store& store, Inbound inbound, dns::Resolver* resolver = nullptr,
                          boost::asio::io_context* io = nullptr) const;

 private:
  int64_t Now() const { return clock_->Now(); }

  // Tickets and comments: the part of Commit after every check. With
  // `recover`, no permission check runs and its requester override applies;
  // without, `suspend` turns a refused update into a suspended ticket.
  using SuspendFn = std::function<Result<Outcome>(Cause, const std::string&,
                                                  std::optional<int64_t>, nlohmann::json)>;
  Result<Outcome> CommitMail(store::Tx& tx, const Prepared& prepared, int64_t raw_id,
                             const RecoverOptions* recover, const SuspendFn& suspend) const;
  void Screen(Prepared& p) const;

  SupportAddresses addresses_;
  std::string hostname_;
  tickets::DeskInfo desk_;
  auth::AuthPolicy auth_policy_;
  SystemClock system_clock_;
  const Clock* clock_;
  spam::Filter* spam_;
  ScreeningOptions screening_;
  std::shared_ptr<const settings::LiveSettings> settings_;
  std::unique_ptr<EmailListsHolder> lists_;
  std::unique_ptr<RateLimiter> rate_;
};

}  // namespace postdesk::intake
