// store/workflow: the rules agents and admins save -- macros (ticket changes
// and a reply applied in one click) and views (saved ticket lists) -- as
// rows of the shape triggers have: title, active and position are columns
// (lists are ordered in SQL), the rest is the Zendesk-shaped JSON the rules
// module parses (rules/macro.h, rules/view.h). One aggregate of the store:
// Tx offers these methods beside the tickets' and the directory's.
// Thread-safety: as Tx (one thread, one transaction).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace postdesk::store {

// A trigger, a macro or a view as stored.
struct RuleRow {
  int64_t id = 0;
  std::string title;
  bool active = true;
  int64_t position = 0;
  std::string default_key;  // non-empty for one of the standard ones (unique)
  std::string definition_json = "{}";
  int64_t created_at = 0;
  int64_t updated_at = 0;
};

// Ticket fields (tickets/ticket_fields) are stored in the same shape: title,
// active and position as columns, type and options as the JSON.
enum class RuleTable { kMacros, kViews, kTicketFields };

class WorkflowTx {
 public:
  virtual ~WorkflowTx() = default;

  virtual Result<RuleRow> CreateRule(RuleTable table, RuleRow row) = 0;  // id set
  virtual Result<RuleRow> GetRule(RuleTable table, int64_t id) = 0;
  virtual Status UpdateRule(RuleTable table, const RuleRow& row) = 0;  // all but created_at
  virtual Status DeleteRule(RuleTable table, int64_t id) = 0;          // NotFound when absent
  virtual Result<std::vector<RuleRow>> ListRules(RuleTable table) = 0;  // by position, then id
  virtual Result<RuleRow> FindRuleByDefaultKey(RuleTable table, std::string_view key) = 0;
  // Removes every ticket's value of a deleted custom field.
  virtual Status DeleteTicketFieldValues(int64_t field_id) = 0;
};

}  // namespace postdesk::store
