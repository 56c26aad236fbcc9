#include "rules/trigger.h"

#include <gtest/gtest.h>

#include "rules/rules_testing.h"

namespace postdesk::rules {
namespace {

using nlohmann::json;
using testing::MustParse;

const char* kFull = R"({
  "id": 360001,
  "title": "Escalate VIP",
  "active": false,
  "position": 12,
  "description": "VIP mail goes to tier 2",
  "conditions": {
    "all": [
      {"field": "update_type", "operator": "is", "value": "Create"},
      {"field": "status", "operator": "less_than", "value": "solved"},
      {"field": "current_tags", "operator": "includes", "value": "vip gold"},
      {"field": "assignee_id", "operator": "changed", "value": null},
      {"field": "via_id", "operator": "is", "value": "4"}
    ],
    "any": [
      {"field": "priority", "operator": "value_previous", "value": "low"},
      {"field": "comment_is_public", "operator": "is", "value": "requester_can_see_comment"}
    ]
  },
  "actions": [
    {"field": "priority", "value": "high"},
    {"field": "group_id", "value": "7"},
    {"field": "current_tags", "value": "escalated"},
    {"field": "notification_user", "value": ["requester_and_ccs", "Re: {{ticket.title}}", "Hi {{ticket.requester.first_name}}"]}
  ],
  "default": false,
  "created_at": "2026-01-31T12:00:00Z",
  "updated_at": "2026-02-01T08:30:15Z"
})";

TEST(TriggerJson, ParsesEveryTopLevelField) {
  Trigger t = MustParse(kFull);
  EXPECT_EQ(t.id, 360001);
  EXPECT_EQ(t.title, "Escalate VIP");
  EXPECT_FALSE(t.active);
  EXPECT_EQ(t.position, 12);
  EXPECT_EQ(t.description, "VIP mail goes to tier 2");
  ASSERT_EQ(t.all.size(), 5u);
  ASSERT_EQ(t.any.size(), 2u);
  ASSERT_EQ(t.actions.size(), 4u);
  EXPECT_EQ(t.all[1].field, ConditionField::kStatus);
  EXPECT_EQ(t.all[1].op, Operator::kLessThan);
  EXPECT_EQ(t.all[1].number, StatusRank("solved"));
  EXPECT_EQ(t.all[2].words, (std::vector<std::string>{"vip", "gold"}));
  EXPECT_TRUE(t.all[3].null_value);
  EXPECT_EQ(t.all[4].number, 4);
  EXPECT_EQ(t.actions[1].number, 7);
  EXPECT_EQ(t.actions[3].value.size(), 3u);
  EXPECT_EQ(t.created_at, 1769860800);
  EXPECT_EQ(t.updated_at, 1769934615);
}

TEST(TriggerJson, RoundTripIsStable) {
  Trigger t = MustParse(kFull);
  json once = TriggerToJson(t);
  Trigger again = MustParse(once.dump());
  EXPECT_EQ(TriggerToJson(again), once);
  EXPECT_EQ(once["created_at"], "2026-01-31T12:00:00Z");
  EXPECT_EQ(once["conditions"]["all"][3]["value"], nullptr);
  EXPECT_EQ(once["actions"][1]["value"], "7");
  EXPECT_EQ(once["actions"][3]["value"][0], "requester_and_ccs");
  EXPECT_EQ(once["default"], false);
  EXPECT_FALSE(once.contains("default_key"));
}

