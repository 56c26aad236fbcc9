#include "auth/authenticate.h"

#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <fstream>
#include <sstream>

#include "dns/memory_zone.h"

namespace postdesk::auth {
namespace {

using dns::RrType;

constexpr int64_t kNow = 1704186000;  // 2024-01-02

AuthOutcome RunAuth(dns::Resolver& resolver, const AuthInput& input, const AuthPolicy& policy) {
  boost::asio::io_context io;
  AuthOutcome out;
  boost::asio::co_spawn(
      io,
      [&]() -> boost::asio::awaitable<void> {
        out = co_await Authenticate(resolver, input, policy);
      },
      boost::asio::detached);
  io.run();
  return out;
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string Message(const std::string& from, const std::string& body = "Hello.\r\n") {
  return "From: Someone <" + from +
         ">\r\n"
         "To: support@desk.example\r\n"
         "Subject: Help\r\n"
         "Date: Tue, 02 Jan 2024 09:00:00 +0000\r\n"
         "Message-ID: <m1@example>\r\n"
         "\r\n" +
         body;
}

// One Ed25519 key for the whole suite, published for every signing domain.
const GeneratedKey& Key() {
  static const GeneratedKey key = *GenerateKey(DkimAlgorithm::kEd25519Sha256);
  return key;
}

std::string Signed(const std::string& msg, const std::string& domain) {
  SigningKey k{domain, "sel", DkimAlgorithm::kEd25519Sha256, Key().private_key_pem};
  auto header = SignDkim(msg, k, {}, kNow);
  EXPECT_TRUE(header.ok()) << header.status().message();
  return *header + msg;
}

// The world the tests live in.
class AuthenticateTest : public ::testing::Test {
 protected:
  void SetUp() override {
    // good.example: SPF for 192.0.2.1, DKIM key, p=reject.
    zone_.Add("good.example", RrType::kTXT, "v=spf1 ip4:192.0.2.1 -all");
    zone_.Add("sel._domainkey.good.example", RrType::kTXT, Key().dns_txt);
    zone_.Add("_dmarc.good.example", RrType::kTXT, "v=DMARC1; p=reject");
    // bank.example: the spoofing target, p=reject, no SPF for anyone else.
    zone_.Add("bank.example", RrType::kTXT, "v=spf1 ip4:198.51.100.1 -all");
    zone_.Add("bank.example", RrType::kA, "198.51.100.1");
    zone_.Add("_dmarc.bank.example", RrType::kTXT, "v=DMARC1; p=reject");
    // evil.example: the forger's own domain, SPF passes for the forger.
    zone_.Add("evil.example", RrType::kTXT, "v=spf1 ip4:203.0.113.66 -all");
    zone_.Add("sel._domainkey.evil.example", RrType::kTXT, Key().dns_txt);
    // nodmarc.example: SPF -all, no DMARC record; soft.example: ~all.
    zone_.Add("nodmarc.example", RrType::kTXT, "v=spf1 ip4:192.0.2.9 -all");
    zone_.Add("sel._domainkey.nodmarc.example", RrType::kTXT, Key().dns_txt);
    zone_.Add("soft.example", RrType::kTXT, "v=spf1 ~all");
    // sampled.example: p=reject for 10% only.
    zone_.Add("sampled.example", RrType::kTXT, "v=spf1 -all");
    zone_.Add("_dmarc.sampled.example", RrType::kTXT, "v=DMARC1; p=reject; pct=10");
    // desk.example: our own domain, p=none (monitoring only).
    zone_.Add("desk.example", RrType::kTXT, "v=spf1 ip4:192.0.2.50 -all");
    zone_.Add("_dmarc.desk.example", RrType::kTXT, "v=DMARC1; p=none");
    // The ARC scene (tests/data/arc/forwarded/make_fixtures.py).
    const std::string dir = "tests/data/arc/forwarded/";
    auto record = [&](const std::string& f) {
      std::string r = ReadFile(dir + f);
      while (!r.empty() && (r.back() == '\n' || r.back() == '\r')) r.pop_back();
      return r;
    };
    zone_.Add("s1._domainkey.sender.example", RrType::kTXT, record("sender.dns"));
    zone_.Add("arc._domainkey.lists.example", RrType::kTXT, record("lists.dns"));
    zone_.Add("_dmarc.sender.example", RrType::kTXT, "v=DMARC1; p=reject");
    zone_.Add("sender.example", RrType::kTXT, "v=spf1 ip4:192.0.2.7 -all");
    zone_.Add("lists.example", RrType::kTXT, "v=spf1 ip4:192.0.2.25 -all");
  }

  AuthInput Input(const std::string& msg, std::string ip, std::string mail_from) {
    message_ = msg;
    AuthInput in;
    in.raw_message = message_;
    in.client_ip = std::move(ip);
    in.helo = "mx.sender.test";
    in.mail_from = std::move(mail_from);
    in.now = kNow;
    return in;
  }

  AuthPolicy Policy(std::string mode) {
    AuthPolicy p;
    p.mode = std::move(mode);
    p.authserv_id = "desk.example";
    return p;
  }

  AuthAction ActionIn(const std::string& mode, const AuthInput& in) {
    return RunAuth(zone_, in, Policy(mode)).action;
  }

  dns::MemoryZone zone_;
  std::string message_;
};

TEST_F(AuthenticateTest, EverythingPassesIsAcceptedInEveryMode) {
  AuthInput in = Input(Signed(Message("alice@good.example"), "good.example"), "192.0.2.1",
                       "alice@good.example");
  for (const char* mode : {"off", "flag", "suspend"}) {
    AuthOutcome o = RunAuth(zone_, in, Policy(mode));
    EXPECT_EQ(o.action, AuthAction::kAccept) << mode << ": " << o.reason;
    EXPECT_EQ(o.spf.result.verdict, spf::Verdict::kPass);
    ASSERT_EQ(o.dkim.size(), 1u);
    EXPECT_TRUE(o.dkim[0].pass());
    EXPECT_EQ(o.dmarc.verdict, dmarc::Verdict::kPass);
    EXPECT_TRUE(o.dmarc.spf_aligned);
    EXPECT_TRUE(o.dmarc.dkim_aligned);
    EXPECT_EQ(o.arc.result.status, ArcStatus::kNone);
    EXPECT_EQ(o.from_addresses, std::vector<std::string>{"alice@good.example"});
    EXPECT_NE(o.reason.find("DMARC pass for good.example"), std::string::npos) << o.reason;
  }
  AuthOutcome o = RunAuth(zone_, in, Policy("suspend"));
  std::string ar = AuthenticationResultsHeader(o, "desk.example");
  EXPECT_EQ(ar.rfind("desk.example; spf=pass ", 0), 0u) << ar;
  EXPECT_NE(ar.find(" smtp.mailfrom=alice@good.example; dkim=pass "), std::string::npos) << ar;
  EXPECT_NE(ar.find(" header.d=good.example "), std::string::npos) << ar;
  EXPECT_NE(ar.find(" header.s=sel "), std::string::npos) << ar;
  EXPECT_NE(ar.find("; dmarc=pass (p=reject dis=none)"), std::string::npos) << ar;
  EXPECT_NE(ar.find(" header.from=good.example; arc=none"), std::string::npos) << ar;
}

TEST_F(AuthenticateTest, DkimAloneOrSpfAlonePassesDmarc) {
  // The body changed after signing, but SPF is aligned.
  std::string broken = Signed(Message("alice@good.example"), "good.example") + "tampered\r\n";
  AuthOutcome o =
      RunAuth(zone_, Input(broken, "192.0.2.1", "alice@good.example"), Policy("suspend"));
  EXPECT_EQ(o.action, AuthAction::kAccept) << o.reason;
  EXPECT_EQ(o.dkim[0].status, DkimStatus::kFail);
  EXPECT_EQ(o.dmarc.verdict, dmarc::Verdict::kPass);
  // Forwarded by a host SPF does not know, but DKIM is intact.
  o = RunAuth(zone_,
              Input(Signed(Message("alice@good.example"), "good.example"), "203.0.113.9",
                    "alice@good.example"),
              Policy("suspend"));
  EXPECT_EQ(o.action, AuthAction::kAccept) << o.reason;
  EXPECT_EQ(o.spf.result.verdict, spf::Verdict::kFail);
  EXPECT_TRUE(o.dmarc.dkim_aligned);
}

TEST_F(AuthenticateTest, SpoofedFromUnderPReject) {
  // The forger's own SPF and DKIM pass, for evil.example, not bank.example.
  AuthInput in = Input(Signed(Message("ceo@bank.example"), "evil.example"), "203.0.113.66",
                       "bounce@evil.example");
  EXPECT_EQ(ActionIn("off", in), AuthAction::kAccept);
  EXPECT_EQ(ActionIn("flag", in), AuthAction::kFlag);
  AuthOutcome o = RunAuth(zone_, in, Policy("suspend"));
  EXPECT_EQ(o.action, AuthAction::kSuspend);
  EXPECT_EQ(o.dmarc.verdict, dmarc::Verdict::kFail);
  EXPECT_EQ(o.reason,
            "DMARC fail for bank.example (p=reject): SPF pass for evil.example (not aligned), "
            "DKIM pass for d=evil.example (not aligned)");
  EXPECT_TRUE(o.smtp_reply.empty());

  AuthPolicy reject = Policy("suspend");
  reject.reject_on_dmarc_reject = true;
  o = RunAuth(zone_, in, reject);
  EXPECT_EQ(o.action, AuthAction::kReject);
  EXPECT_EQ(o.smtp_reply.rfind("550 5.7.1 ", 0), 0u) << o.smtp_reply;
  EXPECT_NE(o.smtp_reply.find("bank.example"), std::string::npos);
  reject.mode = "flag";
  EXPECT_EQ(RunAuth(zone_, in, reject).action, AuthAction::kReject);
  reject.mode = "off";
  EXPECT_EQ(RunAuth(zone_, in, reject).action, AuthAction::kAccept);
}

TEST_F(AuthenticateTest, SpoofWithoutAnySignatureSaysSo) {
  AuthInput in = Input(Message("ceo@bank.example"), "203.0.113.66", "ceo@bank.example");
  AuthOutcome o = RunAuth(zone_, in, Policy("flag"));
  EXPECT_EQ(o.action, AuthAction::kFlag);
  EXPECT_EQ(o.reason, "DMARC fail for bank.example (p=reject): SPF fail, no DKIM signature");
}

TEST_F(AuthenticateTest, PctSampledOutIsNotRejected) {
  AuthInput in = Input(Message("a@sampled.example"), "203.0.113.66", "a@sampled.example");
  AuthPolicy p = Policy("suspend");
  p.reject_on_dmarc_reject = true;
  p.dmarc_sample = [] { return 50; };  // not among the 10%
  AuthOutcome o = RunAuth(zone_, in, p);
  EXPECT_EQ(o.action, AuthAction::kSuspend) << o.reason;
  EXPECT_EQ(o.dmarc.policy, dmarc::Policy::kQuarantine);
  EXPECT_NE(o.reason.find("(p=reject, applied as quarantine (pct))"), std::string::npos)
      << o.reason;
  p.dmarc_sample = [] { return 5; };
  EXPECT_EQ(RunAuth(zone_, in, p).action, AuthAction::kReject);
}

TEST_F(AuthenticateTest, NoDmarcRecordSpfFailAndNoDkim) {
  AuthInput in = Input(Message("bob@nodmarc.example"), "203.0.113.5", "bob@nodmarc.example");
  EXPECT_EQ(ActionIn("off", in), AuthAction::kAccept);
  EXPECT_EQ(ActionIn("flag", in), AuthAction::kFlag);
  AuthOutcome o = RunAuth(zone_, in, Policy("suspend"));
  EXPECT_EQ(o.action, AuthAction::kSuspend);
  EXPECT_EQ(o.dmarc.verdict, dmarc::Verdict::kNone);
  EXPECT_EQ(o.reason, "no DMARC record for nodmarc.example; SPF fail and no DKIM signature");
  // reject_on_dmarc_reject needs a DMARC p=reject; there is none.
  AuthPolicy p = Policy("suspend");
  p.reject_on_dmarc_reject = true;
  EXPECT_EQ(RunAuth(zone_, in, p).action, AuthAction::kSuspend);
}

TEST_F(AuthenticateTest, NoDmarcRecordNeedsBothToFail) {
  // SPF fails but DKIM passes.
  AuthInput in = Input(Signed(Message("bob@nodmarc.example"), "nodmarc.example"), "203.0.113.5",
                       "bob@nodmarc.example");
  EXPECT_EQ(ActionIn("suspend", in), AuthAction::kAccept);
  // Softfail is not fail.
  in = Input(Message("bob@soft.example"), "203.0.113.5", "bob@soft.example");
  AuthOutcome o = RunAuth(zone_, in, Policy("suspend"));
  EXPECT_EQ(o.action, AuthAction::kAccept) << o.reason;
  EXPECT_EQ(o.spf.result.verdict, spf::Verdict::kSoftFail);
  EXPECT_EQ(o.reason, "no DMARC record for soft.example; SPF softfail, no DKIM signature");
}

TEST_F(AuthenticateTest, PipeDoorHasNoSpf) {
  AuthInput in =
      Input(Signed(Message("alice@good.example"), "good.example"), "", "alice@good.example");
  in.have_smtp_context = false;
  in.client_ip = "192.0.2.1";  // not vouched for: ignored
  AuthOutcome o = RunAuth(zone_, in, Policy("suspend"));
  EXPECT_EQ(o.spf.result.verdict, spf::Verdict::kNone);
  EXPECT_EQ(o.spf.result.reason, "no SMTP client address (pipe door)");
  EXPECT_EQ(o.action, AuthAction::kAccept) << o.reason;
  EXPECT_NE(AuthenticationResultsHeader(o, "desk.example")
                .find("spf=none reason=\"no SMTP client address (pipe door)\""),
            std::string::npos);

  in = Input(Message("alice@good.example"), "", "alice@good.example");
  in.have_smtp_context = false;
  o = RunAuth(zone_, in, Policy("suspend"));
  EXPECT_EQ(o.action, AuthAction::kSuspend);
  EXPECT_EQ(
      o.reason,
      "DMARC fail for good.example (p=reject): SPF not checked (pipe door), no DKIM signature");
}

TEST_F(AuthenticateTest, ForgedAgentIsFlaggedEvenWhenOff) {
  AuthInput in = Input(Message("agent@desk.example"), "203.0.113.66", "agent@desk.example");
  AuthPolicy p = Policy("off");
  p.is_agent = [](std::string_view email) { return email == "agent@desk.example"; };
  AuthOutcome o = RunAuth(zone_, in, p);
  EXPECT_TRUE(o.from_agent);
  EXPECT_EQ(o.action, AuthAction::kFlag);
  EXPECT_EQ(o.reason.rfind("From is an agent's address and someone may be forging an agent: "
                           "DMARC fail for desk.example (p=none)",
                           0),
            0u)
      << o.reason;
  // The agent writing from the desk's own server is fine.
  in = Input(Message("agent@desk.example"), "192.0.2.50", "agent@desk.example");
  EXPECT_EQ(RunAuth(zone_, in, p).action, AuthAction::kAccept);
  // A customer failing p=none under "off" is accepted.
  in = Input(Message("customer@desk.example"), "203.0.113.66", "customer@desk.example");
  EXPECT_EQ(RunAuth(zone_, in, p).action, AuthAction::kAccept);
}

TEST_F(AuthenticateTest, FromAddressesComeFromTheMessageWhenNotGiven) {
  AuthInput in = Input(Message("ceo@bank.example"), "203.0.113.66", "x@evil.example");
  AuthOutcome o = RunAuth(zone_, in, Policy("flag"));
  EXPECT_EQ(o.from_addresses, std::vector<std::string>{"ceo@bank.example"});
  // The caller's list wins.
  in.from_addresses = {"a@good.example", "b@good.example"};
  o = RunAuth(zone_, in, Policy("flag"));
  EXPECT_EQ(o.dmarc.verdict, dmarc::Verdict::kFail);
  EXPECT_EQ(o.action, AuthAction::kFlag);
}

// ---------------------------------------------------------------- DNS trouble

TEST_F(AuthenticateTest, DmarcTempErrorAcceptsAndSaysTemporary) {
  zone_.SetTimeout("_dmarc.bank.example");
  AuthInput in = Input(Message("ceo@bank.example"), "203.0.113.66", "x@evil.example");
  AuthOutcome o = RunAuth(zone_, in, Policy("suspend"));
  EXPECT_EQ(o.dmarc.verdict, dmarc::Verdict::kTempError);
  EXPECT_EQ(o.action, AuthAction::kAccept);
  EXPECT_TRUE(o.temporary);
}

TEST_F(AuthenticateTest, AlignedSpfTempErrorIsNeverRejected) {
  zone_.SetTimeout("bank.example", RrType::kTXT);
  AuthInput in = Input(Message("ceo@bank.example"), "198.51.100.1", "ceo@bank.example");
  AuthPolicy p = Policy("suspend");
  p.reject_on_dmarc_reject = true;
  AuthOutcome o = RunAuth(zone_, in, p);
  EXPECT_EQ(o.spf.result.verdict, spf::Verdict::kTempError);
  EXPECT_TRUE(o.temporary);
  EXPECT_EQ(o.action, AuthAction::kSuspend) << o.reason;
  EXPECT_NE(o.reason.find("a retry may pass"), std::string::npos);
}

TEST_F(AuthenticateTest, ForgersOwnDnsTroubleDoesNotSoftenTheVerdict) {
  zone_.SetTimeout("evil.example", RrType::kTXT);
  AuthInput in = Input(Message("ceo@bank.example"), "203.0.113.66", "x@evil.example");
  AuthPolicy p = Policy("suspend");
  p.reject_on_dmarc_reject = true;
  AuthOutcome o = RunAuth(zone_, in, p);
  EXPECT_EQ(o.spf.result.verdict, spf::Verdict::kTempError);
  EXPECT_FALSE(o.temporary);
  EXPECT_EQ(o.action, AuthAction::kReject);
}

// ---------------------------------------------------------------------- ARC

class ArcTest : public AuthenticateTest {
 protected:
  AuthInput Forwarded(const std::string& file) {
    return Input(ReadFile("tests/data/arc/forwarded/" + file), "192.0.2.25",
                 "help-bounces@lists.example");
  }
};

TEST_F(ArcTest, TrustedSealerThatSawDmarcPassOverrides) {
  AuthInput in = Forwarded("list-forwarded.eml");
  ASSERT_FALSE(message_.empty()) << "run from the repository root";
  AuthPolicy p = Policy("suspend");
  p.reject_on_dmarc_reject = true;
  p.trusted_arc_sealers = {"other.example", "Lists.Example"};
  AuthOutcome o = RunAuth(zone_, in, p);
  EXPECT_EQ(o.arc.result.status, ArcStatus::kPass) << o.arc.result.reason;
  EXPECT_EQ(o.dmarc.verdict, dmarc::Verdict::kFail);  // the list broke the DKIM signature
  ASSERT_EQ(o.dkim.size(), 1u);
  EXPECT_FALSE(o.dkim[0].pass());
  EXPECT_TRUE(o.arc.trusted);
  EXPECT_EQ(o.arc.trusted_sealer, "lists.example");
  EXPECT_EQ(o.arc.trusted_instance, 1);
  EXPECT_EQ(o.action, AuthAction::kAccept) << o.reason;
  EXPECT_NE(o.reason.find("; overridden: trusted ARC sealer lists.example (i=1) saw "
                          "dmarc=pass header.from=sender.example"),
            std::string::npos)
      << o.reason;
  std::string ar = AuthenticationResultsHeader(o, "desk.example");
  EXPECT_NE(ar.find("arc=pass (sealed by lists.example; trusted sealer lists.example vouches) "
                    "header.oldest-pass=1"),
            std::string::npos)
      << ar;
  nlohmann::json j = ToJson(o);
  EXPECT_EQ(j["arc"]["trusted"], true);
  EXPECT_EQ(j["arc"]["sealers"][0]["domain"], "lists.example");
}

TEST_F(ArcTest, UntrustedSealerDoesNotOverride) {
  AuthInput in = Forwarded("list-forwarded.eml");
  AuthPolicy p = Policy("suspend");
  p.trusted_arc_sealers = {"other.example"};
  AuthOutcome o = RunAuth(zone_, in, p);
  EXPECT_EQ(o.arc.result.status, ArcStatus::kPass);
  EXPECT_FALSE(o.arc.trusted);
  EXPECT_EQ(o.action, AuthAction::kSuspend);
  p.reject_on_dmarc_reject = true;
  EXPECT_EQ(RunAuth(zone_, in, p).action, AuthAction::kReject);
}

TEST_F(ArcTest, TrustedSealerThatSawFailureDoesNotOverride) {
  AuthPolicy p = Policy("suspend");
  p.trusted_arc_sealers = {"lists.example"};
  AuthOutcome o = RunAuth(zone_, Forwarded("list-forwarded-aar-fail.eml"), p);
  EXPECT_EQ(o.arc.result.status, ArcStatus::kPass);
  EXPECT_FALSE(o.arc.trusted);
  EXPECT_EQ(o.action, AuthAction::kSuspend);
}

TEST_F(ArcTest, ChangedAfterSealingDoesNotOverride) {
  AuthInput in = Forwarded("list-forwarded.eml");
  size_t at = message_.find("on fire again");
  ASSERT_NE(at, std::string::npos);
  message_.replace(at, 4, "OFF ");
  in.raw_message = message_;
  AuthPolicy p = Policy("flag");
  p.trusted_arc_sealers = {"lists.example"};
  AuthOutcome o = RunAuth(zone_, in, p);
  EXPECT_EQ(o.arc.result.status, ArcStatus::kFail);
  EXPECT_FALSE(o.arc.trusted);
  EXPECT_EQ(o.action, AuthAction::kFlag);
}

TEST_F(ArcTest, TrustedSealerCannotVouchForAnotherFromDomain) {
  // Someone rewrote From after the list sealed: the AMS no longer verifies.
  AuthInput in = Forwarded("list-forwarded.eml");
  size_t at = message_.find("From: Alice Sender <alice@sender.example>");
  ASSERT_NE(at, std::string::npos);
  message_.replace(at, 41, "From: Alice Sender <alice@good.example> ");
  in.raw_message = message_;
  AuthPolicy p = Policy("suspend");
  p.trusted_arc_sealers = {"lists.example"};
  AuthOutcome o = RunAuth(zone_, in, p);
  EXPECT_FALSE(o.arc.trusted);
  EXPECT_EQ(o.action, AuthAction::kSuspend) << o.reason;
}

// ------------------------------------------------------- rendering the results

TEST(AuthResultsHeader, QuotesReasonsAndKeepsInjectionOut) {
  AuthOutcome o;
  o.checked = true;
  o.spf.result.verdict = spf::Verdict::kFail;
  o.spf.result.reason = "matched \"-all\"\r\nAuthentication-Results: desk.example; dmarc=pass";
  o.spf.mail_from = "evil;dmarc=pass@x.example";
  DkimResult d;
  d.status = DkimStatus::kPermError;
  d.reason = DkimReason::kSignatureSyntax;
  d.detail = "bad tag";
  d.domain = "x.example; dmarc=pass";
  d.header_b = "ab/+cd==";
  o.dkim.push_back(d);
  o.dmarc.verdict = dmarc::Verdict::kNone;
  o.dmarc.reason = "no record";
  std::string v = AuthenticationResultsHeader(o, "desk.example");
  EXPECT_EQ(v.find('\r'), std::string::npos);
  EXPECT_EQ(v.find('\n'), std::string::npos);
  EXPECT_EQ(v,
            "desk.example; spf=fail reason=\"matched \\\"-all\\\"  Authentication-Results: "
            "desk.example; dmarc=pass\" smtp.mailfrom=\"evil;dmarc=pass@x.example\"; "
            "dkim=permerror reason=\"signature syntax error: bad tag\" "
            "header.d=\"x.example; dmarc=pass\" header.b=\"ab/+cd==\"; "
            "dmarc=none reason=\"no record\"; arc=none");
  // Read back, it has exactly the four results we wrote.
  ParsedAuthResults p = ParseAuthenticationResults(v);
  ASSERT_EQ(p.results.size(), 4u);
  EXPECT_EQ(p.results[0].method, "spf");
  EXPECT_EQ(p.results[0].result, "fail");
  EXPECT_EQ(p.results[1].Property("header.d"), "x.example; dmarc=pass");
  EXPECT_EQ(p.results[2].method, "dmarc");
  EXPECT_EQ(p.results[2].result, "none");
  EXPECT_EQ(p.results[3].method, "arc");
}

TEST(AuthResultsHeader, NothingCheckedSaysNone) {
  EXPECT_EQ(AuthenticationResultsHeader(AuthOutcome{}, "desk.example"), "desk.example; none");
}

TEST(AuthOutcomeJson, Shape) {
  AuthOutcome o;
  o.checked = true;
  o.action = AuthAction::kSuspend;
  o.reason = "why";
  o.spf.result.verdict = spf::Verdict::kSoftFail;
  o.spf.result.reason = "bad \xff byte";
  nlohmann::json j = ToJson(o);
  for (const char* k : {"spf", "dkim", "dmarc", "arc", "action", "reason"}) {
    EXPECT_TRUE(j.contains(k)) << k;
  }
  EXPECT_EQ(j["action"], "suspend");
  EXPECT_EQ(j["spf"]["result"], "softfail");
  EXPECT_TRUE(j["dkim"].is_array());
  EXPECT_EQ(j["dmarc"]["result"], "none");
  EXPECT_EQ(j["arc"]["result"], "none");
  EXPECT_NO_THROW(j.dump());  // invalid UTF-8 was repaired
}

TEST(AuthMode, Names) {
  EXPECT_EQ(ParseAuthMode("Suspend"), AuthMode::kSuspend);
  EXPECT_EQ(ParseAuthMode("off"), AuthMode::kOff);
  EXPECT_FALSE(ParseAuthMode("quarantine").has_value());
  EXPECT_STREQ(AuthActionName(AuthAction::kReject), "reject");
}

}  // namespace
}  // namespace postdesk::auth
