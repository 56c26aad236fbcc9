#include "tickets/ticket_fields.h"

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <set>

#include "common/clock.h"
#include "common/strings.h"
#include "tickets/updates.h"
#include "tickets/workflow.h"

namespace postdesk::tickets {

using nlohmann::json;

namespace {

// By FieldType, in its order.
constexpr std::array<std::string_view, 14> kTypeNames = {
    "subject", "description", "status",   "tickettype", "priority", "group",   "assignee",
    "text",    "textarea",    "tagger",   "checkbox",   "date",     "integer", "decimal"};
constexpr FieldType kSystemTypes[] = {FieldType::kSubject,    FieldType::kDescription,
                                      FieldType::kStatus,     FieldType::kTicketType,
                                      FieldType::kPriority,   FieldType::kGroup,
                                      FieldType::kAssignee};

constexpr size_t kMaxTitle = 255;
constexpr size_t kMaxDescription = 1000;
constexpr size_t kMaxOptions = 500;
constexpr size_t kMaxTag = 80;
constexpr size_t kMaxText = 10000;        // text: one line
constexpr size_t kMaxTextarea = 65536;    // textarea

std::string Quote(std::string_view s) {
  return "\"" + std::string(s.substr(0, 60)) + (s.size() > 60 ? "...\"" : "\"");
}

const char* SystemTitle(FieldType type, bool japanese) {
  switch (type) {
    case FieldType::kSubject:
      return japanese ? "件名" : "Subject";
    case FieldType::kDescription:
      return japanese ? "説明" : "Description";
    case FieldType::kStatus:
      return japanese ? "ステータス" : "Status";
    case FieldType::kTicketType:
      return japanese ? "タイプ" : "Type";
    case FieldType::kPriority:
      return japanese ? "優先度" : "Priority";
    case FieldType::kGroup:
      return japanese ? "グループ" : "Group";
    default:
      return japanese ? "担当者" : "Assignee";
  }
}

// A tag: lower case, no spaces (Zendesk turns option values into tags).
Result<std::string> TagText(const json& v, const std::string& where) {
  if (!v.is_string()) return Status::Invalid(where + ": must be a string, got " + rules::JsonTypeName(v));
  std::string tag = ToLower(Trim(v.get<std::string>()));
  if (tag.empty()) return Status::Invalid(where + ": must not be empty");
  if (tag.size() > kMaxTag) {
    return Status::Invalid(where + ": at most " + std::to_string(kMaxTag) + " bytes");
  }
  if (std::any_of(tag.begin(), tag.end(), [](char c) {
        return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == ',';
      })) {
    return Status::Invalid(where + ": " + Quote(tag) + " is a tag: no spaces or commas");
  }
  return tag;
}

Result<std::string> TextOf(const json& j, std::string_view key, size_t max, bool required) {
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) {
    if (required) return Status::Invalid(std::string(key) + ": is required");
    return std::string();
  }
  if (!it->is_string()) {
    return Status::Invalid(std::string(key) + ": must be a string, got " + rules::JsonTypeName(*it));
  }
  std::string text(Trim(it->get<std::string>()));
  if (required && text.empty()) return Status::Invalid(std::string(key) + ": must not be empty");
  if (text.size() > max) {
    return Status::Invalid(std::string(key) + ": at most " + std::to_string(max) + " bytes");
  }
  return text;
}

Status ParseOptions(const json& list, TicketField& f) {
  if (!list.is_array()) {
    return Status::Invalid("custom_field_options: must be an array of {name, value}, got " +
                           rules::JsonTypeName(list));
  }
  if (list.empty()) return Status::Invalid("custom_field_options: a dropdown needs at least one option");
  if (list.size() > kMaxOptions) {
    return Status::Invalid("custom_field_options: at most " + std::to_string(kMaxOptions) +
                           " options");
  }
  std::vector<FieldOption> options;
  std::set<std::string> values;
  std::set<int64_t> ids;
  for (size_t i = 0; i < list.size(); ++i) {
    const std::string at = "custom_field_options[" + std::to_string(i) + "]";
    const json& o = list[i];
    if (!o.is_object()) {
      return Status::Invalid(at + ": must be an object {name, value}, got " + rules::JsonTypeName(o));
    }
    FieldOption option;
    auto name = o.find("name");
    if (name == o.end() || !name->is_string() || Trim(name->get<std::string>()).empty()) {
      return Status::Invalid(at + ".name: must be a non-empty string");
    }
    option.name = std::string(Trim(name->get<std::string>()));
    if (option.name.size() > kMaxTitle) {
      return Status::Invalid(at + ".name: at most " + std::to_string(kMaxTitle) + " bytes");
    }
    auto value = o.find("value");
    if (value == o.end()) return Status::Invalid(at + ".value: is required (the option's tag)");
    auto tag = TagText(*value, at + ".value");
    if (!tag.ok()) return tag.status();
    option.value = std::move(tag).value();
    if (!values.insert(option.value).second) {
      return Status::Invalid(at + ".value: " + Quote(option.value) + " is used by another option");
    }
    if (auto d = o.find("default"); d != o.end() && !d->is_null()) {
      if (!d->is_boolean()) return Status::Invalid(at + ".default: must be a boolean");
      option.is_default = d->get<bool>();
    }
    if (auto id = o.find("id"); id != o.end() && !id->is_null()) {
      if (!id->is_number_integer() || id->get<int64_t>() <= 0) {
        return Status::Invalid(at + ".id: must be a positive integer");
      }
      // Only an id the field already has is kept, once: a client cannot pick ids.
      for (const FieldOption& known : f.options) {
        if (known.id == id->get<int64_t>()) option.id = known.id;
      }
      if (option.id != 0 && !ids.insert(option.id).second) {
        return Status::Invalid(at + ".id: " + std::to_string(option.id) + " is given to another option");
      }
    }
    options.push_back(std::move(option));
  }
  if (std::count_if(options.begin(), options.end(), [](const FieldOption& o) { return o.is_default; }) > 1) {
    return Status::Invalid("custom_field_options: at most one option is the default");
  }
  f.options = std::move(options);
  return Status::Ok();
}

// YYYY-MM-DD, digits only, a day the month has.
bool ValidDate(std::string_view s) {
  if (s.size() != 10 || s[4] != '-' || s[7] != '-') return false;
  for (size_t i : {0, 1, 2, 3, 5, 6, 8, 9}) {
    if (s[i] < '0' || s[i] > '9') return false;
  }
  auto number = [&](size_t at, size_t len) {
    int n = 0;
    for (size_t i = at; i < at + len; ++i) n = n * 10 + (s[i] - '0');
    return n;
  };
  const int y = number(0, 4), m = number(5, 2), d = number(8, 2);
  if (y < 1 || m < 1 || m > 12 || d < 1) return false;
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  const bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
  return d <= kDays[m - 1] + (m == 2 && leap ? 1 : 0);
}

// One text per number ("1.50", "1.5" and 1.5 are "1.5"; 100.0 is "100"),
// so that "is" compares numbers, in triggers and in views' SQL alike.
std::string CanonicalDecimal(double d) {
  char buf[64];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, d);
  return ec == std::errc() ? std::string(buf, end) : std::to_string(d);
}