TEST(TriggerJson, AliasesBecomeZendeskNames) {
  Trigger t = MustParse(R"({"title": "a", "conditions": {"all": [
      {"field": "assignee", "operator": "changed_to", "value": 200},
      {"field": "via", "operator": "is", "value": "email"},
      {"field": "current_user", "operator": "is", "value": "end-user"},
      {"field": "tags", "operator": "contains", "value": "VIP"},
      {"field": "subject", "operator": "contains", "value": "Refund"},
      {"field": "ticket_type_id", "operator": "is", "value": 2},
      {"field": "status", "operator": "not_changed_from", "value": "Solved"},
      {"field": "comment_is_public", "operator": "is", "value": true}
    ]}, "actions": [{"field": "add_tags", "value": ["One", "two"]}]})");
  json j = TriggerToJson(t);
  const json& all = j["conditions"]["all"];
  EXPECT_EQ(all[0], json({{"field", "assignee_id"}, {"operator", "value"}, {"value", "200"}}));
  EXPECT_EQ(all[1]["field"], "via_id");
  EXPECT_EQ(all[1]["value"], "4");
  EXPECT_EQ(all[2]["field"], "role");
  EXPECT_EQ(all[2]["value"], "end_user");
  EXPECT_EQ(all[3]["field"], "current_tags");
  EXPECT_EQ(all[3]["operator"], "includes");
  EXPECT_EQ(all[4]["field"], "subject_includes_word");
  EXPECT_EQ(all[4]["operator"], "is");
  EXPECT_EQ(all[5]["field"], "type");
  EXPECT_EQ(all[5]["value"], "incident");
  EXPECT_EQ(all[6]["operator"], "not_value_previous");
  EXPECT_EQ(all[6]["value"], "solved");
  EXPECT_EQ(all[7]["value"], "true");
  EXPECT_EQ(j["actions"][0], json({{"field", "current_tags"}, {"value", "one two"}}));
}

TEST(TriggerJson, AcceptsWrapperAndTopLevelAllAny) {
  Trigger t = MustParse(R"({"trigger": {"title": "w", "all": [
      {"field": "status", "operator": "is", "value": "open"}], "any": [],
      "actions": [{"field": "status", "value": "pending"}]}})");
  EXPECT_EQ(t.title, "w");
  EXPECT_EQ(t.all.size(), 1u);
}

TEST(TriggerJson, IgnoresReadOnlyKeysZendeskReturns) {
  Trigger t = MustParse(R"({"title": "r", "url": "https://x/api/v2/triggers/1.json",
      "raw_title": "r", "category_id": "5",
      "conditions": {"all": [{"field": "status", "operator": "is", "value": "open"}]},
      "actions": [{"field": "status", "value": "pending"}]})");
  EXPECT_EQ(t.title, "r");
}

TEST(TriggerJson, PartialUpdateKeepsBaseFields) {
  Trigger base = MustParse(kFull);
  Result<Trigger> t = ParseTriggerText(R"({"active": true, "title": "Renamed"})", &base);
  ASSERT_TRUE(t.ok()) << t.status().message();
  EXPECT_TRUE(t->active);
  EXPECT_EQ(t->title, "Renamed");
  EXPECT_EQ(t->all.size(), 5u);
  EXPECT_EQ(t->actions.size(), 4u);
  EXPECT_EQ(t->position, 12);

  Result<Trigger> replaced = ParseTriggerText(
      R"({"conditions": {"all": [{"field": "status", "operator": "is", "value": "new"}]}})", &base);
  ASSERT_TRUE(replaced.ok());
  EXPECT_EQ(replaced->all.size(), 1u);
  EXPECT_TRUE(replaced->any.empty());
}

TEST(TriggerJson, DefaultKeyRoundTrips) {
  Trigger t = MustParse(R"({"title": "d", "default": true, "default_key": "x",
      "conditions": {"all": [{"field": "status", "operator": "is", "value": "new"}]},
      "actions": [{"field": "status", "value": "open"}]})");
  EXPECT_TRUE(t.is_default);
  json j = TriggerToJson(t);
  EXPECT_EQ(j["default"], true);
  EXPECT_EQ(j["default_key"], "x");
}

// Every validation error, with the place it names.
struct BadCase {
  const char* json;
  const char* message;  // must appear in the error
};

std::string Wrap(const std::string& conditions,
                 const std::string& actions = R"([{"field": "status", "value": "open"}])") {
  return R"({"title": "x", "conditions": )" + conditions + R"(, "actions": )" + actions + "}";
}

std::string One(const std::string& condition) {
  return Wrap(R"({"all": [{"field": "status", "operator": "is", "value": "new"}, )" + condition +
              "]}");
}

std::string Act(const std::string& action) {
  return Wrap(R"({"all": [{"field": "status", "operator": "is", "value": "new"}]})",
              "[" + action + "]");
}

