#include "rules/engine.h"

#include <gtest/gtest.h>

#include "rules/rules_testing.h"

namespace postdesk::rules {
namespace {

using namespace testing;  // NOLINT: test fixtures

// Whether a trigger with this one condition matches `u`.
bool Holds(const std::string& condition, const TicketUpdate& u) {
  Trigger t = Simple(1, condition, R"({"field": "status", "value": "open"})");
  return ConditionsMatch(t, u);
}

std::string Cond(const std::string& field, const std::string& op, const std::string& value) {
  return R"({"field": ")" + field + R"(", "operator": ")" + op + R"(", "value": )" + value + "}";
}

// --- Conditions -------------------------------------------------------------

TEST(Conditions, UpdateType) {
  TicketUpdate created = NewEmailTicket();
  TicketUpdate changed = OpenTicketChange();
  EXPECT_TRUE(Holds(Cond("update_type", "is", "\"Create\""), created));
  EXPECT_FALSE(Holds(Cond("update_type", "is", "\"Create\""), changed));
  EXPECT_TRUE(Holds(Cond("update_type", "is", "\"Change\""), changed));
  EXPECT_TRUE(Holds(Cond("update_type", "is_not", "\"Change\""), created));
}

TEST(Conditions, StatusOperators) {
  TicketUpdate u = OpenTicketChange();
  u.before.status = "pending";
  u.after.status = "open";
  EXPECT_TRUE(Holds(Cond("status", "is", "\"open\""), u));
  EXPECT_FALSE(Holds(Cond("status", "is", "\"pending\""), u));
  EXPECT_TRUE(Holds(Cond("status", "is_not", "\"pending\""), u));
  EXPECT_TRUE(Holds(Cond("status", "less_than", "\"pending\""), u));
  EXPECT_FALSE(Holds(Cond("status", "less_than", "\"open\""), u));
  EXPECT_TRUE(Holds(Cond("status", "greater_than", "\"new\""), u));
  EXPECT_FALSE(Holds(Cond("status", "greater_than", "\"open\""), u));
  EXPECT_TRUE(Holds(Cond("status", "changed", "null"), u));
  EXPECT_FALSE(Holds(Cond("status", "not_changed", "null"), u));
  EXPECT_TRUE(Holds(Cond("status", "value", "\"open\""), u));
  EXPECT_TRUE(Holds(Cond("status", "changed_to", "\"open\""), u));
  EXPECT_FALSE(Holds(Cond("status", "value", "\"solved\""), u));
  EXPECT_TRUE(Holds(Cond("status", "value_previous", "\"pending\""), u));
  EXPECT_TRUE(Holds(Cond("status", "changed_from", "\"pending\""), u));
  EXPECT_FALSE(Holds(Cond("status", "value_previous", "\"solved\""), u));
  EXPECT_FALSE(Holds(Cond("status", "not_value", "\"open\""), u));
  EXPECT_TRUE(Holds(Cond("status", "not_changed_to", "\"solved\""), u));
  EXPECT_FALSE(Holds(Cond("status", "not_value_previous", "\"pending\""), u));
  EXPECT_TRUE(Holds(Cond("status", "not_changed_from", "\"solved\""), u));

  u.before.status = "open";  // no change
  EXPECT_FALSE(Holds(Cond("status", "changed", "null"), u));
  EXPECT_TRUE(Holds(Cond("status", "not_changed", "null"), u));
  EXPECT_FALSE(Holds(Cond("status", "value", "\"open\""), u));
  EXPECT_TRUE(Holds(Cond("status", "not_value", "\"open\""), u));
}

TEST(Conditions, CreateCountsAsAChangeOfEveryField) {
  TicketUpdate u = NewEmailTicket();
  u.before.status = "new";  // ignored for a create
  EXPECT_TRUE(Holds(Cond("status", "changed", "null"), u));
  EXPECT_TRUE(Holds(Cond("status", "value", "\"new\""), u));
  u.after.assignee_id = kAgentAnn;
  EXPECT_TRUE(Holds(Cond("assignee_id", "changed", "null"), u));
  EXPECT_FALSE(Holds(Cond("group_id", "changed", "null"), u));
}

TEST(Conditions, PriorityOperators) {
  TicketUpdate u = OpenTicketChange();
  u.before.priority = "";
  u.after.priority = "high";
  EXPECT_TRUE(Holds(Cond("priority", "is", "\"high\""), u));
  EXPECT_TRUE(Holds(Cond("priority", "greater_than", "\"normal\""), u));
  EXPECT_TRUE(Holds(Cond("priority", "less_than", "\"urgent\""), u));
  EXPECT_FALSE(Holds(Cond("priority", "less_than", "\"high\""), u));
  EXPECT_TRUE(Holds(Cond("priority", "changed", "null"), u));
  EXPECT_TRUE(Holds(Cond("priority", "value_previous", "\"\""), u));
  EXPECT_TRUE(Holds(Cond("priority", "value", "\"high\""), u));
  EXPECT_TRUE(Holds(Cond("priority", "not_value", "\"low\""), u));
  u.after.priority = "";
  EXPECT_TRUE(Holds(Cond("priority", "is", "\"\""), u));
  EXPECT_TRUE(Holds(Cond("priority", "less_than", "\"low\""), u));
}

TEST(Conditions, Type) {
  TicketUpdate u = OpenTicketChange();
  u.after.type = "incident";
  EXPECT_TRUE(Holds(Cond("type", "is", "\"incident\""), u));
  EXPECT_TRUE(Holds(Cond("ticket_type_id", "is", "2"), u));
  EXPECT_TRUE(Holds(Cond("type", "is_not", "\"task\""), u));
  EXPECT_TRUE(Holds(Cond("type", "changed", "null"), u));
  EXPECT_TRUE(Holds(Cond("type", "value_previous", "\"\""), u));
}

TEST(Conditions, AssigneeValues) {
  TicketUpdate u = OpenTicketChange();  // assigned to Ann
  EXPECT_TRUE(Holds(Cond("assignee_id", "is", "\"200\""), u));
  EXPECT_TRUE(Holds(Cond("assignee_id", "is", "200"), u));
  EXPECT_TRUE(Holds(Cond("assignee", "is_not", "\"201\""), u));
  EXPECT_TRUE(Holds(Cond("assignee_id", "is_not", "\"\""), u));
  EXPECT_TRUE(Holds(Cond("assignee_id", "is_not", "\"current_user\""), u));  // customer acts
  EXPECT_TRUE(Holds(Cond("assignee_id", "is_not", "\"requester_id\""), u));
  u.current_user = Ann();
  EXPECT_TRUE(Holds(Cond("assignee_id", "is", "\"current_user\""), u));
  u.after.assignee_id.reset();
  EXPECT_TRUE(Holds(Cond("assignee_id", "is", "\"\""), u));
  EXPECT_TRUE(Holds(Cond("assignee_id", "is_not", "\"current_user\""), u));
  EXPECT_TRUE(Holds(Cond("assignee_id", "changed", "null"), u));
  EXPECT_TRUE(Holds(Cond("assignee_id", "value_previous", "\"200\""), u));
  EXPECT_TRUE(Holds(Cond("assignee_id", "value", "\"\""), u));
  EXPECT_FALSE(Holds(Cond("assignee_id", "not_changed", "null"), u));
  EXPECT_TRUE(Holds(Cond("assignee_id", "not_value_previous", "\"201\""), u));
  u.after.assignee_id = kCustomer;
  EXPECT_TRUE(Holds(Cond("assignee_id", "is", "\"requester_id\""), u));
}

TEST(Conditions, GroupRequesterOrganization) {
  TicketUpdate u = OpenTicketChange();
  EXPECT_TRUE(Holds(Cond("group_id", "is", "\"7\""), u));
  EXPECT_TRUE(Holds(Cond("group", "is_not", "\"\""), u));
  EXPECT_FALSE(Holds(Cond("group_id", "is", "\"current_groups\""), u));  // customer acts
  u.current_user = Bob();
  EXPECT_TRUE(Holds(Cond("group_id", "is", "\"current_groups\""), u));
  u.after.group_id = 8;
  EXPECT_TRUE(Holds(Cond("group_id", "changed", "null"), u));
  EXPECT_TRUE(Holds(Cond("group_id", "value", "8"), u));
  EXPECT_TRUE(Holds(Cond("group_id", "value_previous", "7"), u));

  EXPECT_TRUE(Holds(Cond("requester_id", "is", "\"100\""), u));
  EXPECT_TRUE(Holds(Cond("requester", "is_not", "\"current_user\""), u));
  u.current_user = Customer();
  EXPECT_TRUE(Holds(Cond("requester_id", "is", "\"current_user\""), u));
  EXPECT_TRUE(Holds(Cond("requester_id", "is_not", "\"assignee_id\""), u));
  EXPECT_TRUE(Holds(Cond("requester_id", "not_changed", "null"), u));

  EXPECT_TRUE(Holds(Cond("organization_id", "is", "\"\""), u));
  u.after.organization_id = 55;
  EXPECT_TRUE(Holds(Cond("organization_id", "is", "55"), u));
  EXPECT_TRUE(Holds(Cond("organization", "changed", "null"), u));
}

TEST(Conditions, ViaAndCurrentVia) {
  TicketUpdate u = OpenTicketChange();
  u.after.via = Channel::kEmail;
  u.current_via = Channel::kWeb;
  EXPECT_TRUE(Holds(Cond("via_id", "is", "\"4\""), u));
  EXPECT_TRUE(Holds(Cond("via_id", "is", "4"), u));
  EXPECT_TRUE(Holds(Cond("via", "is", "\"email\""), u));
  EXPECT_TRUE(Holds(Cond("via_id", "is_not", "\"api\""), u));
  EXPECT_FALSE(Holds(Cond("via_id", "is", "\"web_form\""), u));
  EXPECT_TRUE(Holds(Cond("current_via_id", "is", "\"0\""), u));
  EXPECT_TRUE(Holds(Cond("current_via_id", "is", "\"web\""), u));
  EXPECT_FALSE(Holds(Cond("current_via_id", "is", "\"4\""), u));
  u.current_via = Channel::kApi;
  EXPECT_TRUE(Holds(Cond("current_via_id", "is", "5"), u));
  EXPECT_TRUE(Holds(Cond("current_via_id", "is", "\"web_service\""), u));
}

TEST(Conditions, CommentIsPublicAndPresent) {
  TicketUpdate none = OpenTicketChange();
  TicketUpdate pub = OpenTicketChange();
  pub.comment = CommentInfo{9, kAgentAnn, "Ann Agent", "Try turning it off", "", true, 0};
  TicketUpdate priv = pub;
  priv.comment->is_public = false;

  const std::string t = Cond("comment_is_public", "is", "true");
  const std::string f = Cond("comment_is_public", "is", "false");
  const std::string any = Cond("comment_is_public", "is", "\"not_relevant\"");
  const std::string see = Cond("comment_is_public", "is", "\"requester_can_see_comment\"");
  EXPECT_TRUE(Holds(t, pub));
  EXPECT_FALSE(Holds(t, priv));
  EXPECT_FALSE(Holds(t, none));
  EXPECT_TRUE(Holds(f, priv));
  EXPECT_FALSE(Holds(f, pub));
  EXPECT_FALSE(Holds(f, none));
  EXPECT_TRUE(Holds(any, pub));
  EXPECT_TRUE(Holds(any, priv));
  EXPECT_FALSE(Holds(any, none));
  EXPECT_TRUE(Holds(see, pub));
  EXPECT_FALSE(Holds(see, priv));
  EXPECT_TRUE(Holds(Cond("comment_is_public", "is_not", "true"), priv));
  EXPECT_TRUE(Holds(Cond("comment_is_public", "is_not", "\"not_relevant\""), none));

  EXPECT_TRUE(Holds(Cond("comment_present", "is", "true"), priv));
  EXPECT_TRUE(Holds(Cond("comment_present", "is", "false"), none));
  EXPECT_FALSE(Holds(Cond("comment_present", "is", "true"), none));
  EXPECT_TRUE(Holds(Cond("comment_present", "is_not", "true"), none));
}

TEST(Conditions, TicketIsPublic) {
  TicketUpdate u = OpenTicketChange();  // the first comment was public
  EXPECT_TRUE(Holds(Cond("ticket_is_public", "is", "\"public\""), u));
  u.comments[0].is_public = false;
  EXPECT_TRUE(Holds(Cond("ticket_is_public", "is", "\"private\""), u));
  u.comment = CommentInfo{9, kAgentAnn, "Ann", "hi", "", true, 0};
  EXPECT_TRUE(Holds(Cond("ticket_is_public", "is_not", "\"private\""), u));
}

TEST(Conditions, RoleOfCurrentUser) {
  TicketUpdate u = OpenTicketChange();
  u.current_user = Customer();
  EXPECT_TRUE(Holds(Cond("role", "is", "\"end_user\""), u));
  EXPECT_FALSE(Holds(Cond("role", "is", "\"agent\""), u));
  u.current_user = Ann();
  EXPECT_TRUE(Holds(Cond("role", "is", "\"agent\""), u));
  EXPECT_FALSE(Holds(Cond("role", "is", "\"admin\""), u));
  EXPECT_TRUE(Holds(Cond("role", "is_not", "\"end_user\""), u));
  u.current_user = Admin();
  EXPECT_TRUE(Holds(Cond("role", "is", "\"admin\""), u));
  EXPECT_TRUE(Holds(Cond("role", "is", "\"agent\""), u));  // an admin is an agent
  EXPECT_TRUE(Holds(Cond("current_user", "is_not", "\"end-user\""), u));
}

TEST(Conditions, SubjectCommentDescriptionWords) {
  TicketUpdate u = OpenTicketChange();
  u.after.subject = "URGENT: Refund for order #12, please!";
  u.after.description = "I was charged twice.";
  u.comment = CommentInfo{9, kCustomer, "Carla", "Still waiting on my refund", "", true, 0};

  EXPECT_TRUE(Holds(Cond("subject_includes_word", "includes", "\"refund\""), u));
  EXPECT_TRUE(Holds(Cond("subject_includes_word", "includes", "\"invoice urgent\""), u));
  EXPECT_FALSE(Holds(Cond("subject_includes_word", "includes", "\"fund\""), u));  // whole words
  EXPECT_TRUE(Holds(Cond("subject_includes_word", "includes", "\"\\\"order #12\\\"\""), u));
  EXPECT_TRUE(Holds(Cond("subject_includes_word", "not_includes", "\"invoice bill\""), u));
  EXPECT_FALSE(Holds(Cond("subject_includes_word", "not_includes", "\"invoice please\""), u));
  EXPECT_TRUE(Holds(Cond("subject_includes_word", "is", "\"fund for\""), u));  // substring
  EXPECT_TRUE(Holds(Cond("subject", "contains", "\"REFUND\""), u));
  EXPECT_TRUE(Holds(Cond("subject_includes_word", "is_not", "\"cancel\""), u));

  EXPECT_TRUE(Holds(Cond("comment_includes_word", "includes", "\"refund\""), u));
  EXPECT_TRUE(Holds(Cond("comment_includes_word", "not_includes", "\"thanks\""), u));
  EXPECT_TRUE(Holds(Cond("description_includes_word", "includes", "\"twice\""), u));
  EXPECT_TRUE(Holds(Cond("description", "contains", "\"charged tw\""), u));
  u.comment.reset();
  EXPECT_FALSE(Holds(Cond("comment_includes_word", "includes", "\"refund\""), u));
}

TEST(Conditions, TagsAndRecipient) {
  TicketUpdate u = OpenTicketChange();
  u.after.tags = {"vip", "billing"};
  EXPECT_TRUE(Holds(Cond("current_tags", "includes", "\"gold vip\""), u));
  EXPECT_FALSE(Holds(Cond("current_tags", "includes", "\"gold\""), u));
  EXPECT_TRUE(Holds(Cond("current_tags", "not_includes", "\"gold spam\""), u));
  EXPECT_FALSE(Holds(Cond("tags", "not_includes", "\"VIP\""), u));

  EXPECT_TRUE(Holds(Cond("recipient", "is", "\"Support@Help.Example\""), u));
  EXPECT_TRUE(Holds(Cond("recipient", "is_not", "\"sales@help.example\""), u));
}

TEST(Conditions, AllAndAny) {
  TicketUpdate u = OpenTicketChange();
  Trigger t = MustParse(R"({"title": "x", "conditions": {
      "all": [{"field": "status", "operator": "is", "value": "open"}],
      "any": [{"field": "priority", "operator": "is", "value": "urgent"},
              {"field": "group_id", "operator": "is", "value": "7"}]},
      "actions": [{"field": "status", "value": "pending"}]})");
  EXPECT_TRUE(ConditionsMatch(t, u));
  u.after.group_id = 8;
  EXPECT_FALSE(ConditionsMatch(t, u));
  u.after.priority = "urgent";
  EXPECT_TRUE(ConditionsMatch(t, u));
  u.after.status = "pending";
  EXPECT_FALSE(ConditionsMatch(t, u));
}

