// store: the backend-neutral persistence interface (SQLite today, PostgreSQL
// next), its entities, and the schema they imply.
//
// Every read and write happens inside a transaction handed to a callback as a
// `Tx&`, so a caller's whole decision (e.g. "is this a reply to ticket 7? then
// add a comment and an audit") is atomic. Missing rows come back as a
// Status::NotFound, never as an exception. Inputs are bound as SQL parameters,
// never spliced into SQL. Thread-safety: Store is thread-safe; a Tx belongs
// to the thread running the callback and must not escape it.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/channel.h"
#include "common/role.h"
#include "common/status.h"
#include "store/directory.h"
#include "store/workflow.h"

namespace postdesk::store {

struct User {
  int64_t id = 0;
  std::string name;
  std::string email;  // normalised (lower case); unique
  Role role = Role::kEndUser;
  // Delivery health of the address: a hard bounce marks it undeliverable
  // (an agent can clear it); soft bounces are counted.
  bool undeliverable = false;
  std::string undeliverable_reason;
  int64_t soft_bounces = 0;
  // A deactivated agent (Zendesk's "suspended" user): no sign-in, no API.
  bool suspended = false;
  std::optional<int64_t> organization_id;
  int64_t created_at = 0;
  int64_t updated_at = 0;
};

// An agent or admin who has not been deactivated: may act for the desk
// (by email too), be assigned tickets and get agents' notifications.
inline bool IsActiveStaff(const User& user) {
  return IsStaff(user.role) && !user.suspended;
}

struct Ticket {
  int64_t id = 0;
  std::string encoded_id;  // e.g. "K7Q2-9XWD"; unique
  std::string subject;
  std::string description;  // the first comment's text, as Zendesk shows it
  std::string status = "new";  // new | open | pending | hold | solved | closed
  std::string priority;        // "" | low | normal | high | urgent
  std::string type;            // "" | question | incident | problem | task
  std::optional<int64_t> group_id;
  std::optional<int64_t> organization_id;  // the requester's, when it was made
  int64_t requester_id = 0;
  int64_t submitter_id = 0;
  std::optional<int64_t> assignee_id;
  std::vector<int64_t> collaborator_ids;  // CCs
  std::vector<std::string> tags;          // lower case, unique, in insertion order
  // Custom ticket fields with a value, by field id, as text (the desk's
  // tickets/ticket_fields says how each type is written); "" is never stored.
  std::map<int64_t, std::string> field_values;
  std::string recipient;  // the support address it came to
  Channel via = Channel::kEmail;
  // The subject without reply prefixes, lower case: lets a "Re: ..." that lost
  // its threading headers find its ticket. Set by whoever creates the ticket.
  std::string subject_key;
  int64_t created_at = 0;
  int64_t updated_at = 0;
};

struct AttachmentMeta {
  int64_t id = 0;
  int64_t comment_id = 0;
  std::string file_name;
  std::string content_type;
  std::string content_id;  // for inline images; may be empty
  bool is_inline = false;
  std::string sha256;  // of the bytes; blobs are stored once per sha256
  int64_t size = 0;
};

struct Comment {
  int64_t id = 0;
  int64_t ticket_id = 0;
  int64_t author_id = 0;
  bool is_public = true;
  std::string body;       // UTF-8 plain text
  std::string html_body;  // UTF-8 HTML as received (sanitised on display)
  std::optional<int64_t> raw_message_id;  // the email it came from, if any
  std::string authentication_json;  // SPF/DKIM/DMARC/ARC results of that email; "" if none
  Channel via = Channel::kEmail;
  int64_t created_at = 0;
  std::vector<AttachmentMeta> attachments;  // filled by ListComments/GetComment
};

// An email exactly as it reached us, with its envelope.
struct RawMessage {
  int64_t id = 0;
  std::string sha256;  // of the bytes as received (before our trace header); computed when empty
  std::string message_id;  // from the header, without angle brackets; may be empty
  std::string mail_from;
  std::vector<std::string> rcpt_to;
  std::string door;  // smtp | lmtp | pipe | api
  std::string client_ip;
  std::string bytes;
  int64_t received_at = 0;
  // The normalised From address when the message counted towards that
  // sender's rate (intake's loop guard); empty otherwise.
  std::string sender;
};

// One update of a ticket and what it changed; `events_json` is a JSON array
// of Zendesk-shaped audit events (Create, Change, Comment, Notification...).
struct Audit {
  int64_t id = 0;
  int64_t ticket_id = 0;
  int64_t author_id = 0;
  Channel via = Channel::kEmail;
  std::string events_json = "[]";
  std::string metadata_json = "{}";  // the audit's metadata (system: ip, message id...)
  int64_t created_at = 0;
};

// Inbound mail held back, with the Zendesk Support API's cause id and name.
struct SuspendedTicket {
  int64_t id = 0;
  int cause_id = 0;
  std::string cause;  // e.g. "unknown_user_update"
  std::string author_name;
  std::string author_email;
  std::string subject;
  std::string content;  // the text body
  std::string recipient;
  std::string message_id;
  std::optional<int64_t> ticket_id;  // the ticket it tried to update, if any
  int64_t raw_message_id = 0;
  std::string evidence_json = "{}";  // why: what decided the cause
  // The spam filter's verdict on it, JSON (score, decision, top tokens); "" if
  // the filter did not run.
  std::string spam_json;
  int64_t created_at = 0;
};

// How to list suspended tickets: sorted by one column (ties broken by id in
// the same direction), optionally filtered, resumed after a keyset cursor.
struct SuspendedQuery {
  std::string sort_by = "created_at";  // created_at | author_email | cause | subject
  bool ascending = false;
  std::optional<int> cause_id;
  std::string author_email;  // normalised; "" = any
  // Keyset cursor: rows strictly after (after_value, after_id) in the sort
  // order. after_value is the sort column's value as text (created_at in
  // decimal).
  std::optional<std::string> after_value;
  int64_t after_id = 0;
  int64_t limit = 100;
};

// A support address: the default one and external ones that reach us by
// forwarding. Email never changes after creation.
struct RecipientAddress {
  int64_t id = 0;
  std::string name;
  std::string email;  // normalised; unique
  bool is_default = false;
  std::string forwarding_status = "unknown";  // unknown | waiting | verified | failed
  std::string forwarding_token;  // secret carried by the verification email; "" if none
  int64_t forwarding_sent_at = 0;
  std::optional<int64_t> forwarding_recipient_id;  // OutboundRecipient of that email
  std::string spf_status = "unknown";  // unknown | verified | failed
  std::string cname_status = "unknown";
  std::string domain_verification_status = "unknown";
  std::string dns_results_json = "{}";
  std::string checks_json = "{}";  // per status: {"reason": ..., "fix": ...}
  int64_t created_at = 0;
  int64_t updated_at = 0;
};

// Something the desk did or refused outside any ticket, kept for `doctor`
// and operators: SMTP refusals, purges, fixes, forwarding checks.
struct SystemEvent {
  int64_t id = 0;
  std::string kind;     // e.g. "smtp_refused", "suspended_purged", "doctor_fix"
  std::string subject;  // what it is about, normalised: an address, a domain, "ticket:7"
  std::string detail_json = "{}";
  int64_t created_at = 0;
};

// One feature of the spam filter with how often it was seen in learned spam
// and ham messages. `token` is a 64-bit hash (stored as signed).
struct SpamTokenCount {
  uint64_t token = 0;
  int64_t spam = 0;
  int64_t ham = 0;
};

// Idempotency of inbound delivery: (sha256 of bytes, recipient) was handled
// once and produced `outcome` ("ticket" | "comment" | "suspended") with `ref_id`
// (ticket id, comment id or suspended ticket id).
struct InboundDelivery {
  std::string sha256;
  std::string recipient;
  std::string outcome;
  int64_t ref_id = 0;
  int64_t created_at = 0;
};

// A trigger as stored (store/workflow.h): its definition (conditions,
// actions, description) is the JSON the rules module parses.
using TriggerRow = RuleRow;

// An email we send, built once; its recipients are delivered separately.
struct OutboundMessage {
  int64_t id = 0;
  int64_t ticket_id = 0;  // 0 when not about a ticket
  int64_t audit_id = 0;   // the audit whose Notification event made it; 0 if none
  std::optional<int64_t> trigger_id;
  std::string trigger_title;
  std::string message_id;  // ours, without angle brackets
  std::string subject;
  std::string bytes;  // the complete message (headers + body), without envelope
  int64_t created_at = 0;
};

// One recipient of an OutboundMessage and its delivery state machine:
// queued -> sending -> sent | deferred (-> sending ...) | failed | bounced.
struct OutboundRecipient {
  int64_t id = 0;
  int64_t message_id = 0;  // OutboundMessage.id
  std::string address;
  std::optional<int64_t> user_id;
  std::string state = "queued";
  int64_t attempts = 0;
  int64_t next_attempt_at = 0;
  int64_t expires_at = 0;
  std::string verp_token;  // unique; the envelope sender is bounces+TOKEN@domain
  int64_t last_code = 0;   // last SMTP reply code (0: none yet)
  std::string last_status;  // enhanced status code, e.g. "5.1.1"
  std::string last_reply;   // the remote server's reply or the bounce diagnostic
  std::string reason;       // classified reason when failed/bounced
  std::string remote_host;  // the server that answered
  int64_t created_at = 0;
  int64_t updated_at = 0;
};

// The history of one OutboundRecipient: one row per transition.
struct DeliveryEvent {
  int64_t id = 0;
  int64_t recipient_id = 0;
  std::string state;
  int64_t code = 0;
  std::string status;
  std::string detail;
  std::string remote_host;
  int64_t created_at = 0;
};

// A signed-in agent's browser session. The cookie carries the token; only
// its SHA-256 is stored. The CSRF token is sent back by the workspace in a
// header on every state-changing request.
struct AgentSession {
  std::string token_sha256;
  int64_t user_id = 0;
  std::string csrf_token;
  std::string client_ip;
  int64_t created_at = 0;
  int64_t last_seen_at = 0;
};

// One change of a trigger: `before`/`after` are its JSON ("null" when it
// did not exist yet or any more); author 0 is the desk itself.
struct TriggerRevision {
  int64_t id = 0;
  int64_t trigger_id = 0;
  int64_t author_id = 0;
  std::string action;  // tickets::TriggerChangeName
  std::string before_json = "null";
  std::string after_json = "null";
  int64_t created_at = 0;
};

// A named API token of an agent; only its SHA-256 is stored.
struct ApiToken {
  int64_t id = 0;
  int64_t user_id = 0;
  std::string description;
  std::string token_sha256;
  int64_t created_at = 0;
};

// What the outbound queue still has to deliver.
struct OutboundBacklog {
  int64_t pending = 0;   // queued, sending or deferred recipients
  int64_t deferred = 0;  // of those, waiting for a retry
  int64_t oldest_created_at = 0;  // of the pending ones; 0 when none
};

// A file uploaded for a reply (POST /api/v2/uploads), waiting for the
// comment that takes it. The API hands out a token; only its SHA-256 is kept.
struct Upload {
  std::string token_sha256;
  int64_t user_id = 0;
  std::string file_name;
  std::string content_type;
  std::string sha256;  // of the bytes (in blobs)
  int64_t size = 0;
  int64_t created_at = 0;
};

// Which tickets a workspace view or a search lists, in what order.
// One condition on a stored ticket, as views have them (tickets/views
// translates a view's conditions into these).
struct TicketCondition {
  enum class Field {
    kStatus,      // numbers[0]: rank (new 0 .. closed 5)
    kPriority,    // numbers[0]: rank ("" 0, low 1 .. urgent 4)
    kType,        // texts[0]: "" | question | incident | problem | task
    kAssigneeId,  // numbers: any of these ids; none: no assignee
    kGroupId,
    kRequesterId,
    kOrganizationId,
    kVia,             // texts[0]: a channel name
    kTags,            // texts: kIs = carries any of them, kIsNot = carries none
    kCreatedAt,       // numbers: Unix seconds; kIs takes [from, until)
    kUpdatedAt,
    kDeliveryFailed,  // kIs: an email to a recipient failed or bounced; kIsNot: none did
    // numbers[0]: the field's id; numbers[1]: 1 to compare as numbers;
    // texts[0]: the value (none for kPresent / kNotPresent).
    kCustomField,
  };
  enum class Op { kIs, kIsNot, kLessThan, kGreaterThan, kPresent, kNotPresent };
  Field field = Field::kStatus;
  Op op = Op::kIs;
  std::vector<int64_t> numbers;
  std::vector<std::string> texts;
};

struct TicketQuery {
  enum class Assignee { kAny, kNobody, kUser };
  enum class Sort { kUpdated, kCreated, kId, kStatus, kSubject, kRequester };
  std::vector<std::string> statuses;  // any of these; empty: any status
  Assignee assignee = Assignee::kAny;
  int64_t assignee_id = 0;  // with kUser
  std::optional<int64_t> requester_id;
  std::optional<int64_t> collaborator_id;  // a CC of the ticket
  std::optional<int64_t> group_id;
  std::optional<int64_t> organization_id;
  std::vector<int64_t> ids;  // any of these; empty: any ticket
  int64_t updated_since = 0;  // 0: no bound
  // Only tickets with an email recipient whose delivery failed or bounced.
  bool delivery_failures = false;
  // Each word must occur (as a substring, any case) in the subject or in a
  // comment's text: works for Japanese, which has no spaces between words.
  std::vector<std::string> words;
  std::vector<std::string> tags;  // all of these
  // A view's conditions: every `all` one holds, and one `any` one if any.
  std::vector<TicketCondition> all;
  std::vector<TicketCondition> any;
  Sort sort = Sort::kUpdated;
  bool ascending = false;  // ties: id in the same direction
  int64_t offset = 0;
  int64_t limit = 100;
};

// Which users a list or a search returns: by id, in pages.
struct UserQuery {
  std::vector<Role> roles;  // any of these; empty: any role
  // Each word must occur (any case) in the name or the email.
  std::vector<std::string> words;
  std::string email;  // exact (normalised); "" = any
  std::vector<int64_t> ids;  // any of these; empty: any user
  std::optional<int64_t> organization_id;
  int64_t offset = 0;
  int64_t limit = 100;
};

// A tag and how many tickets carry it.
struct TagCount {
  std::string name;
  int64_t count = 0;
};

class Tx : public DirectoryTx, public WorkflowTx {
 public:
  ~Tx() override = default;

