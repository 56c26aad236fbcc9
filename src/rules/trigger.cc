#include "rules/trigger.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>
#include <cstdio>
#include <ctime>
#include <optional>

#include "common/clock.h"
#include "common/strings.h"
#include "rules/placeholders.h"

namespace postdesk::rules {
namespace {

using nlohmann::json;

// ---------------------------------------------------------------------------
// Names

struct FieldName {
  std::string_view name;
  ConditionField field;
};

// Canonical names first: the first entry for a field is its Zendesk name.
constexpr FieldName kFieldNames[] = {
    {"update_type", ConditionField::kUpdateType},
    {"status", ConditionField::kStatus},
    {"priority", ConditionField::kPriority},
    {"type", ConditionField::kType},
    {"assignee_id", ConditionField::kAssigneeId},
    {"group_id", ConditionField::kGroupId},
    {"requester_id", ConditionField::kRequesterId},
    {"organization_id", ConditionField::kOrganizationId},
    {"via_id", ConditionField::kViaId},
    {"current_via_id", ConditionField::kCurrentViaId},
    {"comment_is_public", ConditionField::kCommentIsPublic},
    {"comment_present", ConditionField::kCommentPresent},
    {"ticket_is_public", ConditionField::kTicketIsPublic},
    {"role", ConditionField::kRole},
    {"subject_includes_word", ConditionField::kSubjectIncludesWord},
    {"comment_includes_word", ConditionField::kCommentIncludesWord},
    {"description_includes_word", ConditionField::kDescriptionIncludesWord},
    {"current_tags", ConditionField::kCurrentTags},
    {"recipient", ConditionField::kRecipient},
    {"NEW", ConditionField::kHoursSinceCreated},
    {"updated_at", ConditionField::kHoursSinceUpdated},
    {"delivery_failed", ConditionField::kDeliveryFailed},
    {"custom_fields", ConditionField::kCustomField},  // named custom_fields_<id>
    // Aliases.
    {"created_at", ConditionField::kHoursSinceCreated},
    {"ticket_type_id", ConditionField::kType},
    {"ticket_type", ConditionField::kType},
    {"assignee", ConditionField::kAssigneeId},
    {"group", ConditionField::kGroupId},
    {"requester", ConditionField::kRequesterId},
    {"organization", ConditionField::kOrganizationId},
    {"via", ConditionField::kViaId},
    {"current_via", ConditionField::kCurrentViaId},
    {"current_user", ConditionField::kRole},
    {"subject", ConditionField::kSubjectIncludesWord},
    {"subject_contains", ConditionField::kSubjectIncludesWord},
    {"comment", ConditionField::kCommentIncludesWord},
    {"comment_contains", ConditionField::kCommentIncludesWord},
    {"description", ConditionField::kDescriptionIncludesWord},
    {"description_contains", ConditionField::kDescriptionIncludesWord},
    {"tags", ConditionField::kCurrentTags},
};

struct OpName {
  std::string_view name;
  Operator op;
};

constexpr OpName kOpNames[] = {
    {"is", Operator::kIs},
    {"is_not", Operator::kIsNot},
    {"less_than", Operator::kLessThan},
    {"greater_than", Operator::kGreaterThan},
    {"changed", Operator::kChanged},
    {"value", Operator::kChangedTo},
    {"value_previous", Operator::kChangedFrom},
    {"not_changed", Operator::kNotChanged},
    {"not_value", Operator::kNotChangedTo},
    {"not_value_previous", Operator::kNotChangedFrom},
    {"includes", Operator::kIncludes},
    {"not_includes", Operator::kNotIncludes},
    {"present", Operator::kPresent},
    {"not_present", Operator::kNotPresent},
    // Aliases.
    {"changed_to", Operator::kChangedTo},
    {"changed_from", Operator::kChangedFrom},
    {"not_changed_to", Operator::kNotChangedTo},
    {"not_changed_from", Operator::kNotChangedFrom},
};

struct ActionName {
  std::string_view name;
  ActionField field;
};

constexpr ActionName kActionNames[] = {
    {"status", ActionField::kStatus},
    {"priority", ActionField::kPriority},
    {"type", ActionField::kType},
    {"assignee_id", ActionField::kAssigneeId},
    {"group_id", ActionField::kGroupId},
    {"set_tags", ActionField::kSetTags},
    {"current_tags", ActionField::kCurrentTags},
    {"remove_tags", ActionField::kRemoveTags},
    {"notification_user", ActionField::kNotificationUser},
    {"notification_group", ActionField::kNotificationGroup},
    {"comment_value", ActionField::kCommentValue},
    {"comment_value_html", ActionField::kCommentValueHtml},
    {"comment_mode_is_public", ActionField::kCommentModeIsPublic},
    {"subject", ActionField::kSubject},
    {"custom_fields", ActionField::kCustomField},  // named custom_fields_<id>
    // Aliases.
    {"ticket_type_id", ActionField::kType},
    {"assignee", ActionField::kAssigneeId},
    {"group", ActionField::kGroupId},
    {"add_tags", ActionField::kCurrentTags},
};

constexpr std::array<std::string_view, 6> kStatuses = {"new",  "open",   "pending",
                                                       "hold", "solved", "closed"};
constexpr std::array<std::string_view, 5> kPriorities = {"", "low", "normal", "high", "urgent"};
constexpr std::array<std::string_view, 5> kTypes = {"", "question", "incident", "problem", "task"};

// How a field's value is read and which operators it takes.
enum class Kind {
  kUpdateType,
  kStatus,
  kPriority,
  kType,
  kUser,
  kGroup,
  kOrganization,
  kVia,
  kCommentPublic,
  kBool,
  kTicketPublic,
  kRole,
  kWords,
  kTags,
  kEmail,
  kHours,
  kCustom,
};

Kind KindOf(ConditionField field) {
  switch (field) {
    case ConditionField::kUpdateType:
      return Kind::kUpdateType;
    case ConditionField::kStatus:
      return Kind::kStatus;
    case ConditionField::kPriority:
      return Kind::kPriority;
    case ConditionField::kType:
      return Kind::kType;
    case ConditionField::kAssigneeId:
    case ConditionField::kRequesterId:
      return Kind::kUser;
    case ConditionField::kGroupId:
      return Kind::kGroup;
    case ConditionField::kOrganizationId:
      return Kind::kOrganization;
    case ConditionField::kViaId:
    case ConditionField::kCurrentViaId:
      return Kind::kVia;
    case ConditionField::kCommentIsPublic:
      return Kind::kCommentPublic;
    case ConditionField::kCommentPresent:
      return Kind::kBool;
    case ConditionField::kTicketIsPublic:
      return Kind::kTicketPublic;
    case ConditionField::kRole:
      return Kind::kRole;
    case ConditionField::kSubjectIncludesWord:
    case ConditionField::kCommentIncludesWord:
    case ConditionField::kDescriptionIncludesWord:
      return Kind::kWords;
    case ConditionField::kCurrentTags:
      return Kind::kTags;
    case ConditionField::kRecipient:
      return Kind::kEmail;
    case ConditionField::kHoursSinceCreated:
    case ConditionField::kHoursSinceUpdated:
      return Kind::kHours;
    case ConditionField::kDeliveryFailed:
      return Kind::kBool;
    case ConditionField::kCustomField:
      return Kind::kCustom;
  }
  return Kind::kWords;
}

bool IsChangeOp(Operator op) {
  switch (op) {
    case Operator::kChanged:
    case Operator::kChangedTo:
    case Operator::kChangedFrom:
    case Operator::kNotChanged:
    case Operator::kNotChangedTo:
    case Operator::kNotChangedFrom:
      return true;
    default:
      return false;
  }
}

bool OpAllowed(Kind kind, Operator op) {
  switch (kind) {
    case Kind::kStatus:
    case Kind::kPriority:
      return op == Operator::kIs || op == Operator::kIsNot || op == Operator::kLessThan ||
             op == Operator::kGreaterThan || IsChangeOp(op);
    case Kind::kType:
    case Kind::kUser:
    case Kind::kGroup:
    case Kind::kOrganization:
      return op == Operator::kIs || op == Operator::kIsNot || IsChangeOp(op);
    case Kind::kUpdateType:
    case Kind::kVia:
    case Kind::kCommentPublic:
    case Kind::kBool:
    case Kind::kTicketPublic:
    case Kind::kRole:
    case Kind::kEmail:
      return op == Operator::kIs || op == Operator::kIsNot;
    case Kind::kWords:
      return op == Operator::kIs || op == Operator::kIsNot || op == Operator::kIncludes ||
             op == Operator::kNotIncludes;
    case Kind::kTags:
      return op == Operator::kIncludes || op == Operator::kNotIncludes;
    case Kind::kHours:
      return op == Operator::kIs || op == Operator::kLessThan || op == Operator::kGreaterThan;
    case Kind::kCustom:  // the field's type narrows this (tickets/ticket_fields)
      return op != Operator::kIncludes && op != Operator::kNotIncludes;
  }
  return false;
}

// ---------------------------------------------------------------------------
// Small helpers

std::string Quote(std::string_view s) { return "\"" + std::string(s) + "\""; }

bool ParseInt64(std::string_view s, int64_t* out) {
  if (s.empty()) return false;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), *out);
  return ec == std::errc() && p == s.data() + s.size();
}

