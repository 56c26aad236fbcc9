#include "store/sqlite/sqlite_tx.h"

#include <algorithm>
#include <array>
#include <charconv>
#include <ctime>
#include <map>
#include <set>
#include <utility>
#include <variant>

#include "common/ids.h"
#include "common/strings.h"
#include "common/utf8.h"
#include "store/sqlite/sqlite_rows.h"

namespace postdesk::store::sqlite {

namespace {

#define STORE_RETURN_IF_ERROR(expr)  \
  do {                               \
    ::postdesk::Status _st = (expr); \
    if (!_st.ok()) return _st;       \
  } while (0)

std::string StripAngles(std::string_view id) {
  id = Trim(id);
  if (id.size() >= 2 && id.front() == '<' && id.back() == '>') id = id.substr(1, id.size() - 2);
  return std::string(id);
}

// rcpt_to is kept as one TEXT column, one address per line; envelope
// addresses cannot contain line breaks (SMTP forbids them), and we refuse any
// that do rather than corrupt the list.
Result<std::string> JoinLines(const std::vector<std::string>& items) {
  std::string out;
  for (size_t i = 0; i < items.size(); ++i) {
    if (items[i].find_first_of("\r\n") != std::string::npos) {
      return Status::Invalid("recipient contains a line break");
    }
    if (i > 0) out += '\n';
    out += items[i];
  }
  return out;
}

std::vector<std::string> SplitLines(const std::string& s) {
  std::vector<std::string> out;
  if (s.empty()) return out;
  size_t start = 0;
  while (true) {
    size_t nl = s.find('\n', start);
    if (nl == std::string::npos) {
      out.push_back(s.substr(start));
      return out;
    }
    out.push_back(s.substr(start, nl - start));
    start = nl + 1;
  }
}

// ---- row readers; the column lists and readers must stay in step ----

// Roles and channels are written by this file only, from the enums; a value
// it does not know (a hand-edited row) reads as the least privileged role and
// as email.
Role ReadRole(std::string_view text) { return ParseRole(text).value_or(Role::kEndUser); }
Channel ReadChannel(std::string_view text) { return ParseChannel(text).value_or(Channel::kEmail); }

constexpr std::string_view kUserCols =
    "id, name, email, role, undeliverable, undeliverable_reason, soft_bounces, created_at, "
    "updated_at, suspended, organization_id";
User ReadUser(const Stmt& s) {
  User u;
  u.id = s.Int(0);
  u.name = s.Text(1);
  u.email = s.Text(2);
  u.role = ReadRole(s.Text(3));
  u.undeliverable = s.Bool(4);
  u.undeliverable_reason = s.Text(5);
  u.soft_bounces = s.Int(6);
  u.created_at = s.Int(7);
  u.updated_at = s.Int(8);
  u.suspended = s.Bool(9);
  u.organization_id = s.OptInt(10);
  return u;
}

constexpr std::string_view kTicketCols =
    "id, encoded_id, subject, description, status, requester_id, submitter_id, assignee_id, "
    "recipient, via, subject_key, created_at, updated_at, priority, type, group_id, "
    "organization_id";
Ticket ReadTicket(const Stmt& s) {
  Ticket t;
  t.id = s.Int(0);
  t.encoded_id = s.Text(1);
  t.subject = s.Text(2);
  t.description = s.Text(3);
  t.status = s.Text(4);
  t.requester_id = s.Int(5);
  t.submitter_id = s.Int(6);
  t.assignee_id = s.OptInt(7);
  t.recipient = s.Text(8);
  t.via = ReadChannel(s.Text(9));
  t.subject_key = s.Text(10);
  t.created_at = s.Int(11);
  t.updated_at = s.Int(12);
  t.priority = s.Text(13);
  t.type = s.Text(14);
  t.group_id = s.OptInt(15);
  t.organization_id = s.OptInt(16);
  return t;
}

constexpr std::string_view kCommentCols =
    "id, ticket_id, author_id, is_public, body, html_body, raw_message_id, via, created_at, "
    "authentication_json";
Comment ReadComment(const Stmt& s) {
  Comment c;
  c.id = s.Int(0);
  c.ticket_id = s.Int(1);
  c.author_id = s.Int(2);
  c.is_public = s.Bool(3);
  c.body = s.Text(4);
  c.html_body = s.Text(5);
  c.raw_message_id = s.OptInt(6);
  c.via = ReadChannel(s.Text(7));
  c.created_at = s.Int(8);
  c.authentication_json = s.Text(9);
  return c;
}

constexpr std::string_view kAttachmentCols =
    "id, comment_id, file_name, content_type, content_id, is_inline, sha256, size";
AttachmentMeta ReadAttachment(const Stmt& s) {
  AttachmentMeta a;
  a.id = s.Int(0);
  a.comment_id = s.Int(1);
  a.file_name = s.Text(2);
  a.content_type = s.Text(3);
  a.content_id = s.Text(4);
  a.is_inline = s.Bool(5);
  a.sha256 = s.Text(6);
  a.size = s.Int(7);
  return a;
}

constexpr std::string_view kAuditCols =
    "id, ticket_id, author_id, via, events_json, metadata_json, created_at";
Audit ReadAudit(const Stmt& s) {
  Audit a;
  a.id = s.Int(0);
  a.ticket_id = s.Int(1);
  a.author_id = s.Int(2);
  a.via = ReadChannel(s.Text(3));
  a.events_json = s.Text(4);
  a.metadata_json = s.Text(5);
  a.created_at = s.Int(6);
  return a;
}

constexpr std::string_view kSuspendedCols =
    "id, cause_id, cause, author_name, author_email, subject, content, recipient, message_id, "
    "ticket_id, raw_message_id, evidence_json, created_at, spam_json";
SuspendedTicket ReadSuspended(const Stmt& s) {
  SuspendedTicket t;
  t.id = s.Int(0);
  t.cause_id = static_cast<int>(s.Int(1));
  t.cause = s.Text(2);
  t.author_name = s.Text(3);
  t.author_email = s.Text(4);
  t.subject = s.Text(5);
  t.content = s.Text(6);
  t.recipient = s.Text(7);
  t.message_id = s.Text(8);
  t.ticket_id = s.OptInt(9);
  t.raw_message_id = s.OptInt(10).value_or(0);
  t.evidence_json = s.Text(11);
  t.created_at = s.Int(12);
  t.spam_json = s.Text(13);
  return t;
}

constexpr std::string_view kTriggerCols =
    "id, title, active, position, default_key, definition_json, created_at, updated_at";
TriggerRow ReadTrigger(const Stmt& s) {
  TriggerRow t;
  t.id = s.Int(0);
  t.title = s.Text(1);
  t.active = s.Bool(2);
  t.position = s.Int(3);
  t.default_key = s.Text(4);  // NULL (custom trigger) -> ""
  t.definition_json = s.Text(5);
  t.created_at = s.Int(6);
  t.updated_at = s.Int(7);
  return t;
}

constexpr std::string_view kOutboundCols =
    "id, ticket_id, audit_id, trigger_id, trigger_title, message_id, subject, bytes, created_at";
OutboundMessage ReadOutbound(const Stmt& s) {
  OutboundMessage m;
  m.id = s.Int(0);
  m.ticket_id = s.Int(1);
  m.audit_id = s.Int(2);
  m.trigger_id = s.OptInt(3);
  m.trigger_title = s.Text(4);
  m.message_id = s.Text(5);
  m.subject = s.Text(6);
  m.bytes = s.Blob(7);
  m.created_at = s.Int(8);
  return m;
}

constexpr std::string_view kRecipientCols =
    "id, message_id, address, user_id, state, attempts, next_attempt_at, expires_at, verp_token, "
    "last_code, last_status, last_reply, reason, remote_host, created_at, updated_at";
OutboundRecipient ReadRecipient(const Stmt& s) {
  OutboundRecipient r;
  r.id = s.Int(0);
  r.message_id = s.Int(1);
  r.address = s.Text(2);
  r.user_id = s.OptInt(3);
  r.state = s.Text(4);
  r.attempts = s.Int(5);
  r.next_attempt_at = s.Int(6);
  r.expires_at = s.Int(7);
  r.verp_token = s.Text(8);
  r.last_code = s.Int(9);
  r.last_status = s.Text(10);
  r.last_reply = s.Text(11);
  r.reason = s.Text(12);
  r.remote_host = s.Text(13);
  r.created_at = s.Int(14);
  r.updated_at = s.Int(15);
  return r;
}

constexpr std::string_view kDeliveryEventCols =
    "id, recipient_id, state, code, status, detail, remote_host, created_at";
DeliveryEvent ReadDeliveryEvent(const Stmt& s) {
  DeliveryEvent e;
  e.id = s.Int(0);
  e.recipient_id = s.Int(1);
  e.state = s.Text(2);
  e.code = s.Int(3);
  e.status = s.Text(4);
  e.detail = s.Text(5);
  e.remote_host = s.Text(6);
  e.created_at = s.Int(7);
  return e;
}

constexpr std::string_view kRecipientAddressCols =
    "id, name, email, is_default, forwarding_status, forwarding_token, forwarding_sent_at, "
    "forwarding_recipient_id, spf_status, cname_status, domain_verification_status, "
    "dns_results_json, checks_json, created_at, updated_at";
RecipientAddress ReadRecipientAddress(const Stmt& s) {
  RecipientAddress a;
  a.id = s.Int(0);
  a.name = s.Text(1);
  a.email = s.Text(2);
  a.is_default = s.Bool(3);
  a.forwarding_status = s.Text(4);
  a.forwarding_token = s.Text(5);
  a.forwarding_sent_at = s.Int(6);
  a.forwarding_recipient_id = s.OptInt(7);
  a.spf_status = s.Text(8);
  a.cname_status = s.Text(9);
  a.domain_verification_status = s.Text(10);
  a.dns_results_json = s.Text(11);
  a.checks_json = s.Text(12);
  a.created_at = s.Int(13);
  a.updated_at = s.Int(14);
  return a;
}

constexpr std::string_view kSystemEventCols = "id, kind, subject, detail_json, created_at";
SystemEvent ReadSystemEvent(const Stmt& s) {
  SystemEvent e;
  e.id = s.Int(0);
  e.kind = s.Text(1);
  e.subject = s.Text(2);
  e.detail_json = s.Text(3);
  e.created_at = s.Int(4);
  return e;
}

// Upper bound of a page the store hands out in one query.
constexpr int64_t kMaxQueryLimit = 1000;

Status CheckLimit(int64_t limit, std::string_view what) {
  if (limit < 1 || limit > kMaxQueryLimit) {
    return Status::Invalid(std::string(what) + ": limit must be between 1 and " +
                           std::to_string(kMaxQueryLimit) + ", got " + std::to_string(limit));
  }
  return Status::Ok();
}

bool IsSpamClass(std::string_view cls) { return cls == "spam" || cls == "ham"; }

// The spam filter's tokens are unsigned 64-bit hashes; SQL integers are
// signed. The bit pattern is kept both ways.
int64_t TokenToSql(uint64_t token) { return static_cast<int64_t>(token); }
uint64_t TokenFromSql(int64_t value) { return static_cast<uint64_t>(value); }

// The states of the outbound state machine (store.h). A recipient in any
// other state would sit in the table forever, never due and never final.
bool IsRecipientState(std::string_view state) {
  for (std::string_view known : {"queued", "sending", "sent", "deferred", "failed", "bounced"}) {
    if (state == known) return true;
  }
  return false;
}

}  // namespace

// ---------------- users ----------------

Result<User> SqliteTx::CreateUser(User user) {
  user.email = NormalizeEmail(user.email);
  if (!user.organization_id && !user.email.empty()) {
    // A new user whose address is in an organization's domain joins it.
    auto org = FindOrganizationByDomain(EmailDomain(user.email));
    if (org.ok()) user.organization_id = org->id;
    if (!org.ok() && org.status().kind() != ErrorKind::kNotFound) return org.status();
  }
  auto stmt = conn_.Prepare(
      "INSERT INTO users (name, email, role, created_at, updated_at, organization_id) "
      "VALUES (?, ?, ?, ?, ?, ?) RETURNING id");
  if (!stmt.ok()) return stmt.status();
  stmt->Bind(1, user.name);
  if (user.email.empty()) {
    stmt->BindNull(2);  // users without an address; NULLs never collide
  } else {
    stmt->Bind(2, user.email);
  }
  stmt->Bind(3, RoleName(user.role)).Bind(4, user.created_at).Bind(5, user.updated_at);
  stmt->Bind(6, user.organization_id);
  auto id = ReturningId(*stmt, "create user " + user.email);
  if (!id.ok()) return id.status();
  user.id = *id;
  return user;
}

Result<User> SqliteTx::GetUser(int64_t id) {
  auto stmt = conn_.Prepare(Sql("SELECT ", kUserCols, " FROM users WHERE id = ?"));
  if (!stmt.ok()) return stmt.status();
  stmt->Bind(1, id);
  return One<User>(*stmt, ReadUser, "user " + std::to_string(id));
}

Result<User> SqliteTx::FindUserByEmail(std::string_view email) {
  std::string normalized = NormalizeEmail(email);
  if (normalized.empty()) return Status::NotFound("user with empty email: not found");
  auto stmt = conn_.Prepare(Sql("SELECT ", kUserCols, " FROM users WHERE email = ?"));
  if (!stmt.ok()) return stmt.status();
  stmt->Bind(1, normalized);
  return One<User>(*stmt, ReadUser, "user " + normalized);
}

Status SqliteTx::SetUserApiToken(int64_t user_id, std::string_view token_sha256) {
  auto stmt = conn_.Prepare("UPDATE users SET api_token_sha256 = ? WHERE id = ? RETURNING id");
  if (!stmt.ok()) return stmt.status();
  if (token_sha256.empty()) {
    stmt->BindNull(1);  // clears the token
  } else {
    stmt->Bind(1, token_sha256);
  }
  stmt->Bind(2, user_id);
  return ReturningId(*stmt, "set api token of user " + std::to_string(user_id)).status();
}

Result<User> SqliteTx::FindUserByApiToken(std::string_view token_sha256) {
  if (token_sha256.empty()) return Status::NotFound("user with empty api token: not found");
  // The first admin's token lives on the user row; named tokens in api_tokens.
  auto stmt = conn_.Prepare(Sql("SELECT ", kUserCols,
                                " FROM users WHERE api_token_sha256 = ? "
                                "OR id = (SELECT user_id FROM api_tokens WHERE token_sha256 = ?)"));
  if (!stmt.ok()) return stmt.status();
  stmt->Bind(1, token_sha256).Bind(2, token_sha256);
  return One<User>(*stmt, ReadUser, "user by api token");
}

Status SqliteTx::UpdateUser(const User& user) {
  auto stmt = conn_.Prepare(
      "UPDATE users SET name = ?, role = ?, undeliverable = ?, undeliverable_reason = ?, "
      "soft_bounces = ?, updated_at = ?, suspended = ?, organization_id = ? WHERE id = ? "
      "RETURNING id");
  if (!stmt.ok()) return stmt.status();
  stmt->Bind(1, user.name)
      .Bind(2, RoleName(user.role))
      .BindBool(3, user.undeliverable)
      .Bind(4, user.undeliverable_reason)
      .Bind(5, user.soft_bounces)
      .Bind(6, user.updated_at)
      .BindBool(7, user.suspended)
      .Bind(8, user.organization_id)
      .Bind(9, user.id);
  return ReturningId(*stmt, "update user " + std::to_string(user.id)).status();
}

Result<std::vector<User>> SqliteTx::ListUsersByRole(Role role) {
  auto stmt = conn_.Prepare(Sql("SELECT ", kUserCols, " FROM users WHERE role = ? ORDER BY id"));
  if (!stmt.ok()) return stmt.status();
  stmt->Bind(1, RoleName(role));
  return All<User>(*stmt, ReadUser, "list users with role " + std::string(RoleName(role)));
}

// ---------------- tickets ----------------

Status SqliteTx::WriteTicketLists(int64_t ticket_id, const std::vector<int64_t>& ids,
                                  const std::vector<std::string>& tags,
                                  const std::map<int64_t, std::string>& field_values) {
  {
    auto del = conn_.Prepare("DELETE FROM ticket_collaborators WHERE ticket_id = ?");
    if (!del.ok()) return del.status();
    STORE_RETURN_IF_ERROR(del->Bind(1, ticket_id).Run());
  }
  std::set<int64_t> seen;
  int64_t position = 0;
  for (int64_t user_id : ids) {
    if (!seen.insert(user_id).second) continue;
    auto ins = conn_.Prepare(
        "INSERT INTO ticket_collaborators (ticket_id, user_id, position) VALUES (?, ?, ?)");
    if (!ins.ok()) return ins.status();
    STORE_RETURN_IF_ERROR(
        Context(ins->Bind(1, ticket_id).Bind(2, user_id).Bind(3, position++).Run(),
                "add collaborator " + std::to_string(user_id)));
  }
  {
    auto del = conn_.Prepare("DELETE FROM ticket_tags WHERE ticket_id = ?");
    if (!del.ok()) return del.status();
    STORE_RETURN_IF_ERROR(del->Bind(1, ticket_id).Run());
  }
  std::set<std::string> seen_tags;
  position = 0;
  for (const auto& raw : tags) {
    std::string tag = ToLower(Trim(raw));
    if (tag.empty() || !seen_tags.insert(tag).second) continue;
    auto ins =
        conn_.Prepare("INSERT INTO ticket_tags (ticket_id, tag, position) VALUES (?, ?, ?)");
    if (!ins.ok()) return ins.status();
    STORE_RETURN_IF_ERROR(Context(ins->Bind(1, ticket_id).Bind(2, tag).Bind(3, position++).Run(),
                                  "add tag " + tag));
  }
  {
    auto del = conn_.Prepare("DELETE FROM ticket_field_values WHERE ticket_id = ?");
    if (!del.ok()) return del.status();
    STORE_RETURN_IF_ERROR(del->Bind(1, ticket_id).Run());
  }
  for (const auto& [field_id, value] : field_values) {
    if (value.empty()) continue;
    auto ins = conn_.Prepare(
        "INSERT INTO ticket_field_values (ticket_id, field_id, value) VALUES (?, ?, ?)");
    if (!ins.ok()) return ins.status();
    STORE_RETURN_IF_ERROR(Context(ins->Bind(1, ticket_id).Bind(2, field_id).Bind(3, value).Run(),
                                  "set ticket field " + std::to_string(field_id)));
  }
  return Status::Ok();
}

Status SqliteTx::LoadTicketLists(std::vector<Ticket>& tickets) {
  if (tickets.empty()) return Status::Ok();
  int64_t lo = tickets.front().id, hi = tickets.front().id;
  std::map<int64_t, Ticket*> by_id;
  for (Ticket& t : tickets) {
    lo = std::min(lo, t.id);
    hi = std::max(hi, t.id);
    t.collaborator_ids.clear();
    t.tags.clear();
    t.field_values.clear();
    by_id[t.id] = &t;
  }
  // A page of ListTickets is a contiguous id range: one query for all of it.
  // Scattered ids (one requester's tickets) are looked up one by one instead
  // of reading every ticket in between.
  if (static_cast<uint64_t>(hi - lo) >= 4 * tickets.size()) {
    for (Ticket& t : tickets) {
      auto stmt = conn_.Prepare(
          "SELECT user_id FROM ticket_collaborators WHERE ticket_id = ? ORDER BY position");
      if (!stmt.ok()) return stmt.status();
      stmt->Bind(1, t.id);
      auto ids = All<int64_t>(
          *stmt, [](const Stmt& s) { return s.Int(0); }, "collaborators");
      if (!ids.ok()) return ids.status();
      t.collaborator_ids = std::move(ids).value();
      stmt->Finish();
      auto tags =
          conn_.Prepare("SELECT tag FROM ticket_tags WHERE ticket_id = ? ORDER BY position");
      if (!tags.ok()) return tags.status();
      tags->Bind(1, t.id);
      auto names = All<std::string>(
          *tags, [](const Stmt& s) { return s.Text(0); }, "tags");
      if (!names.ok()) return names.status();
      t.tags = std::move(names).value();
      tags->Finish();
      auto values =
          conn_.Prepare("SELECT field_id, value FROM ticket_field_values WHERE ticket_id = ?");
      if (!values.ok()) return values.status();
      values->Bind(1, t.id);
      while (true) {
        auto row = values->Step();
        if (!row.ok()) return row.status();
        if (!*row) break;
        t.field_values[values->Int(0)] = values->Text(1);
      }
    }
    return Status::Ok();
  }
  auto stmt = conn_.Prepare(
      "SELECT ticket_id, user_id FROM ticket_collaborators WHERE ticket_id BETWEEN ? AND ? "
      "ORDER BY ticket_id, position");
  if (!stmt.ok()) return stmt.status();
  stmt->Bind(1, lo).Bind(2, hi);
  while (true) {
    auto row = stmt->Step();
    if (!row.ok()) return row.status();
    if (!*row) break;
    auto it = by_id.find(stmt->Int(0));
    if (it != by_id.end()) it->second->collaborator_ids.push_back(stmt->Int(1));
  }
  stmt->Finish();
  auto tags = conn_.Prepare(
      "SELECT ticket_id, tag FROM ticket_tags WHERE ticket_id BETWEEN ? AND ? "
      "ORDER BY ticket_id, position");
  if (!tags.ok()) return tags.status();
  tags->Bind(1, lo).Bind(2, hi);
  while (true) {
    auto row = tags->Step();
    if (!row.ok()) return row.status();
    if (!*row) break;
    auto it = by_id.find(tags->Int(0));
    if (it != by_id.end()) it->second->tags.push_back(tags->Text(1));
  }
  tags->Finish();
  auto values = conn_.Prepare(
      "SELECT ticket_id, field_id, value FROM ticket_field_values WHERE ticket_id BETWEEN ? AND ?");
  if (!values.ok()) return values.status();
  values->Bind(1, lo).Bind(2, hi);
  while (true) {
    auto row = values->Step();
    if (!row.ok()) return row.status();
    if (!*row) break;
    auto it = by_id.find(values->Int(0));
    if (it != by_id.end()) it->second->field_values[values->Int(1)] = values->Text(2);
  }
  return Status::Ok();
}

Result<Ticket> SqliteTx::CreateTicket(Ticket ticket) {
  ticket.encoded_id = NormalizeEncodedId(Trim(ticket.encoded_id));
  if (ticket.encoded_id.empty()) return Status::Invalid("create ticket: encoded_id must be set");
  if (!ticket.organization_id && ticket.requester_id > 0) {
    // The ticket belongs to its requester's organization...
    auto requester = GetUser(ticket.requester_id);
    if (!requester.ok() && requester.status().kind() != ErrorKind::kNotFound) return requester.status();
    if (requester.ok()) ticket.organization_id = requester->organization_id;
  }
  if (!ticket.group_id && ticket.organization_id) {
    // ... and goes to that organization's group, if it names one.
    auto org = GetOrganization(*ticket.organization_id);
    if (!org.ok() && org.status().kind() != ErrorKind::kNotFound) return org.status();
    if (org.ok()) ticket.group_id = org->group_id;  // never a deleted one: DeleteGroup unsets it
  }
  if (!ticket.group_id) {
    // Nothing routed it: the desk's default group, if there is one.
    auto stmt = conn_.Prepare("SELECT id FROM groups WHERE is_default = 1 AND deleted = 0 LIMIT 1");
    if (!stmt.ok()) return stmt.status();
    auto id = One<int64_t>(
        *stmt, [](const Stmt& s) { return s.Int(0); }, "default group");
    if (!id.ok() && id.status().kind() != ErrorKind::kNotFound) return id.status();
    if (id.ok()) ticket.group_id = *id;
  }
  auto stmt = conn_.Prepare(
      "INSERT INTO tickets (encoded_id, subject, description, status, requester_id, submitter_id, "
      "assignee_id, recipient, via, subject_key, created_at, updated_at, priority, type, group_id, "
      "organization_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id");
  if (!stmt.ok()) return stmt.status();
  stmt->Bind(1, ticket.encoded_id)
      .Bind(2, ticket.subject)
      .Bind(3, ticket.description)
      .Bind(4, ticket.status)
      .Bind(5, ticket.requester_id)
      .Bind(6, ticket.submitter_id)
      .Bind(7, ticket.assignee_id)
      .Bind(8, ticket.recipient)
      .Bind(9, ChannelName(ticket.via))
      .Bind(10, ticket.subject_key)
      .Bind(11, ticket.created_at)
      .Bind(12, ticket.updated_at)
      .Bind(13, ticket.priority)
      .Bind(14, ticket.type)
      .Bind(15, ticket.group_id)
      .Bind(16, ticket.organization_id);
  auto id = ReturningId(*stmt, "create ticket " + ticket.encoded_id);
  if (!id.ok()) return id.status();
  ticket.id = *id;
  stmt->Finish();  // finish the INSERT before touching collaborators
  STORE_RETURN_IF_ERROR(WriteTicketLists(ticket.id, ticket.collaborator_ids, ticket.tags, ticket.field_values));
  return ticket;
}

Result<Ticket> SqliteTx::GetTicket(int64_t id) {
  std::vector<Ticket> one;
  {
    auto stmt = conn_.Prepare(Sql("SELECT ", kTicketCols, " FROM tickets WHERE id = ?"));
    if (!stmt.ok()) return stmt.status();
    stmt->Bind(1, id);
    auto t = One<Ticket>(*stmt, ReadTicket, "ticket " + std::to_string(id));
    if (!t.ok()) return t.status();
    one.push_back(std::move(t).value());
  }
  STORE_RETURN_IF_ERROR(LoadTicketLists(one));
  return std::move(one.front());
}

Status SqliteTx::UpdateTicket(const Ticket& ticket) {
  std::string encoded = NormalizeEncodedId(Trim(ticket.encoded_id));
  if (encoded.empty()) return Status::Invalid("update ticket: encoded_id must be set");
  auto stmt = conn_.Prepare(
      "UPDATE tickets SET encoded_id = ?, subject = ?, description = ?, status = ?, "
      "requester_id = ?, submitter_id = ?, assignee_id = ?, recipient = ?, via = ?, "
      "subject_key = ?, created_at = ?, updated_at = ?, priority = ?, type = ?, group_id = ?, "
      "organization_id = ? WHERE id = ? RETURNING id");
  if (!stmt.ok()) return stmt.status();
  stmt->Bind(1, encoded)
      .Bind(2, ticket.subject)
      .Bind(3, ticket.description)
      .Bind(4, ticket.status)
      .Bind(5, ticket.requester_id)
      .Bind(6, ticket.submitter_id)
      .Bind(7, ticket.assignee_id)
      .Bind(8, ticket.recipient)
      .Bind(9, ChannelName(ticket.via))
      .Bind(10, ticket.subject_key)
      .Bind(11, ticket.created_at)
      .Bind(12, ticket.updated_at)
      .Bind(13, ticket.priority)
      .Bind(14, ticket.type)
      .Bind(15, ticket.group_id)
      .Bind(16, ticket.organization_id)
      .Bind(17, ticket.id);
  STORE_RETURN_IF_ERROR(ReturningId(*stmt, "update ticket " + std::to_string(ticket.id)).status());
  stmt->Finish();  // finish the UPDATE before touching collaborators
  return WriteTicketLists(ticket.id, ticket.collaborator_ids, ticket.tags, ticket.field_values);
}

Result<std::vector<Ticket>> SqliteTx::ListTickets(int64_t offset, int64_t limit) {
  STORE_RETURN_IF_ERROR(CheckPage(offset, limit));
  std::vector<Ticket> out;
  {
    auto stmt =
        conn_.Prepare(Sql("SELECT ", kTicketCols, " FROM tickets ORDER BY id LIMIT ? OFFSET ?"));
    if (!stmt.ok()) return stmt.status();
    stmt->Bind(1, limit).Bind(2, offset);
    while (true) {
      auto row = stmt->Step();
      if (!row.ok()) return row.status();
      if (!*row) break;
      out.push_back(ReadTicket(*stmt));
    }
  }
  STORE_RETURN_IF_ERROR(LoadTicketLists(out));
  return out;
}

Result<int64_t> SqliteTx::CountTickets() {
  auto stmt = conn_.Prepare("SELECT COUNT(*) FROM tickets");
  if (!stmt.ok()) return stmt.status();
  return One<int64_t>(
      *stmt, [](const Stmt& s) { return s.Int(0); }, "count tickets");
}

Result<Ticket> SqliteTx::FindTicketByEncodedId(std::string_view encoded_id) {
  std::string key = NormalizeEncodedId(Trim(encoded_id));
  int64_t id = 0;
  {
    auto stmt = conn_.Prepare("SELECT id FROM tickets WHERE encoded_id = ?");
    if (!stmt.ok()) return stmt.status();
    stmt->Bind(1, key);
    auto found = ReturningId(*stmt, "ticket " + key);
    if (!found.ok()) return found.status();
    id = *found;
  }
  return GetTicket(id);
}

Result<std::vector<std::string>> SqliteTx::ListTicketMessageIds(int64_t ticket_id) {
  auto stmt = conn_.Prepare(
      "SELECT message_id FROM ticket_message_ids WHERE ticket_id = ? ORDER BY id");
  if (!stmt.ok()) return stmt.status();
  stmt->Bind(1, ticket_id);
  return All<std::string>(
      *stmt, [](const Stmt& s) { return s.Text(0); },
      "message-ids of ticket " + std::to_string(ticket_id));
}

Result<Ticket> SqliteTx::FindRecentTicketBySubject(int64_t requester_id,
                                                   std::string_view subject_key,
                                                   int64_t updated_since) {
  int64_t id = 0;
  {
    auto stmt = conn_.Prepare(
        "SELECT id FROM tickets WHERE requester_id = ? AND subject_key = ? AND status <> 'closed' "
        "AND updated_at >= ? ORDER BY updated_at DESC, id DESC LIMIT 1");
    if (!stmt.ok()) return stmt.status();
    stmt->Bind(1, requester_id).Bind(2, std::string(subject_key)).Bind(3, updated_since);
    auto found = ReturningId(*stmt, "ticket with subject " + std::string(subject_key));
    if (!found.ok()) return found.status();
    id = *found;
  }
  return GetTicket(id);
}

Status SqliteTx::AddTicketMessageId(int64_t ticket_id, std::string_view message_id, bool outbound) {
  std::string key = StripAngles(message_id);
  if (key.empty()) return Status::Invalid("add message-id: empty Message-ID");
  // Recording the same (message, ticket) twice is harmless: a retried delivery
  // or a resend must not fail the transaction.
  auto stmt = conn_.Prepare(
      "INSERT INTO ticket_message_ids (message_id, ticket_id, outbound) VALUES (?, ?, ?) "
      "ON CONFLICT (message_id, ticket_id) DO NOTHING");
  if (!stmt.ok()) return stmt.status();
  return Context(stmt->Bind(1, key).Bind(2, ticket_id).BindBool(3, outbound).Run(),
                 "add message-id to ticket " + std::to_string(ticket_id));
}

Result<Ticket> SqliteTx::FindTicketByMessageId(std::string_view message_id) {
  std::string key = StripAngles(message_id);
  if (key.empty()) return Status::NotFound("ticket by empty Message-ID: not found");
  int64_t id = 0;
  {
    // One Message-ID can belong to several tickets (one message sent to two
    // support addresses); the oldest ticket wins, deterministically.
    auto stmt = conn_.Prepare(
        "SELECT ticket_id FROM ticket_message_ids WHERE message_id = ? ORDER BY ticket_id LIMIT 1");
    if (!stmt.ok()) return stmt.status();
    stmt->Bind(1, key);
    auto found = ReturningId(*stmt, "ticket by Message-ID " + key);
    if (!found.ok()) return found.status();
    id = *found;
  }
  return GetTicket(id);
}

Result<std::vector<Ticket>> SqliteTx::ListTicketsByRequester(int64_t user_id, int64_t limit) {
  STORE_RETURN_IF_ERROR(CheckLimit(limit, "list tickets by requester"));
  std::vector<Ticket> out;
  {
    auto stmt = conn_.Prepare(Sql("SELECT ", kTicketCols,
                                  " FROM tickets WHERE requester_id = ? ORDER BY id DESC LIMIT ?"));
    if (!stmt.ok()) return stmt.status();
    stmt->Bind(1, user_id).Bind(2, limit);
    auto rows =
        All<Ticket>(*stmt, ReadTicket, "list tickets of requester " + std::to_string(user_id));
    if (!rows.ok()) return rows.status();
    out = std::move(rows).value();
  }
  STORE_RETURN_IF_ERROR(LoadTicketLists(out));
  return out;
}

// ---------------- comments and attachments ----------------

Result<Comment> SqliteTx::AddComment(Comment comment) {
  auto stmt = conn_.Prepare(
      "INSERT INTO comments (ticket_id, author_id, is_public, body, html_body, raw_message_id, "
      "via, created_at, authentication_json) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id");
  if (!stmt.ok()) return stmt.status();
  stmt->Bind(1, comment.ticket_id)
      .Bind(2, comment.author_id)
      .BindBool(3, comment.is_public)
      .Bind(4, comment.body)
      .Bind(5, comment.html_body)
      .Bind(6, comment.raw_message_id)
      .Bind(7, ChannelName(comment.via))
      .Bind(8, comment.created_at)
      .Bind(9, comment.authentication_json);
  auto id = ReturningId(*stmt, "add comment to ticket " + std::to_string(comment.ticket_id));
  if (!id.ok()) return id.status();
  comment.id = *id;
  comment.attachments.clear();
  return comment;
}

Status SqliteTx::LoadAttachments(std::vector<Comment>& comments, std::string_view sql, int64_t key,
                                 std::optional<int64_t> key2) {
  std::map<int64_t, Comment*> by_id;
  for (Comment& c : comments) {
    c.attachments.clear();
    by_id[c.id] = &c;
  }
  auto stmt = conn_.Prepare(sql);
  if (!stmt.ok()) return stmt.status();
  stmt->Bind(1, key);
  if (key2) stmt->Bind(2, *key2);
  while (true) {
    auto row = stmt->Step();
    if (!row.ok()) return row.status();
    if (!*row) break;
    AttachmentMeta a = ReadAttachment(*stmt);
    auto it = by_id.find(a.comment_id);
    if (it != by_id.end()) it->second->attachments.push_back(std::move(a));
  }
  return Status::Ok();
}

Result<Comment> SqliteTx::GetComment(int64_t id) {
  std::vector<Comment> one;
  {
    auto stmt = conn_.Prepare(Sql("SELECT ", kCommentCols, " FROM comments WHERE id = ?"));
    if (!stmt.ok()) return stmt.status();
    stmt->Bind(1, id);
    auto c = One<Comment>(*stmt, ReadComment, "comment " + std::to_string(id));
    if (!c.ok()) return c.status();
    one.push_back(std::move(c).value());
  }
  STORE_RETURN_IF_ERROR(LoadAttachments(
      one, Sql("SELECT ", kAttachmentCols, " FROM attachments WHERE comment_id = ? ORDER BY id"),
      id));
  return std::move(one.front());
}

Result<std::vector<Comment>> SqliteTx::ListComments(int64_t ticket_id) {
  std::vector<Comment> out;
  {
    auto stmt = conn_.Prepare(
        Sql("SELECT ", kCommentCols, " FROM comments WHERE ticket_id = ? ORDER BY id"));
    if (!stmt.ok()) return stmt.status();
    stmt->Bind(1, ticket_id);
    while (true) {
      auto row = stmt->Step();
      if (!row.ok()) return row.status();
      if (!*row) break;
      out.push_back(ReadComment(*stmt));
    }
  }
  if (out.empty()) return out;
  STORE_RETURN_IF_ERROR(LoadAttachments(
      out,
      "SELECT a.id, a.comment_id, a.file_name, a.content_type, a.content_id, a.is_inline, "
      "a.sha256, a.size FROM attachments a JOIN comments c ON c.id = a.comment_id "
      "WHERE c.ticket_id = ? ORDER BY a.id",
      ticket_id));
  return out;
}

Result<std::vector<Comment>> SqliteTx::ListCommentsByAuthor(int64_t user_id, int64_t limit) {
  STORE_RETURN_IF_ERROR(CheckLimit(limit, "list comments by author"));
  std::vector<Comment> out;
  {
    auto stmt = conn_.Prepare(Sql("SELECT ", kCommentCols,
                                  " FROM comments WHERE author_id = ? ORDER BY id DESC LIMIT ?"));
    if (!stmt.ok()) return stmt.status();
    stmt->Bind(1, user_id).Bind(2, limit);
    auto rows =
        All<Comment>(*stmt, ReadComment, "list comments of author " + std::to_string(user_id));
    if (!rows.ok()) return rows.status();
    out = std::move(rows).value();
  }
  if (out.empty()) return out;
  // The page is the author's newest comments, so "the author's comments from
  // the oldest on the page on" is exactly the page.
  STORE_RETURN_IF_ERROR(LoadAttachments(
      out,
      "SELECT a.id, a.comment_id, a.file_name, a.content_type, a.content_id, a.is_inline, "
      "a.sha256, a.size FROM attachments a JOIN comments c ON c.id = a.comment_id "
      "WHERE c.author_id = ? AND c.id >= ? ORDER BY a.id",
      user_id, out.back().id));
  return out;
}

Status SqliteTx::PutBlob(std::string_view sha256, std::string_view bytes) {
  auto blob = conn_.Prepare(
      "INSERT INTO blobs (sha256, size, bytes) VALUES (?, ?, ?) ON CONFLICT (sha256) DO NOTHING");
  if (!blob.ok()) return blob.status();
  return Context(
      blob->Bind(1, sha256).Bind(2, static_cast<int64_t>(bytes.size())).BindBlob(3, bytes).Run(),
      "store blob");
}

Result<AttachmentMeta> SqliteTx::AddAttachment(AttachmentMeta meta, std::string_view bytes) {
  std::string sha = Sha256Hex(bytes);
  if (!meta.sha256.empty() && ToLower(meta.sha256) != sha) {
    return Status::Invalid("add attachment: sha256 does not match the bytes");
  }
  meta.sha256 = sha;
  meta.size = static_cast<int64_t>(bytes.size());
  STORE_RETURN_IF_ERROR(PutBlob(sha, bytes));
  auto stmt = conn_.Prepare(
      "INSERT INTO attachments (comment_id, file_name, content_type, content_id, is_inline, "
      "sha256, "
      "size) VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id");
  if (!stmt.ok()) return stmt.status();
  stmt->Bind(1, meta.comment_id)
      .Bind(2, meta.file_name)
      .Bind(3, meta.content_type)
      .Bind(4, meta.content_id)
      .BindBool(5, meta.is_inline)
      .Bind(6, meta.sha256)
      .Bind(7, meta.size);
  auto id = ReturningId(*stmt, "add attachment to comment " + std::to_string(meta.comment_id));
  if (!id.ok()) return id.status();
  meta.id = *id;
  return meta;
}

Result<AttachmentMeta> SqliteTx::GetAttachment(int64_t id) {
  auto stmt = conn_.Prepare(Sql("SELECT ", kAttachmentCols, " FROM attachments WHERE id = ?"));
  if (!stmt.ok()) return stmt.status();
  stmt->Bind(1, id);
  return One<AttachmentMeta>(*stmt, ReadAttachment, "attachment " + std::to_string(id));
}

Result<std::string> SqliteTx::GetBlob(std::string_view sha256) {
  auto stmt = conn_.Prepare("SELECT bytes FROM blobs WHERE sha256 = ?");
  if (!stmt.ok()) return stmt.status();
  std::string key = ToLower(sha256);
  stmt->Bind(1, key);
  return One<std::string>(
      *stmt, [](const Stmt& s) { return s.Blob(0); }, "blob " + key);
}

// ---------------- raw messages ----------------

Result<int64_t> SqliteTx::AddRawMessage(const RawMessage& message) {
  // An empty sha256 is computed here. A given one is kept as the caller's
  // key: intake records the hash of the bytes as received, while `bytes`
  // carries our trace header in front, so the two legitimately differ.
  std::string sha = message.sha256.empty() ? Sha256Hex(message.bytes) : ToLower(message.sha256);
  auto rcpts = JoinLines(message.rcpt_to);
  if (!rcpts.ok()) return Context(rcpts.status(), "add raw message");
  auto stmt = conn_.Prepare(
      "INSERT INTO raw_messages (sha256, message_id, mail_from, rcpt_to, door, client_ip, bytes, "
      "received_at, sender) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id");
  if (!stmt.ok()) return stmt.status();
  stmt->Bind(1, sha)
      .Bind(2, StripAngles(message.message_id))
      .Bind(3, message.mail_from)
      .Bind(4, *rcpts)
      .Bind(5, message.door)
      .Bind(6, message.client_ip)
      .BindBlob(7, message.bytes)
      .Bind(8, message.received_at)
      .Bind(9, message.sender);
  return ReturningId(*stmt, "add raw message");
}

Result<std::vector<int64_t>> SqliteTx::ListSenderAdmissions(std::string_view sender, int64_t since,
                                                            int64_t limit) {
  if (sender.empty()) return std::vector<int64_t>{};
  auto stmt = conn_.Prepare(
      "SELECT received_at FROM (SELECT received_at FROM raw_messages WHERE sender = ? AND "
      "received_at >= ? ORDER BY received_at DESC LIMIT ?) AS newest ORDER BY received_at");
  if (!stmt.ok()) return stmt.status();
  stmt->Bind(1, sender).Bind(2, since).Bind(3, limit);
  return All<int64_t>(
      *stmt, [](const Stmt& r) { return r.Int(0); }, "list sender admissions");
}

Result<RawMessage> SqliteTx::GetRawMessage(int64_t id) {
  auto stmt = conn_.Prepare(
      "SELECT id, sha256, message_id, mail_from, rcpt_to, door, client_ip, bytes, received_at, "
      "sender FROM raw_messages WHERE id = ?");
  if (!stmt.ok()) return stmt.status();
  stmt->Bind(1, id);
  return One<RawMessage>(
      *stmt,
      [](const Stmt& s) {
        RawMessage m;
        m.id = s.Int(0);
        m.sha256 = s.Text(1);
        m.message_id = s.Text(2);
        m.mail_from = s.Text(3);
        m.rcpt_to = SplitLines(s.Text(4));
        m.door = s.Text(5);
        m.client_ip = s.Text(6);
        m.bytes = s.Blob(7);
        m.received_at = s.Int(8);
        m.sender = s.Text(9);
        return m;
      },
      "raw message " + std::to_string(id));
}

Status SqliteTx::DeleteRawMessage(int64_t id) {
  const std::string what = "delete raw message " + std::to_string(id);
  // A comment's or a suspended ticket's original must not vanish under it;
  // say which one holds it rather than fail on the foreign key.
  for (auto [sql, holder] :
       {std::pair<std::string_view, std::string_view>{
            "SELECT id FROM comments WHERE raw_message_id = ? LIMIT 1", "comment"},
        std::pair<std::string_view, std::string_view>{
            "SELECT id FROM suspended_tickets WHERE raw_message_id = ? LIMIT 1",
            "suspended ticket"}}) {
    auto stmt = conn_.Prepare(sql);
    if (!stmt.ok()) return stmt.status();
    stmt->Bind(1, id);
    auto ref = ReturningId(*stmt, what);
    if (ref.ok()) {
      return Status::Invalid(what + ": " + std::string(holder) + " " + std::to_string(*ref) +
                             " still refers to it");
    }
    if (ref.status().kind() != ErrorKind::kNotFound) return ref.status();
  }
  auto stmt = conn_.Prepare("DELETE FROM raw_messages WHERE id = ? RETURNING id");
  if (!stmt.ok()) return stmt.status();
  stmt->Bind(1, id);
  return ReturningId(*stmt, what).status();
}

// ---------------- audits ----------------

Result<int64_t> SqliteTx::AddAudit(const Audit& audit) {
  auto stmt = conn_.Prepare(
      "INSERT INTO audits (ticket_id, author_id, via, events_json, metadata_json, created_at) "
      "VALUES (?, ?, ?, ?, ?, ?) RETURNING id");
  if (!stmt.ok()) return stmt.status();
  stmt->Bind(1, audit.ticket_id)
      .Bind(2, audit.author_id)
      .Bind(3, ChannelName(audit.via))
      .Bind(4, audit.events_json)
      .Bind(5, audit.metadata_json)
      .Bind(6, audit.created_at);
  return ReturningId(*stmt, "add audit to ticket " + std::to_string(audit.ticket_id));
}

Result<std::vector<Audit>> SqliteTx::ListAudits(int64_t ticket_id) {
  auto stmt =
      conn_.Prepare(Sql("SELECT ", kAuditCols, " FROM audits WHERE ticket_id = ? ORDER BY id"));
  if (!stmt.ok()) return stmt.status();
  stmt->Bind(1, ticket_id);
  return All<Audit>(*stmt, ReadAudit, "audits of ticket " + std::to_string(ticket_id));
}

// ---------------- suspended tickets ----------------

Result<SuspendedTicket> SqliteTx::AddSuspended(SuspendedTicket suspended) {
  // Normalised so the queue can be filtered by sender.
  suspended.author_email = NormalizeEmail(suspended.author_email);
  auto stmt = conn_.Prepare(
      "INSERT INTO suspended_tickets (cause_id, cause, author_name, author_email, subject, "
      "content, recipient, message_id, ticket_id, raw_message_id, evidence_json, created_at, "
      "spam_json) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id");
  if (!stmt.ok()) return stmt.status();
  stmt->Bind(1, int64_t{suspended.cause_id})
      .Bind(2, suspended.cause)
      .Bind(3, suspended.author_name)
      .Bind(4, suspended.author_email)
      .Bind(5, suspended.subject)
      .Bind(6, suspended.content)
      .Bind(7, suspended.recipient)
      .Bind(8, StripAngles(suspended.message_id))
      .Bind(9, suspended.ticket_id);
  // raw_message_id 0 means "none" (kept as NULL so the foreign key holds).
  if (suspended.raw_message_id == 0) {
    stmt->BindNull(10);
  } else {
    stmt->Bind(10, suspended.raw_message_id);
  }
  stmt->Bind(11, suspended.evidence_json)
      .Bind(12, suspended.created_at)
      .Bind(13, suspended.spam_json);
  auto id = ReturningId(*stmt, "add suspended ticket");
  if (!id.ok()) return id.status();
  suspended.id = *id;
  suspended.message_id = StripAngles(suspended.message_id);
  return suspended;
}

Result<SuspendedTicket> SqliteTx::GetSuspended(int64_t id) {
  auto stmt = conn_.Prepare(Sql("SELECT ", kSuspendedCols, " FROM suspended_tickets WHERE id = ?"));
  if (!stmt.ok()) return stmt.status();
  stmt->Bind(1, id);
  return One<SuspendedTicket>(*stmt, ReadSuspended, "suspended ticket " + std::to_string(id));
}

Result<std::vector<SuspendedTicket>> SqliteTx::ListSuspended(int64_t offset, int64_t limit) {
  STORE_RETURN_IF_ERROR(CheckPage(offset, limit));
  // Newest first: ids grow with insertion, so they order ties in created_at.
  auto stmt = conn_.Prepare(Sql("SELECT ", kSuspendedCols,
                                " FROM suspended_tickets ORDER BY created_at DESC, id DESC "
                                "LIMIT ? OFFSET ?"));
  if (!stmt.ok()) return stmt.status();
  stmt->Bind(1, limit).Bind(2, offset);
  std::vector<SuspendedTicket> out;
  while (true) {
    auto row = stmt->Step();
    if (!row.ok()) return row.status();
    if (!*row) break;
    out.push_back(ReadSuspended(*stmt));
  }
  return out;
}

Result<int64_t> SqliteTx::CountSuspended() {
  auto stmt = conn_.Prepare("SELECT COUNT(*) FROM suspended_tickets");
  if (!stmt.ok()) return stmt.status();
  return One<int64_t>(
      *stmt, [](const Stmt& s) { return s.Int(0); }, "count suspended tickets");
}

Result<std::vector<SuspendedTicket>> SqliteTx::QuerySuspended(const SuspendedQuery& query) {
  // The sort column is the only SQL text picked by a caller's value, and only
  // from this list.
  std::string_view column;
  bool numeric = false;
  if (query.sort_by == "created_at") {
    column = "created_at";
    numeric = true;
  } else if (query.sort_by == "author_email") {
    column = "author_email";
  } else if (query.sort_by == "cause") {
    column = "cause";
  } else if (query.sort_by == "subject") {
    column = "subject";
  } else {
    return Status::Invalid("query suspended tickets: cannot sort by '" + query.sort_by +
                           "' (use created_at, author_email, cause or subject)");
  }
  STORE_RETURN_IF_ERROR(CheckLimit(query.limit, "query suspended tickets"));

  // A created_at cursor is compared as a number, the others as text.
  int64_t after_time = 0;
  if (query.after_value && numeric) {
    const std::string& text = *query.after_value;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), after_time);
    if (text.empty() || ec != std::errc() || end != text.data() + text.size()) {
      return Status::Invalid("query suspended tickets: cursor value '" + text +
                             "' is not a created_at time");
    }
  }

  std::string sql = Sql("SELECT ", kSuspendedCols, " FROM suspended_tickets WHERE 1 = 1");
  if (query.cause_id) sql += " AND cause_id = ?";
  if (!query.author_email.empty()) sql += " AND author_email = ?";
  const std::string_view cmp = query.ascending ? " > " : " < ";
  if (query.after_value) {
    // Strictly after (value, id) in the sort order, ties broken by id.
    sql += Sql(" AND (", column, cmp);
    sql += Sql("? OR (", column, " = ? AND id");
    sql += Sql(cmp, "?))");
  }
  const std::string_view dir = query.ascending ? " ASC" : " DESC";
  sql += Sql(" ORDER BY ", column, dir);
  sql += Sql(", id", dir, " LIMIT ?");

  auto stmt = conn_.Prepare(sql);
  if (!stmt.ok()) return stmt.status();
  int index = 1;
  if (query.cause_id) stmt->Bind(index++, int64_t{*query.cause_id});
  if (!query.author_email.empty()) stmt->Bind(index++, NormalizeEmail(query.author_email));
  if (query.after_value) {
    for (int i = 0; i < 2; ++i) {
      if (numeric) {
        stmt->Bind(index++, after_time);
      } else {
        stmt->Bind(index++, *query.after_value);
      }
    }
    stmt->Bind(index++, query.after_id);
  }
  stmt->Bind(index, query.limit);
  return All<SuspendedTicket>(*stmt, ReadSuspended, "query suspended tickets");
}