  // Users. Emails are looked up normalised (lower case).
  // Returns it with id set. Without an organization, a user whose email
  // domain an organization owns joins that one.
  virtual Result<User> CreateUser(User user) = 0;
  virtual Result<User> GetUser(int64_t id) = 0;
  virtual Result<User> FindUserByEmail(std::string_view email) = 0;
  virtual Status SetUserApiToken(int64_t user_id, std::string_view token_sha256) = 0;
  virtual Result<User> FindUserByApiToken(std::string_view token_sha256) = 0;
  // Writes name, role, undeliverable, undeliverable_reason, soft_bounces,
  // suspended, organization_id, updated_at.
  virtual Status UpdateUser(const User& user) = 0;
  virtual Result<std::vector<User>> ListUsersByRole(Role role) = 0;  // by id
  virtual Result<std::vector<User>> QueryUsers(const UserQuery& query) = 0;  // by id
  virtual Result<int64_t> CountUsers(const UserQuery& query) = 0;
  // Named API tokens (besides the one FindUserByApiToken also finds).
  virtual Result<ApiToken> AddApiToken(ApiToken token) = 0;  // id set
  virtual Result<std::vector<ApiToken>> ListApiTokens() = 0;  // by id
  virtual Status DeleteApiToken(int64_t id) = 0;  // NotFound when absent
  // Every token of the user, named ones and the one on the user row.
  virtual Status DeleteUserApiTokens(int64_t user_id) = 0;

