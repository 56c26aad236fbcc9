#include "intake/rate_limit.h"

#include <spdlog/spdlog.h>

#include <algorithm>

#include "common/strings.h"

namespace postdesk::intake {
namespace {

constexpr uint64_t kPruneEvery = 1024;

}  // namespace

RateLimiter::RateLimiter(RateOptions options, const Clock* clock, History history)
    : options_(options), clock_(clock), history_(std::move(history)) {}

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
  const std::string key = ToLower(sender);
  std::vector<int64_t> earlier;
  if (history_) {
    bool known = false;
    {
      std::lock_guard lock(mu_);
      known = senders_.count(key) > 0;
    }
    // Read outside the lock: other senders need not wait for the store.
    if (!known) earlier = history_(key, now - options_.window_seconds + 1);
  }
  std::lock_guard lock(mu_);
  if (++calls_ % kPruneEvery == 0) PruneLocked(now);
  auto [it, inserted] = senders_.try_emplace(key);
  SenderState& s = it->second;
  if (inserted) {
    std::sort(earlier.begin(), earlier.end());
    for (int64_t t : earlier) {
      if (t <= now) s.admitted.push_back(t);
    }
  }
  while (!s.admitted.empty() && s.admitted.front() <= now - options_.window_seconds) {
    s.admitted.pop_front();
  }
  if (s.admitted.empty()) s.refused = 0;
  int64_t seen = static_cast<int64_t>(s.admitted.size());
  if (seen >= d.suspend_limit) {
    d.kind = RateDecision::Kind::kRefuse;
    d.count = seen;
    d.refused = ++s.refused;
    if (s.admitted.empty()) senders_.erase(key);  // limits of 0: keep nothing
    return d;
  }
  s.admitted.push_back(now);
  d.count = seen + 1;
  d.refused = s.refused;
  d.kind = d.count <= d.accept_limit ? RateDecision::Kind::kAccept : RateDecision::Kind::kSuspend;
  return d;
}

RateLimiter::History SenderHistoryFrom(store::Store& store, const RateOptions& options) {
  const int64_t most = std::max<int64_t>(1, options.accept_per_window + options.suspend_per_window) *
                       std::max<int64_t>(1, options.allowlist_multiplier);
  return [&store, most](std::string_view sender, int64_t since) {
    std::vector<int64_t> times;
    Status s = store.Read([&](store::Tx& tx) -> Status {
      auto got = tx.ListSenderAdmissions(sender, since, most);
      if (!got.ok()) return got.status();
      times = std::move(got).value();
      return Status::Ok();
    });
    if (!s.ok()) {
      spdlog::warn("loop guard: earlier mail of {} not read ({}); counting from none", sender,
                   s.message());
      times.clear();
    }
    return times;
  };
}

}  // namespace postdesk::intake
