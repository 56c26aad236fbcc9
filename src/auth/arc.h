// arc: verification of an Authenticated Received Chain (RFC 8617 section
// 5.2): the ARC-Authentication-Results / ARC-Message-Signature / ARC-Seal sets
// that intermediaries (mailing lists, forwarders) add, so a receiver can see
// what they saw before they changed the message.
//
// The result is the chain validation status (none / pass / fail) with the
// reason, the oldest instance whose AMS still verifies, and who sealed each
// set (d= and s=). Whether a sealer is trusted is configuration and belongs to
// the caller (DMARC local policy); this module only says what is provable.
//
// Input trust: the message and DNS answers are untrusted; every ARC header
// field is parsed strictly, at most 50 sets are looked at (the RFC's limit).
// Thread-safety: a free coroutine without shared state.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "auth/dkim.h"
#include "dns/resolver.h"

namespace postdesk::auth {

enum class ArcStatus { kNone, kPass, kFail };
const char* ArcStatusName(ArcStatus status);  // "none", "pass", "fail"

struct ArcSetInfo {
  int instance = 0;
  std::string seal_domain;     // ARC-Seal d=: who vouches for the chain up to here
  std::string seal_selector;   // ARC-Seal s=
  std::string seal_cv;         // ARC-Seal cv= as written
  std::string message_domain;  // ARC-Message-Signature d=
  std::string authserv_id;     // from the ARC-Authentication-Results
  std::string auth_results;    // the ARC-Authentication-Results value after "i=N;"
  bool seal_checked = false;   // its seal was cryptographically checked
  bool seal_valid = false;
  bool message_checked = false;  // its AMS was cryptographically checked
  bool message_valid = false;
};

struct ArcResult {
  ArcStatus status = ArcStatus::kNone;
  std::string reason;       // why not pass; empty on pass and on none
  int instances = 0;        // N, the highest instance
  int failed_instance = 0;  // the set blamed for a failure, when one is
  // Lowest instance whose AMS (and every newer AMS) verifies; 0 when not
  // determined (chain not pass). Equal to 1 when the message is unchanged
  // since the first ARC hop.
  int oldest_pass = 0;
  std::vector<ArcSetInfo> sets;  // index 0 is instance 1; empty when the chain
                                 // structure is broken

  // One Authentication-Results resinfo, e.g.
  // "arc=pass (i=2; oldest-pass=1; sealed by lists.example, fwd.example)".
  std::string AuthResultsItem() const;
};

// Validates the ARC chain of `raw_message` (CRLF or LF line ends). `now` is
// Unix seconds. `raw_message` must stay alive until the awaitable completes.
boost::asio::awaitable<ArcResult> VerifyArc(dns::Resolver& resolver, std::string_view raw_message,
                                            int64_t now);

}  // namespace postdesk::auth
