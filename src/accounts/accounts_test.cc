#include <gtest/gtest.h>

#include <filesystem>

#include "accounts/login_throttle.h"
#include "accounts/passwords.h"
#include "accounts/sessions.h"
#include "common/ids.h"
#include "store/temp_store_testing.h"

namespace postdesk::accounts {
namespace {

TEST(PasswordsTest, HashVerifiesOnlyTheRightPassword) {
  auto hash = HashPassword("correct horse");
  ASSERT_TRUE(hash.ok());
  EXPECT_TRUE(hash->starts_with("$argon2id$"));
  EXPECT_TRUE(VerifyPassword(*hash, "correct horse"));
  EXPECT_FALSE(VerifyPassword(*hash, "correct horsE"));
  EXPECT_FALSE(VerifyPassword("", "correct horse"));
  EXPECT_FALSE(VerifyPassword("$argon2id$garbage", "correct horse"));
  EXPECT_NE(*HashPassword("correct horse"), *hash);  // salted
}

TEST(PasswordsTest, ProblemsAreNamed) {
  EXPECT_NE(PasswordProblem("short"), "");
  EXPECT_NE(PasswordProblem(std::string(2000, 'x')), "");
  EXPECT_NE(PasswordProblem("has\nnewline"), "");
  EXPECT_EQ(PasswordProblem("パスワード長いです"), "");
  EXPECT_EQ(HashPassword("short").status().kind(), ErrorKind::kInvalid);
  std::string random = RandomPassword();
  EXPECT_EQ(random.size(), 20u);
  EXPECT_EQ(PasswordProblem(random), "");
  EXPECT_NE(RandomPassword(), random);
}

TEST(LoginThrottleTest, LocksTheAccountAfterTheLimitThenLetsItTryAgain) {
  FakeClock clock;
  LoginThrottle throttle(clock, {.account_failures = 3, .address_failures = 100,
                                 .window_seconds = 600, .lockout_seconds = 60});
  EXPECT_EQ(throttle.Failed("a@x.example", "10.0.0.1"), 0);
  EXPECT_EQ(throttle.Failed("A@x.example", "10.0.0.2"), 0);  // same account, any case
  EXPECT_EQ(throttle.Failed("a@x.example", "10.0.0.3"), 60);
  EXPECT_EQ(throttle.RetryAfter("a@x.example", "10.0.0.9"), 60);
  EXPECT_EQ(throttle.RetryAfter("b@x.example", "10.0.0.1"), 0);  // others unaffected
  clock.Advance(59);
  EXPECT_EQ(throttle.RetryAfter("a@x.example", "10.0.0.1"), 1);
  clock.Advance(1);
  EXPECT_EQ(throttle.RetryAfter("a@x.example", "10.0.0.1"), 0);
  // After the lockout the count starts over.
  EXPECT_EQ(throttle.Failed("a@x.example", "10.0.0.1"), 0);
}

TEST(LoginThrottleTest, LocksAnAddressTryingManyAccountsAndSuccessClearsTheAccount) {
  FakeClock clock;
  LoginThrottle throttle(clock, {.account_failures = 3, .address_failures = 5,
                                 .window_seconds = 600, .lockout_seconds = 60});
  for (int i = 0; i < 4; ++i) {
    EXPECT_EQ(throttle.Failed("user" + std::to_string(i) + "@x.example", "10.0.0.1"), 0);
  }
  EXPECT_EQ(throttle.Failed("user9@x.example", "10.0.0.1"), 60);
  EXPECT_EQ(throttle.RetryAfter("new@x.example", "10.0.0.1"), 60);
  EXPECT_EQ(throttle.RetryAfter("new@x.example", "10.0.0.2"), 0);

  throttle.Failed("c@x.example", "10.0.0.7");
  throttle.Failed("c@x.example", "10.0.0.7");
  throttle.Succeeded("c@x.example");
  EXPECT_EQ(throttle.Failed("c@x.example", "10.0.0.7"), 0);  // the count began again
}

TEST(LoginThrottleTest, ForgetsOldFailuresOutsideTheWindow) {
  FakeClock clock;
  LoginThrottle throttle(clock, {.account_failures = 2, .address_failures = 1000,
                                 .window_seconds = 10, .lockout_seconds = 60});
  throttle.Failed("a@x.example", "1");
  clock.Advance(11);
  EXPECT_EQ(throttle.Failed("a@x.example", "1"), 0);  // the first one is forgotten
  EXPECT_EQ(throttle.Failed("a@x.example", "1"), 60);
}

// A flood of new keys keeps the table bounded but never unlocks anyone.
TEST(LoginThrottleTest, StaysBoundedWithoutEvictingLockouts) {
  FakeClock clock;
  LoginThrottle throttle(clock, {.account_failures = 2, .address_failures = 1000,
                                 .window_seconds = 600, .lockout_seconds = 60, .max_keys = 6});
  throttle.Failed("locked@x.example", "10.0.0.1");
  EXPECT_EQ(throttle.Failed("locked@x.example", "10.0.0.1"), 60);
  for (int i = 0; i < 50; ++i) throttle.Failed(std::to_string(i) + "@x.example", "10.0.0.1");
  EXPECT_LE(throttle.tracked(), 6u);
  EXPECT_EQ(throttle.RetryAfter("locked@x.example", "10.9.9.9"), 60);
}

TEST(LoginThrottleTest, IPv6ClientsCountByTheirSlash64) {
  FakeClock clock;
  LoginThrottle throttle(clock, {.account_failures = 100, .address_failures = 3,
                                 .window_seconds = 600, .lockout_seconds = 60});
  throttle.Failed("a@x.example", "2001:db8:1:2::1");
  throttle.Failed("b@x.example", "2001:db8:1:2::ffff");
  EXPECT_EQ(throttle.Failed("c@x.example", "2001:db8:1:2:aaaa::9"), 60);
  EXPECT_EQ(throttle.RetryAfter("d@x.example", "2001:db8:1:2::77"), 60);
  EXPECT_EQ(throttle.RetryAfter("d@x.example", "2001:db8:1:3::77"), 0);
}

using store::testing::TempStore;

class SessionsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(db_.store);
    ASSERT_TRUE(db_.store->Write([&](store::Tx& tx) -> Status {
      store::User u{.name = "Ann", .email = "ann@desk.example", .role = Role::kAgent};
      auto created = tx.CreateUser(u);
      if (!created.ok()) return created.status();
      agent_id_ = created->id;
      auto hash = HashPassword("the right one");
      if (!hash.ok()) return hash.status();
      return tx.SetPasswordHash(agent_id_, *hash);
    }).ok());
  }
  TempStore db_;
  FakeClock clock_;
  Sessions sessions_{*db_.store, clock_,
                     {.idle_seconds = 3600,
                      .touch_every_seconds = 60,
                      .throttle = {.account_failures = 20, .lockout_seconds = 300}}};
  int64_t agent_id_ = 0;
};

