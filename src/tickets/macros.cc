#include "tickets/macros.h"

#include <nlohmann/json.hpp>

namespace postdesk::tickets {

store::RuleRow MacroToRow(const rules::Macro& m) {
  store::RuleRow row;
  row.id = m.id;
  row.title = m.title;
  row.active = m.active;
  row.position = m.position;
  row.definition_json = rules::MacroToJson(m).dump();
  return row;
}

Result<rules::Macro> MacroFromRow(const store::RuleRow& row) {
  nlohmann::json j = nlohmann::json::parse(row.definition_json, nullptr, false);
  if (j.is_discarded()) return Status::Permanent("macro " + std::to_string(row.id) + ": bad JSON");
  auto m = rules::ParseMacro(j);
  if (!m.ok()) {
    return Status::Permanent("macro " + std::to_string(row.id) + ": " + m.status().message());
  }
  m->id = row.id;
  m->title = row.title;
  m->active = row.active;
  m->position = row.position;
  return m;
}

bool MayUseMacro(const rules::Macro& macro, const store::User& user,
                 const std::vector<int64_t>& user_groups) {
  if (user.role == Role::kAdmin) return true;
  if (user.role != Role::kAgent) return false;
  return macro.restriction.Allows(user.id, user_groups);
}

Result<std::vector<int64_t>> GroupIdsOf(store::Tx& tx, int64_t user_id) {
  auto memberships = tx.ListGroupMemberships(user_id, std::nullopt);
  if (!memberships.ok()) return memberships.status();
  std::vector<int64_t> ids;
  for (const auto& m : *memberships) ids.push_back(m.group_id);
  return ids;
}

Result<MacroPreview> PreviewMacro(store::Tx& tx, const DeskInfo& desk, int64_t ticket_id,
                                  const store::User& actor, const rules::Macro& macro) {
  auto ticket = tx.GetTicket(ticket_id);
  if (!ticket.ok()) return ticket.status();
  Update u;
  u.before = *ticket;
  u.ticket = *ticket;
  u.actor = actor;
  u.via = Channel::kWeb;
  auto view = RulesViewOf(tx, desk, u);
  if (!view.ok()) return view.status();
  MacroPreview preview;
  preview.result = rules::ApplyMacro(macro, *view);
  preview.ticket = *ticket;
  const rules::TicketState& s = view->after;
  preview.ticket.status = s.status;
  preview.ticket.priority = s.priority;
  preview.ticket.type = s.type;
  preview.ticket.assignee_id = s.assignee_id;
  preview.ticket.group_id = s.group_id;
  preview.ticket.tags = s.tags;
  preview.ticket.subject = s.subject;
  return preview;
}

}  // namespace postdesk::tickets