  // Agents' password hashes ("" when none) and workspace sessions.
  virtual Status SetPasswordHash(int64_t user_id, std::string_view hash) = 0;
  virtual Result<std::string> GetPasswordHash(int64_t user_id) = 0;
  virtual Status AddSession(const AgentSession& session) = 0;
  virtual Result<AgentSession> GetSession(std::string_view token_sha256) = 0;
  virtual Status TouchSession(std::string_view token_sha256, int64_t last_seen_at) = 0;
  virtual Status DeleteSession(std::string_view token_sha256) = 0;  // ok when absent
  virtual Status DeleteUserSessions(int64_t user_id) = 0;
  // Sessions not seen since `before` (idle expiry); returns how many.
  virtual Result<int64_t> DeleteSessionsIdleSince(int64_t before) = 0;

  // Tickets.
  // Returns it with id set; encoded_id must be set. Without an
  // organization, the ticket takes its requester's; without a group, that
  // organization's group, else the desk's default group if there is one.
  virtual Result<Ticket> CreateTicket(Ticket ticket) = 0;
  virtual Result<Ticket> GetTicket(int64_t id) = 0;
  virtual Status UpdateTicket(const Ticket& ticket) = 0;
  virtual Result<std::vector<Ticket>> ListTickets(int64_t offset, int64_t limit) = 0;  // by id
  virtual Result<int64_t> CountTickets() = 0;
  // Workspace views and search: one page, and how many match in all.
  virtual Result<std::vector<Ticket>> QueryTickets(const TicketQuery& query) = 0;
  virtual Result<int64_t> CountTickets(const TicketQuery& query) = 0;
  // Tags with how many tickets carry each, most used first (then by name).
  virtual Result<std::vector<TagCount>> ListTagCounts(int64_t offset, int64_t limit) = 0;
  virtual Result<int64_t> CountTags() = 0;
  virtual Result<Ticket> FindTicketByEncodedId(std::string_view encoded_id) = 0;
  // Message-IDs a ticket has sent or received (without angle brackets).
  virtual Status AddTicketMessageId(int64_t ticket_id, std::string_view message_id,
                                    bool outbound) = 0;
  virtual Result<Ticket> FindTicketByMessageId(std::string_view message_id) = 0;
  // Every Message-ID of the ticket's conversation, oldest first.
  virtual Result<std::vector<std::string>> ListTicketMessageIds(int64_t ticket_id) = 0;
  // The most recently updated ticket of `requester_id` with this subject_key
  // that is not closed and was updated at or after `updated_since`.
  virtual Result<Ticket> FindRecentTicketBySubject(int64_t requester_id,
                                                   std::string_view subject_key,
                                                   int64_t updated_since) = 0;

