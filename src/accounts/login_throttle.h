// accounts/login_throttle: the brake on password guessing. Failed sign-ins
// are counted per account (the email tried) and per client address in a
// sliding window; past the limit, that key is locked out for
// `lockout_seconds` and every attempt on it is refused before any password
// is checked (so a locked key costs no argon2 work). A success clears the
// account's count; the right password works again once the lockout ends.
//
// Counts live in memory (bounded: past `max_keys` the least recently failed
// keys that are not locked out are dropped), so they restart with the
// process. IPv6 addresses count by their /64.
// Thread-safety: all methods may be called from any thread.
#pragma once

#include <cstdint>
#include <list>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

#include "common/clock.h"

namespace postdesk::accounts {

struct ThrottleOptions {
  int64_t account_failures = 20;  // per email, within window_seconds
  int64_t address_failures = 100;  // per client address, within window_seconds
  int64_t window_seconds = 900;
  int64_t lockout_seconds = 900;
  size_t max_keys = 100000;
};

class LoginThrottle {
 public:
  LoginThrottle(const Clock& clock, ThrottleOptions options);

  // Seconds until `email` from `address` may try again; 0: it may try now.
  int64_t RetryAfter(std::string_view email, std::string_view address);
  // Records a failed attempt; returns the lockout it started (0: none).
  int64_t Failed(std::string_view email, std::string_view address);
  // Records a success: the account's failures are forgotten.
  void Succeeded(std::string_view email);
  // Keys counted now (accounts and addresses).
  size_t tracked();

 private:
  struct Entry {
    int64_t window_start = 0;
    int64_t failures = 0;
    int64_t locked_until = 0;
    std::list<std::string>::iterator age;
  };
  int64_t RetryAfterLocked(const std::string& key, int64_t now);
  int64_t FailLocked(const std::string& key, int64_t limit, int64_t now);

  const Clock& clock_;
  ThrottleOptions options_;
  std::mutex mu_;
  std::unordered_map<std::string, Entry> entries_;  // "a:" email, "c:" address
  std::list<std::string> ages_;                      // most recently failed first
};

}  // namespace postdesk::accounts
