// tickets/workflow: macros and views as the desk stores and offers them --
// to and from their store rows, who may use one (rules::Restriction against
// the agent's groups; admins use all), a macro's preview on a ticket (the
// ticket as it would be and the reply with its placeholders filled; nothing
// is written: the agent sends the result as a normal ticket update, so
// triggers and audits work as for any update), a view's ticket query for
// the agent asking, and the standard views a desk starts with.
// Thread-safety: pure functions over the caller's Tx.
#pragma once

#include <vector>

#include "common/status.h"
#include "rules/macro.h"
#include "rules/view.h"
#include "store/store.h"
#include "tickets/updates.h"

namespace postdesk::tickets {

// A macro's row (id, title, active, position from the macro; the rest as
// JSON) and back (the row's columns win over its JSON).
store::RuleRow MacroToRow(const rules::Macro& macro);
Result<rules::Macro> MacroFromRow(const store::RuleRow& row);

// Whether `user` may use a macro or view restricted so: admins use all,
// end users none.
bool MayUse(const rules::Restriction& restriction, const store::User& user,
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

// A view's row and back (the row's columns -- title, active, position,
// default_key -- win over its JSON).
store::RuleRow ViewToRow(const rules::View& view);
Result<rules::View> ViewFromRow(const store::RuleRow& row);

// The tickets `view` lists for agent `me` (a member of `my_groups`) at
// `now`: current_user and current_groups resolved, hours turned into times,
// its sort. Paging is the caller's.
store::TicketQuery ViewQuery(const rules::View& view, int64_t me,
                             const std::vector<int64_t>& my_groups, int64_t now);

// Creates the standard views, in `language` ("en", "ja"), unless that was
// done before (a desk keeps the views it changed or deleted).
Status SeedStandardViews(store::Tx& tx, int64_t now, std::string_view language);

}  // namespace postdesk::tickets
