#include "api/session_api.h"

#include <nlohmann/json.hpp>
#include <string>

#include "api/present.h"
#include "common/strings.h"

namespace postdesk::api {

using nlohmann::json;

namespace {

std::string CookieHeader(const SessionApiOptions& options, std::string_view value, bool clear) {
  std::string out = std::string(accounts::kSessionCookie) + "=" + std::string(value) +
                    "; Path=/; HttpOnly; SameSite=Strict";
  if (clear) out += "; Max-Age=0";
  if (options.secure_cookie) out += "; Secure";
  return out;
}

http::Response SessionResponse(const accounts::SignedIn& in, int64_t idle_seconds) {
  json user = {{"id", in.user.id},
               {"name", in.user.name},
               {"email", in.user.email},
               {"role", RoleName(in.user.role)}};
  return http::JsonResponse(200, {{"session",
                                   {{"user", std::move(user)},
                                    {"csrf_token", in.session.csrf_token},
                                    {"idle_timeout_seconds", idle_seconds}}}});
}

http::Response NotSignedIn() {
  return http::ErrorResponse(401, "Unauthorized", "You are not signed in.");
}

http::Response SignIn(accounts::Sessions& sessions, const SessionApiOptions& options,
                      const http::Request& req) {
  // JSON only: a form on another site can post text/plain without a
  // preflight, and would sign the victim in to the attacker's account.
  if (!IStartsWith(Trim(req.Header("content-type")), "application/json")) {
    return http::ErrorResponse(415, "UnsupportedMediaType",
                               "send the credentials as application/json");
  }
  http::Response error;
  auto body = ParseJsonBody(req, error);
  if (!body) return error;
  auto email = body->find("email");
  auto password = body->find("password");
  if (email == body->end() || !email->is_string() || password == body->end() ||
      !password->is_string()) {
    return http::ErrorResponse(400, "InvalidPayload",
                               "send {\"email\": \"...\", \"password\": \"...\"}");
  }
  auto result = sessions.SignIn(email->get<std::string>(), password->get<std::string>(),
                                req.remote_address);
  switch (result.outcome) {
    case accounts::SignInOutcome::kSignedIn: {
      http::Response r = SessionResponse(result.signed_in, sessions.idle_seconds());
      r.AddHeader("Set-Cookie", CookieHeader(options, result.signed_in.token, false));
      return r;
    }
    case accounts::SignInOutcome::kLockedOut: {
      http::Response r = http::ErrorResponse(
          429, "TooManyAttempts",
          "Too many failed sign-ins. Try again in " + std::to_string(result.retry_after) +
              " seconds.");
      r.AddHeader("Retry-After", std::to_string(result.retry_after));
      return r;
    }
    case accounts::SignInOutcome::kBusy: {
      http::Response r = http::ErrorResponse(503, "TemporarilyUnavailable",
                                             "Many sign-ins at once; try again in a second.");
      r.AddHeader("Retry-After", "1");
      return r;
    }
    case accounts::SignInOutcome::kStoreFailure:
      return StoreError(result.status);
    case accounts::SignInOutcome::kWrongCredentials:
      break;
  }
  return http::ErrorResponse(401, "InvalidCredentials", "The email or the password is wrong.");
}

http::Response Current(accounts::Sessions& sessions, const http::Request& req) {
  auto who = sessions.Resolve(req.Cookie(accounts::kSessionCookie));
  if (!who.ok()) {
    return who.status().kind() == ErrorKind::kNotFound ? NotSignedIn() : StoreError(who.status());
  }
  return SessionResponse(*who, sessions.idle_seconds());
}

http::Response SignOut(accounts::Sessions& sessions, const SessionApiOptions& options,
                       const http::Request& req) {
  std::string token = req.Cookie(accounts::kSessionCookie);
  auto who = sessions.Resolve(token);
  if (!who.ok()) {
    return who.status().kind() == ErrorKind::kNotFound ? NotSignedIn() : StoreError(who.status());
  }
  if (!accounts::Sessions::CsrfMatches(who->session, req.Header("x-csrf-token"))) {
    return http::ErrorResponse(403, "InvalidCsrfToken",
                               "Signing out needs the session's X-CSRF-Token header.");
  }
  if (Status s = sessions.SignOut(token); !s.ok()) return StoreError(s);
  http::Response r;
  r.status = 204;
  r.content_type.clear();
  r.AddHeader("Set-Cookie", CookieHeader(options, "", true));
  return r;
}

}  // namespace

void RegisterSessionApi(http::Router& router, accounts::Sessions& sessions,
                        SessionApiOptions options) {
  // These routes read the cookie themselves: no auth hook in front.
  http::RouteOptions open{.requires_auth = false};
  accounts::Sessions* s = &sessions;
  router.Add(
      "POST", "/api/v2/session",
      [s, options](const http::Request& req) { return SignIn(*s, options, req); }, open);
  router.Get(
      "/api/v2/session", [s](const http::Request& req) { return Current(*s, req); }, open);
  router.Add(
      "DELETE", "/api/v2/session",
      [s, options](const http::Request& req) { return SignOut(*s, options, req); }, open);
}

}  // namespace postdesk::api