bool IsNumberType(FieldType type) { return type == FieldType::kInteger || type == FieldType::kDecimal; }

// Which condition operators a custom field's type takes.
bool OperatorSuits(FieldType type, rules::Operator op) {
  using Op = rules::Operator;
  switch (op) {
    case Op::kLessThan:
    case Op::kGreaterThan:
      return IsNumberType(type) || type == FieldType::kDate;
    case Op::kPresent:
    case Op::kNotPresent:
      return type != FieldType::kCheckbox;
    case Op::kIncludes:
    case Op::kNotIncludes:
      return false;
    default:  // is, is_not and the change operators
      return true;
  }
}

const char* OperatorsOf(FieldType type) {
  if (type == FieldType::kCheckbox) return "is, is_not or a change operator";
  if (IsNumberType(type) || type == FieldType::kDate) {
    return "is, is_not, less_than, greater_than, present, not_present or a change operator";
  }
  return "is, is_not, present, not_present or a change operator";
}

Status CheckCondition(const std::vector<TicketField>& fields, rules::Condition& c,
                      const std::string& at) {
  if (c.field != rules::ConditionField::kCustomField) return Status::Ok();
  const TicketField* f = FindCustomField(fields, c.field_id);
  if (!f) return Status::Invalid(at + ": there is no custom ticket field " + std::to_string(c.field_id));
  if (!OperatorSuits(f->type, c.op)) {
    return Status::Invalid(at + ": operator \"" + std::string(rules::OperatorName(c.op)) +
                           "\" does not suit the " + std::string(FieldTypeName(f->type)) + " field " + Quote(f->title) +
                           " (expected " + OperatorsOf(f->type) + ")");
  }
  if (c.null_value) return Status::Ok();
  json given = c.boolean_value ? json(c.value == "true") : json(c.value);
  auto text = FieldValueText(*f, given, at);
  if (!text.ok()) return text.status();
  if (text->empty() && (c.op == rules::Operator::kLessThan || c.op == rules::Operator::kGreaterThan)) {
    return Status::Invalid(at + ": operator \"" + std::string(rules::OperatorName(c.op)) +
                           "\" needs a value to compare with");
  }
  if (f->type == FieldType::kCheckbox) {
    c.boolean_value = true;
    c.value = *text == "true" ? "true" : "false";
  } else {
    c.value = *text;
  }
  c.words = {*text};
  return Status::Ok();
}

}  // namespace