template <size_t N>
int IndexOf(const std::array<std::string_view, N>& names, std::string_view s) {
  for (size_t i = 0; i < N; ++i) {
    if (names[i] == s) return static_cast<int>(i);
  }
  return -1;
}

// Splits on whitespace, keeping "double-quoted phrases" whole; lower case.
std::vector<std::string> SplitWords(std::string_view text) {
  std::vector<std::string> out;
  size_t i = 0;
  while (i < text.size()) {
    while (i < text.size() && std::isspace(static_cast<unsigned char>(text[i]))) ++i;
    if (i >= text.size()) break;
    if (text[i] == '"') {
      size_t end = text.find('"', i + 1);
      if (end == std::string_view::npos) end = text.size();
      std::string phrase(Trim(text.substr(i + 1, end - i - 1)));
      if (!phrase.empty()) out.push_back(ToLower(phrase));
      i = end + 1;
    } else {
      size_t start = i;
      while (i < text.size() && !std::isspace(static_cast<unsigned char>(text[i]))) ++i;
      out.push_back(ToLower(text.substr(start, i - start)));
    }
  }
  return out;
}

// Tags: lower case, split on whitespace, no duplicates, order kept.
std::vector<std::string> SplitTags(std::string_view text) {
  std::vector<std::string> out;
  for (const std::string& tag : Split(text, ' ')) {
    std::string t = ToLower(Trim(tag));
    // Split on ' ' leaves tabs/newlines inside; split those too.
    size_t start = 0;
    for (size_t i = 0; i <= t.size(); ++i) {
      if (i == t.size() || std::isspace(static_cast<unsigned char>(t[i]))) {
        if (i > start) {
          std::string piece = t.substr(start, i - start);
          if (std::find(out.begin(), out.end(), piece) == out.end()) out.push_back(piece);
        }
        start = i + 1;
      }
    }
  }
  return out;
}

