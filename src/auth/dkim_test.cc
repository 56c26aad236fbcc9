// DKIM: canonicalization (RFC 6376 section 3.4 examples), verification of
// messages signed by dkimpy and of the RFC 6376 / RFC 8463 sample, every
// failure reason, and sign-then-verify round trips.
#include "auth/dkim.h"

#include <gtest/gtest.h>

#include <cstring>
#include <fstream>
#include <sstream>
#include <string>

#include "auth/canon.h"
#include "auth/dkim_crypto.h"
#include "auth/dkim_internal.h"
#include "auth/dkim_test_resolver.h"
#include "common/strings.h"

namespace postdesk::auth {
namespace {

using testing::RunSync;
using testing::TxtResolver;

constexpr int64_t kNow = 1800000000;

std::string ReadData(const std::string& name) {
  std::ifstream in("tests/data/dkim/" + name, std::ios::binary);
  EXPECT_TRUE(in) << name << " (run from the repository root)";
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string Key(const std::string& name) {
  std::string s = ReadData(name);
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r')) s.pop_back();
  return s;
}

std::vector<DkimResult> Verify(TxtResolver& r, const std::string& msg, int64_t now = kNow) {
  return RunSync(VerifyDkim(r, msg, now));
}

// The resolver dkimpy's own tests use, for the messages in tests/data/dkim.
TxtResolver DkimpyZone() {
  TxtResolver r;
  r.Add("test._domainkey.example.com", Key("test.txt"));
  r.Add("ed._domainkey.example.com", Key("ed25519test.dns"));
  r.Add("test._domainkey.football.example.com", Key("test.txt"));
  r.Add("brisbane._domainkey.football.example.com",
        "v=DKIM1; k=ed25519; p=11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=");
  r.Add("sed._domainkey.test.ex", Key("eximtest.dns"));
  return r;
}

std::string Replace(std::string s, const std::string& from, const std::string& to) {
  size_t pos = s.find(from);
  EXPECT_NE(pos, std::string::npos) << from;
  if (pos != std::string::npos) s.replace(pos, from.size(), to);
  return s;
}

// Builds a DKIM-Signature with arbitrary tags, signed with `key`, so tests can
// make signatures dkimpy would not (x=, 512-bit keys, bad i=...).
struct SigSpec {
  std::string a = "rsa-sha256";
  std::string c = "relaxed/relaxed";
  std::string d = "example.com";
  std::string s = "sel";
  std::string h = "from:to:subject";
  std::string extra;  // more tags, each followed by "; "
  std::optional<uint64_t> l;
};

std::string SignWith(const std::string& message, const PrivateKey& key, const SigSpec& spec) {
  ParsedMessage msg = ParseMessage(message);
  Canon hc = spec.c.rfind("relaxed", 0) == 0 ? Canon::kRelaxed : Canon::kSimple;
  Canon bc = spec.c.find("/relaxed") != std::string::npos ? Canon::kRelaxed : Canon::kSimple;
  std::string body = CanonicalizeBody(bc, msg.body);
  if (spec.l) body = body.substr(0, *spec.l);
  std::string header = "DKIM-Signature: v=1; a=" + spec.a + "; c=" + spec.c + "; d=" + spec.d +
                       "; s=" + spec.s + "; h=" + spec.h + "; " + spec.extra +
                       (spec.l ? "l=" + std::to_string(*spec.l) + "; " : "") +
                       "bh=" + Base64Encode(Sha256(body)) + ";\r\n b=";
  std::vector<std::string> names;
  for (const auto& n : Split(spec.h, ':')) names.push_back(ToLower(n));
  std::vector<size_t> all;
  for (size_t i = 0; i < msg.headers.size(); ++i) all.push_back(i);
  std::string input = internal::HeaderHashInput(msg, all, names, hc, header + "\r\n");
  auto sig = key.Sign(input);
  EXPECT_TRUE(sig.ok());
  return header + Base64Encode(*sig) + "\r\n" + NormalizeLineEnds(message);
}

std::shared_ptr<const PrivateKey> TestKey() {
  auto k = PrivateKey::FromPem(ReadData("test.private"));
  EXPECT_TRUE(k.ok()) << k.status().message();
  return *k;
}

const char kPlain[] =
    "From: Alice <alice@example.com>\r\n"
    "To: bob@example.net\r\n"
    "Subject: Hello\r\n"
    "\r\n"
    "Hi Bob.\r\n";

// ---- canonicalization ----

TEST(Canon, Rfc6376Example) {
  // RFC 6376 section 3.4.6.
  std::string msg = "A: X\r\nB : Y\t\r\n\tZ  \r\n\r\n C \r\nD \t E\r\n\r\n\r\n";
  ParsedMessage m = ParseMessage(msg);
  ASSERT_EQ(m.headers.size(), 2u);
  EXPECT_EQ(CanonicalizeHeader(Canon::kRelaxed, m.headers[0]), "a:X\r\n");
  EXPECT_EQ(CanonicalizeHeader(Canon::kRelaxed, m.headers[1]), "b:Y Z\r\n");
  EXPECT_EQ(CanonicalizeHeader(Canon::kSimple, m.headers[1]), "B : Y\t\r\n\tZ  \r\n");
  EXPECT_EQ(CanonicalizeBody(Canon::kRelaxed, m.body), " C\r\nD E\r\n");
  EXPECT_EQ(CanonicalizeBody(Canon::kSimple, m.body), " C \r\nD \t E\r\n");
}

TEST(Canon, EmptyAndUnterminatedBodies) {
  EXPECT_EQ(CanonicalizeBody(Canon::kSimple, ""), "\r\n");
  EXPECT_EQ(CanonicalizeBody(Canon::kRelaxed, ""), "");
  EXPECT_EQ(CanonicalizeBody(Canon::kSimple, "\r\n\r\n"), "\r\n");
  EXPECT_EQ(CanonicalizeBody(Canon::kRelaxed, "\r\n \r\n"), "");
  EXPECT_EQ(CanonicalizeBody(Canon::kSimple, "abc"), "abc\r\n");
  EXPECT_EQ(CanonicalizeBody(Canon::kRelaxed, "a  b \t"), "a b\r\n");
}

TEST(Canon, LfLineEndsBecomeCrlf) {
  ParsedMessage m = ParseMessage("Subject: a\n b\nTo: x\n\nline\n");
  ASSERT_EQ(m.headers.size(), 2u);
  EXPECT_EQ(m.headers[0].raw, "Subject: a\r\n b\r\n");
  EXPECT_EQ(m.headers[0].name, "Subject");
  EXPECT_EQ(m.body, "line\r\n");
  EXPECT_TRUE(m.has_body_separator);
  EXPECT_FALSE(ParseMessage("To: x\r\n").has_body_separator);
}

TEST(Canon, TagListIsStrict) {
  std::string err;
  auto ok = internal::TagList::Parse(" a = 1 ; b=2;\r\n c=x y ;", &err);
  ASSERT_TRUE(ok) << err;
  EXPECT_EQ(*ok->Find("a"), "1");
  EXPECT_EQ(*ok->Find("c"), "x y");
  EXPECT_FALSE(internal::TagList::Parse("a=1;;b=2", &err));
  EXPECT_FALSE(internal::TagList::Parse("a=1; a=2", &err));
  EXPECT_FALSE(internal::TagList::Parse("1a=1", &err));
  EXPECT_FALSE(internal::TagList::Parse("a", &err));
  EXPECT_FALSE(internal::TagList::Parse("a=\x01", &err));
}

TEST(Canon, RemoveSignatureValue) {
  EXPECT_EQ(internal::RemoveSignatureValue("DKIM-Signature: a=1; b=abc\r\n def; bh=xyz\r\n"),
            "DKIM-Signature: a=1; b=; bh=xyz\r\n");
  EXPECT_EQ(internal::RemoveSignatureValue("DKIM-Signature: bh=x; b = abc\r\n"),
            "DKIM-Signature: bh=x; b =\r\n");
}

TEST(Canon, Base64) {
  EXPECT_EQ(*Base64Decode("aGVs bG8=\r\n"), "hello");
  EXPECT_EQ(Base64Encode("hello"), "aGVsbG8=");
  EXPECT_FALSE(Base64Decode("aGVsbG8"));   // bad length
  EXPECT_FALSE(Base64Decode("aGV*bG8="));  // not in the alphabet
  EXPECT_FALSE(Base64Decode("aG=sbG8="));  // data after padding
}

// ---- verification of reference-signed messages ----

TEST(DkimVerify, MessagesSignedByDkimpy) {
  TxtResolver zone = DkimpyZone();
  for (const char* name : {"rsa-relaxed-simple.dkimpy.eml", "rsa-relaxed-relaxed.dkimpy.eml",
                           "rsa-simple-simple.dkimpy.eml", "ed25519.dkimpy.eml"}) {
    auto results = Verify(zone, ReadData(name));
    ASSERT_EQ(results.size(), 1u) << name;
    EXPECT_TRUE(results[0].pass()) << name << ": " << results[0].detail;
    EXPECT_EQ(results[0].domain, "example.com");
    EXPECT_FALSE(results[0].body_length);
  }
}

TEST(DkimVerify, IdentityAndUnsignedAdditions) {
  TxtResolver zone = DkimpyZone();
  auto r = Verify(zone, ReadData("rsa-identity.dkimpy.eml"));
  ASSERT_EQ(r.size(), 1u);
  EXPECT_TRUE(r[0].pass()) << r[0].detail;
  EXPECT_EQ(r[0].identity, "user@sub.example.com");

  // test_extra.message is test.message with a Received field added on top:
  // a field the signature does not cover may be added in transit.
  std::string signed_msg = ReadData("rsa-relaxed-simple.dkimpy.eml");
  std::string sig = signed_msg.substr(0, signed_msg.find("Authentication-Results:"));
  std::string extra = ReadData("test_extra.message");
  r = Verify(zone, sig + extra);
  ASSERT_EQ(r.size(), 1u);
  EXPECT_TRUE(r[0].pass()) << r[0].detail;
}

TEST(DkimVerify, CrlfAndLfGiveTheSameResult) {
  TxtResolver zone = DkimpyZone();
  std::string lf = ReadData("rsa-relaxed-relaxed.dkimpy.eml");
  auto a = Verify(zone, lf);
  auto b = Verify(zone, NormalizeLineEnds(lf));
  ASSERT_EQ(a.size(), 1u);
  ASSERT_EQ(b.size(), 1u);
  EXPECT_TRUE(a[0].pass());
  EXPECT_TRUE(b[0].pass());
}

TEST(DkimVerify, Rfc8463SampleHasTwoPassingSignatures) {
  TxtResolver zone = DkimpyZone();
  auto results = Verify(zone, ReadData("rfc6376.signed.msg"));
  ASSERT_EQ(results.size(), 2u);
  EXPECT_TRUE(results[0].pass()) << results[0].detail;
  EXPECT_EQ(results[0].algorithm, "ed25519-sha256");
  EXPECT_EQ(results[0].selector, "brisbane");
  EXPECT_EQ(results[0].header_b, "9/dsDChY");
  EXPECT_TRUE(results[1].pass()) << results[1].detail;
  EXPECT_EQ(results[1].algorithm, "rsa-sha256");
  EXPECT_EQ(results[1].key_bits, 1024);
  EXPECT_EQ(results[1].AuthResultsItem(),
            "dkim=pass (1024-bit key) header.d=football.example.com "
            "header.i=@football.example.com header.s=test header.a=rsa-sha256 header.b=icKcLSEZ");
}

TEST(DkimVerify, EximEd25519WithDegenerateFolding) {
  TxtResolver zone = DkimpyZone();
  auto results = Verify(zone, ReadData("ed25519test2.msg"));
  ASSERT_EQ(results.size(), 1u);
  EXPECT_TRUE(results[0].pass()) << results[0].detail;
}

TEST(DkimVerify, SeveralSignaturesEachGetTheirOwnResult) {
  TxtResolver zone = DkimpyZone();
  auto results = Verify(zone, ReadData("two-signatures.dkimpy.eml"));
  ASSERT_EQ(results.size(), 2u);
  EXPECT_TRUE(results[0].pass());
  EXPECT_EQ(results[0].selector, "ed");
  EXPECT_TRUE(results[1].pass());
  EXPECT_EQ(results[1].selector, "test");

  // Break only the ed25519 key: the RSA signature still passes.
  TxtResolver other = DkimpyZone();
  TxtResolver wrong;
  wrong.Add("test._domainkey.football.example.com", Key("test.txt"));
  wrong.Add("brisbane._domainkey.football.example.com", Key("ed25519test.dns"));
  results = Verify(wrong, ReadData("rfc6376.signed.msg"));
  ASSERT_EQ(results.size(), 2u);
  EXPECT_EQ(results[0].status, DkimStatus::kFail);
  EXPECT_EQ(results[0].reason, DkimReason::kSignatureMismatch);
  EXPECT_TRUE(results[1].pass());
}

TEST(DkimVerify, NoSignatureMeansNoResults) {
  TxtResolver zone = DkimpyZone();
  EXPECT_TRUE(Verify(zone, ReadData("test.message")).empty());
  EXPECT_EQ(zone.queries(), 0);
}

// ---- failures, each with its reason ----

TEST(DkimVerify, TamperedBodyIsBodyHashMismatch) {
  TxtResolver zone = DkimpyZone();
  std::string msg = Replace(ReadData("rsa-relaxed-relaxed.dkimpy.eml"), "a test", "an evil");
  auto r = Verify(zone, msg);
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].status, DkimStatus::kFail);
  EXPECT_EQ(r[0].reason, DkimReason::kBodyHashMismatch);
}

TEST(DkimVerify, TamperedHeaderIsSignatureMismatch) {
  TxtResolver zone = DkimpyZone();
  std::string msg =
      Replace(ReadData("rsa-relaxed-relaxed.dkimpy.eml"), "Subject: Testing", "Subject: Pay now");
  auto r = Verify(zone, msg);
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].status, DkimStatus::kFail);
  EXPECT_EQ(r[0].reason, DkimReason::kSignatureMismatch);
  // Relaxed canonicalization forgives whitespace changes.
  msg =
      Replace(ReadData("rsa-relaxed-relaxed.dkimpy.eml"), "Subject: Testing", "SUBJECT:  Testing ");
  EXPECT_TRUE(Verify(zone, msg)[0].pass());
}

