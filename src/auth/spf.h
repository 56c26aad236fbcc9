// auth/spf: Sender Policy Framework, RFC 7208. CheckHost is the RFC's
// check_host(): it fetches the domain's SPF record through a dns::Resolver,
// evaluates its mechanisms and modifiers in order (include, redirect, the
// exp= explanation, macro expansion) under the processing limits of section
// 4.6.4, and returns one of the seven results with the reason a person can
// read: which term matched, or what made the check err.
//
// ParseSpfRecord is the pure half, usable without DNS (the domain DNS check
// uses it): the record's terms, how many of them query DNS, and the first
// syntax error with its offset.
//
// Input: SPF records, TXT records and every other DNS answer are untrusted
// and bounded (term counts, lookups, void lookups, MX and PTR fan-out, name
// lengths); the ip/sender/helo come from the SMTP session, also untrusted.
// Thread-safety: functions are reentrant; one CheckHost call must not share
// its SpfOptions with a concurrent writer. The resolver's own contract holds.
#pragma once

#include <array>
#include <boost/asio/awaitable.hpp>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "dns/resolver.h"

namespace postdesk::spf {

enum class Verdict { kNone, kNeutral, kPass, kFail, kSoftFail, kTempError, kPermError };

// "none", "neutral", "pass", "fail", "softfail", "temperror", "permerror".
const char* VerdictName(Verdict verdict);
std::optional<Verdict> ParseVerdict(std::string_view name);

// ---------------------------------------------------------------- parsing

enum class Qualifier { kPass, kFail, kSoftFail, kNeutral };  // + - ~ ?
enum class MechanismKind { kAll, kInclude, kA, kMx, kPtr, kIp4, kIp6, kExists };
const char* MechanismName(MechanismKind kind);

struct Mechanism {
  Qualifier qualifier = Qualifier::kPass;
  MechanismKind kind = MechanismKind::kAll;
  std::string domain_spec;            // macro-string as written; empty means <domain>
  int cidr4 = 32;                     // a, mx, ip4
  int cidr6 = 128;                    // a, mx, ip6
  std::array<uint8_t, 16> network{};  // ip4 (first 4 octets) and ip6
  std::string text;                   // the term as written
  size_t offset = 0;                  // where the term starts in the record
};

struct Modifier {
  std::string name;   // lower-cased
  std::string value;  // macro-string as written
  size_t offset = 0;
};

struct SpfRecord {
  std::vector<Mechanism> mechanisms;
  std::optional<Modifier> redirect;
  std::optional<Modifier> exp;
  std::vector<Modifier> unknown_modifiers;  // ignored by evaluation (RFC 7208 6)
  // Terms that cost a DNS lookup as written: include, a, mx, ptr, exists and
  // redirect (section 4.6.4). Includes are not followed here.
  int dns_terms = 0;
};

struct SpfSyntaxError {
  size_t offset = 0;  // byte offset of the offending term in the record
  std::string term;   // the offending term (empty for record-level errors)
  std::string message;
};

struct ParsedSpf {
  SpfRecord record;
  std::optional<SpfSyntaxError> error;
  bool ok() const { return !error.has_value(); }
};

// True when `txt` starts an SPF record: "v=spf1" alone or followed by a
// space, case-insensitively (section 4.5).
bool IsSpfRecord(std::string_view txt);

// Parses a whole record ("v=spf1 ..."). The record must be 7-bit ASCII and
// its terms separated by spaces only; every term is checked against the ABNF
// of section 12, including macro-strings and domain-specs, the CIDR lengths
// and at most one redirect= and one exp=.
ParsedSpf ParseSpfRecord(std::string_view text);

// ------------------------------------------------------- macro expansion

// The values macros expand to (section 7.3). Fill what the caller knows;
// CheckHost fills them itself.
struct MacroContext {
  std::string sender;                      // s
  std::string local_part;                  // l
  std::string sender_domain;               // o
  std::string domain;                      // d
  std::string ip;                          // the client IP as given; i, c and v come from it
  std::string helo;                        // h
  std::string validated_name = "unknown";  // p (computed by the caller)
  std::string receiver = "unknown";        // r (exp only)
  int64_t timestamp = 0;                   // t (exp only)
};

enum class MacroUse {
  kDomainSpec,   // a domain-spec: c, r, t are errors; the trailing dot is
                 // dropped and the name is shortened to 253 octets
  kExplanation,  // the TXT text of an exp=: every letter allowed
};

// Expands `spec`; an error message on invalid macro syntax.
// `error` is set (and the return value empty) on failure.
std::string ExpandMacros(std::string_view spec, const MacroContext& ctx, MacroUse use,
                         std::string* error);

// True when `spec` uses the p macro (which costs DNS lookups to compute).
bool UsesPtrMacro(std::string_view spec);

// --------------------------------------------------------------- checking

struct SpfOptions {
  int max_dns_terms = 10;            // section 4.6.4
  int max_void_lookups = 2;          // section 4.6.4
  int max_mx_names = 10;             // more MX records than this is a permerror
  int max_ptr_names = 10;            // PTR names past this are ignored
  std::string receiver = "unknown";  // %{r}
  std::optional<int64_t> timestamp;  // %{t}; the current time when empty
  // Explanation given for "fail" when the record has no usable exp=.
  std::string default_explanation = "the domain's SPF record does not authorize this host";
};

struct SpfResult {
  Verdict verdict = Verdict::kNone;
  // Why, for people: the term that matched ("-all", "ip4:192.0.2.0/24" in
  // example.com), or what went wrong and where.
  std::string reason;
  // For kFail: the exp= text of the deciding record, or the default one.
  std::string explanation;
  bool explanation_is_default = false;
  std::string domain;        // the domain checked at the top level
  std::string matched_term;  // the deciding directive, empty when none matched
  std::string matched_in;    // the domain whose record held it
  int dns_terms = 0;         // DNS-querying terms evaluated
  int void_lookups = 0;
};

// check_host(ip, domain, sender) of section 4. `sender` is the full MAIL FROM
// address (without a local-part "postmaster" is assumed); `helo` feeds %{h}.
// Options have no default on purpose: g++ 12 destroys a coroutine's class-type
// default argument twice.
boost::asio::awaitable<SpfResult> CheckHost(dns::Resolver& resolver, std::string ip,
                                            std::string domain, std::string sender,
                                            std::string helo, SpfOptions options);

// The MAIL FROM identity (section 2.4): the domain of `mail_from`, or, with
// an empty (null) reverse-path, postmaster@helo.
boost::asio::awaitable<SpfResult> CheckMailFrom(dns::Resolver& resolver, std::string ip,
                                                std::string mail_from, std::string helo,
                                                SpfOptions options);

// The HELO identity (section 2.3): sender postmaster@helo.
boost::asio::awaitable<SpfResult> CheckHelo(dns::Resolver& resolver, std::string ip,
                                            std::string helo, SpfOptions options);

}  // namespace postdesk::spf
