#include "accounts/login_throttle.h"

#include <algorithm>
#include <boost/asio/ip/address_v6.hpp>

#include "common/strings.h"

namespace postdesk::accounts {

namespace {
std::string AccountKey(std::string_view email) { return "a:" + ToLower(Trim(email)); }
// IPv6 clients are counted by their /64: one host holds a whole /64 and
// could otherwise try from a new address each time.
std::string AddressKey(std::string_view address) {
  if (address.find(':') == std::string_view::npos) return "c:" + std::string(address);
  boost::system::error_code ec;
  auto v6 = boost::asio::ip::make_address_v6(std::string(address), ec);
  if (ec) return "c:" + std::string(address);
  // An IPv4 client of a dual-stack listener is one address, not a /64.
  if (v6.is_v4_mapped()) {
    return "c:" + boost::asio::ip::make_address_v4(boost::asio::ip::v4_mapped, v6).to_string();
  }
  auto bytes = v6.to_bytes();
  std::fill(bytes.begin() + 8, bytes.end(), 0);
  return "c:" + boost::asio::ip::address_v6(bytes).to_string() + "/64";
}
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
  // Over the bound, the oldest entries go, but never one still locked out
  // (a flood of new keys must not unlock an account).
  for (auto it = ages_.end(); entries_.size() > options_.max_keys && it != ages_.begin();) {
    --it;
    auto entry = entries_.find(*it);
    if (entry->second.locked_until > now) continue;
    entries_.erase(entry);
    it = ages_.erase(it);
  }
  return locked;
}

size_t LoginThrottle::tracked() {
  std::lock_guard lock(mu_);
  return entries_.size();
}

void LoginThrottle::Succeeded(std::string_view email) {
  std::lock_guard lock(mu_);
  auto it = entries_.find(AccountKey(email));
  if (it == entries_.end()) return;
  ages_.erase(it->second.age);
  entries_.erase(it);
}

}  // namespace postdesk::accounts