TEST(DkimVerify, KeyLookupFailures) {
  std::string msg = ReadData("rsa-relaxed-relaxed.dkimpy.eml");
  {
    TxtResolver empty;
    auto r = Verify(empty, msg);
    EXPECT_EQ(r[0].status, DkimStatus::kPermError);
    EXPECT_EQ(r[0].reason, DkimReason::kKeyNotFound);
    EXPECT_NE(r[0].detail.find("test._domainkey.example.com"), std::string::npos);
  }
  {
    TxtResolver broken;
    broken.Fail("test._domainkey.example.com");
    auto r = Verify(broken, msg);
    EXPECT_EQ(r[0].status, DkimStatus::kTempError);
    EXPECT_EQ(r[0].reason, DkimReason::kDnsTempError);
  }
  struct Case {
    std::string record;
    DkimStatus status;
    DkimReason reason;
  } cases[] = {
      {"v=DKIM1; k=rsa; p=", DkimStatus::kPermError, DkimReason::kKeyRevoked},
      {Key("test_bad.txt"), DkimStatus::kPermError, DkimReason::kKeySyntax},
      {Key("badk.txt"), DkimStatus::kPermError, DkimReason::kKeySyntax},
      {Key("badversion.txt"), DkimStatus::kPermError, DkimReason::kKeySyntax},
      {Key("test_tlsrpt.txt"), DkimStatus::kPermError, DkimReason::kKeyServiceType},
      {Key("ed25519test.dns"), DkimStatus::kPermError, DkimReason::kKeyTypeMismatch},
      {"v=DKIM1; h=sha1; " + Key("test.txt").substr(9), DkimStatus::kPermError,
       DkimReason::kKeyHashNotAllowed},
      {"k=rsa; p=not*base64", DkimStatus::kPermError, DkimReason::kKeySyntax},
      {"t=y; " + Key("test.txt").substr(9), DkimStatus::kPass, DkimReason::kNone},
  };
  for (const auto& c : cases) {
    TxtResolver zone;
    zone.Add("test._domainkey.example.com", c.record);
    auto r = Verify(zone, msg);
    ASSERT_EQ(r.size(), 1u);
    EXPECT_EQ(r[0].status, c.status) << c.record << ": " << r[0].detail;
    EXPECT_EQ(r[0].reason, c.reason) << c.record << ": " << r[0].detail;
  }
  TxtResolver testing_zone;
  testing_zone.Add("test._domainkey.example.com", "t=y; " + Key("test.txt").substr(9));
  EXPECT_TRUE(Verify(testing_zone, msg)[0].testing);
}

