// rules/trigger: the trigger model in the JSON shape of the Zendesk Support
// API (`{id, title, active, position, description, conditions: {all, any},
// actions, default, created_at, updated_at}`), with strict parsing and
// serialisation.
//
// Parsing accepts Zendesk's field and operator names and a few aliases
// (e.g. `assignee` for `assignee_id`, `changed_to` for `value`); a parsed
// trigger holds the canonical Zendesk names, so serialising writes those.
// Every condition value is checked and pre-digested when parsed, so the
// engine never re-parses text per update.
//
// Trust: the JSON is untrusted (it comes from the API). Every error is a
// Status::Invalid whose message names the offending place, e.g.
// `conditions.all[2]: operator "less_than" is not valid for field
// "assignee_id"`. No exception escapes.
// Thread-safety: plain values and pure functions.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace postdesk::rules {

enum class ConditionField {
  kUpdateType,               // update_type: Create | Change
  kStatus,                   // status
  kPriority,                 // priority
  kType,                     // type (also ticket_type_id 1..4)
  kAssigneeId,               // assignee_id
  kGroupId,                  // group_id
  kRequesterId,              // requester_id
  kOrganizationId,           // organization_id
  kViaId,                    // via_id: the channel the ticket was created through
  kCurrentViaId,             // current_via_id: the channel of this update
  kCommentIsPublic,          // comment_is_public: true|false|not_relevant|requester_can_see_comment
  kCommentPresent,           // comment_present (postdesk): true | false
  kTicketIsPublic,           // ticket_is_public: public | private
  kRole,                     // role: the current user's role
  kSubjectIncludesWord,      // subject_includes_word
  kCommentIncludesWord,      // comment_includes_word
  kDescriptionIncludesWord,  // description_includes_word
  kCurrentTags,              // current_tags
  kRecipient,                // recipient: the support address
  // Views only (a trigger refuses them): what a stored ticket has.
  kHoursSinceCreated,  // NEW: hours since the ticket was created
  kHoursSinceUpdated,  // updated_at: hours since it last changed
  kDeliveryFailed,     // delivery_failed (postdesk): an email to a recipient failed or bounced
  // custom_fields_<id>: a custom ticket field's value (Condition::field_id).
  // Parsed here as text; tickets/ticket_fields checks it against the field.
  kCustomField,
};

// Whether a condition field belongs to views only (it reads the stored
// ticket's times or deliveries, not an update).
bool IsViewOnlyCondition(ConditionField field);

enum class Operator {
  kIs,
  kIsNot,
  kLessThan,
  kGreaterThan,
  kChanged,
  kChangedTo,    // "value"
  kChangedFrom,  // "value_previous"
  kNotChanged,
  kNotChangedTo,    // "not_value"
  kNotChangedFrom,  // "not_value_previous"
  kIncludes,
  kNotIncludes,
  kPresent,     // custom fields: has a value
  kNotPresent,  // custom fields: has none
};

std::string_view ConditionFieldName(ConditionField field);  // Zendesk name
std::string_view OperatorName(Operator op);                 // Zendesk name

// The prefix of a custom field's name: "custom_fields_" + its id.
inline constexpr std::string_view kCustomFieldPrefix = "custom_fields_";

// A reference a condition or action value can make instead of a literal.
enum class ValueRef {
  kLiteral,        // see Condition::number / text
  kNone,           // "" (no assignee, no group, ...)
  kCurrentUser,    // "current_user"
  kRequester,      // "requester_id"
  kAssignee,       // "assignee_id"
  kCurrentGroups,  // "current_groups": a group the current user is in
  // Action recipients only.
  kRequesterAndCcs,  // "requester_and_ccs"
  kAllAgents,        // "all_agents"
  kTicketGroup,      // "group_id" in notification_group: the ticket's group
};

struct Condition {
  ConditionField field = ConditionField::kStatus;
  Operator op = Operator::kIs;
  // The value as the API shows it: a string ("solved", "4", "current_user",
  // ""), or null for operators without a value (changed, not_changed).
  std::string value;
  bool null_value = false;

