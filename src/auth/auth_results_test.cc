#include "auth/auth_results.h"

#include <gtest/gtest.h>

namespace postdesk::auth {
namespace {

TEST(ParseAuthResults, ResultsPropertiesAndReasons) {
  ParsedAuthResults p = ParseAuthenticationResults(
      " lists.example 1; spf=pass (sender ip is 192.0.2.1) smtp.mailfrom=a@b.example;\r\n"
      "\tDKIM=Fail reason=\"body hash; changed\" header.d=b.example header.b=ab/c+d==;\r\n"
      "  dmarc/1=pass header.from=b.example; bogus; arc=none");
  EXPECT_EQ(p.authserv_id, "lists.example");
  ASSERT_EQ(p.results.size(), 4u);
  EXPECT_EQ(p.results[0].method, "spf");
  EXPECT_EQ(p.results[0].result, "pass");
  EXPECT_EQ(p.results[0].Property("smtp.mailfrom"), "a@b.example");
  EXPECT_EQ(p.results[1].method, "dkim");
  EXPECT_EQ(p.results[1].result, "fail");
  EXPECT_EQ(p.results[1].reason, "body hash; changed");
  EXPECT_EQ(p.results[1].Property("header.b"), "ab/c+d==");
  EXPECT_EQ(p.results[2].method, "dmarc");
  EXPECT_EQ(p.results[2].Property("header.from"), "b.example");
  EXPECT_EQ(p.results[3].method, "arc");
  EXPECT_EQ(p.results[3].result, "none");
}

TEST(ParseAuthResults, NoneAndCommentsBeforeTheId) {
  ParsedAuthResults p = ParseAuthenticationResults("(hi (nested)) desk.example; none");
  EXPECT_EQ(p.authserv_id, "desk.example");
  EXPECT_TRUE(p.no_results);
  EXPECT_TRUE(p.results.empty());
  EXPECT_EQ(AuthservIdOf("\"quoted.example\"; spf=pass"), "quoted.example");
}

TEST(ParseAuthResults, UnreadableResinfoIsSkippedNotGuessed) {
  ParsedAuthResults p =
      ParseAuthenticationResults("x.example; dmarc=pass header.from; spf=pass smtp.helo=h.example");
  ASSERT_EQ(p.results.size(), 1u);
  EXPECT_EQ(p.results[0].method, "spf");
}

TEST(PropertyValue, TokensDomainsAndAddressesStayBareTheRestIsQuoted) {
  EXPECT_EQ(PropertyValue("example.com"), "example.com");
  EXPECT_EQ(PropertyValue("alice@example.com"), "alice@example.com");
  EXPECT_EQ(PropertyValue("@example.com"), "@example.com");
  EXPECT_EQ(PropertyValue("rsa-sha256"), "rsa-sha256");
  EXPECT_EQ(PropertyValue("ab/cd+ef"), "\"ab/cd+ef\"");
  EXPECT_EQ(PropertyValue("a b; dkim=pass"), "\"a b; dkim=pass\"");
  EXPECT_EQ(PropertyValue("\"x\"\r\nFoo: y@z"), "\"\\\"x\\\"  Foo: y@z\"");
  EXPECT_EQ(PropertyValue(""), "\"\"");
}

TEST(QuotedString, NoControlCharactersAndBounded) {
  EXPECT_EQ(QuotedString("a\r\nb\tc\\d\"e"), "\"a  b c\\\\d\\\"e\"");
  std::string q = QuotedString(std::string(1000, 'x'), 100);
  EXPECT_EQ(q.size(), 102u);
  // A multi-byte character is not cut in half.
  std::string s = QuotedString("aé", 2);
  EXPECT_EQ(s, "\"a\"");
  EXPECT_EQ(CommentText("a(b)\\c\n"), "a\\(b\\)\\\\c ");
}

TEST(Fold, BreaksBetweenResultsOnlyAndParsesBack) {
  std::string value =
      "desk.example; spf=pass reason=\"a; b\" smtp.mailfrom=a@b.example; dkim=none (x; y); "
      "dmarc=pass header.from=b.example";
  std::string field = FoldAuthenticationResults(value);
  EXPECT_EQ(field,
            "Authentication-Results: desk.example;\r\n"
            "\tspf=pass reason=\"a; b\" smtp.mailfrom=a@b.example;\r\n"
            "\tdkim=none (x; y);\r\n"
            "\tdmarc=pass header.from=b.example\r\n");
  ParsedAuthResults p = ParseAuthenticationResults(field.substr(field.find(':') + 1));
  ASSERT_EQ(p.results.size(), 3u);
  EXPECT_EQ(p.results[0].reason, "a; b");
}

TEST(Strip, RemovesOursKeepsOthersAndTheBody) {
  const std::string msg =
      "Received: from x by y; Tue, 2 Jan 2024 09:00:00 +0000\r\n"
      "Authentication-Results: desk.example; spf=pass\r\n"
      "\tsmtp.mailfrom=forged@bank.example;\r\n"
      "  dmarc=pass header.from=bank.example\r\n"
      "Authentication-Results: lists.example; dkim=pass header.d=b.example\r\n"
      "authentication-results : (forged) DESK.Example; dkim=pass\r\n"
      "Authentication-Results: desk.example.evil; dkim=pass\r\n"
      "Authentication-Results: desk.example\r\n"
      "From: a@b.example\r\n"
      "\r\n"
      "Authentication-Results: desk.example; this is the body\r\n";
  const std::string want =
      "Received: from x by y; Tue, 2 Jan 2024 09:00:00 +0000\r\n"
      "Authentication-Results: lists.example; dkim=pass header.d=b.example\r\n"
      "Authentication-Results: desk.example.evil; dkim=pass\r\n"
      "From: a@b.example\r\n"
      "\r\n"
      "Authentication-Results: desk.example; this is the body\r\n";
  EXPECT_EQ(StripOurAuthenticationResults(msg, "desk.example"), want);
}

TEST(Strip, LfLineEndsAndNothingToStripAreByteIdentical) {
  const std::string msg =
      "Authentication-Results: desk.example; spf=fail\n\tfolded=1\n"
      "Subject: hi\n  folded subject\n\nbody\n";
  EXPECT_EQ(StripOurAuthenticationResults(msg, "desk.example"),
            "Subject: hi\n  folded subject\n\nbody\n");
  EXPECT_EQ(StripOurAuthenticationResults(msg, "other.example"), msg);
  // A message that is all header, the last line without a line end.
  EXPECT_EQ(StripOurAuthenticationResults("X: 1\nAuthentication-Results: desk.example; none",
                                          "desk.example"),
            "X: 1\n");
  EXPECT_EQ(StripOurAuthenticationResults("", "desk.example"), "");
}

}  // namespace
}  // namespace postdesk::auth