  // Comments and attachments. AddComment ignores `attachments`; use AddAttachment.
  virtual Result<Comment> AddComment(Comment comment) = 0;
  virtual Result<Comment> GetComment(int64_t id) = 0;
  virtual Result<std::vector<Comment>> ListComments(int64_t ticket_id) = 0;  // oldest first
  // Stores `bytes` once per sha256 (content-addressed) and links it to a comment.
  virtual Result<AttachmentMeta> AddAttachment(AttachmentMeta meta, std::string_view bytes) = 0;
  virtual Result<AttachmentMeta> GetAttachment(int64_t id) = 0;
  // Uploads: stored with their bytes (sha256 and size computed); taken once.
  virtual Result<Upload> AddUpload(Upload upload, std::string_view bytes) = 0;
  virtual Result<Upload> GetUpload(std::string_view token_sha256) = 0;
  virtual Status DeleteUpload(std::string_view token_sha256) = 0;  // NotFound when absent
  // Uploads no reply took, created before `before`; returns how many.
  virtual Result<int64_t> DeleteUploadsBefore(int64_t before) = 0;
  virtual Result<std::string> GetBlob(std::string_view sha256) = 0;

  // Raw messages.
  virtual Result<int64_t> AddRawMessage(const RawMessage& message) = 0;
  virtual Result<RawMessage> GetRawMessage(int64_t id) = 0;
  // When the raw messages counted for `sender` arrived, at `since` or later:
  // the newest `limit` of them, oldest first (the loop guard's memory across
  // processes).
  virtual Result<std::vector<int64_t>> ListSenderAdmissions(std::string_view sender, int64_t since,
                                                            int64_t limit) = 0;

