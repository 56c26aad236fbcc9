// Clock: where time comes from, so retry schedules, rate limits and retention
// are testable without sleeping. Times are Unix seconds (UTC).
// Thread-safety: SystemClock is stateless; FakeClock is not thread-safe.
#pragma once

#include <cstdint>
#include <ctime>
#include <string>

namespace postdesk {

class Clock {
 public:
  virtual ~Clock() = default;
  virtual int64_t Now() const = 0;
};

class SystemClock final : public Clock {
 public:
  int64_t Now() const override { return static_cast<int64_t>(std::time(nullptr)); }
};

class FakeClock final : public Clock {
 public:
  explicit FakeClock(int64_t now = 1700000000) : now_(now) {}
  int64_t Now() const override { return now_; }
  void Advance(int64_t seconds) { now_ += seconds; }

 private:
  int64_t now_;
};

// ISO 8601 UTC, as the Zendesk API prints times: 2026-11-27T15:32:05Z.
std::string FormatIsoTime(int64_t unix_seconds);

}  // namespace postdesk
