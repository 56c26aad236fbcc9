#include "api/search_query.h"

#include <gtest/gtest.h>

namespace postdesk::api {
namespace {

using Assignee = store::TicketQuery::Assignee;

TEST(SearchQueryTest, FieldsPhrasesAndWords) {
  auto q = ParseSearchQuery(R"(type:ticket status:open requester:Bob@X.example tags:vip "refund please" 請求書)");
  ASSERT_TRUE(q.ok()) << q.status().message();
  EXPECT_FALSE(q->matches_nothing);
  EXPECT_EQ(q->tickets.statuses, (std::vector<std::string>{"open"}));
  EXPECT_EQ(q->requester_email, "bob@x.example");
  EXPECT_EQ(q->tickets.tags, (std::vector<std::string>{"vip"}));
  EXPECT_EQ(q->tickets.words, (std::vector<std::string>{"refund please", "請求書"}));
}

TEST(SearchQueryTest, StatusComparisonsFollowZendesksOrder) {
  auto q = ParseSearchQuery("status<solved");
  ASSERT_TRUE(q.ok());
  EXPECT_EQ(q->tickets.statuses, (std::vector<std::string>{"new", "open", "pending", "hold"}));
  q = ParseSearchQuery("status>=solved");
  ASSERT_TRUE(q.ok());
  EXPECT_EQ(q->tickets.statuses, (std::vector<std::string>{"solved", "closed"}));
  q = ParseSearchQuery("status>new status<pending");
  ASSERT_TRUE(q.ok());
  EXPECT_EQ(q->tickets.statuses, (std::vector<std::string>{"open"}));
  for (const char* none : {"status<new", "status>closed"}) {
    q = ParseSearchQuery(none);
    ASSERT_TRUE(q.ok());
    EXPECT_TRUE(q->matches_nothing) << none;
  }
  q = ParseSearchQuery("status:open status:solved");
  ASSERT_TRUE(q.ok());
  EXPECT_TRUE(q->matches_nothing);
}

TEST(SearchQueryTest, AssigneeAndOtherTypes) {
  auto q = ParseSearchQuery("assignee:none");
  ASSERT_TRUE(q.ok());
  EXPECT_EQ(q->tickets.assignee, Assignee::kNobody);
  q = ParseSearchQuery("assignee:me");
  ASSERT_TRUE(q.ok());
  EXPECT_TRUE(q->assignee_me);
  q = ParseSearchQuery("type:user alice");
  ASSERT_TRUE(q.ok());
  EXPECT_TRUE(q->matches_nothing);
  // Unknown fields and URLs are words.
  q = ParseSearchQuery("http://x.example/a order:123");
  ASSERT_TRUE(q.ok());
  EXPECT_EQ(q->tickets.words, (std::vector<std::string>{"http://x.example/a", "order:123"}));
}

TEST(SearchQueryTest, BadTermsAreNamed) {
  auto q = ParseSearchQuery("status:bananas");
  ASSERT_FALSE(q.ok());
  EXPECT_NE(q.status().message().find("status:bananas"), std::string::npos);
  EXPECT_FALSE(ParseSearchQuery("requester:").ok());
  EXPECT_FALSE(ParseSearchQuery("tags<vip").ok());
  EXPECT_FALSE(ParseSearchQuery(std::string(2000, 'a')).ok());
  std::string many;
  for (int i = 0; i < 100; ++i) many += "w ";
  EXPECT_FALSE(ParseSearchQuery(many).ok());
  EXPECT_TRUE(ParseSearchQuery("").ok());
}

}  // namespace
}  // namespace postdesk::api