std::string_view FieldTypeName(FieldType type) { return kTypeNames[static_cast<size_t>(type)]; }

std::optional<FieldType> ParseFieldType(std::string_view name) {
  if (name == "dropdown") return FieldType::kTagger;
  for (size_t i = 0; i < kTypeNames.size(); ++i) {
    if (kTypeNames[i] == name) return static_cast<FieldType>(i);
  }
  return std::nullopt;
}

bool IsCustomFieldType(FieldType type) { return type >= FieldType::kText; }

bool TicketField::IsSystem() const { return !IsCustomFieldType(type); }

Result<TicketField> ParseTicketField(const json& input, const TicketField* base) {
  const json* jp = &input;
  if (input.is_object() && input.size() == 1 && input.contains("ticket_field")) {
    jp = &input["ticket_field"];
  }
  const json& j = *jp;
  if (!j.is_object()) return Status::Invalid("a ticket field must be a JSON object");
  TicketField f = base ? *base : TicketField{};
  const bool system = base && base->IsSystem();

  if (auto it = j.find("type"); it != j.end()) {
    if (!it->is_string()) return Status::Invalid("type: must be a string, got " + rules::JsonTypeName(*it));
    const std::string name = ToLower(it->get<std::string>());
    std::optional<FieldType> type = ParseFieldType(name);
    if (base && type != base->type) return Status::Invalid("type: a field's type cannot change");
    if (!base && (!type || !IsCustomFieldType(*type))) {
      return Status::Invalid("type: " + Quote(name) +
                             " is not one of text, textarea, tagger (dropdown), checkbox, date, "
                             "integer, decimal");
    }
    f.type = *type;
  } else if (!base) {
    return Status::Invalid("type: is required");
  }
  if (j.contains("title")) {
    auto title = TextOf(j, "title", kMaxTitle, true);
    if (!title.ok()) return title.status();
    f.title = *title;
  } else if (!base) {
    return Status::Invalid("title: is required");
  }
  if (j.contains("description")) {
    auto d = TextOf(j, "description", kMaxDescription, false);
    if (!d.ok()) return d.status();
    f.description = *d;
  }
  if (auto it = j.find("position"); it != j.end() && !it->is_null()) {
    if (!it->is_number_integer()) return Status::Invalid("position: must be an integer");
    f.position = it->get<int64_t>();
  }
  for (const char* key : {"active", "required"}) {
    auto it = j.find(key);
    if (it == j.end() || it->is_null()) continue;
    if (!it->is_boolean()) {
      return Status::Invalid(std::string(key) + ": must be a boolean, got " + rules::JsonTypeName(*it));
    }
    if (system && it->get<bool>() != (std::string_view(key) == "active" ? f.active : f.required)) {
      return Status::Invalid(std::string(key) + ": a system field's " + key + " cannot change");
    }
    (std::string_view(key) == "active" ? f.active : f.required) = it->get<bool>();
  }
  if (f.type == FieldType::kCheckbox && f.required) {
    return Status::Invalid("required: a checkbox cannot be required (unchecked is an answer)");
  }
  if (auto it = j.find("tag"); it != j.end() && !it->is_null()) {
    if (f.type != FieldType::kCheckbox) return Status::Invalid("tag: only a checkbox has a tag");
    if (it->is_string() && Trim(it->get<std::string>()).empty()) {
      f.tag.clear();
    } else {
      auto tag = TagText(*it, "tag");
      if (!tag.ok()) return tag.status();
      f.tag = *tag;
    }
  }
  auto options = j.find("custom_field_options");
  if (options != j.end() && !options->is_null()) {
    if (f.type != FieldType::kTagger) return Status::Invalid("custom_field_options: only a dropdown (tagger) has options");
    if (Status s = ParseOptions(*options, f); !s.ok()) return s;
  } else if (f.type == FieldType::kTagger && f.options.empty()) {
    return Status::Invalid("custom_field_options: a dropdown needs at least one option");
  }
  return f;
}