TEST(DkimVerify, RsaSha1IsNotAccepted) {
  TxtResolver zone = DkimpyZone();
  auto r = Verify(zone, ReadData("rsa-sha1.dkimpy.eml"));
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].status, DkimStatus::kPolicy);
  EXPECT_EQ(r[0].reason, DkimReason::kRsaSha1);
  EXPECT_NE(r[0].detail.find("RFC 8301"), std::string::npos);
}

TEST(DkimVerify, ShortRsaKeyIsNotAccepted) {
  auto key = PrivateKey::Generate(KeyType::kRsa, 512);
  ASSERT_TRUE(key.ok()) << key.status().message();
  TxtResolver zone;
  zone.Add("sel._domainkey.example.com", "v=DKIM1; k=rsa; p=" + (*key)->PublicKeyBase64());
  auto r = Verify(zone, SignWith(kPlain, **key, SigSpec{}));
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].status, DkimStatus::kPolicy);
  EXPECT_EQ(r[0].reason, DkimReason::kWeakKey);
  EXPECT_EQ(r[0].key_bits, 512);
}

TEST(DkimVerify, BodyLengthIsHonouredAndFlagged) {
  TxtResolver zone = DkimpyZone();
  auto r = Verify(zone, ReadData("rsa-length.dkimpy.eml"));  // has text appended after l=
  ASSERT_EQ(r.size(), 1u);
  EXPECT_TRUE(r[0].pass()) << r[0].detail;
  ASSERT_TRUE(r[0].body_length);
  EXPECT_EQ(*r[0].body_length, 25u);
  EXPECT_NE(r[0].AuthResultsItem().find("body partly unsigned"), std::string::npos);

  auto key = TestKey();
  TxtResolver z2;
  z2.Add("sel._domainkey.example.com", Key("test.txt"));
  SigSpec spec;
  spec.l = 5;
  std::string msg = SignWith(kPlain, *key, spec);
  EXPECT_TRUE(Verify(z2, msg)[0].pass());
  // l= longer than what is left of the body.
  msg = Replace(msg, "Hi Bob.\r\n", "Hi\r\n");
  auto shorter = Verify(z2, msg);
  EXPECT_EQ(shorter[0].status, DkimStatus::kFail);
  EXPECT_EQ(shorter[0].reason, DkimReason::kBodyLengthExceeded);
}