Status SqliteTx::DeleteSuspended(int64_t id) {
  auto stmt = conn_.Prepare("DELETE FROM suspended_tickets WHERE id = ? RETURNING id");
  if (!stmt.ok()) return stmt.status();
  stmt->Bind(1, id);
  return ReturningId(*stmt, "delete suspended ticket " + std::to_string(id)).status();
}

Result<std::vector<SuspendedTicket>> SqliteTx::ListSuspendedCreatedBefore(int64_t before,
                                                                          int64_t limit) {
  STORE_RETURN_IF_ERROR(CheckLimit(limit, "list suspended tickets created before"));
  auto stmt = conn_.Prepare(Sql("SELECT ", kSuspendedCols,
                                " FROM suspended_tickets WHERE created_at < ? "
                                "ORDER BY created_at, id LIMIT ?"));
  if (!stmt.ok()) return stmt.status();
  stmt->Bind(1, before).Bind(2, limit);
  return All<SuspendedTicket>(*stmt, ReadSuspended,
                              "list suspended tickets created before " + std::to_string(before));
}

// ---------------- inbound idempotency ----------------

Result<InboundDelivery> SqliteTx::FindInboundDelivery(std::string_view sha256,
                                                      std::string_view recipient) {
  auto stmt = conn_.Prepare(
      "SELECT sha256, recipient, outcome, ref_id, created_at FROM inbound_deliveries "
      "WHERE sha256 = ? AND recipient = ?");
  if (!stmt.ok()) return stmt.status();
  std::string rcpt = NormalizeEmail(recipient);
  stmt->Bind(1, ToLower(sha256)).Bind(2, rcpt);
  return One<InboundDelivery>(
      *stmt,
      [](const Stmt& s) {
        InboundDelivery d;
        d.sha256 = s.Text(0);
        d.recipient = s.Text(1);
        d.outcome = s.Text(2);
        d.ref_id = s.Int(3);
        d.created_at = s.Int(4);
        return d;
      },
      "inbound delivery to " + rcpt);
}

