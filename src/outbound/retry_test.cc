#include "outbound/retry.h"

#include <gtest/gtest.h>

#include "common/clock.h"
#include "outbound/queue.h"

namespace postdesk::outbound {
namespace {

TEST(Retry, BacksOffExponentiallyWithACap) {
  RetryPolicy p;
  FakeClock clock(1000);
  EXPECT_EQ(NextAttempt(p, 1, 1000, clock.Now()), 1060);
  EXPECT_EQ(NextAttempt(p, 2, 1000, clock.Now()), 1120);
  EXPECT_EQ(NextAttempt(p, 3, 1000, clock.Now()), 1240);
  EXPECT_EQ(NextAttempt(p, 30, 1000, clock.Now()), 1000 + 3600);
}

TEST(Retry, ExpiresAfterTheLifetime) {
  RetryPolicy p;
  p.lifetime_seconds = 3 * 3600;
  FakeClock clock(0);
  int64_t attempts = 0;
  int64_t created = clock.Now();
  std::optional<int64_t> next = clock.Now();
  while (next) {
    ++attempts;
    clock.Advance(*next - clock.Now());
    next = NextAttempt(p, attempts, created, clock.Now());
  }
  EXPECT_LE(clock.Now(), created + p.lifetime_seconds);
  EXPECT_GT(attempts, 5);
}

TEST(Classify, SentDeferredFailed) {
  RetryPolicy p;
  store::OutboundRecipient r;
  r.attempts = 1;
  r.created_at = 0;
  SendResult ok;
  ok.outcome = SendResult::Outcome::kSent;
  EXPECT_EQ(Classify(ok, r, p, 10).state, DeliveryState::kSent);
  SendResult temp;
  temp.outcome = SendResult::Outcome::kTemporary;
  temp.code = 451;
  AttemptOutcome d = Classify(temp, r, p, 10);
  EXPECT_EQ(d.state, DeliveryState::kDeferred);
  EXPECT_EQ(d.next_attempt_at, 70);
  EXPECT_EQ(Classify(temp, r, p, p.lifetime_seconds).state, DeliveryState::kFailed);
  EXPECT_EQ(Classify(temp, r, p, p.lifetime_seconds).reason, "expired");
  SendResult perm;
  perm.outcome = SendResult::Outcome::kPermanent;
  perm.code = 550;
  perm.enhanced = "5.1.1";
  perm.text = "550 5.1.1 User unknown";
  EXPECT_EQ(Classify(perm, r, p, 10).state, DeliveryState::kFailed);
  EXPECT_EQ(Classify(perm, r, p, 10).reason, "user_unknown");
  perm.enhanced = "5.7.1";
  perm.text = "550 5.7.1 Message rejected as spam";
  EXPECT_EQ(Classify(perm, r, p, 10).reason, "blocked");
}

}  // namespace
}  // namespace postdesk::outbound