TEST(DkimVerify, Expiry) {
  auto key = TestKey();
  TxtResolver zone;
  zone.Add("sel._domainkey.example.com", Key("test.txt"));
  SigSpec spec;
  spec.extra = "t=1700000000; x=1700086400; ";
  std::string msg = SignWith(kPlain, *key, spec);
  EXPECT_TRUE(Verify(zone, msg, 1700000100)[0].pass());
  auto r = Verify(zone, msg, 1700086401);
  EXPECT_EQ(r[0].status, DkimStatus::kFail);
  EXPECT_EQ(r[0].reason, DkimReason::kExpired);
  EXPECT_EQ(*r[0].expiration, 1700086400);
  spec.extra = "t=1700000000; x=1600000000; ";  // x= before t=
  r = Verify(zone, SignWith(kPlain, *key, spec), 1500000000);
  EXPECT_EQ(r[0].reason, DkimReason::kSignatureSyntax);
}

TEST(DkimVerify, SignatureRules) {
  auto key = TestKey();
  TxtResolver zone;
  zone.Add("sel._domainkey.example.com", Key("test.txt"));
  zone.Add("sel._domainkey.sub.example.com", Key("test.txt"));
  auto one = [&](SigSpec spec) { return Verify(zone, SignWith(kPlain, *key, spec))[0]; };

  SigSpec s;
  s.h = "to:subject";
  EXPECT_EQ(one(s).reason, DkimReason::kFromNotSigned);
  s = SigSpec{};
  s.extra = "i=alice@evil.example; ";
  EXPECT_EQ(one(s).reason, DkimReason::kIdentityMismatch);
  s.extra = "i=alice@notexample.com; ";
  EXPECT_EQ(one(s).reason, DkimReason::kIdentityMismatch);
  s.extra = "i=alice@mail.example.com; ";
  EXPECT_TRUE(one(s).pass());
  s.a = "rsa-sha512";
  EXPECT_EQ(one(s).reason, DkimReason::kUnsupportedAlgorithm);
  s = SigSpec{};
  s.extra = "q=http/get; ";
  EXPECT_EQ(one(s).reason, DkimReason::kUnsupportedQuery);
  s.extra = "q=dns/txt; z=From:x; unknown=ignored; ";
  EXPECT_TRUE(one(s).pass());
  s = SigSpec{};
  s.c = "simple/simple";
  EXPECT_TRUE(one(s).pass());
  s.c = "relaxed";
  EXPECT_TRUE(one(s).pass());
  s.c = "fancy/simple";
  EXPECT_EQ(one(s).reason, DkimReason::kSignatureSyntax);

  // Key t=s: i= must be exactly d=.
  TxtResolver strict;
  strict.Add("sel._domainkey.example.com", "t=s; " + Key("test.txt").substr(9));
  s = SigSpec{};
  s.extra = "i=alice@mail.example.com; ";
  auto r = Verify(strict, SignWith(kPlain, *key, s));
  EXPECT_EQ(r[0].reason, DkimReason::kKeyStrictIdentity);

  // Syntax: missing tags, a wrong version, a broken tag list.
  std::string msg = SignWith(kPlain, *key, SigSpec{});
  r = Verify(zone, Replace(msg, "v=1;", "v=2;"));
  EXPECT_EQ(r[0].reason, DkimReason::kUnsupportedVersion);
  r = Verify(zone, Replace(msg, " bh=", " xbh="));
  EXPECT_EQ(r[0].reason, DkimReason::kSignatureSyntax);
  EXPECT_EQ(r[0].status, DkimStatus::kPermError);
  EXPECT_EQ(r[0].domain, "example.com");  // still says whose signature it was
  r = Verify(zone, Replace(msg, "v=1;", "v=1;;"));
  EXPECT_EQ(r[0].reason, DkimReason::kSignatureSyntax);
  r = Verify(zone, Replace(msg, "d=example.com", "d=exa mple.com"));
  EXPECT_EQ(r[0].reason, DkimReason::kSignatureSyntax);
}