Status SqliteTx::AddInboundDelivery(const InboundDelivery& delivery) {
  if (delivery.sha256.empty()) return Status::Invalid("add inbound delivery: empty sha256");
  auto stmt = conn_.Prepare(
      "INSERT INTO inbound_deliveries (sha256, recipient, outcome, ref_id, created_at) "
      "VALUES (?, ?, ?, ?, ?)");
  if (!stmt.ok()) return stmt.status();
  std::string rcpt = NormalizeEmail(delivery.recipient);
  stmt->Bind(1, ToLower(delivery.sha256))
      .Bind(2, rcpt)
      .Bind(3, delivery.outcome)
      .Bind(4, delivery.ref_id)
      .Bind(5, delivery.created_at);
  return Context(stmt->Run(), "add inbound delivery to " + rcpt);
}

// ---------------- triggers, macros and views ----------------

namespace {

// The rows of triggers, macros and views have one shape; `table` is one of
// our own three names, never input.
Result<RuleRow> CreateRuleIn(Conn& conn, std::string_view table, std::string_view what,
                             RuleRow row) {
  auto stmt = conn.Prepare(Sql("INSERT INTO ", table,
                               " (title, active, position, default_key, definition_json, "
                               "created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id"));
  if (!stmt.ok()) return stmt.status();
  stmt->Bind(1, row.title).BindBool(2, row.active).Bind(3, row.position);
  if (row.default_key.empty()) {
    stmt->BindNull(4);  // custom ones; NULLs never collide
  } else {
    stmt->Bind(4, row.default_key);
  }
  stmt->Bind(5, row.definition_json).Bind(6, row.created_at).Bind(7, row.updated_at);
  auto id = ReturningId(*stmt, Sql("create ", what, " ", row.title));
  if (!id.ok()) return id.status();
  row.id = *id;
  return row;
}

Result<RuleRow> GetRuleIn(Conn& conn, std::string_view table, std::string_view what, int64_t id) {
  auto stmt = conn.Prepare(Sql("SELECT ", kTriggerCols, " FROM ", table, " WHERE id = ?"));
  if (!stmt.ok()) return stmt.status();
  stmt->Bind(1, id);
  return One<RuleRow>(*stmt, ReadTrigger, Sql(what, " ", std::to_string(id)));
}

Status UpdateRuleIn(Conn& conn, std::string_view table, std::string_view what,
                    const RuleRow& row) {
  auto stmt = conn.Prepare(Sql("UPDATE ", table,
                               " SET title = ?, active = ?, position = ?, default_key = ?, "
                               "definition_json = ?, updated_at = ? WHERE id = ? RETURNING id"));
  if (!stmt.ok()) return stmt.status();
  stmt->Bind(1, row.title).BindBool(2, row.active).Bind(3, row.position);
  if (row.default_key.empty()) {
    stmt->BindNull(4);
  } else {
    stmt->Bind(4, row.default_key);
  }
  stmt->Bind(5, row.definition_json).Bind(6, row.updated_at).Bind(7, row.id);
  return ReturningId(*stmt, Sql("update ", what, " ", std::to_string(row.id))).status();
}

Status DeleteRuleIn(Conn& conn, std::string_view table, std::string_view what, int64_t id) {
  auto stmt = conn.Prepare(Sql("DELETE FROM ", table, " WHERE id = ? RETURNING id"));
  if (!stmt.ok()) return stmt.status();
  stmt->Bind(1, id);
  return ReturningId(*stmt, Sql("delete ", what, " ", std::to_string(id))).status();
}

Result<std::vector<RuleRow>> ListRulesIn(Conn& conn, std::string_view table,
                                         std::string_view what) {
  auto stmt = conn.Prepare(Sql("SELECT ", kTriggerCols, " FROM ", table, " ORDER BY position, id"));
  if (!stmt.ok()) return stmt.status();
  return All<RuleRow>(*stmt, ReadTrigger, Sql("list ", what, "s"));
}

Result<RuleRow> FindRuleByDefaultKeyIn(Conn& conn, std::string_view table, std::string_view what,
                                       std::string_view key) {
  if (key.empty()) return Status::NotFound(Sql(what, " with empty default key: not found"));
  auto stmt = conn.Prepare(Sql("SELECT ", kTriggerCols, " FROM ", table, " WHERE default_key = ?"));
  if (!stmt.ok()) return stmt.status();
  stmt->Bind(1, key);
  return One<RuleRow>(*stmt, ReadTrigger, Sql(what, " with default key ", key));
}

std::string_view TableName(RuleTable table) {
  switch (table) {
    case RuleTable::kMacros:
      return "macros";
    case RuleTable::kViews:
      return "views";
    case RuleTable::kTicketFields:
      return "ticket_fields";
  }
  return "";
}

std::string_view RuleName(RuleTable table) {
  switch (table) {
    case RuleTable::kMacros:
      return "macro";
    case RuleTable::kViews:
      return "view";
    case RuleTable::kTicketFields:
      return "ticket field";
  }
  return "";
}

}  // namespace

