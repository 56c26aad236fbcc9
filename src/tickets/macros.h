// tickets/macros: macros as the desk stores and offers them -- to and from
// their store rows, which macros an agent may use (rules::Restriction against
// the agent's groups), and a preview of one applied to a ticket: the ticket
// as it would be and the reply with its placeholders filled. Nothing is
// written: the agent (or API client) sends the result as a normal ticket
// update, so triggers and audits work as for any update.
// Thread-safety: pure functions over the caller's Tx.
#pragma once

#include <vector>

#include "common/status.h"
#include "rules/macro.h"
#include "store/store.h"
#include "tickets/updates.h"

namespace postdesk::tickets {

// A macro's row (id, title, active, position from the macro; the rest as
// JSON) and back (the row's columns win over its JSON).
store::RuleRow MacroToRow(const rules::Macro& macro);
Result<rules::Macro> MacroFromRow(const store::RuleRow& row);

// Whether `user` may use (and an agent edit) `macro`: admins may use all.
bool MayUseMacro(const rules::Macro& macro, const store::User& user,
                 const std::vector<int64_t>& user_groups);

// The ids of the groups `user_id` is a member of.
Result<std::vector<int64_t>> GroupIdsOf(store::Tx& tx, int64_t user_id);

struct MacroPreview {
  store::Ticket ticket;  // as it would be after the macro
  rules::MacroResult result;
};

// `macro` applied to ticket `ticket_id` by `actor` (NotFound: no ticket).
Result<MacroPreview> PreviewMacro(store::Tx& tx, const DeskInfo& desk, int64_t ticket_id,
                                  const store::User& actor, const rules::Macro& macro);

}  // namespace postdesk::tickets
