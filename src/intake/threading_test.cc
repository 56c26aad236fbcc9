#include <gtest/gtest.h>

#include "intake/support_addresses.h"
#include "intake/threading.h"

namespace postdesk::intake {
namespace {

TEST(FindEncodedIds, FindsBracketedIdsOnly) {
  EXPECT_EQ(FindEncodedIds("see [k7q2-9xwd] and [ABCD-EFGH]"),
            (std::vector<std::string>{"K7Q2-9XWD", "ABCD-EFGH"}));
  EXPECT_TRUE(FindEncodedIds("K7Q2-9XWD without brackets").empty());
  EXPECT_TRUE(FindEncodedIds("ticket #12 [12]").empty());
  EXPECT_TRUE(FindEncodedIds("[K7Q2-9XWU]").empty());  // U is not in the alphabet
  EXPECT_TRUE(FindEncodedIds("[").empty());
  EXPECT_TRUE(FindEncodedIds("[K7Q2-9XW").empty());
}

TEST(StripReplyPrefixes, RemovesStackedPrefixesInManyLanguages) {
  EXPECT_EQ(StripReplyPrefixes("Re: Fwd: AW: Printer broken"), "Printer broken");
  EXPECT_EQ(StripReplyPrefixes("VS: SV: hello"), "hello");
  EXPECT_EQ(StripReplyPrefixes("回复: 打印机坏了"), "打印机坏了");
  EXPECT_EQ(StripReplyPrefixes("Re[2]: x"), "x");
  EXPECT_EQ(StripReplyPrefixes("Regarding the invoice"), "Regarding the invoice");
}

TEST(SupportAddresses, PlusAddressingAndTicketTag) {
  SupportAddresses a({"Support@Example.com", "help@other.example"});
  EXPECT_TRUE(a.Contains("support@example.com"));
  EXPECT_TRUE(a.Contains("SUPPORT+anything@example.com"));
  EXPECT_TRUE(a.Contains("help@other.example"));
  EXPECT_FALSE(a.Contains("support@example.org"));
  EXPECT_FALSE(a.Contains("supportx@example.com"));
  EXPECT_EQ(a.Canonical("support+idK7Q2-9XWD@example.com"), "support@example.com");
  EXPECT_EQ(SupportAddresses::TicketTag("support+idk7q2-9xwd@example.com"), "K7Q2-9XWD");
  EXPECT_FALSE(SupportAddresses::TicketTag("support+billing@example.com"));
  EXPECT_FALSE(SupportAddresses::TicketTag("support@example.com"));
}

}  // namespace
}  // namespace postdesk::intake
