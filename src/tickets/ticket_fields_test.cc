#include "tickets/ticket_fields.h"

#include <gtest/gtest.h>

#include "rules/engine.h"
#include "rules/rules_testing.h"
#include "store/temp_store_testing.h"

namespace postdesk::tickets {
namespace {

using nlohmann::json;

TicketField Must(const json& j) {
  auto f = ParseTicketField(j);
  EXPECT_TRUE(f.ok()) << f.status().message();
  return f.ok() ? *f : TicketField{};
}

std::string Error(const json& j, const TicketField* base = nullptr) {
  auto f = ParseTicketField(j, base);
  return f.ok() ? "accepted" : f.status().message();
}

TicketField Dropdown() {
  TicketField f = Must({{"ticket_field",
                         {{"type", "dropdown"},
                          {"title", "Product"},
                          {"custom_field_options",
                           {{{"name", "Hardware"}, {"value", "HW"}}, {{"name", "Software"}, {"value", "sw"}}}}}}});
  f.id = 7;
  f.options[0].id = 1;
  f.options[1].id = 2;
  return f;
}

TicketField Of(std::string type, int64_t id) {
  TicketField f = Must({{"type", type}, {"title", "F" + std::to_string(id)}});
  f.id = id;
  return f;
}

TEST(TicketFieldsTest, ParsesDefinitionsAndNamesEachMistake) {
  TicketField d = Dropdown();
  EXPECT_EQ(d.type, FieldType::kTagger);
  EXPECT_EQ(d.options[0].value, "hw");  // a tag: lower case
  EXPECT_EQ(Error({{"title", "x"}}), "type: is required");
  EXPECT_EQ(Error({{"type", "text"}}), "title: is required");
  EXPECT_NE(Error({{"type", "multiselect"}, {"title", "x"}}).find("is not one of text"), std::string::npos);
  EXPECT_EQ(Error({{"type", "tagger"}, {"title", "x"}}),
            "custom_field_options: a dropdown needs at least one option");
  EXPECT_EQ(Error({{"type", "tagger"}, {"title", "x"}, {"custom_field_options", {{{"name", "A"}, {"value", "a b"}}}}}),
            "custom_field_options[0].value: \"a b\" is a tag: no spaces or commas");
  EXPECT_EQ(Error({{"type", "tagger"},
                   {"title", "x"},
                   {"custom_field_options", {{{"name", "A"}, {"value", "a"}}, {{"name", "B"}, {"value", "A"}}}}}),
            "custom_field_options[1].value: \"a\" is used by another option");
  EXPECT_EQ(Error({{"type", "text"}, {"title", "x"}, {"tag", "t"}}), "tag: only a checkbox has a tag");
  EXPECT_EQ(Error({{"type", "text"}}, &d), "type: a field's type cannot change");
  EXPECT_EQ(Error({{"type", "checkbox"}, {"title", "x"}, {"required", true}}),
            "required: a checkbox cannot be required (unchecked is an answer)");
  EXPECT_EQ(Error({{"custom_field_options", {{{"id", 1}, {"name", "A"}, {"value", "a"}}, {{"id", 1}, {"name", "B"}, {"value", "b"}}}}}, &d),
            "custom_field_options[1].id: 1 is given to another option");
  // A client keeps the option ids the field has; it cannot pick new ones.
  auto changed = ParseTicketField(
      {{"custom_field_options", {{{"id", 2}, {"name", "Soft"}, {"value", "sw"}}, {{"id", 99}, {"name", "New"}, {"value", "new"}}}}},
      &d);
  ASSERT_TRUE(changed.ok()) << changed.status().message();
  EXPECT_EQ(changed->options[0].id, 2);
  EXPECT_EQ(changed->options[1].id, 0);
}

TEST(TicketFieldsTest, SystemFieldsTakeOnlyTitlesAndStayPut) {
  TicketField status;
  status.type = FieldType::kStatus;
  status.title = "Status";
  EXPECT_TRUE(status.IsSystem());
  EXPECT_EQ(Error({{"title", "State"}, {"position", 3}}, &status), "accepted");
  EXPECT_EQ(Error({{"active", false}}, &status), "active: a system field's active cannot change");
  EXPECT_EQ(Error({{"custom_field_options", json::array()}}, &status),
            "custom_field_options: only a dropdown (tagger) has options");
}

TEST(TicketFieldsTest, ValuesAreCheckedAndWrittenPerType) {
  auto text = [](const TicketField& f, const json& v) {
    auto t = FieldValueText(f, v, "v");
    return t.ok() ? *t : "error: " + t.status().message();
  };
  EXPECT_EQ(text(Dropdown(), "HW"), "hw");
  EXPECT_EQ(text(Dropdown(), nullptr), "");
  EXPECT_EQ(text(Dropdown(), "tablet"),
            "error: v: \"tablet\" is not an option for the tagger field \"Product\" (options: hw, sw)");
  EXPECT_EQ(text(Of("checkbox", 1), true), "true");
  EXPECT_EQ(text(Of("checkbox", 1), false), "");
  EXPECT_EQ(text(Of("checkbox", 1), "false"), "");
  EXPECT_EQ(text(Of("checkbox", 1), 1), "error: v: expected true or false for the checkbox field \"F1\", got an integer");
  EXPECT_EQ(text(Of("date", 1), "2028-02-29"), "2028-02-29");
  EXPECT_EQ(text(Of("date", 1), "2027-02-29"),
            "error: v: \"2027-02-29\" is not a date like 2026-12-31 for the date field \"F1\"");
  EXPECT_EQ(text(Of("integer", 1), "042"), "42");
  EXPECT_EQ(text(Of("integer", 1), 7), "7");
  EXPECT_EQ(text(Of("integer", 1), 1.5), "error: v: expected a whole number for the integer field \"F1\", got 1.5");
  EXPECT_EQ(text(Of("decimal", 1), "2.50"), "2.5");  // one text per number: "is" compares numbers
  EXPECT_EQ(text(Of("decimal", 1), 100.0), "100");
  EXPECT_EQ(text(Of("date", 1), "2026- 1- 5"),
            "error: v: \"2026- 1- 5\" is not a date like 2026-12-31 for the date field \"F1\"");
  EXPECT_EQ(text(Of("date", 1), "+202-01-01"),
            "error: v: \"+202-01-01\" is not a date like 2026-12-31 for the date field \"F1\"");
  EXPECT_EQ(text(Of("decimal", 1), "1e999"), "error: v: \"1e999\" is not a number for the decimal field \"F1\"");
  EXPECT_EQ(text(Of("text", 1), "two\nlines"),
            "error: v: one line for the text field \"F1\" (a textarea field takes several)");
  EXPECT_EQ(text(Of("textarea", 1), "two\nlines"), "two\nlines");
  EXPECT_EQ(FieldValueJson(Of("checkbox", 1), ""), json(false));
  EXPECT_EQ(FieldValueJson(Of("integer", 1), ""), json(nullptr));
}

TEST(TicketFieldsTest, DropdownsAndCheckboxesCarryTheirTags) {
  TicketField vip = Must({{"type", "checkbox"}, {"title", "VIP"}, {"tag", "VIP"}});
  vip.id = 8;
  std::vector<TicketField> fields = {Dropdown(), vip, Of("text", 9)};
  store::Ticket t;
  t.tags = {"billing", "sw"};
  t.field_values = {{7, "sw"}};
  ASSERT_TRUE(ApplyCustomFields(json::array({{{"id", 7}, {"value", "hw"}}, {{"id", "8"}, {"value", true}}}), fields, t).ok());
  EXPECT_EQ(t.tags, (std::vector<std::string>{"billing", "hw", "vip"}));
  EXPECT_EQ(t.field_values, (std::map<int64_t, std::string>{{7, "hw"}, {8, "true"}}));
  // Zendesk's object form; clearing takes the tags off.
  ASSERT_TRUE(ApplyCustomFields({{"7", nullptr}, {"8", false}}, fields, t).ok());
  EXPECT_EQ(t.tags, (std::vector<std::string>{"billing"}));
  EXPECT_TRUE(t.field_values.empty());
  EXPECT_EQ(ApplyCustomFields(json::array({{{"id", 99}, {"value", "x"}}}), fields, t).message(),
            "custom_fields[0].id: there is no custom ticket field 99");
  EXPECT_EQ(ApplyCustomFields(json::array({{{"id", 9}, {"value", 5}}}), fields, t).message(),
            "custom_fields[0].value: expected a string for the text field \"F9\", got an integer");
}

TEST(TicketFieldsTest, RulesNamingCustomFieldsAreCheckedAndEvaluated) {
  std::vector<TicketField> fields = {Dropdown(), Of("checkbox", 8), Of("integer", 9)};
  rules::Trigger t = rules::testing::MustParse(R"({"title": "t", "conditions": {"all": [
      {"field": "custom_fields_7", "operator": "is", "value": "HW"},
      {"field": "custom_fields_8", "operator": "is", "value": "false"},
      {"field": "custom_fields_9", "operator": "greater_than", "value": 10}]},
      "actions": [{"field": "custom_fields_9", "value": "0042"}]})");
  ASSERT_TRUE(CheckRuleFields(fields, t.all, t.any, t.actions).ok());
  EXPECT_EQ(t.all[0].value, "hw");
  EXPECT_EQ(t.actions[0].value[0], "42");
  // A checkbox's condition is a boolean, and stays one when saved and read back.
  json saved = rules::TriggerToJson(t);
  EXPECT_EQ(saved["conditions"]["all"][1]["value"], json(false));
  auto again = rules::ParseTrigger(saved);
  ASSERT_TRUE(again.ok()) << again.status().message();

  rules::TicketUpdate u = rules::testing::NewEmailTicket();
  u.after.fields = {{7, "hw"}, {9, "12"}};
  EXPECT_TRUE(rules::ConditionsMatch(*again, u));
  u.after.fields[8] = "true";
  EXPECT_FALSE(rules::ConditionsMatch(*again, u));
  u.after.fields.erase(8);
  u.after.fields[9] = "9";  // 9 < 10 as numbers, though "9" > "10" as text
  EXPECT_FALSE(rules::ConditionsMatch(*again, u));

  auto refused = [&](const std::string& condition) {
    rules::Trigger r = rules::testing::MustParse(R"({"title": "t", "conditions": {"all": [)" + condition +
                                                 R"(]}, "actions": [{"field": "status", "value": "open"}]})");
    return CheckRuleFields(fields, r.all, r.any, r.actions).message();
  };
  EXPECT_EQ(refused(R"({"field": "custom_fields_5", "operator": "present"})"),
            "conditions.all[0]: there is no custom ticket field 5");
  EXPECT_EQ(refused(R"({"field": "custom_fields_7", "operator": "less_than", "value": "hw"})"),
            "conditions.all[0]: operator \"less_than\" does not suit the tagger field \"Product\" "
            "(expected is, is_not, present, not_present or a change operator)");
  EXPECT_EQ(refused(R"({"field": "custom_fields_9", "operator": "less_than", "value": ""})"),
            "conditions.all[0]: operator \"less_than\" needs a value to compare with");
  EXPECT_EQ(refused(R"({"field": "custom_fields_7", "operator": "is", "value": "tablet"})"),
            "conditions.all[0]: \"tablet\" is not an option for the tagger field \"Product\" (options: hw, sw)");
}

