// api/session_api: signing in to and out of the workspace.
//   POST   /api/v2/session  {"email", "password"} -> 200 {"session": {...}} and
//          the HttpOnly, SameSite=Strict session cookie; 401 InvalidCredentials;
//          429 TooManyAttempts with Retry-After while locked out
//   GET    /api/v2/session  -> the signed-in agent and the CSRF token, or 401
//   DELETE /api/v2/session  -> 204, the session ended and the cookie cleared
//          (needs X-CSRF-Token like every other state change)
// {"session": {"user": {id, name, email, role}, "csrf_token": ...,
//  "idle_timeout_seconds": N}}.
// Input trust: the body and cookie are untrusted; see accounts/sessions.
// Thread-safety: handlers may run concurrently; `sessions` outlives the router.
#pragma once

#include "accounts/sessions.h"
#include "http/router.h"

namespace postdesk::api {

struct SessionApiOptions {
  bool secure_cookie = false;  // add Secure (when served over TLS)
};

void RegisterSessionApi(http::Router& router, accounts::Sessions& sessions,
                        SessionApiOptions options = {});

}  // namespace postdesk::api
