#include "intake/reply_cut.h"

#include <gtest/gtest.h>

namespace postdesk::intake {
namespace {

TEST(CutQuotedReply, CutsAtOurDelimiterAndAttribution) {
  std::string reply =
      "Thanks, that fixed it!\n\nOn Fri, 27 Nov 2026 at 10:00, Support <support@x.test> wrote:\n"
      "> ##- Please type your reply above this line -##\n> \n> Try turning it off.\n";
  EXPECT_EQ(CutQuotedReply(reply), "Thanks, that fixed it!");
}

TEST(CutQuotedReply, CutsDelimiterWithoutQuotes) {
  EXPECT_EQ(CutQuotedReply("Yes.\n##- Please type your reply above this line -##\nold"), "Yes.");
}

TEST(CutQuotedReply, GmailAttributionWrappedOverTwoLines) {
  std::string reply =
      "Still broken.\n\nOn Fri, Nov 27, 2026 at 10:00 AM Support Team <support@x.test>\n"
      "wrote:\n> earlier text\n";
  EXPECT_EQ(CutQuotedReply(reply), "Still broken.");
}

TEST(CutQuotedReply, OutlookBlocks) {
  EXPECT_EQ(CutQuotedReply("New info\n\n-----Original Message-----\nFrom: a\nSent: b\n\nold"),
            "New info");
  EXPECT_EQ(CutQuotedReply("See below\r\n\r\nFrom: Support <s@x.test>\r\nSent: Friday\r\n"
                           "To: me\r\nSubject: Re: x\r\n\r\nold"),
            "See below");
}

TEST(CutQuotedReply, JapaneseClientAttribution) {
  EXPECT_EQ(CutQuotedReply("ありがとうございます。\n\n2026年11月27日(金) 10:00 Support <s@x.test>:\n> 前の文\n"),
            "ありがとうございます。");
}

TEST(CutQuotedReply, TrailingQuotesAndNothingToCut) {
  EXPECT_EQ(CutQuotedReply("answer\n> quoted\n> more\n"), "answer");
  EXPECT_EQ(CutQuotedReply("plain text\nwith two lines"), "plain text\nwith two lines");
  // Inline quoting keeps the text around the quotes.
  EXPECT_EQ(CutQuotedReply("> question?\nanswer\n"), "> question?\nanswer");
}

TEST(CutQuotedReply, NeverEmptiesAMessage) {
  std::string only_quote = "> everything is quoted\n";
  EXPECT_EQ(CutQuotedReply(only_quote), only_quote);
}

}  // namespace
}  // namespace postdesk::intake