json TicketFieldToJson(const TicketField& f, std::string_view base_url) {
  json j;
  j["id"] = f.id;
  j["url"] = std::string(base_url) + "/api/v2/ticket_fields/" + std::to_string(f.id) + ".json";
  j["type"] = std::string(FieldTypeName(f.type));
  j["title"] = f.title;
  j["raw_title"] = f.title;
  j["description"] = f.description;
  j["raw_description"] = f.description;
  j["position"] = f.position;
  j["active"] = f.active;
  j["required"] = f.required;
  j["removable"] = !f.IsSystem();
  j["tag"] = f.tag.empty() ? json(nullptr) : json(f.tag);
  j["created_at"] = f.created_at ? json(FormatIsoTime(f.created_at)) : json(nullptr);
  j["updated_at"] = f.updated_at ? json(FormatIsoTime(f.updated_at)) : json(nullptr);
  if (f.type == FieldType::kTagger) {
    json options = json::array();
    for (const FieldOption& o : f.options) {
      options.push_back({{"id", o.id},
                         {"name", o.name},
                         {"raw_name", o.name},
                         {"value", o.value},
                         {"default", o.is_default}});
    }
    j["custom_field_options"] = std::move(options);
  }
  return j;
}

store::RuleRow FieldToRow(const TicketField& f) {
  store::RuleRow row;
  row.id = f.id;
  row.title = f.title;
  row.active = f.active;
  row.position = f.position;
  if (f.IsSystem()) row.default_key = std::string(FieldTypeName(f.type));
  json j = TicketFieldToJson(f, "");
  for (const char* key : {"url", "raw_title", "raw_description", "removable", "created_at", "updated_at"}) {
    j.erase(key);
  }
  row.definition_json = j.dump();
  return row;
}