  // Audits, oldest first.
  virtual Result<int64_t> AddAudit(const Audit& audit) = 0;
  virtual Result<std::vector<Audit>> ListAudits(int64_t ticket_id) = 0;

  // Suspended tickets, newest first.
  virtual Result<SuspendedTicket> AddSuspended(SuspendedTicket suspended) = 0;
  virtual Result<SuspendedTicket> GetSuspended(int64_t id) = 0;
  virtual Result<std::vector<SuspendedTicket>> ListSuspended(int64_t offset, int64_t limit) = 0;
  virtual Result<int64_t> CountSuspended() = 0;
  virtual Result<std::vector<SuspendedTicket>> QuerySuspended(const SuspendedQuery& query) = 0;
  virtual Status DeleteSuspended(int64_t id) = 0;  // NotFound when absent
  // Oldest first, created strictly before `before`.
  virtual Result<std::vector<SuspendedTicket>> ListSuspendedCreatedBefore(int64_t before,
                                                                         int64_t limit) = 0;
  // Deletes a raw message no comment refers to (NotFound when absent;
  // Invalid when a comment still refers to it).
  virtual Status DeleteRawMessage(int64_t id) = 0;

  // Lookups for the troubleshooter, newest first.
  virtual Result<std::vector<Ticket>> ListTicketsByRequester(int64_t user_id, int64_t limit) = 0;
  virtual Result<std::vector<Comment>> ListCommentsByAuthor(int64_t user_id, int64_t limit) = 0;

