#include "outbound/compose.h"

#include <gtest/gtest.h>

namespace postdesk::outbound {
namespace {

Notification Sample() {
  Notification n;
  n.from = {"Acme Support", "support@acme.test"};
  n.reply_to = {"Acme Support", "support+idK7Q2-9XWD@acme.test"};
  n.to = {{"Alice Example", "alice@customer.test"}};
  n.subject = "Re: Printer on fire";
  n.text_body = "We are on it.\nLine two.";
  n.encoded_id = "K7Q2-9XWD";
  n.in_reply_to = "first@customer.test";
  n.references = {"first@customer.test", "second@acme.test"};
  n.hostname = "desk.acme.test";
  n.date = 1700000000;
  return n;
}

std::string HeaderBlock(const std::string& bytes) { return bytes.substr(0, bytes.find("\r\n\r\n")); }

TEST(Compose, BuildsThreadedMultipartAlternative) {
  auto c = ComposeNotification(Sample());
  ASSERT_TRUE(c.ok()) << c.status().message();
  std::string h = HeaderBlock(c->bytes);
  EXPECT_NE(h.find("From: Acme Support <support@acme.test>"), std::string::npos);
  EXPECT_NE(h.find("Reply-To: Acme Support <support+idK7Q2-9XWD@acme.test>"), std::string::npos);
  EXPECT_NE(h.find("In-Reply-To: <first@customer.test>"), std::string::npos);
  EXPECT_NE(h.find("References: <first@customer.test>\r\n <second@acme.test>"), std::string::npos);
  EXPECT_NE(h.find("Message-ID: <" + c->message_id + ">"), std::string::npos);
  EXPECT_NE(c->message_id.find("@desk.acme.test"), std::string::npos);
  EXPECT_NE(h.find("multipart/alternative"), std::string::npos);
  EXPECT_NE(h.find("X-Postdesk-Loop: desk.acme.test"), std::string::npos);
  EXPECT_NE(c->bytes.find("##- Please type your reply above this line -##"), std::string::npos);
  EXPECT_NE(c->bytes.find("[K7Q2-9XWD]"), std::string::npos);
  EXPECT_NE(c->bytes.find("text/html; charset=UTF-8"), std::string::npos);
}

TEST(Compose, AttachmentsMakeItMultipartMixed) {
  Notification n = Sample();
  n.attachments = {{"invoice.pdf", "application/pdf", "%PDF-1.4 hello"},
                   {"請求書 \"2026\".txt", "text/plain\r\nX-Evil: 1", "abc"}};
  auto c = ComposeNotification(n);
  ASSERT_TRUE(c.ok()) << c.status().message();
  std::string h = HeaderBlock(c->bytes);
  EXPECT_NE(h.find("Content-Type: multipart/mixed; boundary="), std::string::npos);
  EXPECT_EQ(h.find("multipart/alternative"), std::string::npos);
  const std::string& b = c->bytes;
  size_t alt = b.find("Content-Type: multipart/alternative");
  size_t pdf = b.find("Content-Type: application/pdf; name=\"invoice.pdf\"");
  ASSERT_NE(alt, std::string::npos);
  ASSERT_NE(pdf, std::string::npos);
  EXPECT_LT(alt, pdf);  // the text first, then the files
  EXPECT_NE(b.find("JVBERi0xLjQgaGVsbG8="), std::string::npos);  // base64 of the bytes
  // A type that is not a plain token is not trusted; the name keeps no
  // quote and carries its UTF-8 form in RFC 2231 encoding.
  EXPECT_EQ(b.find("X-Evil"), std::string::npos);
  EXPECT_NE(b.find("Content-Type: application/octet-stream;\r\n name=\"=?UTF-8?B?"), std::string::npos);
  EXPECT_NE(b.find("filename*=UTF-8''%E8%AB%8B%E6%B1%82%E6%9B%B8%20%222026%22.txt"),
            std::string::npos);
}

TEST(Compose, NonAsciiSubjectAndNameAreEncodedWords) {
  Notification n = Sample();
  n.subject = "プリンターが動きません、本当に困っています。至急対応をお願いします。";
  n.to = {{"山田 太郎", "yamada@customer.test"}};
  auto c = ComposeNotification(n);
  ASSERT_TRUE(c.ok());
  std::string h = HeaderBlock(c->bytes);
  EXPECT_NE(h.find("Subject: =?UTF-8?B?"), std::string::npos);
  EXPECT_NE(h.find("To: =?UTF-8?B?"), std::string::npos);
  for (size_t start = 0; start < h.size();) {
    size_t end = h.find("\r\n", start);
    if (end == std::string::npos) end = h.size();
    EXPECT_LE(end - start, 998u);
    for (size_t i = start; i < end; ++i) EXPECT_LT(static_cast<unsigned char>(h[i]), 0x80);
    start = end + 2;
  }
}

TEST(Compose, NoCrLfFromAnyFieldReachesAHeader) {
  Notification n = Sample();
  n.subject = "Hello\r\nBcc: victim@evil.test";
  n.from.name = "Support\r\nX-Injected: 1";
  n.to[0].name = "Alice\nBcc: other@evil.test";
  n.encoded_id = "K7Q2\r\nX-Evil: 1";
  auto c = ComposeNotification(n);
  ASSERT_TRUE(c.ok());
  std::string h = HeaderBlock(c->bytes);
  EXPECT_EQ(h.find("\r\nBcc:"), std::string::npos);
  EXPECT_EQ(h.find("\r\nX-Injected:"), std::string::npos);
  EXPECT_EQ(c->bytes.find("\r\nX-Evil:"), std::string::npos);
  // Unsafe addresses are refused, not cleaned.
  n.to[0].email = "alice@customer.test>\r\nBcc: x@evil.test";
  EXPECT_FALSE(ComposeNotification(n).ok());
  n = Sample();
  n.reply_to.email = "a b@c.test";
  EXPECT_FALSE(ComposeNotification(n).ok());
  n = Sample();
  n.in_reply_to = "x@y>\r\nBcc: z@evil.test";  // dropped, not written
  c = ComposeNotification(n);
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(HeaderBlock(c->bytes).find("Bcc"), std::string::npos);
}

TEST(Compose, QuotedPrintableKeepsLinesShortAndDotsSafe) {
  std::string qp = QuotedPrintable(std::string(200, 'a') + "\n.\nend = é ");
  for (size_t start = 0; start < qp.size();) {
    size_t end = qp.find("\r\n", start);
    if (end == std::string::npos) end = qp.size();
    EXPECT_LE(end - start, 76u);
    EXPECT_NE(qp.substr(start, end - start), ".");
    start = end + 2;
  }
  EXPECT_NE(qp.find("=C3=A9"), std::string::npos);
  EXPECT_NE(qp.find("=20"), std::string::npos);  // trailing space encoded
}

TEST(Compose, Rfc5322Date) { EXPECT_EQ(FormatRfc5322Date(0), "Thu, 01 Jan 1970 00:00:00 +0000"); }

}  // namespace
}  // namespace postdesk::outbound