Result<TriggerRow> SqliteTx::CreateTrigger(TriggerRow trigger) {
  return CreateRuleIn(conn_, "triggers", "trigger", std::move(trigger));
}
Result<TriggerRow> SqliteTx::GetTrigger(int64_t id) {
  return GetRuleIn(conn_, "triggers", "trigger", id);
}
Status SqliteTx::UpdateTrigger(const TriggerRow& trigger) {
  return UpdateRuleIn(conn_, "triggers", "trigger", trigger);
}
// Outbound messages a trigger made keep their trigger_title; their
// trigger_id becomes NULL (ON DELETE SET NULL).
Status SqliteTx::DeleteTrigger(int64_t id) { return DeleteRuleIn(conn_, "triggers", "trigger", id); }
Result<std::vector<TriggerRow>> SqliteTx::ListTriggers() {
  return ListRulesIn(conn_, "triggers", "trigger");
}
Result<TriggerRow> SqliteTx::FindTriggerByDefaultKey(std::string_view key) {
  return FindRuleByDefaultKeyIn(conn_, "triggers", "trigger", key);
}

Result<RuleRow> SqliteTx::CreateRule(RuleTable table, RuleRow row) {
  return CreateRuleIn(conn_, TableName(table), RuleName(table), std::move(row));
}
Result<RuleRow> SqliteTx::GetRule(RuleTable table, int64_t id) {
  return GetRuleIn(conn_, TableName(table), RuleName(table), id);
}
Status SqliteTx::UpdateRule(RuleTable table, const RuleRow& row) {
  return UpdateRuleIn(conn_, TableName(table), RuleName(table), row);
}
Status SqliteTx::DeleteRule(RuleTable table, int64_t id) {
  return DeleteRuleIn(conn_, TableName(table), RuleName(table), id);
}
Result<std::vector<RuleRow>> SqliteTx::ListRules(RuleTable table) {
  return ListRulesIn(conn_, TableName(table), RuleName(table));
}
Result<RuleRow> SqliteTx::FindRuleByDefaultKey(RuleTable table, std::string_view key) {
  return FindRuleByDefaultKeyIn(conn_, TableName(table), RuleName(table), key);
}
Status SqliteTx::DeleteTicketFieldValues(int64_t field_id) {
  auto stmt = conn_.Prepare("DELETE FROM ticket_field_values WHERE field_id = ?");
  if (!stmt.ok()) return stmt.status();
  return Context(stmt->Bind(1, field_id).Run(),
                 "delete the values of ticket field " + std::to_string(field_id));
}

