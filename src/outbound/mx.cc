#include "outbound/mx.h"

#include <algorithm>

namespace postdesk::outbound {

boost::asio::awaitable<Result<std::vector<SmtpTarget>>> MxTargets(dns::Resolver& resolver,
                                                                  std::string domain) {
  using Targets = std::vector<SmtpTarget>;
  dns::Answer mx = co_await resolver.Query(domain, dns::RrType::kMX);
  if (mx.temperror()) co_return Status::Temporary("MX lookup for " + domain + " failed: " + mx.error);
  if (mx.rcode == dns::Rcode::kNxDomain) {
    co_return Status::Permanent("host not found: " + domain + " does not exist (NXDOMAIN)");
  }
  if (mx.ok() && !mx.mx.empty()) {
    std::vector<dns::MxRecord> records = mx.mx;
    if (records.size() == 1 && (records[0].exchange.empty() || records[0].exchange == ".")) {
      co_return Status::Permanent(domain + " accepts no mail (null MX)");
    }
    std::stable_sort(records.begin(), records.end(),
                     [](const auto& a, const auto& b) { return a.preference < b.preference; });
    Targets targets;
    for (const auto& r : records) {
      if (!r.exchange.empty() && r.exchange != ".") targets.push_back({r.exchange, 25});
    }
    co_return targets;
  }
  // No MX: the domain's own address records (the SMTP client resolves A/AAAA).
  co_return Targets{{domain, 25}};
}

}  // namespace postdesk::outbound
