#include "rules/view.h"

#include <gtest/gtest.h>

namespace postdesk::rules {
namespace {

using nlohmann::json;

std::string ParseError(const std::string& text) {
  Result<View> v = ParseView(json::parse(text));
  return v.ok() ? "" : v.status().message();
}

TEST(View, ReadsZendesksCreateShapeAndWritesItsShowShape) {
  Result<View> v = ParseView(json::parse(R"({"view": {"title": "Urgent mine",
      "all": [{"field": "priority", "operator": "is", "value": "urgent"},
              {"field": "assignee_id", "operator": "is", "value": "current_user"}],
      "any": [{"field": "current_tags", "operator": "includes", "value": "vip gold"}],
      "output": {"columns": ["status", "subject", "requester_id", "created_at"],
                 "sort_by": "created_at", "sort_order": "asc"},
      "restriction": {"type": "User", "id": 4}}})"));
  ASSERT_TRUE(v.ok()) << v.status().message();
  EXPECT_EQ(v->columns, (std::vector<std::string>{"status", "subject", "requester", "created"}));
  EXPECT_EQ(v->sort_by, "created");
  EXPECT_TRUE(v->ascending);
  json out = ViewToJson(*v);
  EXPECT_EQ(out["conditions"]["all"][1]["value"], "current_user");
  EXPECT_EQ(out["execution"]["columns"][2], json({{"id", "requester"}, {"title", "Requester"}}));
  EXPECT_EQ(out["execution"]["sort_order"], "asc");
  // What it shows reads back the same (columns as {id, title}).
  Result<View> again = ParseView(out);
  ASSERT_TRUE(again.ok()) << again.status().message();
  EXPECT_EQ(ViewToJson(*again), out);
}

TEST(View, RefusesWhatAViewCannotMean) {
  EXPECT_EQ(ParseError(R"({"title": "x"})"), "conditions: are required");
  EXPECT_EQ(ParseError(R"({"title": "x", "all": []})"),
            "conditions: a view needs at least one condition");
  EXPECT_EQ(ParseError(R"({"title": "x", "all": [
      {"field": "comment_is_public", "operator": "is", "value": "true"}]})"),
            "all[0]: field \"comment_is_public\" is about an update; a view lists stored tickets");
  EXPECT_EQ(ParseError(R"({"title": "x", "all": [
      {"field": "status", "operator": "changed", "value": null}]})"),
            "all[0]: operator \"changed\" is about a change; a view lists stored tickets");
  EXPECT_EQ(ParseError(R"({"title": "x", "all": [
      {"field": "updated_at", "operator": "less_than", "value": "soon"}]})"),
            "all[0]: value \"soon\" is not valid for field \"updated_at\" (expected a whole "
            "number of hours, 0 to 1000000)");
  EXPECT_EQ(ParseError(R"({"title": "x", "all": [
      {"field": "status", "operator": "is", "value": "open"}], "output": {"columns": ["mood"]}})"),
            "output.columns[0]: unknown column \"mood\" (id, status, subject, requester, "
            "assignee, group, organization, priority, type, created, updated, tags)");
  EXPECT_EQ(ParseError(R"({"title": "x", "all": [
      {"field": "status", "operator": "is", "value": "open"}], "output": {"sort_by": "tags"}})"),
            "output.sort_by: \"tags\" is not one of id, created, updated, status, subject, "
            "requester");
}

TEST(View, OutputWinsOverExecutionAndListsAreBounded) {
  // A client that read a view back and changed `output` keeps its change.
  Result<View> v = ParseView(json::parse(R"({"title": "x",
      "all": [{"field": "status", "operator": "is", "value": "open"}],
      "execution": {"sort_by": "id"}, "output": {"sort_by": "subject"}})"));
  ASSERT_TRUE(v.ok()) << v.status().message();
  EXPECT_EQ(v->sort_by, "subject");
  json many = json::array();
  for (int i = 0; i < 51; ++i) many.push_back({{"field", "status"}, {"operator", "is"}, {"value", "open"}});
  Result<View> big = ParseView(json{{"title", "x"}, {"any", many}});
  ASSERT_FALSE(big.ok());
  EXPECT_EQ(big.status().message(), "any: at most 50 conditions, got 51");
}

TEST(View, TriggersRefuseViewConditions) {
  Result<Trigger> t = ParseTriggerText(R"({"title": "t", "conditions": {"all": [
      {"field": "updated_at", "operator": "greater_than", "value": "24"}]},
      "actions": [{"field": "status", "value": "open"}]})");
  ASSERT_FALSE(t.ok());
  EXPECT_EQ(t.status().message(),
            "conditions.all[0]: field \"updated_at\" belongs to views; a trigger runs on an "
            "update, not on a stored ticket");
}

TEST(View, StandardViewsParseInBothLanguages) {
  for (const char* lang : {"en", "ja"}) {
    std::vector<View> views = StandardViews(lang);
    ASSERT_EQ(views.size(), 5u);
    EXPECT_EQ(views[0].default_key, "my_open");
    EXPECT_EQ(views[4].default_key, "delivery_failures");
  }
  EXPECT_EQ(StandardViews("ja")[1].title, "未割り当てのチケット");
  EXPECT_EQ(StandardViews("en")[3].all[1].number, 168);
}

}  // namespace
}  // namespace postdesk::rules