Result<TicketField> FieldFromRow(const store::RuleRow& row) {
  json j = json::parse(row.definition_json, nullptr, false);
  if (j.is_discarded() || !j.is_object()) {
    return Status::Permanent("ticket field " + std::to_string(row.id) + ": bad JSON");
  }
  TicketField f;
  f.id = row.id;
  f.title = row.title;
  f.active = row.active;
  f.position = row.position;
  f.created_at = row.created_at;
  f.updated_at = row.updated_at;
  // Read leniently: a row is ours, but a wrong type must not make every ticket read fail.
  auto text = [](const json& o, const char* key) {
    auto it = o.find(key);
    return it != o.end() && it->is_string() ? it->get<std::string>() : std::string();
  };
  auto flag = [](const json& o, const char* key) {
    auto it = o.find(key);
    return it != o.end() && it->is_boolean() && it->get<bool>();
  };
  std::optional<FieldType> type = ParseFieldType(text(j, "type"));
  if (!type) return Status::Permanent("ticket field " + std::to_string(row.id) + ": unknown type");
  f.type = *type;
  f.description = text(j, "description");
  f.required = flag(j, "required");
  f.tag = text(j, "tag");
  if (auto it = j.find("custom_field_options"); it != j.end() && it->is_array()) {
    for (const json& o : *it) {
      if (!o.is_object()) continue;
      auto id = o.find("id");
      f.options.push_back({id != o.end() && id->is_number_integer() ? id->get<int64_t>() : 0,
                           text(o, "name"), text(o, "value"), flag(o, "default")});
    }
  }
  return f;
}

Result<std::vector<TicketField>> ListTicketFields(store::Tx& tx) {
  auto rows = tx.ListRules(store::RuleTable::kTicketFields);
  if (!rows.ok()) return rows.status();
  std::vector<TicketField> out;
  for (const store::RuleRow& row : *rows) {
    auto f = FieldFromRow(row);
    if (f.ok()) out.push_back(std::move(f).value());
  }
  return out;
}

const TicketField* FindCustomField(const std::vector<TicketField>& fields, int64_t id) {
  for (const TicketField& f : fields) {
    if (f.id == id && !f.IsSystem()) return &f;
  }
  return nullptr;
}

Result<TicketField> UpsertOption(const TicketField& field, const json& option, size_t& index,
                                 bool& replaced) {
  if (field.type != FieldType::kTagger) {
    return Status::Invalid(Quote(field.title) + " is not a dropdown: it has no options");
  }
  if (!option.is_object()) return Status::Invalid("custom_field_option: must be an object {name, value}");
  json options = TicketFieldToJson(field, "")["custom_field_options"];
  const auto given = option.find("id");
  replaced = false;
  if (given != option.end() && !given->is_null()) {
    for (size_t i = 0; i < options.size(); ++i) {
      if (options[i]["id"] != *given) continue;
      for (const char* key : {"name", "value", "default"}) {
        if (option.contains(key)) options[i][key] = option[key];
      }
      replaced = true;
      index = i;
    }
    if (!replaced) return Status::NotFound("option " + given->dump() + " of " + Quote(field.title));
  } else {
    options.push_back(option);
    index = options.size() - 1;
  }
  return ParseTicketField(json{{"custom_field_options", options}}, &field);
}

Status AssignOptionIds(store::Tx& tx, TicketField& field) {
  auto fields = ListTicketFields(tx);
  if (!fields.ok()) return fields.status();
  int64_t next = 1;
  for (const TicketField& f : *fields) {
    for (const FieldOption& o : f.options) next = std::max(next, o.id + 1);
  }
  for (const FieldOption& o : field.options) next = std::max(next, o.id + 1);
  for (FieldOption& o : field.options) {
    if (o.id == 0) o.id = next++;
  }
  return Status::Ok();
}

Status SeedSystemTicketFields(store::Tx& tx, int64_t now, std::string_view language) {
  const bool japanese = language == "ja";
  int64_t position = 0;
  for (FieldType type : kSystemTypes) {
    ++position;
    auto found = tx.FindRuleByDefaultKey(store::RuleTable::kTicketFields, FieldTypeName(type));
    if (found.ok()) continue;
    if (found.status().kind() != ErrorKind::kNotFound) return found.status();
    TicketField f;
    f.type = type;
    f.title = SystemTitle(type, japanese);
    f.position = position;
    store::RuleRow row = FieldToRow(f);
    row.created_at = row.updated_at = now;
    auto made = tx.CreateRule(store::RuleTable::kTicketFields, row);
    if (!made.ok()) return made.status();
  }
  return Status::Ok();
}

