// channel/domain_checks: the DNS setup checks of a sending/receiving domain
// (issue 6 item 3): SPF, DKIM, DMARC and MX, each as Findings (see
// channel/finding.h) with the evidence and the fix, including the exact
// record to publish. Used by `postdesk doctor domain|address`, the doctor
// API and PUT /recipient_addresses/{id}/verify {"type":"spf"|"dns"}.
//
// Step ids (stable, for tests and API clients):
//   spf.record     exactly one v=spf1 TXT record, and it parses
//   spf.include    our include (include:<spf_include>) is present
//   spf.lookups    <= 10 DNS-querying terms through includes/redirect
//   spf.void       <= 2 void lookups through includes/redirect
//   spf.all        the all term is not +all / ?all
//   spf.includes   every included / redirected record exists and parses
//                  (only when the record has include: or redirect=)
//   spf.type99     only when a deprecated SPF (type 99) RR is published
//   dkim.<sel>     one finding per selector of ours (or "dkim" when we have none)
//   dmarc.record   a valid DMARC record applies to the domain
//   dmarc.alignment what the policy does to our mail, whether it aligns
//   mx             the domain receives mail (MX or A fallback, no null MX);
//                  for the desk's own domain, whether MX points at us
// A DNS temperror is reported as such (TempError finding), never as "missing".
//
// Input: every DNS answer is untrusted: lookups are bounded (SPF recursion
// depth, term counts, 10-lookup / 2-void limits stop the walk), and records
// are quoted in evidence only after SanitizeUtf8-style cleaning.
// Thread-safety: the functions are reentrant coroutines; the resolver's own
// contract holds; options are copied.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <string>
#include <vector>

#include "channel/finding.h"
#include "common/config.h"
#include "dns/resolver.h"

namespace postdesk::channel {

// One DKIM key of ours for the checked domain.
struct OurDkimKey {
  std::string selector;
  std::string public_key_base64;  // the p= value we publish (no whitespace)
  std::string key_type = "rsa";   // "rsa" or "ed25519" (the k= tag)
  bool enabled = false;           // serve signs with this key
};

struct DomainCheckOptions {
  // The desk's own domain (Config::domain): the VERP/bounce envelope domain
  // (our SPF identity for DMARC alignment) and the domain whose MX should
  // point at us.
  std::string desk_domain;
  // The SPF include we require (Config::SpfInclude(); "_spf.<desk_domain>").
  std::string spf_include;
  // Our DKIM keys for the checked domain (from DATA/dkim/<domain>/).
  std::vector<OurDkimKey> dkim_keys;
  // Names and addresses that mean "this host" for the desk domain's MX check
  // (Config::hostname, and optionally the SMTP listener's address).
  std::vector<std::string> our_hosts;
};

// Our DKIM keys for `domain` as stored under <data_dir>/dkim/<domain>/:
// every <selector>.pem that parses, with `enabled` set when the marker file
// <selector>.enabled (written by `postdesk dkim enable`) exists. Sorted by
// selector. `domain` must already be a validated name (lower case, no '/').
// Unreadable or unparsable key files are skipped (the doctor reports the
// domain as having no key of that selector).
std::vector<OurDkimKey> LoadOurDkimKeys(const std::string& data_dir, const std::string& domain);

// The options for checking `domain` under `config`: desk_domain, spf_include
// (Config::SpfInclude()), our hosts (Config::hostname) and our DKIM keys for
// `domain` (LoadOurDkimKeys).
DomainCheckOptions DomainCheckOptionsFor(const Config& config, const std::string& domain);

// The SPF record to publish for `domain`: `existing` (a v=spf1 record, may be
// empty) with include:<spf_include> inserted before the all term (or the
// redirect= modifier), keeping every other term and the all qualifier. With
// no record: "v=spf1 include:<spf_include> ~all". Returns `existing` as is
// when the include is already there.
std::string MergedSpfRecord(const std::string& existing, const std::string& spf_include);

// The spf.* findings (only spf.record when there is no usable record).
boost::asio::awaitable<std::vector<Finding>> CheckSpf(dns::Resolver& resolver, std::string domain,
                                                      DomainCheckOptions options);

// One dkim.<selector> finding per key of ours; a "dkim" warning when we have
// no key for the domain (DKIM not set up) with the keygen command as fix.
boost::asio::awaitable<std::vector<Finding>> CheckDkim(dns::Resolver& resolver, std::string domain,
                                                       DomainCheckOptions options);

// dmarc.record and dmarc.alignment.
boost::asio::awaitable<std::vector<Finding>> CheckDmarc(dns::Resolver& resolver, std::string domain,
                                                        DomainCheckOptions options);

// mx.
boost::asio::awaitable<std::vector<Finding>> CheckMx(dns::Resolver& resolver, std::string domain,
                                                     DomainCheckOptions options);

// All of the above, in that order. `domain` must be a valid domain name (the
// caller validates it; an invalid one yields a single problem finding).
boost::asio::awaitable<std::vector<Finding>> CheckDomain(dns::Resolver& resolver,
                                                         std::string domain,
                                                         DomainCheckOptions options);

}  // namespace postdesk::channel
