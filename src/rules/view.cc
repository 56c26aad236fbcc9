#include "rules/view.h"

#include <algorithm>
#include <array>

#include "common/strings.h"

namespace postdesk::rules {

using nlohmann::json;

namespace {

constexpr std::array<std::string_view, 12> kColumns = {
    "id",       "status",  "subject", "requester", "assignee", "group",
    "organization", "priority", "type", "created", "updated", "tags"};
constexpr std::array<std::string_view, 6> kSorts = {"id",     "created", "updated",
                                                    "status", "subject", "requester"};

// Zendesk also says created_at / updated_at / requester_id... for columns.
std::string ColumnName(std::string name) {
  if (name == "created_at") return "created";
  if (name == "updated_at") return "updated";
  if (name == "requester_id") return "requester";
  if (name == "assignee_id") return "assignee";
  if (name == "group_id") return "group";
  if (name == "organization_id") return "organization";
  if (name == "nice_id" || name == "ticket_id") return "id";
  return name;
}

bool ViewField(ConditionField f) {
  switch (f) {
    case ConditionField::kStatus:
    case ConditionField::kPriority:
    case ConditionField::kType:
    case ConditionField::kAssigneeId:
    case ConditionField::kGroupId:
    case ConditionField::kRequesterId:
    case ConditionField::kOrganizationId:
    case ConditionField::kViaId:
    case ConditionField::kCurrentTags:
    case ConditionField::kHoursSinceCreated:
    case ConditionField::kHoursSinceUpdated:
    case ConditionField::kDeliveryFailed:
    case ConditionField::kCustomField:
      return true;
    default:
      return false;
  }
}

// Bounds that keep a view's SQL well inside SQLite's limits on expression
// depth and parameters, however it was saved.
constexpr size_t kMaxConditions = 50;  // in `all`, and in `any`
constexpr size_t kMaxWords = 50;       // tags of one condition

Status ParseConditions(const json& list, const std::string& where, std::vector<Condition>& out) {
  if (list.is_null()) {
    out.clear();
    return Status::Ok();
  }
  if (!list.is_array()) {
    return Status::Invalid(where + ": must be an array, got " + JsonTypeName(list));
  }
  if (list.size() > kMaxConditions) {
    return Status::Invalid(where + ": at most " + std::to_string(kMaxConditions) +
                           " conditions, got " + std::to_string(list.size()));
  }
  out.clear();
  for (size_t i = 0; i < list.size(); ++i) {
    const std::string at = where + "[" + std::to_string(i) + "]";
    auto c = ParseCondition(list[i], at);
    if (!c.ok()) return c.status();
    if (!ViewField(c->field)) {
      return Status::Invalid(at + ": field \"" + ConditionKey(*c) +
                             "\" is about an update; a view lists stored tickets");
    }
    if (c->words.size() > kMaxWords) {
      return Status::Invalid(at + ": at most " + std::to_string(kMaxWords) + " tags");
    }
    if (c->ref == ValueRef::kRequester || c->ref == ValueRef::kAssignee) {
      return Status::Invalid(at + ": value \"" + c->value +
                             "\" compares two fields of an update; a view takes an id, "
                             "current_user or \"\" (none)");
    }
    if (c->op != Operator::kIs && c->op != Operator::kIsNot && c->op != Operator::kLessThan &&
        c->op != Operator::kGreaterThan && c->op != Operator::kIncludes &&
        c->op != Operator::kNotIncludes && c->op != Operator::kPresent &&
        c->op != Operator::kNotPresent) {
      return Status::Invalid(at + ": operator \"" + std::string(OperatorName(c->op)) +
                             "\" is about a change; a view lists stored tickets");
    }
    out.push_back(std::move(c).value());
  }
  return Status::Ok();
}

Status ParseOutput(const json& out, View& v, std::string_view where) {
  const std::string at(where);
  if (!out.is_object()) return Status::Invalid(at + ": must be an object, got " + JsonTypeName(out));
  if (auto it = out.find("columns"); it != out.end() && !it->is_null()) {
    if (!it->is_array() || it->empty()) {
      return Status::Invalid(at + ".columns: must be a non-empty array of column names");
    }
    std::vector<std::string> columns;
    for (size_t i = 0; i < it->size(); ++i) {
      const json& c = (*it)[i];
      // Zendesk returns columns as {id, title}; it takes names.
      const json& name = c.is_object() && c.contains("id") ? c["id"] : c;
      if (!name.is_string()) {
        return Status::Invalid(at + ".columns[" + std::to_string(i) + "]: must be a column name");
      }
      std::string column = ColumnName(name.get<std::string>());
      if (!IsViewColumn(column)) {
        return Status::Invalid(at + ".columns[" + std::to_string(i) + "]: unknown column \"" +
                               column.substr(0, 40) +
                               "\" (id, status, subject, requester, assignee, group, "
                               "organization, priority, type, created, updated, tags)");
      }
      if (std::find(columns.begin(), columns.end(), column) == columns.end()) {
        columns.push_back(column);
      }
    }
    v.columns = std::move(columns);
  }
  if (auto it = out.find("sort_by"); it != out.end() && !it->is_null()) {
    if (!it->is_string()) return Status::Invalid(at + ".sort_by: must be a column name");
    std::string by = ColumnName(it->get<std::string>());
    if (std::find(kSorts.begin(), kSorts.end(), by) == kSorts.end()) {
      return Status::Invalid(at + ".sort_by: \"" + by.substr(0, 40) +
                             "\" is not one of id, created, updated, status, subject, requester");
    }
    v.sort_by = by;
  }
  if (auto it = out.find("sort_order"); it != out.end() && !it->is_null()) {
    if (!it->is_string() || (*it != "asc" && *it != "desc")) {
      return Status::Invalid(at + ".sort_order: must be \"asc\" or \"desc\"");
    }
    v.ascending = *it == "asc";
  }
  if (auto it = out.find("group_by"); it != out.end() && !it->is_null() && *it != "") {
    return Status::Invalid(at + ".group_by: grouping a view is not supported; leave it out");
  }
  return Status::Ok();
}

json ColumnJson(const std::string& c) {
  static const std::map<std::string, std::string, std::less<>> kTitles = {
      {"id", "ID"},           {"status", "Status"},     {"subject", "Subject"},
      {"requester", "Requester"}, {"assignee", "Assignee"}, {"group", "Group"},
      {"organization", "Organization"}, {"priority", "Priority"}, {"type", "Type"},
      {"created", "Requested"}, {"updated", "Updated"},  {"tags", "Tags"}};
  auto it = kTitles.find(c);
  return {{"id", c}, {"title", it == kTitles.end() ? c : it->second}};
}

}  // namespace

bool IsViewColumn(std::string_view column) {
  return std::find(kColumns.begin(), kColumns.end(), column) != kColumns.end();
}

Result<View> ParseView(const json& input, const View* base) {
  const json* jp = &input;
  if (input.is_object() && input.size() == 1 && input.contains("view")) jp = &input["view"];
  const json& j = *jp;
  if (!j.is_object()) return Status::Invalid("a view must be a JSON object");

  View v = base ? *base : View{};
  if (auto it = j.find("title"); it != j.end()) {
    if (!it->is_string()) return Status::Invalid("title: must be a string, got " + JsonTypeName(*it));
    v.title = std::string(Trim(it->get<std::string>()));
    if (v.title.empty()) return Status::Invalid("title: must not be empty");
    if (v.title.size() > 255) return Status::Invalid("title: at most 255 bytes");
  } else if (!base) {
    return Status::Invalid("title: is required");
  }
  if (auto it = j.find("active"); it != j.end()) {
    if (!it->is_boolean()) return Status::Invalid("active: must be a boolean, got " + JsonTypeName(*it));
    v.active = it->get<bool>();
  }
  if (auto it = j.find("position"); it != j.end() && !it->is_null()) {
    if (!it->is_number_integer() && !it->is_number_unsigned()) {
      return Status::Invalid("position: must be an integer, got " + JsonTypeName(*it));
    }
    v.position = it->get<int64_t>();
  }
  if (auto it = j.find("description"); it != j.end()) {
    if (it->is_null()) {
      v.description.clear();
    } else if (it->is_string()) {
      v.description = it->get<std::string>();
    } else {
      return Status::Invalid("description: must be a string, got " + JsonTypeName(*it));
    }
  }
  if (auto it = j.find("restriction"); it != j.end()) {
    auto r = ParseRestriction(*it, "restriction");
    if (!r.ok()) return r.status();
    v.restriction = std::move(r).value();
  }
  bool conditions_given = false;
  if (auto it = j.find("conditions"); it != j.end()) {
    if (!it->is_object()) {
      return Status::Invalid("conditions: must be an object {all, any}, got " + JsonTypeName(*it));
    }
    for (const auto& [key, _] : it->items()) {
      if (key != "all" && key != "any") {
        return Status::Invalid("conditions: unknown key \"" + key + "\" (expected all, any)");
      }
    }
    conditions_given = true;
    if (Status s = ParseConditions(it->value("all", json()), "conditions.all", v.all); !s.ok()) return s;
    if (Status s = ParseConditions(it->value("any", json()), "conditions.any", v.any); !s.ok()) return s;
  }
  for (const char* key : {"all", "any"}) {
    if (auto it = j.find(key); it != j.end()) {
      conditions_given = true;
      auto& list = std::string_view(key) == "all" ? v.all : v.any;
      if (Status s = ParseConditions(*it, key, list); !s.ok()) return s;
    }
  }
  if (!base && !conditions_given) return Status::Invalid("conditions: are required");
  if (v.all.empty() && v.any.empty()) {
    return Status::Invalid("conditions: a view needs at least one condition");
  }
  // `output` (what a client sends) wins over `execution` (what it read back).
  for (const char* key : {"execution", "output"}) {
    if (auto it = j.find(key); it != j.end() && !it->is_null()) {
      if (Status s = ParseOutput(*it, v, key); !s.ok()) return s;
    }
  }
  if (auto it = j.find("default_key"); it != j.end() && it->is_string()) {
    v.default_key = it->get<std::string>();
  }
  return v;
}

json ViewToJson(const View& v) {
  json all = json::array();
  for (const Condition& c : v.all) all.push_back(ConditionToJson(c));
  json any = json::array();
  for (const Condition& c : v.any) any.push_back(ConditionToJson(c));
  json columns = json::array();
  for (const std::string& c : v.columns) columns.push_back(ColumnJson(c));
  return {{"title", v.title},
          {"raw_title", v.title},
          {"active", v.active},
          {"position", v.position},
          {"description", v.description.empty() ? json(nullptr) : json(v.description)},
          {"conditions", {{"all", std::move(all)}, {"any", std::move(any)}}},
          {"execution",
           {{"columns", std::move(columns)},
            {"sort_by", v.sort_by},
            {"sort_order", v.ascending ? "asc" : "desc"},
            {"group_by", nullptr}}},
          {"restriction", RestrictionToJson(v.restriction)},
          {"default_key", v.default_key.empty() ? json(nullptr) : json(v.default_key)}};
}

std::vector<View> StandardViews(std::string_view language) {
  const bool ja = language == "ja";
  // Lists are spelled json::array(...): a braced single json is a copy of it
  // for some compilers, not an array of one.
  auto make = [&](const char* key, const char* en, const char* jp, json all, int64_t position) {
    json j = {{"title", ja ? jp : en}, {"all", std::move(all)}, {"position", position},
              {"default_key", key}};
    auto v = ParseView(j);
    return std::move(v).value();  // our own JSON: always valid (tested)
  };
  auto cond = [](const char* field, const char* op, json value) {
    return json{{"field", field}, {"operator", op}, {"value", std::move(value)}};
  };
  std::vector<View> out;
  // The titles the workspace has always shown for these lists.
  out.push_back(make("my_open", "Your open tickets", "あなたの未解決チケット",
                     json::array({cond("status", "less_than", "solved"),
                                  cond("assignee_id", "is", "current_user")}),
                     0));
  out.push_back(make("unassigned", "Unassigned tickets", "未割り当てのチケット",
                     json::array({cond("status", "less_than", "solved"), cond("assignee_id", "is", "")}),
                     1));
  out.push_back(make("all_open", "All open tickets", "すべての未解決チケット",
                     json::array({cond("status", "less_than", "hold")}), 2));
  out.push_back(make("recently_solved", "Recently solved tickets", "最近解決済みになったチケット",
                     json::array({cond("status", "greater_than", "hold"),
                                  cond("updated_at", "less_than", "168")}),
                     3));
  out.push_back(make("delivery_failures", "Delivery failures", "配信エラー",
                     json::array({cond("delivery_failed", "is", "true")}), 4));
  return out;
}

}  // namespace postdesk::rules
