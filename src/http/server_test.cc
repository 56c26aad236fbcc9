#include "http/server.h"

#include <gtest/gtest.h>

#include <future>
#include <thread>

#include "http/test_client.h"

namespace postdesk::http {
namespace {

using testing::TestClient;

class ServerTest : public ::testing::Test {
 protected:
  void StartServer(HttpOptions options = {}) {
    RouteOptions open{.requires_auth = false};
    router_.Get(
        "/hello",
        [](const Request& r) {
          return JsonResponse(200, {{"hello", "world"}, {"q", r.Query("q")}});
        },
        open);
    router_.Add(
        "POST", "/echo",
        [](const Request& r) {
          Response res;
          res.content_type = "text/plain";
          res.body = r.body;
          return res;
        },
        open);
    router_.Get(
        "/slow",
        [this](const Request&) {
          entered_.set_value();
          // Until the test lets it go (or 10 s): a handler stuck in a lookup.
          bool released = released_.wait_for(std::chrono::seconds(10)) == std::future_status::ready;
          return JsonResponse(200, {{"released", released}});
        },
        open);
    router_.Get(
        "/inject",
        [](const Request&) {
          Response res = JsonResponse(200, nlohmann::json::object());
          res.AddHeader("X-Test", "a\r\nX-Injected: 1");
          res.AddHeader("Bad Name\r\n", "x");
          return res;
        },
        open);
    server_ = std::make_unique<HttpServer>(io_, options, router_);
    ASSERT_TRUE(server_->Listen().ok());
    ASSERT_NE(server_->port(), 0);
    server_->Start();
    thread_ = std::thread([this] { io_.run(); });
  }
  void TearDown() override {
    if (server_) server_->Stop();
    io_.stop();
    if (thread_.joinable()) thread_.join();
  }

