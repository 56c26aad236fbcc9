// outbound/delivery_state: the states of one recipient of our mail and the
// moves between them. A recipient is queued, claimed for an attempt
// (sending), then sent, deferred (tried again later) or failed; a sent (or
// deferred, or in-flight) recipient may later be bounced by a delivery
// report. Every recorded move is checked against this table, so a bug (or a
// forged report) cannot turn a bounce back into "sent" or resurrect a failed
// recipient. A move to the same state records an event and changes nothing
// (a delay warning). Names appear only where the state is stored or shown.
// Thread-safety: pure functions.
#pragma once

#include <optional>
#include <string_view>

namespace postdesk::outbound {

enum class DeliveryState { kQueued, kSending, kSent, kDeferred, kFailed, kBounced };

// "queued", "sending", "sent", "deferred", "failed", "bounced".
std::string_view DeliveryStateName(DeliveryState state);
std::optional<DeliveryState> ParseDeliveryState(std::string_view name);

// True when a recipient in `from` may move to `to`.
bool LegalTransition(DeliveryState from, DeliveryState to);

}  // namespace postdesk::outbound
