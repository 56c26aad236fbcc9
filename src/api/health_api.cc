#include "api/health_api.h"

#include <string>

#include "api/present.h"

namespace postdesk::api {

using nlohmann::json;

namespace {

constexpr int64_t kStuckSeconds = 3600;
constexpr int64_t kFailureWindowSeconds = 24 * 3600;

int Rank(std::string_view level) { return level == "problem" ? 2 : level == "warning" ? 1 : 0; }

}  // namespace

json HealthJson(const store::OutboundBacklog& backlog,
                const std::vector<store::RecipientAddress>& addresses,
                int64_t tickets_with_failures, int64_t now) {
  json items = json::array();
  std::string backlog_level = "ok";
  if (backlog.pending > 0 && backlog.oldest_created_at > 0 &&
      now - backlog.oldest_created_at > kStuckSeconds) {
    backlog_level = "problem";
  } else if (backlog.deferred > 0) {
    backlog_level = "warning";
  }
  items.push_back({{"key", "outbound_backlog"},
                   {"level", backlog_level},
                   {"count", backlog.pending},
                   {"deferred", backlog.deferred},
                   {"oldest_at", backlog.oldest_created_at ? json(FormatIsoTime(backlog.oldest_created_at))
                                                           : json(nullptr)}});
  json forwarding = json::array(), dns = json::array();
  for (const auto& a : addresses) {
    if (a.forwarding_status == "failed") forwarding.push_back(a.email);
    if (a.spf_status == "failed" || a.domain_verification_status == "failed" ||
        a.cname_status == "failed") {
      dns.push_back(a.email);
    }
  }
  items.push_back({{"key", "failed_forwarding"},
                   {"level", forwarding.empty() ? "ok" : "problem"},
                   {"count", forwarding.size()},
                   {"addresses", forwarding}});
  items.push_back({{"key", "dns_checks"},
                   {"level", dns.empty() ? "ok" : "warning"},
                   {"count", dns.size()},
                   {"addresses", dns}});
  items.push_back({{"key", "delivery_failures"},
                   {"level", tickets_with_failures ? "warning" : "ok"},
                   {"count", tickets_with_failures}});
  std::string status = "ok";
  for (const auto& item : items) {
    if (Rank(item["level"].get<std::string>()) > Rank(status)) status = item["level"];
  }
  return {{"health", {{"status", status}, {"checked_at", FormatIsoTime(now)}, {"items", items}}}};
}

void RegisterHealthApi(http::Router& router, store::Store& store, const Clock& clock) {
  store::Store* st = &store;
  const Clock* c = &clock;
  router.Get("/api/v2/health", [st, c](const http::Request&) {
    json out;
    int64_t now = c->Now();
    Status s = st->Read([&](store::Tx& tx) -> Status {
      auto backlog = tx.GetOutboundBacklog();
      if (!backlog.ok()) return backlog.status();
      auto addresses = tx.ListRecipientAddresses();
      if (!addresses.ok()) return addresses.status();
      auto failures = tx.CountTicketsWithFailedDeliverySince(now - kFailureWindowSeconds);
      if (!failures.ok()) return failures.status();
      out = HealthJson(*backlog, *addresses, *failures, now);
      return Status::Ok();
    });
    if (!s.ok()) return StoreError(s);
    return http::JsonResponse(200, out);
  });
}

}  // namespace postdesk::api
