#include "tickets/trigger_history.h"

#include <nlohmann/json.hpp>
#include <optional>

#include "tickets/updates.h"

namespace postdesk::tickets {

namespace {

std::string Snapshot(const std::optional<store::TriggerRow>& row) {
  if (!row) return "null";
  auto t = TriggerFromRow(*row);
  if (!t.ok()) return nlohmann::json{{"id", row->id}, {"title", row->title}}.dump();
  return rules::TriggerToJson(*t).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace

std::string_view TriggerChangeName(TriggerChange change) {
  switch (change) {
    case TriggerChange::kCreate:
      return "create";
    case TriggerChange::kUpdate:
      return "update";
    case TriggerChange::kActivate:
      return "activate";
    case TriggerChange::kDeactivate:
      return "deactivate";
    case TriggerChange::kReorder:
      return "reorder";
    case TriggerChange::kDelete:
      return "delete";
    case TriggerChange::kRestore:
      return "restore";
  }
  return "update";
}

std::optional<TriggerChange> ClassifyTriggerEdit(const store::TriggerRow& before,
                                                const store::TriggerRow& after) {
  auto rules_of = [](const store::TriggerRow& row) {
    auto j = nlohmann::json::parse(row.definition_json, nullptr, false);
    if (!j.is_object()) return nlohmann::json();
    return nlohmann::json{{"conditions", j.value("conditions", nlohmann::json())},
                          {"actions", j.value("actions", nlohmann::json())},
                          {"description", j.value("description", nlohmann::json())}};
  };
  // Switching a trigger on or off is what an admin looks for in the
  // history, so it names the change even when other fields moved too.
  if (before.active != after.active) {
    return after.active ? TriggerChange::kActivate : TriggerChange::kDeactivate;
  }
  if (before.title != after.title || rules_of(before) != rules_of(after)) {
    return TriggerChange::kUpdate;
  }
  if (before.position != after.position) return TriggerChange::kReorder;
  return std::nullopt;
}

Status RecordTriggerChange(store::Tx& tx, int64_t author_id, TriggerChange change,
                           const std::optional<store::TriggerRow>& before,
                           const std::optional<store::TriggerRow>& after, int64_t now) {
  store::TriggerRevision r;
  r.trigger_id = after ? after->id : (before ? before->id : 0);
  r.author_id = author_id;
  r.action = std::string(TriggerChangeName(change));
  r.before_json = Snapshot(before);
  r.after_json = Snapshot(after);
  r.created_at = now;
  return tx.AddTriggerRevision(r).status();
}

}  // namespace postdesk::tickets
