#include "api/agents_api.h"

#include <algorithm>
#include <ctime>
#include <nlohmann/json.hpp>
#include <vector>

#include "accounts/passwords.h"
#include "accounts/sessions.h"
#include "api/present.h"
#include "common/clock.h"
#include "common/ids.h"
#include "common/strings.h"

namespace postdesk::api {

using nlohmann::json;

namespace {

int64_t Now() { return static_cast<int64_t>(std::time(nullptr)); }

// Every value of a repeated query parameter ("role[]=a&role[]=b"); the
// router's map keeps only the first.
std::vector<std::string> QueryValues(const http::Request& req, std::string_view name) {
  std::vector<std::string> out;
  size_t q = req.target.find('?');
  if (q == std::string::npos) return out;
  for (const std::string& part : Split(std::string_view(req.target).substr(q + 1), '&')) {
    size_t eq = part.find('=');
    auto key = http::UrlDecode(std::string_view(part).substr(0, eq), true);
    if (!key || *key != name || eq == std::string::npos) continue;
    auto value = http::UrlDecode(std::string_view(part).substr(eq + 1), true);
    if (value) out.push_back(std::move(*value));
  }
  return out;
}

// One page of users matching `q`, in Zendesk's list shape; `extra_query`
// (already encoded) is repeated in the page links. Without a `path`, the
// list is not paged (show_many): no links, no count.
http::Response UserPage(store::Store& st, store::UserQuery q, const Page& page,
                        const std::string& base, const std::string& path,
                        const std::string& extra_query) {
  q.offset = page.offset();
  q.limit = page.per_page;
  json out;
  Status s = st.Read([&](store::Tx& tx) -> Status {
    auto count = tx.CountUsers(q);
    if (!count.ok()) return count.status();
    auto users = tx.QueryUsers(q);
    if (!users.ok()) return users.status();
    json list = json::array();
    for (const auto& u : *users) list.push_back(UserJson(u, base));
    out["users"] = std::move(list);
    if (!path.empty()) AddPageLinks(out, base, path, page, *count, extra_query);
    return Status::Ok();
  });
  if (!s.ok()) return StoreError(s);
  return http::JsonResponse(200, out);
}

http::Response ListUsers(store::Store& st, const std::string& fallback, const http::Request& req) {
  std::vector<std::string> roles = QueryValues(req, "role[]");
  if (std::string_view one = req.Query("role"); !one.empty()) roles.emplace_back(one);
  store::UserQuery q;
  std::string extra;
  for (const auto& r : roles) {
    std::optional<Role> role = ParseRole(r);
    if (!role) return http::ErrorResponse(400, "InvalidValue", "role is end-user, agent or admin");
    q.roles.push_back(*role);
    extra += "&role[]=" + std::string(RoleName(*role));
  }
  Page page;
  if (auto bad = ParsePage(req, page)) return std::move(*bad);
  return UserPage(st, std::move(q), page, BaseUrl(req, fallback), "/api/v2/users", extra);
}

// GET /users/search?query=...: words of the query must each be in the
// name or the email; "email:ADDRESS" is an exact address, "role:ROLE" a
// role. (?external_id= finds nobody: users have no external ids here.)
http::Response SearchUsers(store::Store& st, const std::string& fallback, const http::Request& req) {
  std::string_view raw = req.Query("query");
  if (raw.empty() && !req.Query("external_id").empty()) {
    return http::JsonResponse(200, {{"users", json::array()}, {"next_page", nullptr},
                                    {"previous_page", nullptr}, {"count", 0}});
  }
  store::UserQuery q;
  for (const std::string& word : Split(raw, ' ')) {
    std::string_view w = Trim(word);
    if (w.empty()) continue;
    if (w.starts_with("email:")) {
      q.email = std::string(w.substr(6));
    } else if (w.starts_with("role:")) {
      std::optional<Role> role = ParseRole(w.substr(5));
      if (!role) return http::ErrorResponse(400, "InvalidValue", "role is end-user, agent or admin");
      q.roles.push_back(*role);
    } else {
      q.words.emplace_back(w);
    }
  }
  if (q.words.empty() && q.email.empty() && q.roles.empty()) {
    return http::ErrorResponse(400, "InvalidValue", "query: give a name, an email or a part of one");
  }
  Page page;
  if (auto bad = ParsePage(req, page)) return std::move(*bad);
  return UserPage(st, std::move(q), page, BaseUrl(req, fallback), "/api/v2/users/search",
                  "&query=" + http::UrlEncode(raw));
}

http::Response ShowManyUsers(store::Store& st, const std::string& fallback, const http::Request& req) {
  store::UserQuery q;
  if (auto bad = ParseIdList(req, q.ids)) return std::move(*bad);
  return UserPage(st, std::move(q), Page{}, BaseUrl(req, fallback), /*path=*/"", "");
}

http::Response SetPassword(store::Store& st, const http::Request& req) {
  auto id = ParseId(req.Param("id"));
  if (!id) return BadId("user", req.Param("id"));
  http::Response error;
  auto body = ParseJsonBody(req, error);
  if (!body) return error;
  auto password = body->find("password");
  if (password == body->end() || !password->is_string()) {
    return http::ErrorResponse(400, "InvalidPayload", "send {\"password\": \"...\"}");
  }
  auto hash = accounts::HashPassword(password->get<std::string>());
  if (!hash.ok()) {
    if (hash.status().kind() == ErrorKind::kInvalid) {
      return http::ErrorResponse(422, "RecordInvalid", "password: " + hash.status().message());
    }
    return StoreError(hash.status());
  }
  bool not_staff = false;
  Status s = st.Write([&](store::Tx& tx) -> Status {
    auto user = tx.GetUser(*id);
    if (!user.ok()) return user.status();
    if (!IsStaff(user->role)) {
      not_staff = true;
      return Status::Ok();
    }
    if (Status p = tx.SetPasswordHash(*id, *hash); !p.ok()) return p;
    return tx.DeleteUserSessions(*id);
  });
  if (!s.ok()) return StoreError(s);
  if (not_staff) {
    return http::ErrorResponse(422, "RecordInvalid",
                               "only agents and admins sign in to the workspace");
  }
  http::Response r;
  r.status = 204;
  r.content_type.clear();
  return r;
}

json TokenJson(const store::ApiToken& t) {
  return {{"id", t.id},
          {"user_id", t.user_id},
          {"description", t.description},
          {"created_at", FormatIsoTime(t.created_at)}};
}

http::Response ListTokens(store::Store& st) {
  json out;
  Status s = st.Read([&](store::Tx& tx) -> Status {
    auto tokens = tx.ListApiTokens();
    if (!tokens.ok()) return tokens.status();
    json list = json::array();
    for (const auto& t : *tokens) list.push_back(TokenJson(t));
    out["api_tokens"] = std::move(list);
    return Status::Ok();
  });
  if (!s.ok()) return StoreError(s);
  return http::JsonResponse(200, out);
}

http::Response CreateToken(store::Store& st, const http::Request& req) {
  http::Response error;
  auto in = ParseJsonBody(req, error, "api_token");
  if (!in) return error;
  std::string description = SanitizeUtf8(Trim(in->value("description", std::string())));
  if (description.empty() || description.size() > 200) {
    return http::ErrorResponse(422, "RecordInvalid",
                               "api_token.description: name the token (at most 200 bytes)");
  }
  int64_t user_id = req.user->id;
  if (in->contains("user_id")) {
    if (!(*in)["user_id"].is_number_integer()) {
      return http::ErrorResponse(422, "RecordInvalid", "api_token.user_id: a user id");
    }
    user_id = (*in)["user_id"].get<int64_t>();
  }
  std::string token = NewToken();
  store::ApiToken row{.user_id = user_id,
                      .description = description,
                      .token_sha256 = Sha256Hex(token),
                      .created_at = Now()};
  std::string problem;
  Status s = st.Write([&](store::Tx& tx) -> Status {
    auto user = tx.GetUser(user_id);
    if (!user.ok()) {
      if (user.status().kind() != ErrorKind::kNotFound) return user.status();
      problem = "api_token.user_id: no such user";
      return Status::Ok();
    }
    if (!IsStaff(user->role) || user->suspended) {
      problem = "api_token.user_id: tokens are for active agents and admins";
      return Status::Ok();
    }
    auto added = tx.AddApiToken(row);
    if (!added.ok()) return added.status();
    row = std::move(added).value();
    return Status::Ok();
  });
  if (!s.ok()) return StoreError(s);
  if (!problem.empty()) return http::ErrorResponse(422, "RecordInvalid", problem);
  json j = TokenJson(row);
  j["token"] = token;  // the only time it is shown
  return http::JsonResponse(201, {{"api_token", j}});
}

http::Response RevokeToken(store::Store& st, const http::Request& req) {
  auto id = ParseId(req.Param("id"));
  if (!id) return BadId("api token", req.Param("id"));
  Status s = st.Write([&](store::Tx& tx) { return tx.DeleteApiToken(*id); });
  if (!s.ok()) return StoreError(s);
  http::Response r;
  r.status = 204;
  r.content_type.clear();
  return r;
}

}  // namespace

void RegisterAgentsApi(http::Router& router, store::Store& store, std::string base_url) {
  store::Store* st = &store;
  router.Get("/api/v2/users", [st, base_url](const http::Request& req) {
    return ListUsers(*st, base_url, req);
  });
  router.Get("/api/v2/users/search", [st, base_url](const http::Request& req) {
    return SearchUsers(*st, base_url, req);
  });
  router.Get("/api/v2/users/show_many", [st, base_url](const http::Request& req) {
    return ShowManyUsers(*st, base_url, req);
  });
  router.Add(
      "PUT", "/api/v2/users/{id}/password",
      [st](const http::Request& req) { return SetPassword(*st, req); }, http::kAdminOnly);
  router.Get(
      "/api/v2/api_tokens", [st](const http::Request&) { return ListTokens(*st); },
      http::kAdminOnly);
  router.Add(
      "POST", "/api/v2/api_tokens",
      [st](const http::Request& req) { return CreateToken(*st, req); }, http::kAdminOnly);
  router.Add(
      "DELETE", "/api/v2/api_tokens/{id}",
      [st](const http::Request& req) { return RevokeToken(*st, req); }, http::kAdminOnly);
}

}  // namespace postdesk::api
