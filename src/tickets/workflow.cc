#include "tickets/workflow.h"

#include <charconv>

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

bool MayUse(const rules::Restriction& restriction, const store::User& user,
            const std::vector<int64_t>& user_groups) {
  if (user.role == Role::kAdmin) return true;
  if (user.role != Role::kAgent) return false;
  return restriction.Allows(user.id, user_groups);
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
  preview.ticket.field_values = s.fields;
  preview.ticket.subject = s.subject;
  return preview;
}

store::RuleRow ViewToRow(const rules::View& v) {
  store::RuleRow row;
  row.id = v.id;
  row.title = v.title;
  row.active = v.active;
  row.position = v.position;
  row.default_key = v.default_key;
  row.definition_json = rules::ViewToJson(v).dump();
  return row;
}

Result<rules::View> ViewFromRow(const store::RuleRow& row) {
  nlohmann::json j = nlohmann::json::parse(row.definition_json, nullptr, false);
  if (j.is_discarded()) return Status::Permanent("view " + std::to_string(row.id) + ": bad JSON");
  auto v = rules::ParseView(j);
  if (!v.ok()) {
    return Status::Permanent("view " + std::to_string(row.id) + ": " + v.status().message());
  }
  v->id = row.id;
  v->title = row.title;
  v->active = row.active;
  v->position = row.position;
  v->default_key = row.default_key;
  return v;
}

namespace {

using TC = store::TicketCondition;

TC::Op OpOf(rules::Operator op) {
  switch (op) {
    case rules::Operator::kIsNot:
    case rules::Operator::kNotIncludes:
      return TC::Op::kIsNot;
    case rules::Operator::kLessThan:
      return TC::Op::kLessThan;
    case rules::Operator::kGreaterThan:
      return TC::Op::kGreaterThan;
    case rules::Operator::kPresent:
      return TC::Op::kPresent;
    case rules::Operator::kNotPresent:
      return TC::Op::kNotPresent;
    default:
      return TC::Op::kIs;
  }
}

// A custom field's condition: "is" no value (an unchecked checkbox too) is
// "not present"; numbers compare as numbers, dates (YYYY-MM-DD) as text.
TC CustomFieldCondition(const rules::Condition& c) {
  TC out{TC::Field::kCustomField, OpOf(c.op), {c.field_id, 0}, {}};
  const std::string want = c.words.empty() ? std::string() : c.words[0];
  if (out.op == TC::Op::kPresent || out.op == TC::Op::kNotPresent) return out;
  if (want.empty() && (out.op == TC::Op::kIs || out.op == TC::Op::kIsNot)) {
    out.op = out.op == TC::Op::kIs ? TC::Op::kNotPresent : TC::Op::kPresent;
    return out;
  }
  double number = 0;
  auto [end, ec] = std::from_chars(want.data(), want.data() + want.size(), number);
  if (ec == std::errc() && end == want.data() + want.size()) out.numbers[1] = 1;
  out.texts = {want};
  return out;
}

// A condition on hours since a time, as a condition on that time: "less
// than N hours ago" is "after now - N h".
TC HoursCondition(TC::Field field, const rules::Condition& c, int64_t now) {
  const int64_t n = c.number;
  TC out{field, TC::Op::kIs, {}, {}};
  switch (c.op) {
    case rules::Operator::kLessThan:
      out.op = TC::Op::kGreaterThan;
      out.numbers = {now - n * 3600};
      break;
    case rules::Operator::kGreaterThan:
      out.op = TC::Op::kLessThan;
      out.numbers = {now - n * 3600};
      break;
    default:  // is: N <= hours < N + 1
      out.numbers = {now - (n + 1) * 3600 + 1, now - n * 3600 + 1};
  }
  return out;
}

TC ConditionOf(const rules::Condition& c, int64_t me, const std::vector<int64_t>& my_groups,
               int64_t now) {
  using F = rules::ConditionField;
  TC out{TC::Field::kStatus, OpOf(c.op), {}, {}};
  auto ids = [&]() -> std::vector<int64_t> {
    switch (c.ref) {
      case rules::ValueRef::kNone:
        return {};
      case rules::ValueRef::kCurrentUser:
        return {me};
      case rules::ValueRef::kCurrentGroups:
        return my_groups.empty() ? std::vector<int64_t>{0} : my_groups;  // 0: no group has it
      default:
        return {c.number};
    }
  };
  switch (c.field) {
    case F::kStatus:
      out.field = TC::Field::kStatus;
      out.numbers = {c.number};
      break;
    case F::kPriority:
      out.field = TC::Field::kPriority;
      out.numbers = {c.number};
      break;
    case F::kType:
      out.field = TC::Field::kType;
      out.texts = {c.value};
      break;
    case F::kAssigneeId:
      out.field = TC::Field::kAssigneeId;
      out.numbers = ids();
      break;
    case F::kGroupId:
      out.field = TC::Field::kGroupId;
      out.numbers = ids();
      break;
    case F::kRequesterId:
      out.field = TC::Field::kRequesterId;
      out.numbers = ids();
      break;
    case F::kOrganizationId:
      out.field = TC::Field::kOrganizationId;
      out.numbers = ids();
      break;
    case F::kViaId:
      out.field = TC::Field::kVia;
      out.texts = {std::string(ChannelName(static_cast<Channel>(c.number)))};
      break;
    case F::kCurrentTags:
      out.field = TC::Field::kTags;
      out.texts = c.words;
      break;
    case F::kHoursSinceCreated:
      return HoursCondition(TC::Field::kCreatedAt, c, now);
    case F::kHoursSinceUpdated:
      return HoursCondition(TC::Field::kUpdatedAt, c, now);
    case F::kCustomField:
      return CustomFieldCondition(c);
    case F::kDeliveryFailed:
      out.field = TC::Field::kDeliveryFailed;
      if (c.number == 0) out.op = out.op == TC::Op::kIs ? TC::Op::kIsNot : TC::Op::kIs;
      break;
    default:
      // rules::ParseView lets no other field through; match nothing.
      out.field = TC::Field::kRequesterId;
      out.numbers = {0};
  }
  return out;
}

}  // namespace

store::TicketQuery ViewQuery(const rules::View& view, int64_t me,
                             const std::vector<int64_t>& my_groups, int64_t now) {
  store::TicketQuery q;
  for (const auto& c : view.all) q.all.push_back(ConditionOf(c, me, my_groups, now));
  for (const auto& c : view.any) q.any.push_back(ConditionOf(c, me, my_groups, now));
  using S = store::TicketQuery::Sort;
  const std::string& by = view.sort_by;
  q.sort = by == "id"        ? S::kId
           : by == "created" ? S::kCreated
           : by == "status"  ? S::kStatus
           : by == "subject" ? S::kSubject
           : by == "requester" ? S::kRequester
                               : S::kUpdated;
  q.ascending = view.ascending;
  return q;
}

Status SeedStandardViews(store::Tx& tx, int64_t now, std::string_view language) {
  constexpr std::string_view kSeeded = "standard_views_seeded";
  auto seeded = tx.GetSetting(kSeeded);
  if (seeded.ok()) return Status::Ok();
  if (seeded.status().kind() != ErrorKind::kNotFound) return seeded.status();
  for (rules::View v : rules::StandardViews(language)) {
    store::RuleRow row = ViewToRow(v);
    row.created_at = row.updated_at = now;
    auto made = tx.CreateRule(store::RuleTable::kViews, row);
    if (!made.ok()) return made.status();
  }
  return tx.SetSetting(kSeeded, "1");
}

}  // namespace postdesk::tickets
