// The intake pipeline: the one function every door (SMTP, LMTP, `ingest`, the
// API) calls with an email. It decides *new ticket*, *comment on ticket N* or
// *suspended (cause)*, and commits that decision with its events.
//
// Two stages, so that CPU work stays out of the single writer:
//   Prepare  -- outside any transaction: parse (mime), hash, and every check
//               that needs no stored state (blank, from a support address,
//               our own mail coming back).
//   Commit   -- inside the writer's transaction: idempotency, threading,
//               permission to update, then the writes and their audit.
// Input is untrusted mail; it reaches the store only as bound values.
// Thread-safety: Pipeline is immutable; Prepare may run on any thread; Commit
// runs on whichever thread owns the Tx.
#pragma once

#include <memory>

#include <boost/asio/io_context.hpp>
#include <optional>
#include <string>
#include <vector>

#include "common/clock.h"
#include "common/status.h"
#include "intake/causes.h"
#include "intake/support_addresses.h"
#include "auth/authenticate.h"
#include "dns/resolver.h"
#include "mime/message.h"
#include "outbound/dsn.h"
#include "store/store.h"
#include "tickets/updates.h"

namespace postdesk::intake {

// An email as a door hands it over.
struct Inbound {
  std::string bytes;  // exactly as received
  std::string mail_from;
  std::vector<std::string> recipients;  // envelope recipients (already checked as ours)
  std::string door = "smtp";            // smtp | lmtp | pipe | api
  std::string client_ip;
  std::string helo;
};

// A decision taken before touching the store.
struct EarlyVerdict {
  Cause cause;
  std::string evidence;  // human-readable: what decided it
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
  // Sender authentication (set by Pipeline::Authenticate; absent when off).
  std::optional<auth::AuthOutcome> auth;
};

struct Outcome {
  std::string kind;  // "ticket" | "comment" | "suspended" | "bounce" | "rejected"
  int64_t ticket_id = 0;
  int64_t comment_id = 0;
  int64_t suspended_id = 0;
  int64_t bounced_recipient_id = 0;  // for "bounce": the OutboundRecipient it concerned
  std::string cause;       // for "suspended"; for "rejected", the reason
  bool duplicate = false;  // a redelivery of something already handled
  size_t notifications = 0;  // emails the triggers queued
};

struct PipelineOptions {
  std::vector<std::string> support_addresses;  // the first is the default
  std::string hostname;  // ours: in trace headers and our Message-IDs
  const Clock* clock = nullptr;  // null: system clock
  tickets::DeskInfo desk;        // for the triggers' notifications
  auth::AuthPolicy auth;         // sender authentication (mode "off" skips it)
};

// The header our outbound mail carries so that it is recognised if it loops back.
inline constexpr std::string_view kLoopHeader = "X-Postdesk-Loop";

class Pipeline {
 public:
  explicit Pipeline(PipelineOptions options);

  const SupportAddresses& addresses() const { return addresses_; }
  // True for our VERP envelope senders, bounces+TOKEN@<bounce domain>.
  bool IsBounceAddress(std::string_view address) const;
  // True for a recipient we accept mail for: a support or bounce address.
  bool Accepts(std::string_view address) const {
    return addresses_.Contains(address) || IsBounceAddress(address);
  }

  Prepared Prepare(Inbound inbound) const;
  // Stage 1b, outside any transaction, needs DNS: SPF, DKIM, ARC, DMARC and
  // the policy's decision; writes our Authentication-Results field.
  boost::asio::awaitable<void> Authenticate(dns::Resolver& resolver, Prepared& prepared) const;
  Result<Outcome> Commit(store::Tx& tx, const Prepared& prepared) const;
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

  SupportAddresses addresses_;
  std::string hostname_;
  tickets::DeskInfo desk_;
  auth::AuthPolicy auth_policy_;
  SystemClock system_clock_;
  const Clock* clock_;
};

}  // namespace postdesk::intake
