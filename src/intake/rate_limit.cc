#include "intake/rate_limit.h"

#include <algorithm>

#include "common/strings.h"

namespace postdesk::intake {
namespace {

constexpr uint64_t kPruneEvery = 1024;

}  // namespace

RateLimiter::RateLimiter(RateOptions options, const Clock* clock)
    : options_(options), clock_(clock) {}

size_t RateLimiter::tracked_senders() const {
  std::lock_guard lock(mu_);
  return senders_.size();
}

void RateLimiter::PruneLocked(int64_t now) {
  for (auto it = senders_.begin(); it != senders_.end();) {
    const auto& times = it->second.admitted;
    if (times.empty() || times.back() <= now - options_.window_seconds) {
      it = senders_.erase(it);
    } else {
      ++it;
    }
  }
}

RateDecision RateLimiter::Check(std::string_view sender, bool allowlisted) {
  const int64_t now = clock_->Now();
  const int64_t factor = allowlisted ? std::max<int64_t>(1, options_.allowlist_multiplier) : 1;
  RateDecision d;
  d.accept_limit = std::max<int64_t>(0, options_.accept_per_window) * factor;
  d.suspend_limit = d.accept_limit + std::max<int64_t>(0, options_.suspend_per_window) * factor;

  if (options_.accept_per_window <= 0) return d;  // the guard is off
  std::lock_guard lock(mu_);
  if (++calls_ % kPruneEvery == 0) PruneLocked(now);
  SenderState& s = senders_[ToLower(sender)];
  while (!s.admitted.empty() && s.admitted.front() <= now - options_.window_seconds) {
    s.admitted.pop_front();
  }
  if (s.admitted.empty()) s.refused = 0;
  int64_t seen = static_cast<int64_t>(s.admitted.size());
  if (seen >= d.suspend_limit) {
    d.kind = RateDecision::Kind::kRefuse;
    d.count = seen;
    d.refused = ++s.refused;
    if (s.admitted.empty()) senders_.erase(ToLower(sender));  // limits of 0: keep nothing
    return d;
  }
  s.admitted.push_back(now);
  d.count = seen + 1;
  d.refused = s.refused;
  d.kind = d.count <= d.accept_limit ? RateDecision::Kind::kAccept : RateDecision::Kind::kSuspend;
  return d;
}

}  // namespace postdesk::intake
