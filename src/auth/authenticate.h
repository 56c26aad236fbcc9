// auth/authenticate: sender authentication of one inbound message, the step
// the intake pipeline runs for every door. It checks SPF (the SMTP client and
// MAIL FROM), every DKIM signature, the ARC chain and DMARC, and turns them
// into one decision under the desk's policy:
//
//   mode "off"      accept (the results are still recorded)
//   mode "flag"     flag when DMARC fails -- or, for a From domain without a
//                   usable DMARC record, when SPF fails and no DKIM passes
//   mode "suspend"  suspend in those same cases
//   reject_on_dmarc_reject: a DMARC failure under p=reject (after pct and
//                   t=y) is refused (SMTP 550 5.7.1), in modes flag/suspend
//   ARC             a DMARC failure is forgiven when the chain validates, the
//                   message is unchanged since a trusted sealer's set, and
//                   that sealer's ARC-Authentication-Results say DMARC passed
//                   (or SPF/DKIM passed aligned with the From domain)
//   agents          mail whose From is one of our agents that fails is
//                   always at least flagged, whatever the mode
//
// A DNS failure (temperror) never fails a message; the outcome says so in
// `temporary` so the caller can choose to ask an SMTP client to retry.
//
// Input trust: the message, the From addresses, MAIL FROM and HELO are
// untrusted (the sender wrote them); the client IP is trusted only as far as
// the caller vouches for it (SMTP peer address or a trusted XCLIENT / Received
// line); the policy is trusted configuration. Every result rendered into a
// header goes through auth_results.h, so nothing a sender writes can forge a
// result. Thread-safety: Authenticate is a coroutine without shared state;
// the resolver's own contract holds; AuthOutcome is a plain value.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <cstdint>
#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "auth/arc.h"
#include "auth/auth_results.h"
#include "auth/dkim.h"
#include "auth/dmarc.h"
#include "auth/spf.h"
#include "dns/resolver.h"

namespace postdesk::auth {

struct AuthInput {
  std::string_view raw_message;  // must outlive the Authenticate call
  std::string client_ip;         // SMTP peer (or trusted XCLIENT/Received) address
  std::string helo;
  std::string mail_from;  // the reverse-path without <>; empty for a null one
  // The From header's addresses (empty entries ignored); none: read from the message.
  std::vector<std::string> from_addresses;
  int64_t now = 0;  // Unix seconds (DKIM x=)
  // False for the pipe door: there is no SMTP client to check SPF against.
  bool have_smtp_context = true;
};

enum class AuthMode { kOff, kFlag, kSuspend };

// "off", "flag", "suspend"; nullopt for anything else.
std::optional<AuthMode> ParseAuthMode(std::string_view name);

struct AuthPolicy {
  std::string mode = "flag";  // off | flag | suspend (anything else acts as flag)
  bool reject_on_dmarc_reject = false;
  // ARC-Seal d= domains whose word we take (e.g. the company's list server).
  std::vector<std::string> trusted_arc_sealers;
  std::string authserv_id;  // ours: the Authentication-Results we write and strip
  // True when `email` (as written in From) is one of our agents; may be empty.
  std::function<bool(std::string_view email)> is_agent;
  // DMARC pct sampling, for tests; null means random.
  std::function<int()> dmarc_sample;
};

enum class AuthAction { kAccept, kFlag, kSuspend, kReject };
const char* AuthActionName(AuthAction action);  // "accept", "flag", "suspend", "reject"

struct SpfCheck {
  spf::SpfResult result;       // verdict, reason, domain checked, explanation
  std::string mail_from;       // the identity checked: the MAIL FROM address ...
  std::string helo;            // ... or, for a null reverse-path, the HELO name
  bool helo_identity = false;  // the HELO name was checked (null MAIL FROM)
  std::string client_ip;
};

struct ArcCheck {
  ArcResult result;
  // Set when a trusted sealer vouches for the message (see the file comment).
  bool trusted = false;
  std::string trusted_sealer;    // its ARC-Seal d=
  int trusted_instance = 0;      // its i=
  std::string trusted_evidence;  // what it saw, e.g. "dmarc=pass header.from=example.com"
};

struct AuthOutcome {
  bool checked = false;  // false only when the checks could not run at all
  SpfCheck spf;
  std::vector<DkimResult> dkim;
  dmarc::DmarcResult dmarc;
  ArcCheck arc;
  std::vector<std::string> from_addresses;
  bool from_agent = false;  // a From address belongs to an agent

  AuthAction action = AuthAction::kAccept;
  std::string reason;      // for people: why this action
  std::string smtp_reply;  // for kReject: "550 5.7.1 ..."
  bool temporary = false;  // a DNS lookup failed: a retry may give another answer
};

// Runs every check and decides. Never fails: DNS trouble becomes temperror
// results. `input.raw_message` must stay alive until the awaitable completes.
boost::asio::awaitable<AuthOutcome> Authenticate(dns::Resolver& resolver, const AuthInput& input,
                                                 const AuthPolicy& policy);

// The API's "authentication" object of a comment:
// {"spf": {...}, "dkim": [...], "dmarc": {...}, "arc": {...}, "action": "...", "reason": "..."}.
nlohmann::json ToJson(const AuthOutcome& outcome);

// The Authentication-Results field value (RFC 8601), e.g.
// "desk.example; spf=pass smtp.mailfrom=a@b.example; dkim=pass header.d=b.example
// header.s=sel header.b=abcd1234; dmarc=pass header.from=b.example; arc=none",
// unfolded on one line and free of CR/LF; FoldAuthenticationResults makes the
// header field of it. Reasons are in reason="..." and quoted.
std::string AuthenticationResultsHeader(const AuthOutcome& outcome, std::string_view authserv_id);

}  // namespace postdesk::auth
