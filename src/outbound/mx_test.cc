#include "outbound/mx.h"

#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/detached.hpp>

#include "dns/memory_zone.h"

namespace postdesk::outbound {
namespace {

Result<std::vector<SmtpTarget>> Lookup(dns::Resolver& r, std::string domain) {
  boost::asio::io_context io;
  std::optional<Result<std::vector<SmtpTarget>>> out;
  boost::asio::co_spawn(
      io,
      [&]() -> boost::asio::awaitable<void> { out.emplace(co_await MxTargets(r, domain)); },
      boost::asio::detached);
  io.run();
  return *out;
}

TEST(MxTargets, ByPreferenceThenFallbackAndFailures) {
  dns::MemoryZone zone;
  zone.AddMx("customer.test", 20, "mx2.customer.test");
  zone.AddMx("customer.test", 10, "mx1.customer.test");
  zone.Add("nomx.test", dns::RrType::kA, "192.0.2.1");
  zone.AddMx("nullmx.test", 0, ".");
  zone.SetTimeout("slow.test");
  auto t = Lookup(zone, "customer.test");
  ASSERT_TRUE(t.ok());
  ASSERT_EQ(t->size(), 2u);
  EXPECT_EQ((*t)[0].host, "mx1.customer.test");
  EXPECT_EQ((*t)[1].host, "mx2.customer.test");
  auto a = Lookup(zone, "nomx.test");
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(a->front().host, "nomx.test");
  EXPECT_EQ(Lookup(zone, "nowhere.test").status().kind(), ErrorKind::kPermanent);
  EXPECT_EQ(Lookup(zone, "nullmx.test").status().kind(), ErrorKind::kPermanent);
  EXPECT_TRUE(Lookup(zone, "slow.test").status().temporary());
}

}  // namespace
}  // namespace postdesk::outbound