// --- Actions ----------------------------------------------------------------

EvaluationResult RunOne(const std::string& action, TicketUpdate& u) {
  std::vector<Trigger> ts = {
      Simple(5, R"({"field": "status", "operator": "is_not", "value": "closed"})", action)};
  return EvaluateTriggers(ts, u);
}

TEST(Actions, StatusPriorityType) {
  TicketUpdate u = OpenTicketChange();
  EvaluationResult r = RunOne(R"({"field": "status", "value": "pending"})", u);
  EXPECT_EQ(u.after.status, "pending");
  ASSERT_EQ(r.changes.size(), 1u);
  EXPECT_EQ(r.changes[0].field, "status");
  EXPECT_EQ(r.changes[0].previous_value, "open");
  EXPECT_EQ(r.changes[0].value, "pending");
  EXPECT_EQ(r.changes[0].trigger_id, 5);
  EXPECT_EQ(r.changes[0].trigger_title, "t5");

  RunOne(R"({"field": "priority", "value": "urgent"})", u);
  EXPECT_EQ(u.after.priority, "urgent");
  RunOne(R"({"field": "type", "value": "problem"})", u);
  EXPECT_EQ(u.after.type, "problem");

  // Setting what is already there is not a change.
  r = RunOne(R"({"field": "type", "value": "problem"})", u);
  EXPECT_TRUE(r.changes.empty());
  EXPECT_EQ(r.fired.size(), 1u);
}

