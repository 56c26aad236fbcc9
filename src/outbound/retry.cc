#include "outbound/retry.h"

#include <algorithm>

namespace postdesk::outbound {

std::optional<int64_t> NextAttempt(const RetryPolicy& policy, int64_t attempts, int64_t created_at,
                                   int64_t now) {
  int64_t delay = policy.first_delay_seconds;
  for (int64_t i = 1; i < attempts && delay < policy.max_delay_seconds; ++i) delay *= 2;
  delay = std::min(delay, policy.max_delay_seconds);
  int64_t next = now + delay;
  if (next > created_at + policy.lifetime_seconds) return std::nullopt;
  return next;
}

}  // namespace postdesk::outbound