TEST(DkimVerify, OnlySoManySignaturesAreChecked) {
  std::string msg = ReadData("rsa-relaxed-relaxed.dkimpy.eml");
  std::string sig = msg.substr(0, msg.find("Authentication-Results:"));
  std::string many;
  for (size_t i = 0; i < kMaxDkimSignatures + 2; ++i) many += sig;
  TxtResolver zone = DkimpyZone();
  auto r = Verify(zone, many + msg);
  ASSERT_EQ(r.size(), kMaxDkimSignatures + 3);
  EXPECT_TRUE(r[0].pass());
  EXPECT_EQ(r.back().status, DkimStatus::kNeutral);
  EXPECT_EQ(r.back().reason, DkimReason::kTooManySignatures);
}

// ---- signing ----

TEST(DkimSign, RoundTripBothAlgorithms) {
  for (DkimAlgorithm alg : {DkimAlgorithm::kRsaSha256, DkimAlgorithm::kEd25519Sha256}) {
    auto gen = GenerateKey(alg);
    ASSERT_TRUE(gen.ok()) << gen.status().message();
    TxtResolver zone;
    zone.Add("s1._domainkey.example.com", gen->dns_txt);
    SigningKey key{"example.com", "s1", alg, gen->private_key_pem};
    auto header = SignDkim(kPlain, key, {}, kNow);
    ASSERT_TRUE(header.ok()) << header.status().message();
    for (const auto& line : Split(*header, '\n')) EXPECT_LE(line.size(), 80u) << line;
    std::string signed_msg = *header + kPlain;
    auto r = Verify(zone, signed_msg);
    ASSERT_EQ(r.size(), 1u);
    EXPECT_TRUE(r[0].pass()) << DkimAlgorithmName(alg) << ": " << r[0].detail;
    EXPECT_EQ(r[0].algorithm, DkimAlgorithmName(alg));
    EXPECT_EQ(*r[0].timestamp, kNow);
    // Oversigned: a second Subject added later breaks the signature.
    auto added = Verify(zone, *header + "Subject: Urgent\r\n" + kPlain);
    EXPECT_EQ(added[0].reason, DkimReason::kSignatureMismatch);
  }
}