TEST(Actions, Assignee) {
  TicketUpdate u = OpenTicketChange();
  EvaluationResult r = RunOne(R"({"field": "assignee_id", "value": "201"})", u);
  EXPECT_EQ(u.after.assignee_id, kAgentBob);
  EXPECT_EQ(r.changes[0].previous_value, "200");
  EXPECT_EQ(r.changes[0].value, "201");

  r = RunOne(R"({"field": "assignee_id", "value": ""})", u);
  EXPECT_FALSE(u.after.assignee_id.has_value());
  EXPECT_EQ(r.changes[0].value, "");

  u.current_user = Admin();
  RunOne(R"({"field": "assignee_id", "value": "current_user"})", u);
  EXPECT_EQ(u.after.assignee_id, kAdmin);

  // An end user cannot become the assignee.
  u.current_user = Customer();
  r = RunOne(R"({"field": "assignee_id", "value": "current_user"})", u);
  EXPECT_EQ(u.after.assignee_id, kAdmin);
  ASSERT_EQ(r.warnings.size(), 1u);
  EXPECT_NE(r.warnings[0].find("not an agent"), std::string::npos);
}

TEST(Actions, Group) {
  TicketUpdate u = OpenTicketChange();
  RunOne(R"({"field": "group_id", "value": 9})", u);
  EXPECT_EQ(u.after.group_id, 9);
  RunOne(R"({"field": "group_id", "value": ""})", u);
  EXPECT_FALSE(u.after.group_id.has_value());
}