std::string JoinWords(const std::vector<std::string>& words) {
  std::string out;
  for (const std::string& w : words) {
    if (!out.empty()) out += ' ';
    out += w;
  }
  return out;
}

// Reads a scalar JSON value as the text the API would show. Integers become
// decimal text; booleans "true"/"false"; null "" when allowed.
Result<std::string> ScalarText(const json& v, std::string_view where, bool allow_number,
                               bool allow_bool, bool allow_null) {
  if (v.is_string()) return v.get<std::string>();
  if (allow_number && (v.is_number_integer() || v.is_number_unsigned())) {
    return std::to_string(v.get<int64_t>());
  }
  if (allow_bool && v.is_boolean()) return std::string(v.get<bool>() ? "true" : "false");
  if (allow_null && v.is_null()) return std::string();
  return Status::Invalid(std::string(where) + ": value must be a string, got " + JsonTypeName(v));
}

// An id, "" (none), or one of the symbolic references `refs` allows.
Status ParseIdValue(std::string_view text, std::string_view where, std::string_view what,
                    std::initializer_list<std::pair<std::string_view, ValueRef>> refs,
                    ValueRef* ref, int64_t* number, bool allow_none = true) {
  if (text.empty() && allow_none) {
    *ref = ValueRef::kNone;
    return Status::Ok();
  }
  for (const auto& [name, r] : refs) {
    if (text == name) {
      *ref = r;
      return Status::Ok();
    }
  }
  int64_t id = 0;
  if (ParseInt64(text, &id) && id > 0) {
    *ref = ValueRef::kLiteral;
    *number = id;
    return Status::Ok();
  }
  std::string allowed = "a " + std::string(what) + " id";
  if (allow_none) allowed += ", \"\" (none)";
  for (const auto& [name, r] : refs) allowed += ", " + Quote(name);
  return Status::Invalid(std::string(where) + ": value " + Quote(text) +
                         " is not valid (expected " + allowed + ")");
}

Result<int64_t> ParseViaId(std::string_view text) {
  std::string v = ToLower(text);
  if (v == "4" || v == "email" || v == "mail") return int64_t{4};
  if (v == "0" || v == "web" || v == "web_form") return int64_t{0};
  if (v == "5" || v == "api" || v == "web_service") return int64_t{5};
  return Status::Invalid("");
}

// The path of the first string (or key) in `v` that is not UTF-8: a json
// built in code, rather than parsed from text, can hold one, and it would
// make serialising throw later.
std::optional<std::string> FindInvalidUtf8(const json& v, const std::string& path) {
  if (v.is_string()) {
    if (!IsValidUtf8(v.get_ref<const std::string&>())) return path;
  } else if (v.is_array()) {
    for (size_t i = 0; i < v.size(); ++i) {
      if (auto bad = FindInvalidUtf8(v[i], path + "[" + std::to_string(i) + "]")) return bad;
    }
  } else if (v.is_object()) {
    for (const auto& [key, child] : v.items()) {
      std::string at = path.empty() ? key : path + "." + key;
      if (!IsValidUtf8(key)) return at;
      if (auto bad = FindInvalidUtf8(child, at)) return bad;
    }
  }
  return std::nullopt;
}

Status CheckUtf8(const json& v, std::string_view where) {
  if (auto bad = FindInvalidUtf8(v, std::string(where))) {
    return Status::Invalid((bad->empty() ? std::string("trigger") : *bad) + ": text must be UTF-8");
  }
  return Status::Ok();
}

// ---------------------------------------------------------------------------
// Time