  std::promise<void> entered_, release_;
  std::future<void> entered_future_ = entered_.get_future();
  std::shared_future<void> released_ = release_.get_future().share();
  boost::asio::io_context io_;
  Router router_;
  std::unique_ptr<HttpServer> server_;
  std::thread thread_;
};

TEST_F(ServerTest, AnswersWithJsonAndSecurityHeaders) {
  StartServer();
  TestClient client(server_->port());
  ASSERT_TRUE(client.connected());
  auto r = client.Send("GET", "/hello.json?q=a%20b");
  ASSERT_EQ(r.status, 200);
  auto j = nlohmann::json::parse(r.body);
  EXPECT_EQ(j["hello"], "world");
  EXPECT_EQ(j["q"], "a b");
  EXPECT_EQ(r.Header("Content-Type"), "application/json; charset=utf-8");
  EXPECT_EQ(r.Header("X-Content-Type-Options"), "nosniff");
  EXPECT_EQ(r.Header("X-Frame-Options"), "DENY");
  EXPECT_FALSE(r.Header("Content-Security-Policy").empty());
  EXPECT_EQ(r.Header("Cache-Control"), "no-store");
}

TEST_F(ServerTest, AStuckHandlerHoldsNoIoThread) {
  StartServer();  // one io thread
  std::thread slow([&] {
    TestClient client(server_->port(), std::chrono::seconds(20));
    auto r = client.Send("GET", "/slow");
    EXPECT_EQ(r.status, 200);
    EXPECT_NE(r.body.find("\"released\":true"), std::string::npos) << r.body;
  });
  // /slow is holding its thread now.
  if (entered_future_.wait_for(std::chrono::seconds(10)) != std::future_status::ready) {
    release_.set_value();
    slow.join();
    FAIL() << "the /slow handler never ran";
  }
  // Served while /slow is still stuck: it never got the only io thread.
  TestClient client(server_->port());
  EXPECT_EQ(client.Send("GET", "/hello").status, 200);
  release_.set_value();
  slow.join();
}

TEST_F(ServerTest, KeepAliveServesSeveralRequestsOnOneConnection) {
  StartServer();
  TestClient client(server_->port());
  for (int i = 0; i < 3; ++i) {
    auto r = client.Send("GET", "/hello");
    ASSERT_EQ(r.status, 200) << i;
    EXPECT_TRUE(r.keep_alive);
  }
  auto r = client.Send("POST", "/echo", {}, "ping");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "ping");
  r = client.Send("GET", "/hello", {{"Connection", "close"}});
  EXPECT_EQ(r.status, 200);
  EXPECT_FALSE(r.keep_alive);
  EXPECT_TRUE(client.WaitForClose());
}

TEST_F(ServerTest, Http10ClosesByDefault) {
  StartServer();
  TestClient client(server_->port());
  ASSERT_TRUE(client.SendRaw("GET /hello HTTP/1.0\r\n\r\n"));
  auto r = client.Read();
  EXPECT_EQ(r.status, 200);
  EXPECT_TRUE(client.WaitForClose());
}

TEST_F(ServerTest, ErrorsAreJsonOnTheWire) {
  StartServer();
  TestClient client(server_->port());
  auto r = client.Send("GET", "/nope");
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(nlohmann::json::parse(r.body)["error"], "InvalidEndpoint");
  EXPECT_EQ(r.Header("X-Content-Type-Options"), "nosniff");
  r = client.Send("DELETE", "/hello");
  EXPECT_EQ(r.status, 405);
  EXPECT_NE(r.Header("Allow").find("GET"), std::string::npos);
}

TEST_F(ServerTest, HeadHasLengthButNoBody) {
  StartServer();
  TestClient client(server_->port());
  auto get = client.Send("GET", "/hello");
  auto head = client.Send("HEAD", "/hello");
  EXPECT_EQ(head.status, 200);
  EXPECT_TRUE(head.body.empty());
  EXPECT_EQ(head.Header("Content-Length"), std::to_string(get.body.size()));
  // The connection is still in sync afterwards.
  EXPECT_EQ(client.Send("GET", "/hello").status, 200);
}

TEST_F(ServerTest, BodyOverLimitIs413AndCloses) {
  StartServer({.max_body_bytes = 1024});
  TestClient client(server_->port());
  EXPECT_EQ(client.Send("POST", "/echo", {}, std::string(1000, 'a')).status, 200);
  auto r = client.Send("POST", "/echo", {}, std::string(4096, 'a'));
  EXPECT_EQ(r.status, 413);
  EXPECT_EQ(nlohmann::json::parse(r.body)["error"], "PayloadTooLarge");
  EXPECT_TRUE(client.WaitForClose());
}

TEST_F(ServerTest, DeclaredLengthOverLimitIsRefusedBeforeTheBody) {
  StartServer({.max_body_bytes = 1024});
  TestClient client(server_->port());
  // Headers only: the 413 must come without the server waiting for the body.
  ASSERT_TRUE(client.SendRaw("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 50000000\r\n\r\n"));
  auto r = client.Read();
  EXPECT_EQ(r.status, 413);
  EXPECT_FALSE(r.keep_alive);
}

TEST_F(ServerTest, ChunkedBodyOverLimitIs413) {
  StartServer({.max_body_bytes = 1024});
  TestClient client(server_->port());
  std::string chunk(800, 'b');
  std::string raw =
      "POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
      "320\r\n" +
      chunk + "\r\n320\r\n" + chunk + "\r\n0\r\n\r\n";
  ASSERT_TRUE(client.SendRaw(raw));
  EXPECT_EQ(client.Read().status, 413);
}

// Issue 13, defect 2: a Transfer-Encoding other than plain "chunked" left the
// body unread and the connection open, so the body was parsed as a second
// request (smuggling). Each is refused with 400 and the connection closed.
TEST_F(ServerTest, AmbiguousFramingIs400AndClosesWithoutASecondRequest) {
  StartServer();
  const std::string smuggled = "GET /hello?q=smuggled HTTP/1.1\r\nHost: x\r\n\r\n";
  for (std::string te : {"chunked, identity", "xchunked", "identity", "gzip, chunked",
                          "chunked\r\nTransfer-Encoding: chunked"}) {
    SCOPED_TRACE(te);
    TestClient client(server_->port());
    ASSERT_TRUE(client.SendRaw("POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: " + te +
                               "\r\n\r\n" + smuggled));
    auto r = client.Read();
    EXPECT_EQ(r.status, 400);
    EXPECT_EQ(nlohmann::json::parse(r.body)["error"], "InvalidRequest");
    EXPECT_TRUE(client.WaitForClose());
  }
  {
    SCOPED_TRACE("HTTP/1.0 with chunked");
    TestClient client(server_->port());
    ASSERT_TRUE(client.SendRaw(
        "POST /echo HTTP/1.0\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n" +
        smuggled));
    EXPECT_EQ(client.Read().status, 400);
    EXPECT_TRUE(client.WaitForClose());
  }
  {
    SCOPED_TRACE("Content-Length beside chunked");
    TestClient client(server_->port());
    ASSERT_TRUE(client.SendRaw(
        "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n"
        "Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n" + smuggled));
    EXPECT_EQ(client.Read().status, 400);
    EXPECT_TRUE(client.WaitForClose());
  }
  // Plain chunked still works, and keeps the connection.
  TestClient client(server_->port());
  ASSERT_TRUE(client.SendRaw(
      "POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: Chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n"));
  auto r = client.Read();
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "abc");
}