TEST(Actions, Tags) {
  TicketUpdate u = OpenTicketChange();
  u.after.tags = {"a", "b"};
  EvaluationResult r = RunOne(R"({"field": "current_tags", "value": "b C d"})", u);
  EXPECT_EQ(u.after.tags, (std::vector<std::string>{"a", "b", "c", "d"}));
  EXPECT_EQ(r.changes[0].field, "tags");
  EXPECT_EQ(r.changes[0].previous_value, "a b");
  EXPECT_EQ(r.changes[0].value, "a b c d");
  RunOne(R"({"field": "remove_tags", "value": "a c zzz"})", u);
  EXPECT_EQ(u.after.tags, (std::vector<std::string>{"b", "d"}));
  RunOne(R"({"field": "set_tags", "value": "x y x"})", u);
  EXPECT_EQ(u.after.tags, (std::vector<std::string>{"x", "y"}));
  RunOne(R"({"field": "set_tags", "value": ""})", u);
  EXPECT_TRUE(u.after.tags.empty());
}

std::string Mail(const std::string& who) {
  return R"({"field": "notification_user", "value": [")" + who +
         R"(", "About {{ticket.title}}", "Hello {{ticket.requester.first_name}}"]})";
}

std::vector<int64_t> Ids(const Notification& n) {
  std::vector<int64_t> ids;
  for (const Recipient& r : n.recipients) ids.push_back(r.user_id);
  return ids;
}