TEST(DkimSign, KeyRecords) {
  auto rsa = GenerateKey(DkimAlgorithm::kRsaSha256);
  ASSERT_TRUE(rsa.ok());
  EXPECT_EQ(rsa->dns_txt.rfind("v=DKIM1; k=rsa; p=MIIBIjAN", 0), 0u) << rsa->dns_txt;
  auto ed = GenerateKey(DkimAlgorithm::kEd25519Sha256);
  ASSERT_TRUE(ed.ok());
  ASSERT_EQ(ed->dns_txt.rfind("v=DKIM1; k=ed25519; p=", 0), 0u);
  auto raw = Base64Decode(ed->dns_txt.substr(strlen("v=DKIM1; k=ed25519; p=")));
  ASSERT_TRUE(raw);
  EXPECT_EQ(raw->size(), 32u);  // RFC 8463: the bare key, not SubjectPublicKeyInfo
  EXPECT_NE(ed->private_key_pem.find("BEGIN PRIVATE KEY"), std::string::npos);
}

TEST(DkimSign, ExistingKeysAndLfMessages) {
  TxtResolver zone = DkimpyZone();
  // dkimpy's traditional-PEM RSA key, and its base64 Ed25519 seed.
  SigningKey rsa{"example.com", "test", DkimAlgorithm::kRsaSha256, ReadData("test.private")};
  SigningKey ed{"example.com", "ed", DkimAlgorithm::kEd25519Sha256, ReadData("ed25519test.key")};
  std::string msg = ReadData("test.message");  // LF line ends
  for (const auto& key : {rsa, ed}) {
    auto header = SignDkim(msg, key, {"From", "To", "Subject", "Date", "X-Absent"}, kNow);
    ASSERT_TRUE(header.ok()) << header.status().message();
    EXPECT_NE(header->find("x-absent"), std::string::npos);
    auto r = Verify(zone, *header + msg);
    ASSERT_EQ(r.size(), 1u);
    EXPECT_TRUE(r[0].pass()) << r[0].detail;
  }
}

