// accounts/sessions: signing agents in to the workspace and knowing who a
// browser is. A sign-in checks the throttle first (a locked account or
// address costs no password work), then the argon2id hash; success makes a
// session whose random token goes to the browser in a cookie (only its
// SHA-256 is stored) and whose CSRF token the workspace echoes in a header
// on every state-changing request. A session unused for `idle_seconds` is
// gone; sign out deletes it; a new password deletes all of the agent's.
//
// Input trust: email, password and token come from the network; they are
// bounded and only ever bound as SQL parameters or hashed.
// Thread-safety: all methods may be called from any thread (the store is
// thread-safe); call from handler threads, never an io thread (they write).
#pragma once

#include <atomic>
#include <cstdint>
#include <string>
#include <string_view>

#include "accounts/login_throttle.h"
#include "common/clock.h"
#include "common/status.h"
#include "store/store.h"

namespace postdesk::accounts {

inline constexpr std::string_view kSessionCookie = "postdesk_session";

struct SessionOptions {
  int64_t idle_seconds = 8 * 3600;
  // last_seen_at is written at most this often per session (one write per
  // minute of activity, not one per request).
  int64_t touch_every_seconds = 60;
  ThrottleOptions throttle;
  // Password checks at once (each takes argon2id's 64 MiB and ~0.1 s of a
  // core); more sign-ins than that wait outside (kBusy, 503).
  int max_concurrent_checks = 2;
};

struct SignedIn {
  store::User user;
  store::AgentSession session;
  std::string token;  // only set by SignIn: the cookie's value
};

enum class SignInOutcome { kSignedIn, kWrongCredentials, kLockedOut, kBusy, kStoreFailure };

struct SignInResult {
  SignInOutcome outcome = SignInOutcome::kWrongCredentials;
  SignedIn signed_in;        // kSignedIn
  int64_t retry_after = 0;   // kLockedOut, kBusy: seconds
  Status status;             // kStoreFailure
};

class Sessions {
 public:
  Sessions(store::Store& store, const Clock& clock, SessionOptions options);

  // Checks the throttle, the agent and the password; logs every failure.
  SignInResult SignIn(std::string_view email, std::string_view password,
                      std::string_view client_address);
  // The agent behind a cookie token. NotFound when the token is unknown, idle
  // too long, or its user is no longer an active agent or admin.
  Result<SignedIn> Resolve(std::string_view token);
  Status SignOut(std::string_view token);
  // Deletes sessions idle longer than idle_seconds (every sign-in does it
  // too); returns how many.
  Result<int64_t> ExpireIdle();
  // Constant-time comparison of a request's CSRF header with the session's.
  static bool CsrfMatches(const store::AgentSession& session, std::string_view header);

  int64_t idle_seconds() const { return options_.idle_seconds; }

 private:
  store::Store& store_;
  const Clock& clock_;
  SessionOptions options_;
  LoginThrottle throttle_;
  std::atomic<int> checking_{0};
};

}  // namespace postdesk::accounts