TEST(Actions, NotifyRequesterAndCcs) {
  TicketUpdate u = OpenTicketChange();
  u.comment = CommentInfo{9, kAgentAnn, "Ann Agent", "Fixed it", "", true, 0};
  EvaluationResult r = RunOne(Mail("requester_and_ccs"), u);
  ASSERT_EQ(r.notifications.size(), 1u);
  const Notification& n = r.notifications[0];
  EXPECT_EQ(Ids(n), (std::vector<int64_t>{kCustomer, kCc}));
  EXPECT_EQ(n.audience, Audience::kEndUsers);
  EXPECT_EQ(n.recipients[0].email, "carla@example.com");
  EXPECT_EQ(n.subject, "About Printer is on fire");
  EXPECT_EQ(n.text_body, "Hello Carla");
  EXPECT_EQ(n.html_body, "Hello Carla");
  EXPECT_EQ(n.trigger_id, 5);
  EXPECT_EQ(n.trigger_title, "t5");
  EXPECT_EQ(n.action, "notification_user");
  EXPECT_EQ(n.recipient_spec, "requester_and_ccs");
}

TEST(Actions, RequesterAndCcsIsSuppressedByAPrivateComment) {
  TicketUpdate u = OpenTicketChange();
  u.comment = CommentInfo{9, kAgentAnn, "Ann Agent", "internal only", "", false, 0};
  EvaluationResult r = RunOne(Mail("requester_and_ccs"), u);
  EXPECT_TRUE(r.notifications.empty());
  EXPECT_EQ(r.fired.size(), 1u);
  ASSERT_EQ(r.warnings.size(), 1u);
  EXPECT_NE(r.warnings[0].find("comment is private"), std::string::npos);
}

