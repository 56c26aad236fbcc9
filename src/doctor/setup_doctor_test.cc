#include "doctor/setup_doctor.h"

#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <filesystem>

#include "channel/recipient_addresses.h"
#include "dns/memory_zone.h"

namespace postdesk::doctor {
namespace {

using channel::Level;
using dns::RrType;

template <typename T, typename Make>
T RunAwait(Make make) {
  boost::asio::io_context io;
  T out{};
  boost::asio::co_spawn(
      io, [&]() -> boost::asio::awaitable<void> { out = co_await make(); }, boost::asio::detached);
  io.run();
  return out;
}

const channel::Finding* Step(const channel::Report& r, std::string_view step) {
  for (const auto& f : r.findings) {
    if (f.step == step) return &f;
  }
  return nullptr;
}

channel::DomainCheckOptions Options() {
  channel::DomainCheckOptions o;
  o.desk_domain = "desk.example";
  o.spf_include = "_spf.desk.example";
  o.our_hosts = {"mx.desk.example"};
  return o;
}

TEST(SetupDoctor, ValidatesArguments) {
  EXPECT_EQ(*ValidDomainArg("Support.Example."), "support.example");
  EXPECT_FALSE(ValidDomainArg("example").ok());
  EXPECT_FALSE(ValidDomainArg("a..b").ok());
  EXPECT_FALSE(ValidDomainArg("a/b.example").ok());
  EXPECT_FALSE(ValidDomainArg("").ok());
  EXPECT_EQ(ValidDomainArg("x y.example").status().kind(), ErrorKind::kInvalid);
  EXPECT_EQ(*ValidAddressArg(" Help@Customer.Example "), "help@customer.example");
  EXPECT_FALSE(ValidAddressArg("help").ok());
  EXPECT_FALSE(ValidAddressArg("@customer.example").ok());
  EXPECT_FALSE(ValidAddressArg("a b@customer.example").ok());
  EXPECT_FALSE(ValidAddressArg("help@customer").ok());
}

TEST(SetupDoctor, DomainReportHasEveryCheck) {
  dns::MemoryZone z;
  z.Add("customer.example", RrType::kTXT, "v=spf1 include:_spf.desk.example -all");
  z.Add("_spf.desk.example", RrType::kTXT, "v=spf1 ip4:127.0.0.1 -all");
  z.AddMx("customer.example", 10, "mx.customer.example");
  z.Add("mx.customer.example", RrType::kA, "192.0.2.1");
  auto report =
      RunAwait<channel::Report>([&] { return DiagnoseDomain(z, "customer.example", Options()); });
  EXPECT_EQ(report.subject, "domain customer.example");
  ASSERT_NE(Step(report, "spf.include"), nullptr);
  EXPECT_EQ(Step(report, "spf.include")->level, Level::kOk);
  EXPECT_EQ(Step(report, "dkim")->level, Level::kWarning);
  EXPECT_EQ(Step(report, "dmarc.record")->level, Level::kWarning);
  EXPECT_EQ(Step(report, "mx")->level, Level::kOk);
  EXPECT_EQ(report.ExitStatus(), 0) << report.ToText();
}

TEST(SetupDoctor, UnknownAddressIsAProblemWithTheFix) {
  AddressFacts facts;
  facts.default_address = "support@desk.example";
  auto fs = AddressFindings(facts, "help@customer.example", "desk.example");
  ASSERT_EQ(fs.size(), 1u);
  EXPECT_EQ(fs[0].step, "address");
  EXPECT_EQ(fs[0].level, Level::kProblem);
  EXPECT_NE(fs[0].evidence.find("not a support address"), std::string::npos);
  EXPECT_NE(fs[0].fix.find("POST /api/v2/recipient_addresses"), std::string::npos);
  EXPECT_NE(fs[0].fix.find("forward its mail to support@desk.example"), std::string::npos);
}

TEST(SetupDoctor, ForwardingStatusesAndReasons) {
  AddressFacts facts;
  facts.found = true;
  facts.default_address = "support@desk.example";
  facts.row.id = 7;
  facts.row.email = "help@customer.example";
  auto level = [&](const std::string& status) {
    facts.row.forwarding_status = status;
    auto fs = AddressFindings(facts, facts.row.email, "desk.example");
    EXPECT_EQ(fs.size(), 2u);
    EXPECT_EQ(fs[0].level, Level::kOk);
    return fs[1];
  };
  EXPECT_EQ(level("verified").level, Level::kOk);
  EXPECT_EQ(level("waiting").level, Level::kWarning);
  channel::Finding unknown = level("unknown");
  EXPECT_EQ(unknown.level, Level::kWarning);
  EXPECT_NE(unknown.fix.find("/recipient_addresses/7/verify"), std::string::npos);
  channel::SetCheck(facts.row, "forwarding", "failed",
                    "delivered, but never forwarded back within 600 seconds",
                    "set up forwarding at the customer's mail provider");
  channel::Finding failed = level("failed");
  EXPECT_EQ(failed.level, Level::kProblem);
  EXPECT_NE(failed.evidence.find("never forwarded back"), std::string::npos);
  EXPECT_EQ(failed.fix, "set up forwarding at the customer's mail provider");
  // An address on our own domain has nothing to forward.
  facts.row.email = "support@desk.example";
  facts.row.forwarding_status = "unknown";
  auto fs = AddressFindings(facts, facts.row.email, "desk.example");
  EXPECT_EQ(fs[1].level, Level::kOk);
}

TEST(SetupDoctor, AddressFromAStore) {
  namespace fs = std::filesystem;
  fs::path dir = fs::temp_directory_path() / ("setup_doctor_test_" + std::to_string(::getpid()));
  fs::create_directories(dir);
  auto store = store::OpenSqlite((dir / "p.db").string());
  ASSERT_TRUE(store.ok()) << store.status().message();
  ASSERT_TRUE((*store)
                  ->Write([](store::Tx& tx) {
                    return channel::EnsureAddresses(
                        tx, {"support@desk.example", "help@customer.example"}, "desk.example", 1);
                  })
                  .ok());
  auto facts = LookUpAddress(**store, "help@customer.example");
  ASSERT_TRUE(facts.ok()) << facts.status().message();
  EXPECT_TRUE(facts->found);
  EXPECT_EQ(facts->default_address, "support@desk.example");
  auto none = LookUpAddress(**store, "nobody@customer.example");
  ASSERT_TRUE(none.ok());
  EXPECT_FALSE(none->found);

  dns::MemoryZone z;
  z.SetTimeout("customer.example");
  auto report = RunAwait<channel::Report>([&] {
    return DiagnoseAddress(z, "help@customer.example", *facts, "desk.example", Options());
  });
  EXPECT_EQ(report.subject, "address help@customer.example");
  EXPECT_EQ(report.findings[0].step, "address");
  EXPECT_EQ(report.findings[1].step, "forwarding");
  EXPECT_EQ(report.findings[1].level, Level::kWarning);
  ASSERT_NE(Step(report, "spf.record"), nullptr);
  EXPECT_TRUE(Step(report, "spf.record")->temporary);
  // Only temporary problems: try again later.
  EXPECT_EQ(report.ExitStatus(), channel::kExitReportTemporary) << report.ToText();
  fs::remove_all(dir);
}

TEST(SetupDoctor, ResolverThatCannotStartIsTemporary) {
  ReportFn never = [](dns::Resolver&) -> boost::asio::awaitable<channel::Report> {
    co_return channel::Report{};
  };
  channel::Report r = RunWithResolver("not an address:x", "domain x.example", never);
  EXPECT_EQ(r.subject, "domain x.example");
  ASSERT_EQ(r.findings.size(), 1u);
  EXPECT_TRUE(r.findings[0].temporary);
  EXPECT_EQ(r.ExitStatus(), channel::kExitReportTemporary);
}

}  // namespace
}  // namespace postdesk::doctor