  // Derived from `value` by the parser; the engine reads only these.
  ValueRef ref = ValueRef::kLiteral;
  int64_t number = 0;              // id, via id, status/priority rank, role, enum code
  std::vector<std::string> words;  // lower-cased words/tags/phrases
  int64_t field_id = 0;            // kCustomField: which field
  // kCustomField: the value was a JSON boolean (a checkbox): true compares
  // with "true", false with "" (an unchecked box stores no value).
  bool boolean_value = false;
};

// A condition's field as the API names it ("status", "custom_fields_7").
std::string ConditionKey(const Condition& condition);

enum class ActionField {
  kStatus,
  kPriority,
  kType,
  kAssigneeId,
  kGroupId,
  kSetTags,
  kCurrentTags,  // add tags
  kRemoveTags,
  kNotificationUser,   // [recipient, subject, body]
  kNotificationGroup,  // [group, subject, body]
  // Macros only (a trigger refuses them): the reply a macro writes.
  kCommentValue,        // comment text, with {{placeholders}}
  kCommentValueHtml,    // the same as HTML
  kCommentModeIsPublic, // "true" | "false"
  kSubject,             // the ticket's subject
  // custom_fields_<id>: sets a custom field (Action::field_id); "" clears it.
  kCustomField,
};

// Whether an action belongs to a macro only (a comment or the subject).
bool IsMacroOnlyAction(ActionField field);

std::string_view ActionFieldName(ActionField field);

struct Action {
  ActionField field = ActionField::kStatus;
  // Scalar actions: one element (tags: space-separated). Notifications:
  // three elements [recipient, subject, body].
  std::vector<std::string> value;

  // Derived by the parser.
  ValueRef ref = ValueRef::kLiteral;
  int64_t number = 0;              // user or group id
  std::vector<std::string> words;  // tags, normalised
  int64_t field_id = 0;            // kCustomField: which field
};

// An action's field as the API names it ("status", "custom_fields_7").
std::string ActionKey(const Action& action);

struct Trigger {
  int64_t id = 0;
  std::string title;
  bool active = true;
  int64_t position = 0;
  std::string description;
  std::vector<Condition> all;
  std::vector<Condition> any;
  std::vector<Action> actions;
  // `default` in JSON: one of the standard triggers; `default_key` (postdesk)
  // says which one, so RestoreDefault can recreate it. Empty when custom.
  bool is_default = false;
  std::string default_key;
  int64_t created_at = 0;  // Unix seconds; JSON: ISO 8601 UTC
  int64_t updated_at = 0;
};

// Parses a trigger object (or `{"trigger": {...}}`). With `base`, keys absent
// from `json` keep base's values (a PUT that sends only some fields); without
// it, `title`, `conditions` and `actions` are required. Read-only keys Zendesk
// returns (url, raw_title, category_id...) are ignored.
Result<Trigger> ParseTrigger(const nlohmann::json& json, const Trigger* base = nullptr);
Result<Trigger> ParseTriggerText(std::string_view text, const Trigger* base = nullptr);

// One condition or action on its own (`where` prefixes error messages).
Result<Condition> ParseCondition(const nlohmann::json& json, std::string_view where);
Result<Action> ParseAction(const nlohmann::json& json, std::string_view where);

nlohmann::json TriggerToJson(const Trigger& trigger);
nlohmann::json ConditionToJson(const Condition& condition);
nlohmann::json ActionToJson(const Action& action);

// Every {{placeholder}} in the trigger's notification subjects and bodies
// that the renderer does not know, as "actions[i]: name". For the API to
// refuse (or warn about) a trigger when it is saved.
std::vector<std::string> UnknownPlaceholders(const Trigger& trigger);

// A JSON value's type for error messages: "an integer", "a string", "null"...
std::string JsonTypeName(const nlohmann::json& value);

// Status and priority order used by less_than / greater_than:
// new < open < pending < hold < solved < closed; "" < low < normal < high < urgent.
// -1 when unknown.
int StatusRank(std::string_view status);
int PriorityRank(std::string_view priority);

}  // namespace postdesk::rules
