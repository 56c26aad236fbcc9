// api/auth: who is calling the API. Two ways in:
//  - an API token: "Authorization: Bearer TOKEN" or Basic "EMAIL/token:TOKEN"
//    (as Zendesk API clients send it);
//  - the workspace's session cookie (accounts/sessions), and then every
//    request that changes state (anything but GET and HEAD) must carry the
//    session's CSRF token in X-CSRF-Token, so a page on another site cannot
//    act for a signed-in agent.
// Missing or wrong credentials -> 401 (with WWW-Authenticate for token
// clients); an end-user's token -> 403; a missing or wrong CSRF token -> 403
// InvalidCsrfToken; store trouble -> 503/500. On success sets request.user.
// Guessing tokens is braked: a client address (IPv6: its /64) that sends
// `token_failures` wrong tokens within a quarter hour gets 429 with
// Retry-After for `token_lockout_seconds`, before any lookup; the lockout is
// logged and recorded as an "api_token_lockout" system event.
//
// Input trust: headers come from the network; tokens are bounded and only
// hashed or compared in constant time.
// Thread-safety: the hook may run on any number of threads at once; the
// store and sessions must outlive the router.
#pragma once

#include "accounts/login_throttle.h"
#include "accounts/sessions.h"
#include "common/clock.h"
#include "http/router.h"
#include "store/store.h"

namespace postdesk::api {

struct AuthOptions {
  int64_t token_failures = 50;
  int64_t token_lockout_seconds = 300;
};

// `sessions` may be null: token auth only. `clock` null: the system clock.
http::AuthHook MakeAuthHook(store::Store& store, accounts::Sessions* sessions = nullptr,
                            AuthOptions options = {}, const Clock* clock = nullptr);

}  // namespace postdesk::api
