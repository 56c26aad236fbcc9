// The workspace's API over a real SQLite store, called through the router:
// sign-in sessions with their cookie and CSRF token, the views and search.
#include <gtest/gtest.h>

#include <ctime>
#include <filesystem>

#include "accounts/passwords.h"
#include "accounts/sessions.h"
#include "api/auth.h"
#include "api/session_api.h"
#include "api/ticket_lists_api.h"
#include "api/views_api.h"
#include "common/ids.h"
#include "tickets/workflow.h"

namespace postdesk::api {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

class WorkspaceApiTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("postdesk-ws-" + NewToken().substr(0, 12));
    fs::create_directories(dir_);
    auto opened = store::OpenSqlite((dir_ / "postdesk.db").string());
    ASSERT_TRUE(opened.ok()) << opened.status().message();
    store_ = std::move(opened).value();
    Seed();
    sessions_ = std::make_unique<accounts::Sessions>(
        *store_, clock_, accounts::SessionOptions{.idle_seconds = 3600});
    router_.SetAuthHook(MakeAuthHook(*store_, sessions_.get()));
    RegisterSessionApi(router_, *sessions_);
    RegisterViewsApi(router_, *store_, "http://desk.example");
    RegisterTicketListsApi(router_, *store_, "http://desk.example");
    router_.Add("PUT", "/api/v2/echo", [](const http::Request& r) {
      return http::JsonResponse(200, {{"user", r.user ? r.user->email : ""}});
    });
  }
  void TearDown() override {
    store_.reset();
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }

  int64_t AddTicket(store::Tx& tx, std::string subject, std::string status, int64_t requester,
                    std::optional<int64_t> assignee, int64_t updated_at, std::string body) {
    store::Ticket t;
    t.encoded_id = NewEncodedId();
    t.subject = std::move(subject);
    t.status = std::move(status);
    t.requester_id = t.submitter_id = requester;
    t.assignee_id = assignee;
    t.recipient = "support@desk.example";
    t.created_at = 1700000000;
    t.updated_at = updated_at;
    auto created = tx.CreateTicket(t);
    EXPECT_TRUE(created.ok());
    store::Comment c;
    c.ticket_id = created->id;
    c.author_id = requester;
    c.body = std::move(body);
    EXPECT_TRUE(tx.AddComment(c).ok());
    return created->id;
  }

  void Seed() {
    ASSERT_TRUE(store_->Write([&](store::Tx& tx) {
      return tickets::SeedStandardViews(tx, static_cast<int64_t>(std::time(nullptr)), "en");
    }).ok());
    ASSERT_TRUE(store_->Write([&](store::Tx& tx) -> Status {
      auto agent = tx.CreateUser({.name = "Ann Agent", .email = "ann@desk.example", .role = Role::kAgent});
      if (!agent.ok()) return agent.status();
      agent_id_ = agent->id;
      auto hash = accounts::HashPassword("correct horse");
      if (!hash.ok()) return hash.status();
      if (Status s = tx.SetPasswordHash(agent_id_, *hash); !s.ok()) return s;
      auto bob = tx.CreateUser({.name = "Bob", .email = "bob@customer.example"});
      auto zed = tx.CreateUser({.name = "Zed", .email = "zed@customer.example"});
      if (!bob.ok() || !zed.ok()) return Status::Permanent("users");
      int64_t now = static_cast<int64_t>(time(nullptr));
      AddTicket(tx, "Printer on fire", "new", bob->id, std::nullopt, now - 10, "help");
      AddTicket(tx, "請求書について", "open", zed->id, agent_id_, now - 20,
                "先月の請求書が届いていません");
      AddTicket(tx, "Old solved", "solved", bob->id, agent_id_, now - 30, "thanks");
      AddTicket(tx, "Ancient solved", "solved", bob->id, std::nullopt, now - 30 * 86400, "x");
      AddTicket(tx, "Pending one", "pending", zed->id, std::nullopt, now - 40, "waiting");
      return Status::Ok();
    }).ok());
  }

  http::Response Call(std::string method, std::string target, std::string body = "",
                      std::map<std::string, std::string> headers = {}) {
    http::Request r;
    r.method = std::move(method);
    r.target = std::move(target);
    r.body = std::move(body);
    r.remote_address = "127.0.0.1";
    r.headers = std::move(headers);
    if (r.method == "POST" && !r.headers.contains("content-type")) {
      r.headers["content-type"] = "application/json";
    }
    return router_.Dispatch(std::move(r));
  }

  // Signs in; returns {cookie value, csrf token}.
  std::pair<std::string, std::string> SignIn() {
    auto r = Call("POST", "/api/v2/session",
                  R"({"email": "ann@desk.example", "password": "correct horse"})");
    EXPECT_EQ(r.status, 200) << r.body;
    std::string cookie;
    for (const auto& [k, v] : r.headers) {
      if (k == "Set-Cookie") cookie = v;
    }
    EXPECT_NE(cookie.find("HttpOnly"), std::string::npos);
    EXPECT_NE(cookie.find("SameSite=Strict"), std::string::npos);
    std::string value = cookie.substr(cookie.find('=') + 1);
    value = value.substr(0, value.find(';'));
    return {value, json::parse(r.body)["session"]["csrf_token"]};
  }

  json GetJson(const std::string& target, const std::string& cookie) {
    auto r = Call("GET", target, "", {{"cookie", "postdesk_session=" + cookie}});
    EXPECT_EQ(r.status, 200) << target << " " << r.body;
    return json::parse(r.body, nullptr, false);
  }

  fs::path dir_;
  std::unique_ptr<store::Store> store_;
  FakeClock clock_{static_cast<int64_t>(time(nullptr))};
  std::unique_ptr<accounts::Sessions> sessions_;
  http::Router router_;
  int64_t agent_id_ = 0;
};

