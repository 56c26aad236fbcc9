// auth/dmarc: DMARC evaluation of one message. Finds the policy of the
// RFC5322.From domain and the organizational domains by the DMARCbis DNS
// tree walk (query _dmarc.<name>, removing labels, jumping straight to
// kWalkShortcutLabels labels for long names, so at most 8 lookups; psd=y/n
// stops the walk), falling back to the public suffix list (libpsl) when the
// walk finds no record, as RFC 7489 did. Checks relaxed or strict alignment of
// the SPF-authenticated domain (MAIL FROM, or HELO with a null MAIL FROM) and
// of each passing DKIM signature's d= with the From domain, picks p, sp or np
// (np for a From domain that does not exist), applies pct (read as RFC 7489
// defined it) and t=y, and explains the outcome.
//
// Input: the From addresses come from the message and the DNS answers from
// the network, both untrusted; the SPF and DKIM outcomes come from this
// process. The SPF and DKIM inputs are plain structs so this module does not
// depend on how those checks are implemented.
// Thread-safety: functions are reentrant; the resolver's contract holds.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "dns/resolver.h"

namespace postdesk::dmarc {

enum class Policy { kNone, kQuarantine, kReject };
enum class Alignment { kRelaxed, kStrict };
enum class PsdFlag { kUnset, kYes, kNo, kUnknown };  // psd= absent, y, n, u

const char* PolicyName(Policy policy);  // "none", "quarantine", "reject"

struct DmarcRecord {
  Policy p = Policy::kNone;
  std::optional<Policy> sp;
  std::optional<Policy> np;
  Alignment adkim = Alignment::kRelaxed;
  Alignment aspf = Alignment::kRelaxed;
  int pct = 100;         // RFC 7489; 0..100
  bool testing = false;  // t=y
  PsdFlag psd = PsdFlag::kUnset;
  std::vector<std::string> rua;  // parsed, not used here
  std::vector<std::string> ruf;
  std::vector<std::string> fo = {"0"};
  // Tags that were present but invalid and fell back to their default.
  std::vector<std::string> warnings;
};

struct ParsedDmarc {
  // False when the text is not a DMARC record at all (no leading v=DMARC1):
  // such TXT records are skipped during discovery.
  bool is_dmarc = false;
  std::optional<DmarcRecord> record;  // set when the record is usable
  std::string error;                  // why a DMARC record is unusable
};

// Parses a TXT record: "v=DMARC1" must be the first tag; tag names are
// case-insensitive; invalid p/sp/np/adkim/aspf/pct/t/psd/fo values fall back
// to defaults (and are listed in warnings); a malformed tag-list is an error.
ParsedDmarc ParseDmarcRecord(std::string_view text);

// How many labels the tree walk jumps to from a longer name.
inline constexpr int kWalkShortcutLabels = 7;

// The names the tree walk queries (without the "_dmarc." prefix), in order:
// `domain`, then (for 8 or more labels) its last 7 labels, then one label
// fewer each step down to the top-level label.
std::vector<std::string> TreeWalkNames(std::string_view domain);

struct OrgDomainResult {
  bool temperror = false;
  std::string error;
  std::string org_domain;
  bool from_psl = false;  // the walk found nothing; libpsl decided
};

// The organizational domain of `domain` (DMARCbis section 4.10.2).
boost::asio::awaitable<OrgDomainResult> FindOrganizationalDomain(dns::Resolver& resolver,
                                                                 std::string domain);

// The public-suffix-list organizational domain (registrable domain) only.
std::string PslOrganizationalDomain(std::string_view domain);

struct SpfOutcome {
  bool pass = false;             // SPF result was "pass"
  std::string mail_from_domain;  // empty for a null reverse-path
  std::string helo_domain;       // the checked identity when MAIL FROM is empty
};

struct DkimOutcome {
  bool pass = false;
  std::string domain;  // the signature's d=
};

struct DmarcInput {
  std::vector<std::string> from_addresses;  // every address of the From header
  SpfOutcome spf;
  std::vector<DkimOutcome> dkim;
};

enum class Verdict { kPass, kFail, kNone, kTempError, kPermError };
const char* VerdictName(Verdict verdict);  // "pass", "fail", "none", ...

struct DmarcResult {
  Verdict verdict = Verdict::kNone;
  Policy policy = Policy::kNone;            // what the receiver should do
  Policy requested_policy = Policy::kNone;  // p/sp/np before pct and t=y
  std::string reason;
  std::string from_domain;
  std::string policy_domain;  // where the record was found
  std::string org_domain;     // of the From domain
  std::optional<DmarcRecord> record;
  bool spf_aligned = false;
  bool dkim_aligned = false;
  std::string aligned_dkim_domain;
  bool sampled_out = false;  // pct chose not to apply the policy
};

struct DmarcOptions {
  // Returns a number in 0..99 for pct sampling; null means a random one.
  std::function<int()> sample;
};

// Options have no default on purpose: g++ 12 destroys a coroutine's class-type
// default argument twice.
boost::asio::awaitable<DmarcResult> Evaluate(dns::Resolver& resolver, DmarcInput input,
                                             DmarcOptions options);

}  // namespace postdesk::dmarc
