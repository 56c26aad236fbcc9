// outbound/enqueue: the one way mail is queued. A composed message becomes an
// OutboundMessage row, one OutboundRecipient row per address (state
// "queued", due now, each with its own VERP token) and each recipient's first
// DeliveryEvent ("queued", with the caller's reason); the OutboundQueue takes
// it from there. Callers: tickets/updates (trigger notifications) and
// channel/forwarding (the forwarding verification email).
//
// Also here: which support address mail may be sent as (ChooseSender). We
// receive on an external address (support@customer.example) from the moment
// it is created, but sending as it before its forwarding is verified would
// put a domain we have not proven to handle in From: mail that is likely
// refused or misrouted, so such mail goes out as the default address.
//
// Trust: the message bytes are built by outbound/compose; addresses come
// from our own rows. Thread-safety: pure functions over the caller's Tx.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "store/store.h"

namespace postdesk::outbound {

struct EnqueueRecipient {
  std::string address;
  std::optional<int64_t> user_id;
};

struct Enqueued {
  store::OutboundMessage message;                 // with its id
  std::vector<store::OutboundRecipient> recipients;  // with their ids, in order
};

// Adds `message` (message_id and bytes set; created_at defaults to `now`)
// and its recipients, each due at `now`, expiring at now + lifetime_seconds,
// with a "queued" DeliveryEvent whose detail is `queued_detail`. Invalid when
// there is no recipient.
Result<Enqueued> Enqueue(store::Tx& tx, store::OutboundMessage message,
                         const std::vector<EnqueueRecipient>& recipients, int64_t now,
                         int64_t lifetime_seconds, std::string_view queued_detail);

// The address mail is sent as, and why it is not the one asked for.
struct Sender {
  std::string address;
  std::string note;  // empty when `wanted` is used as is
};

// `wanted` (a ticket's support address) is used when it is on our own domain
// (`desk_default`'s domain: mail to it reaches us directly) or a support
// address whose forwarding is verified. Otherwise the mail goes out as the
// default support address of the store (or `desk_default` when the store
// has none), and `note` says why.
Result<Sender> ChooseSender(store::Tx& tx, std::string_view wanted, std::string_view desk_default);

}  // namespace postdesk::outbound