TEST(TicketFieldsTest, SystemFieldsAreSeededOnceAndOptionIdsAreUnique) {
  store::testing::TempStore temp;
  ASSERT_TRUE(temp.store->Write([](store::Tx& tx) {
    if (Status s = SeedSystemTicketFields(tx, 100, "ja"); !s.ok()) return s;
    return SeedSystemTicketFields(tx, 200, "en");
  }).ok());
  ASSERT_TRUE(temp.store->Write([](store::Tx& tx) -> Status {
    auto fields = ListTicketFields(tx);
    EXPECT_TRUE(fields.ok());
    EXPECT_EQ(fields->size(), 7u);
    EXPECT_EQ(fields->front().title, "件名");
    EXPECT_TRUE(fields->front().IsSystem());
    TicketField a = Dropdown();
    a.id = 0;
    a.options[0].id = a.options[1].id = 0;
    if (Status s = AssignOptionIds(tx, a); !s.ok()) return s;
    auto made = tx.CreateRule(store::RuleTable::kTicketFields, FieldToRow(a));
    EXPECT_TRUE(made.ok());
    TicketField b = Dropdown();
    b.options[0].id = b.options[1].id = 0;
    if (Status s = AssignOptionIds(tx, b); !s.ok()) return s;
    EXPECT_EQ(a.options[0].id, 1);
    EXPECT_EQ(a.options[1].id, 2);
    EXPECT_EQ(b.options[0].id, 3);  // never one another field has
    auto read = FieldFromRow(*made);
    EXPECT_TRUE(read.ok());
    EXPECT_EQ(read->options[1].value, "sw");
    return Status::Ok();
  }).ok());
}

}  // namespace
}  // namespace postdesk::tickets