// ---------------- outbound messages and delivery ----------------

Result<OutboundMessage> SqliteTx::AddOutboundMessage(OutboundMessage message) {
  message.message_id = StripAngles(message.message_id);
  if (message.message_id.empty()) {
    return Status::Invalid("add outbound message: empty Message-ID");
  }
  auto stmt = conn_.Prepare(
      "INSERT INTO outbound_messages (ticket_id, audit_id, trigger_id, trigger_title, message_id, "
      "subject, bytes, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id");
  if (!stmt.ok()) return stmt.status();
  stmt->Bind(1, message.ticket_id)
      .Bind(2, message.audit_id)
      .Bind(3, message.trigger_id)
      .Bind(4, message.trigger_title)
      .Bind(5, message.message_id)
      .Bind(6, message.subject)
      .BindBlob(7, message.bytes)
      .Bind(8, message.created_at);
  auto id = ReturningId(*stmt, "add outbound message " + message.message_id);
  if (!id.ok()) return id.status();
  message.id = *id;
  return message;
}

Result<OutboundMessage> SqliteTx::GetOutboundMessage(int64_t id) {
  auto stmt = conn_.Prepare(Sql("SELECT ", kOutboundCols, " FROM outbound_messages WHERE id = ?"));
  if (!stmt.ok()) return stmt.status();
  stmt->Bind(1, id);
  return One<OutboundMessage>(*stmt, ReadOutbound, "outbound message " + std::to_string(id));
}

Result<OutboundMessage> SqliteTx::FindOutboundByMessageId(std::string_view message_id) {
  std::string key = StripAngles(message_id);
  if (key.empty()) return Status::NotFound("outbound message by empty Message-ID: not found");
  auto stmt =
      conn_.Prepare(Sql("SELECT ", kOutboundCols, " FROM outbound_messages WHERE message_id = ?"));
  if (!stmt.ok()) return stmt.status();
  stmt->Bind(1, key);
  return One<OutboundMessage>(*stmt, ReadOutbound, "outbound message by Message-ID " + key);
}

Result<std::vector<OutboundMessage>> SqliteTx::ListOutboundMessages(int64_t ticket_id) {
  auto stmt = conn_.Prepare(
      Sql("SELECT ", kOutboundCols, " FROM outbound_messages WHERE ticket_id = ? ORDER BY id"));
  if (!stmt.ok()) return stmt.status();
  stmt->Bind(1, ticket_id);
  return All<OutboundMessage>(*stmt, ReadOutbound,
                              "list outbound messages of ticket " + std::to_string(ticket_id));
}

Result<OutboundRecipient> SqliteTx::AddOutboundRecipient(OutboundRecipient recipient) {
  if (recipient.verp_token.empty()) {
    return Status::Invalid("add outbound recipient: empty VERP token");
  }
  if (!IsRecipientState(recipient.state)) {
    return Status::Invalid("add outbound recipient: unknown state '" + recipient.state + "'");
  }
  auto stmt = conn_.Prepare(
      "INSERT INTO outbound_recipients (message_id, address, user_id, state, attempts, "
      "next_attempt_at, expires_at, verp_token, last_code, last_status, last_reply, reason, "
      "remote_host, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
      "RETURNING id");
  if (!stmt.ok()) return stmt.status();
  stmt->Bind(1, recipient.message_id)
      .Bind(2, recipient.address)
      .Bind(3, recipient.user_id)
      .Bind(4, recipient.state)
      .Bind(5, recipient.attempts)
      .Bind(6, recipient.next_attempt_at)
      .Bind(7, recipient.expires_at)
      .Bind(8, recipient.verp_token)
      .Bind(9, recipient.last_code)
      .Bind(10, recipient.last_status)
      .Bind(11, recipient.last_reply)
      .Bind(12, recipient.reason)
      .Bind(13, recipient.remote_host)
      .Bind(14, recipient.created_at)
      .Bind(15, recipient.updated_at);
  auto id = ReturningId(
      *stmt, "add outbound recipient to message " + std::to_string(recipient.message_id));
  if (!id.ok()) return id.status();
  recipient.id = *id;
  return recipient;
}

Result<OutboundRecipient> SqliteTx::GetOutboundRecipient(int64_t id) {
  auto stmt =
      conn_.Prepare(Sql("SELECT ", kRecipientCols, " FROM outbound_recipients WHERE id = ?"));
  if (!stmt.ok()) return stmt.status();
  stmt->Bind(1, id);
  return One<OutboundRecipient>(*stmt, ReadRecipient, "outbound recipient " + std::to_string(id));
}

Result<OutboundRecipient> SqliteTx::FindRecipientByVerp(std::string_view token) {
  if (token.empty()) return Status::NotFound("outbound recipient by empty VERP token: not found");
  auto stmt = conn_.Prepare(
      Sql("SELECT ", kRecipientCols, " FROM outbound_recipients WHERE verp_token = ?"));
  if (!stmt.ok()) return stmt.status();
  stmt->Bind(1, token);
  return One<OutboundRecipient>(*stmt, ReadRecipient, "outbound recipient by VERP token");
}

Result<std::vector<OutboundRecipient>> SqliteTx::ListOutboundRecipients(int64_t message_id) {
  auto stmt = conn_.Prepare(
      Sql("SELECT ", kRecipientCols, " FROM outbound_recipients WHERE message_id = ? ORDER BY id"));
  if (!stmt.ok()) return stmt.status();
  stmt->Bind(1, message_id);
  return All<OutboundRecipient>(
      *stmt, ReadRecipient, "list recipients of outbound message " + std::to_string(message_id));
}

Status SqliteTx::UpdateOutboundRecipient(const OutboundRecipient& recipient) {
  if (!IsRecipientState(recipient.state)) {
    return Status::Invalid("update outbound recipient: unknown state '" + recipient.state + "'");
  }
  auto stmt = conn_.Prepare(
      "UPDATE outbound_recipients SET state = ?, attempts = ?, next_attempt_at = ?, "
      "expires_at = ?, last_code = ?, last_status = ?, last_reply = ?, reason = ?, "
      "remote_host = ?, updated_at = ? WHERE id = ? RETURNING id");
  if (!stmt.ok()) return stmt.status();
  stmt->Bind(1, recipient.state)
      .Bind(2, recipient.attempts)
      .Bind(3, recipient.next_attempt_at)
      .Bind(4, recipient.expires_at)
      .Bind(5, recipient.last_code)
      .Bind(6, recipient.last_status)
      .Bind(7, recipient.last_reply)
      .Bind(8, recipient.reason)
      .Bind(9, recipient.remote_host)
      .Bind(10, recipient.updated_at)
      .Bind(11, recipient.id);
  return ReturningId(*stmt, "update outbound recipient " + std::to_string(recipient.id)).status();
}

