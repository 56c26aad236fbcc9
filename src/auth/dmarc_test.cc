#include "auth/dmarc.h"

#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>

#include "dns/memory_zone.h"

namespace postdesk::dmarc {
namespace {

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

// ------------------------------------------------------------------ parsing

TEST(DmarcParse, FullRecord) {
  ParsedDmarc p = ParseDmarcRecord(
      "v=DMARC1; p=reject; SP=quarantine; np=reject; adkim=s; aspf=r; pct=20; t=y; psd=n; "
      "rua=mailto:a@example.com, mailto:b@example.com; ruf=mailto:f@example.com; fo=1:d; "
      "rf=afrf; future=x;");
  ASSERT_TRUE(p.is_dmarc);
  ASSERT_TRUE(p.record.has_value()) << p.error;
  const DmarcRecord& r = *p.record;
  EXPECT_EQ(r.p, Policy::kReject);
  EXPECT_EQ(r.sp, Policy::kQuarantine);
  EXPECT_EQ(r.np, Policy::kReject);
  EXPECT_EQ(r.adkim, Alignment::kStrict);
  EXPECT_EQ(r.aspf, Alignment::kRelaxed);
  EXPECT_EQ(r.pct, 20);
  EXPECT_TRUE(r.testing);
  EXPECT_EQ(r.psd, PsdFlag::kNo);
  EXPECT_EQ(r.rua, (std::vector<std::string>{"mailto:a@example.com", "mailto:b@example.com"}));
  EXPECT_EQ(r.ruf, std::vector<std::string>{"mailto:f@example.com"});
  EXPECT_EQ(r.fo, (std::vector<std::string>{"1", "d"}));
  EXPECT_TRUE(r.warnings.empty());
}

TEST(DmarcParse, VersionMustComeFirst) {
  EXPECT_FALSE(ParseDmarcRecord("p=reject; v=DMARC1").is_dmarc);
  EXPECT_FALSE(ParseDmarcRecord("v=spf1 -all").is_dmarc);
  EXPECT_FALSE(ParseDmarcRecord("v=dmarc1; p=reject").is_dmarc);
  EXPECT_TRUE(ParseDmarcRecord(" v = DMARC1 ;p=none").is_dmarc);
}

TEST(DmarcParse, DefaultsAndInvalidValues) {
  ParsedDmarc p = ParseDmarcRecord("v=DMARC1");
  ASSERT_TRUE(p.record);
  EXPECT_EQ(p.record->p, Policy::kNone);  // missing p= means none (DMARCbis)
  EXPECT_EQ(p.record->pct, 100);
  EXPECT_EQ(p.record->adkim, Alignment::kRelaxed);
  p = ParseDmarcRecord("v=DMARC1; p=bogus; sp=what; pct=101; adkim=x; t=maybe; psd=q; fo=7");
  ASSERT_TRUE(p.record);
  EXPECT_EQ(p.record->p, Policy::kNone);
  EXPECT_FALSE(p.record->sp);
  EXPECT_EQ(p.record->pct, 100);
  EXPECT_EQ(p.record->warnings.size(), 7u);
}

TEST(DmarcParse, MalformedTagListIsUnusable) {
  ParsedDmarc p = ParseDmarcRecord("v=DMARC1; p reject");
  EXPECT_TRUE(p.is_dmarc);
  EXPECT_FALSE(p.record);
  EXPECT_FALSE(p.error.empty());
}

TEST(DmarcWalk, NamesAndShortcut) {
  EXPECT_EQ(TreeWalkNames("Mail.Example.COM."),
            (std::vector<std::string>{"mail.example.com", "example.com", "com"}));
  auto names = TreeWalkNames("a.b.c.d.e.f.g.h.i.example.com");
  ASSERT_EQ(names.size(), 8u);
  EXPECT_EQ(names[0], "a.b.c.d.e.f.g.h.i.example.com");
  EXPECT_EQ(names[1], "e.f.g.h.i.example.com");  // straight to 7 labels
  EXPECT_EQ(names[7], "com");
  EXPECT_EQ(TreeWalkNames("b.c.d.e.f.g.h.example").size(), 8u);
}

TEST(DmarcWalk, AtMostEightLookups) {
  dns::MemoryZone zone;
  auto r = RunAwait<OrgDomainResult>(
      [&] { return FindOrganizationalDomain(zone, "a.b.c.d.e.f.g.h.i.j.example.com"); });
  EXPECT_EQ(zone.query_count(), 8u);
  EXPECT_TRUE(r.from_psl);
  EXPECT_EQ(r.org_domain, "example.com");
}

TEST(DmarcWalk, OrganizationalDomainRules) {
  dns::MemoryZone zone;
  zone.Add("_dmarc.example.com", RrType::kTXT, "v=DMARC1; p=reject");
  zone.Add("_dmarc.sub.example.com", RrType::kTXT, "v=DMARC1; p=none");
  // No psd tags: the record with the fewest labels.
  auto r = RunAwait<OrgDomainResult>(
      [&] { return FindOrganizationalDomain(zone, "x.sub.example.com"); });
  EXPECT_EQ(r.org_domain, "example.com");
  EXPECT_FALSE(r.from_psl);
  // psd=n stops the walk at that name.
  zone.Add("_dmarc.dept.example.org", RrType::kTXT, "v=DMARC1; p=none; psd=n");
  zone.Add("_dmarc.example.org", RrType::kTXT, "v=DMARC1; p=reject");
  r = RunAwait<OrgDomainResult>(
      [&] { return FindOrganizationalDomain(zone, "a.dept.example.org"); });
  EXPECT_EQ(r.org_domain, "dept.example.org");
  // psd=y: the organizational domain is one label below the PSD.
  zone.Add("_dmarc.psd.test", RrType::kTXT, "v=DMARC1; p=reject; psd=y");
  r = RunAwait<OrgDomainResult>(
      [&] { return FindOrganizationalDomain(zone, "a.b.brand.psd.test"); });
  EXPECT_EQ(r.org_domain, "brand.psd.test");
  // Nothing found: libpsl's registrable domain.
  r = RunAwait<OrgDomainResult>(
      [&] { return FindOrganizationalDomain(zone, "mail.shop.example.co.uk"); });
  EXPECT_TRUE(r.from_psl);
  EXPECT_EQ(r.org_domain, "example.co.uk");
  EXPECT_EQ(PslOrganizationalDomain("www.example.com"), "example.com");
}

TEST(DmarcWalk, SeveralRecordsAtANameAreDiscarded) {
  dns::MemoryZone zone;
  zone.Add("_dmarc.sub.example.com", RrType::kTXT, "v=DMARC1; p=none");
  zone.Add("_dmarc.sub.example.com", RrType::kTXT, "v=DMARC1; p=reject");
  zone.Add("_dmarc.sub.example.com", RrType::kTXT, "unrelated text");
  zone.Add("_dmarc.example.com", RrType::kTXT, "v=DMARC1; p=quarantine");
  DmarcInput in{.from_addresses = {"a@sub.example.com"}};
  auto r = RunAwait<DmarcResult>([&] { return Evaluate(zone, in, DmarcOptions{}); });
  EXPECT_EQ(r.policy_domain, "example.com");
  EXPECT_EQ(r.verdict, Verdict::kFail);
}

// --------------------------------------------------------------- evaluation

class DmarcEval : public ::testing::Test {
 protected:
  void SetUp() override {
    zone_.Add("_dmarc.example.com", RrType::kTXT,
              "v=DMARC1; p=reject; sp=quarantine; np=reject; rua=mailto:d@example.com");
    zone_.Add("example.com", RrType::kA, "192.0.2.1");
    zone_.Add("mail.example.com", RrType::kA, "192.0.2.2");
    zone_.Add("_dmarc.strict.test", RrType::kTXT, "v=DMARC1; p=quarantine; adkim=s; aspf=s");
    zone_.Add("strict.test", RrType::kMX, "");
  }
  DmarcResult Eval(DmarcInput in, DmarcOptions options = {}) {
    return RunAwait<DmarcResult>([&] { return Evaluate(zone_, in, options); });
  }
  dns::MemoryZone zone_;
};

TEST_F(DmarcEval, SpfRelaxedAlignmentPasses) {
  DmarcResult r = Eval({.from_addresses = {"Boss@Example.com"},
                        .spf = {.pass = true, .mail_from_domain = "bounce.mail.example.com"}});
  EXPECT_EQ(r.verdict, Verdict::kPass) << r.reason;
  EXPECT_TRUE(r.spf_aligned);
  EXPECT_EQ(r.policy, Policy::kNone);
  EXPECT_EQ(r.org_domain, "example.com");
}

TEST_F(DmarcEval, SpfUsesHeloWhenMailFromIsNull) {
  DmarcResult r = Eval({.from_addresses = {"boss@example.com"},
                        .spf = {.pass = true, .helo_domain = "mail.example.com"}});
  EXPECT_EQ(r.verdict, Verdict::kPass) << r.reason;
  r = Eval(
      {.from_addresses = {"boss@example.com"},
       .spf = {.pass = true, .mail_from_domain = "other.net", .helo_domain = "mail.example.com"}});
  EXPECT_EQ(r.verdict, Verdict::kFail) << r.reason;
}

TEST_F(DmarcEval, SpfFailOrUnalignedFails) {
  DmarcResult r = Eval({.from_addresses = {"boss@example.com"},
                        .spf = {.pass = false, .mail_from_domain = "example.com"}});
  EXPECT_EQ(r.verdict, Verdict::kFail);
  EXPECT_EQ(r.policy, Policy::kReject);
  EXPECT_NE(r.reason.find("p=reject"), std::string::npos) << r.reason;
  r = Eval({.from_addresses = {"boss@example.com"},
            .spf = {.pass = true, .mail_from_domain = "example.net"}});
  EXPECT_EQ(r.verdict, Verdict::kFail);
  EXPECT_NE(r.reason.find("not aligned"), std::string::npos) << r.reason;
}

TEST_F(DmarcEval, DkimAlignment) {
  DmarcResult r = Eval({.from_addresses = {"boss@example.com"},
                        .dkim = {{.pass = false, .domain = "example.com"},
                                 {.pass = true, .domain = "other.org"},
                                 {.pass = true, .domain = "Sig.Example.com"}}});
  EXPECT_EQ(r.verdict, Verdict::kPass) << r.reason;
  EXPECT_TRUE(r.dkim_aligned);
  EXPECT_EQ(r.aligned_dkim_domain, "sig.example.com");
  // A failing signature of the right domain does not count.
  r = Eval(
      {.from_addresses = {"boss@example.com"}, .dkim = {{.pass = false, .domain = "example.com"}}});
  EXPECT_EQ(r.verdict, Verdict::kFail);
}

TEST_F(DmarcEval, StrictAlignmentNeedsTheExactDomain) {
  DmarcResult r = Eval({.from_addresses = {"a@strict.test"},
                        .spf = {.pass = true, .mail_from_domain = "bounce.strict.test"},
                        .dkim = {{.pass = true, .domain = "sig.strict.test"}}});
  EXPECT_EQ(r.verdict, Verdict::kFail) << r.reason;
  EXPECT_EQ(r.policy, Policy::kQuarantine);
  r = Eval(
      {.from_addresses = {"a@strict.test"}, .dkim = {{.pass = true, .domain = "strict.test"}}});
  EXPECT_EQ(r.verdict, Verdict::kPass);
}

TEST_F(DmarcEval, SubdomainPolicyAndNonExistentSubdomains) {
  // mail.example.com exists: sp applies.
  DmarcResult r = Eval({.from_addresses = {"x@mail.example.com"}});
  EXPECT_EQ(r.verdict, Verdict::kFail);
  EXPECT_EQ(r.policy_domain, "example.com");
  EXPECT_EQ(r.policy, Policy::kQuarantine);
  EXPECT_NE(r.reason.find("sp=quarantine"), std::string::npos) << r.reason;
  // nosuch.example.com has no A, AAAA or MX: np applies.
  r = Eval({.from_addresses = {"x@nosuch.example.com"}});
  EXPECT_EQ(r.policy, Policy::kReject);
  EXPECT_NE(r.reason.find("np=reject"), std::string::npos) << r.reason;
  // At the domain itself p applies, whatever sp/np say.
  r = Eval({.from_addresses = {"x@example.com"}});
  EXPECT_EQ(r.policy, Policy::kReject);
  EXPECT_NE(r.reason.find(" p=reject"), std::string::npos) << r.reason;
}

TEST_F(DmarcEval, NpAbsentFallsBackToSpThenP) {
  zone_.Add("_dmarc.nonp.test", RrType::kTXT, "v=DMARC1; p=reject; sp=none");
  DmarcResult r = Eval({.from_addresses = {"x@ghost.nonp.test"}});
  EXPECT_EQ(r.policy, Policy::kNone);
  zone_.Add("_dmarc.onlyp.test", RrType::kTXT, "v=DMARC1; p=quarantine");
  r = Eval({.from_addresses = {"x@ghost.onlyp.test"}});
  EXPECT_EQ(r.policy, Policy::kQuarantine);
}

TEST_F(DmarcEval, PctSamplesAsRfc7489Said) {
  zone_.Add("_dmarc.pct.test", RrType::kTXT, "v=DMARC1; p=reject; pct=30");
  DmarcOptions in_sample{.sample = [] { return 29; }};
  DmarcResult r = Eval({.from_addresses = {"a@pct.test"}}, in_sample);
  EXPECT_EQ(r.policy, Policy::kReject);
  EXPECT_FALSE(r.sampled_out);
  DmarcOptions out_of_sample{.sample = [] { return 30; }};
  r = Eval({.from_addresses = {"a@pct.test"}}, out_of_sample);
  EXPECT_TRUE(r.sampled_out);
  EXPECT_EQ(r.requested_policy, Policy::kReject);
  EXPECT_EQ(r.policy, Policy::kQuarantine);  // one step down, not none
}

TEST_F(DmarcEval, TestingFlagLowersThePolicy) {
  zone_.Add("_dmarc.t.test", RrType::kTXT, "v=DMARC1; p=quarantine; t=y");
  DmarcResult r = Eval({.from_addresses = {"a@t.test"}});
  EXPECT_EQ(r.verdict, Verdict::kFail);
  EXPECT_EQ(r.requested_policy, Policy::kQuarantine);
  EXPECT_EQ(r.policy, Policy::kNone);
}

TEST_F(DmarcEval, NoRecordIsNone) {
  DmarcResult r = Eval({.from_addresses = {"a@nodmarc.example.net"},
                        .spf = {.pass = true, .mail_from_domain = "nodmarc.example.net"}});
  EXPECT_EQ(r.verdict, Verdict::kNone);
  EXPECT_EQ(r.policy, Policy::kNone);
  EXPECT_EQ(r.org_domain, "example.net");  // from the public suffix list
}

TEST_F(DmarcEval, SeveralFromAddressesOrNoDomainFail) {
  DmarcResult r = Eval({.from_addresses = {"a@example.com", "b@example.com"},
                        .spf = {.pass = true, .mail_from_domain = "example.com"}});
  EXPECT_EQ(r.verdict, Verdict::kFail);
  EXPECT_NE(r.reason.find("2 addresses"), std::string::npos);
  r = Eval({.from_addresses = {"undisclosed-recipients"},
            .spf = {.pass = true, .mail_from_domain = "example.com"}});
  EXPECT_EQ(r.verdict, Verdict::kFail);
  r = Eval({.from_addresses = {}});
  EXPECT_EQ(r.verdict, Verdict::kFail);
}

TEST_F(DmarcEval, DnsTroubleIsTempError) {
  zone_.SetTimeout("_dmarc.slow.test");
  DmarcResult r = Eval({.from_addresses = {"a@slow.test"}});
  EXPECT_EQ(r.verdict, Verdict::kTempError);
  // A timeout while finding the organizational domain of a DKIM domain under
  // the From organization matters...
  zone_.SetTimeout("_dmarc.flaky.example.com", RrType::kTXT);
  r = Eval({.from_addresses = {"a@example.com"},
            .dkim = {{.pass = true, .domain = "flaky.example.com"}}});
  EXPECT_EQ(r.verdict, Verdict::kTempError) << r.reason;
  // ...but a sender-chosen domain outside it is simply unaligned: a forger's
  // failing DNS must not turn a fail into a temperror.
  zone_.SetTimeout("_dmarc.flaky.example.org", RrType::kTXT);
  zone_.SetTimeout("_dmarc.example.org", RrType::kTXT);
  r = Eval({.from_addresses = {"a@example.com"},
            .spf = {.pass = true, .mail_from_domain = "flaky.example.org"},
            .dkim = {{.pass = true, .domain = "flaky.example.org"}}});
  EXPECT_NE(r.verdict, Verdict::kTempError) << r.reason;
  EXPECT_FALSE(r.spf_aligned);
  EXPECT_FALSE(r.dkim_aligned);
}

TEST_F(DmarcEval, UnusableRecordIsPermError) {
  zone_.Add("_dmarc.broken.test", RrType::kTXT, "v=DMARC1; p=reject; garbage");
  DmarcResult r = Eval({.from_addresses = {"a@broken.test"}});
  EXPECT_EQ(r.verdict, Verdict::kPermError);
}

TEST_F(DmarcEval, PsdRecordAppliesToOrganizations) {
  zone_.Add("_dmarc.psd.test", RrType::kTXT, "v=DMARC1; p=reject; np=reject; psd=y");
  zone_.Add("brand.psd.test", RrType::kA, "192.0.2.9");
  // The brand has no record of its own: the PSD's policy is found, sp/p apply.
  DmarcResult r = Eval({.from_addresses = {"a@brand.psd.test"},
                        .dkim = {{.pass = true, .domain = "other.psd.test"}}});
  EXPECT_EQ(r.verdict, Verdict::kFail) << r.reason;  // other.psd.test is another org
  EXPECT_EQ(r.org_domain, "brand.psd.test");
  r = Eval({.from_addresses = {"a@brand.psd.test"},
            .dkim = {{.pass = true, .domain = "mail.brand.psd.test"}}});
  EXPECT_EQ(r.verdict, Verdict::kPass) << r.reason;
}

}  // namespace
}  // namespace postdesk::dmarc