TEST(TriggerJson, EveryValidationErrorNamesThePlace) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"not json", "not valid JSON"},
      {"[1, 2]", "a trigger must be a JSON object"},
      {R"({"conditions": {"all": []}, "actions": []})", "title: is required"},
      {R"({"title": "  ", "conditions": {}, "actions": []})", "title: must not be empty"},
      {R"({"title": 5})", "title: must be a string, got an integer"},
      {R"({"title": "x", "active": "yes"})", "active: must be a boolean, got a string"},
      {R"({"title": "x", "position": "1"})", "position: must be an integer"},
      {R"({"title": "x", "id": "1"})", "id: must be an integer"},
      {R"({"title": "x", "description": 3})", "description: must be a string"},
      {R"({"title": "x", "default": "no"})", "default: must be a boolean"},
      {R"({"title": "x", "default_key": 1})", "default_key: must be a string"},
      {R"({"title": "x", "created_at": "yesterday"})", "created_at: \"yesterday\" is not an ISO"},
      {R"({"title": "x", "updated_at": []})", "updated_at: must be an ISO 8601 time"},
      {R"({"title": "x", "actions": []})", "conditions: are required"},
      {Wrap("[]"), "conditions: must be an object"},
      {Wrap(R"({"every": []})"), "conditions: unknown key \"every\""},
      {Wrap(R"({"all": {}})"), "conditions.all: must be an array"},
      {Wrap(R"({"all": [], "any": []})"), "a trigger needs at least one condition"},
      {Wrap(R"({"all": ["status"]})"), "conditions.all[0]: a condition must be an object"},
      {One(R"({"field": "status", "operator": "is", "value": "new", "x": 1})"),
       "conditions.all[1]: unknown key \"x\""},
      {One(R"({"operator": "is", "value": "new"})"),
       "conditions.all[1]: \"field\" must be a string"},
      {One(R"({"field": "status", "value": "new"})"),
       "conditions.all[1]: \"operator\" must be a string"},
      {One(R"({"field": "moon_phase", "operator": "is", "value": "full"})"),
       "conditions.all[1]: unknown field \"moon_phase\""},
      {One(R"({"field": "status", "operator": "resembles", "value": "new"})"),
       "conditions.all[1]: unknown operator \"resembles\""},
      {One(R"({"field": "assignee_id", "operator": "less_than", "value": "5"})"),
       "conditions.all[1]: operator \"less_than\" is not valid for field \"assignee_id\""},
      {One(R"({"field": "current_tags", "operator": "is", "value": "a"})"),
       "operator \"is\" is not valid for field \"current_tags\""},
      {One(R"({"field": "status", "operator": "is"})"), "conditions.all[1]: \"value\" is required"},
      {One(R"({"field": "status", "operator": "is", "value": ["new"]})"),
       "conditions.all[1]: value must be a string, got an array for field \"status\""},
      {One(R"({"field": "status", "operator": "is", "value": 3})"),
       "value must be a string, got an integer"},
      {One(R"({"field": "status", "operator": "is", "value": "deleted"})"),
       "conditions.all[1]: value \"deleted\" is not valid for field \"status\""},
      {One(R"({"field": "priority", "operator": "is", "value": "meh"})"),
       "value \"meh\" is not valid for field \"priority\""},
      {One(R"({"field": "type", "operator": "is", "value": "bug"})"),
       "value \"bug\" is not valid for field \"type\""},
      {One(R"({"field": "update_type", "operator": "is", "value": "Delete"})"),
       "value \"Delete\" is not valid for field \"update_type\""},
      {One(R"({"field": "via_id", "operator": "is", "value": "pigeon"})"),
       "value \"pigeon\" is not valid for field \"via_id\""},
      {One(R"({"field": "comment_is_public", "operator": "is", "value": "maybe"})"),
       "value \"maybe\" is not valid for field \"comment_is_public\""},
      {One(R"({"field": "comment_present", "operator": "is", "value": "yes"})"),
       "not valid for field \"comment_present\""},
      {One(R"({"field": "ticket_is_public", "operator": "is", "value": "true"})"),
       "not valid for field \"ticket_is_public\""},
      {One(R"({"field": "role", "operator": "is", "value": "owner"})"),
       "value \"owner\" is not valid for field \"role\""},
      {One(R"({"field": "assignee_id", "operator": "is", "value": "bob"})"),
       "conditions.all[1]: value \"bob\" is not valid (expected a user id, \"\" (none), "
       "\"current_user\", \"requester_id\")"},
      {One(R"({"field": "group_id", "operator": "is", "value": "-3"})"),
       "is not valid (expected a group id"},
      {One(R"({"field": "subject_includes_word", "operator": "includes", "value": "  "})"),
       "not valid for field \"subject_includes_word\""},
      {One(R"({"field": "recipient", "operator": "is", "value": "support"})"),
       "value \"support\" is not valid for field \"recipient\""},
      {Wrap(R"({"all": [{"field": "status", "operator": "is", "value": "new"}], "any": [1]})"),
       "conditions.any[0]: a condition must be an object"},
      {R"({"title": "x", "conditions": {"all": [{"field": "status", "operator": "is", "value": "new"}]}})",
       "actions: are required"},
      {Act(""), "actions: a trigger needs at least one action"},
      {Wrap(R"({"all": [{"field": "status", "operator": "is", "value": "new"}]})", "{}"),
       "actions: must be an array"},
      {Act("\"status\""), "actions[0]: an action must be an object"},
      {Act(R"({"field": "status", "value": "open", "extra": 1})"),
       "actions[0]: unknown key \"extra\""},
      {Act(R"({"value": "open"})"), "actions[0]: \"field\" must be a string"},
      {Act(R"({"field": "launch_rocket", "value": "now"})"),
       "actions[0]: unknown action \"launch_rocket\""},
      {Act(R"({"field": "status"})"), "actions[0]: \"value\" is required"},
      {Act(R"({"field": "status", "value": "gone"})"),
       "actions[0]: value \"gone\" is not valid for action \"status\""},
      {Act(R"({"field": "status", "value": 2})"),
       "actions[0]: value must be a string, got an integer"},
      {Act(R"({"field": "priority", "value": "asap"})"), "not valid for action \"priority\""},
      {Act(R"({"field": "assignee_id", "value": "someone"})"), "is not valid (expected a user id"},
      {Act(R"({"field": "set_tags", "value": [1]})"),
       "tags of action \"set_tags\" must be strings"},
      {Act(R"({"field": "notification_user", "value": "requester_id"})"),
       "actions[0]: value of action \"notification_user\" must be an array [recipient, subject, "
       "body]"},
      {Act(R"({"field": "notification_user", "value": ["requester_id", "s"]})"),
       "got an array of 2"},
      {Act(R"({"field": "notification_user", "value": ["requester_id", 1, "b"]})"),
       "the subject and body of action \"notification_user\" must be strings"},
      {Act(R"({"field": "notification_user", "value": [[], "s", "b"]})"),
       "the recipient of action \"notification_user\" must be a string"},
      {Act(R"({"field": "notification_user", "value": ["the_boss", "s", "b"]})"),
       "actions[0]: value \"the_boss\" is not valid (expected a user id, \"requester_and_ccs\""},
      {Act(R"({"field": "notification_user", "value": ["", "s", "b"]})"),
       "actions[0]: value \"\" is not valid (expected a user id, \"requester_and_ccs\""},
      {Act(R"({"field": "notification_group", "value": ["support", "s", "b"]})"),
       "is not valid (expected a group id, \"group_id\")"},
  };
  for (const auto& [text, message] : cases) {
    Result<Trigger> t = ParseTriggerText(text);
    ASSERT_FALSE(t.ok()) << "accepted: " << text;
    EXPECT_EQ(t.status().kind(), ErrorKind::kInvalid);
    EXPECT_NE(t.status().message().find(message), std::string::npos)
        << "input: " << text << "\nwanted: " << message << "\ngot: " << t.status().message();
  }
}

