#include "smtp/session.h"

#include <gtest/gtest.h>

#include <memory>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

namespace postdesk::smtp {
namespace {

class FakeHandler : public Handler {
 public:
  Reply CheckRecipient(const Envelope& envelope, std::string_view recipient) override {
    checked.emplace_back(recipient);
    if (throw_on_check) throw std::runtime_error("boom");
    std::string r(recipient);
    if (r == "postmaster" || r == "Postmaster") {
      return accept_postmaster ? Reply{250, "2.1.5", "Ok"} : Reply{550, "5.1.1", "No such user"};
    }
    const std::string suffix = "@support.example";
    if (r.size() > suffix.size() && r.compare(r.size() - suffix.size(), suffix.size(), suffix) == 0) {
      return Reply{250, "2.1.5", "Ok"};
    }
    return Reply{550, "5.1.1", "Error: not a support address"};
  }
  void Deliver(Envelope, std::string, std::function<void(std::vector<Reply>)>) override {
    ADD_FAILURE() << "the session must not call Deliver itself";
  }
  std::vector<std::string> checked;
  bool accept_postmaster = false;
  bool throw_on_check = false;
};

// Splits reply text into lines without CRLF.
std::vector<std::string> Lines(const std::string& out) {
  std::vector<std::string> lines;
  size_t start = 0;
  while (start < out.size()) {
    size_t end = out.find("\r\n", start);
    EXPECT_NE(end, std::string::npos) << "reply not CRLF-terminated: " << out;
    if (end == std::string::npos) break;
    lines.push_back(out.substr(start, end - start));
    start = end + 2;
  }
  return lines;
}

// The codes of the final lines of the replies ("250-..." continuation lines skipped).
std::vector<std::string> Codes(const std::string& out) {
  std::vector<std::string> codes;
  for (const auto& l : Lines(out)) {
    if (l.size() >= 4 && l[3] == '-') continue;
    const bool enhanced = l.size() >= 9 && l[4] >= '2' && l[4] <= '5' && l[5] == '.';
    codes.push_back(l.substr(0, enhanced ? 9 : 3));
  }
  return codes;
}

class SessionTest : public ::testing::Test {
 protected:
  void Make() {
    options.hostname = "mx.test";
    options.client_ip = "192.0.2.1";
    session = std::make_unique<Session>(options, handler);
    session->Start();
    greeting = session->TakeOutput();
  }
  std::string Feed(std::string_view in) {
    session->Feed(in);
    return session->TakeOutput();
  }
  // EHLO + MAIL + RCPT + DATA, all checked.
  void Begin(const std::string& rcpt = "a@support.example") {
    if (!session) Make();
    std::string hello = options.lmtp ? "LHLO client.test\r\n" : "EHLO client.test\r\n";
    ASSERT_EQ(Codes(Feed(hello)), std::vector<std::string>({"250"}));
    ASSERT_EQ(Feed("MAIL FROM:<s@sender.test>\r\n"), "250 2.1.0 Ok\r\n");
    ASSERT_EQ(Feed("RCPT TO:<" + rcpt + ">\r\n"), "250 2.1.5 Ok\r\n");
    ASSERT_EQ(Feed("DATA\r\n"), "354 End data with <CR><LF>.<CR><LF>\r\n");
  }
  // Feeds `data` (which must end the DATA) and returns the delivered bytes.
  std::string DeliverData(const std::string& data) {
    EXPECT_EQ(Feed(data), "");
    auto d = session->TakeDelivery();
    EXPECT_TRUE(d.has_value());
    if (!d) return "<no delivery>";
    EXPECT_FALSE(session->TakeDelivery().has_value());
    session->CompleteDelivery({Reply{250, "2.0.0", "Ok: queued"}});
    EXPECT_EQ(session->TakeOutput(), "250 2.0.0 Ok: queued\r\n");
    return d->data;
  }

