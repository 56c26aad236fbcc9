#include "tickets/updates.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <map>
#include <mutex>
#include <unordered_map>

#include "common/ids.h"
#include "common/strings.h"
#include "outbound/compose.h"
#include "outbound/enqueue.h"
#include "rules/defaults.h"
#include "rules/engine.h"
#include "spam/filter.h"
#include "tickets/ticket_fields.h"

namespace postdesk::tickets {
namespace {

using nlohmann::json;
constexpr std::string_view kSeededSetting = "default_triggers_seeded";
// The desk's language, fixed when its default triggers are made (desks
// seeded before it existed are English).
constexpr std::string_view kLanguageSetting = "desk_language";
constexpr size_t kMaxReferences = 20;
// Base64 adds a third: 10 MiB of files is ~14 MB of mail, under the common
// 20-25 MB limits of receiving servers.
constexpr int64_t kMaxMailedAttachmentBytes = 10 * 1024 * 1024;

void ApplyState(const rules::TicketState& s, store::Ticket& t) {
  t.status = s.status;
  t.priority = s.priority;
  t.type = s.type;
  t.assignee_id = s.assignee_id;
  t.group_id = s.group_id;
  t.tags = s.tags;
  t.field_values = s.fields;
}

json RuleVia(int64_t trigger_id, const std::string& title) {
  return {{"channel", "rule"},
          {"source", {{"from", {{"id", trigger_id}, {"title", title}}}, {"rel", "trigger"}}}};
}

// Users the engine may need: requester, assignee, CCs, the actor, all agents.
Result<std::vector<store::User>> Directory(store::Tx& tx, const store::Ticket& t,
                                           const store::User& actor) {
  std::map<int64_t, store::User> by_id;
  by_id[actor.id] = actor;
  std::vector<int64_t> ids = t.collaborator_ids;
  ids.push_back(t.requester_id);
  if (t.assignee_id) ids.push_back(*t.assignee_id);
  for (int64_t id : ids) {
    if (by_id.count(id)) continue;
    auto u = tx.GetUser(id);
    if (!u.ok()) return u.status();
    by_id[id] = *u;
  }
  for (Role role : {Role::kAgent, Role::kAdmin}) {
    auto staff = tx.ListUsersByRole(role);
    if (!staff.ok()) return staff.status();
    for (auto& u : *staff) {
      if (!u.suspended) by_id[u.id] = u;  // a deactivated agent gets no mail
    }
  }
  std::vector<store::User> out;
  for (auto& [id, u] : by_id) out.push_back(u);
  return out;
}

}  // namespace

rules::TicketState StateOf(const store::Ticket& t) {
  rules::TicketState s;
  s.status = t.status;
  s.priority = t.priority;
  s.type = t.type;
  s.assignee_id = t.assignee_id;
  s.group_id = t.group_id;
  s.organization_id = t.organization_id;
  s.requester_id = t.requester_id;
  s.cc_ids = t.collaborator_ids;
  s.tags = t.tags;
  s.fields = t.field_values;
  s.subject = t.subject;
  s.description = t.description;
  s.via = t.via;
  s.recipient = t.recipient;
  return s;
}

rules::UserInfo InfoOf(const store::User& u) {
  rules::UserInfo i;
  i.id = u.id;
  i.name = u.name;
  i.email = u.undeliverable ? "" : u.email;
  i.role = u.role;
  return i;
}

Result<std::vector<rules::GroupInfo>> GroupsOf(store::Tx& tx) {
  auto groups = tx.ListGroups(/*include_deleted=*/true);
  if (!groups.ok()) return groups.status();
  auto memberships = tx.ListGroupMemberships(std::nullopt, std::nullopt);
  if (!memberships.ok()) return memberships.status();
  std::vector<rules::GroupInfo> out;
  for (const store::Group& g : *groups) {
    rules::GroupInfo info{.id = g.id, .name = g.name, .member_ids = {}};
    for (const store::GroupMembership& m : *memberships) {
      if (m.group_id == g.id) info.member_ids.push_back(m.user_id);
    }
    out.push_back(std::move(info));
  }
  return out;
}


store::TriggerRow TriggerToRow(const rules::Trigger& t) {
  store::TriggerRow row;
  row.id = t.id;
  row.title = t.title;
  row.active = t.active;
  row.position = t.position;
  row.default_key = t.default_key;
  row.definition_json = rules::TriggerToJson(t).dump();
  row.created_at = t.created_at;
  row.updated_at = t.updated_at;
  return row;
}

namespace {

// Parsed trigger definitions by their JSON text: every ticket update reads all
// triggers, and parsing them again each time would cost more than evaluating.
class ParsedTriggerCache {
 public:
  Result<rules::Trigger> Get(const std::string& json) {
    {
      std::lock_guard lock(mu_);
      if (auto it = cache_.find(json); it != cache_.end()) return it->second;
    }
    auto t = rules::ParseTriggerText(json);
    if (!t.ok()) return t;
    std::lock_guard lock(mu_);
    if (cache_.size() >= kMaxEntries) cache_.clear();
    cache_.emplace(json, *t);
    return t;
  }

