// SqliteTx: the Tx interface as SQL over one SQLite connection that already
// has a transaction open (SqliteStore opens and ends it).
//
// Normalisation done here, so every caller gets it: user emails, inbound
// recipients, support addresses, suspended senders and system event subjects
// lower case, encoded ids upper case, Message-IDs without angle brackets.
// Attachment hashes given by callers are checked against the bytes (blobs are
// content-addressed); a raw message's hash is computed when empty. Outbound
// recipients must carry a VERP token and one of the delivery states named in
// store.h; anything else is refused as Invalid rather than stored where the
// queue would never pick it up. Suspended-ticket queries take their sort
// column from a whitelist; the SQL text never carries caller input.
// Thread-safety: used by one thread, for the length of one transaction.
#pragma once

#include "store/sqlite/sqlite_conn.h"
#include "store/store.h"

namespace postdesk::store::sqlite {

class SqliteTx final : public Tx {
 public:
  explicit SqliteTx(Conn& conn) : conn_(conn) {}

  Result<User> CreateUser(User user) override;
  Result<User> GetUser(int64_t id) override;
  Result<User> FindUserByEmail(std::string_view email) override;
  Status SetUserApiToken(int64_t user_id, std::string_view token_sha256) override;
  Result<User> FindUserByApiToken(std::string_view token_sha256) override;
  Status UpdateUser(const User& user) override;
  Result<std::vector<User>> ListUsersByRole(Role role) override;
  Result<std::vector<User>> QueryUsers(const UserQuery& query) override;
  Result<int64_t> CountUsers(const UserQuery& query) override;

  Result<Ticket> CreateTicket(Ticket ticket) override;
  Result<Ticket> GetTicket(int64_t id) override;
  Status UpdateTicket(const Ticket& ticket) override;
  Result<std::vector<Ticket>> ListTickets(int64_t offset, int64_t limit) override;
  Result<int64_t> CountTickets() override;
  Result<Ticket> FindTicketByEncodedId(std::string_view encoded_id) override;
  Status AddTicketMessageId(int64_t ticket_id, std::string_view message_id, bool outbound) override;
  Result<Ticket> FindTicketByMessageId(std::string_view message_id) override;
  Result<std::vector<std::string>> ListTicketMessageIds(int64_t ticket_id) override;
  Result<Ticket> FindRecentTicketBySubject(int64_t requester_id, std::string_view subject_key,
                                           int64_t updated_since) override;

  Result<Comment> AddComment(Comment comment) override;
  Result<Comment> GetComment(int64_t id) override;
  Result<std::vector<Comment>> ListComments(int64_t ticket_id) override;
  Result<AttachmentMeta> AddAttachment(AttachmentMeta meta, std::string_view bytes) override;
  Result<AttachmentMeta> GetAttachment(int64_t id) override;
  Result<std::string> GetBlob(std::string_view sha256) override;

  Result<int64_t> AddRawMessage(const RawMessage& message) override;
  Result<RawMessage> GetRawMessage(int64_t id) override;
  Result<std::vector<int64_t>> ListSenderAdmissions(std::string_view sender, int64_t since,
                                                    int64_t limit) override;

  Result<int64_t> AddAudit(const Audit& audit) override;
  Result<std::vector<Audit>> ListAudits(int64_t ticket_id) override;

  Result<SuspendedTicket> AddSuspended(SuspendedTicket suspended) override;
  Result<SuspendedTicket> GetSuspended(int64_t id) override;
  Result<std::vector<SuspendedTicket>> ListSuspended(int64_t offset, int64_t limit) override;
  Result<int64_t> CountSuspended() override;
  Result<std::vector<SuspendedTicket>> QuerySuspended(const SuspendedQuery& query) override;
  Status DeleteSuspended(int64_t id) override;
  Result<std::vector<SuspendedTicket>> ListSuspendedCreatedBefore(int64_t before,
                                                                  int64_t limit) override;
  Status DeleteRawMessage(int64_t id) override;

