#include "doctor/fixes.h"

#include "rules/defaults.h"
#include "rules/trigger.h"
#include "tickets/trigger_history.h"
#include "tickets/updates.h"

namespace postdesk::doctor {
namespace {

using nlohmann::json;

Status Record(store::Tx& tx, std::string_view subject, const FixAction& fix, json detail,
              int64_t now) {
  detail["fix"] = std::string(FixKindName(fix.kind));
  detail["step"] = fix.step;
  detail["summary"] = fix.summary;
  store::SystemEvent event;
  event.kind = "doctor_fix";
  event.subject = std::string(subject);
  event.detail_json = detail.dump();
  event.created_at = now;
  auto added = tx.AddSystemEvent(event);
  return added.ok() ? Status::Ok() : added.status();
}

Result<std::string> ActivateTrigger(store::Tx& tx, const FixAction& fix, int64_t actor_id,
                                    std::string_view subject, int64_t now) {
  auto row = tx.GetTrigger(fix.id);
  if (!row.ok()) return row.status();
  std::string name = "trigger " + std::to_string(row->id) + " \"" + row->title + "\"";
  if (row->active) return name + " is already active";
  auto trigger = tickets::TriggerFromRow(*row);
  if (!trigger.ok()) return trigger.status();
  trigger->active = true;
  trigger->updated_at = now;
  store::TriggerRow after = tickets::TriggerToRow(*trigger);
  if (Status s = tx.UpdateTrigger(after); !s.ok()) return s;
  if (Status s = tickets::RecordTriggerChange(tx, actor_id, tickets::TriggerChange::kActivate, *row,
                                              after, now);
      !s.ok()) {
    return s;
  }
  if (Status s = Record(tx, subject, fix,
                        {{"trigger_id", row->id}, {"title", row->title}, {"active", {false, true}}},
                        now);
      !s.ok()) {
    return s;
  }
  return "re-activated " + name;
}

Result<std::string> RestoreTrigger(store::Tx& tx, const FixAction& fix, int64_t actor_id,
                                   std::string_view subject, int64_t now) {
  auto shipped = rules::RestoreDefault(fix.key, tickets::DeskLanguage(tx));
  if (!shipped.ok()) return shipped.status();
  rules::Trigger t = *shipped;
  json detail = {{"default_key", fix.key}, {"title", t.title}};
  auto row = tx.FindTriggerByDefaultKey(fix.key);
  if (row.ok()) {
    auto stored = tickets::TriggerFromRow(*row);
    if (stored.ok() && SameAsShipped(*stored, t) && stored->active == t.active) {
      return "trigger " + std::to_string(row->id) + " \"" + t.title + "\" is already as shipped";
    }
    detail["previous"] = json::parse(row->definition_json, nullptr, false);
    detail["previous_active"] = row->active;
    detail["trigger_id"] = row->id;
    t.id = row->id;
    t.position = row->position;
    t.created_at = row->created_at;
    t.updated_at = now;
    store::TriggerRow after = tickets::TriggerToRow(t);
    if (Status s = tx.UpdateTrigger(after); !s.ok()) return s;
    if (Status s = tickets::RecordTriggerChange(tx, actor_id, tickets::TriggerChange::kRestore,
                                                *row, after, now);
        !s.ok()) {
      return s;
    }
    if (Status s = Record(tx, subject, fix, detail, now); !s.ok()) return s;
    return "restored trigger " + std::to_string(t.id) + " \"" + t.title + "\" as shipped";
  }
  if (row.status().kind() != ErrorKind::kNotFound) return row.status();
  t.created_at = t.updated_at = now;
  auto created = tx.CreateTrigger(tickets::TriggerToRow(t));
  if (!created.ok()) return created.status();
  if (Status s = tickets::RecordTriggerChange(tx, actor_id, tickets::TriggerChange::kRestore,
                                              std::nullopt, *created, now);
      !s.ok()) {
    return s;
  }
  detail["trigger_id"] = created->id;
  detail["previous"] = nullptr;
  if (Status s = Record(tx, subject, fix, detail, now); !s.ok()) return s;
  return "re-created the deleted trigger \"" + t.title + "\" as trigger " +
         std::to_string(created->id);
}

Result<std::string> ClearUndeliverable(store::Tx& tx, const FixAction& fix,
                                       std::string_view subject, int64_t now) {
  auto user = tx.GetUser(fix.id);
  if (!user.ok()) return user.status();
  if (!user->undeliverable) return user->email + " is not flagged undeliverable";
  json detail = {{"user_id", user->id},
                 {"email", user->email},
                 {"previous_reason", user->undeliverable_reason}};
  user->undeliverable = false;
  user->undeliverable_reason.clear();
  user->updated_at = now;
  if (Status s = tx.UpdateUser(*user); !s.ok()) return s;
  if (Status s = Record(tx, subject, fix, detail, now); !s.ok()) return s;
  return "cleared the undeliverable flag of " + user->email;
}

Result<std::string> ResendVerification(store::Tx& tx, const FixAction& fix,
                                       const FixContext& context, std::string_view subject,
                                       int64_t now) {
  auto before = tx.GetRecipientAddress(fix.id);
  if (!before.ok()) return before.status();
  if (before->forwarding_status == "verified") {
    return before->email + " is already verified";
  }
  auto sent = channel::StartForwardingCheck(tx, fix.id, context.forwarding, now);
  if (!sent.ok()) return sent.status();
  if (Status s = Record(tx, subject, fix,
                        {{"recipient_address_id", sent->id},
                         {"email", sent->email},
                         {"previous_status", before->forwarding_status},
                         {"status", sent->forwarding_status}},
                        now);
      !s.ok()) {
    return s;
  }
  return "sent the forwarding verification email to " + sent->email + " again (now " +
         sent->forwarding_status + ")";
}

}  // namespace

std::string_view FixKindName(FixKind kind) {
  switch (kind) {
    case FixKind::kActivateTrigger:
      return "activate_trigger";
    case FixKind::kRestoreTrigger:
      return "restore_trigger";
    case FixKind::kResendForwardingVerification:
      return "resend_forwarding_verification";
    case FixKind::kClearUndeliverable:
      return "clear_undeliverable";
  }
  return "unknown";
}

bool SameAsShipped(const rules::Trigger& stored, const rules::Trigger& shipped) {
  if (stored.title != shipped.title) return false;
  json a = rules::TriggerToJson(stored), b = rules::TriggerToJson(shipped);
  return a["conditions"] == b["conditions"] && a["actions"] == b["actions"];
}

bool SameFix(const FixAction& a, const FixAction& b) {
  return a.kind == b.kind && a.id == b.id && a.key == b.key;
}

void AddFix(std::vector<FixAction>& fixes, FixAction fix) {
  for (const FixAction& f : fixes) {
    if (SameFix(f, fix)) return;
  }
  fixes.push_back(std::move(fix));
}

json FixJson(const FixAction& fix) {
  json j = {{"fix", std::string(FixKindName(fix.kind))},
            {"step", fix.step},
            {"summary", fix.summary}};
  if (fix.id) j["id"] = fix.id;
  if (!fix.key.empty()) j["key"] = fix.key;
  return j;
}

Result<FixAction> FixFromJson(const json& j) {
  if (!j.is_object() || !j.contains("fix") || !j["fix"].is_string()) {
    return Status::Invalid("fix: an object with a \"fix\" kind, as the diagnosis lists it");
  }
  FixAction fix;
  std::string kind = j["fix"].get<std::string>();
  bool known = false;
  for (FixKind k : {FixKind::kActivateTrigger, FixKind::kRestoreTrigger,
                    FixKind::kResendForwardingVerification, FixKind::kClearUndeliverable}) {
    if (FixKindName(k) == kind) {
      fix.kind = k;
      known = true;
    }
  }
  if (!known) return Status::Invalid("fix: unknown kind \"" + kind.substr(0, 40) + "\"");
  fix.step = j.value("step", std::string());
  fix.summary = j.value("summary", std::string());
  if (j.contains("id") && j["id"].is_number_integer()) fix.id = j["id"].get<int64_t>();
  if (j.contains("key") && j["key"].is_string()) fix.key = j["key"].get<std::string>();
  bool needs_key = fix.kind == FixKind::kRestoreTrigger;
  if (needs_key ? fix.key.empty() : fix.id <= 0) {
    return Status::Invalid(std::string("fix: ") + (needs_key ? "key" : "id") + " is missing");
  }
  return fix;
}

Result<std::string> ApplyFix(store::Tx& tx, const FixAction& fix, const FixContext& context,
                             std::string_view subject, int64_t now) {
  switch (fix.kind) {
    case FixKind::kActivateTrigger:
      return ActivateTrigger(tx, fix, context.actor_id, subject, now);
    case FixKind::kRestoreTrigger:
      return RestoreTrigger(tx, fix, context.actor_id, subject, now);
    case FixKind::kResendForwardingVerification:
      return ResendVerification(tx, fix, context, subject, now);
    case FixKind::kClearUndeliverable:
      return ClearUndeliverable(tx, fix, subject, now);
  }
  return Status::Invalid("unknown fix");
}

}  // namespace postdesk::doctor
