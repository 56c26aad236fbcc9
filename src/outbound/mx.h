// mx: where to deliver mail for a domain (RFC 5321 section 5.1): its MX hosts
// by preference, or the domain itself (A/AAAA) when it has no MX. A null MX
// (RFC 7505, "0 .") or a domain that does not exist is a permanent failure;
// a DNS failure is temporary. Thread-safety: as the Resolver.
#pragma once

#include <string>
#include <vector>

#include <boost/asio/awaitable.hpp>

#include "common/status.h"
#include "dns/resolver.h"
#include "outbound/smtp_client.h"

namespace postdesk::outbound {

boost::asio::awaitable<Result<std::vector<SmtpTarget>>> MxTargets(dns::Resolver& resolver,
                                                                  std::string domain);

}  // namespace postdesk::outbound