  Result<std::vector<Ticket>> ListTicketsByRequester(int64_t user_id, int64_t limit) override;
  Result<std::vector<Comment>> ListCommentsByAuthor(int64_t user_id, int64_t limit) override;

  Result<InboundDelivery> FindInboundDelivery(std::string_view sha256,
                                              std::string_view recipient) override;
  Status AddInboundDelivery(const InboundDelivery& delivery) override;

  Result<TriggerRow> CreateTrigger(TriggerRow trigger) override;
  Result<TriggerRow> GetTrigger(int64_t id) override;
  Status UpdateTrigger(const TriggerRow& trigger) override;
  Status DeleteTrigger(int64_t id) override;
  Result<std::vector<TriggerRow>> ListTriggers() override;
  Result<TriggerRow> FindTriggerByDefaultKey(std::string_view key) override;

  Result<OutboundMessage> AddOutboundMessage(OutboundMessage message) override;
  Result<OutboundMessage> GetOutboundMessage(int64_t id) override;
  Result<OutboundMessage> FindOutboundByMessageId(std::string_view message_id) override;
  Result<std::vector<OutboundMessage>> ListOutboundMessages(int64_t ticket_id) override;
  Result<OutboundRecipient> AddOutboundRecipient(OutboundRecipient recipient) override;
  Result<OutboundRecipient> GetOutboundRecipient(int64_t id) override;
  Result<OutboundRecipient> FindRecipientByVerp(std::string_view token) override;
  Result<std::vector<OutboundRecipient>> ListOutboundRecipients(int64_t message_id) override;
  Status UpdateOutboundRecipient(const OutboundRecipient& recipient) override;
  Result<std::vector<OutboundRecipient>> DueRecipients(int64_t now, int64_t limit) override;
  Result<std::vector<OutboundRecipient>> RecipientsInState(std::string_view state) override;
  Result<int64_t> AddDeliveryEvent(const DeliveryEvent& event) override;
  Result<std::vector<DeliveryEvent>> ListDeliveryEvents(int64_t recipient_id) override;

  Result<RecipientAddress> CreateRecipientAddress(RecipientAddress address) override;
  Result<RecipientAddress> GetRecipientAddress(int64_t id) override;
  Result<RecipientAddress> FindRecipientAddressByEmail(std::string_view email) override;
  Status UpdateRecipientAddress(const RecipientAddress& address) override;
  Status DeleteRecipientAddress(int64_t id) override;
  Result<std::vector<RecipientAddress>> ListRecipientAddresses() override;

  Result<OutboundBacklog> GetOutboundBacklog() override;
  Result<int64_t> CountTicketsWithFailedDeliverySince(int64_t since) override;
  Result<ApiToken> AddApiToken(ApiToken token) override;
  Result<std::vector<ApiToken>> ListApiTokens() override;
  Status DeleteApiToken(int64_t id) override;
  Status DeleteUserApiTokens(int64_t user_id) override;
  Result<int64_t> AddTriggerRevision(const TriggerRevision& revision) override;
  Result<std::vector<TriggerRevision>> ListTriggerRevisions(int64_t trigger_id) override;

  Result<Upload> AddUpload(Upload upload, std::string_view bytes) override;
  Result<Upload> GetUpload(std::string_view token_sha256) override;
  Status DeleteUpload(std::string_view token_sha256) override;
  Result<int64_t> DeleteUploadsBefore(int64_t before) override;