Result<std::string> FieldValueText(const TicketField& f, const json& v, std::string_view where) {
  const std::string at = std::string(where) + ": ";
  const std::string field = " for the " + std::string(FieldTypeName(f.type)) + " field " + Quote(f.title);
  if (v.is_null()) return std::string();
  if (f.type == FieldType::kCheckbox) {
    if (v.is_boolean()) return std::string(v.get<bool>() ? "true" : "");
    if (v.is_string() && (v == "true" || v == "false" || v == "")) {
      return std::string(v == "true" ? "true" : "");
    }
    return Status::Invalid(at + "expected true or false" + field + ", got " +
                           (v.is_string() ? Quote(v.get<std::string>()) : rules::JsonTypeName(v)));
  }
  if (IsNumberType(f.type) && (v.is_number() && !v.is_boolean())) {
    if (f.type == FieldType::kInteger && !v.is_number_integer()) {
      return Status::Invalid(at + "expected a whole number" + field + ", got " + v.dump());
    }
    if (f.type == FieldType::kDecimal) return CanonicalDecimal(v.get<double>());
    return v.dump();
  }
  if (!v.is_string()) {
    return Status::Invalid(at + "expected a string" + field + ", got " + rules::JsonTypeName(v));
  }
  std::string text(Trim(v.get<std::string>()));
  if (text.empty()) return text;
  if (f.type == FieldType::kText || f.type == FieldType::kTextarea) {
    text = v.get<std::string>();  // spaces are the agent's
    const size_t max = f.type == FieldType::kText ? kMaxText : kMaxTextarea;
    if (text.size() > max) {
      return Status::Invalid(at + "at most " + std::to_string(max) + " bytes" + field);
    }
    if (f.type == FieldType::kText && text.find_first_of("\r\n") != std::string::npos) {
      return Status::Invalid(at + "one line" + field + " (a textarea field takes several)");
    }
    return text;
  }
  if (f.type == FieldType::kDate) {
    if (!ValidDate(text)) {
      return Status::Invalid(at + Quote(text) + " is not a date like 2026-12-31" + field);
    }
    return text;
  }
  if (f.type == FieldType::kInteger) {
    int64_t n = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
    if (ec != std::errc() || end != text.data() + text.size()) {
      return Status::Invalid(at + Quote(text) + " is not a whole number" + field);
    }
    return std::to_string(n);
  }
  if (f.type == FieldType::kDecimal) {
    double d = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), d);
    if (ec != std::errc() || end != text.data() + text.size() || !std::isfinite(d)) {
      return Status::Invalid(at + Quote(text) + " is not a number" + field);
    }
    return CanonicalDecimal(d);
  }
  if (f.type == FieldType::kTagger) {
    const std::string wanted = ToLower(text);
    for (const FieldOption& o : f.options) {
      if (o.value == wanted) return o.value;
    }
    std::string known;
    for (size_t i = 0; i < f.options.size() && i < 10; ++i) {
      known += (i ? ", " : "") + f.options[i].value;
    }
    return Status::Invalid(at + Quote(text) + " is not an option" + field + " (options: " + known +
                           (f.options.size() > 10 ? ", ..." : "") + ")");
  }
  return Status::Invalid(at + "field " + Quote(f.title) + " takes no value on a ticket");
}

json FieldValueJson(const TicketField& f, const std::string& text) {
  if (f.type == FieldType::kCheckbox) return text == "true";
  return text.empty() ? json(nullptr) : json(text);
}