  FakeHandler handler;
  SessionOptions options;
  std::unique_ptr<Session> session;
  std::string greeting;
};

TEST_F(SessionTest, GreetingSmtpAndLmtp) {
  Make();
  EXPECT_EQ(greeting, "220 mx.test ESMTP postdesk\r\n");
  options.lmtp = true;
  Make();
  EXPECT_EQ(greeting, "220 mx.test LMTP postdesk\r\n");
}

TEST_F(SessionTest, EhloAnnouncesExtensions) {
  options.max_message_bytes = 1234;
  Make();
  EXPECT_EQ(Feed("EHLO client.test\r\n"),
            "250-mx.test\r\n250-PIPELINING\r\n250-SIZE 1234\r\n250-8BITMIME\r\n"
            "250-ENHANCEDSTATUSCODES\r\n250 SMTPUTF8\r\n");
  EXPECT_EQ(Feed("HELO client.test\r\n"), "250 mx.test\r\n");
  EXPECT_EQ(Feed("ehlo\r\n"), "501 5.5.4 Syntax: ehlo hostname\r\n");
  EXPECT_EQ(Feed("LHLO client.test\r\n"), "500 5.5.1 Error: command not recognized\r\n");
}

TEST_F(SessionTest, FullTransaction) {
  Begin();
  EXPECT_EQ(Feed("Subject: hi\r\n\r\nbody\r\n"), "");
  EXPECT_EQ(Feed(".\r\n"), "") << "no 250 before the commit";
  EXPECT_TRUE(session->delivery_pending());
  auto d = session->TakeDelivery();
  ASSERT_TRUE(d);
  EXPECT_EQ(d->data, "Subject: hi\r\n\r\nbody\r\n");
  EXPECT_EQ(d->envelope.mail_from, "s@sender.test");
  EXPECT_EQ(d->envelope.rcpt_to, std::vector<std::string>({"a@support.example"}));
  EXPECT_EQ(d->envelope.helo, "client.test");
  EXPECT_EQ(d->envelope.client_ip, "192.0.2.1");
  EXPECT_FALSE(d->envelope.lmtp);
  EXPECT_FALSE(d->envelope.body_8bit);
  EXPECT_EQ(session->TakeOutput(), "");
  session->CompleteDelivery({Reply{250, "2.0.0", "Ok: queued as 7"}});
  EXPECT_EQ(session->TakeOutput(), "250 2.0.0 Ok: queued as 7\r\n");
  EXPECT_FALSE(session->delivery_pending());
  // The transaction is over: a new one can start, RCPT alone cannot.
  EXPECT_EQ(Feed("RCPT TO:<a@support.example>\r\n"), "503 5.5.1 Error: need MAIL command\r\n");
  EXPECT_EQ(Feed("MAIL FROM:<>\r\n"), "250 2.1.0 Ok\r\n");
  EXPECT_EQ(Feed("QUIT\r\n"), "221 2.0.0 Bye\r\n");
  EXPECT_TRUE(session->closed());
  EXPECT_EQ(Feed("NOOP\r\n"), "");
}

TEST_F(SessionTest, EmptyMessageAndNullSender) {
  Make();
  Feed("EHLO c\r\n");
  EXPECT_EQ(Feed("MAIL FROM:<>\r\n"), "250 2.1.0 Ok\r\n");
  EXPECT_EQ(Feed("RCPT TO:<a@support.example>\r\n"), "250 2.1.5 Ok\r\n");
  Feed("DATA\r\n");
  Feed(".\r\n");
  auto d = session->TakeDelivery();
  ASSERT_TRUE(d);
  EXPECT_EQ(d->data, "");
  EXPECT_EQ(d->envelope.mail_from, "");
}

TEST_F(SessionTest, Sequencing) {
  Make();
  EXPECT_EQ(Feed("MAIL FROM:<a@b.test>\r\n"), "503 5.5.1 Error: send HELO/EHLO first\r\n");
  EXPECT_EQ(Feed("RCPT TO:<a@support.example>\r\n"), "503 5.5.1 Error: need MAIL command\r\n");
  EXPECT_EQ(Feed("DATA\r\n"), "503 5.5.1 Error: need MAIL command\r\n");
  Feed("EHLO c\r\n");
  EXPECT_EQ(Feed("MAIL FROM:<a@b.test>\r\n"), "250 2.1.0 Ok\r\n");
  EXPECT_EQ(Feed("MAIL FROM:<a@b.test>\r\n"), "503 5.5.1 Error: nested MAIL command\r\n");
  EXPECT_EQ(Feed("DATA\r\n"), "554 5.5.1 Error: no valid recipients\r\n");
  EXPECT_EQ(Feed("RCPT TO:<x@elsewhere.test>\r\n"), "550 5.1.1 Error: not a support address\r\n");
  EXPECT_EQ(Feed("DATA\r\n"), "554 5.5.1 Error: no valid recipients\r\n");
  EXPECT_EQ(Feed("RSET\r\n"), "250 2.0.0 Ok\r\n");
  EXPECT_EQ(Feed("RCPT TO:<a@support.example>\r\n"), "503 5.5.1 Error: need MAIL command\r\n");
  // EHLO also resets a transaction.
  Feed("MAIL FROM:<a@b.test>\r\n");
  Feed("EHLO c\r\n");
  EXPECT_EQ(Feed("RCPT TO:<a@support.example>\r\n"), "503 5.5.1 Error: need MAIL command\r\n");
}

TEST_F(SessionTest, SyntaxErrors) {
  options.max_errors = 100;
  Make();
  Feed("EHLO c\r\n");
  EXPECT_EQ(Feed("MAIL FROM:a@b.test\r\n"), "501 5.5.4 Syntax: MAIL FROM:<address>\r\n");
  EXPECT_EQ(Feed("MAIL TO:<a@b.test>\r\n"), "501 5.5.4 Syntax: MAIL FROM:<address>\r\n");
  EXPECT_EQ(Feed("MAIL FROM:<a@b.test\r\n"), "501 5.5.4 Syntax: MAIL FROM:<address>\r\n");
  EXPECT_EQ(Feed("MAIL FROM:<nodomain>\r\n"), "501 5.1.7 Error: bad sender address syntax\r\n");
  EXPECT_EQ(Feed("MAIL FROM:<a b@c.test>\r\n"), "501 5.1.7 Error: bad sender address syntax\r\n");
  EXPECT_EQ(Feed("RSET now\r\n"), "501 5.5.4 Syntax: RSET\r\n");
  EXPECT_EQ(Feed("FOO bar\r\n"), "500 5.5.1 Error: command not recognized\r\n");
  EXPECT_EQ(Feed("\r\n"), "500 5.5.2 Error: bad syntax\r\n");
  EXPECT_EQ(Feed("EXPN staff\r\n"), "502 5.5.1 Error: command not implemented\r\n");
  EXPECT_EQ(Feed("BDAT 10 LAST\r\n"), "502 5.5.1 Error: command not implemented\r\n");
  EXPECT_EQ(Feed("STARTTLS\r\n"), "502 5.5.1 Error: command not implemented\r\n");
  EXPECT_EQ(Feed("VRFY\r\n"), "501 5.5.4 Syntax: VRFY address\r\n");
  // Case-insensitive verbs, a space after the colon and a source route are fine.
  EXPECT_EQ(Feed("mail from: <@relay.test:a@b.test>\r\n"), "250 2.1.0 Ok\r\n");
  EXPECT_EQ(Feed("DATA now\r\n"), "501 5.5.4 Syntax: DATA\r\n");
  EXPECT_EQ(Feed("RCPT TO:<>\r\n"), "501 5.1.3 Error: empty recipient address\r\n");
  EXPECT_EQ(Feed("RCPT TO:<a@support.example> NOTIFY=NEVER\r\n"),
            "555 5.5.4 Error: unsupported RCPT parameter\r\n");
  EXPECT_EQ(Feed("rcpt to:<A@support.example>\r\n"), "250 2.1.5 Ok\r\n");
}

TEST_F(SessionTest, OtherCommands) {
  Make();
  EXPECT_EQ(Feed("NOOP\r\n"), "250 2.0.0 Ok\r\n");
  EXPECT_EQ(Feed("NOOP anything\r\n"), "250 2.0.0 Ok\r\n");
  EXPECT_EQ(Codes(Feed("HELP\r\n")), std::vector<std::string>({"214 2.0.0"}));
  EXPECT_EQ(Codes(Feed("VRFY someone\r\n")), std::vector<std::string>({"252 2.0.0"}));
  EXPECT_EQ(Feed("quit\r\n"), "221 2.0.0 Bye\r\n");
  EXPECT_TRUE(session->closed());
}

TEST_F(SessionTest, MailParameters) {
  options.max_message_bytes = 1000;
  options.max_errors = 100;
  Make();
  Feed("EHLO c\r\n");
  EXPECT_EQ(Feed("MAIL FROM:<a@b.test> SIZE=1001\r\n"),
            "552 5.3.4 Error: message size exceeds fixed limit\r\n");
  EXPECT_EQ(Feed("MAIL FROM:<a@b.test> SIZE=99999999999999999999999\r\n"),
            "501 5.5.4 Error: bad SIZE parameter\r\n");
  EXPECT_EQ(Feed("MAIL FROM:<a@b.test> SIZE=x\r\n"), "501 5.5.4 Error: bad SIZE parameter\r\n");
  EXPECT_EQ(Feed("MAIL FROM:<a@b.test> BODY=BINARYMIME\r\n"),
            "501 5.5.4 Error: unsupported BODY value\r\n");
  EXPECT_EQ(Feed("MAIL FROM:<a@b.test> AUTH=<>\r\n"),
            "555 5.5.4 Error: unsupported MAIL parameter\r\n");
  EXPECT_EQ(Feed("MAIL FROM:<a@b.test> SIZE=1000 BODY=8bitmime SMTPUTF8\r\n"), "250 2.1.0 Ok\r\n");
  Feed("RCPT TO:<a@support.example>\r\nDATA\r\n");
  Feed("x\r\n.\r\n");
  auto d = session->TakeDelivery();
  ASSERT_TRUE(d);
  EXPECT_TRUE(d->envelope.body_8bit);
  EXPECT_TRUE(d->envelope.smtputf8);
  session->CompleteDelivery({Reply{}});
  session->TakeOutput();
  // The flags belong to one transaction.
  EXPECT_EQ(Feed("MAIL FROM:<a@b.test> BODY=7BIT\r\n"), "250 2.1.0 Ok\r\n");
  Feed("RCPT TO:<a@support.example>\r\nDATA\r\n.\r\n");
  d = session->TakeDelivery();
  ASSERT_TRUE(d);
  EXPECT_FALSE(d->envelope.body_8bit);
  EXPECT_FALSE(d->envelope.smtputf8);
  session->CompleteDelivery({Reply{}});
  session->TakeOutput();
  // No parameters after plain HELO.
  Feed("HELO c\r\n");
  EXPECT_EQ(Feed("MAIL FROM:<a@b.test> SIZE=10\r\n"), "555 5.5.4 Error: MAIL parameters need EHLO\r\n");
  EXPECT_EQ(Feed("MAIL FROM:<a@b.test>\r\n"), "250 2.1.0 Ok\r\n");
}

TEST_F(SessionTest, PostmasterOnlyIfHandlerAccepts) {
  Make();
  Feed("EHLO c\r\nMAIL FROM:<a@b.test>\r\n");
  EXPECT_EQ(Feed("RCPT TO:<postmaster>\r\n"), "550 5.1.1 No such user\r\n");
  handler.accept_postmaster = true;
  EXPECT_EQ(Feed("RCPT TO:<postmaster>\r\n"), "250 2.1.5 Ok\r\n");
  EXPECT_EQ(handler.checked, std::vector<std::string>({"postmaster", "postmaster"}));
  EXPECT_EQ(Feed("RCPT TO:<bob>\r\n"), "501 5.1.3 Error: bad recipient address syntax\r\n");
}

TEST_F(SessionTest, HandlerExceptionIsTemporaryFailure) {
  Make();
  Feed("EHLO c\r\nMAIL FROM:<a@b.test>\r\n");
  handler.throw_on_check = true;
  EXPECT_EQ(Feed("RCPT TO:<a@support.example>\r\n"), "451 4.3.0 Error: internal error\r\n");
}

TEST_F(SessionTest, PipelinedCommandsWaitForTheCommit) {
  Make();
  // Everything in one packet, including the message and the next transaction.
  std::string out = Feed(
      "EHLO c\r\nMAIL FROM:<a@b.test>\r\nRCPT TO:<a@support.example>\r\n"
      "RCPT TO:<nobody@elsewhere.test>\r\nDATA\r\n");
  EXPECT_EQ(Codes(out), std::vector<std::string>({"250", "250 2.1.0", "250 2.1.5", "550 5.1.1", "354"}));
  out = Feed(
      "hello\r\n.\r\nMAIL FROM:<b@b.test>\r\nRCPT TO:<b@support.example>\r\nDATA\r\n"
      "second\r\n.\r\nQUIT\r\n");
  EXPECT_EQ(out, "");
  ASSERT_EQ(handler.checked.size(), 2u) << "the second RCPT must wait for the first commit";
  auto d = session->TakeDelivery();
  ASSERT_TRUE(d);
  EXPECT_EQ(d->data, "hello\r\n");
  EXPECT_GT(session->buffered_bytes(), 0u);
  session->CompleteDelivery({Reply{250, "2.0.0", "Ok: first"}});
  EXPECT_EQ(Codes(session->TakeOutput()),
            std::vector<std::string>({"250 2.0.0", "250 2.1.0", "250 2.1.5", "354"}));
  d = session->TakeDelivery();
  ASSERT_TRUE(d);
  EXPECT_EQ(d->data, "second\r\n");
  EXPECT_EQ(d->envelope.mail_from, "b@b.test");
  session->CompleteDelivery({Reply{250, "2.0.0", "Ok: second"}});
  EXPECT_EQ(session->TakeOutput(), "250 2.0.0 Ok: second\r\n221 2.0.0 Bye\r\n");
  EXPECT_TRUE(session->closed());
}

TEST_F(SessionTest, DotUnstuffing) {
  Begin();
  EXPECT_EQ(DeliverData("..hello\r\n...\r\n..\r\nmid.dle\r\n.x\r\n.\r\n"),
            ".hello\r\n..\r\n.\r\nmid.dle\r\nx\r\n");
}

TEST_F(SessionTest, BytesKeptExactly) {
  Begin();
  const char raw[] = "a\rb\nc\0d\xff\xfe\r\r\n\n\r\n";
  std::string body(raw, sizeof(raw) - 1);
  EXPECT_EQ(DeliverData(body + ".\r\n"), body);
}

// SMTP smuggling: only CRLF.CRLF ends the data; whatever follows a bare-LF
// "end" is message content, never a second transaction.
TEST_F(SessionTest, SmugglingVariantsStayOneMessage) {
  const std::string smuggled =
      "MAIL FROM:<admin@victim.test>\r\nRCPT TO:<b@support.example>\r\nDATA\r\n"
      "From: admin@victim.test\r\n\r\nforged\r\n";
  for (std::string fake_end : {"\n.\n", "\r\n.\n", "\n.\r\n", "\r.\r\n", "\r\n.\r", "\r\n.\rX\r\n"}) {
    SCOPED_TRACE(testing::PrintToString(fake_end));
    session.reset();
    handler.checked.clear();
    Begin();
    const std::string body = "Subject: real\r\n\r\nreal body" + fake_end + smuggled;
    EXPECT_EQ(Feed(body + ".\r\n"), "");
    auto d = session->TakeDelivery();
    ASSERT_TRUE(d);
    EXPECT_FALSE(session->TakeDelivery());
    EXPECT_NE(d->data.find(smuggled), std::string::npos);
    if (fake_end.find("\n.\n") != std::string::npos || fake_end.find("\r.\r") != std::string::npos ||
        fake_end == "\n.\r\n") {
      // Bytes kept as sent (the dot is not at the start of a CRLF line, or is
      // followed by a bare LF).
      EXPECT_NE(d->data.find("real body" + fake_end), std::string::npos) << d->data;
    }
    EXPECT_EQ(handler.checked.size(), 1u);
    session->CompleteDelivery({Reply{250, "2.0.0", "Ok"}});
    EXPECT_EQ(session->TakeOutput(), "250 2.0.0 Ok\r\n") << "exactly one reply";
    EXPECT_EQ(Feed("NOOP\r\n"), "250 2.0.0 Ok\r\n") << "back in command mode";
  }
}

TEST_F(SessionTest, SplitAcrossEveryByteBoundary) {
  const std::string input =
      "EHLO c\r\nMAIL FROM:<a@b.test>\r\nRCPT TO:<a@support.example>\r\nDATA\r\n"
      "..dot\r\nbare\n.\nlf\r\n.\n\r\n.x\r\n.\r\r\n\r\n.\r\nQUIT\r\n";
  Make();
  std::string bulk_out = Feed(input);
  auto bulk = session->TakeDelivery();
  ASSERT_TRUE(bulk);
  Make();
  std::string byte_out;
  for (char c : input) byte_out += Feed(std::string_view(&c, 1));
  auto bytewise = session->TakeDelivery();
  ASSERT_TRUE(bytewise);
  EXPECT_EQ(bulk->data, bytewise->data);
  EXPECT_EQ(bulk_out, byte_out);
  EXPECT_EQ(bulk->data, ".dot\r\nbare\n.\nlf\r\n.\n\r\nx\r\n\r\r\n\r\n");
}

TEST_F(SessionTest, SizeLimitInData) {
  options.max_message_bytes = 1000;
  Begin();
  EXPECT_EQ(Feed(std::string(600, 'a') + "\r\n"), "");
  EXPECT_EQ(Feed(std::string(600, 'b') + "\r\n"), "");
  EXPECT_EQ(Feed(std::string(10000, 'c')), "");
  EXPECT_EQ(Feed("\r\n.\r\n"), "552 5.3.4 Error: message exceeds fixed maximum message size\r\n");
  EXPECT_FALSE(session->TakeDelivery());
  EXPECT_FALSE(session->closed());
  // Exactly at the limit is fine.
  EXPECT_EQ(Feed("MAIL FROM:<a@b.test>\r\nRCPT TO:<a@support.example>\r\nDATA\r\n"),
            "250 2.1.0 Ok\r\n250 2.1.5 Ok\r\n354 End data with <CR><LF>.<CR><LF>\r\n");
  std::string exact = std::string(998, 'x') + "\r\n";
  EXPECT_EQ(DeliverData(exact + ".\r\n"), exact);
}

TEST_F(SessionTest, LongDataLineCountsOnlyAgainstMessageSize) {
  Begin();
  const std::string chunk(64 * 1024, 'z');
  for (int i = 0; i < 160; ++i) {  // a single 10 MiB line
    ASSERT_EQ(Feed(chunk), "");
    ASSERT_LE(session->buffered_bytes(), 2u);
  }
  std::string data = DeliverData("\r\n.\r\n");
  EXPECT_EQ(data.size(), 160u * chunk.size() + 2);
}

TEST_F(SessionTest, RecipientLimit) {
  options.max_recipients = 3;
  options.max_errors = 5;
  Make();
  Feed("EHLO c\r\nMAIL FROM:<a@b.test>\r\n");
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(Feed("RCPT TO:<r" + std::to_string(i) + "@support.example>\r\n"), "250 2.1.5 Ok\r\n");
  }
  for (int i = 0; i < 10; ++i) {  // not counted as client errors
    EXPECT_EQ(Feed("RCPT TO:<more@support.example>\r\n"), "452 4.5.3 Error: too many recipients\r\n");
  }
  EXPECT_FALSE(session->closed());
  Feed("DATA\r\n.\r\n");
  auto d = session->TakeDelivery();
  ASSERT_TRUE(d);
  EXPECT_EQ(d->envelope.rcpt_to.size(), 3u);
}

TEST_F(SessionTest, DefaultRecipientLimitIs100) {
  Make();
  Feed("EHLO c\r\nMAIL FROM:<a@b.test>\r\n");
  std::string cmds;
  for (int i = 0; i < 101; ++i) cmds += "RCPT TO:<r" + std::to_string(i) + "@support.example>\r\n";
  auto codes = Codes(Feed(cmds));
  ASSERT_EQ(codes.size(), 101u);
  EXPECT_EQ(codes[99], "250 2.1.5");
  EXPECT_EQ(codes[100], "452 4.5.3");
}

TEST_F(SessionTest, LongCommandLine) {
  options.max_line_bytes = 512;
  Make();
  // 510 bytes + CRLF = 512: the limit, accepted.
  EXPECT_EQ(Feed("NOOP " + std::string(505, 'x') + "\r\n"), "250 2.0.0 Ok\r\n");
  EXPECT_EQ(Feed("NOOP " + std::string(506, 'x') + "\r\n"), "500 5.5.2 Error: line too long\r\n");
  // Split over many reads; the rest of the line is discarded, not executed.
  std::string out = Feed("NOOP " + std::string(1000, 'x'));
  out += Feed(std::string(5000, 'y'));
  out += Feed("QUIT\r\nNOOP\r\n");
  EXPECT_EQ(out, "500 5.5.2 Error: line too long\r\n250 2.0.0 Ok\r\n");
  EXPECT_FALSE(session->closed());
  EXPECT_LE(session->buffered_bytes(), 512u);
}

TEST_F(SessionTest, LineLimitHasRfcMinimum) {
  options.max_line_bytes = 10;
  Make();
  EXPECT_EQ(Feed("NOOP " + std::string(300, 'x') + "\r\n"), "250 2.0.0 Ok\r\n");
}

TEST_F(SessionTest, BareLfEndsACommand) {
  Make();
  EXPECT_EQ(Feed("NOOP\nNOOP\r\n"), "250 2.0.0 Ok\r\n250 2.0.0 Ok\r\n");
}

TEST_F(SessionTest, LmtpRepliesPerRecipient) {
  options.lmtp = true;
  Make();
  EXPECT_EQ(Feed("EHLO c\r\n"), "500 5.5.1 Error: this is LMTP, use LHLO\r\n");
  EXPECT_EQ(Feed("HELO c\r\n"), "500 5.5.1 Error: this is LMTP, use LHLO\r\n");
  EXPECT_EQ(Feed("MAIL FROM:<a@b.test>\r\n"), "503 5.5.1 Error: send LHLO first\r\n");
  EXPECT_EQ(Codes(Feed("LHLO c\r\n")), std::vector<std::string>({"250"}));
  Feed("MAIL FROM:<a@b.test>\r\n");
  Feed("RCPT TO:<r1@support.example>\r\nRCPT TO:<x@other.test>\r\nRCPT TO:<r2@support.example>\r\n"
       "RCPT TO:<r3@support.example>\r\n");
  Feed("DATA\r\nhi\r\n.\r\n");
  auto d = session->TakeDelivery();
  ASSERT_TRUE(d);
  EXPECT_TRUE(d->envelope.lmtp);
  EXPECT_EQ(d->envelope.rcpt_to,
            std::vector<std::string>({"r1@support.example", "r2@support.example", "r3@support.example"}));
  session->CompleteDelivery({Reply{250, "2.0.0", "Ok r1"}, Reply{452, "4.2.2", "Full r2"},
                             Reply{550, "5.1.1", "Gone r3"}});
  EXPECT_EQ(session->TakeOutput(), "250 2.0.0 Ok r1\r\n452 4.2.2 Full r2\r\n550 5.1.1 Gone r3\r\n");
  // Too few replies from the handler: the missing ones are temporary failures.
  Feed("MAIL FROM:<a@b.test>\r\nRCPT TO:<r1@support.example>\r\nRCPT TO:<r2@support.example>\r\nDATA\r\n.\r\n");
  ASSERT_TRUE(session->TakeDelivery());
  session->TakeOutput();
  session->CompleteDelivery({Reply{250, "2.0.0", "Ok"}});
  EXPECT_EQ(session->TakeOutput(), "250 2.0.0 Ok\r\n451 4.3.0 Error: no delivery status\r\n");
}

TEST_F(SessionTest, SmtpCollapsesPerRecipientReplies) {
  struct Case {
    std::vector<Reply> replies;
    std::string want;
  };
  const std::vector<Case> cases = {
      {{{250, "2.0.0", "first"}, {250, "2.0.0", "second"}}, "250 2.0.0 first\r\n"},
      {{{250, "2.0.0", "ok"}, {550, "5.1.1", "perm"}, {451, "4.3.0", "temp"}, {452, "4.2.2", "t2"}},
       "451 4.3.0 temp\r\n"},
      {{{250, "2.0.0", "ok"}, {550, "5.1.1", "perm"}, {554, "5.7.1", "p2"}}, "550 5.1.1 perm\r\n"},
      {{{550, "5.1.1", "perm"}, {250, "2.0.0", "ok"}}, "550 5.1.1 perm\r\n"},
      {{{250, "2.0.0", "ok"}}, "451 4.3.0 Error: no delivery status\r\n"},  // 1 reply, 2 rcpts
      {{{0, "", "bad\r\nINJECT"}, {250, "2.0.0", "ok"}}, "451 4.3.0 Error: internal error\r\n"},
      {{{250, "9.9", "a\r\nb"}, {250, "", ""}}, "250 2.0.0 a  b\r\n"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.want);
    session.reset();
    Make();
    Feed("EHLO c\r\nMAIL FROM:<a@b.test>\r\nRCPT TO:<r1@support.example>\r\n"
         "RCPT TO:<r2@support.example>\r\nDATA\r\n.\r\n");
    ASSERT_TRUE(session->TakeDelivery());
    session->TakeOutput();
    session->CompleteDelivery(c.replies);
    EXPECT_EQ(session->TakeOutput(), c.want);
  }
}

TEST_F(SessionTest, InvalidInput) {
  options.max_errors = 100;
  Make();
  EXPECT_EQ(Feed(std::string("NO\0OP\r\n", 7)), "500 5.5.2 Error: invalid character in command\r\n");
  EXPECT_EQ(Feed("NOOP\rx\r\n"), "500 5.5.2 Error: invalid character in command\r\n");
  EXPECT_EQ(Feed("EHLO h\xc3\xa9.test\r\n"), "501 5.5.2 Error: non-ASCII characters not allowed here\r\n");
  EXPECT_EQ(Feed("N\xc3\x89OOP\r\n"), "500 5.5.1 Error: command not recognized\r\n");
  Feed("EHLO c\r\n");
  EXPECT_EQ(Feed("MAIL FROM:<j\xc3\xb6rg@b.test>\r\n"),
            "553 5.6.7 Error: non-ASCII sender address requires SMTPUTF8\r\n");
  EXPECT_EQ(Feed("MAIL FROM:<j\xff\xfe@b.test> SMTPUTF8\r\n"),
            "501 5.1.7 Error: bad sender address syntax\r\n");
  EXPECT_EQ(Feed("MAIL FROM:<a@b.test>\r\n"), "250 2.1.0 Ok\r\n");
  EXPECT_EQ(Feed("RCPT TO:<s\xc3\xbc@support.example>\r\n"),
            "553 5.6.7 Error: non-ASCII recipient address requires SMTPUTF8\r\n");
  Feed("RSET\r\n");
  EXPECT_EQ(Feed("MAIL FROM:<j\xc3\xb6rg@b.test> SMTPUTF8\r\n"), "250 2.1.0 Ok\r\n");
  EXPECT_EQ(Feed("RCPT TO:<s\xc3\xbc@support.example>\r\n"), "250 2.1.5 Ok\r\n");
}

TEST_F(SessionTest, TooManyErrorsCloses) {
  options.max_errors = 3;
  Make();
  EXPECT_EQ(Feed("FOO\r\nBAR\r\nBAZ\r\nNOOP\r\n"),
            "500 5.5.1 Error: command not recognized\r\n"
            "500 5.5.1 Error: command not recognized\r\n"
            "500 5.5.1 Error: command not recognized\r\n"
            "421 4.7.0 mx.test Error: too many errors\r\n");
  EXPECT_TRUE(session->closed());
  EXPECT_EQ(Feed("NOOP\r\n"), "");
}

TEST_F(SessionTest, JunkCommandsEventuallyCount) {
  options.max_junk_commands = 5;
  options.max_errors = 3;
  Make();
  std::string out;
  for (int i = 0; i < 7; ++i) out += Feed("NOOP\r\n");
  EXPECT_FALSE(session->closed());
  out += Feed("NOOP\r\n");
  EXPECT_TRUE(session->closed());
  EXPECT_EQ(Codes(out).back(), "421 4.7.0");
}

TEST_F(SessionTest, HttpRequestHangsUp) {
  Make();
  EXPECT_EQ(Feed("GET / HTTP/1.1\r\nHost: x\r\n\r\n"), "421 4.7.0 mx.test Error: this is an SMTP server\r\n");
  EXPECT_TRUE(session->closed());
}

TEST_F(SessionTest, TimeoutAndShutdown) {
  Begin();
  Feed("partial data");
  session->Timeout();
  EXPECT_EQ(session->TakeOutput(), "421 4.4.2 mx.test Error: timeout exceeded\r\n");
  EXPECT_TRUE(session->closed());
  EXPECT_FALSE(session->TakeDelivery());
  Make();
  session->Shutdown();
  EXPECT_EQ(session->TakeOutput(), "421 4.3.2 mx.test Service shutting down\r\n");
}

// Random pieces of valid and invalid protocol in random chunk sizes: the
// session must never crash, every reply must be a well-formed line, and the
// unconsumed input must stay bounded.
TEST_F(SessionTest, RandomInputKeepsInvariants) {
  const std::vector<std::string> pieces = {
      "EHLO c\r\n", "HELO c\r\n", "LHLO c\r\n", "MAIL FROM:<a@b.test>\r\n", "MAIL FROM:<>\r\n",
      "RCPT TO:<a@support.example>\r\n", "RCPT TO:<x@y.test>\r\n", "DATA\r\n", "RSET\r\n",
      "NOOP\r\n", ".\r\n", "\r\n.\r\n", "..\r\n", "\n.\n", "\r", "\n", ".", std::string(1, '\0'), "\xff",
      "MAIL FROM:<a@b.test> SIZE=5 BODY=8BITMIME SMTPUTF8\r\n", "VRFY x\r\n", "HELP\r\n",
      std::string(700, 'q'), "RCPT TO:<\xc3\xa9@support.example>\r\n"};
  std::mt19937 rng(12345);
  for (int round = 0; round < 200; ++round) {
    options.max_errors = 1000;
    options.max_junk_commands = 1000;
    options.max_message_bytes = 2000;
    options.max_line_bytes = 512;
    Make();
    std::string stream;
    for (int i = 0; i < 200; ++i) stream += pieces[rng() % pieces.size()];
    std::string out;
    size_t pos = 0;
    while (pos < stream.size() && !session->closed()) {
      size_t n = 1 + rng() % 64;
      session->Feed(std::string_view(stream).substr(pos, n));
      pos += n;
      ASSERT_LE(session->buffered_bytes(), 512u + 64u);
      while (auto d = session->TakeDelivery()) {
        ASSERT_LE(d->data.size(), 2000u);
        ASSERT_FALSE(d->envelope.rcpt_to.empty());
        session->CompleteDelivery({Reply{}});
      }
      out += session->TakeOutput();
    }
    for (const auto& line : Lines(out)) {
      ASSERT_GE(line.size(), 4u) << line;
      ASSERT_TRUE(line[0] >= '2' && line[0] <= '5') << line;
      ASSERT_TRUE(line[3] == ' ' || line[3] == '-') << line;
    }
  }
}

TEST(FormatReplyTest, Formats) {
  EXPECT_EQ(FormatReply(Reply{}), "250 2.0.0 Ok\r\n");
  EXPECT_EQ(FormatReply(Reply{354, "", "go"}), "354 go\r\n");
  EXPECT_EQ(FormatReply(Reply{550, "5.1.1", "a\r\n250 b"}), "550 5.1.1 a  250 b\r\n");
}

}  // namespace
}  // namespace postdesk::smtp
