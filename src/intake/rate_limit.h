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
// Counted in memory; a sender not in memory starts from its History (the
// store's raw messages that counted for it within the window), so a restart
// or another process -- each `postdesk ingest` is one -- continues the count.
// Two processes admitting the same sender at the same moment may each let
// one more through. Time comes from a Clock so tests use FakeClock.
// Memory is bounded by the senders seen within one window (idle senders are
// pruned) times at most (accept + suspend) * multiplier timestamps each.
// Thread-safety: Check may be called from any thread.
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "common/clock.h"
#include "store/store.h"

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
  // When `sender`'s counted messages arrived, at `since` or later.
  using History = std::function<std::vector<int64_t>(std::string_view sender, int64_t since)>;

  RateLimiter(RateOptions options, const Clock* clock, History history = nullptr);

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
  const History history_;
  mutable std::mutex mu_;
  std::unordered_map<std::string, SenderState> senders_;
  uint64_t calls_ = 0;
};

// A History reading the store (raw messages by sender, at most the number
// any sender may have admitted); a failed read is logged and counts as none.
RateLimiter::History SenderHistoryFrom(store::Store& store, const RateOptions& options);

}  // namespace postdesk::intake
