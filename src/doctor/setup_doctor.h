// doctor/setup_doctor: `postdesk doctor domain DOMAIN` and `postdesk doctor
// address ADDR` -- every setup check of the email channel, as one
// channel::Report (one finding per step, see channel/finding.h):
//
//   domain D:   the domain checks of D (channel/domain_checks: spf.*, dkim.*,
//               dmarc.*, mx).
//   address A:  "address"     whether A is one of our support addresses
//                             (default, own domain or external);
//               "forwarding"  for an external address, its forwarding
//                             verification status with the reason and fix
//                             kept by channel/forwarding;
//               then every domain check of A's domain.
//
// The same reports back the CLI (app/doctor_command) and the API
// (api/doctor_api). RunWithResolver runs a report to completion on a private
// event loop with its own resolver, so both can call it from plain code.
//
// Input: domain and address arguments come from people and HTTP clients:
// they are validated (ValidDomainArg / ValidAddressArg) before any lookup.
// Store rows are ours; DNS answers are untrusted (domain_checks bounds them).
// Thread-safety: functions are reentrant; LookUpAddress blocks on
// Store::Read; RunWithResolver blocks the calling thread for at most the
// resolver's timeouts.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "channel/dkim_keys.h"
#include "channel/domain_checks.h"
#include "channel/finding.h"
#include "common/status.h"
#include "dns/resolver.h"
#include "store/store.h"

namespace postdesk::doctor {

// Lower-cased, without a trailing dot; Invalid (with the reason) unless it is
// a domain name with at least two labels of letters, digits, '-' and '_'.
Result<std::string> ValidDomainArg(std::string_view domain);
// Normalised (NormalizeEmail); Invalid unless local@domain with a valid domain.
Result<std::string> ValidAddressArg(std::string_view address);

// The report for `doctor domain`.
boost::asio::awaitable<channel::Report> DiagnoseDomain(dns::Resolver& resolver, std::string domain,
                                                       channel::DomainCheckOptions options);

// What the store says about an address.
struct AddressFacts {
  bool found = false;
  store::RecipientAddress row;  // when found
  std::string default_address;  // the desk's default support address ("" if unknown)
};

// Reads the address row and the default address (blocking, Store::Read).
Result<AddressFacts> LookUpAddress(store::Store& store, const std::string& email);

// The "address" and "forwarding" findings (no DNS).
std::vector<channel::Finding> AddressFindings(const AddressFacts& facts, const std::string& email,
                                              const std::string& desk_domain);

// The report for `doctor address`: AddressFindings, then the domain checks
// of the address's domain (`options` are for that domain).
boost::asio::awaitable<channel::Report> DiagnoseAddress(dns::Resolver& resolver, std::string email,
                                                        AddressFacts facts, std::string desk_domain,
                                                        channel::DomainCheckOptions options);

// Runs `run` with a resolver asking `dns_server` (as --dns; empty: the
// system's) on a private io_context until it is done. A resolver that cannot
// start gives a report with one temporary finding under `subject`.
using ReportFn = std::function<boost::asio::awaitable<channel::Report>(dns::Resolver&)>;
channel::Report RunWithResolver(const std::string& dns_server, const std::string& subject,
                                const ReportFn& run);

// Whether `key`'s record is published in DNS (asked through `dns_server`),
// before signing with it (`postdesk dkim enable`, the Email page's Enable):
// the dkim.<selector> finding, whose details.published is true when DNS
// holds our key; `temporary` when the lookup failed for now.
channel::Finding DkimKeyPublished(const std::string& dns_server, const std::string& desk_domain,
                                  const channel::StoredKey& key);

}  // namespace postdesk::doctor
