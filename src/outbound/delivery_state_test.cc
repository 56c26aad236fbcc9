#include "outbound/delivery_state.h"

#include <gtest/gtest.h>

namespace postdesk::outbound {
namespace {

using S = DeliveryState;

TEST(DeliveryStateTest, NamesRoundTrip) {
  for (S s : {S::kQueued, S::kSending, S::kSent, S::kDeferred, S::kFailed, S::kBounced}) {
    EXPECT_EQ(ParseDeliveryState(DeliveryStateName(s)), s);
  }
  EXPECT_EQ(ParseDeliveryState("Sent"), std::nullopt);
  EXPECT_EQ(ParseDeliveryState("delivered"), std::nullopt);
}

TEST(DeliveryStateTest, OnlyTheQueuesMovesAreLegal) {
  EXPECT_TRUE(LegalTransition(S::kQueued, S::kSending));
  EXPECT_TRUE(LegalTransition(S::kSending, S::kSent));
  EXPECT_TRUE(LegalTransition(S::kSending, S::kDeferred));
  EXPECT_TRUE(LegalTransition(S::kDeferred, S::kSending));
  EXPECT_TRUE(LegalTransition(S::kDeferred, S::kFailed));
  EXPECT_TRUE(LegalTransition(S::kSent, S::kBounced));
  EXPECT_TRUE(LegalTransition(S::kSent, S::kSent));  // a delay warning: an event, no move
  // A bounce never becomes "sent" again, a failure is final, nothing skips the attempt.
  EXPECT_FALSE(LegalTransition(S::kBounced, S::kSent));
  EXPECT_FALSE(LegalTransition(S::kFailed, S::kDeferred));
  EXPECT_FALSE(LegalTransition(S::kFailed, S::kSending));
  EXPECT_FALSE(LegalTransition(S::kQueued, S::kSent));
  EXPECT_FALSE(LegalTransition(S::kQueued, S::kBounced));
  EXPECT_FALSE(LegalTransition(S::kSent, S::kDeferred));
}

}  // namespace
}  // namespace postdesk::outbound