  Status SetPasswordHash(int64_t user_id, std::string_view hash) override;
  Result<std::string> GetPasswordHash(int64_t user_id) override;
  Status AddSession(const AgentSession& session) override;
  Result<AgentSession> GetSession(std::string_view token_sha256) override;
  Status TouchSession(std::string_view token_sha256, int64_t last_seen_at) override;
  Status DeleteSession(std::string_view token_sha256) override;
  Status DeleteUserSessions(int64_t user_id) override;
  Result<int64_t> DeleteSessionsIdleSince(int64_t before) override;
  Result<std::vector<Ticket>> QueryTickets(const TicketQuery& query) override;
  Result<int64_t> CountTickets(const TicketQuery& query) override;
  Result<std::vector<TagCount>> ListTagCounts(int64_t offset, int64_t limit) override;
  Result<int64_t> CountTags() override;

  // The directory (sqlite_directory.cc).
  // Workflow (store/workflow.h): macros and views.
  Result<RuleRow> CreateRule(RuleTable table, RuleRow row) override;
  Result<RuleRow> GetRule(RuleTable table, int64_t id) override;
  Status UpdateRule(RuleTable table, const RuleRow& row) override;
  Status DeleteRule(RuleTable table, int64_t id) override;
  Result<std::vector<RuleRow>> ListRules(RuleTable table) override;
  Result<RuleRow> FindRuleByDefaultKey(RuleTable table, std::string_view key) override;
  Status DeleteTicketFieldValues(int64_t field_id) override;

  Result<Group> CreateGroup(Group group) override;
  Result<Group> GetGroup(int64_t id) override;
  Status UpdateGroup(const Group& group) override;
  Status DeleteGroup(int64_t id, int64_t now) override;
  Result<std::vector<Group>> ListGroups(bool include_deleted) override;
  Result<GroupMembership> AddGroupMembership(GroupMembership membership) override;
  Result<GroupMembership> GetGroupMembership(int64_t id) override;
  Status DeleteGroupMembership(int64_t id) override;
  Result<std::vector<GroupMembership>> ListGroupMemberships(std::optional<int64_t> user_id,
                                                            std::optional<int64_t> group_id) override;
  Status SetDefaultGroupMembership(int64_t user_id, int64_t id, int64_t now) override;
  Result<Organization> CreateOrganization(Organization organization) override;
  Result<Organization> GetOrganization(int64_t id) override;
  Status UpdateOrganization(const Organization& organization) override;
  Status DeleteOrganization(int64_t id) override;
  Result<std::vector<Organization>> ListOrganizations() override;
  Result<Organization> FindOrganizationByDomain(std::string_view domain) override;

  Result<int64_t> AddSystemEvent(const SystemEvent& event) override;
  Result<std::vector<SystemEvent>> ListSystemEvents(std::string_view subject, std::string_view kind,
                                                    int64_t limit) override;

  Result<std::vector<SpamTokenCount>> LoadSpamTokens() override;
  Status AddSpamTokenCounts(const std::vector<SpamTokenCount>& deltas) override;
  Result<std::string> GetSpamLearned(std::string_view key) override;
  Status SetSpamLearned(std::string_view key, std::string_view cls) override;
  Result<std::pair<int64_t, int64_t>> CountSpamLearned() override;

  Result<std::string> GetSetting(std::string_view key) override;
  Status SetSetting(std::string_view key, std::string_view value) override;

 private:
  Result<User> UserWhere(std::string_view sql, std::string_view key, int64_t id);
  // Collaborators, tags and custom field values live in their own tables.
  Status WriteTicketLists(int64_t ticket_id, const std::vector<int64_t>& ids,
                          const std::vector<std::string>& tags,
                          const std::map<int64_t, std::string>& field_values);
  Status LoadTicketLists(std::vector<Ticket>& tickets);
  // Stores bytes once per sha256 (content-addressed).
  Status PutBlob(std::string_view sha256, std::string_view bytes);
  // `sql` takes `key` as parameter 1 and, when given, `key2` as parameter 2.
  Status LoadAttachments(std::vector<Comment>& comments, std::string_view sql, int64_t key,
                         std::optional<int64_t> key2 = std::nullopt);

  Conn& conn_;
};

}  // namespace postdesk::store::sqlite