TEST(Actions, NotifyOtherRecipients) {
  TicketUpdate u = OpenTicketChange();
  u.current_user = Bob();
  EXPECT_EQ(Ids(RunOne(Mail("requester_id"), u).notifications.at(0)),
            (std::vector<int64_t>{kCustomer}));
  EXPECT_EQ(Ids(RunOne(Mail("assignee_id"), u).notifications.at(0)),
            (std::vector<int64_t>{kAgentAnn}));
  EXPECT_EQ(Ids(RunOne(Mail("current_user"), u).notifications.at(0)),
            (std::vector<int64_t>{kAgentBob}));
  EXPECT_EQ(Ids(RunOne(Mail("201"), u).notifications.at(0)), (std::vector<int64_t>{kAgentBob}));
  EvaluationResult all = RunOne(Mail("all_agents"), u);
  ASSERT_EQ(all.notifications.size(), 1u);
  EXPECT_EQ(Ids(all.notifications[0]), (std::vector<int64_t>{kAgentAnn, kAgentBob, kAdmin}));
  EXPECT_EQ(all.notifications[0].audience, Audience::kAgents);

  // No assignee: nothing to send, and nothing to warn about.
  u.after.assignee_id.reset();
  EvaluationResult none = RunOne(Mail("assignee_id"), u);
  EXPECT_TRUE(none.notifications.empty());
  EXPECT_TRUE(none.warnings.empty());
}

TEST(Actions, NotifyGroup) {
  TicketUpdate u = OpenTicketChange();
  const std::string by_ticket = R"({"field": "notification_group", "value": ["group_id",
      "{{ticket.group.name}}: {{ticket.title}}", "body"]})";
  EvaluationResult r = RunOne(by_ticket, u);
  ASSERT_EQ(r.notifications.size(), 1u);
  EXPECT_EQ(Ids(r.notifications[0]), (std::vector<int64_t>{kAgentAnn, kAgentBob}));
  EXPECT_EQ(r.notifications[0].subject, "Support: Printer is on fire");
  EXPECT_EQ(r.notifications[0].action, "notification_group");

  r = RunOne(R"({"field": "notification_group", "value": ["7", "s", "b"]})", u);
  EXPECT_EQ(r.notifications.size(), 1u);

  r = RunOne(R"({"field": "notification_group", "value": ["99", "s", "b"]})", u);
  EXPECT_TRUE(r.notifications.empty());
  ASSERT_EQ(r.warnings.size(), 1u);
  EXPECT_NE(r.warnings[0].find("unknown group"), std::string::npos);
}

TEST(Actions, RecipientsAreDedupedAndSplitByAudience) {
  TicketUpdate u = OpenTicketChange();
  u.after.cc_ids = {kCc, kAgentBob, kCustomer};  // an agent CC'd, the requester twice
  u.comment = CommentInfo{9, kCustomer, "Carla", "public reply", "", true, 0};
  u.comments.push_back({8, kAgentAnn, "Ann Agent", "SECRET internal note", "", false, 5});
  const std::string action = R"({"field": "notification_user", "value": ["requester_and_ccs",
      "s", "{{ticket.comments_formatted}}"]})";
  EvaluationResult r = RunOne(action, u);
  ASSERT_EQ(r.notifications.size(), 2u);
  EXPECT_EQ(r.notifications[0].audience, Audience::kEndUsers);
  EXPECT_EQ(Ids(r.notifications[0]), (std::vector<int64_t>{kCustomer, kCc}));
  EXPECT_EQ(r.notifications[0].text_body.find("SECRET"), std::string::npos);
  EXPECT_EQ(r.notifications[1].audience, Audience::kAgents);
  EXPECT_EQ(Ids(r.notifications[1]), (std::vector<int64_t>{kAgentBob}));
  EXPECT_NE(r.notifications[1].text_body.find("SECRET"), std::string::npos);
}

TEST(Actions, UnknownUsersAndMissingEmailsAreWarnings) {
  TicketUpdate u = OpenTicketChange();
  u.users[0].email.clear();  // the customer
  EvaluationResult r = RunOne(Mail("requester_id"), u);
  EXPECT_TRUE(r.notifications.empty());
  ASSERT_GE(r.warnings.size(), 1u);
  EXPECT_NE(r.warnings[0].find("has no email address"), std::string::npos);

  r = RunOne(Mail("999"), u);
  EXPECT_TRUE(r.notifications.empty());
  EXPECT_NE(r.warnings.at(0).find("user 999 is not known"), std::string::npos);
}

// --- Engine -------------------------------------------------------------------

TEST(Engine, LaterPassFiresTriggerEnabledByAnotherAction) {
  TicketUpdate u = OpenTicketChange();
  // Position 1 needs a tag that position 2 adds.
  std::vector<Trigger> ts = {
      Simple(1, R"({"field": "current_tags", "operator": "includes", "value": "vip"})",
             R"({"field": "priority", "value": "urgent"})", 1),
      Simple(2, R"({"field": "status", "operator": "is", "value": "open"})",
             R"({"field": "current_tags", "value": "vip"})", 2),
  };
  EvaluationResult r = EvaluateTriggers(ts, u);
  ASSERT_EQ(r.fired.size(), 2u);
  EXPECT_EQ(r.fired[0].id, 2);
  EXPECT_EQ(r.fired[0].pass, 1);
  EXPECT_EQ(r.fired[1].id, 1);
  EXPECT_EQ(r.fired[1].pass, 2);
  EXPECT_EQ(u.after.priority, "urgent");
  EXPECT_EQ(r.passes, 3);  // the third pass finds nothing new
  EXPECT_FALSE(r.pass_limit_reached);
}

