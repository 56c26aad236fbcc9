#include "rules/defaults.h"

#include <gtest/gtest.h>

#include <set>

#include "rules/engine.h"
#include "rules/rules_testing.h"

namespace postdesk::rules {
namespace {

using namespace testing;  // NOLINT: test fixtures

std::vector<std::string> FiredTitles(const EvaluationResult& r) {
  std::vector<std::string> out;
  for (const FiredTrigger& f : r.fired) out.push_back(f.title);
  return out;
}

bool Fired(const EvaluationResult& r, std::string_view title) {
  for (const FiredTrigger& f : r.fired) {
    if (f.title == title) return true;
  }
  return false;
}

const Notification* MailFrom(const EvaluationResult& r, std::string_view title, Audience audience) {
  for (const Notification& n : r.notifications) {
    if (n.trigger_title == title && n.audience == audience) return &n;
  }
  return nullptr;
}

std::vector<int64_t> Ids(const Notification& n) {
  std::vector<int64_t> ids;
  for (const Recipient& r : n.recipients) ids.push_back(r.user_id);
  return ids;
}

constexpr char kReceived[] = "Notify requester and CCs of received request";
constexpr char kProactive[] = "Notify requester of new proactive ticket";
constexpr char kCommentUpdate[] = "Notify requester and CCs of comment update";
constexpr char kAssigneeUpdate[] = "Notify assignee of comment update";
constexpr char kAssignment[] = "Notify assignee of assignment";
constexpr char kReopened[] = "Notify assignee of reopened ticket";
constexpr char kGroup[] = "Notify group of assignment";
constexpr char kAllAgents[] = "Notify all agents of received request";
constexpr char kAutoAssign[] = "Auto-assign to first email responding agent";
constexpr char kPriority[] = "Set tickets with no priority to normal";

TEST(Defaults, TheStandardSet) {
  std::vector<Trigger> ts = DefaultTriggers();
  std::vector<std::string> titles;
  std::set<std::string> keys;
  for (const Trigger& t : ts) {
    titles.push_back(t.title);
    keys.insert(t.default_key);
    EXPECT_TRUE(t.is_default);
    EXPECT_FALSE(t.default_key.empty());
    EXPECT_TRUE(UnknownPlaceholders(t).empty()) << t.title;
    EXPECT_EQ(t.active, t.title != kAutoAssign) << t.title;
    // Each survives the API round trip unchanged.
    Result<Trigger> again = ParseTrigger(TriggerToJson(t));
    ASSERT_TRUE(again.ok()) << again.status().message();
    EXPECT_EQ(TriggerToJson(*again), TriggerToJson(t));
  }
  EXPECT_EQ(titles, (std::vector<std::string>{kReceived, kProactive, kCommentUpdate,
                                              kAssigneeUpdate, kAssignment, kReopened, kGroup,
                                              kAllAgents, kAutoAssign, kPriority}));
  EXPECT_EQ(keys.size(), ts.size());
  for (size_t i = 1; i < ts.size(); ++i) EXPECT_LT(ts[i - 1].position, ts[i].position);
}

TEST(Defaults, NotificationBodiesCarryTheConversation) {
  for (const Trigger& t : DefaultTriggers()) {
    for (const Action& a : t.actions) {
      if (a.field != ActionField::kNotificationUser && a.field != ActionField::kNotificationGroup) {
        continue;
      }
      EXPECT_NE(a.value[2].find("{{ticket.comments_formatted}}"), std::string::npos) << t.title;
    }
  }
}

TEST(Defaults, RestoreByKey) {
  for (const Trigger& t : DefaultTriggers()) {
    Result<Trigger> r = RestoreDefault(t.default_key);
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(TriggerToJson(*r), TriggerToJson(t));
  }
  Result<Trigger> missing = RestoreDefault("notify_the_moon");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().kind(), ErrorKind::kNotFound);
}

TEST(Defaults, ReceivedRequestConditionsAreZendesks) {
  Trigger t = RestoreDefault("notify_requester_received_request").value();
  nlohmann::json j = TriggerToJson(t);
  EXPECT_EQ(j["conditions"]["all"], nlohmann::json::parse(R"([
      {"field": "update_type", "operator": "is", "value": "Create"},
      {"field": "status", "operator": "is_not", "value": "solved"},
      {"field": "ticket_is_public", "operator": "is", "value": "public"},
      {"field": "comment_is_public", "operator": "is", "value": "true"},
      {"field": "role", "operator": "is", "value": "end_user"}])"));
  EXPECT_EQ(j["actions"][0]["value"][0], "requester_and_ccs");
}

// --- The defaults against typical updates ------------------------------------

TEST(DefaultsScenario, NewEmailTicketFromEndUser) {
  std::vector<Trigger> ts = DefaultTriggers();
  TicketUpdate u = NewEmailTicket();
  u.after.cc_ids = {kCc};
  EvaluationResult r = EvaluateTriggers(ts, u);
  // "Notify assignee of comment update" fires too (the first comment is a
  // comment), but the ticket has no assignee, so it sends nothing.
  EXPECT_EQ(FiredTitles(r),
            (std::vector<std::string>{kReceived, kAssigneeUpdate, kAllAgents, kPriority}));
  EXPECT_EQ(r.notifications.size(), 2u);

  const Notification* ack = MailFrom(r, kReceived, Audience::kEndUsers);
  ASSERT_NE(ack, nullptr);
  EXPECT_EQ(Ids(*ack), (std::vector<int64_t>{kCustomer, kCc}));
  EXPECT_EQ(ack->subject, "[Request received] Printer is on fire");
  EXPECT_NE(ack->text_body.find("Your request (42) has been received"), std::string::npos);
  EXPECT_NE(ack->text_body.find("It started smoking this morning."), std::string::npos);
  EXPECT_NE(ack->html_body.find("<br>"), std::string::npos);

  const Notification* agents = MailFrom(r, kAllAgents, Audience::kAgents);
  ASSERT_NE(agents, nullptr);
  EXPECT_EQ(Ids(*agents), (std::vector<int64_t>{kAgentAnn, kAgentBob, kAdmin}));
  EXPECT_EQ(agents->subject, "[Example Help] Printer is on fire");
  EXPECT_NE(agents->text_body.find("by Carla Customer has been received"), std::string::npos);

  EXPECT_EQ(u.after.priority, "normal");
  ASSERT_EQ(r.changes.size(), 1u);
  EXPECT_EQ(r.changes[0].field, "priority");
  EXPECT_EQ(r.changes[0].trigger_title, kPriority);
  EXPECT_TRUE(r.warnings.empty());
}

TEST(DefaultsScenario, ProactiveTicketByAgent) {
  std::vector<Trigger> ts = DefaultTriggers();
  TicketUpdate u = NewEmailTicket();
  u.current_user = Ann();
  u.current_via = Channel::kWeb;
  u.after.via = Channel::kWeb;
  u.comment->author_id = kAgentAnn;
  u.comment->author_name = "Ann Agent";
  EvaluationResult r = EvaluateTriggers(ts, u);
  EXPECT_FALSE(Fired(r, kReceived));
  EXPECT_TRUE(Fired(r, kProactive));
  const Notification* n = MailFrom(r, kProactive, Audience::kEndUsers);
  ASSERT_NE(n, nullptr);
  EXPECT_EQ(Ids(*n), (std::vector<int64_t>{kCustomer}));
  EXPECT_NE(n->text_body.find("created on your behalf"), std::string::npos);
}

TEST(DefaultsScenario, AgentPublicCommentReachesRequesterAndCcs) {
  std::vector<Trigger> ts = DefaultTriggers();
  TicketUpdate u = OpenTicketChange();
  u.current_user = Ann();  // the assignee answers
  u.comment = CommentInfo{2, kAgentAnn, "Ann Agent", "Unplug it now.", "", true, 1700001000};
  EvaluationResult r = EvaluateTriggers(ts, u);
  EXPECT_EQ(FiredTitles(r), (std::vector<std::string>{kCommentUpdate}));
  const Notification* n = MailFrom(r, kCommentUpdate, Audience::kEndUsers);
  ASSERT_NE(n, nullptr);
  EXPECT_EQ(Ids(*n), (std::vector<int64_t>{kCustomer, kCc}));
  EXPECT_EQ(n->subject, "[Example Help] Re: Printer is on fire");
  EXPECT_NE(n->text_body.find("Unplug it now."), std::string::npos);
  EXPECT_LT(n->text_body.find("Unplug it now."),
            n->text_body.find("It started smoking this morning."));
}

TEST(DefaultsScenario, PrivateCommentDoesNotReachTheRequester) {
  std::vector<Trigger> ts = DefaultTriggers();
  TicketUpdate u = OpenTicketChange();
  u.current_user = Bob();  // another agent leaves a note for Ann
  u.comment = CommentInfo{2, kAgentBob, "Bob Builder", "Customer owes us money.", "", false, 0};
  EvaluationResult r = EvaluateTriggers(ts, u);
  EXPECT_FALSE(Fired(r, kCommentUpdate));
  EXPECT_EQ(MailFrom(r, kCommentUpdate, Audience::kEndUsers), nullptr);
  for (const Notification& n : r.notifications) {
    EXPECT_EQ(n.audience, Audience::kAgents);
    for (const Recipient& rec : n.recipients) EXPECT_NE(rec.user_id, kCustomer);
  }
  // The assignee hears of it, note included.
  const Notification* note = MailFrom(r, kAssigneeUpdate, Audience::kAgents);
  ASSERT_NE(note, nullptr);
  EXPECT_EQ(Ids(*note), (std::vector<int64_t>{kAgentAnn}));
  EXPECT_NE(note->text_body.find("Customer owes us money."), std::string::npos);
}

TEST(DefaultsScenario, CustomerReplyNotifiesTheAssignee) {
  std::vector<Trigger> ts = DefaultTriggers();
  TicketUpdate u = OpenTicketChange();
  u.current_user = Customer();
  u.comment = CommentInfo{2, kCustomer, "Carla Customer", "Still burning.", "", true, 0};
  EvaluationResult r = EvaluateTriggers(ts, u);
  EXPECT_TRUE(Fired(r, kAssigneeUpdate));
  const Notification* n = MailFrom(r, kAssigneeUpdate, Audience::kAgents);
  ASSERT_NE(n, nullptr);
  EXPECT_EQ(Ids(*n), (std::vector<int64_t>{kAgentAnn}));
  // As Zendesk's default does, the requester and CCs get the public reply too.
  EXPECT_TRUE(Fired(r, kCommentUpdate));
}

TEST(DefaultsScenario, AssignmentNotifiesTheAssignee) {
  std::vector<Trigger> ts = DefaultTriggers();
  TicketUpdate u = OpenTicketChange();
  u.current_user = Ann();
  u.after.assignee_id = kAgentBob;  // Ann hands the ticket to Bob
  EvaluationResult r = EvaluateTriggers(ts, u);
  EXPECT_EQ(FiredTitles(r), (std::vector<std::string>{kAssignment}));
  const Notification* n = MailFrom(r, kAssignment, Audience::kAgents);
  ASSERT_NE(n, nullptr);
  EXPECT_EQ(Ids(*n), (std::vector<int64_t>{kAgentBob}));
  EXPECT_EQ(n->subject, "[Example Help] Assignment: Printer is on fire");
  EXPECT_NE(n->text_body.find("You have been assigned to this ticket (#42)"), std::string::npos);
}

TEST(DefaultsScenario, TakingATicketYourselfSendsNothing) {
  std::vector<Trigger> ts = DefaultTriggers();
  TicketUpdate u = OpenTicketChange();
  u.current_user = Bob();
  u.after.assignee_id = kAgentBob;
  EvaluationResult r = EvaluateTriggers(ts, u);
  EXPECT_TRUE(r.fired.empty());
  EXPECT_TRUE(r.notifications.empty());
}

TEST(DefaultsScenario, ReopenedTicket) {
  std::vector<Trigger> ts = DefaultTriggers();
  TicketUpdate u = OpenTicketChange();
  u.before.status = "solved";
  u.after.status = "open";
  u.current_user = Customer();
  u.comment = CommentInfo{2, kCustomer, "Carla Customer", "It is back.", "", true, 0};
  EvaluationResult r = EvaluateTriggers(ts, u);
  EXPECT_TRUE(Fired(r, kReopened));
  EXPECT_FALSE(Fired(r, kAssigneeUpdate));  // not changed from solved: blocked
  const Notification* n = MailFrom(r, kReopened, Audience::kAgents);
  ASSERT_NE(n, nullptr);
  EXPECT_NE(n->text_body.find("has been reopened"), std::string::npos);
}

TEST(DefaultsScenario, GroupAssignment) {
  std::vector<Trigger> ts = DefaultTriggers();
  TicketUpdate u = OpenTicketChange();
  u.before.assignee_id.reset();
  u.after.assignee_id.reset();
  u.before.group_id.reset();
  u.current_user = Admin();
  u.after.group_id = kGroupSupport;
  EvaluationResult r = EvaluateTriggers(ts, u);
  EXPECT_EQ(FiredTitles(r), (std::vector<std::string>{kGroup}));
  const Notification* n = MailFrom(r, kGroup, Audience::kAgents);
  ASSERT_NE(n, nullptr);
  EXPECT_EQ(Ids(*n), (std::vector<int64_t>{kAgentAnn, kAgentBob}));
  EXPECT_NE(n->text_body.find("assigned to group 'Support'"), std::string::npos);
}

TEST(DefaultsScenario, AutoAssignOnlyWhenActivated) {
  std::vector<Trigger> ts = DefaultTriggers();
  TicketUpdate base = OpenTicketChange();
  base.before.assignee_id.reset();
  base.after.assignee_id.reset();
  base.current_user = Bob();
  base.current_via = Channel::kEmail;
  base.comment = CommentInfo{2, kAgentBob, "Bob Builder", "On it.", "", true, 0};

  TicketUpdate u = base;
  EvaluationResult r = EvaluateTriggers(ts, u);
  EXPECT_FALSE(Fired(r, kAutoAssign));
  EXPECT_FALSE(u.after.assignee_id.has_value());

  for (Trigger& t : ts) {
    if (t.default_key == "auto_assign_first_email_agent") t.active = true;
  }
  u = base;
  r = EvaluateTriggers(ts, u);
  EXPECT_TRUE(Fired(r, kAutoAssign));
  EXPECT_EQ(u.after.assignee_id, kAgentBob);
  // Bob assigned himself: no assignment mail to him, and the comment-update
  // mail that fired while the ticket was unassigned reaches nobody.
  EXPECT_FALSE(Fired(r, kAssignment));
  EXPECT_EQ(MailFrom(r, kAssigneeUpdate, Audience::kAgents), nullptr);

  // An end user's email reply does not assign.
  u = base;
  u.current_user = Customer();
  r = EvaluateTriggers(ts, u);
  EXPECT_FALSE(Fired(r, kAutoAssign));
}

TEST(DefaultsScenario, InactiveDefaultsNeverFire) {
  std::vector<Trigger> ts = DefaultTriggers();
  for (Trigger& t : ts) t.active = false;
  TicketUpdate u = NewEmailTicket();
  EvaluationResult r = EvaluateTriggers(ts, u);
  EXPECT_TRUE(r.fired.empty());
  EXPECT_TRUE(r.notifications.empty());
  EXPECT_EQ(u.after.priority, "");
}

}  // namespace
}  // namespace postdesk::rules