  // Inbound idempotency.
  virtual Result<InboundDelivery> FindInboundDelivery(std::string_view sha256,
                                                      std::string_view recipient) = 0;
  virtual Status AddInboundDelivery(const InboundDelivery& delivery) = 0;

  // Triggers, ordered by position then id.
  virtual Result<TriggerRow> CreateTrigger(TriggerRow trigger) = 0;
  virtual Result<TriggerRow> GetTrigger(int64_t id) = 0;
  virtual Status UpdateTrigger(const TriggerRow& trigger) = 0;
  virtual Status DeleteTrigger(int64_t id) = 0;  // NotFound when absent
  virtual Result<std::vector<TriggerRow>> ListTriggers() = 0;
  virtual Result<TriggerRow> FindTriggerByDefaultKey(std::string_view key) = 0;
  virtual Result<int64_t> AddTriggerRevision(const TriggerRevision& revision) = 0;
  virtual Result<std::vector<TriggerRevision>> ListTriggerRevisions(int64_t trigger_id) = 0;  // oldest first

  // Outbound email and delivery tracking.
  virtual Result<OutboundMessage> AddOutboundMessage(OutboundMessage message) = 0;
  virtual Result<OutboundMessage> GetOutboundMessage(int64_t id) = 0;
  virtual Result<OutboundMessage> FindOutboundByMessageId(std::string_view message_id) = 0;
  virtual Result<std::vector<OutboundMessage>> ListOutboundMessages(int64_t ticket_id) = 0;
  virtual Result<OutboundRecipient> AddOutboundRecipient(OutboundRecipient recipient) = 0;
  virtual Result<OutboundRecipient> GetOutboundRecipient(int64_t id) = 0;
  virtual Result<OutboundRecipient> FindRecipientByVerp(std::string_view token) = 0;
  virtual Result<std::vector<OutboundRecipient>> ListOutboundRecipients(int64_t message_id) = 0;
  // Writes every mutable field (state, attempts, times, reply fields).
  virtual Status UpdateOutboundRecipient(const OutboundRecipient& recipient) = 0;
  // Recipients in state queued or deferred whose next_attempt_at <= now,
  // oldest next_attempt_at first, at most `limit`.
  virtual Result<std::vector<OutboundRecipient>> DueRecipients(int64_t now, int64_t limit) = 0;
  // Recipients left in state "sending" (a crash mid-delivery).
  virtual Result<std::vector<OutboundRecipient>> RecipientsInState(std::string_view state) = 0;
  virtual Result<int64_t> AddDeliveryEvent(const DeliveryEvent& event) = 0;
  // For the workspace's health bar: the backlog, and the tickets with a
  // recipient failed or bounced at `since` or later.
  virtual Result<OutboundBacklog> GetOutboundBacklog() = 0;
  virtual Result<int64_t> CountTicketsWithFailedDeliverySince(int64_t since) = 0;
  virtual Result<std::vector<DeliveryEvent>> ListDeliveryEvents(int64_t recipient_id) = 0;

