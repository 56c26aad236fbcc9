// retry: when a deferred delivery is tried again. Exponential backoff from
// one minute, doubling, capped at one hour between attempts, until the
// message's lifetime (default 5 days) runs out. Thread-safety: pure.
#pragma once

#include <cstdint>
#include <optional>

namespace postdesk::outbound {

struct RetryPolicy {
  int64_t first_delay_seconds = 60;
  int64_t max_delay_seconds = 3600;
  int64_t lifetime_seconds = 5 * 24 * 3600;
};

// The time of the next attempt after `attempts` failed attempts (1 for the
// first failure) at `now`, or nullopt when the message expires first
// (created at `created_at`): then the recipient fails for good.
std::optional<int64_t> NextAttempt(const RetryPolicy& policy, int64_t attempts, int64_t created_at,
                                   int64_t now);

}  // namespace postdesk::outbound