Result<std::vector<OutboundRecipient>> SqliteTx::DueRecipients(int64_t now, int64_t limit) {
  STORE_RETURN_IF_ERROR(CheckPage(0, limit));
  // Ties in next_attempt_at go to the older recipient, so the order is total.
  auto stmt = conn_.Prepare(Sql("SELECT ", kRecipientCols,
                                " FROM outbound_recipients WHERE state IN ('queued', 'deferred') "
                                "AND next_attempt_at <= ? ORDER BY next_attempt_at, id LIMIT ?"));
  if (!stmt.ok()) return stmt.status();
  stmt->Bind(1, now).Bind(2, limit);
  return All<OutboundRecipient>(*stmt, ReadRecipient, "due outbound recipients");
}

Result<std::vector<OutboundRecipient>> SqliteTx::RecipientsInState(std::string_view state) {
  auto stmt = conn_.Prepare(
      Sql("SELECT ", kRecipientCols, " FROM outbound_recipients WHERE state = ? ORDER BY id"));
  if (!stmt.ok()) return stmt.status();
  stmt->Bind(1, state);
  return All<OutboundRecipient>(*stmt, ReadRecipient,
                                "outbound recipients in state " + std::string(state));
}

Result<int64_t> SqliteTx::AddDeliveryEvent(const DeliveryEvent& event) {
  auto stmt = conn_.Prepare(
      "INSERT INTO delivery_events (recipient_id, state, code, status, detail, remote_host, "
      "created_at) VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id");
  if (!stmt.ok()) return stmt.status();
  stmt->Bind(1, event.recipient_id)
      .Bind(2, event.state)
      .Bind(3, event.code)
      .Bind(4, event.status)
      .Bind(5, event.detail)
      .Bind(6, event.remote_host)
      .Bind(7, event.created_at);
  return ReturningId(*stmt,
                     "add delivery event to recipient " + std::to_string(event.recipient_id));
}

Result<std::vector<DeliveryEvent>> SqliteTx::ListDeliveryEvents(int64_t recipient_id) {
  auto stmt = conn_.Prepare(Sql("SELECT ", kDeliveryEventCols,
                                " FROM delivery_events WHERE recipient_id = ? ORDER BY id"));
  if (!stmt.ok()) return stmt.status();
  stmt->Bind(1, recipient_id);
  return All<DeliveryEvent>(*stmt, ReadDeliveryEvent,
                            "list delivery events of recipient " + std::to_string(recipient_id));
}

// ---------------- support addresses ----------------

Result<RecipientAddress> SqliteTx::CreateRecipientAddress(RecipientAddress address) {
  address.email = NormalizeEmail(address.email);
  if (address.email.empty()) return Status::Invalid("create support address: empty email");
  auto stmt = conn_.Prepare(
      "INSERT INTO recipient_addresses (name, email, is_default, forwarding_status, "
      "forwarding_token, forwarding_sent_at, forwarding_recipient_id, spf_status, cname_status, "
      "domain_verification_status, dns_results_json, checks_json, created_at, updated_at) "
      "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id");
  if (!stmt.ok()) return stmt.status();
  stmt->Bind(1, address.name)
      .Bind(2, address.email)
      .BindBool(3, address.is_default)
      .Bind(4, address.forwarding_status)
      .Bind(5, address.forwarding_token)
      .Bind(6, address.forwarding_sent_at)
      .Bind(7, address.forwarding_recipient_id)
      .Bind(8, address.spf_status)
      .Bind(9, address.cname_status)
      .Bind(10, address.domain_verification_status)
      .Bind(11, address.dns_results_json)
      .Bind(12, address.checks_json)
      .Bind(13, address.created_at)
      .Bind(14, address.updated_at);
  auto id = ReturningId(*stmt, "create support address " + address.email);
  if (!id.ok()) return id.status();
  address.id = *id;
  return address;
}

Result<RecipientAddress> SqliteTx::GetRecipientAddress(int64_t id) {
  auto stmt = conn_.Prepare(
      Sql("SELECT ", kRecipientAddressCols, " FROM recipient_addresses WHERE id = ?"));
  if (!stmt.ok()) return stmt.status();
  stmt->Bind(1, id);
  return One<RecipientAddress>(*stmt, ReadRecipientAddress,
                               "support address " + std::to_string(id));
}

Result<RecipientAddress> SqliteTx::FindRecipientAddressByEmail(std::string_view email) {
  std::string key = NormalizeEmail(email);
  if (key.empty()) return Status::NotFound("support address with empty email: not found");
  auto stmt = conn_.Prepare(
      Sql("SELECT ", kRecipientAddressCols, " FROM recipient_addresses WHERE email = ?"));
  if (!stmt.ok()) return stmt.status();
  stmt->Bind(1, key);
  return One<RecipientAddress>(*stmt, ReadRecipientAddress, "support address " + key);
}

Status SqliteTx::UpdateRecipientAddress(const RecipientAddress& address) {
  auto stmt = conn_.Prepare(
      "UPDATE recipient_addresses SET name = ?, is_default = ?, forwarding_status = ?, "
      "forwarding_token = ?, forwarding_sent_at = ?, forwarding_recipient_id = ?, spf_status = ?, "
      "cname_status = ?, domain_verification_status = ?, dns_results_json = ?, checks_json = ?, "
      "updated_at = ? WHERE id = ? RETURNING id");
  if (!stmt.ok()) return stmt.status();
  stmt->Bind(1, address.name)
      .BindBool(2, address.is_default)
      .Bind(3, address.forwarding_status)
      .Bind(4, address.forwarding_token)
      .Bind(5, address.forwarding_sent_at)
      .Bind(6, address.forwarding_recipient_id)
      .Bind(7, address.spf_status)
      .Bind(8, address.cname_status)
      .Bind(9, address.domain_verification_status)
      .Bind(10, address.dns_results_json)
      .Bind(11, address.checks_json)
      .Bind(12, address.updated_at)
      .Bind(13, address.id);
  return ReturningId(*stmt, "update support address " + std::to_string(address.id)).status();
}

Status SqliteTx::DeleteRecipientAddress(int64_t id) {
  auto stmt = conn_.Prepare("DELETE FROM recipient_addresses WHERE id = ? RETURNING id");
  if (!stmt.ok()) return stmt.status();
  stmt->Bind(1, id);
  return ReturningId(*stmt, "delete support address " + std::to_string(id)).status();
}

Result<std::vector<RecipientAddress>> SqliteTx::ListRecipientAddresses() {
  auto stmt =
      conn_.Prepare(Sql("SELECT ", kRecipientAddressCols, " FROM recipient_addresses ORDER BY id"));
  if (!stmt.ok()) return stmt.status();
  return All<RecipientAddress>(*stmt, ReadRecipientAddress, "list support addresses");
}

// ---------------- system events ----------------

Result<int64_t> SqliteTx::AddSystemEvent(const SystemEvent& event) {
  if (event.kind.empty()) return Status::Invalid("add system event: empty kind");
  auto stmt = conn_.Prepare(
      "INSERT INTO system_events (kind, subject, detail_json, created_at) VALUES (?, ?, ?, ?) "
      "RETURNING id");
  if (!stmt.ok()) return stmt.status();
  stmt->Bind(1, event.kind)
      .Bind(2, ToLower(Trim(event.subject)))
      .Bind(3, event.detail_json)
      .Bind(4, event.created_at);
  return ReturningId(*stmt, "add system event " + event.kind);
}

Result<std::vector<SystemEvent>> SqliteTx::ListSystemEvents(std::string_view subject,
                                                            std::string_view kind, int64_t limit) {
  STORE_RETURN_IF_ERROR(CheckLimit(limit, "list system events"));
  const std::string key = ToLower(Trim(subject));
  std::string sql = Sql("SELECT ", kSystemEventCols, " FROM system_events WHERE 1 = 1");
  if (!key.empty()) sql += " AND subject = ?";
  if (!kind.empty()) sql += " AND kind = ?";
  sql += " ORDER BY id DESC LIMIT ?";
  auto stmt = conn_.Prepare(sql);
  if (!stmt.ok()) return stmt.status();
  int index = 1;
  if (!key.empty()) stmt->Bind(index++, key);
  if (!kind.empty()) stmt->Bind(index++, kind);
  stmt->Bind(index, limit);
  return All<SystemEvent>(*stmt, ReadSystemEvent, "list system events");
}

// ---------------- spam filter model ----------------

Result<std::vector<SpamTokenCount>> SqliteTx::LoadSpamTokens() {
  auto stmt = conn_.Prepare("SELECT token, spam, ham FROM spam_tokens");
  if (!stmt.ok()) return stmt.status();
  return All<SpamTokenCount>(
      *stmt,
      [](const Stmt& s) {
        return SpamTokenCount{TokenFromSql(s.Int(0)), s.Int(1), s.Int(2)};
      },
      "load spam tokens");
}

Status SqliteTx::AddSpamTokenCounts(const std::vector<SpamTokenCount>& deltas) {
  // One cached upsert per token. Counts never go below zero (unlearning more
  // than was learned, e.g. after a restored backup, stops at zero), and a row
  // left at 0/0 carries no information, so it is removed.
  for (const SpamTokenCount& d : deltas) {
    if (d.spam == 0 && d.ham == 0) continue;
    const int64_t token = TokenToSql(d.token);
    bool empty = false;
    {
      auto stmt = conn_.Prepare(
          "INSERT INTO spam_tokens (token, spam, ham) "
          "VALUES (?1, CASE WHEN ?2 < 0 THEN 0 ELSE ?2 END, CASE WHEN ?3 < 0 THEN 0 ELSE ?3 END) "
          "ON CONFLICT (token) DO UPDATE SET "
          "spam = CASE WHEN spam_tokens.spam + ?2 < 0 THEN 0 ELSE spam_tokens.spam + ?2 END, "
          "ham = CASE WHEN spam_tokens.ham + ?3 < 0 THEN 0 ELSE spam_tokens.ham + ?3 END "
          "RETURNING spam, ham");
      if (!stmt.ok()) return stmt.status();
      stmt->Bind(1, token).Bind(2, d.spam).Bind(3, d.ham);
      auto counts = One<std::pair<int64_t, int64_t>>(
          *stmt, [](const Stmt& s) { return std::make_pair(s.Int(0), s.Int(1)); },
          "add spam token counts");
      if (!counts.ok()) return counts.status();
      empty = counts->first == 0 && counts->second == 0;
    }
    if (empty) {
      auto del = conn_.Prepare("DELETE FROM spam_tokens WHERE token = ?");
      if (!del.ok()) return del.status();
      STORE_RETURN_IF_ERROR(Context(del->Bind(1, token).Run(), "remove empty spam token"));
    }
  }
  return Status::Ok();
}

Result<std::string> SqliteTx::GetSpamLearned(std::string_view key) {
  auto stmt = conn_.Prepare("SELECT class FROM spam_learned WHERE key = ?");
  if (!stmt.ok()) return stmt.status();
  stmt->Bind(1, key);
  return One<std::string>(
      *stmt, [](const Stmt& s) { return s.Text(0); }, "spam learn cache entry");
}

Status SqliteTx::SetSpamLearned(std::string_view key, std::string_view cls) {
  if (key.empty()) return Status::Invalid("set spam learn cache: empty key");
  if (!IsSpamClass(cls)) {
    return Status::Invalid("set spam learn cache: class must be spam or ham, got '" +
                           std::string(cls) + "'");
  }
  // When it was learned is for operators pruning the cache, not for logic.
  auto stmt = conn_.Prepare(
      "INSERT INTO spam_learned (key, class, created_at) VALUES (?, ?, ?) "
      "ON CONFLICT (key) DO UPDATE SET class = excluded.class, created_at = excluded.created_at");
  if (!stmt.ok()) return stmt.status();
  stmt->Bind(1, key).Bind(2, cls).Bind(3, static_cast<int64_t>(std::time(nullptr)));
  return Context(stmt->Run(), "set spam learn cache");
}

Result<std::pair<int64_t, int64_t>> SqliteTx::CountSpamLearned() {
  auto stmt = conn_.Prepare(
      "SELECT COUNT(CASE WHEN class = 'spam' THEN 1 END), "
      "COUNT(CASE WHEN class = 'ham' THEN 1 END) FROM spam_learned");
  if (!stmt.ok()) return stmt.status();
  return One<std::pair<int64_t, int64_t>>(
      *stmt, [](const Stmt& s) { return std::make_pair(s.Int(0), s.Int(1)); },
      "count learned messages");
}

// ---------------- settings ----------------

Result<std::string> SqliteTx::GetSetting(std::string_view key) {
  auto stmt = conn_.Prepare("SELECT value FROM settings WHERE name = ?");
  if (!stmt.ok()) return stmt.status();
  stmt->Bind(1, key);
  return One<std::string>(
      *stmt, [](const Stmt& s) { return s.Text(0); }, "setting " + std::string(key));
}

