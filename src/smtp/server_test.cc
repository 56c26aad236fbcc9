#include "smtp/server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <boost/asio/io_context.hpp>

namespace postdesk::smtp {
namespace {

using namespace std::chrono_literals;

// Accepts recipients at support.example; "commits" on another thread after a
// short delay, and records the order of events to prove reply ordering.
class FakeHandler : public Handler {
 public:
  ~FakeHandler() override { JoinThreads(); }
  // Waits for every "commit" thread, and so for every copy of `done` to be
  // gone (the server's contract: before its io_context is destroyed).
  void JoinThreads() {
    for (auto& t : threads_) {
      if (t.joinable()) t.join();
    }
  }
  Reply CheckRecipient(const Envelope&, std::string_view recipient) override {
    std::lock_guard lock(mu_);
    events.push_back("check " + std::string(recipient));
    if (recipient.ends_with("@support.example")) return Reply{250, "2.1.5", "Ok"};
    return Reply{550, "5.1.1", "Error: not a support address"};
  }
  void Deliver(Envelope envelope, std::string data,
               std::function<void(std::vector<Reply>)> done) override {
    std::lock_guard lock(mu_);
    const size_t n = envelope.rcpt_to.size();
    envelopes.push_back(std::move(envelope));
    messages.push_back(std::move(data));
    const size_t id = messages.size();
    threads_.emplace_back([this, n, id, done = std::move(done)] {
      std::this_thread::sleep_for(delay);
      {
        std::lock_guard lock(mu_);
        events.push_back("done " + std::to_string(id));
      }
      done(std::vector<Reply>(n, Reply{250, "2.0.0", "Ok: queued as " + std::to_string(id)}));
    });
  }
  std::vector<std::string> Events() {
    std::lock_guard lock(mu_);
    return events;
  }

  std::chrono::milliseconds delay{50};
  std::vector<Envelope> envelopes;
  std::vector<std::string> messages;
  std::vector<std::string> events;

 private:
  std::mutex mu_;
  std::vector<std::thread> threads_;
};

// A blocking test client with a receive timeout, so a bug fails a test
// instead of hanging it.
class Client {
 public:
  explicit Client(uint16_t port) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    timeval tv{3, 0};
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    connected_ = ::connect(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
  }
  ~Client() { ::close(fd_); }
  bool connected() const { return connected_; }
  void Send(const std::string& s) {
    size_t off = 0;
    while (off < s.size()) {
      ssize_t n = ::send(fd_, s.data() + off, s.size() - off, MSG_NOSIGNAL);
      if (n <= 0) return;
      off += static_cast<size_t>(n);
    }
  }
  // One whole reply (all its lines), or "" on EOF/timeout.
  std::string ReadReply() {
    std::string reply;
    for (;;) {
      size_t nl = buf_.find("\r\n");
      while (nl == std::string::npos) {
        if (!Fill()) return "";
        nl = buf_.find("\r\n");
      }
      std::string line = buf_.substr(0, nl + 2);
      buf_.erase(0, nl + 2);
      reply += line;
      if (line.size() < 4 || line[3] != '-') return reply;
    }
  }
  // True when the server closed the connection (no more bytes).
  bool ReadEof() {
    if (!buf_.empty()) return false;
    char c;
    return ::recv(fd_, &c, 1, 0) == 0;
  }
  void Close() { ::shutdown(fd_, SHUT_RDWR); }

 private:
  bool Fill() {
    char tmp[4096];
    ssize_t n = ::recv(fd_, tmp, sizeof tmp, 0);
    if (n <= 0) return false;
    buf_.append(tmp, static_cast<size_t>(n));
    return true;
  }
  int fd_ = -1;
  bool connected_ = false;
  std::string buf_;
};

class ServerTest : public ::testing::Test {
 protected:
  void StartServer() {
    options.hostname = "mx.test";
    server = std::make_unique<Server>(io, options, handler);
    ASSERT_TRUE(server->Listen().ok());
    ASSERT_NE(server->port(), 0);
    server->Start();
    for (int i = 0; i < 2; ++i) threads.emplace_back([this] { io.run(); });
  }
  void TearDown() override {
    if (server) server->Stop();
    for (auto& t : threads) t.join();
    handler.JoinThreads();
  }
  // Waits (bounded) until the io threads are done, i.e. the server fully stopped.
  bool WaitStopped(std::chrono::milliseconds limit) {
    auto until = std::chrono::steady_clock::now() + limit;
    while (std::chrono::steady_clock::now() < until) {
      if (io.stopped()) return true;
      std::this_thread::sleep_for(5ms);
    }
    return io.stopped();
  }