TEST_F(SessionsTest, SignInMakesASessionTheTokenResolves) {
  auto r = sessions_.SignIn("ANN@desk.example", "the right one", "127.0.0.1");
  ASSERT_EQ(r.outcome, SignInOutcome::kSignedIn);
  EXPECT_EQ(r.signed_in.user.id, agent_id_);
  EXPECT_EQ(r.signed_in.token.size(), r.signed_in.session.csrf_token.size());
  EXPECT_NE(r.signed_in.token, r.signed_in.session.csrf_token);
  auto who = sessions_.Resolve(r.signed_in.token);
  ASSERT_TRUE(who.ok());
  EXPECT_EQ(who->user.email, "ann@desk.example");
  EXPECT_TRUE(Sessions::CsrfMatches(who->session, r.signed_in.session.csrf_token));
  EXPECT_FALSE(Sessions::CsrfMatches(who->session, ""));
  EXPECT_FALSE(Sessions::CsrfMatches(who->session, "x" + r.signed_in.session.csrf_token.substr(1)));
  EXPECT_FALSE(sessions_.Resolve("not-a-token").ok());
  ASSERT_TRUE(sessions_.SignOut(r.signed_in.token).ok());
  EXPECT_EQ(sessions_.Resolve(r.signed_in.token).status().kind(), ErrorKind::kNotFound);
}

TEST_F(SessionsTest, IdleSessionsExpireAndActivityKeepsThemAlive) {
  auto r = sessions_.SignIn("ann@desk.example", "the right one", "127.0.0.1");
  ASSERT_EQ(r.outcome, SignInOutcome::kSignedIn);
  clock_.Advance(3000);
  ASSERT_TRUE(sessions_.Resolve(r.signed_in.token).ok());  // touched
  clock_.Advance(3000);
  ASSERT_TRUE(sessions_.Resolve(r.signed_in.token).ok());
  auto other = sessions_.SignIn("ann@desk.example", "the right one", "127.0.0.1");
  clock_.Advance(3601);
  EXPECT_FALSE(sessions_.Resolve(r.signed_in.token).ok());
  EXPECT_EQ(*sessions_.ExpireIdle(), 1);  // the other one, never used again
  EXPECT_FALSE(sessions_.Resolve(other.signed_in.token).ok());
}

TEST_F(SessionsTest, WrongPasswordsLockOutThenTheRightOneWorksAfterTheLockout) {
  EXPECT_EQ(sessions_.SignIn("nobody@desk.example", "whatever1", "10.0.0.1").outcome,
            SignInOutcome::kWrongCredentials);
  for (int i = 0; i < 19; ++i) {
    EXPECT_EQ(sessions_.SignIn("ann@desk.example", "wrong password", "10.0.0.1").outcome,
              SignInOutcome::kWrongCredentials);
  }
  auto locked = sessions_.SignIn("ann@desk.example", "wrong password", "10.0.0.1");
  EXPECT_EQ(locked.outcome, SignInOutcome::kLockedOut);
  EXPECT_EQ(locked.retry_after, 300);
  // Locked: even the right password is refused, from anywhere.
  auto right = sessions_.SignIn("ann@desk.example", "the right one", "10.0.0.2");
  EXPECT_EQ(right.outcome, SignInOutcome::kLockedOut);
  clock_.Advance(300);
  EXPECT_EQ(sessions_.SignIn("ann@desk.example", "the right one", "10.0.0.1").outcome,
            SignInOutcome::kSignedIn);
}

TEST_F(SessionsTest, EndUsersAndAgentsWithoutAPasswordCannotSignIn) {
  ASSERT_TRUE(db_.store->Write([&](store::Tx& tx) -> Status {
    auto u = tx.CreateUser({.name = "Cus", .email = "cus@customer.example", .role = Role::kEndUser});
    if (!u.ok()) return u.status();
    auto hash = HashPassword("the right one");
    if (!hash.ok()) return hash.status();
    if (Status s = tx.SetPasswordHash(u->id, *hash); !s.ok()) return s;
    return tx.CreateUser({.name = "New", .email = "new@desk.example", .role = Role::kAgent}).status();
  }).ok());
  EXPECT_EQ(sessions_.SignIn("cus@customer.example", "the right one", "1").outcome,
            SignInOutcome::kWrongCredentials);
  EXPECT_EQ(sessions_.SignIn("new@desk.example", "", "1").outcome,
            SignInOutcome::kWrongCredentials);
}

}  // namespace
}  // namespace postdesk::accounts
