// rules/macro: macros -- a saved set of ticket changes and a reply an agent
// applies in one click -- in the Zendesk API's JSON shape (`{title, active,
// position, description, actions, restriction}`), and what applying one does.
//
// Actions are the trigger actions that change a ticket (status, priority,
// type, assignee_id, group_id, set_tags, current_tags, remove_tags) plus the
// macro's own: comment_value (text with {{placeholders}}), comment_value_html,
// comment_mode_is_public and subject. Notifications are for triggers only.
// A restriction says who may use it: nobody in particular (shared), one
// agent (personal: {"type": "User", "id": N}), or the agents of some groups
// ({"type": "Group", "ids": [..]}).
//
// Trust: the JSON is untrusted (the API); every error is a Status::Invalid
// naming its place. Applying renders placeholders as triggers do: a public
// reply never shows private comments.
// Thread-safety: plain values and pure functions.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "common/status.h"
#include "rules/ticket_actions.h"
#include "rules/ticket_update.h"
#include "rules/trigger.h"

namespace postdesk::rules {

// Who may use a macro or a view.
struct Restriction {
  enum class Kind { kEveryone, kUser, kGroups };
  Kind kind = Kind::kEveryone;
  int64_t user_id = 0;             // with kUser
  std::vector<int64_t> group_ids;  // with kGroups

  // Whether `user_id`, a member of `groups`, may use it.
  bool Allows(int64_t user, const std::vector<int64_t>& groups) const;
};

// Parses `restriction` (null: everyone); `where` prefixes errors.
Result<Restriction> ParseRestriction(const nlohmann::json& json, std::string_view where);
nlohmann::json RestrictionToJson(const Restriction& restriction);

struct Macro {
  int64_t id = 0;
  std::string title;
  bool active = true;
  int64_t position = 0;
  std::string description;
  std::vector<Action> actions;
  Restriction restriction;
};

// Parses a macro object (or `{"macro": {...}}`). With `base`, absent keys
// keep base's values (a PUT); without it `title` and `actions` are required.
// Read-only keys Zendesk returns (id, url, created_at, usage_*...) are ignored.
Result<Macro> ParseMacro(const nlohmann::json& json, const Macro* base = nullptr);
// title, active, position, description, actions, restriction.
nlohmann::json MacroToJson(const Macro& macro);

// Unknown {{placeholders}} in the macro's comment, as "actions[i]: name".
std::vector<std::string> UnknownMacroPlaceholders(const Macro& macro);

struct MacroComment {
  std::string body;       // text, placeholders filled
  std::string html_body;  // HTML, placeholders filled; "" when the macro has only text
  bool is_public = true;
};

struct MacroResult {
  std::vector<AppliedChange> changes;   // in action order
  std::optional<std::string> subject;   // a new subject, when the macro sets one
  std::optional<MacroComment> comment;  // the reply, when the macro writes one
  std::vector<std::string> warnings;    // actions that could not apply
};

// Applies the macro to `update.after` (its ticket changes) and renders its
// comment against the changed ticket, for `update.current_user`.
MacroResult ApplyMacro(const Macro& macro, TicketUpdate& update);

}  // namespace postdesk::rules