Result<int64_t> ParseIsoTime(const json& v, std::string_view key) {
  if (v.is_null()) return int64_t{0};
  if (v.is_number_integer() || v.is_number_unsigned()) return v.get<int64_t>();
  if (!v.is_string()) {
    return Status::Invalid(std::string(key) + ": must be an ISO 8601 time, got " + JsonTypeName(v));
  }
  const std::string s = v.get<std::string>();
  std::tm tm{};
  int y, mo, d, h, mi, se;
  char tail = 0;
  // YYYY-MM-DDTHH:MM:SSZ (what the API prints); fractions are not accepted.
  if (s.size() != 20 ||
      std::sscanf(s.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d%c", &y, &mo, &d, &h, &mi, &se, &tail) != 7 ||
      tail != 'Z' || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || se > 60) {
    return Status::Invalid(std::string(key) + ": " + Quote(s) +
                           " is not an ISO 8601 UTC time like 2026-01-31T12:00:00Z");
  }
  tm.tm_year = y - 1900;
  tm.tm_mon = mo - 1;
  tm.tm_mday = d;
  tm.tm_hour = h;
  tm.tm_min = mi;
  tm.tm_sec = se;
  return static_cast<int64_t>(timegm(&tm));
}

json TimeJson(int64_t t) { return t == 0 ? json(nullptr) : json(FormatIsoTime(t)); }

// ---------------------------------------------------------------------------
// Conditions

Status DigestConditionValue(Condition& c, Kind kind, std::string_view where) {
  const std::string& v = c.value;
  const std::string field = Quote(ConditionKey(c));
  auto bad = [&](std::string_view allowed) {
    return Status::Invalid(std::string(where) + ": value " + Quote(v) + " is not valid for field " +
                           field + " (expected " + std::string(allowed) + ")");
  };
  switch (kind) {
    case Kind::kUpdateType: {
      std::string lv = ToLower(v);
      if (lv == "create") {
        c.value = "Create";
        c.number = 0;
      } else if (lv == "change") {
        c.value = "Change";
        c.number = 1;
      } else {
        return bad("\"Create\" or \"Change\"");
      }
      return Status::Ok();
    }
    case Kind::kStatus: {
      int rank = StatusRank(ToLower(v));
      if (rank < 0) return bad("new, open, pending, hold, solved or closed");
      c.value = ToLower(v);
      c.number = rank;
      return Status::Ok();
    }
    case Kind::kPriority: {
      int rank = PriorityRank(ToLower(v));
      if (rank < 0) return bad("\"\", low, normal, high or urgent");
      c.value = ToLower(v);
      c.number = rank;
      return Status::Ok();
    }
    case Kind::kType: {
      int code = IndexOf(kTypes, ToLower(v));
      int64_t n = 0;
      if (code < 0 && ParseInt64(v, &n) && n >= 1 && n <= 4) code = static_cast<int>(n);
      if (code < 0) return bad("\"\", question, incident, problem or task");
      c.value = std::string(kTypes[code]);
      c.number = code;
      return Status::Ok();
    }
    case Kind::kUser:
      if (c.field == ConditionField::kRequesterId) {
        return ParseIdValue(
            v, where, "user",
            {{"current_user", ValueRef::kCurrentUser}, {"assignee_id", ValueRef::kAssignee}},
            &c.ref, &c.number);
      }
      return ParseIdValue(
          v, where, "user",
          {{"current_user", ValueRef::kCurrentUser}, {"requester_id", ValueRef::kRequester}},
          &c.ref, &c.number);
    case Kind::kGroup:
      return ParseIdValue(v, where, "group", {{"current_groups", ValueRef::kCurrentGroups}}, &c.ref,
                          &c.number);
    case Kind::kOrganization:
      return ParseIdValue(v, where, "organization", {}, &c.ref, &c.number);
    case Kind::kVia: {
      Result<int64_t> id = ParseViaId(v);
      if (!id.ok()) return bad("4 or email, 0 or web_form, 5 or api");
      c.number = *id;
      c.value = std::to_string(*id);
      return Status::Ok();
    }
    case Kind::kCommentPublic: {
      std::string lv = ToLower(v);
      if (lv == "true") {
        c.number = 0;
      } else if (lv == "false") {
        c.number = 1;
      } else if (lv == "not_relevant") {
        c.number = 2;
      } else if (lv == "requester_can_see_comment") {
        c.number = 3;
      } else {
        return bad("true, false, not_relevant or requester_can_see_comment");
      }
      c.value = lv;
      return Status::Ok();
    }
    case Kind::kBool: {
      std::string lv = ToLower(v);
      if (lv != "true" && lv != "false") return bad("true or false");
      c.value = lv;
      c.number = lv == "true" ? 1 : 0;
      return Status::Ok();
    }
    case Kind::kTicketPublic: {
      std::string lv = ToLower(v);
      if (lv != "public" && lv != "private") return bad("public or private");
      c.value = lv;
      c.number = lv == "public" ? 1 : 0;
      return Status::Ok();
    }
    case Kind::kRole: {
      std::string lv = ToLower(v);
      std::optional<Role> role = ParseRole(lv);
      if (!role) return bad("end_user, agent or admin");
      c.number = static_cast<int64_t>(*role);
      c.value = *role == Role::kEndUser ? "end_user" : lv;
      return Status::Ok();
    }
    case Kind::kWords:
      if (c.op == Operator::kIs || c.op == Operator::kIsNot) {
        std::string needle = ToLower(v);
        if (needle.empty()) return bad("a non-empty string");
        c.words = {needle};
      } else {
        c.words = SplitWords(v);
        if (c.words.empty()) return bad("one or more words");
      }
      return Status::Ok();
    case Kind::kTags:
      c.words = SplitTags(v);
      if (c.words.empty()) return bad("one or more tags");
      return Status::Ok();
    case Kind::kEmail: {
      std::string addr(Trim(v));
      if (addr.find('@') == std::string::npos) return bad("an email address");
      c.value = addr;
      c.words = {NormalizeEmail(addr)};
      return Status::Ok();
    }
    case Kind::kCustom:
      c.words = {v};  // as given; tickets/ticket_fields normalises it for the field's type
      return Status::Ok();
    case Kind::kHours: {
      int64_t hours = -1;
      if (!ParseInt64(Trim(v), &hours) || hours < 0 || hours > 1000000) {
        return bad("a whole number of hours, 0 to 1000000");
      }
      c.number = hours;
      c.value = std::to_string(hours);
      return Status::Ok();
    }
  }
  return Status::Ok();
}

// ---------------------------------------------------------------------------
// Actions

Status DigestAction(Action& a, std::string_view where) {
  const std::string field = Quote(ActionKey(a));
  const std::string& v = a.value[0];
  auto bad = [&](std::string_view allowed) {
    return Status::Invalid(std::string(where) + ": value " + Quote(v) +
                           " is not valid for action " + field + " (expected " +
                           std::string(allowed) + ")");
  };
  switch (a.field) {
    case ActionField::kStatus:
      if (StatusRank(ToLower(v)) < 0) return bad("new, open, pending, hold, solved or closed");
      a.value[0] = ToLower(v);
      return Status::Ok();
    case ActionField::kPriority:
      if (PriorityRank(ToLower(v)) < 0) return bad("\"\", low, normal, high or urgent");
      a.value[0] = ToLower(v);
      return Status::Ok();
    case ActionField::kType: {
      int code = IndexOf(kTypes, ToLower(v));
      int64_t n = 0;
      if (code < 0 && ParseInt64(v, &n) && n >= 1 && n <= 4) code = static_cast<int>(n);
      if (code < 0) return bad("\"\", question, incident, problem or task");
      a.value[0] = std::string(kTypes[code]);
      return Status::Ok();
    }
    case ActionField::kAssigneeId:
      return ParseIdValue(v, where, "user", {{"current_user", ValueRef::kCurrentUser}}, &a.ref,
                          &a.number);
    case ActionField::kGroupId:
      return ParseIdValue(v, where, "group", {}, &a.ref, &a.number);
    case ActionField::kSetTags:
    case ActionField::kCurrentTags:
    case ActionField::kRemoveTags:
      a.words = SplitTags(v);
      a.value[0] = JoinWords(a.words);
      return Status::Ok();
    case ActionField::kNotificationUser:
      return ParseIdValue(v, where, "user",
                          {{"requester_and_ccs", ValueRef::kRequesterAndCcs},
                           {"requester_id", ValueRef::kRequester},
                           {"assignee_id", ValueRef::kAssignee},
                           {"all_agents", ValueRef::kAllAgents},
                           {"current_user", ValueRef::kCurrentUser}},
                          &a.ref, &a.number, /*allow_none=*/false);
    case ActionField::kNotificationGroup:
      return ParseIdValue(v, where, "group", {{"group_id", ValueRef::kTicketGroup}}, &a.ref,
                          &a.number, /*allow_none=*/false);
    case ActionField::kCommentModeIsPublic: {
      std::string lv = ToLower(v);
      if (lv != "true" && lv != "false") return bad("true or false");
      a.value[0] = lv;
      return Status::Ok();
    }
    case ActionField::kCommentValue:
    case ActionField::kCommentValueHtml:
      if (Trim(v).empty()) return bad("some text");
      return Status::Ok();
    case ActionField::kSubject:
      if (Trim(v).empty()) return bad("a non-empty subject");
      if (v.find_first_of("\r\n") != std::string::npos) return bad("one line");
      return Status::Ok();
    case ActionField::kCustomField:
      return Status::Ok();  // tickets/ticket_fields checks it against the field
  }
  return Status::Ok();
}

bool IsNotification(ActionField f) {
  return f == ActionField::kNotificationUser || f == ActionField::kNotificationGroup;
}

bool IsTagAction(ActionField f) {
  return f == ActionField::kSetTags || f == ActionField::kCurrentTags ||
         f == ActionField::kRemoveTags;
}

// "custom_fields_<id>" -> id; 0 when `name` is not one.
int64_t CustomFieldId(std::string_view name) {
  if (!name.starts_with(kCustomFieldPrefix)) return 0;
  int64_t id = 0;
  if (!ParseInt64(name.substr(kCustomFieldPrefix.size()), &id) || id <= 0) return 0;
  return id;
}

std::string CustomFieldName(int64_t id) {
  return std::string(kCustomFieldPrefix) + std::to_string(id);
}

Status ParseConditionList(const json& list, std::string_view where, std::vector<Condition>* out) {
  if (list.is_null()) return Status::Ok();
  if (!list.is_array()) {
    return Status::Invalid(std::string(where) + ": must be an array, got " + JsonTypeName(list));
  }
  out->clear();
  for (size_t i = 0; i < list.size(); ++i) {
    std::string at = std::string(where) + "[" + std::to_string(i) + "]";
    Result<Condition> c = ParseCondition(list[i], at);
    if (!c.ok()) return c.status();
    out->push_back(std::move(c).value());
  }
  return Status::Ok();
}

}  // namespace

