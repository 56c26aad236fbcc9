#include "outbound/smtp_client.h"

#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/use_future.hpp>
#include <mutex>

#include "smtp/server.h"

namespace postdesk::outbound {
namespace {

namespace asio = boost::asio;

// Our own SMTP server as the peer, steered by the recipient's local part.
class SinkHandler : public smtp::Handler {
 public:
  smtp::Reply CheckRecipient(const smtp::Envelope&, std::string_view rcpt) override {
    if (rcpt.rfind("reject", 0) == 0) return {550, "5.1.1", "User unknown"};
    if (rcpt.rfind("defer", 0) == 0) return {451, "4.3.0", "Try again later"};
    return {250, "2.1.5", "Ok"};
  }
  void Deliver(smtp::Envelope env, std::string data,
               std::function<void(std::vector<smtp::Reply>)> done) override {
    std::lock_guard lock(mu);
    envelopes.push_back(env);
    messages.push_back(std::move(data));
    done(std::vector<smtp::Reply>(env.rcpt_to.size(), smtp::Reply{250, "2.0.0", "Ok: queued"}));
  }
  std::mutex mu;
  std::vector<smtp::Envelope> envelopes;
  std::vector<std::string> messages;
};

class SmtpClientTest : public ::testing::Test {
 protected:
  void SetUp() override {
    smtp::ServerOptions o;
    o.hostname = "sink.test";
    server_ = std::make_unique<smtp::Server>(io_, o, handler_);
    ASSERT_TRUE(server_->Listen().ok());
    server_->Start();
  }
  void TearDown() override { server_->Stop(); }

  SendResult Send(std::vector<SmtpTarget> targets, std::string rcpt, std::string message,
                  uint32_t timeout = 5) {
    SendOptions so;
    so.helo = "client.test";
    so.timeout_seconds = timeout;
    auto fut = asio::co_spawn(io_, SendMail(io_.get_executor(), std::move(targets), so,
                                            "bounces+tok@desk.test", std::move(rcpt), message),
                              asio::use_future);
    while (fut.wait_for(std::chrono::milliseconds(0)) != std::future_status::ready) io_.run_one();
    io_.restart();
    return fut.get();
  }
  SmtpTarget Local() { return {"127.0.0.1", server_->port()}; }

  asio::io_context io_;
  SinkHandler handler_;
  std::unique_ptr<smtp::Server> server_;
};

TEST_F(SmtpClientTest, DeliversWithDotStuffingAndVerpSender) {
  std::string msg = "Subject: hi\r\n\r\n.leading dot\r\nbody";
  SendResult r = Send({Local()}, "alice@customer.test", msg);
  EXPECT_TRUE(r.sent()) << r.text;
  EXPECT_EQ(r.code, 250);
  EXPECT_EQ(r.stage, "dot");
  ASSERT_EQ(handler_.messages.size(), 1u);
  EXPECT_EQ(handler_.messages[0], "Subject: hi\r\n\r\n.leading dot\r\nbody\r\n");
  EXPECT_EQ(handler_.envelopes[0].mail_from, "bounces+tok@desk.test");
}

TEST_F(SmtpClientTest, PermanentAndTemporaryRecipientReplies) {
  SendResult r = Send({Local()}, "reject@customer.test", "Subject: x\r\n\r\nx\r\n");
  EXPECT_EQ(r.outcome, SendResult::Outcome::kPermanent);
  EXPECT_EQ(r.code, 550);
  EXPECT_EQ(r.enhanced, "5.1.1");
  EXPECT_EQ(r.stage, "rcpt");
  EXPECT_NE(r.text.find("User unknown"), std::string::npos);
  r = Send({Local()}, "defer@customer.test", "Subject: x\r\n\r\nx\r\n");
  EXPECT_EQ(r.outcome, SendResult::Outcome::kTemporary);
  EXPECT_EQ(r.code, 451);
  EXPECT_TRUE(handler_.messages.empty());
}

TEST_F(SmtpClientTest, UnreachableServerIsTemporaryAndTheNextTargetIsTried) {
  // A port nobody listens on: bind one, note it, close it.
  uint16_t dead_port;
  {
    asio::ip::tcp::acceptor a(io_, {asio::ip::make_address("127.0.0.1"), 0});
    dead_port = a.local_endpoint().port();
  }
  SendResult r = Send({{"127.0.0.1", dead_port}}, "alice@customer.test", "x\r\n");
  EXPECT_EQ(r.outcome, SendResult::Outcome::kTemporary);
  EXPECT_EQ(r.stage, "connect");
  r = Send({{"127.0.0.1", dead_port}, Local()}, "alice@customer.test", "x\r\n");
  EXPECT_TRUE(r.sent()) << r.text;
}

TEST_F(SmtpClientTest, SilentServerTimesOut) {
  asio::ip::tcp::acceptor silent(io_, {asio::ip::make_address("127.0.0.1"), 0});
  asio::ip::tcp::socket accepted(io_);
  silent.async_accept(accepted, [](auto) {});
  SendResult r = Send({{"127.0.0.1", silent.local_endpoint().port()}}, "a@b.test", "x\r\n", 1);
  EXPECT_EQ(r.outcome, SendResult::Outcome::kTemporary);
  EXPECT_EQ(r.stage, "greeting");
}

TEST(DotStuff, DoublesLeadingDotsAndEndsWithCrlf) {
  EXPECT_EQ(DotStuff(".a\r\n..b\r\nc"), "..a\r\n...b\r\nc\r\n");
  EXPECT_EQ(DotStuff("x\n.\ny"), "x\r\n..\r\ny\r\n");
}

}  // namespace
}  // namespace postdesk::outbound