// Any JSON shape in any slot is an error value, never an exception or crash.
TEST(TriggerJson, OddShapesNeverThrow) {
  const json base = json::parse(kFull);
  const std::vector<json> odd = {nullptr,
                                 true,
                                 -1,
                                 18446744073709551615u,
                                 1.5,
                                 "",
                                 "\xff",
                                 json::array(),
                                 json::array({1, "a", nullptr}),
                                 json::object(),
                                 json::object({{"all", 1}})};
  std::vector<std::vector<std::string>> slots;
  for (const auto& [key, _] : base.items()) slots.push_back({key});
  for (const char* list : {"all", "any"}) {
    for (size_t i = 0; i < base["conditions"][list].size(); ++i) {
      for (const char* k : {"field", "operator", "value"}) {
        slots.push_back({"conditions", list, std::to_string(i), k});
      }
    }
  }
  for (size_t i = 0; i < base["actions"].size(); ++i) {
    slots.push_back({"actions", std::to_string(i), "field"});
    slots.push_back({"actions", std::to_string(i), "value"});
  }
  int parsed = 0;
  for (const auto& slot : slots) {
    std::string pointer;
    for (const std::string& part : slot) pointer += "/" + part;
    for (const json& value : odd) {
      json j = base;
      j[json::json_pointer(pointer)] = value;
      Result<Trigger> t = [&] {
        try {
          return ParseTrigger(j);
        } catch (const std::exception& e) {
          ADD_FAILURE() << pointer << " = " << value.dump() << " threw " << e.what();
          return Result<Trigger>(Status::Invalid("threw"));
        }
      }();
      if (t.ok()) {
        ++parsed;
        EXPECT_NO_THROW(TriggerToJson(*t).dump()) << pointer;
      }
    }
  }
  EXPECT_GT(parsed, 0);
}