json CustomFieldsJson(const std::vector<TicketField>& fields, const store::Ticket& ticket) {
  json out = json::array();
  for (const TicketField& f : fields) {
    if (f.IsSystem()) continue;
    auto it = ticket.field_values.find(f.id);
    out.push_back({{"id", f.id},
                   {"value", FieldValueJson(f, it == ticket.field_values.end() ? "" : it->second)}});
  }
  return out;
}

Status ApplyCustomFields(const json& list, const std::vector<TicketField>& fields,
                         store::Ticket& ticket) {
  std::vector<std::pair<json, const json*>> items;  // (id, value)
  if (list.is_array()) {
    for (size_t i = 0; i < list.size(); ++i) {
      const json& item = list[i];
      const std::string at = "custom_fields[" + std::to_string(i) + "]";
      if (!item.is_object() || !item.contains("id")) {
        return Status::Invalid(at + ": must be an object {id, value}");
      }
      items.emplace_back(item["id"], item.contains("value") ? &item["value"] : nullptr);
    }
  } else if (list.is_object()) {
    for (const auto& [key, value] : list.items()) items.emplace_back(json(key), &value);
  } else {
    return Status::Invalid("custom_fields: must be an array of {id, value}, got " +
                           rules::JsonTypeName(list));
  }
  const std::map<int64_t, std::string> before = ticket.field_values;
  for (size_t i = 0; i < items.size(); ++i) {
    const auto& [id_json, value] = items[i];
    const std::string at = "custom_fields[" + std::to_string(i) + "]";
    int64_t id = 0;
    if (id_json.is_number_integer()) {
      id = id_json.get<int64_t>();
    } else if (id_json.is_string()) {
      const std::string& s = id_json.get_ref<const std::string&>();
      auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), id);
      if (ec != std::errc() || end != s.data() + s.size()) id = 0;
    }
    const TicketField* f = id > 0 ? FindCustomField(fields, id) : nullptr;
    if (!f) {
      return Status::Invalid(at + ".id: " + (id > 0 ? "there is no custom ticket field " + std::to_string(id)
                                                     : std::string("must be a custom field's id")));
    }
    auto text = FieldValueText(*f, value ? *value : json(nullptr), at + ".value");
    if (!text.ok()) return text.status();
    if (text->empty()) {
      ticket.field_values.erase(id);
    } else {
      ticket.field_values[id] = *text;
    }
  }
  SyncFieldTags(fields, before, ticket.field_values, ticket.tags);
  return Status::Ok();
}

void SyncFieldTags(const std::vector<TicketField>& fields,
                   const std::map<int64_t, std::string>& before,
                   const std::map<int64_t, std::string>& after, std::vector<std::string>& tags) {
  auto value_in = [](const std::map<int64_t, std::string>& m, int64_t id) {
    auto it = m.find(id);
    return it == m.end() ? std::string() : it->second;
  };
  auto tag_of = [](const TicketField& f, const std::string& value) -> std::string {
    if (f.type == FieldType::kCheckbox) return value == "true" ? f.tag : "";
    if (f.type == FieldType::kTagger) return value;  // an option's value is its tag
    return "";
  };
  for (const TicketField& f : fields) {
    if (f.type != FieldType::kCheckbox && f.type != FieldType::kTagger) continue;
    const std::string old_value = value_in(before, f.id), new_value = value_in(after, f.id);
    if (old_value == new_value) continue;
    const std::string old_tag = tag_of(f, old_value), new_tag = tag_of(f, new_value);
    if (!old_tag.empty()) std::erase(tags, old_tag);
    if (!new_tag.empty() && std::find(tags.begin(), tags.end(), new_tag) == tags.end()) {
      tags.push_back(new_tag);
    }
  }
}