// ---------------------------------------------------------------------------
// Public

std::string JsonTypeName(const json& v) {
  switch (v.type()) {
    case json::value_t::null:
      return "null";
    case json::value_t::boolean:
      return "a boolean";
    case json::value_t::number_integer:
    case json::value_t::number_unsigned:
      return "an integer";
    case json::value_t::number_float:
      return "a number";
    case json::value_t::string:
      return "a string";
    case json::value_t::array:
      return "an array";
    case json::value_t::object:
      return "an object";
    default:
      return "an unsupported value";
  }
}

std::string_view ConditionFieldName(ConditionField field) {
  for (const FieldName& f : kFieldNames) {
    if (f.field == field) return f.name;
  }
  return "";
}

std::string_view OperatorName(Operator op) {
  for (const OpName& o : kOpNames) {
    if (o.op == op) return o.name;
  }
  return "";
}

bool IsViewOnlyCondition(ConditionField field) {
  return field == ConditionField::kHoursSinceCreated ||
         field == ConditionField::kHoursSinceUpdated || field == ConditionField::kDeliveryFailed;
}

bool IsMacroOnlyAction(ActionField field) {
  return field == ActionField::kCommentValue || field == ActionField::kCommentValueHtml ||
         field == ActionField::kCommentModeIsPublic || field == ActionField::kSubject;
}

std::string_view ActionFieldName(ActionField field) {
  for (const ActionName& a : kActionNames) {
    if (a.field == field) return a.name;
  }
  return "";
}

int StatusRank(std::string_view status) { return IndexOf(kStatuses, status); }
int PriorityRank(std::string_view priority) { return IndexOf(kPriorities, priority); }

