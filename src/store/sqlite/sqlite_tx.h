// SqliteTx: the Tx interface as SQL over one SQLite connection that already
// has a transaction open (SqliteStore opens and ends it).
//
// Normalisation done here, so every caller gets it: user emails and inbound
// recipients lower case, encoded ids upper case, Message-IDs without angle
// brackets. Attachment hashes given by callers are checked against the bytes
// (blobs are content-addressed); a raw message's hash is computed when empty.
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

  Result<Ticket> CreateTicket(Ticket ticket) override;
  Result<Ticket> GetTicket(int64_t id) override;
  Status UpdateTicket(const Ticket& ticket) override;
  Result<std::vector<Ticket>> ListTickets(int64_t offset, int64_t limit) override;
  Result<int64_t> CountTickets() override;
  Result<Ticket> FindTicketByEncodedId(std::string_view encoded_id) override;
  Status AddTicketMessageId(int64_t ticket_id, std::string_view message_id, bool outbound) override;
  Result<Ticket> FindTicketByMessageId(std::string_view message_id) override;
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

  Result<int64_t> AddAudit(const Audit& audit) override;
  Result<std::vector<Audit>> ListAudits(int64_t ticket_id) override;

  Result<SuspendedTicket> AddSuspended(SuspendedTicket suspended) override;
  Result<SuspendedTicket> GetSuspended(int64_t id) override;
  Result<std::vector<SuspendedTicket>> ListSuspended(int64_t offset, int64_t limit) override;
  Result<int64_t> CountSuspended() override;

  Result<InboundDelivery> FindInboundDelivery(std::string_view sha256,
                                              std::string_view recipient) override;
  Status AddInboundDelivery(const InboundDelivery& delivery) override;

  Result<std::string> GetSetting(std::string_view key) override;
  Status SetSetting(std::string_view key, std::string_view value) override;

 private:
  Result<User> UserWhere(std::string_view sql, std::string_view key, int64_t id);
  Status WriteCollaborators(int64_t ticket_id, const std::vector<int64_t>& ids);
  Status LoadCollaborators(std::vector<Ticket>& tickets);
  Status LoadAttachments(std::vector<Comment>& comments, std::string_view sql, int64_t key);

  Conn& conn_;
};

}  // namespace postdesk::store::sqlite
