#include "outbound/delivery_state.h"

#include <utility>

namespace postdesk::outbound {
namespace {

using S = DeliveryState;

constexpr std::pair<S, std::string_view> kNames[] = {
    {S::kQueued, "queued"}, {S::kSending, "sending"}, {S::kSent, "sent"},
    {S::kDeferred, "deferred"}, {S::kFailed, "failed"}, {S::kBounced, "bounced"},
};

// Every move other than staying put.
constexpr std::pair<S, S> kMoves[] = {
    {S::kQueued, S::kSending},                               // claimed for an attempt
    {S::kSending, S::kSent},    {S::kSending, S::kDeferred},  // the attempt's result
    {S::kSending, S::kFailed},
    {S::kSending, S::kBounced},  // a report that beat the "sent" commit (crash window)
    {S::kDeferred, S::kSending},                              // the next attempt
    {S::kDeferred, S::kFailed},                               // lifetime over
    {S::kDeferred, S::kBounced},  // a late report about an earlier attempt
    {S::kSent, S::kBounced},      // the receiver bounced it after accepting
};

}  // namespace

std::string_view DeliveryStateName(DeliveryState state) {
  for (const auto& [s, name] : kNames) {
    if (s == state) return name;
  }
  return "unknown";
}

std::optional<DeliveryState> ParseDeliveryState(std::string_view name) {
  for (const auto& [s, n] : kNames) {
    if (n == name) return s;
  }
  return std::nullopt;
}

bool LegalTransition(DeliveryState from, DeliveryState to) {
  if (from == to) return true;
  for (const auto& [a, b] : kMoves) {
    if (a == from && b == to) return true;
  }
  return false;
}

}  // namespace postdesk::outbound
