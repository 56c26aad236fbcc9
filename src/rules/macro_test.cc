#include "rules/macro.h"

#include <gtest/gtest.h>

#include "rules/rules_testing.h"

namespace postdesk::rules {
namespace {

using namespace testing;  // NOLINT: test fixtures
using nlohmann::json;

Macro MustParseMacro(const std::string& text) {
  Result<Macro> m = ParseMacro(json::parse(text));
  if (!m.ok()) {
    ADD_FAILURE() << m.status().message();
    std::abort();
  }
  return std::move(m).value();
}

std::string ParseError(const std::string& text) {
  Result<Macro> m = ParseMacro(json::parse(text));
  return m.ok() ? "" : m.status().message();
}

TEST(Macro, ParsesZendeskShapeAndWritesItBack) {
  Macro m = MustParseMacro(R"({"macro": {"title": " Close and thank ", "actions": [
      {"field": "status", "value": "solved"},
      {"field": "comment_value", "value": ["channel:all", "Thanks {{ticket.requester.first_name}}"]},
      {"field": "comment_mode_is_public", "value": true},
      {"field": "current_tags", "value": ["Thanked", "done"]}],
      "restriction": {"type": "User", "id": "200"}, "url": "ignored", "usage_7d": 3}})");
  EXPECT_EQ(m.title, "Close and thank");
  ASSERT_EQ(m.actions.size(), 4u);
  EXPECT_EQ(m.restriction.kind, Restriction::Kind::kUser);
  EXPECT_EQ(m.restriction.user_id, 200);
  json out = MacroToJson(m);
  EXPECT_EQ(out["actions"][1]["value"], "Thanks {{ticket.requester.first_name}}");
  EXPECT_EQ(out["actions"][2]["value"], "true");
  EXPECT_EQ(out["actions"][3]["value"], "thanked done");
  EXPECT_EQ(out["restriction"], json({{"type", "User"}, {"id", 200}}));
  // What it wrote parses back to the same.
  Result<Macro> again = ParseMacro(out);
  ASSERT_TRUE(again.ok()) << again.status().message();
  EXPECT_EQ(MacroToJson(*again), out);
}

TEST(Macro, RefusesWhatIsWrongWithItsPlace) {
  EXPECT_EQ(ParseError(R"({"actions": [{"field": "status", "value": "open"}]})"),
            "title: is required");
  EXPECT_EQ(ParseError(R"({"title": "x", "actions": []})"),
            "actions: a macro needs at least one action");
  EXPECT_EQ(ParseError(R"({"title": "x", "actions": [{"field": "status", "value": "done"}]})"),
            "actions[0]: value \"done\" is not valid for action \"status\" (expected new, open, "
            "pending, hold, solved or closed)");
  EXPECT_EQ(ParseError(R"({"title": "x", "actions": [
      {"field": "notification_user", "value": ["requester_id", "s", "b"]}]})"),
            "actions[0]: action \"notification_user\" belongs to triggers; a macro cannot send "
            "email itself");
  EXPECT_EQ(ParseError(R"({"title": "x", "actions": [{"field": "status", "value": "open"},
      {"field": "status", "value": "solved"}]})"),
            "actions[1]: action \"status\" appears twice");
  EXPECT_EQ(ParseError(R"({"title": "x", "actions": [{"field": "comment_value", "value": 5}]})"),
            "actions[0]: value must be a string, got an integer for action \"comment_value\"");
  EXPECT_EQ(ParseError(R"({"title": "x", "actions": [{"field": "subject", "value": "a\nb"}]})"),
            "actions[0]: value \"a\nb\" is not valid for action \"subject\" (expected one line)");
  EXPECT_EQ(ParseError(R"({"title": "x", "actions": [{"field": "status", "value": "open"}],
      "restriction": {"type": "Team"}})"),
            "restriction.type: must be \"User\" or \"Group\", got \"Team\"");
  EXPECT_EQ(ParseError(R"({"title": "x", "actions": [{"field": "status", "value": "open"}],
      "restriction": {"type": "Group", "ids": []}})"),
            "restriction.ids: a Group restriction names a group");
}

TEST(Macro, TriggersRefuseMacroActions) {
  Result<Trigger> t = ParseTriggerText(R"({"title": "t", "conditions": {"all": [
      {"field": "status", "operator": "is", "value": "open"}]},
      "actions": [{"field": "comment_value", "value": "hi"}]})");
  ASSERT_FALSE(t.ok());
  EXPECT_EQ(t.status().message(),
            "actions[0]: action \"comment_value\" belongs to macros; a trigger cannot use it");
}

