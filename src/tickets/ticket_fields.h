// tickets/ticket_fields: a ticket's fields as the desk defines them, in the
// Zendesk ticket_field shape -- the system fields every ticket has (subject,
// description, status, type, priority, group, assignee) and the custom text,
// multi-line, dropdown ("tagger"), checkbox, date, integer and decimal fields
// an admin adds. Here: parsing and checking a definition, its store row
// (store::RuleTable::kTicketFields), how a value of each type is checked and
// written on a ticket (text; "" is no value), the tags a dropdown option or a
// checkbox carries onto the ticket, and the checks a trigger, macro or view
// naming a custom field must pass.
// Trust: definitions and values come from the API; every error is a
// Status::Invalid naming the place.
// Thread-safety: plain values and pure functions over the caller's Tx.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "rules/trigger.h"
#include "store/store.h"

namespace postdesk::tickets {

struct FieldOption {
  int64_t id = 0;
  std::string name;   // what agents see
  std::string value;  // the tag it puts on the ticket (lower case, no spaces)
  bool is_default = false;
};

// Zendesk's field types: the system ones first, then the custom ones.
enum class FieldType {
  kSubject,
  kDescription,
  kStatus,
  kTicketType,
  kPriority,
  kGroup,
  kAssignee,
  kText,      // one line
  kTextarea,  // several lines
  kTagger,    // a dropdown
  kCheckbox,
  kDate,  // YYYY-MM-DD
  kInteger,
  kDecimal,
};
std::string_view FieldTypeName(FieldType type);  // "tickettype", "tagger"...
std::optional<FieldType> ParseFieldType(std::string_view name);  // "dropdown" too
bool IsCustomFieldType(FieldType type);

struct TicketField {
  int64_t id = 0;
  FieldType type = FieldType::kText;
  std::string title;
  std::string description;
  bool active = true;
  bool required = false;  // custom: agents fill it before a ticket is solved
  int64_t position = 0;
  std::string tag;                   // checkbox: the tag it adds when checked
  std::vector<FieldOption> options;  // tagger
  int64_t created_at = 0;
  int64_t updated_at = 0;

  bool IsSystem() const;
};

// Parses a definition (or `{"ticket_field": {...}}`). With `base`, absent keys
// keep base's values and the type cannot change; a system field takes only a
// new title, description and position. Options keep the ids they are given
// (known ones only); new ones get id 0 (see AssignOptionIds).
Result<TicketField> ParseTicketField(const nlohmann::json& json, const TicketField* base = nullptr);
nlohmann::json TicketFieldToJson(const TicketField& field, std::string_view base_url);

store::RuleRow FieldToRow(const TicketField& field);
Result<TicketField> FieldFromRow(const store::RuleRow& row);

// Every field, system ones first as seeded, by position.
Result<std::vector<TicketField>> ListTicketFields(store::Tx& tx);
// The custom field `id`, or NotFound.
const TicketField* FindCustomField(const std::vector<TicketField>& fields, int64_t id);

// Zendesk's "create or update option": adds `option` ({name, value}) to a
// dropdown, or changes the one its `id` names (`replaced`); `index` is its
// place. NotFound: no such option; Invalid: not a dropdown, or a bad option.
Result<TicketField> UpsertOption(const TicketField& field, const nlohmann::json& option,
                                 size_t& index, bool& replaced);

// Gives options with id 0 an id no option of any field has.
Status AssignOptionIds(store::Tx& tx, TicketField& field);

// Creates the system fields, in `language` ("en" | "ja"), unless done before.
Status SeedSystemTicketFields(store::Tx& tx, int64_t now, std::string_view language);

// A value from the API (string, number, boolean or null) as the ticket keeps
// it: text and dates as given, numbers in canonical form, a dropdown's option
// value, a checkbox "true" or "" (unchecked). "" clears the field.
Result<std::string> FieldValueText(const TicketField& field, const nlohmann::json& value,
                                   std::string_view where);
// And back as the API shows it: a checkbox true/false, others a string or null.
nlohmann::json FieldValueJson(const TicketField& field, const std::string& text);

// A ticket's `custom_fields`: every custom field, active or not, with its value.
nlohmann::json CustomFieldsJson(const std::vector<TicketField>& fields, const store::Ticket& ticket);

// Applies a ticket's `custom_fields` from the API ([{id, value}], or Zendesk's
// {"<id>": value}) to `ticket`: values checked, tags of the changed
// dropdowns and checkboxes synced.
Status ApplyCustomFields(const nlohmann::json& list, const std::vector<TicketField>& fields,
                         store::Ticket& ticket);

// For each custom field whose value differs between `before` and `after`:
// the old option's (or checkbox's) tag is taken off `tags`, the new one put on.
void SyncFieldTags(const std::vector<TicketField>& fields,
                   const std::map<int64_t, std::string>& before,
                   const std::map<int64_t, std::string>& after, std::vector<std::string>& tags);

// Checks the custom fields a rule names: each exists, the operator suits its
// type, and values are normalised as FieldValueText would (a checkbox's
// condition becomes a boolean). `where` prefixes the conditions' and
// actions' places ("conditions.all", "actions").
Status CheckRuleFields(const std::vector<TicketField>& fields, std::vector<rules::Condition>& all,
                       std::vector<rules::Condition>& any, std::vector<rules::Action>& actions);
// The same against the desk's fields; a store failure is returned as is, a
// refusal as Invalid.
Status CheckRuleFields(store::Tx& tx, std::vector<rules::Condition>& all,
                       std::vector<rules::Condition>& any, std::vector<rules::Action>& actions);

// The triggers, macros and views that name custom field `field_id` -- with
// `value`, only those comparing with or setting that value (a dropdown's
// option) -- as "trigger \"Title\"": a field or option they name is not
// deleted from under them.
Result<std::vector<std::string>> RulesNaming(store::Tx& tx, int64_t field_id,
                                             std::string_view value = {});

// Active required custom fields that have no value on `ticket`, by title:
// an agent cannot solve it until they are filled.
std::vector<std::string> MissingRequiredFields(const std::vector<TicketField>& fields,
                                               const store::Ticket& ticket);

}  // namespace postdesk::tickets