TEST(TriggerJson, TextMustBeUtf8) {
  json j = json::parse(kFull);
  j["title"] = "\xff";
  Result<Trigger> t = ParseTrigger(j);
  ASSERT_FALSE(t.ok());
  EXPECT_EQ(t.status().message(), "title: text must be UTF-8");
  j = json::parse(kFull);
  j["actions"][3]["value"][2] = "ok \xc3";
  t = ParseTrigger(j);
  ASSERT_FALSE(t.ok());
  EXPECT_EQ(t.status().message(), "actions[3].value[2]: text must be UTF-8");
}

TEST(TriggerJson, ChangedIgnoresItsValue) {
  Trigger t = MustParse(One(R"({"field": "status", "operator": "changed", "value": "whatever"})"));
  EXPECT_TRUE(t.all[1].null_value);
  EXPECT_EQ(TriggerToJson(t)["conditions"]["all"][1]["value"], nullptr);
}

TEST(TriggerJson, NullMeansNoneForIdFields) {
  Trigger t = MustParse(One(R"({"field": "assignee_id", "operator": "is", "value": null})"));
  EXPECT_EQ(t.all[1].ref, ValueRef::kNone);
  EXPECT_EQ(TriggerToJson(t)["conditions"]["all"][1]["value"], "");
}

TEST(TriggerJson, UnknownPlaceholdersAreListedPerAction) {
  Trigger t = MustParse(Act(R"({"field": "notification_user", "value": ["requester_id",
      "{{ticket.title}} {{ticket.titel}}", "Hi {{ ticket.requester.nickname }} {{ticket.titel}}"]})"));
  EXPECT_EQ(UnknownPlaceholders(t),
            (std::vector<std::string>{"actions[0]: ticket.titel",
                                      "actions[0]: ticket.requester.nickname"}));
}

TEST(TriggerJson, Ranks) {
  EXPECT_LT(StatusRank("new"), StatusRank("open"));
  EXPECT_LT(StatusRank("open"), StatusRank("pending"));
  EXPECT_LT(StatusRank("pending"), StatusRank("hold"));
  EXPECT_LT(StatusRank("hold"), StatusRank("solved"));
  EXPECT_LT(StatusRank("solved"), StatusRank("closed"));
  EXPECT_EQ(StatusRank("bogus"), -1);
  EXPECT_LT(PriorityRank(""), PriorityRank("low"));
  EXPECT_LT(PriorityRank("high"), PriorityRank("urgent"));
}

}  // namespace
}  // namespace postdesk::rules