TEST(Macro, RestrictionAllows) {
  Restriction everyone;
  EXPECT_TRUE(everyone.Allows(1, {}));
  Restriction personal{Restriction::Kind::kUser, 5, {}};
  EXPECT_TRUE(personal.Allows(5, {}));
  EXPECT_FALSE(personal.Allows(6, {1}));
  Restriction groups{Restriction::Kind::kGroups, 0, {3, 4}};
  EXPECT_TRUE(groups.Allows(6, {1, 4}));
  EXPECT_FALSE(groups.Allows(6, {1, 2}));
}

TEST(Macro, ApplyChangesTheTicketAndFillsTheReply) {
  Macro m = MustParseMacro(R"({"title": "Escalate", "actions": [
      {"field": "priority", "value": "urgent"},
      {"field": "assignee_id", "value": "current_user"},
      {"field": "remove_tags", "value": "vip"},
      {"field": "subject", "value": "[{{ticket.priority}}] {{ticket.title}}"},
      {"field": "comment_value", "value": "Hi {{ticket.requester.first_name}}, {{current_user.name}} has it ({{ticket.status}})."}]})");
  TicketUpdate u = OpenTicketChange();
  u.after.tags = {"vip", "printer"};
  u.current_user = Bob();
  MacroResult r = ApplyMacro(m, u);
  ASSERT_EQ(r.changes.size(), 3u);
  EXPECT_EQ(r.changes[0].field, "priority");
  EXPECT_EQ(r.changes[0].previous_value, "normal");
  EXPECT_EQ(r.changes[1].field, "assignee_id");
  EXPECT_EQ(r.changes[1].value, std::to_string(kAgentBob));
  EXPECT_EQ(r.changes[2].value, "printer");
  EXPECT_EQ(u.after.priority, "urgent");
  ASSERT_TRUE(r.subject);
  EXPECT_EQ(*r.subject, "[Urgent] Printer is on fire");
  ASSERT_TRUE(r.comment);
  EXPECT_EQ(r.comment->body, "Hi Carla, Bob Builder has it (Open).");
  EXPECT_TRUE(r.comment->is_public);
  EXPECT_EQ(r.comment->html_body, "");
  EXPECT_TRUE(r.warnings.empty());
}

TEST(Macro, PublicReplyNeverShowsPrivateComments) {
  TicketUpdate u = OpenTicketChange();
  u.comments.push_back({2, kAgentAnn, "Ann Agent", "internal: refund approved", "", false, 1700000100});
  Macro pub = MustParseMacro(R"({"title": "p", "actions": [
      {"field": "comment_value", "value": "Latest: {{ticket.latest_comment}}"}]})");
  Macro priv = MustParseMacro(R"({"title": "q", "actions": [
      {"field": "comment_value", "value": "Latest: {{ticket.latest_comment}}"},
      {"field": "comment_mode_is_public", "value": "false"}]})");
  TicketUpdate u2 = u;
  EXPECT_EQ(ApplyMacro(pub, u).comment->body, "Latest: It started smoking this morning.");
  MacroResult r = ApplyMacro(priv, u2);
  EXPECT_FALSE(r.comment->is_public);
  EXPECT_EQ(r.comment->body, "Latest: internal: refund approved");
}

TEST(Macro, HtmlReplyEscapesValues) {
  TicketUpdate u = OpenTicketChange();
  u.after.subject = "<b>bold</b> & co";
  Macro m = MustParseMacro(R"({"title": "h", "actions": [
      {"field": "comment_value_html", "value": "<p>About {{ticket.title}}</p>"}]})");
  MacroResult r = ApplyMacro(m, u);
  EXPECT_EQ(r.comment->html_body, "<p>About &lt;b&gt;bold&lt;/b&gt; &amp; co</p>");
}

TEST(Macro, AnEndUserCannotTakeTheTicket) {
  Macro m = MustParseMacro(R"({"title": "take", "actions": [
      {"field": "assignee_id", "value": "current_user"}]})");
  TicketUpdate u = OpenTicketChange();
  u.current_user = Customer();
  MacroResult r = ApplyMacro(m, u);
  EXPECT_TRUE(r.changes.empty());
  ASSERT_EQ(r.warnings.size(), 1u);
  EXPECT_EQ(r.warnings[0],
            "assignee_id: cannot assign the ticket to the current user, who is not an agent");
  EXPECT_EQ(u.after.assignee_id, kAgentAnn);
}

TEST(Macro, UnknownPlaceholdersAreListed) {
  Macro m = MustParseMacro(R"({"title": "x", "actions": [
      {"field": "comment_value", "value": "Hi {{ticket.requester.nickname}}"}]})");
  EXPECT_EQ(UnknownMacroPlaceholders(m),
            std::vector<std::string>{"actions[0]: ticket.requester.nickname"});
}

}  // namespace
}  // namespace postdesk::rules
