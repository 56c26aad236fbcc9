#include "api/auth.h"

#include <spdlog/spdlog.h>

#include <climits>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "api/present.h"
#include "common/ids.h"
#include "common/strings.h"

namespace postdesk::api {

namespace {

http::Response Unauthorized(std::string_view description) {
  http::Response r = http::ErrorResponse(401, "Unauthorized", description);
  r.AddHeader("WWW-Authenticate", "Bearer realm=\"postdesk\"");
  r.AddHeader("WWW-Authenticate", "Basic realm=\"postdesk\", charset=\"UTF-8\"");
  return r;
}

constexpr std::string_view kBadToken =
    "The API token is not valid. Check it, or ask an admin for a new one.";

http::AuthUser AuthUserOf(const store::User& user) {
  return http::AuthUser{.id = user.id, .name = user.name, .email = user.email, .role = user.role};
}

bool ChangesState(std::string_view method) { return method != "GET" && method != "HEAD"; }

std::optional<http::Response> CookieAuth(accounts::Sessions& sessions, http::Request& req,
                                         std::string_view token) {
  auto who = sessions.Resolve(token);
  if (!who.ok()) {
    if (who.status().kind() != ErrorKind::kNotFound) return StoreError(who.status());
    return http::ErrorResponse(401, "Unauthorized",
                               "Your session has ended. Sign in again.");
  }
  if (ChangesState(req.method) &&
      !accounts::Sessions::CsrfMatches(who->session, req.Header("x-csrf-token"))) {
    return http::ErrorResponse(403, "InvalidCsrfToken",
                               "This request changes data but does not carry the session's "
                               "X-CSRF-Token header. Reload the page and try again.");
  }
  req.user = AuthUserOf(who->user);
  req.user->channel = Channel::kWeb;
  return std::nullopt;
}

std::optional<http::Response> TokenAuthChecked(store::Store& store, http::Request& req,
                                               std::string_view header) {
  std::string token;
  std::optional<std::string> email;
  if (IStartsWith(header, "Bearer ")) {
    token = std::string(Trim(header.substr(7)));
  } else if (IStartsWith(header, "Basic ")) {
    auto decoded = Base64Decode(Trim(header.substr(6)));
    if (!decoded) return Unauthorized("The Basic credentials are not valid base64.");
    static constexpr std::string_view kMarker = "/token:";
    size_t pos = decoded->find(kMarker);
    if (pos == std::string::npos) {
      return Unauthorized(
          "Password sign-in is not supported on the API. Use Basic credentials "
          "'EMAIL/token:API_TOKEN' or 'Authorization: Bearer API_TOKEN'.");
    }
    email = decoded->substr(0, pos);
    token = decoded->substr(pos + kMarker.size());
  } else {
    return Unauthorized("Unsupported authorization scheme: use Bearer or Basic.");
  }
  if (token.empty() || token.size() > 512) return Unauthorized(kBadToken);

  std::string token_hash = Sha256Hex(token);
  store::User user;
  Status s = store.Read([&](store::Tx& tx) -> Status {
    auto found = tx.FindUserByApiToken(token_hash);
    if (!found.ok()) return found.status();
    user = std::move(found).value();
    return Status::Ok();
  });
  if (!s.ok()) {
    if (s.kind() == ErrorKind::kNotFound) return Unauthorized(kBadToken);
    return StoreError(s);
  }
  if (email && NormalizeEmail(*email) != NormalizeEmail(user.email)) {
    return Unauthorized(kBadToken);
  }
  if (!IsStaff(user.role)) {
    return http::ErrorResponse(403, "Forbidden",
                               "The API is for agents and admins; this token belongs to "
                               "an end-user.");
  }
  if (user.suspended) {
    return http::ErrorResponse(403, "Forbidden",
                               "This token's agent is deactivated; ask an admin.");
  }
  req.user = AuthUserOf(user);
  return std::nullopt;
}

// Token auth behind the brake on guessing (see auth.h).
std::optional<http::Response> TokenAuth(store::Store& store, accounts::LoginThrottle& throttle,
                                        const Clock& clock, http::Request& req,
                                        std::string_view header) {
  if (int64_t wait = throttle.RetryAfter("", req.remote_address); wait > 0) {
    http::Response r = http::ErrorResponse(
        429, "TooManyRequests",
        "Too many wrong API tokens from your address. Try again in " + std::to_string(wait) +
            " seconds.");
    r.AddHeader("Retry-After", std::to_string(wait));
    return r;
  }
  auto refused = TokenAuthChecked(store, req, header);
  if (refused && refused->status == 401) {
    if (int64_t locked = throttle.Failed("", req.remote_address); locked > 0) {
      spdlog::warn("api: wrong API tokens from {}: locked out for {} s", req.remote_address,
                   locked);
      store::SystemEvent event;
      event.kind = "api_token_lockout";
      event.subject = req.remote_address;
      event.detail_json = nlohmann::json{{"seconds", locked}}.dump();
      event.created_at = clock.Now();
      Status s = store.Write([&](store::Tx& tx) { return tx.AddSystemEvent(event).status(); });
      if (!s.ok()) spdlog::warn("api: token lockout not recorded: {}", s.message());
    }
  }
  return refused;
}

}  // namespace

http::AuthHook MakeAuthHook(store::Store& store, accounts::Sessions* sessions,
                            AuthOptions options, const Clock* clock) {
  static const SystemClock kSystemClock;
  const Clock& c = clock ? *clock : kSystemClock;
  // Counted per address only: the account key is unused (every guess is
  // for the same empty account, which never locks: its limit is never met).
  auto throttle = std::make_shared<accounts::LoginThrottle>(
      c, accounts::ThrottleOptions{.account_failures = INT64_MAX,
                                   .address_failures = options.token_failures,
                                   .window_seconds = 900,
                                   .lockout_seconds = options.token_lockout_seconds});
  return [&store, sessions, throttle, &c](http::Request& req) -> std::optional<http::Response> {
    std::string_view header = Trim(req.Header("authorization"));
    if (!header.empty()) return TokenAuth(store, *throttle, c, req, header);
    if (sessions) {
      std::string cookie = req.Cookie(accounts::kSessionCookie);
      if (!cookie.empty()) return CookieAuth(*sessions, req, cookie);
    }
    return Unauthorized(
        "Authentication required: sign in, or send 'Authorization: Bearer API_TOKEN', or Basic "
        "credentials 'EMAIL/token:API_TOKEN'.");
  };
}

}  // namespace postdesk::api