Result<Condition> ParseCondition(const json& j, std::string_view where) {
  const std::string at(where);
  if (Status s = CheckUtf8(j, where); !s.ok()) return s;
  if (!j.is_object()) {
    return Status::Invalid(at + ": a condition must be an object {field, operator, value}, got " +
                           JsonTypeName(j));
  }
  for (const auto& [key, _] : j.items()) {
    if (key != "field" && key != "operator" && key != "value") {
      return Status::Invalid(at + ": unknown key " + Quote(key) +
                             " (a condition has field, operator, value)");
    }
  }
  auto field_it = j.find("field");
  if (field_it == j.end() || !field_it->is_string()) {
    return Status::Invalid(at + ": \"field\" must be a string");
  }
  auto op_it = j.find("operator");
  if (op_it == j.end() || !op_it->is_string()) {
    return Status::Invalid(at + ": \"operator\" must be a string");
  }
  const std::string field_name = field_it->get<std::string>();
  const std::string op_name = op_it->get<std::string>();

  Condition c;
  bool found = false;
  for (const FieldName& f : kFieldNames) {
    if (f.name == field_name && f.field != ConditionField::kCustomField) {
      c.field = f.field;
      found = true;
      break;
    }
  }
  if (int64_t id = CustomFieldId(field_name); id > 0) {
    c.field = ConditionField::kCustomField;
    c.field_id = id;
    found = true;
  }
  if (!found) return Status::Invalid(at + ": unknown field " + Quote(field_name));
  const Kind kind = KindOf(c.field);

  found = false;
  for (const OpName& o : kOpNames) {
    if (o.name == op_name) {
      c.op = o.op;
      found = true;
      break;
    }
  }
  // "contains" reads naturally for text and tags.
  if (!found && (op_name == "contains" || op_name == "not_contains")) {
    bool neg = op_name == "not_contains";
    if (kind == Kind::kWords) {
      c.op = neg ? Operator::kIsNot : Operator::kIs;
      found = true;
    } else if (kind == Kind::kTags) {
      c.op = neg ? Operator::kNotIncludes : Operator::kIncludes;
      found = true;
    }
  }
  if (!found) return Status::Invalid(at + ": unknown operator " + Quote(op_name));
  if (!OpAllowed(kind, c.op)) {
    return Status::Invalid(at + ": operator " + Quote(op_name) + " is not valid for field " +
                           Quote(ConditionKey(c)));
  }

  if (c.op == Operator::kChanged || c.op == Operator::kNotChanged || c.op == Operator::kPresent ||
      c.op == Operator::kNotPresent) {
    c.null_value = true;  // any value given is meaningless; Zendesk shows null
    return c;
  }
  auto value_it = j.find("value");
  if (value_it == j.end()) return Status::Invalid(at + ": \"value\" is required");
  const bool id_like = kind == Kind::kUser || kind == Kind::kGroup || kind == Kind::kOrganization ||
                       kind == Kind::kVia || kind == Kind::kType || kind == Kind::kHours ||
                       kind == Kind::kCustom;
  const bool nullable = kind == Kind::kUser || kind == Kind::kGroup ||
                        kind == Kind::kOrganization || kind == Kind::kPriority ||
                        kind == Kind::kType || kind == Kind::kCustom;
  const bool boolish = kind == Kind::kCommentPublic || kind == Kind::kBool || kind == Kind::kCustom;
  Result<std::string> text = kind == Kind::kCustom && value_it->is_number_float()
                                 ? Result<std::string>(value_it->dump())
                                 : ScalarText(*value_it, at, id_like, boolish, nullable);
  if (!text.ok()) {
    return Status::Invalid(text.status().message() + " for field " + Quote(ConditionKey(c)));
  }
  c.value = std::move(text).value();
  if (kind == Kind::kCustom && value_it->is_boolean()) {
    c.boolean_value = true;
    c.words = {value_it->get<bool>() ? "true" : ""};
    return c;
  }
  Status s = DigestConditionValue(c, kind, at);
  if (!s.ok()) return s;
  return c;
}