  // Support addresses, by id.
  virtual Result<RecipientAddress> CreateRecipientAddress(RecipientAddress address) = 0;
  virtual Result<RecipientAddress> GetRecipientAddress(int64_t id) = 0;
  virtual Result<RecipientAddress> FindRecipientAddressByEmail(std::string_view email) = 0;
  // Writes every field but id, email and created_at.
  virtual Status UpdateRecipientAddress(const RecipientAddress& address) = 0;
  virtual Status DeleteRecipientAddress(int64_t id) = 0;  // NotFound when absent
  virtual Result<std::vector<RecipientAddress>> ListRecipientAddresses() = 0;

  // System events, newest first; empty `subject`/`kind` match any.
  virtual Result<int64_t> AddSystemEvent(const SystemEvent& event) = 0;
  virtual Result<std::vector<SystemEvent>> ListSystemEvents(std::string_view subject,
                                                            std::string_view kind,
                                                            int64_t limit) = 0;

  // Spam filter model: every token's counts (loaded once at start), deltas
  // added by learning (a row whose counts reach 0/0 is removed), and the
  // learn cache: which class a message (by a content key) was learned as.
  virtual Result<std::vector<SpamTokenCount>> LoadSpamTokens() = 0;
  virtual Status AddSpamTokenCounts(const std::vector<SpamTokenCount>& deltas) = 0;
  virtual Result<std::string> GetSpamLearned(std::string_view key) = 0;  // "spam" | "ham"
  virtual Status SetSpamLearned(std::string_view key, std::string_view cls) = 0;
  // Messages learned per class: {spam, ham}.
  virtual Result<std::pair<int64_t, int64_t>> CountSpamLearned() = 0;

  // Small key/value settings (e.g. schema facts, first-start markers).
  virtual Result<std::string> GetSetting(std::string_view key) = 0;
  virtual Status SetSetting(std::string_view key, std::string_view value) = 0;
};

using TxFn = std::function<Status(Tx&)>;

class Store {
 public:
  virtual ~Store() = default;
  // Runs `fn` in one read-write transaction: commit when it returns ok,
  // roll back otherwise (the returned Status is fn's, or the commit's error).
  virtual Status Write(const TxFn& fn) = 0;
  // Runs every fn in ONE transaction (one fsync), each isolated by a
  // savepoint: a failing fn rolls back only its own writes. Returns each fn's
  // Status; if the commit itself fails, every entry is that failure.
  virtual std::vector<Status> WriteBatch(const std::vector<TxFn>& fns) = 0;
  // Runs `fn` on a read-only snapshot; concurrent with writes.
  virtual Status Read(const TxFn& fn) = 0;
};

// Opens (creating if needed) the SQLite database at `path` in WAL mode with
// synchronous=FULL and brings its schema to the newest version.
Result<std::unique_ptr<Store>> OpenSqlite(const std::string& path);

}  // namespace postdesk::store