TEST(Engine, LaterTriggerInTheSamePassSeesTheChange) {
  TicketUpdate u = OpenTicketChange();
  std::vector<Trigger> ts = {
      Simple(1, R"({"field": "status", "operator": "is", "value": "open"})",
             R"({"field": "status", "value": "pending"})", 1),
      Simple(2, R"({"field": "status", "operator": "value", "value": "pending"})",
             R"({"field": "current_tags", "value": "waiting"})", 2),
  };
  EvaluationResult r = EvaluateTriggers(ts, u);
  ASSERT_EQ(r.fired.size(), 2u);
  EXPECT_EQ(r.fired[1].pass, 1);
  EXPECT_EQ(u.after.tags, (std::vector<std::string>{"waiting"}));
}

TEST(Engine, TriggerFiresOnceEvenIfStillTrue) {
  TicketUpdate u = OpenTicketChange();
  std::vector<Trigger> ts = {
      Simple(1, R"({"field": "status", "operator": "is", "value": "open"})",
             R"({"field": "current_tags", "value": "seen"})", 1),
      // Keeps changing the ticket so passes continue.
      Simple(2, R"({"field": "current_tags", "operator": "includes", "value": "seen"})",
             R"({"field": "priority", "value": "high"})", 2),
  };
  EvaluationResult r = EvaluateTriggers(ts, u);
  EXPECT_EQ(r.fired.size(), 2u);
  int count1 = 0;
  for (const FiredTrigger& f : r.fired) count1 += f.id == 1;
  EXPECT_EQ(count1, 1);
}

TEST(Engine, PositionOrderThenId) {
  TicketUpdate u = OpenTicketChange();
  const std::string cond = R"({"field": "status", "operator": "is_not", "value": "closed"})";
  std::vector<Trigger> ts = {
      Simple(30, cond, R"({"field": "current_tags", "value": "c"})", 2),
      Simple(20, cond, R"({"field": "current_tags", "value": "b"})", 1),
      Simple(10, cond, R"({"field": "current_tags", "value": "a"})", 2),
  };
  EvaluationResult r = EvaluateTriggers(ts, u);
  ASSERT_EQ(r.fired.size(), 3u);
  EXPECT_EQ(r.fired[0].id, 20);
  EXPECT_EQ(r.fired[1].id, 10);
  EXPECT_EQ(r.fired[2].id, 30);
  EXPECT_EQ(u.after.tags, (std::vector<std::string>{"b", "a", "c"}));
}

TEST(Engine, InactiveTriggersNeverFire) {
  TicketUpdate u = OpenTicketChange();
  std::vector<Trigger> ts = {Simple(1, R"({"field": "status", "operator": "is", "value": "open"})",
                                    R"({"field": "status", "value": "solved"})")};
  ts[0].active = false;
  EvaluationResult r = EvaluateTriggers(ts, u);
  EXPECT_TRUE(r.fired.empty());
  EXPECT_EQ(u.after.status, "open");
}

TEST(Engine, LastWriterWinsAndEachChangeIsAttributed) {
  TicketUpdate u = OpenTicketChange();
  const std::string cond = R"({"field": "status", "operator": "is_not", "value": "closed"})";
  std::vector<Trigger> ts = {Simple(1, cond, R"({"field": "priority", "value": "low"})", 1),
                             Simple(2, cond, R"({"field": "priority", "value": "high"})", 2)};
  EvaluationResult r = EvaluateTriggers(ts, u);
  EXPECT_EQ(u.after.priority, "high");
  ASSERT_EQ(r.changes.size(), 2u);
  EXPECT_EQ(r.changes[0].trigger_id, 1);
  EXPECT_EQ(r.changes[1].previous_value, "low");
}

