#include "http/router.h"

#include <gtest/gtest.h>

namespace postdesk::http {
namespace {

Request Make(std::string method, std::string target) {
  Request r;
  r.method = std::move(method);
  r.target = std::move(target);
  return r;
}

nlohmann::json Body(const Response& r) { return nlohmann::json::parse(r.body); }

class RouterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    RouteOptions open{.requires_auth = false};
    router_.Get(
        "/api/v2/tickets",
        [](const Request&) {
          return JsonResponse(200, {{"route", "list"}});
        },
        open);
    router_.Get(
        "/api/v2/tickets/{id}",
        [](const Request& r) {
          return JsonResponse(200, {{"route", "show"}, {"id", r.Param("id")}});
        },
        open);
    router_.Add(
        "PUT", "/api/v2/tickets/{id}",
        [](const Request& r) {
          return JsonResponse(200, {{"route", "update"}});
        },
        open);
    router_.Get(
        "/api/v2/tickets/{id}/comments/{comment_id}",
        [](const Request& r) {
          return JsonResponse(200, {{"id", r.Param("id")}, {"comment", r.Param("comment_id")}});
        },
        open);
    router_.Get(
        "/api/v2/users/{id}",
        [](const Request&) {
          return JsonResponse(200, {{"route", "user"}});
        },
        open);
    router_.Get(
        "/api/v2/users/me",
        [](const Request&) {
          return JsonResponse(200, {{"route", "me"}});
        },
        open);
    router_.Get("/files/{name}",
                [](const Request& r) {
                  return JsonResponse(200, {{"name", r.Param("name")}});
                },
                {.requires_auth = false, .json_suffix = false});
    router_.Get(
        "/search",
        [](const Request& r) {
          return JsonResponse(200, {{"q", r.Query("q")}, {"page", r.Query("page")}});
        },
        open);
    router_.Get("/private", [](const Request& r) {
      return JsonResponse(200, {{"user", r.user ? r.user->id : 0}});
    });
    router_.Get(
        "/boom", [](const Request&) -> Response { throw std::runtime_error("boom"); }, open);
  }
  Router router_;
};

TEST_F(RouterTest, MatchesLiteralAndParams) {
  EXPECT_EQ(Body(router_.Dispatch(Make("GET", "/api/v2/tickets")))["route"], "list");
  auto r = router_.Dispatch(Make("GET", "/api/v2/tickets/42"));
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(Body(r)["id"], "42");
  r = router_.Dispatch(Make("GET", "/api/v2/tickets/7/comments/9"));
  EXPECT_EQ(Body(r)["id"], "7");
  EXPECT_EQ(Body(r)["comment"], "9");
}

TEST_F(RouterTest, AcceptsJsonSuffix) {
  EXPECT_EQ(Body(router_.Dispatch(Make("GET", "/api/v2/tickets.json")))["route"], "list");
  auto r = router_.Dispatch(Make("GET", "/api/v2/tickets/42.json"));
  EXPECT_EQ(Body(r)["id"], "42");
  r = router_.Dispatch(Make("GET", "/api/v2/tickets/7/comments/9.json"));
  EXPECT_EQ(Body(r)["comment"], "9");
  // A route that opts out keeps the suffix in its parameter.
  r = router_.Dispatch(Make("GET", "/files/data.json"));
  EXPECT_EQ(Body(r)["name"], "data.json");
}

TEST_F(RouterTest, TrailingSlashIsTolerated) {
  EXPECT_EQ(router_.Dispatch(Make("GET", "/api/v2/tickets/")).status, 200);
}

TEST_F(RouterTest, LiteralBeatsPlaceholder) {
  EXPECT_EQ(Body(router_.Dispatch(Make("GET", "/api/v2/users/me")))["route"], "me");
  EXPECT_EQ(Body(router_.Dispatch(Make("GET", "/api/v2/users/me.json")))["route"], "me");
  EXPECT_EQ(Body(router_.Dispatch(Make("GET", "/api/v2/users/5")))["route"], "user");
}

TEST_F(RouterTest, UnknownPathIs404Json) {
  auto r = router_.Dispatch(Make("GET", "/api/v2/nothing"));
  EXPECT_EQ(r.status, 404);
  auto j = Body(r);
  EXPECT_EQ(j["error"], "InvalidEndpoint");
  EXPECT_FALSE(j["description"].get<std::string>().empty());
  EXPECT_EQ(router_.Dispatch(Make("GET", "/api/v2/tickets/1/2/3/4")).status, 404);
  EXPECT_EQ(router_.Dispatch(Make("GET", "/api/v2//tickets")).status, 404);
}

TEST_F(RouterTest, WrongMethodIs405WithAllow) {
  auto r = router_.Dispatch(Make("DELETE", "/api/v2/tickets/1"));
  EXPECT_EQ(r.status, 405);
  EXPECT_EQ(Body(r)["error"], "MethodNotAllowed");
  bool has_allow = false;
  for (auto& [k, v] : r.headers) {
    if (k == "Allow") {
      has_allow = true;
      EXPECT_NE(v.find("GET"), std::string::npos);
      EXPECT_NE(v.find("PUT"), std::string::npos);
    }
  }
  EXPECT_TRUE(has_allow);
  EXPECT_EQ(Body(router_.Dispatch(Make("PUT", "/api/v2/tickets/1.json")))["route"], "update");
}

TEST_F(RouterTest, HeadUsesGetRoute) {
  EXPECT_EQ(router_.Dispatch(Make("HEAD", "/api/v2/tickets")).status, 200);
}