namespace postdesk::rules {
namespace {

// Issue 12, item 2: a Japanese desk's defaults say the same in Japanese,
// and the requester notifications start as the guide names them.
TEST(DefaultsLanguageTest, JapaneseDefaultsMatchTheEnglishOnesButTheirWords) {
  auto en = DefaultTriggers(Language::kEnglish);
  auto ja = DefaultTriggers(Language::kJapanese);
  ASSERT_EQ(en.size(), ja.size());
  for (size_t i = 0; i < en.size(); ++i) {
    SCOPED_TRACE(en[i].default_key);
    EXPECT_EQ(ja[i].default_key, en[i].default_key);
    EXPECT_EQ(ja[i].active, en[i].active);
    EXPECT_EQ(ja[i].position, en[i].position);
    auto je = TriggerToJson(en[i]), jj = TriggerToJson(ja[i]);
    EXPECT_EQ(jj["conditions"], je["conditions"]);
    EXPECT_EQ(jj["actions"].size(), je["actions"].size());
    EXPECT_NE(ja[i].title, en[i].title);
    if (en[i].default_key.starts_with("notify_requester")) {
      EXPECT_TRUE(ja[i].title.starts_with("リクエスタへの通知")) << ja[i].title;
    }
  }
  auto restored = RestoreDefault("notify_requester_comment_update", Language::kJapanese);
  ASSERT_TRUE(restored.ok());
  EXPECT_EQ(restored->title, ja[2].title);
  EXPECT_EQ(LanguageFromCode("ja"), Language::kJapanese);
  EXPECT_FALSE(LanguageFromCode("fr").has_value());
  EXPECT_EQ(LanguageCode(Language::kJapanese), "ja");
}

}  // namespace
}  // namespace postdesk::rules
