#include "accounts/login_throttle.h"

#include <algorithm>

#include "common/strings.h"

namespace postdesk::accounts {

namespace {
std::string AccountKey(std::string_view email) { return "a:" + ToLower(Trim(email)); }
std::string AddressKey(std::string_view address) { return "c:" + std::string(address); }
}  // namespace

LoginThrottle::LoginThrottle(const Clock& clock, ThrottleOptions options)
    : clock_(clock), options_(options) {}

int64_t LoginThrottle::RetryAfterLocked(const std::string& key, int64_t now) {
  auto it = entries_.find(key);
  if (it == entries_.end()) return 0;
  return std::max<int64_t>(0, it->second.locked_until - now);
}

int64_t LoginThrottle::RetryAfter(std::string_view email, std::string_view address) {
  std::lock_guard lock(mu_);
  int64_t now = clock_.Now();
  return std::max(RetryAfterLocked(AccountKey(email), now),
                  RetryAfterLocked(AddressKey(address), now));
}

int64_t LoginThrottle::FailLocked(const std::string& key, int64_t limit, int64_t now) {
  auto [it, inserted] = entries_.try_emplace(key);
  Entry& e = it->second;
  if (!inserted) ages_.erase(e.age);
  ages_.push_front(key);
  e.age = ages_.begin();
  if (now - e.window_start >= options_.window_seconds ||
      (e.locked_until != 0 && now >= e.locked_until)) {
    e.window_start = now;
    e.failures = 0;
    e.locked_until = 0;
  }
  ++e.failures;
  if (e.failures >= limit && e.locked_until <= now) {
    e.locked_until = now + options_.lockout_seconds;
    return options_.lockout_seconds;
  }
  return 0;
}

int64_t LoginThrottle::Failed(std::string_view email, std::string_view address) {
  std::lock_guard lock(mu_);
  int64_t now = clock_.Now();
  int64_t locked = std::max(FailLocked(AccountKey(email), options_.account_failures, now),
                            FailLocked(AddressKey(address), options_.address_failures, now));
  while (entries_.size() > options_.max_keys) {
    entries_.erase(ages_.back());
    ages_.pop_back();
  }
  return locked;
}

void LoginThrottle::Succeeded(std::string_view email) {
  std::lock_guard lock(mu_);
  auto it = entries_.find(AccountKey(email));
  if (it == entries_.end()) return;
  ages_.erase(it->second.age);
  entries_.erase(it);
}

}  // namespace postdesk::accounts
