#include "http/router.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <exception>

#include "common/strings.h"

namespace postdesk::http {

namespace {

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Splits "/a/b/c" into {"a","b","c"}; the leading '/' is required by the caller.
std::vector<std::string_view> SplitPath(std::string_view path) {
  std::vector<std::string_view> out;
  path.remove_prefix(1);
  if (path.empty()) return out;
  size_t start = 0;
  while (true) {
    size_t pos = path.find('/', start);
    out.push_back(path.substr(start, pos == std::string_view::npos ? pos : pos - start));
    if (pos == std::string_view::npos) break;
    start = pos + 1;
  }
  return out;
}

std::string Truncate(std::string_view s, size_t max) {
  if (s.size() <= max) return std::string(s);
  return std::string(s.substr(0, max)) + "...";
}

bool IsPlaceholder(std::string_view seg) {
  return seg.size() >= 3 && seg.front() == '{' && seg.back() == '}';
}

}  // namespace

std::string_view Request::Header(std::string_view name) const {
  auto it = headers.find(ToLower(name));
  return it == headers.end() ? std::string_view() : std::string_view(it->second);
}

std::string_view Request::Param(std::string_view name) const {
  auto it = params.find(std::string(name));
  return it == params.end() ? std::string_view() : std::string_view(it->second);
}

std::string_view Request::Query(std::string_view name) const {
  auto it = query.find(std::string(name));
  return it == query.end() ? std::string_view() : std::string_view(it->second);
}

std::string Request::Cookie(std::string_view name) const {
  // Repeated Cookie headers were joined with ", " by the server.
  std::string_view all = Header("cookie");
  while (!all.empty()) {
    size_t end = all.find_first_of(";,");
    std::string_view pair = Trim(all.substr(0, end));
    all = end == std::string_view::npos ? std::string_view() : all.substr(end + 1);
    size_t eq = pair.find('=');
    if (eq == std::string_view::npos || Trim(pair.substr(0, eq)) != name) continue;
    std::string_view value = Trim(pair.substr(eq + 1));
    if (value.size() >= 2 && value.front() == '"' && value.back() == '"') {
      value = value.substr(1, value.size() - 2);
    }
    return std::string(value);
  }
  return "";
}

bool Response::HasHeader(std::string_view name) const {
  for (const auto& [k, v] : headers) {
    if (IEquals(k, name)) return true;
  }
  return false;
}

std::string DumpJson(const nlohmann::json& value) {
  return value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

Response JsonResponse(int status, const nlohmann::json& value) {
  Response r;
  r.status = status;
  r.body = DumpJson(value);
  return r;
}

Response ErrorResponse(int status, std::string_view code, std::string_view description) {
  nlohmann::json j;
  j["error"] = std::string(code);
  j["description"] = std::string(description);
  return JsonResponse(status, j);
}

std::string_view StatusReason(int status) {
  switch (status) {
    case 100:
      return "Continue";
    case 200:
      return "OK";
    case 201:
      return "Created";
    case 204:
      return "No Content";
    case 301:
      return "Moved Permanently";
    case 302:
      return "Found";
    case 304:
      return "Not Modified";
    case 400:
      return "Bad Request";
    case 401:
      return "Unauthorized";
    case 403:
      return "Forbidden";
    case 404:
      return "Not Found";
    case 405:
      return "Method Not Allowed";
    case 408:
      return "Request Timeout";
    case 409:
      return "Conflict";
    case 413:
      return "Payload Too Large";
    case 414:
      return "URI Too Long";
    case 415:
      return "Unsupported Media Type";
    case 422:
      return "Unprocessable Entity";
    case 429:
      return "Too Many Requests";
    case 431:
      return "Request Header Fields Too Large";
    case 500:
      return "Internal Server Error";
    case 501:
      return "Not Implemented";
    case 503:
      return "Service Unavailable";
    default:
      return "Unknown";
  }
}

std::optional<std::string> UrlDecode(std::string_view s, bool plus_is_space) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (c == '%') {
      if (i + 2 >= s.size()) return std::nullopt;
      int hi = HexValue(s[i + 1]);
      int lo = HexValue(s[i + 2]);
      if (hi < 0 || lo < 0) return std::nullopt;
      char decoded = static_cast<char>(hi * 16 + lo);
      if (decoded == '\0') return std::nullopt;
      out.push_back(decoded);
      i += 2;
    } else if (c == '+' && plus_is_space) {
      out.push_back(' ');
    } else if (c == '\0') {
      return std::nullopt;
    } else {
      out.push_back(c);
    }
  }
  return out;
}

std::string UrlEncode(std::string_view s) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(s.size());
  for (unsigned char c : s) {
    bool unreserved = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                      c == '-' || c == '.' || c == '_' || c == '~';
    if (unreserved) {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 15]);
    }
  }
  return out;
}

bool ParseQuery(std::string_view query, std::map<std::string, std::string>& out) {
  if (query.empty()) return true;
  for (const std::string& part : Split(query, '&')) {
    if (part.empty()) continue;
    size_t eq = part.find('=');
    std::string_view raw_key = std::string_view(part).substr(0, eq);
    std::string_view raw_value =
        eq == std::string::npos ? std::string_view() : std::string_view(part).substr(eq + 1);
    auto key = UrlDecode(raw_key, true);
    auto value = UrlDecode(raw_value, true);
    if (!key || !value) return false;
    out.emplace(std::move(*key), std::move(*value));  // first wins
  }
  return true;
}