TEST_F(WorkspaceApiTest, SignInSessionCsrfAndSignOut) {
  auto wrong = Call("POST", "/api/v2/session", R"({"email": "ann@desk.example", "password": "nope nope"})");
  EXPECT_EQ(wrong.status, 401);
  EXPECT_EQ(json::parse(wrong.body)["error"], "InvalidCredentials");
  EXPECT_EQ(Call("POST", "/api/v2/session", R"({"email": 1})").status, 400);
  // A cross-site form can only post text/plain: refused (login CSRF).
  EXPECT_EQ(Call("POST", "/api/v2/session",
                 R"({"email": "ann@desk.example", "password": "correct horse"})",
                 {{"content-type", "text/plain"}})
                .status,
            415);
  EXPECT_EQ(Call("GET", "/api/v2/session").status, 401);

  auto [cookie, csrf] = SignIn();
  auto me = GetJson("/api/v2/session", cookie);
  EXPECT_EQ(me["session"]["user"]["email"], "ann@desk.example");
  EXPECT_EQ(me["session"]["csrf_token"], csrf);

  std::map<std::string, std::string> with_cookie = {{"cookie", "postdesk_session=" + cookie}};
  // A state change without the CSRF header, or with a wrong one, is refused.
  auto no_csrf = Call("PUT", "/api/v2/echo", "{}", with_cookie);
  EXPECT_EQ(no_csrf.status, 403);
  EXPECT_EQ(json::parse(no_csrf.body)["error"], "InvalidCsrfToken");
  auto bad = with_cookie;
  bad["x-csrf-token"] = "x" + csrf.substr(1);
  EXPECT_EQ(Call("PUT", "/api/v2/echo", "{}", bad).status, 403);
  auto good = with_cookie;
  good["x-csrf-token"] = csrf;
  auto ok = Call("PUT", "/api/v2/echo", "{}", good);
  EXPECT_EQ(ok.status, 200);
  EXPECT_EQ(json::parse(ok.body)["user"], "ann@desk.example");

  EXPECT_EQ(Call("DELETE", "/api/v2/session", "", with_cookie).status, 403);
  auto out = Call("DELETE", "/api/v2/session", "", good);
  EXPECT_EQ(out.status, 204);
  EXPECT_EQ(Call("GET", "/api/v2/views", "", with_cookie).status, 401);
}

TEST_F(WorkspaceApiTest, LockoutAnswers429WithRetryAfter) {
  http::Response last;
  for (int i = 0; i < 20; ++i) {
    last = Call("POST", "/api/v2/session", R"({"email": "ann@desk.example", "password": "wrong one"})");
  }
  EXPECT_EQ(last.status, 429);
  bool has_retry = false;
  for (const auto& [k, v] : last.headers) has_retry |= k == "Retry-After" && std::stoi(v) > 0;
  EXPECT_TRUE(has_retry);
  EXPECT_EQ(Call("POST", "/api/v2/session",
                 R"({"email": "ann@desk.example", "password": "correct horse"})").status,
            429);
  clock_.Advance(901);
  EXPECT_EQ(Call("POST", "/api/v2/session",
                 R"({"email": "ann@desk.example", "password": "correct horse"})").status,
            200);
}