Status CheckRuleFields(const std::vector<TicketField>& fields, std::vector<rules::Condition>& all,
                       std::vector<rules::Condition>& any, std::vector<rules::Action>& actions) {
  for (size_t i = 0; i < all.size(); ++i) {
    if (Status s = CheckCondition(fields, all[i], "conditions.all[" + std::to_string(i) + "]"); !s.ok()) {
      return s;
    }
  }
  for (size_t i = 0; i < any.size(); ++i) {
    if (Status s = CheckCondition(fields, any[i], "conditions.any[" + std::to_string(i) + "]"); !s.ok()) {
      return s;
    }
  }
  for (size_t i = 0; i < actions.size(); ++i) {
    rules::Action& a = actions[i];
    if (a.field != rules::ActionField::kCustomField) continue;
    const std::string at = "actions[" + std::to_string(i) + "]";
    const TicketField* f = FindCustomField(fields, a.field_id);
    if (!f) return Status::Invalid(at + ": there is no custom ticket field " + std::to_string(a.field_id));
    auto text = FieldValueText(*f, a.value.empty() ? json(nullptr) : json(a.value[0]), at);
    if (!text.ok()) return text.status();
    a.value = {*text};
  }
  return Status::Ok();
}

Status CheckRuleFields(store::Tx& tx, std::vector<rules::Condition>& all,
                       std::vector<rules::Condition>& any, std::vector<rules::Action>& actions) {
  const auto names_custom_field = [](const auto& list) {
    return std::any_of(list.begin(), list.end(), [](const auto& x) { return x.field_id != 0; });
  };
  if (!names_custom_field(all) && !names_custom_field(any) && !names_custom_field(actions)) {
    return Status::Ok();
  }
  auto fields = ListTicketFields(tx);
  if (!fields.ok()) return fields.status();
  return CheckRuleFields(*fields, all, any, actions);
}

Result<std::vector<std::string>> RulesNaming(store::Tx& tx, int64_t field_id,
                                             std::string_view value) {
  auto names = [&](const std::vector<rules::Condition>& all, const std::vector<rules::Condition>& any,
                   const std::vector<rules::Action>& actions) {
    auto condition = [&](const rules::Condition& c) {
      return c.field == rules::ConditionField::kCustomField && c.field_id == field_id &&
             (value.empty() || (!c.words.empty() && c.words[0] == value));
    };
    return std::any_of(all.begin(), all.end(), condition) ||
           std::any_of(any.begin(), any.end(), condition) ||
           std::any_of(actions.begin(), actions.end(), [&](const rules::Action& a) {
             return a.field == rules::ActionField::kCustomField && a.field_id == field_id &&
                    (value.empty() || (!a.value.empty() && a.value[0] == value));
           });
  };
  std::vector<std::string> out;
  auto triggers = tx.ListTriggers();
  if (!triggers.ok()) return triggers.status();
  for (const auto& row : *triggers) {
    auto t = TriggerFromRow(row);
    if (t.ok() && names(t->all, t->any, t->actions)) out.push_back("trigger \"" + t->title + "\"");
  }
  const std::vector<rules::Condition> none;
  for (store::RuleTable table : {store::RuleTable::kMacros, store::RuleTable::kViews}) {
    auto rows = tx.ListRules(table);
    if (!rows.ok()) return rows.status();
    for (const auto& row : *rows) {
      if (table == store::RuleTable::kMacros) {
        auto m = MacroFromRow(row);
        if (m.ok() && names(none, none, m->actions)) out.push_back("macro \"" + m->title + "\"");
      } else {
        auto v = ViewFromRow(row);
        if (v.ok() && names(v->all, v->any, {})) out.push_back("view \"" + v->title + "\"");
      }
    }
  }
  return out;
}

std::vector<std::string> MissingRequiredFields(const std::vector<TicketField>& fields,
                                               const store::Ticket& ticket) {
  std::vector<std::string> missing;
  for (const TicketField& f : fields) {
    if (f.IsSystem() || !f.active || !f.required || f.type == FieldType::kCheckbox) continue;
    auto it = ticket.field_values.find(f.id);
    if (it == ticket.field_values.end() || it->second.empty()) missing.push_back(f.title);
  }
  return missing;
}

}  // namespace postdesk::tickets