TEST_F(RouterTest, DecodesPathAndQuery) {
  auto r = router_.Dispatch(Make("GET", "/files/a%20b%2Fc"));
  EXPECT_EQ(Body(r)["name"], "a b/c");  // %2F stays inside the segment
  r = router_.Dispatch(Make("GET", "/search?q=hello+world%21&page=2&q=second"));
  EXPECT_EQ(Body(r)["q"], "hello world!");
  EXPECT_EQ(Body(r)["page"], "2");
  r = router_.Dispatch(Make("GET", "/search.json?q=%E2%9C%93"));
  EXPECT_EQ(Body(r)["q"], "\xE2\x9C\x93");
}

TEST_F(RouterTest, MalformedEscapesAre400) {
  EXPECT_EQ(router_.Dispatch(Make("GET", "/files/a%2")).status, 400);
  EXPECT_EQ(router_.Dispatch(Make("GET", "/files/a%zz")).status, 400);
  EXPECT_EQ(router_.Dispatch(Make("GET", "/files/a%00b")).status, 400);
  EXPECT_EQ(router_.Dispatch(Make("GET", "/search?q=%G1")).status, 400);
  EXPECT_EQ(router_.Dispatch(Make("GET", "*")).status, 400);
}

TEST_F(RouterTest, AcceptsAbsoluteFormTarget) {
  auto r = router_.Dispatch(Make("GET", "http://example.com:80/search?q=x"));
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(Body(r)["q"], "x");
  EXPECT_EQ(router_.Dispatch(Make("GET", "HTTPS://example.com")).status, 404);
}

TEST_F(RouterTest, AuthRequiredFailsClosedWithoutHook) {
  EXPECT_EQ(router_.Dispatch(Make("GET", "/private")).status, 500);
}

TEST_F(RouterTest, AuthHookRefusesOrFillsUser) {
  router_.SetAuthHook([](Request& r) -> std::optional<Response> {
    if (r.Header("Authorization") != "ok") {
      return ErrorResponse(401, "Unauthorized", "no");
    }
    r.user = AuthUser{.id = 7, .name = "A", .email = "a@x", .role = Role::kAgent};
    return std::nullopt;
  });
  EXPECT_EQ(router_.Dispatch(Make("GET", "/private")).status, 401);
  Request req = Make("GET", "/private");
  req.headers["authorization"] = "ok";
  auto r = router_.Dispatch(req);
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(Body(r)["user"], 7);
  // Routes without auth never call the hook.
  EXPECT_EQ(router_.Dispatch(Make("GET", "/api/v2/tickets")).status, 200);
  // 404 is answered without auth.
  EXPECT_EQ(router_.Dispatch(Make("GET", "/nope")).status, 404);
}

TEST_F(RouterTest, AdminOnlyRoutesRefuseAgentsWith403) {
  router_.Add("PUT", "/admin-thing", [](const Request&) { return JsonResponse(200, {}); },
              kAdminOnly);
  router_.SetAuthHook([](Request& r) -> std::optional<Response> {
    r.user = AuthUser{.id = 1, .role = ParseRole(r.Header("x-role")).value_or(Role::kEndUser)};
    return std::nullopt;
  });
  Request agent = Make("PUT", "/admin-thing");
  agent.headers["x-role"] = "agent";
  auto refused = router_.Dispatch(agent);
  EXPECT_EQ(refused.status, 403);
  EXPECT_EQ(Body(refused)["error"], "Forbidden");
  Request admin = Make("PUT", "/admin-thing");
  admin.headers["x-role"] = "admin";
  EXPECT_EQ(router_.Dispatch(admin).status, 200);
}

TEST_F(RouterTest, HandlerExceptionIs500Json) {
  auto r = router_.Dispatch(Make("GET", "/boom"));
  EXPECT_EQ(r.status, 500);
  EXPECT_EQ(Body(r)["error"], "InternalError");
}

TEST(RequestTest, CookiesAreFoundByExactName) {
  Request r;
  r.headers["cookie"] = "theme=dark; postdesk_session=abc123; x=\"quoted\", late=1";
  EXPECT_EQ(r.Cookie("postdesk_session"), "abc123");
  EXPECT_EQ(r.Cookie("x"), "quoted");
  EXPECT_EQ(r.Cookie("late"), "1");
  EXPECT_EQ(r.Cookie("session"), "");
  EXPECT_EQ(r.Cookie("missing"), "");
  EXPECT_EQ(Request().Cookie("x"), "");
}

TEST(UrlCodingTest, RoundTrip) {
  EXPECT_EQ(UrlEncode("a b/é\"\r\n"), "a%20b%2F%C3%A9%22%0D%0A");
  EXPECT_EQ(*UrlDecode("a%20b%2F%C3%A9", false), "a b/é");
  EXPECT_EQ(*UrlDecode("a+b", false), "a+b");
  EXPECT_EQ(*UrlDecode("a+b", true), "a b");
  EXPECT_FALSE(UrlDecode("%", false));
  EXPECT_FALSE(UrlDecode("%4", false));
}

TEST(JsonTest, InvalidUtf8DoesNotThrow) {
  nlohmann::json j = {{"s", std::string("bad\xff")}};
  EXPECT_NO_THROW(DumpJson(j));
  auto r = ErrorResponse(400, "X", std::string("bad \xc3"));
  EXPECT_EQ(nlohmann::json::parse(r.body)["error"], "X");
}

}  // namespace
}  // namespace postdesk::http