TEST_F(WorkspaceApiTest, ViewsCountAndListTheirTickets) {
  auto [cookie, csrf] = SignIn();
  json compact = GetJson("/api/v2/views/compact", cookie);
  std::map<std::string, int64_t> counts;
  for (const auto& v : compact["views"]) counts[v["default_key"]] = v["count"];
  EXPECT_EQ(compact["views"].size(), 5u);
  EXPECT_EQ(compact["views"][0]["title"], "Your open tickets");
  EXPECT_EQ(compact["views"][0]["standard_title"], true);
  EXPECT_EQ(counts["unassigned"], 2);  // new + pending, unassigned
  EXPECT_EQ(counts["my_open"], 1);
  EXPECT_EQ(counts["all_open"], 3);
  EXPECT_EQ(counts["recently_solved"], 1);  // not the ancient one
  EXPECT_EQ(counts["delivery_failures"], 0);
  EXPECT_EQ(compact["suspended_count"], 0);
  // By id too, with the view's own columns when executed.
  const int64_t all_open_id = compact["views"][2]["id"];
  json by_id = GetJson("/api/v2/views/" + std::to_string(all_open_id) + "/execute", cookie);
  EXPECT_EQ(by_id["rows"].size(), 3u);
  EXPECT_EQ(by_id["columns"][0]["id"], "subject");

  json all = GetJson("/api/v2/views/all_open/tickets", cookie);
  ASSERT_EQ(all["tickets"].size(), 3u);
  EXPECT_EQ(all["tickets"][0]["subject"], "Printer on fire");  // newest update first
  EXPECT_EQ(all["users"].size(), 3u);  // Bob, Zed and the assignee
  json by_requester = GetJson("/api/v2/views/all_open/tickets?sort_by=requester&per_page=2", cookie);
  EXPECT_EQ(by_requester["tickets"][0]["subject"], "Printer on fire");  // Bob before Zed
  EXPECT_EQ(by_requester["count"], 3);
  EXPECT_NE(by_requester["next_page"].get<std::string>().find("sort_by=requester"), std::string::npos);
  EXPECT_EQ(Call("GET", "/api/v2/views/nope/tickets", "", {{"cookie", "postdesk_session=" + cookie}}).status, 404);
  EXPECT_EQ(Call("GET", "/api/v2/views/all_open/tickets?sort_by=evil", "",
                 {{"cookie", "postdesk_session=" + cookie}}).status,
            400);
}

TEST_F(WorkspaceApiTest, SearchFindsJapaneseWordsAndFields) {
  auto [cookie, csrf] = SignIn();
  json r = GetJson("/api/v2/search?query=" + http::UrlEncode("請求書"), cookie);
  ASSERT_EQ(r["count"], 1);
  EXPECT_EQ(r["results"][0]["result_type"], "ticket");
  r = GetJson("/api/v2/search?query=" + http::UrlEncode("届いて"), cookie);  // in the body only
  EXPECT_EQ(r["count"], 1);
  r = GetJson("/api/v2/search?query=" + http::UrlEncode("status<solved requester:bob@customer.example"), cookie);
  ASSERT_EQ(r["count"], 1);
  EXPECT_EQ(r["results"][0]["subject"], "Printer on fire");
  r = GetJson("/api/v2/search?query=" + http::UrlEncode("requester:nobody@x.example"), cookie);
  EXPECT_EQ(r["count"], 0);
  r = GetJson("/api/v2/search?query=" + http::UrlEncode("100%_off"), cookie);  // LIKE wildcards are literal
  EXPECT_EQ(r["count"], 0);
  auto bad = Call("GET", "/api/v2/search?query=status:bananas", "", {{"cookie", "postdesk_session=" + cookie}});
  EXPECT_EQ(bad.status, 400);
  EXPECT_EQ(json::parse(bad.body)["error"], "InvalidSearchQuery");
  json requested = GetJson("/api/v2/users/" + std::to_string(agent_id_ + 1) + "/tickets/requested", cookie);
  EXPECT_EQ(requested["count"], 3);
}

}  // namespace
}  // namespace postdesk::api