 private:
  static constexpr size_t kMaxEntries = 4096;
  std::mutex mu_;
  std::unordered_map<std::string, rules::Trigger> cache_;
};

ParsedTriggerCache& TriggerCache() {
  static ParsedTriggerCache cache;
  return cache;
}

}  // namespace

Result<rules::Trigger> TriggerFromRow(const store::TriggerRow& row) {
  auto t = TriggerCache().Get(row.definition_json);
  if (!t.ok()) return t.status();
  t->id = row.id;
  t->title = row.title;
  t->active = row.active;
  t->position = row.position;
  t->default_key = row.default_key;
  t->is_default = !row.default_key.empty();
  t->created_at = row.created_at;
  t->updated_at = row.updated_at;
  return t;
}

Status SeedDefaultTriggers(store::Tx& tx, int64_t now, rules::Language language) {
  auto seeded = tx.GetSetting(kSeededSetting);
  if (seeded.ok()) return Status::Ok();
  if (seeded.status().kind() != ErrorKind::kNotFound) return seeded.status();
  for (auto t : rules::DefaultTriggers(language)) {
    t.created_at = t.updated_at = now;
    auto row = tx.CreateTrigger(TriggerToRow(t));
    if (!row.ok()) return row.status();
  }
  if (Status s = tx.SetSetting(kLanguageSetting, rules::LanguageCode(language)); !s.ok()) return s;
  return tx.SetSetting(kSeededSetting, "1");
}

rules::Language DeskLanguage(store::Tx& tx) {
  auto code = tx.GetSetting(kLanguageSetting);
  if (!code.ok()) return rules::Language::kEnglish;
  return rules::LanguageFromCode(*code).value_or(rules::Language::kEnglish);
}

Status SetDeskLanguage(store::Tx& tx, rules::Language language) {
  return tx.SetSetting(kLanguageSetting, rules::LanguageCode(language));
}

namespace {

// An agent's public answer on a ticket that came by email says its first email
// was wanted mail: the spam filter learns it as ham (its learn cache makes that
// happen once per message). A failure to learn never stops the agent's update,
// except a temporary store error, which the caller retries anyway.
Status LearnHamFromAnswer(store::Tx& tx, const DeskInfo& desk, Update& u,
                          const std::vector<store::Comment>& history) {
  if (!desk.spam_filter || u.created || !u.comment || !u.comment->is_public ||
      u.ticket.via != Channel::kEmail || !IsStaff(u.actor.role)) {
    return Status::Ok();
  }
  auto first = std::find_if(history.begin(), history.end(),
                            [](const store::Comment& c) { return c.raw_message_id.has_value(); });
  if (first == history.end()) return Status::Ok();
  auto raw = tx.GetRawMessage(*first->raw_message_id);
  if (!raw.ok()) {
    return raw.status().kind() == ErrorKind::kNotFound ? Status::Ok() : raw.status();
  }
  auto learned = desk.spam_filter->Learn(tx, raw->bytes, /*spam=*/false);
  if (!learned.ok()) {
    if (learned.status().kind() == ErrorKind::kTemporary) return learned.status();
    spdlog::warn("ticket {}: learning its first email as ham failed: {}", u.ticket.id,
                 learned.status().message());
    return Status::Ok();
  }
  if (*learned) {
    u.metadata["spam_filter"] = {{"learned", "ham"}, {"raw_message_id", *first->raw_message_id}};
  }
  return Status::Ok();
}

}  // namespace

namespace {

// RulesViewOf, also handing back the ticket's comments it read.
Result<rules::TicketUpdate> RulesViewWithHistory(store::Tx& tx, const DeskInfo& desk,
                                                 const Update& u,
                                                 std::vector<store::Comment>& history_out) {
  auto directory = Directory(tx, u.ticket, u.actor);
  if (!directory.ok()) return directory.status();
  std::map<int64_t, store::User> users;
  for (auto& user : *directory) users[user.id] = user;

  rules::TicketUpdate ru;
  ru.ticket_id = u.ticket.id;
  ru.encoded_id = u.ticket.encoded_id;
  ru.ticket_url = desk.base_url + "/api/v2/tickets/" + std::to_string(u.ticket.id) + ".json";
  ru.account_name = desk.DisplayName();
  ru.update_type = u.created ? rules::UpdateType::kCreate : rules::UpdateType::kChange;
  ru.before = StateOf(u.created ? u.ticket : u.before);
  ru.after = StateOf(u.ticket);
  ru.current_via = u.via;
  ru.current_user = InfoOf(u.actor);
  for (auto& [id, user] : users) ru.users.push_back(InfoOf(user));
  auto groups = GroupsOf(tx);
  if (!groups.ok()) return groups.status();
  ru.groups = std::move(groups).value();
  auto author_name = [&](int64_t id) {
    auto it = users.find(id);
    if (it != users.end()) return it->second.name;
    auto fetched = tx.GetUser(id);
    return fetched.ok() ? fetched->name : std::string();
  };
  if (u.comment) {
    rules::CommentInfo c;
    c.id = u.comment->id;
    c.author_id = u.comment->author_id;
    c.author_name = author_name(c.author_id);
    c.body = u.comment->body;
    c.is_public = u.comment->is_public;
    c.created_at = u.comment->created_at;
    ru.comment = c;
  }
  auto history = tx.ListComments(u.ticket.id);
  if (!history.ok()) return history.status();
  for (const auto& h : *history) {
    rules::CommentInfo c;
    c.id = h.id;
    c.author_id = h.author_id;
    c.author_name = author_name(h.author_id);
    c.body = h.body;
    c.is_public = h.is_public;
    c.created_at = h.created_at;
    ru.comments.push_back(std::move(c));
  }
  history_out = std::move(history).value();
  return ru;
}

}  // namespace

Result<rules::TicketUpdate> RulesViewOf(store::Tx& tx, const DeskInfo& desk, const Update& u) {
  std::vector<store::Comment> history;
  return RulesViewWithHistory(tx, desk, u, history);
}

Result<UpdateResult> Commit(store::Tx& tx, const DeskInfo& desk, Update u, int64_t now) {
  UpdateResult result;

  // 1. The engine's view of the update.
  std::vector<store::Comment> history;
  auto view = RulesViewWithHistory(tx, desk, u, history);
  if (!view.ok()) return view.status();
  rules::TicketUpdate& ru = *view;

  auto rows = tx.ListTriggers();
  if (!rows.ok()) return rows.status();
  std::vector<rules::Trigger> triggers;
  for (const auto& row : *rows) {
    if (!row.active) continue;
    auto t = TriggerFromRow(row);
    if (t.ok()) triggers.push_back(std::move(t).value());
  }

  // 2. Evaluate and apply.
  rules::EvaluationResult evaluation =
      u.run_triggers ? rules::EvaluateTriggers(triggers, ru) : rules::EvaluationResult{};
  store::Ticket ticket = u.ticket;
  ApplyState(ru.after, ticket);
  ticket.updated_at = now;
  json events = u.events.is_array() ? u.events : json::array();
  auto set_field = std::find_if(evaluation.changes.rbegin(), evaluation.changes.rend(), [](const auto& c) {
    return c.field.starts_with(rules::kCustomFieldPrefix);
  });
  std::optional<json> synced_tags;
  if (set_field != evaluation.changes.rend()) {
    // A trigger set a dropdown or checkbox: its tag follows, as when an agent sets it.
    auto fields = ListTicketFields(tx);
    if (!fields.ok()) return fields.status();
    const std::vector<std::string> before = ticket.tags;
    SyncFieldTags(*fields, u.ticket.field_values, ticket.field_values, ticket.tags);
    if (ticket.tags != before) {
      synced_tags = json{{"type", "Change"},
                         {"field_name", "tags"},
                         {"value", ticket.tags},
                         {"previous_value", before},
                         {"via", RuleVia(set_field->trigger_id, set_field->trigger_title)}};
    }
  }
  if (!evaluation.changes.empty()) {
    if (Status s = tx.UpdateTicket(ticket); !s.ok()) return s;
  }
  for (const auto& c : evaluation.changes) {
    events.push_back({{"type", "Change"},
                      {"field_name", c.field},
                      {"value", c.value},
                      {"previous_value", c.previous_value},
                      {"via", RuleVia(c.trigger_id, c.trigger_title)}});
  }
  if (synced_tags) events.push_back(std::move(*synced_tags));
  for (const auto& f : evaluation.fired) result.fired_triggers.push_back(f.title);

  // 3. Notifications: build each email now, queue it after the audit exists.
  auto conversation = tx.ListTicketMessageIds(ticket.id);
  if (!conversation.ok()) return conversation.status();
  std::vector<std::string> references = *conversation;
  if (references.size() > kMaxReferences) {
    // Keep the first (the thread's root) and the most recent ones.
    std::vector<std::string> trimmed{references.front()};
    trimmed.insert(trimmed.end(), references.end() - (kMaxReferences - 1), references.end());
    references = std::move(trimmed);
  }
  // An external support address is sent as only once its forwarding is verified.
  auto sender = outbound::ChooseSender(
      tx, ticket.recipient.empty() ? desk.support_address : ticket.recipient, desk.support_address);
  if (!sender.ok()) return sender.status();
  std::string support = sender->address;
  std::string reply_to = support;
  if (size_t at = support.rfind('@'); at != std::string::npos && !ticket.encoded_id.empty()) {
    reply_to = support.substr(0, at) + "+id" + ticket.encoded_id + support.substr(at);
  }

  // An agent's public reply carries its files to whoever the triggers mail
  // (up to kMaxMailedAttachmentBytes in all; the rest stay in the workspace
  // and are named in the audit's metadata).
  std::vector<outbound::MailAttachment> files;
  if (u.comment && u.comment->is_public && IsStaff(u.actor.role)) {
    int64_t total = 0;
    for (const auto& a : u.comment->attachments) {
      if (total + a.size > kMaxMailedAttachmentBytes) {
        u.metadata["attachments_not_mailed"].push_back(a.file_name);
        continue;
      }
      auto bytes = tx.GetBlob(a.sha256);
      if (!bytes.ok()) return bytes.status();
      total += a.size;
      files.push_back({a.file_name, a.content_type, std::move(bytes).value()});
    }
  }

  struct Pending {
    const rules::Notification* notification;
    outbound::Composed mail;
  };
  std::vector<Pending> pending;
  for (auto& n : evaluation.notifications) {
    if (!u.created && n.recipient_spec == "requester_and_ccs" && !u.already_received.empty()) {
      std::erase_if(n.recipients, [&](const rules::Recipient& r) {
        return std::any_of(u.already_received.begin(), u.already_received.end(),
                           [&](const std::string& a) { return IEquals(a, r.email); });
      });
    }
    if (n.recipients.empty()) continue;
    outbound::Notification mail;
    const std::string name = desk.DisplayName();
    mail.from = {name, support};
    mail.reply_to = {name, reply_to};
    for (const auto& r : n.recipients) mail.to.push_back({r.name, r.email});
    mail.subject = n.subject;
    mail.text_body = n.text_body;
    mail.html_body = n.html_body;
    mail.encoded_id = ticket.encoded_id;
    if (!references.empty()) mail.in_reply_to = references.back();
    mail.references = references;
    mail.hostname = desk.hostname;
    mail.date = now;
    mail.attachments = files;
    auto composed = outbound::ComposeNotification(mail);
    if (!composed.ok()) {
      events.push_back({{"type", "Notification"},
                        {"subject", n.subject},
                        {"error", "not sent: " + composed.status().message()},
                        {"via", RuleVia(n.trigger_id, n.trigger_title)}});
      continue;
    }
    json recipient_ids = json::array();
    for (const auto& r : n.recipients) recipient_ids.push_back(r.user_id);
    events.push_back({{"type", "Notification"},
                      {"subject", n.subject},
                      {"body", n.text_body},
                      {"recipients", recipient_ids},
                      {"message_id", composed->message_id},
                      {"via", RuleVia(n.trigger_id, n.trigger_title)}});
    if (!sender->note.empty()) events.back()["from_note"] = sender->note;
    pending.push_back({&n, std::move(composed).value()});
  }
  if (!evaluation.warnings.empty()) u.metadata["trigger_warnings"] = evaluation.warnings;

  if (Status s = LearnHamFromAnswer(tx, desk, u, history); !s.ok()) return s;

  // 4. The one audit of this update.
  store::Audit audit;
  audit.ticket_id = ticket.id;
  audit.author_id = u.actor.id;
  audit.via = u.via;
  // Mail supplies much of both: invalid UTF-8 never stops the update.
  audit.events_json = events.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  audit.metadata_json = u.metadata.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  audit.created_at = now;
  auto audit_id = tx.AddAudit(audit);
  if (!audit_id.ok()) return audit_id.status();
  result.audit_id = *audit_id;

  for (auto& p : pending) {
    store::OutboundMessage m;
    m.ticket_id = ticket.id;
    m.audit_id = *audit_id;
    m.trigger_id = p.notification->trigger_id;
    m.trigger_title = p.notification->trigger_title;
    m.message_id = p.mail.message_id;
    m.subject = p.notification->subject;
    m.bytes = std::move(p.mail.bytes);
    m.created_at = now;
    std::vector<outbound::EnqueueRecipient> to;
    for (const auto& r : p.notification->recipients) {
      to.push_back({r.email, r.user_id ? std::optional<int64_t>(r.user_id) : std::nullopt});
    }
    std::string detail = "queued by trigger \"" + p.notification->trigger_title + "\"";
    if (!sender->note.empty()) detail += "; " + sender->note;
    auto queued = outbound::Enqueue(tx, std::move(m), to, now, desk.delivery_lifetime_seconds, detail);
    if (!queued.ok()) return queued.status();
    const store::OutboundMessage* added = &queued->message;
    result.outbound_message_ids.push_back(added->id);
    if (Status s = tx.AddTicketMessageId(ticket.id, added->message_id, /*outbound=*/true); !s.ok()) {
      return s;
    }
  }
  result.ticket = std::move(ticket);
  return result;
}

}  // namespace postdesk::tickets
