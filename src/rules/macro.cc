#include "rules/macro.h"

#include <algorithm>

#include "common/strings.h"
#include "rules/placeholders.h"

namespace postdesk::rules {

using nlohmann::json;

namespace {

Result<int64_t> PositiveId(const json& v, std::string_view where) {
  if (v.is_number_integer() || v.is_number_unsigned()) {
    int64_t id = v.get<int64_t>();
    if (id > 0) return id;
  } else if (v.is_string()) {
    std::string_view s = v.get_ref<const std::string&>();
    int64_t id = 0;
    bool digits = !s.empty() && s.size() < 19 &&
                  std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
    if (digits) id = std::stoll(std::string(s));
    if (id > 0) return id;
  }
  return Status::Invalid(std::string(where) + ": must be a positive id, got " +
                         (v.is_string() ? "\"" + v.get<std::string>().substr(0, 40) + "\""
                                        : JsonTypeName(v)));
}

}  // namespace

bool Restriction::Allows(int64_t user, const std::vector<int64_t>& groups) const {
  switch (kind) {
    case Kind::kEveryone:
      return true;
    case Kind::kUser:
      return user == user_id;
    case Kind::kGroups:
      return std::any_of(group_ids.begin(), group_ids.end(), [&](int64_t g) {
        return std::find(groups.begin(), groups.end(), g) != groups.end();
      });
  }
  return false;
}

Result<Restriction> ParseRestriction(const json& j, std::string_view where) {
  const std::string at(where);
  Restriction r;
  if (j.is_null()) return r;
  if (!j.is_object()) {
    return Status::Invalid(at + ": must be null or an object {type, id}, got " + JsonTypeName(j));
  }
  auto type = j.find("type");
  if (type == j.end() || !type->is_string()) {
    return Status::Invalid(at + ".type: must be \"User\" or \"Group\"");
  }
  const std::string kind = type->get<std::string>();
  if (kind == "User") {
    if (!j.contains("id")) return Status::Invalid(at + ".id: is required for a User restriction");
    auto id = PositiveId(j["id"], at + ".id");
    if (!id.ok()) return id.status();
    r.kind = Restriction::Kind::kUser;
    r.user_id = *id;
    return r;
  }
  if (kind != "Group") {
    return Status::Invalid(at + ".type: must be \"User\" or \"Group\", got \"" +
                           kind.substr(0, 40) + "\"");
  }
  r.kind = Restriction::Kind::kGroups;
  if (auto ids = j.find("ids"); ids != j.end() && !ids->is_null()) {
    if (!ids->is_array()) return Status::Invalid(at + ".ids: must be an array of group ids");
    for (size_t i = 0; i < ids->size(); ++i) {
      auto id = PositiveId((*ids)[i], at + ".ids[" + std::to_string(i) + "]");
      if (!id.ok()) return id.status();
      if (std::find(r.group_ids.begin(), r.group_ids.end(), *id) == r.group_ids.end()) {
        r.group_ids.push_back(*id);
      }
    }
  } else if (j.contains("id")) {
    auto id = PositiveId(j["id"], at + ".id");
    if (!id.ok()) return id.status();
    r.group_ids.push_back(*id);
  }
  if (r.group_ids.empty()) return Status::Invalid(at + ".ids: a Group restriction names a group");
  return r;
}

json RestrictionToJson(const Restriction& r) {
  switch (r.kind) {
    case Restriction::Kind::kEveryone:
      return nullptr;
    case Restriction::Kind::kUser:
      return {{"type", "User"}, {"id", r.user_id}};
    case Restriction::Kind::kGroups:
      return {{"type", "Group"}, {"id", r.group_ids.front()}, {"ids", r.group_ids}};
  }
  return nullptr;
}

Result<Macro> ParseMacro(const json& input, const Macro* base) {
  const json* jp = &input;
  if (input.is_object() && input.size() == 1 && input.contains("macro")) jp = &input["macro"];
  const json& j = *jp;
  if (!j.is_object()) return Status::Invalid("a macro must be a JSON object");

  Macro m = base ? *base : Macro{};
  if (auto it = j.find("title"); it != j.end()) {
    if (!it->is_string()) return Status::Invalid("title: must be a string, got " + JsonTypeName(*it));
    m.title = std::string(Trim(it->get<std::string>()));
    if (m.title.empty()) return Status::Invalid("title: must not be empty");
    if (m.title.size() > 255) return Status::Invalid("title: at most 255 bytes");
  } else if (!base) {
    return Status::Invalid("title: is required");
  }
  if (auto it = j.find("active"); it != j.end()) {
    if (!it->is_boolean()) return Status::Invalid("active: must be a boolean, got " + JsonTypeName(*it));
    m.active = it->get<bool>();
  }
  if (auto it = j.find("position"); it != j.end() && !it->is_null()) {
    if (!it->is_number_integer() && !it->is_number_unsigned()) {
      return Status::Invalid("position: must be an integer, got " + JsonTypeName(*it));
    }
    m.position = it->get<int64_t>();
  }
  if (auto it = j.find("description"); it != j.end()) {
    if (it->is_null()) {
      m.description.clear();
    } else if (it->is_string()) {
      m.description = it->get<std::string>();
    } else {
      return Status::Invalid("description: must be a string, got " + JsonTypeName(*it));
    }
  }
  if (auto it = j.find("restriction"); it != j.end()) {
    auto r = ParseRestriction(*it, "restriction");
    if (!r.ok()) return r.status();
    m.restriction = std::move(r).value();
  }
  if (auto it = j.find("actions"); it != j.end()) {
    if (!it->is_array()) return Status::Invalid("actions: must be an array, got " + JsonTypeName(*it));
    m.actions.clear();
    for (size_t i = 0; i < it->size(); ++i) {
      const std::string at = "actions[" + std::to_string(i) + "]";
      Result<Action> a = ParseAction((*it)[i], at);
      if (!a.ok()) return a.status();
      if (a->field == ActionField::kNotificationUser || a->field == ActionField::kNotificationGroup) {
        return Status::Invalid(at + ": action \"" + ActionKey(*a) +
                               "\" belongs to triggers; a macro cannot send email itself");
      }
      for (const Action& earlier : m.actions) {
        if (earlier.field == a->field && earlier.field_id == a->field_id) {
          return Status::Invalid(at + ": action \"" + ActionKey(*a) +
                                 "\" appears twice");
        }
      }
      m.actions.push_back(std::move(a).value());
    }
  } else if (!base) {
    return Status::Invalid("actions: are required");
  }
  if (m.actions.empty()) return Status::Invalid("actions: a macro needs at least one action");
  return m;
}

json MacroToJson(const Macro& m) {
  json actions = json::array();
  for (const Action& a : m.actions) actions.push_back(ActionToJson(a));
  return {{"title", m.title},
          {"raw_title", m.title},
          {"active", m.active},
          {"position", m.position},
          {"description", m.description.empty() ? json(nullptr) : json(m.description)},
          {"actions", std::move(actions)},
          {"restriction", RestrictionToJson(m.restriction)}};
}

std::vector<std::string> UnknownMacroPlaceholders(const Macro& m) {
  std::vector<std::string> out;
  for (size_t i = 0; i < m.actions.size(); ++i) {
    const Action& a = m.actions[i];
    if (a.field != ActionField::kCommentValue && a.field != ActionField::kCommentValueHtml &&
        a.field != ActionField::kSubject) {
      continue;
    }
    for (const std::string& name : ValidateTemplate(a.value[0])) {
      out.push_back("actions[" + std::to_string(i) + "]: " + name);
    }
  }
  return out;
}

MacroResult ApplyMacro(const Macro& m, TicketUpdate& update) {
  MacroResult result;
  const Action* text = nullptr;
  const Action* html = nullptr;
  const Action* mode = nullptr;
  const Action* subject = nullptr;
  for (const Action& a : m.actions) {
    switch (a.field) {
      case ActionField::kCommentValue:
        text = &a;
        break;
      case ActionField::kCommentValueHtml:
        html = &a;
        break;
      case ActionField::kCommentModeIsPublic:
        mode = &a;
        break;
      case ActionField::kSubject:
        subject = &a;
        break;
      default: {
        std::string refusal;
        auto change = ApplyTicketAction(a, update.after, update.current_user, &refusal);
        if (!refusal.empty()) {
          result.warnings.push_back(ActionKey(a) + ": " + refusal);
        }
        if (change) result.changes.push_back(std::move(change).value());
      }
    }
  }
  if (subject) {
    std::string s = RenderTemplate(subject->value[0], update, RenderMode::kText);
    std::replace(s.begin(), s.end(), '\n', ' ');
    std::replace(s.begin(), s.end(), '\r', ' ');
    update.after.subject = s;
    result.subject = std::move(s);
  }
  if (text || html || mode) {
    MacroComment c;
    c.is_public = !mode || mode->value[0] == "true";
    const Audience audience = c.is_public ? Audience::kEndUsers : Audience::kAgents;
    if (text) c.body = RenderTemplate(text->value[0], update, RenderMode::kText, audience);
    if (html) c.html_body = RenderTemplate(html->value[0], update, RenderMode::kHtml, audience);
    result.comment = std::move(c);
  }
  return result;
}

}  // namespace postdesk::rules
