#include "outbound/enqueue.h"

#include "common/ids.h"
#include "common/strings.h"
#include "outbound/delivery_state.h"

namespace postdesk::outbound {

Result<Enqueued> Enqueue(store::Tx& tx, store::OutboundMessage message,
                         const std::vector<EnqueueRecipient>& recipients, int64_t now,
                         int64_t lifetime_seconds, std::string_view queued_detail) {
  if (recipients.empty()) return Status::Invalid("no recipient to queue the message for");
  if (message.created_at == 0) message.created_at = now;
  Enqueued out;
  auto added = tx.AddOutboundMessage(std::move(message));
  if (!added.ok()) return added.status();
  out.message = std::move(added).value();
  for (const auto& r : recipients) {
    store::OutboundRecipient rcpt;
    rcpt.message_id = out.message.id;
    rcpt.address = r.address;
    rcpt.user_id = r.user_id;
    rcpt.state = DeliveryStateName(DeliveryState::kQueued);
    rcpt.next_attempt_at = now;
    rcpt.expires_at = now + lifetime_seconds;
    rcpt.verp_token = NewToken().substr(0, 24);
    rcpt.created_at = rcpt.updated_at = now;
    auto r_added = tx.AddOutboundRecipient(std::move(rcpt));
    if (!r_added.ok()) return r_added.status();
    // The first row of the recipient's delivery history.
    store::DeliveryEvent queued;
    queued.recipient_id = r_added->id;
    queued.state = DeliveryStateName(DeliveryState::kQueued);
    queued.detail = std::string(queued_detail);
    queued.created_at = now;
    if (auto e = tx.AddDeliveryEvent(queued); !e.ok()) return e.status();
    out.recipients.push_back(std::move(r_added).value());
  }
  return out;
}

Result<Sender> ChooseSender(store::Tx& tx, std::string_view wanted_in,
                            std::string_view desk_default_in) {
  std::string wanted = NormalizeEmail(wanted_in);
  std::string desk_default = NormalizeEmail(desk_default_in);
  std::string_view own_domain = EmailDomain(desk_default);
  auto addresses = tx.ListRecipientAddresses();
  if (!addresses.ok()) return addresses.status();
  std::string fallback = desk_default;
  const store::RecipientAddress* row = nullptr;
  for (const auto& a : *addresses) {
    if (a.is_default) fallback = a.email;
    if (a.email == wanted) row = &a;
  }
  if (wanted.empty() || wanted == fallback) return Sender{fallback, ""};
  if (!own_domain.empty() && IEquals(EmailDomain(wanted), own_domain)) return Sender{wanted, ""};
  if (row == nullptr) {
    return Sender{fallback, wanted + " is no longer a support address; sent as " + fallback};
  }
  if (row->is_default || row->forwarding_status == "verified") return Sender{wanted, ""};
  return Sender{fallback, wanted + " is not verified for sending (forwarding " +
                              row->forwarding_status + "); sent as " + fallback};
}

}  // namespace postdesk::outbound