TEST(Engine, PassLimitIsReported) {
  TicketUpdate u = OpenTicketChange();
  // A chain: each trigger enables the next, and they sit in reverse order,
  // so each pass fires exactly one.
  std::vector<Trigger> ts;
  for (int i = 0; i < 5; ++i) {
    std::string need = i == 0 ? R"({"field": "status", "operator": "is", "value": "open"})"
                              : R"({"field": "current_tags", "operator": "includes", "value": "s)" +
                                    std::to_string(i - 1) + "\"}";
    ts.push_back(Simple(i + 1, need,
                        R"({"field": "current_tags", "value": "s)" + std::to_string(i) + "\"}",
                        100 - i));
  }
  EvaluationResult r = EvaluateTriggers(ts, u, {.max_passes = 3});
  EXPECT_EQ(r.passes, 3);
  EXPECT_EQ(r.fired.size(), 3u);
  EXPECT_TRUE(r.pass_limit_reached);
  ASSERT_FALSE(r.warnings.empty());

  TicketUpdate v = OpenTicketChange();
  EvaluationResult full = EvaluateTriggers(ts, v);
  EXPECT_EQ(full.fired.size(), 5u);
  EXPECT_FALSE(full.pass_limit_reached);
}

TEST(Engine, NotificationsRenderTheFinalTicket) {
  TicketUpdate u = OpenTicketChange();
  u.after.assignee_id.reset();
  u.current_user = Bob();
  // Position 1 mails the requester about the assignee; position 2 assigns.
  std::vector<Trigger> ts = {
      Simple(1, R"({"field": "status", "operator": "is", "value": "open"})",
             R"({"field": "notification_user", "value": ["requester_id", "s",
                 "Your agent is {{ticket.assignee.name}}"]})",
             1),
      Simple(2, R"({"field": "assignee_id", "operator": "is", "value": ""})",
             R"({"field": "assignee_id", "value": "current_user"})", 2),
  };
  EvaluationResult r = EvaluateTriggers(ts, u);
  ASSERT_EQ(r.notifications.size(), 1u);
  EXPECT_EQ(r.notifications[0].text_body, "Your agent is Bob Builder");
}

TEST(Engine, NoTriggersNoWork) {
  TicketUpdate u = OpenTicketChange();
  EvaluationResult r = EvaluateTriggers({}, u);
  EXPECT_TRUE(r.fired.empty());
  EXPECT_EQ(r.passes, 1);
}


// --- ExplainConditions: which condition failed -------------------------------

TEST(Explain, NamesEveryFailingAllCondition) {
  Trigger t = MustParse(R"({"title": "x", "conditions": {"all": [
      {"field": "update_type", "operator": "is", "value": "Change"},
      {"field": "comment_is_public", "operator": "is", "value": "true"},
      {"field": "status", "operator": "is_not", "value": "solved"}]},
      "actions": [{"field": "status", "value": "open"}]})");
  TicketUpdate u = OpenTicketChange();
  u.comment = CommentInfo{9, kAgentAnn, "Ann Agent", "internal note", "", false, 1700000100};
  u.current_user = Ann();
  MatchExplanation e = ExplainConditions(t, u);
  EXPECT_FALSE(e.matches);
  EXPECT_EQ(e.matches, ConditionsMatch(t, u));
  ASSERT_EQ(e.failed.size(), 1u);
  EXPECT_EQ(e.failed[0], "comment_is_public is true");
  ASSERT_EQ(e.conditions.size(), 3u);
  EXPECT_TRUE(e.conditions[0].holds);
  EXPECT_FALSE(e.conditions[1].holds);
  EXPECT_EQ(e.conditions[1].index, 1u);
  EXPECT_TRUE(e.conditions[2].holds);

  u.comment->is_public = true;
  e = ExplainConditions(t, u);
  EXPECT_TRUE(e.matches);
  EXPECT_TRUE(e.failed.empty());
  EXPECT_EQ(e.matches, ConditionsMatch(t, u));

  u.after.status = "solved";
  u.update_type = UpdateType::kCreate;
  e = ExplainConditions(t, u);
  EXPECT_EQ(e.failed, (std::vector<std::string>{"update_type is Change", "status is_not solved"}));
}

TEST(Explain, AnyGroupFailsAsOne) {
  Trigger t = MustParse(R"({"title": "x", "conditions": {
      "all": [{"field": "group_id", "operator": "is_not", "value": ""}],
      "any": [{"field": "group_id", "operator": "changed", "value": null},
              {"field": "assignee_id", "operator": "changed", "value": null}]},
      "actions": [{"field": "status", "value": "open"}]})");
  TicketUpdate u = OpenTicketChange();  // nothing changed
  MatchExplanation e = ExplainConditions(t, u);
  EXPECT_FALSE(e.matches);
  ASSERT_EQ(e.failed.size(), 1u);
  EXPECT_EQ(e.failed[0], "none of: group_id changed; assignee_id changed");
  ASSERT_EQ(e.conditions.size(), 3u);
  EXPECT_TRUE(e.conditions[2].in_any);
  u.after.assignee_id = kAgentBob;
  e = ExplainConditions(t, u);
  EXPECT_TRUE(e.matches);
  EXPECT_EQ(e.matches, ConditionsMatch(t, u));
}

}  // namespace
}  // namespace postdesk::rules