void Router::Add(std::string_view method, std::string_view pattern, Handler handler,
                 RouteOptions options) {
  Route route;
  route.method = std::string(method);
  for (std::string_view seg : SplitPath(pattern)) {
    if (!IsPlaceholder(seg)) ++route.literal_count;
    route.segments.emplace_back(seg);
  }
  route.handler = std::move(handler);
  route.options = options;
  routes_.push_back(std::move(route));
}

bool Router::Match(const Route& route, const std::vector<std::string>& segments,
                   std::map<std::string, std::string>& params) {
  if (route.segments.size() != segments.size()) return false;
  std::map<std::string, std::string> found;
  for (size_t i = 0; i < segments.size(); ++i) {
    const std::string& pat = route.segments[i];
    if (IsPlaceholder(pat)) {
      if (segments[i].empty()) return false;
      found[pat.substr(1, pat.size() - 2)] = segments[i];
    } else if (pat != segments[i]) {
      return false;
    }
  }
  params = std::move(found);
  return true;
}

Response Router::Dispatch(Request request) const {
  std::string_view target = request.target;
  // Absolute form ("http://host/path", RFC 9112 3.2.2): keep only the path.
  for (std::string_view scheme : {"http://", "https://"}) {
    if (IStartsWith(target, scheme)) {
      size_t slash = target.find('/', scheme.size());
      target = slash == std::string_view::npos ? std::string_view("/") : target.substr(slash);
      break;
    }
  }
  if (target.empty() || target.front() != '/') {
    return ErrorResponse(400, "InvalidRequest",
                         "The request target must be a path starting with '/'.");
  }
  size_t qpos = target.find('?');
  std::string_view raw_path = target.substr(0, qpos);
  std::string_view raw_query =
      qpos == std::string_view::npos ? std::string_view() : target.substr(qpos + 1);
  if (raw_path.size() > 1 && raw_path.back() == '/') raw_path.remove_suffix(1);

  std::vector<std::string> segments;
  for (std::string_view raw_seg : SplitPath(raw_path)) {
    auto seg = UrlDecode(raw_seg, false);
    if (!seg) {
      return ErrorResponse(400, "InvalidRequest",
                           "The path has a malformed percent-escape or a NUL byte.");
    }
    segments.push_back(std::move(*seg));
  }
  request.path = "/";
  for (size_t i = 0; i < segments.size(); ++i) {
    if (i) request.path += '/';
    request.path += segments[i];
  }

  // The same path with a trailing ".json" removed from its last segment.
  std::optional<std::vector<std::string>> stripped;
  static constexpr std::string_view kJson = ".json";
  if (!segments.empty() && segments.back().size() > kJson.size() &&
      segments.back().ends_with(kJson)) {
    stripped = segments;
    stripped->back().resize(stripped->back().size() - kJson.size());
  }

  const Route* best = nullptr;
  std::map<std::string, std::string> best_params;
  std::vector<std::string> allowed;
  for (const Route& route : routes_) {
    const auto& candidate = (route.options.json_suffix && stripped) ? *stripped : segments;
    std::map<std::string, std::string> params;
    if (!Match(route, candidate, params)) continue;
    bool method_ok =
        route.method == request.method || (request.method == "HEAD" && route.method == "GET");
    if (!method_ok) {
      if (std::find(allowed.begin(), allowed.end(), route.method) == allowed.end()) {
        allowed.push_back(route.method);
      }
      continue;
    }
    if (!best || route.literal_count > best->literal_count) {
      best = &route;
      best_params = std::move(params);
    }
  }

  if (!best) {
    if (!allowed.empty()) {
      std::string allow;
      for (const auto& m : allowed) {
        if (!allow.empty()) allow += ", ";
        allow += m;
      }
      if (std::find(allowed.begin(), allowed.end(), "GET") != allowed.end()) allow += ", HEAD";
      Response r = ErrorResponse(405, "MethodNotAllowed",
                                 Truncate(request.method, 20) + " is not supported on " +
                                     Truncate(request.path, 200) + "; use " + allow + ".");
      r.AddHeader("Allow", allow);
      return r;
    }
    return ErrorResponse(404, "InvalidEndpoint",
                         "There is no endpoint at " + Truncate(request.path, 200) +
                             ". The API lives under /api/v2 (for example "
                             "/api/v2/tickets.json).");
  }

  request.params = std::move(best_params);
  if (!ParseQuery(raw_query, request.query)) {
    return ErrorResponse(400, "InvalidRequest",
                         "The query string has a malformed percent-escape or a NUL byte.");
  }

  try {
    if (best->options.requires_auth) {
      if (!auth_hook_) {
        spdlog::error("http: route {} needs auth but no auth hook is installed", request.path);
        return ErrorResponse(500, "InternalError",
                             "This endpoint needs authentication, but the server has "
                             "none configured. This is a server bug; please report it.");
      }
      if (auto refusal = auth_hook_(request)) return std::move(*refusal);
      if (!request.user) {
        return ErrorResponse(401, "Unauthorized", "Authentication is required.");
      }
      if (best->options.admin_only && request.user->role != Role::kAdmin) {
        return ErrorResponse(403, "Forbidden",
                             "Only an admin can use " + Truncate(request.method, 10) + " " +
                                 Truncate(request.path, 100) +
                                 "; ask an admin of this help desk.");
      }
    }
    return best->handler(request);
  } catch (const std::exception& e) {
    spdlog::error("http: handler for {} {} threw: {}", request.method, request.path, e.what());
  } catch (...) {
    spdlog::error("http: handler for {} {} threw a non-exception", request.method, request.path);
  }
  return ErrorResponse(500, "InternalError",
                       "The server hit an unexpected error while handling this request. "
                       "It has been logged; please retry or report it.");
}

}  // namespace postdesk::http