Result<Action> ParseAction(const json& j, std::string_view where) {
  const std::string at(where);
  if (Status s = CheckUtf8(j, where); !s.ok()) return s;
  if (!j.is_object()) {
    return Status::Invalid(at + ": an action must be an object {field, value}, got " +
                           JsonTypeName(j));
  }
  for (const auto& [key, _] : j.items()) {
    if (key != "field" && key != "value") {
      return Status::Invalid(at + ": unknown key " + Quote(key) + " (an action has field, value)");
    }
  }
  auto field_it = j.find("field");
  if (field_it == j.end() || !field_it->is_string()) {
    return Status::Invalid(at + ": \"field\" must be a string");
  }
  const std::string name = field_it->get<std::string>();
  Action a;
  bool found = false;
  for (const ActionName& n : kActionNames) {
    if (n.name == name && n.field != ActionField::kCustomField) {
      a.field = n.field;
      found = true;
      break;
    }
  }
  if (int64_t id = CustomFieldId(name); id > 0) {
    a.field = ActionField::kCustomField;
    a.field_id = id;
    found = true;
  }
  if (!found) return Status::Invalid(at + ": unknown action " + Quote(name));
  const std::string field = Quote(ActionKey(a));

  auto value_it = j.find("value");
  if (value_it == j.end()) return Status::Invalid(at + ": \"value\" is required");
  const json& v = *value_it;

  if (IsNotification(a.field)) {
    if (!v.is_array() || v.size() != 3) {
      return Status::Invalid(
          at + ": value of action " + field + " must be an array [recipient, subject, body], got " +
          (v.is_array() ? "an array of " + std::to_string(v.size()) : JsonTypeName(v)));
    }
    Result<std::string> who = ScalarText(v[0], at, true, false, false);
    if (!who.ok())
      return Status::Invalid(at + ": the recipient of action " + field + " must be a string, got " +
                             JsonTypeName(v[0]));
    if (!v[1].is_string() || !v[2].is_string()) {
      return Status::Invalid(at + ": the subject and body of action " + field + " must be strings");
    }
    a.value = {std::move(who).value(), v[1].get<std::string>(), v[2].get<std::string>()};
  } else if (a.field == ActionField::kCommentValue && v.is_array()) {
    // Zendesk's scoped form: ["channel:all", "text"].
    if (v.size() != 2 || !v[0].is_string() || !v[1].is_string()) {
      return Status::Invalid(at + ": value of action " + field +
                             " must be a string or [channel, text]");
    }
    a.value = {v[1].get<std::string>()};
  } else if (a.field == ActionField::kCommentModeIsPublic && v.is_boolean()) {
    a.value = {v.get<bool>() ? "true" : "false"};
  } else if (IsTagAction(a.field) && v.is_array()) {
    std::string joined;
    for (const json& tag : v) {
      if (!tag.is_string()) {
        return Status::Invalid(at + ": tags of action " + field + " must be strings, got " +
                               JsonTypeName(tag));
      }
      joined += tag.get<std::string>() + " ";
    }
    a.value = {joined};
  } else if (a.field == ActionField::kCustomField) {
    // A checkbox cleared is no value: false is "".
    Result<std::string> text = v.is_number_float() ? Result<std::string>(v.dump())
                               : v.is_boolean()     ? Result<std::string>(v.get<bool>() ? "true" : "")
                                                    : ScalarText(v, at, true, true, true);
    if (!text.ok()) return Status::Invalid(text.status().message() + " for action " + field);
    a.value = {std::move(text).value()};
  } else {
    const bool id_like = a.field == ActionField::kAssigneeId || a.field == ActionField::kGroupId ||
                         a.field == ActionField::kType;
    const bool nullable = a.field == ActionField::kAssigneeId || a.field == ActionField::kGroupId ||
                          a.field == ActionField::kPriority || a.field == ActionField::kType;
    Result<std::string> text = ScalarText(v, at, id_like, false, nullable);
    if (!text.ok()) {
      return Status::Invalid(text.status().message() + " for action " + field);
    }
    a.value = {std::move(text).value()};
  }
  Status s = DigestAction(a, at);
  if (!s.ok()) return s;
  return a;
}

Result<Trigger> ParseTrigger(const json& input, const Trigger* base) {
  const json* jp = &input;
  if (input.is_object() && input.size() == 1 && input.contains("trigger")) jp = &input["trigger"];
  const json& j = *jp;
  if (!j.is_object()) return Status::Invalid("a trigger must be a JSON object");
  if (Status s = CheckUtf8(j, ""); !s.ok()) return s;

  Trigger t = base ? *base : Trigger{};
  if (auto it = j.find("id"); it != j.end() && !it->is_null()) {
    if (!it->is_number_integer() && !it->is_number_unsigned()) {
      return Status::Invalid("id: must be an integer, got " + JsonTypeName(*it));
    }
    t.id = it->get<int64_t>();
  }
  if (auto it = j.find("title"); it != j.end()) {
    if (!it->is_string())
      return Status::Invalid("title: must be a string, got " + JsonTypeName(*it));
    t.title = std::string(Trim(it->get<std::string>()));
    if (t.title.empty()) return Status::Invalid("title: must not be empty");
  } else if (!base) {
    return Status::Invalid("title: is required");
  }
  if (auto it = j.find("active"); it != j.end()) {
    if (!it->is_boolean())
      return Status::Invalid("active: must be a boolean, got " + JsonTypeName(*it));
    t.active = it->get<bool>();
  }
  if (auto it = j.find("position"); it != j.end() && !it->is_null()) {
    if (!it->is_number_integer() && !it->is_number_unsigned()) {
      return Status::Invalid("position: must be an integer, got " + JsonTypeName(*it));
    }
    t.position = it->get<int64_t>();
  }
  if (auto it = j.find("description"); it != j.end()) {
    if (it->is_null()) {
      t.description.clear();
    } else if (it->is_string()) {
      t.description = it->get<std::string>();
    } else {
      return Status::Invalid("description: must be a string, got " + JsonTypeName(*it));
    }
  }
  if (auto it = j.find("default"); it != j.end() && !it->is_null()) {
    if (!it->is_boolean())
      return Status::Invalid("default: must be a boolean, got " + JsonTypeName(*it));
    t.is_default = it->get<bool>();
  }
  if (auto it = j.find("default_key"); it != j.end()) {
    if (it->is_null()) {
      t.default_key.clear();
    } else if (it->is_string()) {
      t.default_key = it->get<std::string>();
    } else {
      return Status::Invalid("default_key: must be a string, got " + JsonTypeName(*it));
    }
  }
  for (const char* key : {"created_at", "updated_at"}) {
    if (auto it = j.find(key); it != j.end()) {
      Result<int64_t> time = ParseIsoTime(*it, key);
      if (!time.ok()) return time.status();
      (std::string_view(key) == "created_at" ? t.created_at : t.updated_at) = *time;
    }
  }

  // Conditions: {all, any}; a bare all/any at the top level is accepted too,
  // as the API accepts it in POST and PUT bodies.
  const json* all = nullptr;
  const json* any = nullptr;
  if (auto it = j.find("conditions"); it != j.end()) {
    if (!it->is_object()) {
      return Status::Invalid("conditions: must be an object {all, any}, got " + JsonTypeName(*it));
    }
    for (const auto& [key, _] : it->items()) {
      if (key != "all" && key != "any") {
        return Status::Invalid("conditions: unknown key " + Quote(key) + " (expected all, any)");
      }
    }
    all = it->contains("all") ? &(*it)["all"] : nullptr;
    any = it->contains("any") ? &(*it)["any"] : nullptr;
    if (!all) t.all.clear();
    if (!any) t.any.clear();
  }
  if (auto it = j.find("all"); it != j.end()) all = &*it;
  if (auto it = j.find("any"); it != j.end()) any = &*it;
  if (all) {
    t.all.clear();
    Status s = ParseConditionList(*all, "conditions.all", &t.all);
    if (!s.ok()) return s;
  }
  if (any) {
    t.any.clear();
    Status s = ParseConditionList(*any, "conditions.any", &t.any);
    if (!s.ok()) return s;
  }
  if (!base && !all && !any) return Status::Invalid("conditions: are required");
  for (const auto* list : {&t.all, &t.any}) {
    for (size_t i = 0; i < list->size(); ++i) {
      if (IsViewOnlyCondition((*list)[i].field)) {
        return Status::Invalid(std::string("conditions.") + (list == &t.all ? "all" : "any") +
                               "[" + std::to_string(i) + "]: field " +
                               Quote(ConditionFieldName((*list)[i].field)) +
                               " belongs to views; a trigger runs on an update, not on a stored "
                               "ticket");
      }
    }
  }
  if (t.all.empty() && t.any.empty()) {
    return Status::Invalid("conditions: a trigger needs at least one condition");
  }

  if (auto it = j.find("actions"); it != j.end()) {
    if (!it->is_array()) {
      return Status::Invalid("actions: must be an array, got " + JsonTypeName(*it));
    }
    t.actions.clear();
    for (size_t i = 0; i < it->size(); ++i) {
      const std::string at = "actions[" + std::to_string(i) + "]";
      Result<Action> a = ParseAction((*it)[i], at);
      if (!a.ok()) return a.status();
      if (IsMacroOnlyAction(a->field)) {
        return Status::Invalid(at + ": action " + Quote(ActionFieldName(a->field)) +
                               " belongs to macros; a trigger cannot use it");
      }
      t.actions.push_back(std::move(a).value());
    }
  } else if (!base) {
    return Status::Invalid("actions: are required");
  }
  if (t.actions.empty()) return Status::Invalid("actions: a trigger needs at least one action");
  return t;
}