TEST(DkimSign, Rfc8463SampleKey) {
  // RFC 8463's Ed25519 key (the RFC 8032 section 7.1 test key) over the
  // RFC 6376 sample message, checked against the RFC's published record.
  TxtResolver zone = DkimpyZone();
  SigningKey key{"football.example.com", "brisbane", DkimAlgorithm::kEd25519Sha256,
                 ReadData("rfc8032_7_1.key")};
  std::string msg = ReadData("rfc6376.msg");
  auto header = SignDkim(msg, key, {}, kNow);
  ASSERT_TRUE(header.ok()) << header.status().message();
  auto r = Verify(zone, *header + msg);
  ASSERT_EQ(r.size(), 1u);
  EXPECT_TRUE(r[0].pass()) << r[0].detail;
  EXPECT_EQ(r[0].key_bits, 256);
}

TEST(DkimSign, RefusesWhatWouldNotVerify) {
  SigningKey key{"example.com", "test", DkimAlgorithm::kEd25519Sha256, ReadData("test.private")};
  EXPECT_FALSE(SignDkim(kPlain, key, {}, kNow).ok());  // RSA key for ed25519
  key.algorithm = DkimAlgorithm::kRsaSha256;
  EXPECT_FALSE(SignDkim(ReadData("test_nofrom.message"), key, {}, kNow).ok());
  key.domain = "bad domain";
  EXPECT_FALSE(SignDkim(kPlain, key, {}, kNow).ok());
  key = SigningKey{"example.com", "test", DkimAlgorithm::kRsaSha256, "not a key"};
  EXPECT_FALSE(SignDkim(kPlain, key, {}, kNow).ok());
}

}  // namespace
}  // namespace postdesk::auth
