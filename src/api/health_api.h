// api/health_api: what the workspace's health bar shows when mail is not
// flowing (issue 12, item 7).
//   GET /api/v2/health -> {"health": {"status", "checked_at", "items": [...]}}
// Items, each with a level (ok | warning | problem) and a count:
//   outbound_backlog   recipients still to deliver (oldest_at: the oldest);
//                      a warning when any wait for a retry, a problem when
//                      one has waited over an hour
//   failed_forwarding  support addresses whose forwarding check failed (a
//                      problem: mail to them may never arrive)
//   dns_checks         support addresses whose SPF or DNS checks failed
//   delivery_failures  tickets with a recipient failed or bounced in the
//                      last 24 hours
// "status" is the worst level. Read-only; agents and admins alike.
// Thread-safety: handlers may run concurrently; the store outlives the router.
#pragma once

#include <nlohmann/json.hpp>
#include <vector>

#include "common/clock.h"
#include "http/router.h"
#include "store/store.h"

namespace postdesk::api {

// The report from what the store says (pure; `now` in Unix seconds).
nlohmann::json HealthJson(const store::OutboundBacklog& backlog,
                          const std::vector<store::RecipientAddress>& addresses,
                          int64_t tickets_with_failures, int64_t now);

void RegisterHealthApi(http::Router& router, store::Store& store, const Clock& clock);

}  // namespace postdesk::api
