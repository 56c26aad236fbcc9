// Per-sender rate of inbound mail, as Zendesk's mail-loop guard: within a
// sliding window (an hour by default) a sender's first `accept` messages
// are accepted, the next `suspend` are suspended (cause loop), and any more
// are refused at SMTP time with a temporary error, so a looping autoresponder
// or a flood cannot bury the desk and a real sender's mail is retried later.
// Allowlisted senders get `allowlist_multiplier` times both limits.
//
// Only admitted messages (accepted or suspended) count towards the window:
// a refused message was not kept, and its retry must get through once the
// window has moved on.
//
// In memory, per process; time comes from a Clock so tests use FakeClock.
// Memory is bounded by the senders seen within one window (idle senders are
// pruned) times at most (accept + suspend) * multiplier timestamps each.
// Thread-safety: Check may be called from any thread.
#pragma once

#include <cstdint>
#include <deque>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

#include "common/clock.h"

namespace postdesk::intake {

struct RateOptions {
  int64_t accept_per_window = 20;  // 0: no rate guard at all (every message accepted)
  int64_t suspend_per_window = 20;
  int64_t allowlist_multiplier = 10;
  int64_t window_seconds = 3600;
};

struct RateDecision {
  enum class Kind { kAccept, kSuspend, kRefuse };
  Kind kind = Kind::kAccept;
  int64_t count = 0;          // admitted messages in the window, this one included (when admitted)
  int64_t accept_limit = 0;   // effective limits for this sender
  int64_t suspend_limit = 0;  // accepted + suspended at most
  int64_t refused = 0;        // refusals since the sender's window last emptied, this one included
};

class RateLimiter {
 public:
  RateLimiter(RateOptions options, const Clock* clock);

  // Counts one message from `sender` (normalised address) and says what to do with it.
  RateDecision Check(std::string_view sender, bool allowlisted);

  const RateOptions& options() const { return options_; }
  size_t tracked_senders() const;

 private:
  struct SenderState {
    std::deque<int64_t> admitted;  // times, oldest first
    int64_t refused = 0;
  };
  void PruneLocked(int64_t now);

  const RateOptions options_;
  const Clock* clock_;
  mutable std::mutex mu_;
  std::unordered_map<std::string, SenderState> senders_;
  uint64_t calls_ = 0;
};

}  // namespace postdesk::intake