Result<Trigger> ParseTriggerText(std::string_view text, const Trigger* base) {
  json j = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) return Status::Invalid("the trigger is not valid JSON");
  return ParseTrigger(j, base);
}

std::string ConditionKey(const Condition& c) {
  if (c.field == ConditionField::kCustomField) return CustomFieldName(c.field_id);
  return std::string(ConditionFieldName(c.field));
}

std::string ActionKey(const Action& a) {
  if (a.field == ActionField::kCustomField) return CustomFieldName(a.field_id);
  return std::string(ActionFieldName(a.field));
}

json ConditionToJson(const Condition& c) {
  json j;
  j["field"] = ConditionKey(c);
  j["operator"] = std::string(OperatorName(c.op));
  j["value"] = c.null_value      ? json(nullptr)
               : c.boolean_value ? json(c.value == "true")
                                 : json(c.value);
  return j;
}

json ActionToJson(const Action& a) {
  json j;
  j["field"] = ActionKey(a);
  if (IsNotification(a.field)) {
    j["value"] = a.value;
  } else {
    j["value"] = a.value.empty() ? std::string() : a.value[0];
  }
  return j;
}

json TriggerToJson(const Trigger& t) {
  json j;
  j["id"] = t.id;
  j["title"] = t.title;
  j["raw_title"] = t.title;
  j["active"] = t.active;
  j["position"] = t.position;
  j["description"] = t.description.empty() ? json(nullptr) : json(t.description);
  json all = json::array();
  for (const Condition& c : t.all) all.push_back(ConditionToJson(c));
  json any = json::array();
  for (const Condition& c : t.any) any.push_back(ConditionToJson(c));
  j["conditions"] = {{"all", all}, {"any", any}};
  json actions = json::array();
  for (const Action& a : t.actions) actions.push_back(ActionToJson(a));
  j["actions"] = actions;
  j["default"] = t.is_default;
  if (!t.default_key.empty()) j["default_key"] = t.default_key;
  j["created_at"] = TimeJson(t.created_at);
  j["updated_at"] = TimeJson(t.updated_at);
  return j;
}

std::vector<std::string> UnknownPlaceholders(const Trigger& t) {
  std::vector<std::string> out;
  for (size_t i = 0; i < t.actions.size(); ++i) {
    const Action& a = t.actions[i];
    if (!IsNotification(a.field)) continue;
    for (size_t k = 1; k < a.value.size(); ++k) {
      for (const std::string& name : ValidateTemplate(a.value[k])) {
        std::string entry = "actions[" + std::to_string(i) + "]: " + name;
        if (std::find(out.begin(), out.end(), entry) == out.end()) out.push_back(entry);
      }
    }
  }
  return out;
}

}  // namespace postdesk::rules
