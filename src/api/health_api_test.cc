#include "api/health_api.h"

#include <gtest/gtest.h>

namespace postdesk::api {
namespace {

const nlohmann::json& Item(const nlohmann::json& h, std::string_view key) {
  for (const auto& item : h["health"]["items"]) {
    if (item["key"] == key) return item;
  }
  static const nlohmann::json kNone;
  return kNone;
}

TEST(HealthTest, AllQuietIsOk) {
  auto h = HealthJson({}, {}, 0, 1700000000);
  EXPECT_EQ(h["health"]["status"], "ok");
  EXPECT_EQ(Item(h, "outbound_backlog")["oldest_at"], nullptr);
}

TEST(HealthTest, StuckMailAndFailedForwardingAreProblems) {
  store::OutboundBacklog backlog{.pending = 3, .deferred = 2, .oldest_created_at = 1700000000};
  store::RecipientAddress a;
  a.email = "support@customer.example";
  a.forwarding_status = "failed";
  store::RecipientAddress b;
  b.email = "help@other.example";
  b.spf_status = "failed";
  // Deferred but young: a warning.
  auto young = HealthJson(backlog, {}, 0, 1700000000 + 600);
  EXPECT_EQ(young["health"]["status"], "warning");
  EXPECT_EQ(Item(young, "outbound_backlog")["count"], 3);
  // Over an hour old: a problem; and everything else counted.
  auto h = HealthJson(backlog, {a, b}, 2, 1700000000 + 3601);
  EXPECT_EQ(h["health"]["status"], "problem");
  EXPECT_EQ(Item(h, "outbound_backlog")["level"], "problem");
  EXPECT_EQ(Item(h, "outbound_backlog")["oldest_at"], "2023-11-14T22:13:20Z");
  EXPECT_EQ(Item(h, "failed_forwarding")["addresses"][0], "support@customer.example");
  EXPECT_EQ(Item(h, "dns_checks")["level"], "warning");
  EXPECT_EQ(Item(h, "delivery_failures")["count"], 2);
}

}  // namespace
}  // namespace postdesk::api