TEST_F(ServerTest, OversizedHeaderIs431) {
  StartServer();
  TestClient client(server_->port());
  auto r = client.Send("GET", "/hello", {{"X-Big", std::string(20000, 'x')}});
  EXPECT_EQ(r.status, 431);
  EXPECT_EQ(nlohmann::json::parse(r.body)["error"], "RequestHeaderFieldsTooLarge");
}

TEST_F(ServerTest, GarbageIs400) {
  StartServer();
  TestClient client(server_->port());
  ASSERT_TRUE(client.SendRaw("HELLO THERE\r\n\r\n"));
  auto r = client.Read();
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(nlohmann::json::parse(r.body)["error"], "InvalidRequest");
}

TEST_F(ServerTest, SlowHeaderHitsReadDeadline) {
  StartServer({.idle_timeout_seconds = 1});
  TestClient client(server_->port());
  ASSERT_TRUE(client.SendRaw("GET /hello HTTP/1.1\r\nHost: x\r\n"));
  auto start = std::chrono::steady_clock::now();
  EXPECT_TRUE(client.WaitForClose());
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(4));
}

TEST_F(ServerTest, HandlerHeadersCannotInjectLines) {
  StartServer();
  TestClient client(server_->port());
  auto r = client.Send("GET", "/inject");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.HeaderCount("X-Injected"), 0);
  EXPECT_EQ(r.Header("X-Test"), "a  X-Injected: 1");
}

TEST_F(ServerTest, ConnectionLimitAnswers503) {
  StartServer({.max_connections = 1});
  TestClient first(server_->port());
  ASSERT_EQ(first.Send("GET", "/hello").status, 200);
  TestClient second(server_->port());
  auto r = second.Send("GET", "/hello");
  EXPECT_EQ(r.status, 503);
  EXPECT_EQ(r.Header("Retry-After"), "5");
}

TEST_F(ServerTest, StopClosesIdleConnections) {
  StartServer();
  TestClient client(server_->port());
  ASSERT_EQ(client.Send("GET", "/hello").status, 200);
  server_->Stop();
  EXPECT_TRUE(client.WaitForClose());
  TestClient late(server_->port());
  EXPECT_EQ(late.Send("GET", "/hello").status, 0);
}

TEST(ServerListenTest, BadHostFails) {
  boost::asio::io_context io;
  Router router;
  HttpServer server(io, {.host = "256.1.1.1.invalid"}, router);
  EXPECT_FALSE(server.Listen().ok());
}

}  // namespace
}  // namespace postdesk::http
