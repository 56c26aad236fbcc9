#include "auth/spf.h"

#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>

#include "dns/memory_zone.h"

namespace postdesk::spf {
namespace {

using dns::RrType;

// ------------------------------------------------------------------ parser

TEST(SpfParse, TermsAndDnsTermCount) {
  ParsedSpf p = ParseSpfRecord(
      "v=spf1 +a mx/24//64 -ptr:example.org ip4:192.0.2.0/24 ip6:2001:db8::/32 "
      "~include:_spf.example.net ?exists:%{i}.bl.example.com redirect=other.example "
      "exp=why.%{d} x-note=hello -all");
  ASSERT_TRUE(p.ok()) << p.error->message;
  const SpfRecord& r = p.record;
  ASSERT_EQ(r.mechanisms.size(), 8u);
  EXPECT_EQ(r.mechanisms[0].kind, MechanismKind::kA);
  EXPECT_EQ(r.mechanisms[1].kind, MechanismKind::kMx);
  EXPECT_EQ(r.mechanisms[1].cidr4, 24);
  EXPECT_EQ(r.mechanisms[1].cidr6, 64);
  EXPECT_EQ(r.mechanisms[2].qualifier, Qualifier::kFail);
  EXPECT_EQ(r.mechanisms[2].domain_spec, "example.org");
  EXPECT_EQ(r.mechanisms[3].cidr4, 24);
  EXPECT_EQ(r.mechanisms[4].cidr6, 32);
  EXPECT_EQ(r.mechanisms[5].qualifier, Qualifier::kSoftFail);
  EXPECT_EQ(r.mechanisms[6].qualifier, Qualifier::kNeutral);
  EXPECT_EQ(r.mechanisms[7].kind, MechanismKind::kAll);
  EXPECT_EQ(r.mechanisms[7].offset, r.mechanisms[7].offset);
  ASSERT_TRUE(r.redirect);
  EXPECT_EQ(r.redirect->value, "other.example");
  ASSERT_TRUE(r.exp);
  ASSERT_EQ(r.unknown_modifiers.size(), 1u);
  EXPECT_EQ(r.unknown_modifiers[0].name, "x-note");
  // a, mx, ptr, include, exists and redirect query DNS.
  EXPECT_EQ(r.dns_terms, 6);
}

TEST(SpfParse, CaseAndSpacing) {
  EXPECT_TRUE(ParseSpfRecord("V=SPF1   IP4:192.0.2.1   -ALL  ").ok());
  EXPECT_TRUE(ParseSpfRecord("v=spf1").ok());
  EXPECT_TRUE(IsSpfRecord("v=spf1"));
  EXPECT_TRUE(IsSpfRecord("v=SPF1 -all"));
  EXPECT_FALSE(IsSpfRecord("v=spf10"));
  EXPECT_FALSE(IsSpfRecord("v=spf1mx"));
}

struct BadRecord {
  const char* text;
  size_t offset;
  const char* message_part;
};

TEST(SpfParse, SyntaxErrorsCarryTheirPosition) {
  const BadRecord cases[] = {
      {"v=spf1 ip4:192.0.2.1 moo -all", 21, "unknown mechanism"},
      {"v=spf1 -all.", 7, "unknown mechanism"},
      {"v=spf1 -all:x", 7, "no argument"},
      {"v=spf1 a/33", 7, "CIDR"},
      {"v=spf1 mx//129", 7, "CIDR"},
      {"v=spf1 ip4:1.2.3.4/032", 7, "CIDR"},
      {"v=spf1 ip4:1.2.3", 7, "IPv4"},
      {"v=spf1 ip4:01.2.3.4", 7, "IPv4"},
      {"v=spf1 ip6:2001:db8::/129", 7, "CIDR"},
      {"v=spf1 ip6::1::2", 7, "IPv6"},
      {"v=spf1 ip4:192.0.2.1//32", 7, "IPv4"},
      {"v=spf1 include:", 7, "domain-spec"},
      {"v=spf1 exists", 7, "missing domain-spec"},
      {"v=spf1 a:example", 7, "top label"},
      {"v=spf1 a:example.123", 7, "top label"},
      {"v=spf1 a:example.com.:80", 7, "top label"},
      {"v=spf1 ptr/24", 7, "unexpected"},
      {"v=spf1 a:%{x}.example.com", 7, "macro letter"},
      {"v=spf1 a:%{d0}.example.com", 7, "digit"},
      {"v=spf1 a:%{c}.example.com", 7, "explanations"},
      {"v=spf1 exists:foo%.example.com", 7, "invalid macro"},
      {"v=spf1 redirect=a.example redirect=b.example", 26, "more than once"},
      {"v=spf1 exp=", 7, "empty"},
      {"v=spf1 1up=foo", 7, "unknown mechanism"},
      {"v=spf1 foo=%q", 7, "invalid macro"},
      {"v=spf1 a:x.example.com\rptr", 7, "spaces only"},
      {"v=spf1 a:caf\xc3\xa9.example.com", 12, "ASCII"},
      {"spf1 -all", 0, "v=spf1"},
  };
  for (const BadRecord& c : cases) {
    ParsedSpf p = ParseSpfRecord(c.text);
    ASSERT_FALSE(p.ok()) << c.text;
    EXPECT_EQ(p.error->offset, c.offset) << c.text;
    EXPECT_NE(p.error->message.find(c.message_part), std::string::npos)
        << c.text << ": " << p.error->message;
  }
}

// ------------------------------------------------------------------ macros

MacroContext Ctx() {
  MacroContext c;
  c.sender = "jo.smith-x@mail.example.com";
  c.local_part = "jo.smith-x";
  c.sender_domain = "mail.example.com";
  c.domain = "mail.example.com";
  c.ip = "198.51.100.20";
  c.helo = "mx.example.org";
  c.validated_name = "host.example.com";
  c.receiver = "desk.example.net";
  c.timestamp = 1234;
  return c;
}

std::string Expand(std::string_view spec, MacroUse use = MacroUse::kDomainSpec,
                   MacroContext ctx = Ctx()) {
  std::string error;
  std::string out = ExpandMacros(spec, ctx, use, &error);
  return error.empty() ? out : "ERROR: " + error;
}

TEST(SpfMacro, LettersAndTransformers) {
  EXPECT_EQ(Expand("%{s}"), "jo.smith-x@mail.example.com");
  EXPECT_EQ(Expand("%{o}"), "mail.example.com");
  EXPECT_EQ(Expand("%{d}"), "mail.example.com");
  EXPECT_EQ(Expand("%{d2}"), "example.com");
  EXPECT_EQ(Expand("%{d1}"), "com");
  EXPECT_EQ(Expand("%{d9}"), "mail.example.com");
  EXPECT_EQ(Expand("%{dr}"), "com.example.mail");
  EXPECT_EQ(Expand("%{d2r}"), "example.mail");
  EXPECT_EQ(Expand("%{l}"), "jo.smith-x");
  EXPECT_EQ(Expand("%{l-}"), "jo.smith.x");
  EXPECT_EQ(Expand("%{lr-}"), "x.jo.smith");  // "-" replaces "." as delimiter
  EXPECT_EQ(Expand("%{l1r-.}"), "jo");
  EXPECT_EQ(Expand("%{ir}.%{v}._spf.%{d2}"), "20.100.51.198.in-addr._spf.example.com");
  EXPECT_EQ(Expand("%{h}"), "mx.example.org");
  EXPECT_EQ(Expand("%{p}"), "host.example.com");
  EXPECT_EQ(Expand("a%%b%_c%-d.example.com"), "a%b c%20d.example.com");
  EXPECT_EQ(Expand("%{d}."), "mail.example.com");  // trailing dot dropped
}

TEST(SpfMacro, Ipv6AndExplanationOnlyLetters) {
  MacroContext c = Ctx();
  c.ip = "2001:db8::cb01";
  EXPECT_EQ(Expand("%{i}", MacroUse::kDomainSpec, c),
            "2.0.0.1.0.D.B.8.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.C.B.0.1");
  EXPECT_EQ(Expand("%{v}", MacroUse::kDomainSpec, c), "ip6");
  EXPECT_EQ(Expand("%{c} %{r} %{t}", MacroUse::kExplanation, c),
            "2001:db8::cb01 desk.example.net 1234");
  EXPECT_EQ(Expand("%{c}"), "ERROR: macro '%{c}' is only allowed in explanations");
  // An IPv4-mapped client is an IPv4 client.
  c.ip = "::ffff:192.0.2.7";
  EXPECT_EQ(Expand("%{i} %{v}", MacroUse::kExplanation, c), "192.0.2.7 in-addr");
}

TEST(SpfMacro, UpperCaseEscapesAndLongNamesAreCut) {
  MacroContext c = Ctx();
  c.local_part = "a b&c=d/e~f";
  EXPECT_EQ(Expand("%{L}", MacroUse::kExplanation, c), "a%20b%26c%3Dd%2Fe~f");
  c.domain = std::string(60, 'a') + "." + std::string(60, 'b') + "." + std::string(60, 'c') + "." +
             std::string(60, 'd') + ".example";
  std::string out = Expand("%{d}.%{d}", MacroUse::kDomainSpec, c);
  EXPECT_LE(out.size(), 253u);
  EXPECT_TRUE(out.ends_with(".example")) << out;
  EXPECT_EQ(Expand("%{q}"), "ERROR: unknown macro letter in '%{q}'");
  EXPECT_TRUE(UsesPtrMacro("x.%{p2}.example"));
  EXPECT_FALSE(UsesPtrMacro("x.%{d}.example"));
}

// ---------------------------------------------------------------- checking

class SpfCheck : public ::testing::Test {
 protected:
  SpfResult Check(std::string ip, std::string mail_from, std::string helo = "mx.example.org",
                  SpfOptions options = {}) {
    boost::asio::io_context io;
    SpfResult out;
    boost::asio::co_spawn(
        io,
        [&]() -> boost::asio::awaitable<void> {
          out = co_await CheckMailFrom(zone_, ip, mail_from, helo, options);
        },
        boost::asio::detached);
    io.run();
    return out;
  }
  dns::MemoryZone zone_;
};

TEST_F(SpfCheck, EverySevenResults) {
  zone_.Add("pass.test", RrType::kTXT, "v=spf1 ip4:192.0.2.0/24 -all");
  zone_.Add("soft.test", RrType::kTXT, "v=spf1 ~all");
  zone_.Add("neutral.test", RrType::kTXT, "v=spf1 ?all");
  zone_.Add("nomatch.test", RrType::kTXT, "v=spf1 ip4:203.0.113.1");
  zone_.Add("broken.test", RrType::kTXT, "v=spf1 ip4:192.0.2.300 -all");
  zone_.Add("slow.test", RrType::kTXT, "v=spf1 a:gone.slow.test -all");
  zone_.SetTimeout("gone.slow.test");
  zone_.Add("nospf.test", RrType::kTXT, "some verification token");

  SpfResult r = Check("192.0.2.7", "a@pass.test");
  EXPECT_EQ(r.verdict, Verdict::kPass);
  EXPECT_EQ(r.matched_term, "ip4:192.0.2.0/24");
  EXPECT_EQ(r.matched_in, "pass.test");
  EXPECT_TRUE(r.explanation.empty());
  r = Check("198.51.100.1", "a@pass.test");
  EXPECT_EQ(r.verdict, Verdict::kFail);
  EXPECT_EQ(r.matched_term, "-all");
  EXPECT_TRUE(r.explanation_is_default);
  EXPECT_FALSE(r.explanation.empty());
  EXPECT_EQ(Check("192.0.2.7", "a@soft.test").verdict, Verdict::kSoftFail);
  EXPECT_EQ(Check("192.0.2.7", "a@neutral.test").verdict, Verdict::kNeutral);
  r = Check("192.0.2.7", "a@nomatch.test");
  EXPECT_EQ(r.verdict, Verdict::kNeutral);
  EXPECT_NE(r.reason.find("default"), std::string::npos);
  r = Check("192.0.2.7", "a@broken.test");
  EXPECT_EQ(r.verdict, Verdict::kPermError);
  EXPECT_NE(r.reason.find("ip4:192.0.2.300"), std::string::npos) << r.reason;
  r = Check("192.0.2.7", "a@slow.test");
  EXPECT_EQ(r.verdict, Verdict::kTempError);
  EXPECT_NE(r.reason.find("gone.slow.test"), std::string::npos) << r.reason;
  EXPECT_EQ(Check("192.0.2.7", "a@nospf.test").verdict, Verdict::kNone);
  EXPECT_EQ(Check("192.0.2.7", "a@nxdomain.test").verdict, Verdict::kNone);
  EXPECT_EQ(Check("192.0.2.7", "a@single-label").verdict, Verdict::kNone);
}

TEST_F(SpfCheck, NullSenderChecksHelo) {
  zone_.Add("mx.example.org", RrType::kTXT, "v=spf1 a -all");
  zone_.Add("mx.example.org", RrType::kA, "192.0.2.25");
  SpfResult r = Check("192.0.2.25", "");
  EXPECT_EQ(r.verdict, Verdict::kPass);
  EXPECT_EQ(r.domain, "mx.example.org");
  EXPECT_EQ(Check("192.0.2.26", "").verdict, Verdict::kFail);
}

TEST_F(SpfCheck, TenDnsTermsAndNoMore) {
  zone_.Add("ten.test", RrType::kTXT, "v=spf1 a a a a a a a a a a ip4:192.0.2.1 -all");
  zone_.Add("ten.test", RrType::kA, "10.0.0.1");
  zone_.Add("eleven.test", RrType::kTXT, "v=spf1 a a a a a a a a a a a ip4:192.0.2.1 -all");
  zone_.Add("eleven.test", RrType::kA, "10.0.0.1");
  SpfResult r = Check("192.0.2.1", "a@ten.test");
  EXPECT_EQ(r.verdict, Verdict::kPass);
  EXPECT_EQ(r.dns_terms, 10);
  r = Check("192.0.2.1", "a@eleven.test");
  EXPECT_EQ(r.verdict, Verdict::kPermError);
  EXPECT_NE(r.reason.find("more than 10"), std::string::npos) << r.reason;
  // A match before the limit is reached still counts.
  r = Check("10.0.0.1", "a@eleven.test");
  EXPECT_EQ(r.verdict, Verdict::kPass);
}

TEST_F(SpfCheck, IncludesAndRedirectsCountToo) {
  zone_.Add("inc.test", RrType::kTXT, "v=spf1 include:self.inc.test -all");
  zone_.Add("self.inc.test", RrType::kTXT, "v=spf1 include:inc.test");
  SpfResult r = Check("192.0.2.1", "a@inc.test");
  EXPECT_EQ(r.verdict, Verdict::kPermError);
  zone_.Add("loop.test", RrType::kTXT, "v=spf1 redirect=loop.test");
  EXPECT_EQ(Check("192.0.2.1", "a@loop.test").verdict, Verdict::kPermError);
}

TEST_F(SpfCheck, TwoVoidLookupsAndNoMore) {
  zone_.Add("two.test", RrType::kTXT, "v=spf1 a:nx1.test mx:nx2.test ip4:192.0.2.0/24 -all");
  zone_.Add("three.test", RrType::kTXT,
            "v=spf1 a:nx1.test mx:nx2.test exists:nx3.test ip4:192.0.2.0/24 -all");
  SpfResult r = Check("192.0.2.1", "a@two.test");
  EXPECT_EQ(r.verdict, Verdict::kPass);
  EXPECT_EQ(r.void_lookups, 2);
  r = Check("192.0.2.1", "a@three.test");
  EXPECT_EQ(r.verdict, Verdict::kPermError);
  EXPECT_NE(r.reason.find("void"), std::string::npos) << r.reason;
  SpfOptions lenient;
  lenient.max_void_lookups = 5;
  EXPECT_EQ(Check("192.0.2.1", "a@three.test", "h.example", lenient).verdict, Verdict::kPass);
}

TEST_F(SpfCheck, MxLimitAndPtrLimit) {
  zone_.Add("mx.test", RrType::kTXT, "v=spf1 mx -all");
  for (int i = 0; i < 11; ++i) zone_.AddMx("mx.test", i, "host" + std::to_string(i) + ".mx.test");
  zone_.Add("host10.mx.test", RrType::kA, "192.0.2.1");
  EXPECT_EQ(Check("192.0.2.1", "a@mx.test").verdict, Verdict::kPermError);

  zone_.Add("ptr.test", RrType::kTXT, "v=spf1 ptr -all");
  for (int i = 0; i < 11; ++i) {
    const std::string name = "n" + std::to_string(i) + (i == 10 ? ".ptr.test" : ".other.test");
    zone_.Add("1.2.0.192.in-addr.arpa", RrType::kPTR, name);
    zone_.Add(name, RrType::kA, "192.0.2.1");
  }
  // Only the first ten PTR names are looked at: the matching one is 11th.
  EXPECT_EQ(Check("192.0.2.1", "a@ptr.test").verdict, Verdict::kFail);
}

TEST_F(SpfCheck, PtrNamesMustValidate) {
  zone_.Add("p.test", RrType::kTXT, "v=spf1 ptr:p.test -all");
  zone_.Add("9.2.0.192.in-addr.arpa", RrType::kPTR, "liar.p.test");
  zone_.Add("9.2.0.192.in-addr.arpa", RrType::kPTR, "ok.p.test");
  zone_.Add("liar.p.test", RrType::kA, "203.0.113.9");
  zone_.Add("ok.p.test", RrType::kA, "192.0.2.9");
  EXPECT_EQ(Check("192.0.2.9", "a@p.test").verdict, Verdict::kPass);
  zone_.Add("8.2.0.192.in-addr.arpa", RrType::kPTR, "liar.p.test");
  EXPECT_EQ(Check("192.0.2.8", "a@p.test").verdict, Verdict::kFail);
}

TEST_F(SpfCheck, CidrAndDualCidr) {
  zone_.Add("c.test", RrType::kTXT, "v=spf1 a:h.c.test/24//48 -all");
  zone_.Add("h.c.test", RrType::kA, "192.0.2.200");
  zone_.Add("h.c.test", RrType::kAAAA, "2001:db8:5:6::1");
  EXPECT_EQ(Check("192.0.2.1", "a@c.test").verdict, Verdict::kPass);
  EXPECT_EQ(Check("192.0.3.1", "a@c.test").verdict, Verdict::kFail);
  EXPECT_EQ(Check("2001:db8:5:ffff::9", "a@c.test").verdict, Verdict::kPass);
  EXPECT_EQ(Check("2001:db8:6::9", "a@c.test").verdict, Verdict::kFail);
  EXPECT_EQ(Check("::ffff:192.0.2.44", "a@c.test").verdict, Verdict::kPass);
}

TEST_F(SpfCheck, ExplanationWithMacrosAndItsFailures) {
  zone_.Add("e.test", RrType::kTXT, "v=spf1 -all exp=why.%{d}");
  zone_.Add("why.e.test", RrType::kTXT, "%{c} may not send as %{s} (%{r})");
  SpfOptions options;
  options.receiver = "desk.example";
  SpfResult r = Check("192.0.2.3", "Jo@e.test", "h.example", options);
  EXPECT_EQ(r.verdict, Verdict::kFail);
  EXPECT_EQ(r.explanation, "192.0.2.3 may not send as Jo@e.test (desk.example)");
  EXPECT_FALSE(r.explanation_is_default);
  // Two TXT records, or a bad macro, give the default explanation.
  zone_.Add("e2.test", RrType::kTXT, "v=spf1 -all exp=two.e.test");
  zone_.Add("two.e.test", RrType::kTXT, "one");
  zone_.Add("two.e.test", RrType::kTXT, "two");
  EXPECT_TRUE(Check("192.0.2.3", "a@e2.test").explanation_is_default);
  zone_.Add("e3.test", RrType::kTXT, "v=spf1 -all exp=bad.e.test");
  zone_.Add("bad.e.test", RrType::kTXT, "%{z}");
  EXPECT_TRUE(Check("192.0.2.3", "a@e3.test").explanation_is_default);
  // softfail has no explanation.
  zone_.Add("e4.test", RrType::kTXT, "v=spf1 ~all exp=why.e.test");
  EXPECT_TRUE(Check("192.0.2.3", "a@e4.test").explanation.empty());
}

TEST_F(SpfCheck, IncludeResultsMapToMatchOrNot) {
  zone_.Add("i.test", RrType::kTXT, "v=spf1 include:fail.i.test include:pass.i.test -all");
  zone_.Add("fail.i.test", RrType::kTXT, "v=spf1 -all");
  zone_.Add("pass.i.test", RrType::kTXT, "v=spf1 ip4:192.0.2.0/24");
  EXPECT_EQ(Check("192.0.2.1", "a@i.test").verdict, Verdict::kPass);
  EXPECT_EQ(Check("10.0.0.1", "a@i.test").verdict, Verdict::kFail);
  zone_.Add("inone.test", RrType::kTXT, "v=spf1 include:nothing.test -all");
  EXPECT_EQ(Check("10.0.0.1", "a@inone.test").verdict, Verdict::kPermError);
  zone_.Add("redir.test", RrType::kTXT, "v=spf1 redirect=nothing.test");
  EXPECT_EQ(Check("10.0.0.1", "a@redir.test").verdict, Verdict::kPermError);
}

TEST_F(SpfCheck, MultipleRecordsAndBadClientAddress) {
  zone_.Add("two.test", RrType::kTXT, "v=spf1 -all");
  zone_.Add("two.test", RrType::kTXT, "v=spf1 +all");
  EXPECT_EQ(Check("192.0.2.1", "a@two.test").verdict, Verdict::kPermError);
  EXPECT_EQ(Check("not-an-ip", "a@two.test").verdict, Verdict::kPermError);
}

TEST(SpfVerdict, NamesRoundTrip) {
  for (Verdict v : {Verdict::kNone, Verdict::kNeutral, Verdict::kPass, Verdict::kFail,
                    Verdict::kSoftFail, Verdict::kTempError, Verdict::kPermError}) {
    EXPECT_EQ(ParseVerdict(VerdictName(v)), v);
  }
  EXPECT_FALSE(ParseVerdict("maybe"));
}

}  // namespace
}  // namespace postdesk::spf
