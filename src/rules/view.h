// rules/view: views -- saved ticket lists -- in the Zendesk API's JSON shape:
// `{title, active, position, description, conditions: {all, any}, execution:
// {columns, sort_by, sort_order}, restriction}` (no grouping). On create and
// update Zendesk takes `all`/`any` at the top level and `output: {columns,
// sort_by, sort_order}`; both forms are read.
//
// Conditions are the trigger condition language on what a stored ticket
// has: status, priority, type, assignee_id, group_id, requester_id,
// organization_id, via_id, current_tags, and the views' own NEW (hours since
// created), updated_at (hours since updated) and delivery_failed. Operators
// are is / is_not (less_than / greater_than for status, priority and
// hours; includes / not_includes for tags); a change operator or a field
// about an update (comment, role, update_type...) is refused.
// A view needs at least one `all` condition or one `any` condition.
//
// Trust: the JSON is untrusted; every error is a Status::Invalid naming its
// place. Thread-safety: plain values and pure functions.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "common/status.h"
#include "rules/macro.h"
#include "rules/trigger.h"

namespace postdesk::rules {

// The columns a view may show, in Zendesk's names.
// status, subject, requester, assignee, group, organization, priority,
// type, created, updated, tags, id
bool IsViewColumn(std::string_view column);

struct View {
  int64_t id = 0;
  std::string title;
  bool active = true;
  int64_t position = 0;
  std::string description;
  std::vector<Condition> all;
  std::vector<Condition> any;
  std::vector<std::string> columns = {"subject", "requester", "status", "updated"};
  std::string sort_by = "updated";  // id, created, updated, status, subject or requester
  bool ascending = false;
  Restriction restriction;
  std::string default_key;  // one of the standard views (restorable); "" custom
};

// Parses a view object (or `{"view": {...}}`). With `base`, absent keys keep
// base's values (a PUT); without it `title` and conditions are required.
Result<View> ParseView(const nlohmann::json& json, const View* base = nullptr);
// title, active, position, description, conditions, execution, restriction.
nlohmann::json ViewToJson(const View& view);

// The standard views a desk starts with (English or Japanese titles), each
// with its default_key: my_open, unassigned, all_open, recently_solved,
// delivery_failures.
std::vector<View> StandardViews(std::string_view language_code);

}  // namespace postdesk::rules
