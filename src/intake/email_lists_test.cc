#include "intake/email_lists.h"

#include <gtest/gtest.h>

namespace postdesk::intake {
namespace {

EmailLists Lists(std::string_view allow, std::string_view block) {
  auto l = EmailLists::Parse(allow, block);
  EXPECT_TRUE(l.ok()) << l.status().message();
  return l.ok() ? *l : EmailLists();
}

TEST(EmailListsTest, EmptyListsDecideNothing) {
  EXPECT_EQ(Lists("", "").Check("a@b.test").action, ListAction::kNone);
  EXPECT_TRUE(Lists("", "").empty());
}

TEST(EmailListsTest, AddressDomainAndSubdomainMatch) {
  auto l = Lists("", "bob@spam.test example.org");
  EXPECT_EQ(l.Check("Bob@Spam.TEST").action, ListAction::kSuspend);
  EXPECT_EQ(l.Check("alice@spam.test").action, ListAction::kNone);
  EXPECT_EQ(l.Check("x@example.org").action, ListAction::kSuspend);
  EXPECT_EQ(l.Check("x@mail.example.org").action, ListAction::kSuspend);  // subdomain
  EXPECT_EQ(l.Check("x@notexample.org").action, ListAction::kNone);       // not a subdomain
  EXPECT_EQ(l.Check("x@example.org.evil.test").action, ListAction::kNone);
  auto v = l.Check("x@mail.example.org");
  EXPECT_EQ(v.entry, "example.org");
  EXPECT_EQ(v.list, "blocklist");
}

TEST(EmailListsTest, KeywordsSuspendAndReject) {
  auto l = Lists("", "reject:spam.test suspend:bob@maybe.test");
  EXPECT_EQ(l.Check("x@spam.test").action, ListAction::kReject);
  EXPECT_EQ(l.Check("x@spam.test").entry, "reject:spam.test");
  EXPECT_EQ(l.Check("bob@maybe.test").action, ListAction::kSuspend);
  EXPECT_EQ(l.Check("eve@maybe.test").action, ListAction::kNone);
}

TEST(EmailListsTest, PrecedenceAllowOverRejectOverSuspendAtEqualSpecificity) {
  EXPECT_EQ(Lists("spam.test", "reject:spam.test").Check("x@spam.test").action, ListAction::kAllow);
  EXPECT_EQ(Lists("", "spam.test reject:spam.test").Check("x@spam.test").action,
            ListAction::kReject);
  EXPECT_EQ(Lists("", "reject:spam.test suspend:spam.test").Check("x@spam.test").action,
            ListAction::kReject);
  EXPECT_EQ(Lists("bob@spam.test", "reject:bob@spam.test").Check("bob@spam.test").action,
            ListAction::kAllow);
}

TEST(EmailListsTest, MoreSpecificEntryWins) {
  // Zendesk's examples: allow a domain but reject or suspend one address in it.
  auto l = Lists("gmail.test", "* reject:spammer@gmail.test suspend:maybe@gmail.test");
  EXPECT_EQ(l.Check("friend@gmail.test").action, ListAction::kAllow);
  EXPECT_EQ(l.Check("spammer@gmail.test").action, ListAction::kReject);
  EXPECT_EQ(l.Check("maybe@gmail.test").action, ListAction::kSuspend);
  EXPECT_EQ(l.Check("stranger@other.test").action, ListAction::kNotOnAllowlist);
  // Block a domain but allow one address in it.
  auto m = Lists("boss@corp.test", "corp.test");
  EXPECT_EQ(m.Check("boss@corp.test").action, ListAction::kAllow);
  EXPECT_EQ(m.Check("intern@corp.test").action, ListAction::kSuspend);
  // An exact domain beats a parent domain.
  auto n = Lists("eu.corp.test", "reject:corp.test");
  EXPECT_EQ(n.Check("a@eu.corp.test").action, ListAction::kAllow);
  EXPECT_EQ(n.Check("a@us.corp.test").action, ListAction::kReject);
}

TEST(EmailListsTest, WildcardSuspendsEveryoneNotAllowlisted) {
  auto l = Lists("partner.test", "*");
  EXPECT_EQ(l.Check("a@partner.test").action, ListAction::kAllow);
  EXPECT_EQ(l.Check("a@sub.partner.test").action, ListAction::kAllow);
  auto v = l.Check("a@random.test");
  EXPECT_EQ(v.action, ListAction::kNotOnAllowlist);
  EXPECT_EQ(v.entry, "*");
  // A reject: entry is more specific than "*".
  EXPECT_EQ(Lists("", "* reject:bad.test").Check("x@bad.test").action, ListAction::kReject);
}

TEST(EmailListsTest, InvalidEntriesAreNamed) {
  struct Case {
    std::string allow, block, needle;
  };
  for (const auto& c : std::vector<Case>{
           {"", "@example.com", "\"@example.com\""},
           {"", "reject:", "\"reject:\""},
           {"", "block:x.test", "unknown keyword"},
           {"*", "", "belongs in the blocklist"},
           {"suspend:a.test", "", "allowlist entries take none"},
           {"", "com", "\"com\" is not an address or a domain"},
           {"", "a@b@c", "not an address"},
           {"", "bad_domain.test", "\"bad_domain.test\""},
           {"", "x..test", "\"x..test\""},
           {"", "reject:*", "takes no keyword"},
       }) {
    auto r = EmailLists::Parse(c.allow, c.block);
    ASSERT_FALSE(r.ok()) << c.allow << " | " << c.block;
    EXPECT_EQ(r.status().kind(), ErrorKind::kInvalid);
    EXPECT_NE(r.status().message().find(c.needle), std::string::npos) << r.status().message();
  }
  EXPECT_FALSE(EmailLists::Parse(std::string(kEmailListMaxChars + 1, 'a'), "").ok());
}

TEST(EmailListsTest, CanonicalTextAndJsonRoundTrip) {
  auto l = Lists("  A@B.test\n partner.TEST ", "Reject:Spam.test   *");
  EXPECT_EQ(l.allowlist(), "a@b.test partner.test");
  EXPECT_EQ(l.blocklist(), "reject:spam.test *");
  auto back = EmailLists::FromJson(l.ToJson());
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(back->allowlist(), l.allowlist());
  EXPECT_EQ(back->blocklist(), l.blocklist());
  EXPECT_EQ(back->Check("x@spam.test").action, ListAction::kReject);
  EXPECT_TRUE(EmailLists::FromJson("")->empty());
  EXPECT_FALSE(EmailLists::FromJson("[1]").ok());
}

TEST(EmailListsTest, HolderSwapsAtomically) {
  EmailListsHolder holder;
  auto before = holder.Get();
  holder.Set(Lists("", "reject:spam.test"));
  EXPECT_EQ(before->Check("x@spam.test").action, ListAction::kNone);  // old snapshot unchanged
  EXPECT_EQ(holder.Get()->Check("x@spam.test").action, ListAction::kReject);
}

}  // namespace
}  // namespace postdesk::intake
