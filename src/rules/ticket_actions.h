// rules/ticket_actions: what one ticket action (status, priority, type,
// assignee, group, tags) does to a ticket's fields. The trigger engine and
// macros apply actions through this one function.
// Thread-safety: pure function.
#pragma once

#include <optional>
#include <string>

#include "rules/ticket_update.h"
#include "rules/trigger.h"

namespace postdesk::rules {

// A field an action changed, as an audit Change event shows it: ids as
// decimal strings ("" for none), tags space-separated.
struct AppliedChange {
  std::string field;  // status | priority | type | assignee_id | group_id | tags | custom_fields_<id>
  std::string previous_value;
  std::string value;
};

// Applies a ticket action to `state` on behalf of `current_user`. Returns the
// change, or nullopt when the field already had that value, the action is
// not a ticket action (a notification, a comment), or it cannot apply; then
// `refusal` says why (assigning to a current user who is not an agent).
std::optional<AppliedChange> ApplyTicketAction(const Action& action, TicketState& state,
                                               const UserInfo& current_user,
                                               std::string* refusal);

}  // namespace postdesk::rules
