// http/router: requests, responses and the table that maps "METHOD /path"
// to a handler. Knows nothing about Beast or sockets, so it is tested (and
// usable) without a server.
//
// Patterns are literal segments and `{name}` placeholders, e.g.
// "/api/v2/tickets/{id}/comments"; a placeholder matches exactly one
// non-empty segment. Each route also accepts its path with a ".json" suffix
// (as the Zendesk API does) unless the route opts out. When several routes
// match, the one with more literal segments wins ("/users/me" beats
// "/users/{id}"). Unknown path -> 404 JSON; known path, other method -> 405
// JSON with an Allow header. HEAD is served by the GET route.
//
// Input trust: the target comes from the network. It is split on '/' first
// and then percent-decoded per segment (so "%2F" never creates a segment);
// malformed escapes and NUL bytes are rejected with 400. Handlers get
// decoded values and must still validate them (ids, names) before use.
//
// Thread-safety: build the router before the server starts; after that it
// is read-only and Dispatch() may run on any number of threads at once.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/channel.h"
#include "common/role.h"

namespace postdesk::http {

// Who made the request, as established by the auth hook.
struct AuthUser {
  int64_t id = 0;
  std::string name;
  std::string email;
  Role role = Role::kEndUser;  // normally staff: end users are refused
  // How the request came: the web for the workspace's session cookie, the
  // API for an API token.
  Channel channel = Channel::kApi;
};

struct Request {
  std::string method;  // upper case, e.g. "GET"
  std::string target;  // raw request-target, e.g. "/api/v2/tickets.json?page=2"
  std::string path;    // decoded path without the query
  std::map<std::string, std::string> params;   // from {placeholders}, decoded
  std::map<std::string, std::string> query;    // decoded; the first of duplicates wins
  std::map<std::string, std::string> headers;  // names lower case; repeats joined by ", "
  std::string body;
  std::string remote_address;
  std::optional<AuthUser> user;  // set by the auth hook for routes that need auth

  // Header value by case-insensitive name, or "" when absent.
  std::string_view Header(std::string_view name) const;
  // A path or query parameter, or "" when absent.
  std::string_view Param(std::string_view name) const;
  std::string_view Query(std::string_view name) const;
  // A cookie's value from the Cookie header(s) (RFC 6265 5.4: "a=1; b=2"),
  // or "" when absent. The first of duplicates wins.
  std::string Cookie(std::string_view name) const;
};

struct Response {
  int status = 200;
  std::string content_type = "application/json; charset=utf-8";
  // Extra headers; names may repeat (e.g. two WWW-Authenticate challenges).
  // The server strips CR, LF and NUL from values before sending.
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  bool close = false;  // ask the server to close the connection after sending

  Response& AddHeader(std::string name, std::string value) {
    headers.emplace_back(std::move(name), std::move(value));
    return *this;
  }
  bool HasHeader(std::string_view name) const;
};

// JSON text that never throws on invalid UTF-8 (bad bytes become U+FFFD).
std::string DumpJson(const nlohmann::json& value);
Response JsonResponse(int status, const nlohmann::json& value);
// The Zendesk error shape: {"error": code, "description": description}.
Response ErrorResponse(int status, std::string_view code, std::string_view description);
// The standard reason phrase for a status ("Not Found"), or "Unknown".
std::string_view StatusReason(int status);

// Percent-decoding. `plus_is_space` for query strings (form encoding).
// Returns nullopt on a malformed escape or a decoded NUL byte.
std::optional<std::string> UrlDecode(std::string_view s, bool plus_is_space);
// Percent-encodes every byte outside RFC 3986 unreserved characters.
std::string UrlEncode(std::string_view s);
// Parses "a=1&b=x%20y" into `out` (first occurrence wins). False when malformed.
bool ParseQuery(std::string_view query, std::map<std::string, std::string>& out);

using Handler = std::function<Response(const Request&)>;
// Runs before a handler of a route that needs auth. Either sets
// `request.user` and returns nullopt, or returns the refusal (401/403/503).
using AuthHook = std::function<std::optional<Response>(Request&)>;

struct RouteOptions {
  bool requires_auth = true;
  bool json_suffix = true;  // also match "<path>.json"
  // Only admins: anyone else who authenticated gets 403 JSON. Admin pages'
  // routes (triggers, the email channel, lists, agents, tokens) say so here,
  // where the route is registered.
  bool admin_only = false;
};
inline constexpr RouteOptions kAdminOnly{.admin_only = true};

class Router {
 public:
  void Add(std::string_view method, std::string_view pattern, Handler handler,
           RouteOptions options = {});
  void Get(std::string_view pattern, Handler handler, RouteOptions options = {}) {
    Add("GET", pattern, std::move(handler), options);
  }
  void SetAuthHook(AuthHook hook) { auth_hook_ = std::move(hook); }
  bool has_auth_hook() const { return static_cast<bool>(auth_hook_); }

  // Routes `request` (method and target set; path/params/query are filled
  // here) and returns the handler's response or the error. Never throws:
  // a handler's exception becomes a 500 JSON error.
  Response Dispatch(Request request) const;

 private:
  struct Route {
    std::string method;
    std::vector<std::string> segments;  // "{name}" marks a placeholder
    int literal_count = 0;
    Handler handler;
    RouteOptions options;
  };
  // Matches `segments` against `route`; fills `params` on success.
  static bool Match(const Route& route, const std::vector<std::string>& segments,
                    std::map<std::string, std::string>& params);

  std::vector<Route> routes_;
  AuthHook auth_hook_;
};

}  // namespace postdesk::http
