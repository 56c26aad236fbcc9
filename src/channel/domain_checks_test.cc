#include "channel/domain_checks.h"

#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <filesystem>
#include <fstream>
#include <map>

#include "auth/dkim_crypto.h"
#include "auth/spf.h"
#include "dns/memory_zone.h"

namespace postdesk::channel {
namespace {

using dns::RrType;

constexpr const char* kDesk = "desk.example";
constexpr const char* kDomain = "customer.example";
constexpr const char* kInclude = "_spf.desk.example";

template <typename T, typename Make>
T RunAwait(Make make) {
  boost::asio::io_context io;
  T out{};
  boost::asio::co_spawn(
      io, [&]() -> boost::asio::awaitable<void> { out = co_await make(); }, boost::asio::detached);
  io.run();
  return out;
}

std::string OurPublicKey() {
  static const std::string key = [] {
    auto k = auth::PrivateKey::Generate(auth::KeyType::kEd25519);
    return (*k)->PublicKeyBase64();
  }();
  return key;
}

std::string OtherPublicKey() {
  static const std::string key = [] {
    auto k = auth::PrivateKey::Generate(auth::KeyType::kEd25519);
    return (*k)->PublicKeyBase64();
  }();
  return key;
}

DomainCheckOptions Options(bool key = true, bool enabled = true) {
  DomainCheckOptions o;
  o.desk_domain = kDesk;
  o.spf_include = kInclude;
  o.our_hosts = {"mx.desk.example"};
  if (key) o.dkim_keys.push_back({"postdesk", OurPublicKey(), "ed25519", enabled});
  return o;
}

// A customer domain set up the way we ask: SPF with our include, our DKIM
// key published, DMARC p=reject, an MX that has an address.
void GoodZone(dns::MemoryZone& z, const char* spf = nullptr) {
  z.Add(kDomain, RrType::kTXT,
        spf ? spf : "v=spf1 ip4:192.0.2.0/24 include:_spf.desk.example -all");
  z.Add(kDomain, RrType::kTXT, "google-site-verification=abc");
  z.Add(kInclude, RrType::kTXT, "v=spf1 ip4:127.0.0.1 -all");
  z.Add("postdesk._domainkey.customer.example", RrType::kTXT,
        "v=DKIM1; k=ed25519; p=" + OurPublicKey());
  z.Add("_dmarc.customer.example", RrType::kTXT,
        "v=DMARC1; p=reject; rua=mailto:d@customer.example");
  z.AddMx(kDomain, 10, "mx.customer.example");
  z.Add("mx.customer.example", RrType::kA, "192.0.2.25");
  // Our own domain.
  z.AddMx(kDesk, 10, "mx.desk.example");
  z.Add("mx.desk.example", RrType::kA, "127.0.0.1");
}

std::vector<Finding> Check(dns::MemoryZone& z, DomainCheckOptions o = Options(),
                           std::string domain = kDomain) {
  return RunAwait<std::vector<Finding>>([&] { return CheckDomain(z, domain, o); });
}

const Finding* Step(const std::vector<Finding>& fs, std::string_view step) {
  for (const auto& f : fs) {
    if (f.step == step) return &f;
  }
  return nullptr;
}

std::string Dump(const std::vector<Finding>& fs) {
  Report r{"test", fs};
  return r.ToText();
}

// `fs` may be a temporary (Check(z)): it is bound to a reference that lives
// to the end of the block (ASan found the use after free when it was not).
#define EXPECT_STEP(fs, step, lvl)                                     \
  do {                                                                 \
    const std::vector<Finding>& fs_ = (fs);                            \
    const Finding* f_ = Step(fs_, step);                               \
    ASSERT_NE(f_, nullptr) << "no step " << step << "\n" << Dump(fs_); \
    EXPECT_EQ(f_->level, lvl) << Dump(fs_);                            \
  } while (0)

// What the evaluator itself says for a server that matches nothing: the
// check's verdict must agree with the real SPF evaluation.
spf::Verdict Evaluate(dns::MemoryZone& z, const std::string& domain) {
  auto r = RunAwait<spf::SpfResult>([&] {
    return spf::CheckHost(z, "198.51.100.7", domain, "x@" + domain, "client.example",
                          spf::SpfOptions{});
  });
  return r.verdict;
}

// ------------------------------------------------------------------ merge

TEST(MergedSpfRecord, InsertsOurIncludeBeforeAllKeepingTheirTerms) {
  EXPECT_EQ(MergedSpfRecord("v=spf1 ip4:192.0.2.1 include:other.example -all", kInclude),
            "v=spf1 ip4:192.0.2.1 include:other.example include:_spf.desk.example -all");
  EXPECT_EQ(MergedSpfRecord("v=spf1 mx ?all", kInclude),
            "v=spf1 mx include:_spf.desk.example ?all");
  EXPECT_EQ(MergedSpfRecord("v=spf1 a redirect=other.example", kInclude),
            "v=spf1 a include:_spf.desk.example redirect=other.example");
  EXPECT_EQ(MergedSpfRecord("v=spf1 a", kInclude), "v=spf1 a include:_spf.desk.example");
  EXPECT_EQ(MergedSpfRecord("", kInclude), "v=spf1 include:_spf.desk.example ~all");
  const std::string has = "v=spf1 include:_SPF.desk.example ~all";
  EXPECT_EQ(MergedSpfRecord(has, kInclude), has);
}

// ------------------------------------------------------------------ whole domain

TEST(DomainChecks, GoodZoneIsAllOk) {
  dns::MemoryZone z;
  GoodZone(z);
  auto fs = Check(z);
  for (const auto& f : fs) EXPECT_EQ(f.level, Level::kOk) << Dump(fs);
  for (const char* step : {"spf.record", "spf.include", "spf.includes", "spf.lookups", "spf.void",
                           "spf.all", "dkim.postdesk", "dmarc.record", "dmarc.alignment", "mx"}) {
    EXPECT_NE(Step(fs, step), nullptr) << step << "\n" << Dump(fs);
  }
  EXPECT_EQ(Step(fs, "spf.type99"), nullptr);
  EXPECT_EQ(Step(fs, "spf.lookups")->details["dns_terms"], 1);
  EXPECT_NE(Step(fs, "dmarc.alignment")->evidence.find("DKIM d=customer.example"),
            std::string::npos);
}

TEST(DomainChecks, InvalidDomainIsOneProblem) {
  dns::MemoryZone z;
  auto fs = Check(z, Options(), "not a domain");
  ASSERT_EQ(fs.size(), 1u);
  EXPECT_EQ(fs[0].level, Level::kProblem);
  EXPECT_EQ(z.query_count(), 0u);
}

// ------------------------------------------------------------------ SPF

TEST(SpfCheck, NoRecordIsAProblemWithTheRecordToPublish) {
  dns::MemoryZone z;
  GoodZone(z, "not spf");
  auto fs = Check(z);
  const Finding* f = Step(fs, "spf.record");
  ASSERT_NE(f, nullptr);
  EXPECT_EQ(f->level, Level::kProblem);
  EXPECT_FALSE(f->temporary);
  EXPECT_NE(f->evidence.find("no SPF record"), std::string::npos);
  EXPECT_EQ(f->details["record_to_publish"], "v=spf1 include:_spf.desk.example ~all");
  EXPECT_NE(f->fix.find("customer.example IN TXT \"v=spf1 include:_spf.desk.example ~all\""),
            std::string::npos);
}

TEST(SpfCheck, TwoRecordsArePermerrorNamedAndMerged) {
  dns::MemoryZone z;
  GoodZone(z);
  z.Add(kDomain, RrType::kTXT, "v=spf1 include:mail.other.example ~all");
  auto fs = Check(z);
  const Finding* f = Step(fs, "spf.record");
  ASSERT_NE(f, nullptr);
  EXPECT_EQ(f->level, Level::kProblem);
  EXPECT_NE(f->evidence.find("permerror: 2 SPF records"), std::string::npos) << f->evidence;
  EXPECT_NE(f->evidence.find("include:mail.other.example"), std::string::npos);
  EXPECT_NE(f->evidence.find("ip4:192.0.2.0/24"), std::string::npos);
  EXPECT_EQ(f->details["record_to_publish"],
            "v=spf1 ip4:192.0.2.0/24 include:_spf.desk.example include:mail.other.example -all");
  EXPECT_EQ(Evaluate(z, kDomain), spf::Verdict::kPermError);
  // The merged record does not depend on the order DNS gives the records in.
  dns::MemoryZone reversed;
  reversed.Add(kDomain, RrType::kTXT, "v=spf1 include:mail.other.example ~all");
  GoodZone(reversed);
  auto again = Check(reversed);
  EXPECT_EQ(Step(again, "spf.record")->details["record_to_publish"],
            f->details["record_to_publish"]);
}

TEST(SpfCheck, MissingIncludeIsAProblemWithMergedRecord) {
  dns::MemoryZone z;
  GoodZone(z, "v=spf1 include:other.example ~all");
  z.Add("other.example", RrType::kTXT, "v=spf1 ip4:203.0.113.0/24 -all");
  auto fs = Check(z);
  EXPECT_STEP(fs, "spf.record", Level::kOk);
  const Finding* f = Step(fs, "spf.include");
  ASSERT_NE(f, nullptr);
  EXPECT_EQ(f->level, Level::kProblem);
  EXPECT_NE(f->evidence.find("include:_spf.desk.example is missing"), std::string::npos);
  EXPECT_EQ(f->details["record_to_publish"],
            "v=spf1 include:other.example include:_spf.desk.example ~all");
  EXPECT_STEP(fs, "spf.all", Level::kOk);
}

TEST(SpfCheck, IncludeReachedThroughAnotherIncludeCounts) {
  dns::MemoryZone z;
  GoodZone(z, "v=spf1 include:relay.example -all");
  z.Add("relay.example", RrType::kTXT, "v=spf1 include:_spf.desk.example ~all");
  auto fs = Check(z);
  const Finding* f = Step(fs, "spf.include");
  ASSERT_NE(f, nullptr);
  EXPECT_EQ(f->level, Level::kOk);
  EXPECT_NE(f->evidence.find("include:relay.example"), std::string::npos) << f->evidence;
}

TEST(SpfCheck, IpOnlyRecordIsAWarning) {
  dns::MemoryZone z;
  GoodZone(z, "v=spf1 ip4:192.0.2.1 ip6:2001:db8::/32 -all");
  auto fs = Check(z);
  const Finding* f = Step(fs, "spf.include");
  ASSERT_NE(f, nullptr);
  EXPECT_EQ(f->level, Level::kWarning);
  EXPECT_NE(f->evidence.find("only IP addresses"), std::string::npos);
  EXPECT_EQ(f->details["record_to_publish"],
            "v=spf1 ip4:192.0.2.1 ip6:2001:db8::/32 include:_spf.desk.example -all");
}

TEST(SpfCheck, ElevenLookupsThroughNestedIncludesNameThePath) {
  dns::MemoryZone z;
  GoodZone(z, "v=spf1 include:_spf.desk.example include:a.example -all");
  z.Add("a.example", RrType::kTXT, "v=spf1 include:b.example mx a -all");
  z.AddMx("a.example", 10, "mx.a.example");
  z.Add("mx.a.example", RrType::kA, "192.0.2.1");
  z.Add("a.example", RrType::kA, "192.0.2.2");
  std::string b = "v=spf1";
  for (int i = 1; i <= 6; ++i) {
    std::string host = "h" + std::to_string(i) + ".b.example";
    b += " a:" + host;
    z.Add(host, RrType::kA, "192.0.2." + std::to_string(10 + i));
  }
  z.Add("b.example", RrType::kTXT, b + " -all");
  auto fs = Check(z);
  const Finding* f = Step(fs, "spf.lookups");
  ASSERT_NE(f, nullptr);
  EXPECT_EQ(f->level, Level::kProblem) << Dump(fs);
  EXPECT_EQ(f->details["dns_terms"], 11);
  EXPECT_NE(f->evidence.find("11 DNS-querying terms"), std::string::npos) << f->evidence;
  EXPECT_NE(f->evidence.find("the 11th is 'a' in a.example"), std::string::npos) << f->evidence;
  EXPECT_NE(f->evidence.find("customer.example \xE2\x86\x92 include:a.example"), std::string::npos)
      << f->evidence;
  EXPECT_STEP(fs, "spf.include", Level::kOk);
  EXPECT_STEP(fs, "spf.void", Level::kOk);
  EXPECT_EQ(Evaluate(z, kDomain), spf::Verdict::kPermError);
}

TEST(SpfCheck, TenLookupsAreFine) {
  dns::MemoryZone z;
  GoodZone(z,
           "v=spf1 include:_spf.desk.example a:h1.customer.example a:h2.customer.example "
           "a:h3.customer.example a:h4.customer.example a:h5.customer.example "
           "a:h6.customer.example a:h7.customer.example a:h8.customer.example "
           "a:h9.customer.example -all");
  for (int i = 1; i <= 9; ++i) {
    z.Add("h" + std::to_string(i) + ".customer.example", RrType::kA, "192.0.2.9");
  }
  auto fs = Check(z);
  EXPECT_STEP(fs, "spf.lookups", Level::kOk);
  EXPECT_EQ(Step(fs, "spf.lookups")->details["dns_terms"], 10);
}

TEST(SpfCheck, VoidLookupChainIsAProblem) {
  dns::MemoryZone z;
  GoodZone(z, "v=spf1 include:_spf.desk.example include:v.example -all");
  z.Add("v.example", RrType::kTXT,
        "v=spf1 a:gone1.v.example mx:gone2.v.example exists:gone3.v.example -all");
  auto fs = Check(z);
  const Finding* f = Step(fs, "spf.void");
  ASSERT_NE(f, nullptr);
  EXPECT_EQ(f->level, Level::kProblem) << Dump(fs);
  EXPECT_EQ(f->details["void_lookups"], 3);
  EXPECT_NE(f->evidence.find("gone1.v.example"), std::string::npos);
  EXPECT_NE(f->evidence.find("gone3.v.example"), std::string::npos);
  EXPECT_EQ(Evaluate(z, kDomain), spf::Verdict::kPermError);
}

TEST(SpfCheck, IncludeOfADomainWithoutRecordIsPermerror) {
  dns::MemoryZone z;
  GoodZone(z, "v=spf1 include:_spf.desk.example include:nothing.example -all");
  auto fs = Check(z);
  const Finding* f = Step(fs, "spf.includes");
  ASSERT_NE(f, nullptr);
  EXPECT_EQ(f->level, Level::kProblem);
  EXPECT_NE(f->evidence.find("nothing.example has no SPF record"), std::string::npos)
      << f->evidence;
}

TEST(SpfCheck, SyntaxErrorGivesThePosition) {
  dns::MemoryZone z;
  GoodZone(z, "v=spf1 include:_spf.desk.example ip4:192.0.2.300 -all");
  auto fs = Check(z);
  const Finding* f = Step(fs, "spf.record");
  ASSERT_NE(f, nullptr);
  EXPECT_EQ(f->level, Level::kProblem);
  EXPECT_NE(f->evidence.find("offset 33"), std::string::npos) << f->evidence;
  EXPECT_NE(f->evidence.find("ip4:192.0.2.300"), std::string::npos);
  EXPECT_EQ(f->details["offset"], 33);
  EXPECT_EQ(f->details["record_to_publish"], "v=spf1 include:_spf.desk.example -all");
}

TEST(SpfCheck, PlusAllAndQuestionAllAreWarnings) {
  for (const char* all : {"+all", "?all", "all"}) {
    dns::MemoryZone z;
    GoodZone(z, (std::string("v=spf1 include:_spf.desk.example ") + all).c_str());
    auto fs = Check(z);
    EXPECT_STEP(fs, "spf.all", Level::kWarning);
    EXPECT_STEP(fs, "spf.include", Level::kOk);
  }
  dns::MemoryZone z;
  GoodZone(z, "v=spf1 include:_spf.desk.example");
  EXPECT_STEP(Check(z), "spf.all", Level::kWarning);
}

TEST(SpfCheck, DeprecatedType99IsAWarning) {
  dns::MemoryZone z;
  GoodZone(z);
  z.Add(kDomain, RrType::kSPF, "v=spf1 ip4:192.0.2.0/24 -all");
  auto fs = Check(z);
  EXPECT_STEP(fs, "spf.type99", Level::kWarning);
  EXPECT_STEP(fs, "spf.record", Level::kOk);
  EXPECT_NE(Step(fs, "spf.type99")->evidence.find("type (99)"), std::string::npos);
}

TEST(SpfCheck, TemperrorIsReportedAsSuchNotAsMissing) {
  dns::MemoryZone z;
  GoodZone(z);
  z.SetTimeout(kDomain, RrType::kTXT);
  auto fs = Check(z);
  const Finding* f = Step(fs, "spf.record");
  ASSERT_NE(f, nullptr);
  EXPECT_EQ(f->level, Level::kProblem);
  EXPECT_TRUE(f->temporary);
  EXPECT_EQ(f->evidence.find("no SPF"), std::string::npos);
  EXPECT_NE(f->evidence.find("temperror"), std::string::npos);
  Report r{"domain", fs};
  EXPECT_EQ(r.ExitStatus(), kExitReportTemporary) << Dump(fs);
}

TEST(SpfCheck, TemperrorInsideAnIncludeIsTemporary) {
  dns::MemoryZone z;
  GoodZone(z, "v=spf1 include:slow.example -all");
  z.SetTimeout("slow.example");
  auto fs = Check(z);
  const Finding* f = Step(fs, "spf.include");
  ASSERT_NE(f, nullptr);
  EXPECT_TRUE(f->temporary) << Dump(fs);
  EXPECT_NE(f->evidence.find("temperror"), std::string::npos);
}

// ------------------------------------------------------------------ DKIM

TEST(DkimCheck, MissingRecordWithSigningOnIsAProblem) {
  // A zone without the key record.
  dns::MemoryZone z2;
  z2.Add(kDomain, RrType::kTXT, "v=spf1 include:_spf.desk.example -all");
  z2.Add(kInclude, RrType::kTXT, "v=spf1 ip4:127.0.0.1 -all");
  z2.Add("_dmarc.customer.example", RrType::kTXT, "v=DMARC1; p=none");
  auto on = Check(z2, Options(true, true));
  const Finding* f = Step(on, "dkim.postdesk");
  ASSERT_NE(f, nullptr);
  EXPECT_EQ(f->level, Level::kProblem);
  EXPECT_NE(f->evidence.find("signing is on"), std::string::npos);
  EXPECT_NE(f->evidence.find("no DKIM record (NXDOMAIN)"), std::string::npos) << f->evidence;
  EXPECT_NE(f->fix.find("postdesk._domainkey.customer.example IN TXT \"v=DKIM1; k=ed25519; p=" +
                        OurPublicKey()),
            std::string::npos)
      << f->fix;

  auto off = Check(z2, Options(true, false));
  f = Step(off, "dkim.postdesk");
  ASSERT_NE(f, nullptr);
  EXPECT_EQ(f->level, Level::kWarning);
  EXPECT_NE(f->fix.find("postdesk dkim enable --domain customer.example --selector postdesk"),
            std::string::npos);
}

TEST(DkimCheck, NoKeyIsAWarningWithKeygen) {
  dns::MemoryZone z;
  GoodZone(z);
  auto fs = Check(z, Options(false));
  const Finding* f = Step(fs, "dkim");
  ASSERT_NE(f, nullptr);
  EXPECT_EQ(f->level, Level::kWarning);
  EXPECT_NE(f->fix.find("postdesk dkim keygen --domain customer.example"), std::string::npos);
}

TEST(DkimCheck, PublishedButNotEnabledIsAWarning) {
  dns::MemoryZone z;
  GoodZone(z);
  auto fs = Check(z, Options(true, false));
  EXPECT_STEP(fs, "dkim.postdesk", Level::kWarning);
  EXPECT_NE(Step(fs, "dkim.postdesk")->evidence.find("publishes our key"), std::string::npos);
}

TEST(DkimCheck, CnameDelegatedRecordIsFollowed) {
  dns::MemoryZone z;
  z.Add("postdesk._domainkey.customer.example", RrType::kCNAME,
        "customer-example.dkim.desk.example");
  z.Add("customer-example.dkim.desk.example", RrType::kTXT,
        "v=DKIM1; k=ed25519; p=" + OurPublicKey());
  auto fs = RunAwait<std::vector<Finding>>([&] { return CheckDkim(z, kDomain, Options()); });
  ASSERT_EQ(fs.size(), 1u);
  EXPECT_EQ(fs[0].level, Level::kOk) << Dump(fs);
  EXPECT_NE(fs[0].evidence.find("CNAME customer-example.dkim.desk.example"), std::string::npos);
}

TEST(DkimCheck, CnameToAMissingRecordIsAProblem) {
  dns::MemoryZone z;
  z.Add("postdesk._domainkey.customer.example", RrType::kCNAME, "gone.desk.example");
  auto fs = RunAwait<std::vector<Finding>>([&] { return CheckDkim(z, kDomain, Options()); });
  ASSERT_EQ(fs.size(), 1u);
  EXPECT_EQ(fs[0].level, Level::kProblem);
  EXPECT_NE(fs[0].evidence.find("CNAME gone.desk.example"), std::string::npos);
}

TEST(DkimCheck, DifferentKeyIsAProblemWhenSigning) {
  dns::MemoryZone z;
  z.Add("postdesk._domainkey.customer.example", RrType::kTXT,
        "v=DKIM1; k=ed25519; p=" + OtherPublicKey());
  auto fs = RunAwait<std::vector<Finding>>([&] { return CheckDkim(z, kDomain, Options()); });
  ASSERT_EQ(fs.size(), 1u);
  EXPECT_EQ(fs[0].level, Level::kProblem);
  EXPECT_NE(fs[0].evidence.find("different key"), std::string::npos);
}

TEST(DkimCheck, KeySplitAcrossStringsWithSpacesMatches) {
  dns::MemoryZone z;
  std::string p = OurPublicKey();
  z.AddTxt("postdesk._domainkey.customer.example",
           {"v=DKIM1; k=ed25519; p=" + p.substr(0, 10), " " + p.substr(10)});
  auto fs = RunAwait<std::vector<Finding>>([&] { return CheckDkim(z, kDomain, Options()); });
  ASSERT_EQ(fs.size(), 1u);
  EXPECT_EQ(fs[0].level, Level::kOk) << Dump(fs);
}

TEST(DkimCheck, TemperrorIsNotMissing) {
  dns::MemoryZone z;
  GoodZone(z);
  z.SetTimeout("postdesk._domainkey.customer.example");
  auto fs = Check(z);
  const Finding* f = Step(fs, "dkim.postdesk");
  ASSERT_NE(f, nullptr);
  EXPECT_TRUE(f->temporary);
  EXPECT_EQ(f->evidence.find("no DKIM record"), std::string::npos);
}

// ------------------------------------------------------------------ DMARC

TEST(DmarcCheck, RejectWithNothingAlignedIsAProblem) {
  dns::MemoryZone z;
  GoodZone(z);
  auto fs = Check(z, Options(false));  // no DKIM key: only SPF via desk.example
  EXPECT_STEP(fs, "dmarc.record", Level::kOk);
  const Finding* f = Step(fs, "dmarc.alignment");
  ASSERT_NE(f, nullptr);
  EXPECT_EQ(f->level, Level::kProblem) << Dump(fs);
  EXPECT_NE(f->evidence.find("tells receivers to reject it"), std::string::npos) << f->evidence;
  EXPECT_NE(f->evidence.find("bounce domain desk.example"), std::string::npos);
  EXPECT_NE(f->fix.find("postdesk dkim keygen --domain customer.example"), std::string::npos);
  EXPECT_EQ(f->details["spf_aligned"], false);
}

TEST(DmarcCheck, RejectAlignedByDkimIsOk) {
  dns::MemoryZone z;
  GoodZone(z);
  auto fs = Check(z, Options(true, true));
  EXPECT_STEP(fs, "dmarc.alignment", Level::kOk);
}

TEST(DmarcCheck, UnpublishedKeyDoesNotAlign) {
  dns::MemoryZone z;
  GoodZone(z);
  z.Add("_dmarc.other.example", RrType::kTXT, "v=DMARC1; p=quarantine");
  DomainCheckOptions o = Options(true, true);
  auto fs = RunAwait<std::vector<Finding>>([&] { return CheckDmarc(z, "other.example", o); });
  const Finding* f = Step(fs, "dmarc.alignment");
  ASSERT_NE(f, nullptr);
  EXPECT_EQ(f->level, Level::kProblem) << Dump(fs);
  EXPECT_NE(f->evidence.find("tells receivers to send it to spam"), std::string::npos);
  EXPECT_NE(f->fix.find("publish this record"), std::string::npos);
}

TEST(DmarcCheck, OwnDomainAlignsThroughTheBounceDomain) {
  dns::MemoryZone z;
  GoodZone(z);
  z.Add(kDesk, RrType::kTXT, "v=spf1 include:_spf.desk.example -all");
  z.Add("_dmarc.desk.example", RrType::kTXT, "v=DMARC1; p=reject");
  auto fs = RunAwait<std::vector<Finding>>([&] { return CheckDmarc(z, kDesk, Options(false)); });
  const Finding* f = Step(fs, "dmarc.alignment");
  ASSERT_NE(f, nullptr);
  EXPECT_EQ(f->level, Level::kOk) << Dump(fs);
  EXPECT_NE(f->evidence.find("SPF through our bounce domain"), std::string::npos);
  // A subdomain aligns relaxed, not strict.
  z.Add("_dmarc.help.desk.example", RrType::kTXT, "v=DMARC1; p=reject; aspf=s");
  fs = RunAwait<std::vector<Finding>>(
      [&] { return CheckDmarc(z, "help.desk.example", Options(false)); });
  EXPECT_STEP(fs, "dmarc.alignment", Level::kProblem);
}

TEST(DmarcCheck, PNoneIsAWarning) {
  dns::MemoryZone z2;
  z2.Add("_dmarc.customer.example", RrType::kTXT, "v=DMARC1; p=none");
  auto fs = RunAwait<std::vector<Finding>>([&] { return CheckDmarc(z2, kDomain, Options(false)); });
  EXPECT_STEP(fs, "dmarc.record", Level::kWarning);
  EXPECT_STEP(fs, "dmarc.alignment", Level::kWarning);
  EXPECT_NE(Step(fs, "dmarc.record")->evidence.find("p=none"), std::string::npos);
}

TEST(DmarcCheck, NoRecordIsAWarningAndOrgDomainIsAsked) {
  dns::MemoryZone z;
  auto fs = RunAwait<std::vector<Finding>>(
      [&] { return CheckDmarc(z, "help.customer.example", Options(false)); });
  EXPECT_STEP(fs, "dmarc.record", Level::kWarning);
  auto q = z.queries();
  EXPECT_NE(std::find(q.begin(), q.end(), "_dmarc.customer.example/TXT"), q.end());
  // The organizational domain's sp= applies to a subdomain.
  z.Add("_dmarc.customer.example", RrType::kTXT, "v=DMARC1; p=none; sp=reject");
  fs = RunAwait<std::vector<Finding>>(
      [&] { return CheckDmarc(z, "help.customer.example", Options(false)); });
  EXPECT_STEP(fs, "dmarc.record", Level::kOk);
  EXPECT_STEP(fs, "dmarc.alignment", Level::kProblem);
  EXPECT_NE(Step(fs, "dmarc.alignment")->evidence.find("sp=reject"), std::string::npos);
}

TEST(DmarcCheck, TemperrorIsReportedAsSuch) {
  dns::MemoryZone z;
  z.SetTimeout("_dmarc.customer.example");
  auto fs = RunAwait<std::vector<Finding>>([&] { return CheckDmarc(z, kDomain, Options(false)); });
  const Finding* f = Step(fs, "dmarc.record");
  ASSERT_NE(f, nullptr);
  EXPECT_TRUE(f->temporary);
  EXPECT_EQ(f->evidence.find("no DMARC"), std::string::npos);
}

// ------------------------------------------------------------------ MX

TEST(MxCheck, NullMxIsAProblem) {
  dns::MemoryZone z;
  z.AddMx(kDomain, 0, ".");
  auto fs = RunAwait<std::vector<Finding>>([&] { return CheckMx(z, kDomain, Options()); });
  ASSERT_EQ(fs.size(), 1u);
  EXPECT_EQ(fs[0].level, Level::kProblem);
  EXPECT_NE(fs[0].evidence.find("null MX"), std::string::npos);
}

TEST(MxCheck, OwnDomainPointingElsewhereIsAWarning) {
  dns::MemoryZone z;
  z.AddMx(kDesk, 10, "mail.hoster.example");
  z.Add("mail.hoster.example", RrType::kA, "203.0.113.5");
  auto fs = RunAwait<std::vector<Finding>>([&] { return CheckMx(z, kDesk, Options()); });
  ASSERT_EQ(fs.size(), 1u);
  EXPECT_EQ(fs[0].level, Level::kWarning);
  EXPECT_NE(fs[0].evidence.find("not this host (mx.desk.example)"), std::string::npos);
  // Pointing at us, by name or by address.
  dns::MemoryZone ours;
  GoodZone(ours);
  fs = RunAwait<std::vector<Finding>>([&] { return CheckMx(ours, kDesk, Options()); });
  EXPECT_EQ(fs[0].level, Level::kOk) << Dump(fs);
  DomainCheckOptions by_ip = Options();
  by_ip.our_hosts = {"127.0.0.1"};
  fs = RunAwait<std::vector<Finding>>([&] { return CheckMx(ours, kDesk, by_ip); });
  EXPECT_EQ(fs[0].level, Level::kOk) << Dump(fs);
}

TEST(MxCheck, NoMxFallsBackToAddressOrFails) {
  dns::MemoryZone z;
  z.Add(kDomain, RrType::kA, "192.0.2.1");
  auto fs = RunAwait<std::vector<Finding>>([&] { return CheckMx(z, kDomain, Options()); });
  EXPECT_EQ(fs[0].level, Level::kWarning);
  EXPECT_NE(fs[0].evidence.find("implicit MX"), std::string::npos);
  dns::MemoryZone nx;
  fs = RunAwait<std::vector<Finding>>([&] { return CheckMx(nx, kDomain, Options()); });
  EXPECT_EQ(fs[0].level, Level::kProblem);
  EXPECT_NE(fs[0].evidence.find("NXDOMAIN"), std::string::npos);
  dns::MemoryZone t;
  t.SetTimeout(kDomain, RrType::kMX);
  fs = RunAwait<std::vector<Finding>>([&] { return CheckMx(t, kDomain, Options()); });
  EXPECT_TRUE(fs[0].temporary);
}

// ------------------------------------------------------------------ keys on disk

TEST(LoadOurDkimKeys, ReadsSelectorsAndEnabledMarkers) {
  namespace fs = std::filesystem;
  fs::path dir = fs::temp_directory_path() / ("domain_checks_test_" + std::to_string(::getpid()));
  fs::create_directories(dir / "dkim" / kDomain);
  auto a = auth::PrivateKey::Generate(auth::KeyType::kEd25519);
  auto b = auth::PrivateKey::Generate(auth::KeyType::kRsa);
  std::ofstream(dir / "dkim" / kDomain / "b.pem") << (*b)->ToPem();
  std::ofstream(dir / "dkim" / kDomain / "a.pem") << (*a)->ToPem();
  std::ofstream(dir / "dkim" / kDomain / "a.enabled") << "1\n";
  std::ofstream(dir / "dkim" / kDomain / "broken.pem") << "not a key";
  auto keys = LoadOurDkimKeys(dir.string(), kDomain);
  ASSERT_EQ(keys.size(), 2u);
  EXPECT_EQ(keys[0].selector, "a");
  EXPECT_TRUE(keys[0].enabled);
  EXPECT_EQ(keys[0].key_type, "ed25519");
  EXPECT_EQ(keys[0].public_key_base64, (*a)->PublicKeyBase64());
  EXPECT_EQ(keys[1].selector, "b");
  EXPECT_FALSE(keys[1].enabled);
  EXPECT_EQ(keys[1].key_type, "rsa");
  EXPECT_TRUE(LoadOurDkimKeys(dir.string(), "../x").empty());
  EXPECT_TRUE(LoadOurDkimKeys(dir.string(), "none.example").empty());
  fs::remove_all(dir);
}

}  // namespace
}  // namespace postdesk::channel
