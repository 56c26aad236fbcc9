#include "intake/rate_limit.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <thread>

namespace postdesk::intake {
namespace {

using Kind = RateDecision::Kind;

std::vector<Kind> Send(RateLimiter& r, const std::string& sender, int n, bool allowlisted = false) {
  std::vector<Kind> out;
  for (int i = 0; i < n; ++i) out.push_back(r.Check(sender, allowlisted).kind);
  return out;
}

int Count(const std::vector<Kind>& v, Kind k) {
  return static_cast<int>(std::count(v.begin(), v.end(), k));
}

TEST(RateLimitTest, TwentyAcceptedTwentySuspendedThenRefused) {
  FakeClock clock;
  RateLimiter r({}, &clock);
  auto kinds = Send(r, "flood@x.test", 45);
  for (int i = 0; i < 20; ++i) EXPECT_EQ(kinds[i], Kind::kAccept) << i;
  for (int i = 20; i < 40; ++i) EXPECT_EQ(kinds[i], Kind::kSuspend) << i;
  for (int i = 40; i < 45; ++i) EXPECT_EQ(kinds[i], Kind::kRefuse) << i;
  auto d = r.Check("flood@x.test", false);
  EXPECT_EQ(d.kind, Kind::kRefuse);
  EXPECT_EQ(d.count, 40);
  EXPECT_EQ(d.accept_limit, 20);
  EXPECT_EQ(d.suspend_limit, 40);
  EXPECT_EQ(d.refused, 6);
  // Other senders are unaffected; addresses compare case-insensitively.
  EXPECT_EQ(r.Check("calm@x.test", false).kind, Kind::kAccept);
  EXPECT_EQ(r.Check("FLOOD@X.TEST", false).kind, Kind::kRefuse);
}

TEST(RateLimitTest, ASenderNotInMemoryContinuesFromItsHistory) {
  FakeClock clock;
  const int64_t now = clock.Now();
  std::vector<std::string> asked;
  RateLimiter r({}, &clock, [&](std::string_view sender, int64_t since) {
    asked.emplace_back(sender);
    EXPECT_EQ(since, now - 3600 + 1);
    // 19 within the hour (one of them from the future, as a clock skew).
    std::vector<int64_t> times;
    for (int i = 0; i < 18; ++i) times.push_back(now - 60 * i);
    times.push_back(now + 5);
    return sender == "loop@x.test" ? times : std::vector<int64_t>{};
  });
  auto d = r.Check("Loop@X.test", false);
  EXPECT_EQ(d.kind, Kind::kAccept);
  EXPECT_EQ(d.count, 19);  // 18 earlier ones count, the one "from the future" does not
  EXPECT_EQ(r.Check("loop@x.test", false).kind, Kind::kAccept);
  EXPECT_EQ(r.Check("loop@x.test", false).kind, Kind::kSuspend);
  EXPECT_EQ(asked, (std::vector<std::string>{"loop@x.test"}));  // once, then memory
  EXPECT_EQ(r.Check("new@x.test", false).count, 1);
  EXPECT_EQ(asked.size(), 2u);
}

TEST(RateLimitTest, WindowSlides) {
  FakeClock clock;
  RateLimiter r({}, &clock);
  // 10 now, 10 after half an hour: all 20 accepted.
  EXPECT_EQ(Count(Send(r, "s@x.test", 10), Kind::kAccept), 10);
  clock.Advance(1800);
  EXPECT_EQ(Count(Send(r, "s@x.test", 10), Kind::kAccept), 10);
  EXPECT_EQ(r.Check("s@x.test", false).kind, Kind::kSuspend);  // 21st within the hour
  // An hour after the first ten they leave the window; 11 admitted remain
  // (10 + the suspended one), so the next is accepted again.
  clock.Advance(1801);
  auto d = r.Check("s@x.test", false);
  EXPECT_EQ(d.kind, Kind::kAccept);
  EXPECT_EQ(d.count, 12);
  // After a quiet hour everything is forgotten.
  clock.Advance(3601);
  d = r.Check("s@x.test", false);
  EXPECT_EQ(d.kind, Kind::kAccept);
  EXPECT_EQ(d.count, 1);
}

TEST(RateLimitTest, RefusalsDoNotCountSoRetriesGetThrough) {
  FakeClock clock;
  RateLimiter r({}, &clock);
  Send(r, "s@x.test", 40);
  EXPECT_EQ(Count(Send(r, "s@x.test", 100), Kind::kRefuse), 100);
  clock.Advance(3601);
  EXPECT_EQ(r.Check("s@x.test", false).kind, Kind::kAccept);
}

TEST(RateLimitTest, AllowlistedSendersGetTenTimesTheLimits) {
  FakeClock clock;
  RateLimiter r({}, &clock);
  auto kinds = Send(r, "partner@x.test", 410, /*allowlisted=*/true);
  EXPECT_EQ(Count(kinds, Kind::kAccept), 200);
  EXPECT_EQ(Count(kinds, Kind::kSuspend), 200);
  EXPECT_EQ(Count(kinds, Kind::kRefuse), 10);
}

TEST(RateLimitTest, ConfigurableLimits) {
  FakeClock clock;
  RateLimiter r({.accept_per_window = 2,
                 .suspend_per_window = 1,
                 .allowlist_multiplier = 3,
                 .window_seconds = 60},
                &clock);
  EXPECT_EQ(Send(r, "a@x.test", 4),
            (std::vector<Kind>{Kind::kAccept, Kind::kAccept, Kind::kSuspend, Kind::kRefuse}));
  clock.Advance(61);
  EXPECT_EQ(r.Check("a@x.test", false).kind, Kind::kAccept);
  EXPECT_EQ(Count(Send(r, "b@x.test", 10, true), Kind::kAccept), 6);
}

TEST(RateLimitTest, ZeroAcceptLimitTurnsTheGuardOff) {
  FakeClock clock;
  RateLimiter r({.accept_per_window = 0}, &clock);
  EXPECT_EQ(Count(Send(r, "bench@x.test", 500), Kind::kAccept), 500);
  EXPECT_EQ(r.tracked_senders(), 0u);
}

TEST(RateLimitTest, IdleSendersArePruned) {
  FakeClock clock;
  RateLimiter r({}, &clock);
  for (int i = 0; i < 1000; ++i) r.Check("s" + std::to_string(i) + "@x.test", false);
  EXPECT_EQ(r.tracked_senders(), 1000u);
  clock.Advance(3601);
  for (int i = 0; i < 100; ++i) r.Check("new" + std::to_string(i) + "@x.test", false);
  EXPECT_LE(r.tracked_senders(), 100u);
}

TEST(RateLimitTest, ThreadSafe) {
  FakeClock clock;
  RateLimiter r({}, &clock);
  std::atomic<int> accepted{0}, suspended{0}, refused{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 25; ++i) {
        auto k = r.Check("shared@x.test", false).kind;
        (k == Kind::kAccept ? accepted : k == Kind::kSuspend ? suspended : refused)++;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(accepted, 20);
  EXPECT_EQ(suspended, 20);
  EXPECT_EQ(refused, 60);
}

}  // namespace
}  // namespace postdesk::intake