  FakeHandler handler;  // outlives the io_context and the server
  boost::asio::io_context io;
  ServerOptions options;
  std::unique_ptr<Server> server;
  std::vector<std::thread> threads;
};

TEST_F(ServerTest, FullTransaction) {
  StartServer();
  Client c(server->port());
  ASSERT_TRUE(c.connected());
  EXPECT_EQ(c.ReadReply(), "220 mx.test ESMTP postdesk\r\n");
  c.Send("EHLO client.test\r\n");
  std::string ehlo = c.ReadReply();
  EXPECT_EQ(ehlo.rfind("250-mx.test\r\n", 0), 0u) << ehlo;
  EXPECT_NE(ehlo.find("250-PIPELINING\r\n"), std::string::npos);
  EXPECT_NE(ehlo.find("250-SIZE 26214400\r\n"), std::string::npos);
  c.Send("MAIL FROM:<s@sender.test>\r\n");
  EXPECT_EQ(c.ReadReply(), "250 2.1.0 Ok\r\n");
  c.Send("RCPT TO:<nobody@elsewhere.test>\r\n");
  EXPECT_EQ(c.ReadReply(), "550 5.1.1 Error: not a support address\r\n");
  c.Send("RCPT TO:<help@support.example>\r\n");
  EXPECT_EQ(c.ReadReply(), "250 2.1.5 Ok\r\n");
  c.Send("DATA\r\n");
  EXPECT_EQ(c.ReadReply(), "354 End data with <CR><LF>.<CR><LF>\r\n");
  c.Send("Subject: hello\r\n\r\n..dotted\r\n.\r\n");
  EXPECT_EQ(c.ReadReply(), "250 2.0.0 Ok: queued as 1\r\n");
  c.Send("QUIT\r\n");
  EXPECT_EQ(c.ReadReply(), "221 2.0.0 Bye\r\n");
  EXPECT_TRUE(c.ReadEof());
  ASSERT_EQ(handler.messages.size(), 1u);
  EXPECT_EQ(handler.messages[0], "Subject: hello\r\n\r\n.dotted\r\n");
  EXPECT_EQ(handler.envelopes[0].client_ip, "127.0.0.1");
  EXPECT_EQ(handler.envelopes[0].helo, "client.test");
  EXPECT_EQ(handler.envelopes[0].rcpt_to, std::vector<std::string>({"help@support.example"}));
}

TEST_F(ServerTest, PipelinedTransactionsAnswerInOrder) {
  StartServer();
  Client c(server->port());
  ASSERT_EQ(c.ReadReply(), "220 mx.test ESMTP postdesk\r\n");
  c.Send("EHLO c\r\nMAIL FROM:<a@a.test>\r\nRCPT TO:<one@support.example>\r\nDATA\r\n");
  EXPECT_NE(c.ReadReply().find("250 SMTPUTF8"), std::string::npos);
  EXPECT_EQ(c.ReadReply(), "250 2.1.0 Ok\r\n");
  EXPECT_EQ(c.ReadReply(), "250 2.1.5 Ok\r\n");
  EXPECT_EQ(c.ReadReply().substr(0, 4), "354 ");
  c.Send("first\r\n.\r\nMAIL FROM:<b@b.test>\r\nRCPT TO:<two@support.example>\r\nDATA\r\n"
         "second\r\n.\r\nQUIT\r\n");
  EXPECT_EQ(c.ReadReply(), "250 2.0.0 Ok: queued as 1\r\n");
  EXPECT_EQ(c.ReadReply(), "250 2.1.0 Ok\r\n");
  EXPECT_EQ(c.ReadReply(), "250 2.1.5 Ok\r\n");
  EXPECT_EQ(c.ReadReply().substr(0, 4), "354 ");
  EXPECT_EQ(c.ReadReply(), "250 2.0.0 Ok: queued as 2\r\n");
  EXPECT_EQ(c.ReadReply(), "221 2.0.0 Bye\r\n");
  EXPECT_TRUE(c.ReadEof());
  // The second transaction was not even looked at before the first commit.
  EXPECT_EQ(handler.Events(), std::vector<std::string>({"check one@support.example", "done 1",
                                                        "check two@support.example", "done 2"}));
  ASSERT_EQ(handler.messages.size(), 2u);
  EXPECT_EQ(handler.messages[1], "second\r\n");
}

TEST_F(ServerTest, Lmtp) {
  options.lmtp = true;
  StartServer();
  Client c(server->port());
  ASSERT_EQ(c.ReadReply(), "220 mx.test LMTP postdesk\r\n");
  c.Send("LHLO c\r\nMAIL FROM:<a@a.test>\r\nRCPT TO:<one@support.example>\r\n"
         "RCPT TO:<two@support.example>\r\nDATA\r\n");
  for (int i = 0; i < 4; ++i) EXPECT_EQ(c.ReadReply().substr(0, 1), "2");
  EXPECT_EQ(c.ReadReply().substr(0, 4), "354 ");
  c.Send("x\r\n.\r\n");
  EXPECT_EQ(c.ReadReply(), "250 2.0.0 Ok: queued as 1\r\n");
  EXPECT_EQ(c.ReadReply(), "250 2.0.0 Ok: queued as 1\r\n");
}

TEST_F(ServerTest, IdleTimeout) {
  options.idle_timeout_seconds = 1;
  StartServer();
  Client c(server->port());
  ASSERT_EQ(c.ReadReply(), "220 mx.test ESMTP postdesk\r\n");
  c.Send("EHLO c\r\n");
  c.ReadReply();
  auto start = std::chrono::steady_clock::now();
  EXPECT_EQ(c.ReadReply(), "421 4.4.2 mx.test Error: timeout exceeded\r\n");
  EXPECT_GE(std::chrono::steady_clock::now() - start, 900ms);
  EXPECT_TRUE(c.ReadEof());
}

TEST_F(ServerTest, ConnectionLimit) {
  options.max_connections = 2;
  StartServer();
  Client a(server->port()), b(server->port());
  EXPECT_EQ(a.ReadReply().substr(0, 4), "220 ");
  EXPECT_EQ(b.ReadReply().substr(0, 4), "220 ");
  {
    Client c(server->port());
    EXPECT_EQ(c.ReadReply(), "421 4.7.0 mx.test Error: too many connections\r\n");
    EXPECT_TRUE(c.ReadEof());
  }
  a.Send("QUIT\r\n");
  EXPECT_EQ(a.ReadReply(), "221 2.0.0 Bye\r\n");
  EXPECT_TRUE(a.ReadEof());
  // The slot frees once the server has finished with the session.
  std::string greeting;
  for (int i = 0; i < 100 && greeting.rfind("220 ", 0) != 0; ++i) {
    if (server->active_sessions() >= 2) {
      std::this_thread::sleep_for(10ms);
      continue;
    }
    Client d(server->port());
    greeting = d.ReadReply();
  }
  EXPECT_EQ(greeting, "220 mx.test ESMTP postdesk\r\n");
}

// Issue 13, defect 3: one address held every slot with idle connections.
TEST_F(ServerTest, PerClientLimit) {
  options.max_connections = 10;
  options.max_connections_per_client = 2;
  StartServer();
  Client a(server->port()), b(server->port());
  EXPECT_EQ(a.ReadReply().substr(0, 4), "220 ");
  EXPECT_EQ(b.ReadReply().substr(0, 4), "220 ");
  Client c(server->port());
  EXPECT_EQ(c.ReadReply(), "421 4.7.0 mx.test Error: too many connections from your address\r\n");
  EXPECT_TRUE(c.ReadEof());
}

// A client trickling commands is cut at the session limit, however active.
TEST_F(ServerTest, SessionTimeLimit) {
  options.session_timeout_seconds = 2;
  StartServer();
  Client c(server->port());
  ASSERT_EQ(c.ReadReply().substr(0, 4), "220 ");
  auto start = std::chrono::steady_clock::now();
  std::string reply;
  for (int i = 0; i < 10; ++i) {
    c.Send("NOOP\r\n");
    reply = c.ReadReply();
    if (reply.rfind("421", 0) == 0) break;
    std::this_thread::sleep_for(500ms);
  }
  EXPECT_EQ(reply, "421 4.4.2 mx.test Error: timeout exceeded\r\n");
  EXPECT_LT(std::chrono::steady_clock::now() - start, 4s);
}

// A byte every half second in DATA held a slot for 335 s; now the transfer
// must keep the minimum rate once the grace period is over.
TEST_F(ServerTest, DataBelowTheMinimumRateIsCut) {
  options.data_grace_seconds = 1;
  options.min_data_bytes_per_second = 1000;
  StartServer();
  Client c(server->port());
  ASSERT_EQ(c.ReadReply().substr(0, 4), "220 ");
  c.Send("EHLO c\r\n");
  c.ReadReply();
  c.Send("MAIL FROM:<a@b.example>\r\n");
  c.ReadReply();
  c.Send("RCPT TO:<help@support.example>\r\n");
  c.ReadReply();
  c.Send("DATA\r\n");
  ASSERT_EQ(c.ReadReply().substr(0, 4), "354 ");
  auto start = std::chrono::steady_clock::now();
  std::string reply;
  for (int i = 0; i < 20 && reply.empty(); ++i) {
    c.Send("x");
    std::this_thread::sleep_for(200ms);
    if (i % 5 == 4) reply = c.ReadReply();
  }
  EXPECT_EQ(reply, "421 4.4.2 mx.test Error: timeout exceeded\r\n");
  EXPECT_LT(std::chrono::steady_clock::now() - start, 4s);
  EXPECT_TRUE(handler.messages.empty());
}

// Most slots taken: idle sessions get the short stress timeout.
TEST_F(ServerTest, StressModeShortensTimeouts) {
  options.max_connections = 4;
  options.stress_percent = 75;
  options.stress_timeout_seconds = 1;
  options.idle_timeout_seconds = 30;
  StartServer();
  Client a(server->port()), b(server->port()), c(server->port());
  for (Client* x : {&a, &b, &c}) ASSERT_EQ(x->ReadReply().substr(0, 4), "220 ");
  auto start = std::chrono::steady_clock::now();
  a.Send("NOOP\r\n");
  EXPECT_EQ(a.ReadReply().substr(0, 4), "250 ");
  EXPECT_EQ(a.ReadReply(), "421 4.4.2 mx.test Error: timeout exceeded\r\n");
  EXPECT_LT(std::chrono::steady_clock::now() - start, 3s);
}

TEST_F(ServerTest, StopClosesOpenSessions) {
  StartServer();
  Client c(server->port());
  ASSERT_EQ(c.ReadReply().substr(0, 4), "220 ");
  c.Send("EHLO c\r\n");
  c.ReadReply();
  const uint16_t port = server->port();
  server->Stop();
  EXPECT_EQ(c.ReadReply(), "421 4.3.2 mx.test Service shutting down\r\n");
  EXPECT_TRUE(c.ReadEof());
  EXPECT_TRUE(WaitStopped(2s)) << "io_context still has work after Stop";
  Client late(port);
  EXPECT_FALSE(late.connected() && !late.ReadReply().empty());
}

TEST_F(ServerTest, StopWaitsForPendingCommit) {
  handler.delay = 200ms;
  StartServer();
  Client c(server->port());
  ASSERT_EQ(c.ReadReply().substr(0, 4), "220 ");
  c.Send("EHLO c\r\nMAIL FROM:<a@a.test>\r\nRCPT TO:<one@support.example>\r\nDATA\r\n");
  for (int i = 0; i < 3; ++i) c.ReadReply();
  EXPECT_EQ(c.ReadReply().substr(0, 4), "354 ");
  c.Send("x\r\n.\r\n");
  std::this_thread::sleep_for(50ms);  // the message is now waiting for its commit
  server->Stop();
  EXPECT_EQ(c.ReadReply(), "250 2.0.0 Ok: queued as 1\r\n");
  EXPECT_EQ(c.ReadReply(), "421 4.3.2 mx.test Service shutting down\r\n");
  EXPECT_TRUE(c.ReadEof());
  EXPECT_TRUE(WaitStopped(2s));
}

TEST_F(ServerTest, BadListenAddress) {
  options.host = "not an address";
  Server s(io, options, handler);
  EXPECT_FALSE(s.Listen().ok());
}

}  // namespace
}  // namespace postdesk::smtp