Status SqliteTx::SetSetting(std::string_view key, std::string_view value) {
  auto stmt = conn_.Prepare(
      "INSERT INTO settings (name, value) VALUES (?, ?) "
      "ON CONFLICT (name) DO UPDATE SET value = excluded.value");
  if (!stmt.ok()) return stmt.status();
  return Context(stmt->Bind(1, key).Bind(2, value).Run(), "set setting " + std::string(key));
}

}  // namespace postdesk::store::sqlite

namespace postdesk::store::sqlite {

// ---- agents' passwords and workspace sessions ----

Status SqliteTx::SetPasswordHash(int64_t user_id, std::string_view hash) {
  auto stmt = conn_.Prepare("UPDATE users SET password_hash = ? WHERE id = ? RETURNING id");
  if (!stmt.ok()) return stmt.status();
  stmt->Bind(1, hash).Bind(2, user_id);
  return ReturningId(*stmt, "set password of user " + std::to_string(user_id)).status();
}

Result<std::string> SqliteTx::GetPasswordHash(int64_t user_id) {
  auto stmt = conn_.Prepare("SELECT password_hash FROM users WHERE id = ?");
  if (!stmt.ok()) return stmt.status();
  stmt->Bind(1, user_id);
  return One<std::string>(
      *stmt, [](const Stmt& s) { return s.Text(0); }, "password of user " + std::to_string(user_id));
}

Status SqliteTx::AddSession(const AgentSession& session) {
  if (session.token_sha256.empty()) return Status::Invalid("add session: empty token");
  auto stmt = conn_.Prepare(
      "INSERT INTO agent_sessions (token_sha256, user_id, csrf_token, client_ip, created_at, "
      "last_seen_at) VALUES (?, ?, ?, ?, ?, ?)");
  if (!stmt.ok()) return stmt.status();
  stmt->Bind(1, session.token_sha256)
      .Bind(2, session.user_id)
      .Bind(3, session.csrf_token)
      .Bind(4, session.client_ip)
      .Bind(5, session.created_at)
      .Bind(6, session.last_seen_at);
  return Context(stmt->Run(), "add session");
}

Result<AgentSession> SqliteTx::GetSession(std::string_view token_sha256) {
  auto stmt = conn_.Prepare(
      "SELECT token_sha256, user_id, csrf_token, client_ip, created_at, last_seen_at "
      "FROM agent_sessions WHERE token_sha256 = ?");
  if (!stmt.ok()) return stmt.status();
  stmt->Bind(1, token_sha256);
  return One<AgentSession>(
      *stmt,
      [](const Stmt& s) {
        return AgentSession{.token_sha256 = s.Text(0),
                            .user_id = s.Int(1),
                            .csrf_token = s.Text(2),
                            .client_ip = s.Text(3),
                            .created_at = s.Int(4),
                            .last_seen_at = s.Int(5)};
      },
      "session");
}

Status SqliteTx::TouchSession(std::string_view token_sha256, int64_t last_seen_at) {
  auto stmt = conn_.Prepare(
      "UPDATE agent_sessions SET last_seen_at = ? WHERE token_sha256 = ? RETURNING user_id");
  if (!stmt.ok()) return stmt.status();
  stmt->Bind(1, last_seen_at).Bind(2, token_sha256);
  return ReturningId(*stmt, "touch session").status();
}

Status SqliteTx::DeleteSession(std::string_view token_sha256) {
  auto stmt = conn_.Prepare("DELETE FROM agent_sessions WHERE token_sha256 = ?");
  if (!stmt.ok()) return stmt.status();
  stmt->Bind(1, token_sha256);
  return Context(stmt->Run(), "delete session");
}

Status SqliteTx::DeleteUserSessions(int64_t user_id) {
  auto stmt = conn_.Prepare("DELETE FROM agent_sessions WHERE user_id = ?");
  if (!stmt.ok()) return stmt.status();
  stmt->Bind(1, user_id);
  return Context(stmt->Run(), "delete sessions of user " + std::to_string(user_id));
}

Result<int64_t> SqliteTx::DeleteSessionsIdleSince(int64_t before) {
  auto stmt =
      conn_.Prepare("DELETE FROM agent_sessions WHERE last_seen_at < ? RETURNING user_id");
  if (!stmt.ok()) return stmt.status();
  stmt->Bind(1, before);
  int64_t n = 0;
  while (true) {
    auto row = stmt->Step();
    if (!row.ok()) return Context(row.status(), "expire sessions");
    if (!*row) break;
    ++n;
  }
  return n;
}

// ---- workspace views and search ----

namespace {

// A LIKE pattern matching `word` anywhere, with LIKE's wildcards escaped.
std::string ContainsPattern(std::string_view word) {
  std::string out = "%";
  for (char c : word) {
    if (c == '%' || c == '_' || c == '\\') out += '\\';
    out += c;
  }
  return out + "%";
}

// An FTS5 query matching `word` as one phrase (quotes doubled inside).
std::string FtsPhrase(std::string_view word) {
  std::string out = "\"";
  for (char c : word) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

constexpr std::string_view kStatusRankSql =
    "CASE t.status WHEN 'new' THEN 0 WHEN 'open' THEN 1 WHEN 'pending' THEN 2 WHEN 'hold' THEN 3 "
    "WHEN 'solved' THEN 4 ELSE 5 END";
constexpr std::string_view kPriorityRankSql =
    "CASE t.priority WHEN 'low' THEN 1 WHEN 'normal' THEN 2 WHEN 'high' THEN 3 WHEN 'urgent' "
    "THEN 4 ELSE 0 END";
// From the failed recipients (the state index) to their tickets, not a
// lookup per ticket: a count over every ticket stays fast.
constexpr std::string_view kDeliveryFailedSql =
    "t.id IN (SELECT m.ticket_id FROM outbound_recipients r JOIN outbound_messages m "
    "ON m.id = r.message_id WHERE r.state IN ('failed', 'bounced'))";

// One view condition as SQL over `tickets t`; its parameters go to `params`.
std::string ConditionSql(const TicketCondition& c,
                         std::vector<std::variant<int64_t, std::string>>& params) {
  using F = TicketCondition::Field;
  using Op = TicketCondition::Op;
  auto compare = [&](std::string_view expr, int64_t v) {
    const char* op = c.op == Op::kIs          ? " = "
                     : c.op == Op::kIsNot     ? " <> "
                     : c.op == Op::kLessThan ? " < "
                                              : " > ";
    params.emplace_back(v);
    return std::string(expr) + op + "?";
  };
  auto placeholders = [&](size_t n) {
    std::string out;
    for (size_t i = 0; i < n; ++i) out += i ? ", ?" : "?";
    return out;
  };
  switch (c.field) {
    case F::kStatus: {
      // As the statuses it admits, so the (status, updated_at) index serves.
      static constexpr std::array<std::string_view, 6> kByRank = {"new",  "open",   "pending",
                                                                  "hold", "solved", "closed"};
      const int64_t rank = c.numbers.empty() ? 0 : c.numbers[0];
      std::string in;
      for (int64_t r = 0; r < static_cast<int64_t>(kByRank.size()); ++r) {
        const bool admitted = c.op == Op::kIs          ? r == rank
                              : c.op == Op::kIsNot     ? r != rank
                              : c.op == Op::kLessThan ? r < rank
                                                       : r > rank;
        if (!admitted) continue;
        in += in.empty() ? "?" : ", ?";
        params.emplace_back(std::string(kByRank[r]));
      }
      return in.empty() ? std::string("1 = 0") : Sql("t.status IN (", in, ")");
    }
    case F::kPriority:
      return compare(kPriorityRankSql, c.numbers.empty() ? 0 : c.numbers[0]);
    case F::kType:
    case F::kVia: {
      const char* column = c.field == F::kType ? "t.type" : "t.via";
      params.emplace_back(c.texts.empty() ? std::string() : c.texts[0]);
      return Sql(column, c.op == Op::kIsNot ? " <> ?" : " = ?");
    }
    case F::kAssigneeId:
    case F::kGroupId:
    case F::kRequesterId:
    case F::kOrganizationId: {
      const char* column = c.field == F::kAssigneeId     ? "t.assignee_id"
                           : c.field == F::kGroupId      ? "t.group_id"
                           : c.field == F::kRequesterId  ? "t.requester_id"
                                                         : "t.organization_id";
      if (c.numbers.empty()) return Sql(column, c.op == Op::kIsNot ? " IS NOT NULL" : " IS NULL");
      for (int64_t n : c.numbers) params.emplace_back(n);
      std::string in = Sql(column, " IN (", placeholders(c.numbers.size()), ")");
      return c.op == Op::kIsNot ? Sql("(", column, " IS NULL OR NOT ", in, ")") : in;
    }
    case F::kTags: {
      for (const std::string& tag : c.texts) params.emplace_back(ToLower(tag));
      std::string exists = Sql("EXISTS (SELECT 1 FROM ticket_tags g WHERE g.ticket_id = t.id AND g.tag IN (",
                               placeholders(c.texts.size()), "))");
      return c.op == Op::kIsNot ? "NOT " + exists : exists;
    }
    case F::kCreatedAt:
    case F::kUpdatedAt: {
      const char* column = c.field == F::kCreatedAt ? "t.created_at" : "t.updated_at";
      if (c.op == Op::kIs && c.numbers.size() == 2) {
        params.emplace_back(c.numbers[0]);
        params.emplace_back(c.numbers[1]);
        return Sql("(", column, " >= ? AND ", column, " < ?)");
      }
      return compare(column, c.numbers.empty() ? 0 : c.numbers[0]);
    }
    case F::kDeliveryFailed:
      return c.op == Op::kIsNot ? Sql("NOT ", kDeliveryFailedSql) : std::string(kDeliveryFailedSql);
    case F::kCustomField: {
      params.emplace_back(c.numbers.empty() ? int64_t{0} : c.numbers[0]);
      const std::string has = "EXISTS (SELECT 1 FROM ticket_field_values v WHERE v.ticket_id = t.id AND v.field_id = ?";
      if (c.op == Op::kPresent) return has + ")";
      if (c.op == Op::kNotPresent) return "NOT " + has + ")";
      params.emplace_back(c.texts.empty() ? std::string() : c.texts[0]);
      if (c.op == Op::kIs) return has + " AND v.value = ?)";
      if (c.op == Op::kIsNot) return "NOT " + has + " AND v.value = ?)";
      const bool numeric = c.numbers.size() > 1 && c.numbers[1] == 1;
      const char* value = numeric ? "CAST(v.value AS REAL)" : "v.value";
      const char* want = numeric ? "CAST(? AS REAL)" : "?";
      return Sql(has, " AND ", value, c.op == Op::kLessThan ? " < " : " > ", want, ")");
    }
  }
  return "1 = 0";
}

// The WHERE clause of a TicketQuery over `tickets t`, and its parameters.
struct TicketFilter : SqlFilter {
  explicit TicketFilter(const TicketQuery& q) {
    In("t.status", q.statuses);
    if (q.assignee == TicketQuery::Assignee::kNobody) where += " AND t.assignee_id IS NULL";
    if (q.assignee == TicketQuery::Assignee::kUser) {
      where += " AND t.assignee_id = ?";
      params.emplace_back(q.assignee_id);
    }
    if (q.requester_id) {
      where += " AND t.requester_id = ?";
      params.emplace_back(*q.requester_id);
    }
    if (q.collaborator_id) {
      where += " AND t.id IN (SELECT ticket_id FROM ticket_collaborators WHERE user_id = ?)";
      params.emplace_back(*q.collaborator_id);
    }
    if (q.group_id) {
      where += " AND t.group_id = ?";
      params.emplace_back(*q.group_id);
    }
    if (q.organization_id) {
      where += " AND t.organization_id = ?";
      params.emplace_back(*q.organization_id);
    }
    In("t.id", q.ids);
    if (q.updated_since > 0) {
      where += " AND t.updated_at >= ?";
      params.emplace_back(q.updated_since);
    }
    if (q.delivery_failures) where += Sql(" AND ", kDeliveryFailedSql);
    for (const std::string& word : q.words) {
      if (CodePoints(word) >= 3) {
        // By the trigram indexes (migration 6): a phrase query is a
        // substring match, case-insensitive as LIKE is.
        where +=
            " AND (t.id IN (SELECT rowid FROM ticket_subject_text WHERE ticket_subject_text "
            "MATCH ?) OR t.id IN (SELECT c.ticket_id FROM comment_text JOIN comments c ON "
            "c.id = comment_text.rowid WHERE comment_text MATCH ?))";
        params.emplace_back(FtsPhrase(word));
        params.emplace_back(FtsPhrase(word));
      } else {
        // Shorter than a trigram: a scan.
        where +=
            " AND (t.subject LIKE ? ESCAPE '\\' OR EXISTS (SELECT 1 FROM comments c "
            "WHERE c.ticket_id = t.id AND c.body LIKE ? ESCAPE '\\'))";
        params.emplace_back(ContainsPattern(word));
        params.emplace_back(ContainsPattern(word));
      }
    }
    for (const std::string& tag : q.tags) {
      where += " AND EXISTS (SELECT 1 FROM ticket_tags g WHERE g.ticket_id = t.id AND g.tag = ?)";
      params.emplace_back(ToLower(tag));
    }
    for (const TicketCondition& c : q.all) where += " AND " + ConditionSql(c, params);
    if (!q.any.empty()) {
      where += " AND (";
      for (size_t i = 0; i < q.any.size(); ++i) {
        where += (i ? " OR " : "") + ConditionSql(q.any[i], params);
      }
      where += ")";
    }
  }
};

std::string_view SortColumn(TicketQuery::Sort sort) {
  switch (sort) {
    case TicketQuery::Sort::kCreated:
      return "t.created_at";
    case TicketQuery::Sort::kId:
      return "t.id";
    case TicketQuery::Sort::kStatus:
      return kStatusRankSql;  // Zendesk's order of statuses, not the alphabet's
    case TicketQuery::Sort::kSubject:
      return "t.subject COLLATE NOCASE";
    case TicketQuery::Sort::kRequester:
      return "(SELECT COALESCE(NULLIF(u.name, ''), u.email) FROM users u "
             "WHERE u.id = t.requester_id) COLLATE NOCASE";
    case TicketQuery::Sort::kUpdated:
      break;
  }
  return "t.updated_at";
}

}  // namespace

Result<std::vector<Ticket>> SqliteTx::QueryTickets(const TicketQuery& query) {
  STORE_RETURN_IF_ERROR(CheckPage(query.offset, query.limit));
  TicketFilter filter(query);
  const char* dir = query.ascending ? " ASC" : " DESC";
  std::string sql = "SELECT ";
  for (const std::string& col : Split(kTicketCols, ',')) {
    if (sql.size() > 7) sql += ", ";
    sql += "t." + std::string(Trim(col));
  }
  sql += " FROM tickets t" + filter.where + " ORDER BY " + std::string(SortColumn(query.sort)) +
         dir + ", t.id" + dir + " LIMIT ? OFFSET ?";
  std::vector<Ticket> out;
  {
    auto stmt = conn_.Prepare(sql);
    if (!stmt.ok()) return stmt.status();
    int next = filter.BindAll(*stmt);
    stmt->Bind(next, query.limit).Bind(next + 1, query.offset);
    auto rows = All<Ticket>(*stmt, ReadTicket, "query tickets");
    if (!rows.ok()) return rows.status();
    out = std::move(rows).value();
  }
  STORE_RETURN_IF_ERROR(LoadTicketLists(out));
  return out;
}

Result<int64_t> SqliteTx::CountTickets(const TicketQuery& query) {
  TicketFilter filter(query);
  auto stmt = conn_.Prepare("SELECT COUNT(*) FROM tickets t" + filter.where);
  if (!stmt.ok()) return stmt.status();
  filter.BindAll(*stmt);
  return One<int64_t>(
      *stmt, [](const Stmt& s) { return s.Int(0); }, "count tickets");
}

Result<std::vector<TagCount>> SqliteTx::ListTagCounts(int64_t offset, int64_t limit) {
  STORE_RETURN_IF_ERROR(CheckPage(offset, limit));
  auto stmt = conn_.Prepare(
      "SELECT tag, COUNT(*) AS n FROM ticket_tags GROUP BY tag ORDER BY n DESC, tag "
      "LIMIT ? OFFSET ?");
  if (!stmt.ok()) return stmt.status();
  stmt->Bind(1, limit).Bind(2, offset);
  return All<TagCount>(
      *stmt, [](const Stmt& s) { return TagCount{.name = s.Text(0), .count = s.Int(1)}; },
      "list tags");
}

Result<int64_t> SqliteTx::CountTags() {
  auto stmt = conn_.Prepare("SELECT COUNT(DISTINCT tag) FROM ticket_tags");
  if (!stmt.ok()) return stmt.status();
  return One<int64_t>(
      *stmt, [](const Stmt& s) { return s.Int(0); }, "count tags");
}

namespace {

// The WHERE clause of a UserQuery, and its parameters.
struct UserFilter : SqlFilter {
  explicit UserFilter(const UserQuery& q) {
    std::vector<std::string> roles;
    for (Role role : q.roles) roles.emplace_back(RoleName(role));
    In("role", roles);
    for (const std::string& word : q.words) {
      where += " AND (name LIKE ? ESCAPE '\\' OR email LIKE ? ESCAPE '\\')";
      params.emplace_back(ContainsPattern(word));
      params.emplace_back(ContainsPattern(word));
    }
    if (!q.email.empty()) {
      where += " AND email = ?";
      params.emplace_back(NormalizeEmail(q.email));
    }
    In("id", q.ids);
    if (q.organization_id) {
      where += " AND organization_id = ?";
      params.emplace_back(*q.organization_id);
    }
  }
};

}  // namespace

Result<std::vector<User>> SqliteTx::QueryUsers(const UserQuery& query) {
  STORE_RETURN_IF_ERROR(CheckPage(query.offset, query.limit));
  UserFilter filter(query);
  auto stmt = conn_.Prepare(Sql("SELECT ", kUserCols, " FROM users") + filter.where +
                            " ORDER BY id LIMIT ? OFFSET ?");
  if (!stmt.ok()) return stmt.status();
  int next = filter.BindAll(*stmt);
  stmt->Bind(next, query.limit).Bind(next + 1, query.offset);
  return All<User>(*stmt, ReadUser, "query users");
}

Result<int64_t> SqliteTx::CountUsers(const UserQuery& query) {
  UserFilter filter(query);
  auto stmt = conn_.Prepare("SELECT COUNT(*) FROM users" + filter.where);
  if (!stmt.ok()) return stmt.status();
  filter.BindAll(*stmt);
  return One<int64_t>(
      *stmt, [](const Stmt& s) { return s.Int(0); }, "count users");
}

}  // namespace postdesk::store::sqlite

namespace postdesk::store::sqlite {

// ---- uploads waiting for a reply ----

Result<Upload> SqliteTx::AddUpload(Upload upload, std::string_view bytes) {
  if (upload.token_sha256.empty()) return Status::Invalid("add upload: empty token");
  upload.sha256 = Sha256Hex(bytes);
  upload.size = static_cast<int64_t>(bytes.size());
  STORE_RETURN_IF_ERROR(PutBlob(upload.sha256, bytes));
  auto stmt = conn_.Prepare(
      "INSERT INTO uploads (token_sha256, user_id, file_name, content_type, sha256, size, "
      "created_at) VALUES (?, ?, ?, ?, ?, ?, ?)");
  if (!stmt.ok()) return stmt.status();
  stmt->Bind(1, upload.token_sha256)
      .Bind(2, upload.user_id)
      .Bind(3, upload.file_name)
      .Bind(4, upload.content_type)
      .Bind(5, upload.sha256)
      .Bind(6, upload.size)
      .Bind(7, upload.created_at);
  STORE_RETURN_IF_ERROR(Context(stmt->Run(), "add upload"));
  return upload;
}

Result<Upload> SqliteTx::GetUpload(std::string_view token_sha256) {
  auto stmt = conn_.Prepare(
      "SELECT token_sha256, user_id, file_name, content_type, sha256, size, created_at "
      "FROM uploads WHERE token_sha256 = ?");
  if (!stmt.ok()) return stmt.status();
  stmt->Bind(1, token_sha256);
  return One<Upload>(
      *stmt,
      [](const Stmt& s) {
        return Upload{.token_sha256 = s.Text(0),
                      .user_id = s.Int(1),
                      .file_name = s.Text(2),
                      .content_type = s.Text(3),
                      .sha256 = s.Text(4),
                      .size = s.Int(5),
                      .created_at = s.Int(6)};
      },
      "upload");
}

Status SqliteTx::DeleteUpload(std::string_view token_sha256) {
  auto stmt = conn_.Prepare("DELETE FROM uploads WHERE token_sha256 = ? RETURNING user_id");
  if (!stmt.ok()) return stmt.status();
  stmt->Bind(1, token_sha256);
  return ReturningId(*stmt, "delete upload").status();
}

Result<int64_t> SqliteTx::DeleteUploadsBefore(int64_t before) {
  // The blobs stay: an attachment may share them (content-addressed).
  auto stmt = conn_.Prepare("DELETE FROM uploads WHERE created_at < ? RETURNING user_id");
  if (!stmt.ok()) return stmt.status();
  stmt->Bind(1, before);
  int64_t n = 0;
  while (true) {
    auto row = stmt->Step();
    if (!row.ok()) return Context(row.status(), "expire uploads");
    if (!*row) break;
    ++n;
  }
  return n;
}

}  // namespace postdesk::store::sqlite

namespace postdesk::store::sqlite {

// ---- named API tokens and trigger history ----

Result<ApiToken> SqliteTx::AddApiToken(ApiToken token) {
  if (token.token_sha256.empty()) return Status::Invalid("add api token: empty token");
  auto stmt = conn_.Prepare(
      "INSERT INTO api_tokens (user_id, description, token_sha256, created_at) "
      "VALUES (?, ?, ?, ?) RETURNING id");
  if (!stmt.ok()) return stmt.status();
  stmt->Bind(1, token.user_id)
      .Bind(2, token.description)
      .Bind(3, token.token_sha256)
      .Bind(4, token.created_at);
  auto id = ReturningId(*stmt, "add api token");
  if (!id.ok()) return id.status();
  token.id = *id;
  return token;
}

Result<std::vector<ApiToken>> SqliteTx::ListApiTokens() {
  auto stmt = conn_.Prepare(
      "SELECT id, user_id, description, token_sha256, created_at FROM api_tokens ORDER BY id");
  if (!stmt.ok()) return stmt.status();
  return All<ApiToken>(
      *stmt,
      [](const Stmt& s) {
        return ApiToken{.id = s.Int(0),
                        .user_id = s.Int(1),
                        .description = s.Text(2),
                        .token_sha256 = s.Text(3),
                        .created_at = s.Int(4)};
      },
      "list api tokens");
}

Status SqliteTx::DeleteApiToken(int64_t id) {
  auto stmt = conn_.Prepare("DELETE FROM api_tokens WHERE id = ? RETURNING id");
  if (!stmt.ok()) return stmt.status();
  stmt->Bind(1, id);
  return ReturningId(*stmt, "delete api token " + std::to_string(id)).status();
}

Status SqliteTx::DeleteUserApiTokens(int64_t user_id) {
  auto stmt = conn_.Prepare("DELETE FROM api_tokens WHERE user_id = ?");
  if (!stmt.ok()) return stmt.status();
  stmt->Bind(1, user_id);
  STORE_RETURN_IF_ERROR(Context(stmt->Run(), "delete api tokens of user " + std::to_string(user_id)));
  // The first admin's token lives on the user row: it goes too.
  auto row = conn_.Prepare("UPDATE users SET api_token_sha256 = NULL WHERE id = ?");
  if (!row.ok()) return row.status();
  row->Bind(1, user_id);
  return Context(row->Run(), "clear api token of user " + std::to_string(user_id));
}

Result<int64_t> SqliteTx::AddTriggerRevision(const TriggerRevision& r) {
  auto stmt = conn_.Prepare(
      "INSERT INTO trigger_revisions (trigger_id, author_id, action, before_json, after_json, "
      "created_at) VALUES (?, ?, ?, ?, ?, ?) RETURNING id");
  if (!stmt.ok()) return stmt.status();
  stmt->Bind(1, r.trigger_id)
      .Bind(2, r.author_id)
      .Bind(3, r.action)
      .Bind(4, r.before_json)
      .Bind(5, r.after_json)
      .Bind(6, r.created_at);
  return ReturningId(*stmt, "add revision of trigger " + std::to_string(r.trigger_id));
}

Result<std::vector<TriggerRevision>> SqliteTx::ListTriggerRevisions(int64_t trigger_id) {
  auto stmt = conn_.Prepare(
      "SELECT id, trigger_id, author_id, action, before_json, after_json, created_at "
      "FROM trigger_revisions WHERE trigger_id = ? ORDER BY id");
  if (!stmt.ok()) return stmt.status();
  stmt->Bind(1, trigger_id);
  return All<TriggerRevision>(
      *stmt,
      [](const Stmt& s) {
        return TriggerRevision{.id = s.Int(0),
                               .trigger_id = s.Int(1),
                               .author_id = s.Int(2),
                               .action = s.Text(3),
                               .before_json = s.Text(4),
                               .after_json = s.Text(5),
                               .created_at = s.Int(6)};
      },
      "list revisions of trigger " + std::to_string(trigger_id));
}

}  // namespace postdesk::store::sqlite

namespace postdesk::store::sqlite {

// ---- the workspace's health bar ----

Result<OutboundBacklog> SqliteTx::GetOutboundBacklog() {
  auto stmt = conn_.Prepare(
      "SELECT COUNT(*), COALESCE(SUM(state = 'deferred'), 0), COALESCE(MIN(created_at), 0) "
      "FROM outbound_recipients WHERE state IN ('queued', 'sending', 'deferred')");
  if (!stmt.ok()) return stmt.status();
  return One<OutboundBacklog>(
      *stmt,
      [](const Stmt& s) {
        return OutboundBacklog{.pending = s.Int(0), .deferred = s.Int(1), .oldest_created_at = s.Int(2)};
      },
      "outbound backlog");
}

Result<int64_t> SqliteTx::CountTicketsWithFailedDeliverySince(int64_t since) {
  auto stmt = conn_.Prepare(
      "SELECT COUNT(DISTINCT m.ticket_id) FROM outbound_recipients r JOIN outbound_messages m "
      "ON m.id = r.message_id WHERE r.state IN ('failed', 'bounced') AND r.updated_at >= ? "
      "AND m.ticket_id != 0");
  if (!stmt.ok()) return stmt.status();
  stmt->Bind(1, since);
  return One<int64_t>(
      *stmt, [](const Stmt& s) { return s.Int(0); }, "tickets with failed deliveries");
}

}  // namespace postdesk::store::sqlite
