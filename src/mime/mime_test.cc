#include "mime/message.h"

#include <gtest/gtest.h>

#include <chrono>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "common/strings.h"
#include "mime/charset.h"
#include "mime/header_decode.h"

namespace postdesk::mime {
namespace {

using std::string_literals::operator""s;

class MimeTest : public testing::Test {
 protected:
  static void SetUpTestSuite() { InitMime(); }
};

// Every string a Message exposes is valid UTF-8 without NUL bytes.
void ExpectWellFormed(const Message& m) {
  auto check = [](const std::string& s, const char* what) {
    EXPECT_TRUE(IsValidUtf8(s)) << what;
    EXPECT_EQ(s.find('\0'), std::string::npos) << what;
  };
  check(m.subject, "subject");
  check(m.text_body, "text_body");
  check(m.html_body, "html_body");
  check(m.message_id, "message_id");
  for (const auto& [k, v] : m.headers) {
    check(k, "header name");
    check(v, "header value");
  }
  for (const auto* list : {&m.from, &m.to, &m.cc, &m.reply_to}) {
    for (const Address& a : *list) {
      check(a.name, "address name");
      check(a.email, "address email");
    }
  }
  for (const auto& id : m.in_reply_to) check(id, "in_reply_to");
  for (const auto& id : m.references) check(id, "references");
  for (const Attachment& a : m.attachments) {
    check(a.filename, "filename");
    check(a.content_type, "content_type");
    check(a.content_id, "content_id");
  }
  for (const auto& d : m.defects) check(d, "defect");
}

bool HasDefect(const Message& m, std::string_view part) {
  for (const auto& d : m.defects) {
    if (d.find(part) != std::string::npos) return true;
  }
  return false;
}

std::string B64(std::string_view in) {
  static const char* kAlphabet =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  size_t i = 0;
  for (; i + 2 < in.size(); i += 3) {
    uint32_t v = (uint8_t(in[i]) << 16) | (uint8_t(in[i + 1]) << 8) | uint8_t(in[i + 2]);
    for (int k = 3; k >= 0; --k) out += kAlphabet[(v >> (6 * k)) & 63];
  }
  if (i + 1 == in.size()) {
    uint32_t v = uint8_t(in[i]) << 16;
    out += kAlphabet[(v >> 18) & 63];
    out += kAlphabet[(v >> 12) & 63];
    out += "==";
  } else if (i + 2 == in.size()) {
    uint32_t v = (uint8_t(in[i]) << 16) | (uint8_t(in[i + 1]) << 8);
    out += kAlphabet[(v >> 18) & 63];
    out += kAlphabet[(v >> 12) & 63];
    out += kAlphabet[(v >> 6) & 63];
    out += '=';
  }
  return out;
}

// ---------------------------------------------------------------------------
// Init, Header()

TEST_F(MimeTest, InitMimeIsIdempotentAndThreadSafe) {
  std::vector<std::thread> threads;
  for (int i = 0; i < 4; ++i) {
    threads.emplace_back([] {
      InitMime();
      Message m = Parse("From: a@example.com\nSubject: t\n\nbody\n");
      EXPECT_EQ(m.subject, "t");
    });
  }
  for (auto& t : threads) t.join();
  InitMime();
}

TEST_F(MimeTest, ParseIsThreadSafe) {
  const std::string raw =
      "From: =?ISO-2022-JP?B?GyRCRURDZhsoQg==?= <t@example.jp>\nSubject: x\n"
      "Content-Type: text/plain; charset=shift_jis\n\n\x82\xb1\x82\xf1\x82\xc9\x82\xbf\x82\xcd\n";
  std::vector<std::thread> threads;
  for (int i = 0; i < 4; ++i) {
    threads.emplace_back([&] {
      for (int k = 0; k < 50; ++k) {
        Message m = Parse(raw);
        EXPECT_EQ(m.text_body, "こんにちは\n");
        EXPECT_EQ(m.from.at(0).name, "田中");
      }
    });
  }
  for (auto& t : threads) t.join();
}

TEST_F(MimeTest, HeaderLookupIsCaseInsensitiveAndFirstWins) {
  Message m = Parse("X-Custom: one\nx-custom: two\nSubject: s\n\nb\n");
  ASSERT_TRUE(m.Header("X-CUSTOM"));
  EXPECT_EQ(*m.Header("X-CUSTOM"), "one");
  EXPECT_FALSE(m.Header("X-Missing"));
  ASSERT_GE(m.headers.size(), 3u);
  EXPECT_EQ(m.headers[0].first, "X-Custom");
  EXPECT_EQ(m.headers[1].second, "two");
}

TEST_F(MimeTest, HeadersAreDecodedAndUnfolded) {
  Message m = Parse("Subject: =?UTF-8?B?w6k=?=\nX-Folded: a\r\n  b\n\nbody\n");
  EXPECT_EQ(*m.Header("subject"), "é");
  EXPECT_EQ(*m.Header("x-folded"), "a  b");
}

// ---------------------------------------------------------------------------
// Addresses, subject, ids, date

TEST_F(MimeTest, DecodesRfc2047InAddressesAndSubject) {
  Message m = Parse(
      "From: =?utf-8?Q?Fran=C3=A7ois_Dupont?= <f.dupont@example.fr>\n"
      "To: \"=?ISO-8859-1?Q?J=F6rg?=\" <joerg@example.de>, plain@example.com\n"
      "Cc: =?KOI8-R?B?6dfBzg==?= <ivan@example.ru>\n"
      "Reply-To: Help Desk <help@example.com>\n"
      "Subject: =?utf-8?B?44GT44KT44Gr44Gh44Gv?= world\n\nbody\n");
  ASSERT_EQ(m.from.size(), 1u);
  EXPECT_EQ(m.from[0].name, "François Dupont");
  EXPECT_EQ(m.from[0].email, "f.dupont@example.fr");
  ASSERT_EQ(m.to.size(), 2u);
  EXPECT_EQ(m.to[0].name, "Jörg");
  EXPECT_EQ(m.to[1].email, "plain@example.com");
  EXPECT_EQ(m.to[1].name, "");
  ASSERT_EQ(m.cc.size(), 1u);
  EXPECT_EQ(m.cc[0].name, "Иван");
  ASSERT_EQ(m.reply_to.size(), 1u);
  EXPECT_EQ(m.reply_to[0].email, "help@example.com");
  EXPECT_EQ(m.subject, "こんにちは world");
}

TEST_F(MimeTest, EncodedWordSplitInsideMultibyteCharacter) {
  // "日本" is E6 97 A5 E6 9C AC; the first word ends after E6 97.
  std::string w1 = B64("\xE6\x97"), w2 = B64("\xA5\xE6\x9C\xAC");
  Message m = Parse("Subject: =?UTF-8?B?" + w1 + "?= =?UTF-8?B?" + w2 + "?=\n\nb\n");
  EXPECT_EQ(m.subject, "日本");
  // Same with Q encoding, folded between the words, and in Shift_JIS
  // (a double-byte character split between its two bytes).
  m = Parse("Subject: =?utf-8?q?=E6=97?=\r\n =?utf-8?q?=A5=E6=9C=AC?=\n\nb\n");
  EXPECT_EQ(m.subject, "日本");
  m = Parse("Subject: =?shift_jis?B?" + B64("\x93") + "?= =?shift_jis?B?" + B64("\xfa\x96\x7b") +
            "?=\n\nb\n");
  EXPECT_EQ(m.subject, "日本");
}

TEST_F(MimeTest, EncodedWordWhitespaceRules) {
  // Whitespace between encoded words disappears; next to plain text it stays.
  Message m = Parse("Subject: =?utf-8?q?a?=   =?utf-8?q?b?= c =?utf-8?q?d?=\n\nb\n");
  EXPECT_EQ(m.subject, "ab c d");
  // Different charsets side by side.
  m = Parse("Subject: =?iso-8859-1?q?caf=E9?= =?koi8-r?b?6dfBzg==?=\n\nb\n");
  EXPECT_EQ(m.subject, "caféИван");
  // Malformed encoded words are left as written.
  m = Parse("Subject: =?utf-8?x?abc?= and =?broken\n\nb\n");
  EXPECT_EQ(m.subject, "=?utf-8?x?abc?= and =?broken");
  // Unknown charset: the bytes are still decoded (detected), not dropped.
  m = Parse("Subject: =?x-unknown?q?=C3=A9t=C3=A9?=\n\nb\n");
  EXPECT_EQ(m.subject, "été");
  // Encoded control characters do not reach the subject.
  m = Parse("Subject: =?utf-8?q?a=0D=0Ab=00c?=\n\nb\n");
  EXPECT_EQ(m.subject, "a  bc");
}

TEST_F(MimeTest, Raw8BitHeadersAreDecoded) {
  // Undeclared UTF-8.
  Message m = Parse("From: Zoë Ångström <zoe@example.se>\nSubject: Grüße aus Köln\n\nb\n");
  EXPECT_EQ(m.subject, "Grüße aus Köln");
  EXPECT_EQ(m.from.at(0).name, "Zoë Ångström");
  EXPECT_TRUE(HasDefect(m, "8-bit header"));
  // Undeclared Shift_JIS with no body hint: detected.
  m = Parse("From: \x8d\xb2\x93\xa1 <sato@example.jp>\n"
            "Subject: \x82\xa8\x96\xe2\x82\xa2\x8d\x87\x82\xed\x82\xb9\n\nb\n");
  EXPECT_EQ(m.subject, "お問い合わせ");
  EXPECT_EQ(m.from.at(0).name, "佐藤");
  // Raw ISO-2022-JP (7-bit with escapes); its bytes must not be taken for
  // address syntax.
  m = Parse("From: \x1b$B%F%9%H\x1b(B <test@example.jp>\nSubject: \x1b$B%F%9%H\x1b(B\n\nb\n");
  EXPECT_EQ(m.subject, "テスト");
  EXPECT_EQ(m.from.at(0).name, "テスト");
  EXPECT_EQ(m.from.at(0).email, "test@example.jp");
  // Latin-1 raw header.
  m = Parse("Subject: Caf\xe9 cr\xe8me\n\nb\n");
  EXPECT_EQ(m.subject, "Café crème");
  // Raw Big5 header next to a Big5 body: the body charset is used.
  m = Parse("Subject: \xb1\x62\xb8\xb9\n"
            "Content-Type: text/plain; charset=big5\n\n\xb1\x62\xb8\xb9\n");
  EXPECT_EQ(m.subject, "帳號");
  EXPECT_EQ(m.text_body, "帳號\n");
}

TEST_F(MimeTest, AddressListEdgeCases) {
  auto parse = [](std::string_view v) { return internal::ParseAddressList(v, "UTF-8"); };
  auto list = parse("\"Doe, John\" <john@example.com>, (comment) jane@example.com (Jane Roe)");
  ASSERT_EQ(list.size(), 2u);
  EXPECT_EQ(list[0].name, "Doe, John");
  EXPECT_EQ(list[1].email, "jane@example.com");
  EXPECT_EQ(list[1].name, "Jane Roe");
  list = parse("Team: a@example.com, b@example.com;, c@example.com");
  ASSERT_EQ(list.size(), 3u);
  EXPECT_EQ(list[2].email, "c@example.com");
  EXPECT_TRUE(parse("undisclosed-recipients:;").empty());
  list = parse("'Outlook Name' <o@example.com>");
  ASSERT_EQ(list.size(), 1u);
  EXPECT_EQ(list[0].name, "Outlook Name");
  list = parse("John Smith john@example.com");  // no brackets
  ASSERT_EQ(list.size(), 1u);
  EXPECT_EQ(list[0].email, "john@example.com");
  EXPECT_EQ(list[0].name, "John Smith");
  list = parse("Broken <broken@example.com");  // no closing bracket
  ASSERT_EQ(list.size(), 1u);
  EXPECT_EQ(list[0].email, "broken@example.com");
  list = parse("<@relay.example:user@example.com>");  // source route
  ASSERT_EQ(list.size(), 1u);
  EXPECT_EQ(list[0].email, "user@example.com");
  list = parse("\"Quote \\\" inside\" <q@example.com>");
  ASSERT_EQ(list.size(), 1u);
  EXPECT_EQ(list[0].name, "Quote \" inside");
  list = parse("=?utf-8?q?Doe=2C_Jane?= <jd@example.com>");  // comma only after decoding
  ASSERT_EQ(list.size(), 1u);
  EXPECT_EQ(list[0].name, "Doe, Jane");
  list = parse("MAILER-DAEMON");
  ASSERT_EQ(list.size(), 1u);
  EXPECT_EQ(list[0].email, "MAILER-DAEMON");
  EXPECT_TRUE(parse("").empty());
  EXPECT_TRUE(parse("  ,, ;").empty());
  // Email kept as written (not lower-cased).
  EXPECT_EQ(parse("<John.Doe@Example.COM>")[0].email, "John.Doe@Example.COM");
}

TEST_F(MimeTest, MessageIdsWithoutBrackets) {
  Message m = Parse(
      "Message-ID: <abc.123@example.com>\n"
      "In-Reply-To: <parent@example.com> (message from Someone)\n"
      "References: <r1@example.com>\n <r2@example.com><r3@example.com>\n\nb\n");
  EXPECT_EQ(m.message_id, "abc.123@example.com");
  EXPECT_EQ(m.in_reply_to, std::vector<std::string>{"parent@example.com"});
  EXPECT_EQ(m.references,
            (std::vector<std::string>{"r1@example.com", "r2@example.com", "r3@example.com"}));
  // Bare ids (broken mailers).
  m = Parse("Message-ID: bare-id@example.com\nReferences: a@x.example b@x.example\n\nb\n");
  EXPECT_EQ(m.message_id, "bare-id@example.com");
  EXPECT_EQ(m.references, (std::vector<std::string>{"a@x.example", "b@x.example"}));
  // An id folded inside its brackets loses the whitespace.
  EXPECT_EQ(internal::ParseMessageIds("<long\r\n .id@example.com>"),
            std::vector<std::string>{"long.id@example.com"});
  EXPECT_TRUE(internal::ParseMessageIds("").empty());
}

TEST_F(MimeTest, DateIsParsed) {
  Message m = Parse("Date: Tue, 05 Mar 2024 10:14:03 +0900\n\nb\n");
  EXPECT_EQ(m.date, 1709601243);
  m = Parse("Date: not a date at all\n\nb\n");
  EXPECT_EQ(m.date, 0);
  EXPECT_TRUE(HasDefect(m, "Date"));
}

// ---------------------------------------------------------------------------
// Bodies and attachments

TEST_F(MimeTest, AlternativePrefersPlainAndKeepsHtml) {
  Message m = Parse(
      "Content-Type: multipart/alternative; boundary=b\n\n"
      "--b\nContent-Type: text/plain; charset=utf-8\n\nplain version\n"
      "--b\nContent-Type: text/html; charset=utf-8\n\n<p>html <b>version</b></p>\n"
      "--b--\n");
  EXPECT_EQ(m.text_body, "plain version");
  EXPECT_EQ(m.html_body, "<p>html <b>version</b></p>");
  EXPECT_TRUE(m.attachments.empty());
}

TEST_F(MimeTest, HtmlOnlyDerivesText) {
  Message m = Parse(
      "Content-Type: text/html; charset=iso-8859-1\n\n"
      "<html><head><style>x{}</style></head><body><p>Caf\xe9</p><p>Second &amp; last</p>"
      "</body></html>\n");
  EXPECT_EQ(m.text_body, "Café\n\nSecond & last");
  EXPECT_NE(m.html_body.find("<p>Café</p>"), std::string::npos);
}

TEST_F(MimeTest, MixedConcatenatesInlineTextParts) {
  Message m = Parse(
      "Content-Type: multipart/mixed; boundary=m\n\n"
      "--m\nContent-Type: text/plain\n\nfirst part\n"
      "--m\nContent-Type: image/gif\nContent-Disposition: inline\nContent-Transfer-Encoding: base64\n\n"
      "R0lGODlhAQABAAAAACw=\n"
      "--m\nContent-Type: text/plain; charset=koi8-r\n\n\xf7\xd4\xcf\xd2\xc1\xd1\n"
      "--m\nContent-Type: text/plain\nContent-Disposition: attachment; filename=notes.txt\n\n"
      "attached text\n"
      "--m--\n");
  EXPECT_EQ(m.text_body, "first part\nВторая");
  ASSERT_EQ(m.attachments.size(), 2u);
  EXPECT_EQ(m.attachments[0].content_type, "image/gif");
  EXPECT_TRUE(m.attachments[0].is_inline);
  EXPECT_EQ(m.attachments[0].filename, "attachment-1");
  EXPECT_EQ(m.attachments[0].data, "GIF89a\x01\x00\x01\x00\x00\x00\x00,"s);
  EXPECT_EQ(m.attachments[1].filename, "notes.txt");
  EXPECT_EQ(m.attachments[1].data, "attached text");
  EXPECT_EQ(m.text_body.find("attached text"), std::string::npos);
}

TEST_F(MimeTest, AlternativeInsideMixedWithRelatedImages) {
  Message m = Parse(
      "Content-Type: multipart/mixed; boundary=outer\n\n"
      "--outer\nContent-Type: multipart/alternative; boundary=alt\n\n"
      "--alt\nContent-Type: text/plain\n\nsee picture\n"
      "--alt\nContent-Type: multipart/related; boundary=rel\n\n"
      "--rel\nContent-Type: text/html\n\n<p>see <img src=\"cid:pic@x\"></p>\n"
      "--rel\nContent-Type: image/png; name=pic.png\nContent-ID: <pic@x>\n"
      "Content-Transfer-Encoding: base64\n\niVBORw0KGgo=\n"
      "--rel--\n"
      "--alt--\n"
      "--outer\nContent-Type: application/zip; name=\"logs.zip\"\n"
      "Content-Disposition: attachment\nContent-Transfer-Encoding: base64\n\nUEsDBA==\n"
      "--outer--\n");
  EXPECT_EQ(m.text_body, "see picture");
  EXPECT_EQ(m.html_body, "<p>see <img src=\"cid:pic@x\"></p>");
  ASSERT_EQ(m.attachments.size(), 2u);
  EXPECT_EQ(m.attachments[0].filename, "pic.png");
  EXPECT_EQ(m.attachments[0].content_id, "pic@x");
  EXPECT_TRUE(m.attachments[0].is_inline);  // referenced by cid:
  EXPECT_EQ(m.attachments[1].filename, "logs.zip");
  EXPECT_FALSE(m.attachments[1].is_inline);
  EXPECT_EQ(m.attachments[1].data, "PK\x03\x04");
}

TEST_F(MimeTest, PartShapesAreRecordedAsDeclared) {
  Message m = Parse(
      "Content-Type: multipart/mixed; boundary=outer\n\n"
      "--outer\nContent-Type: multipart/alternative; boundary=alt\n\n"
      "--alt\nContent-Type: text/plain; charset=\"ISO-8859-1\"\n"
      "Content-Transfer-Encoding: Quoted-Printable\n\ncaf=E9\n"
      "--alt\nContent-Type: TEXT/HTML; charset=utf-8\n\n<p>caf\xC3\xA9</p>\n"
      "--alt--\n"
      "--outer\nContent-Type: application/pdf; name=a.pdf\n"
      "Content-Transfer-Encoding: base64\n\nJVBERg==\n"
      "--outer--\n");
  ASSERT_EQ(m.parts.size(), 5u);
  EXPECT_EQ(m.parts[0].content_type, "multipart/mixed");
  EXPECT_EQ(m.parts[0].depth, 0);
  EXPECT_EQ(m.parts[1].content_type, "multipart/alternative");
  EXPECT_EQ(m.parts[2].content_type, "text/plain");
  EXPECT_EQ(m.parts[2].charset, "iso-8859-1");
  EXPECT_EQ(m.parts[2].transfer_encoding, "quoted-printable");
  EXPECT_EQ(m.parts[2].depth, 2);
  EXPECT_EQ(m.parts[3].content_type, "text/html");
  EXPECT_EQ(m.parts[3].charset, "utf-8");
  EXPECT_EQ(m.parts[3].transfer_encoding, "");
  EXPECT_EQ(m.parts[4].content_type, "application/pdf");
  EXPECT_EQ(m.parts[4].transfer_encoding, "base64");
  EXPECT_EQ(m.parts[4].depth, 1);

  // A plain message has one part: its body, with the default type.
  Message plain = Parse("Subject: x\n\nhello\n");
  ASSERT_EQ(plain.parts.size(), 1u);
  EXPECT_EQ(plain.parts[0].content_type, "text/plain");
}

TEST_F(MimeTest, NestedMessageIsAnAttachmentNotBody) {
  Message m = Parse(
      "Subject: outer\nContent-Type: multipart/mixed; boundary=o\n\n"
      "--o\nContent-Type: text/plain\n\nouter text\n"
      "--o\nContent-Type: message/rfc822\n\n"
      "Subject: =?utf-8?q?Inner_=C3=BCber?=\nFrom: x@example.com\n\ninner secret text\n"
      "--o\nContent-Type: message/rfc822\nContent-Disposition: attachment; filename=\"fwd.eml\"\n\n"
      "From: y@example.com\n\nanother\n"
      "--o\nContent-Type: message/rfc822\n\nFrom: z@example.com\nSubject: a/b\\c\n\nthird\n"
      "--o--\n");
  EXPECT_EQ(m.text_body, "outer text");
  ASSERT_EQ(m.attachments.size(), 3u);
  EXPECT_EQ(m.attachments[0].content_type, "message/rfc822");
  EXPECT_EQ(m.attachments[0].filename, "Inner über.eml");
  EXPECT_NE(m.attachments[0].data.find("inner secret text"), std::string::npos);
  EXPECT_EQ(m.attachments[1].filename, "fwd.eml");
  EXPECT_EQ(m.attachments[2].filename, "c.eml");  // no path separators survive
  EXPECT_EQ(m.text_body.find("inner secret"), std::string::npos);
  // A nested message without a subject.
  m = Parse("Content-Type: message/rfc822\n\nFrom: a@example.com\n\nbody\n");
  ASSERT_EQ(m.attachments.size(), 1u);
  EXPECT_EQ(m.attachments[0].filename, "attachment-1.eml");
}

TEST_F(MimeTest, AttachmentFilenames) {
  Message m = Parse(
      "Content-Type: multipart/mixed; boundary=f\n\n"
      // RFC 2231 with continuations and a charset.
      "--f\nContent-Type: application/pdf\nContent-Disposition: attachment;\n"
      " filename*0*=UTF-8''%E8%A6%8B%E7%A9%8D;\n filename*1*=%E6%9B%B8.pdf\n\nx\n"
      // RFC 2231 in Shift_JIS.
      "--f\nContent-Type: application/pdf\nContent-Disposition: attachment;"
      " filename*=shift_jis'ja'%8C%A9%90%CF.pdf\n\nx\n"
      // RFC 2047 in a quoted parameter (Outlook).
      "--f\nContent-Type: application/pdf; name=\"=?ISO-2022-JP?B?GyRCOGZAQTVhGyhC?=.pdf\"\n\nx\n"
      // Plain, with a Windows path.
      "--f\nContent-Type: application/octet-stream\nContent-Disposition: attachment;"
      " filename=\"C:\\Users\\me\\report.doc\"\n\nx\n"
      // Raw UTF-8 in the parameter.
      "--f\nContent-Type: application/octet-stream\nContent-Disposition: attachment;"
      " filename=\"résumé.txt\"\n\nx\n"
      // Continuations without charset, out of order.
      "--f\nContent-Type: application/octet-stream\nContent-Disposition: attachment;"
      " filename*1=\"part2.txt\"; filename*0=\"part1-\"\n\nx\n"
      "--f--\n");
  ASSERT_EQ(m.attachments.size(), 6u);
  EXPECT_EQ(m.attachments[0].filename, "見積書.pdf");
  EXPECT_EQ(m.attachments[1].filename, "見積.pdf");
  EXPECT_EQ(m.attachments[2].filename, "御請求.pdf");
  EXPECT_EQ(m.attachments[3].filename, "report.doc");
  EXPECT_EQ(m.attachments[4].filename, "résumé.txt");
  EXPECT_EQ(m.attachments[5].filename, "part1-part2.txt");
}

TEST_F(MimeTest, ParamHeaderParsing) {
  auto p = internal::ParseParamHeader(
      " Attachment ; FileName=\"a;b.txt\" ; size=123; junk; x*=''%41%42", "UTF-8");
  EXPECT_EQ(p.value, "attachment");
  EXPECT_EQ(p.params["filename"], "a;b.txt");
  EXPECT_EQ(p.params["size"], "123");
  EXPECT_EQ(p.params["x"], "AB");
  p = internal::ParseParamHeader("inline; filename=\"unterminated", "UTF-8");
  EXPECT_EQ(p.params["filename"], "unterminated");
  p = internal::ParseParamHeader("", "UTF-8");
  EXPECT_EQ(p.value, "");
}

TEST_F(MimeTest, BodyCharsetsAreConverted) {
  struct Case {
    const char* charset;
    std::string bytes;
    const char* utf8;
  };
  const std::vector<Case> cases = {
      {"ISO-2022-JP", "\x1b$B$3$s$K$A$O\x1b(B", "こんにちは"},
      {"Shift_JIS", "\x82\xb1\x82\xf1\x82\xc9\x82\xbf\x82\xcd\x87\x40", "こんにちは①"},
      {"EUC-JP", "\xa4\xb3\xa4\xf3\xa4\xcb\xa4\xc1\xa4\xcf", "こんにちは"},
      {"gb2312", "\xc4\xe3\xba\xc3\x86\xb4", "你好喆"},
      {"big5", "\xa7\x41\xa6\x6e", "你好"},
      {"koi8-r", "\xf0\xd2\xc9\xd7\xc5\xd4", "Привет"},
      {"windows-1251", "\xcf\xf0\xe8\xe2\xe5\xf2", "Привет"},
      {"euc-kr", "\xbe\xc8\xb3\xe7", "안녕"},
  };
  for (const Case& c : cases) {
    Message m = Parse("Content-Type: text/plain; charset=\"" + std::string(c.charset) +
                      "\"\nContent-Transfer-Encoding: 8bit\n\n" + c.bytes);
    EXPECT_EQ(m.text_body, c.utf8) << c.charset;
    EXPECT_FALSE(HasDefect(m, "decoded as")) << c.charset;
  }
}

TEST_F(MimeTest, HtmlPartIsConvertedToUtf8) {
  Message m = Parse(
      "Content-Type: text/html; charset=Shift_JIS\n\n<p>\x82\xb1\x82\xf1\x82\xc9\x82\xbf\x82\xcd</p>");
  EXPECT_EQ(m.html_body, "<p>こんにちは</p>");
  EXPECT_EQ(m.text_body, "こんにちは");
}

TEST_F(MimeTest, QuotedPrintableAndBase64Bodies) {
  Message m = Parse(
      "Content-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: quoted-printable\n\n"
      "soft=\nbreak =E6=97=\n=A5 end=20\n");
  EXPECT_EQ(m.text_body, "softbreak 日 end \n");
  m = Parse("Content-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: base64\n\n" +
            B64("line one\r\nline two\r\n") + "\n");
  EXPECT_EQ(m.text_body, "line one\nline two\n");  // CRLF normalised
}

// ---------------------------------------------------------------------------
// ToUtf8 and detection

TEST_F(MimeTest, ToUtf8DeclaredCharsets) {
  EXPECT_EQ(ToUtf8("\x1b$B$3$s$K$A$O\x1b(B", "iso-2022-jp"), "こんにちは");
  // Half-width katakana in ISO-2022-JP (ESC ( I), which strict JIS refuses.
  EXPECT_EQ(ToUtf8("\x1b(I\x31\x1b(B", "ISO-2022-JP"), "ｱ");
  EXPECT_EQ(ToUtf8("\x87\x40\x81\x60", "shift_jis"), "①～");  // CP932 extensions
  EXPECT_EQ(ToUtf8("\x87\x40", "x-sjis"), "①");
  EXPECT_EQ(ToUtf8("\xa4\xa2", "euc-jp"), "あ");
  EXPECT_EQ(ToUtf8("\x86\xb4", "GBK"), "喆");
  EXPECT_EQ(ToUtf8("\x86\xb4", "gb2312"), "喆");  // GBK byte under a GB2312 label
  EXPECT_EQ(ToUtf8("\x95\x32\x83\x37", "GB18030"), "𠀋");
  EXPECT_EQ(ToUtf8("\xa4\xa4\xa4\xe5", "big5"), "中文");
  EXPECT_EQ(ToUtf8("\xbe\xc8\xb3\xe7", "ks_c_5601-1987"), "안녕");
  EXPECT_EQ(ToUtf8("\xc1\xd2", "koi8-r"), "ар");
  EXPECT_EQ(ToUtf8("\xa4", "koi8-u"), "є");
  // windows-1250 .. 1258: one characteristic letter each.
  EXPECT_EQ(ToUtf8("\x9a", "windows-1250"), "š");
  EXPECT_EQ(ToUtf8("\xe6", "windows-1251"), "ж");
  EXPECT_EQ(ToUtf8("\x80\x93\x94", "windows-1252"), "€“”");
  EXPECT_EQ(ToUtf8("\xe1", "windows-1253"), "α");
  EXPECT_EQ(ToUtf8("\xfe", "windows-1254"), "ş");
  EXPECT_EQ(ToUtf8("\xf9", "windows-1255"), "ש");
  EXPECT_EQ(ToUtf8("\xc7", "windows-1256"), "ا");
  EXPECT_EQ(ToUtf8("\xe0", "windows-1257"), "ą");
  EXPECT_EQ(ToUtf8("\xe0\x41", "windows-1258"), "àA");
  EXPECT_EQ(ToUtf8("\x9a", "cp1250"), "š");
  // ISO-8859-x.
  EXPECT_EQ(ToUtf8("caf\xe9", "iso-8859-1"), "café");
  EXPECT_EQ(ToUtf8("\xb9", "iso-8859-2"), "š");
  EXPECT_EQ(ToUtf8("\xd0", "ISO-8859-5"), "а");
  EXPECT_EQ(ToUtf8("\xe1", "iso-8859-7"), "α");
  EXPECT_EQ(ToUtf8("\xa4", "iso-8859-15"), "€");
  EXPECT_EQ(ToUtf8("\xfe", "ISO_8859-9"), "ş");
  EXPECT_EQ(ToUtf8("\x93quoted\x94", "iso-8859-1"), "“quoted”");  // read as windows-1252
  // Plain ASCII is the same under any label.
  EXPECT_EQ(ToUtf8("hello", "utf-16"), "hello");
  EXPECT_EQ(ToUtf8("hello", ""), "hello");
  EXPECT_EQ(ToUtf8("", "utf-8"), "");
  EXPECT_EQ(ToUtf8("h\0i"s, "utf-8"), "hi");  // NULs dropped
}

TEST_F(MimeTest, ToUtf8DetectsUndeclaredCharsets) {
  const std::string ja = "お問い合わせの件について、ご確認をお願いいたします。";
  const std::string sjis =
      "\x82\xa8\x96\xe2\x82\xa2\x8d\x87\x82\xed\x82\xb9\x82\xcc\x8c\x8f\x82\xc9\x82\xc2\x82\xa2"
      "\x82\xc4\x81\x41\x82\xb2\x8a\x6d\x94\x46\x82\xf0\x82\xa8\x8a\xe8\x82\xa2\x82\xa2\x82\xbd"
      "\x82\xb5\x82\xdc\x82\xb7\x81\x42";
  const std::string eucjp =
      "\xa4\xaa\xcc\xe4\xa4\xa4\xb9\xe7\xa4\xef\xa4\xbb\xa4\xce\xb7\xef\xa4\xcb\xa4\xc4\xa4\xa4"
      "\xa4\xc6\xa1\xa2\xa4\xb4\xb3\xce\xc7\xa7\xa4\xf2\xa4\xaa\xb4\xea\xa4\xa4\xa4\xa4\xa4\xbf"
      "\xa4\xb7\xa4\xde\xa4\xb9\xa1\xa3";
  const std::string jis =
      "\x1b$B$*Ld$$9g$o$;$N7o$K$D$$$F!\"$43NG'$r$*4j$$$$$?$7$^$9!#\x1b(B";
  EXPECT_EQ(ToUtf8(sjis, ""), ja);
  EXPECT_EQ(ToUtf8(eucjp, ""), ja);
  EXPECT_EQ(ToUtf8(jis, ""), ja);
  EXPECT_EQ(ToUtf8(jis, "us-ascii"), ja);
  // Wrong labels.
  EXPECT_EQ(ToUtf8(sjis, "utf-8"), ja);
  EXPECT_EQ(ToUtf8(eucjp, "iso-8859-1"), ja);
  EXPECT_EQ(ToUtf8(ja, "iso-8859-1"), ja);  // UTF-8 labelled Latin-1
  EXPECT_EQ(ToUtf8("Gr\xc3\xbc\xc3\x9f" "e", "windows-1252"), "Grüße");
  EXPECT_EQ(ToUtf8(ja, "shift_jis"), ja);  // UTF-8 labelled Shift_JIS
  // Chinese and Korean.
  const std::string zh = "您好，我的账号无法登录，请帮助处理。谢谢！";
  const std::string gb =
      "\xc4\xfa\xba\xc3\xa3\xac\xce\xd2\xb5\xc4\xd5\xcb\xba\xc5\xce\xde\xb7\xa8\xb5\xc7\xc2\xbc"
      "\xa3\xac\xc7\xeb\xb0\xef\xd6\xfa\xb4\xa6\xc0\xed\xa1\xa3\xd0\xbb\xd0\xbb\xa3\xa1";
  EXPECT_EQ(ToUtf8(gb, ""), zh);
  const std::string tw = "您好，我的帳號無法登入，請協助處理。謝謝！";
  const std::string big5 =
      "\xb1\x7a\xa6\x6e\xa1\x41\xa7\xda\xaa\xba\xb1\x62\xb8\xb9\xb5\x4c\xaa\x6b\xb5\x6e\xa4\x4a"
      "\xa1\x41\xbd\xd0\xa8\xf3\xa7\x55\xb3\x42\xb2\x7a\xa1\x43\xc1\xc2\xc1\xc2\xa1\x49";
  EXPECT_EQ(ToUtf8(big5, ""), tw);
  const std::string ko = "안녕하세요. 주문한 상품이 아직 도착하지 않았습니다.";
  const std::string euckr =
      "\xbe\xc8\xb3\xe7\xc7\xcf\xbc\xbc\xbf\xe4. \xc1\xd6\xb9\xae\xc7\xd1 \xbb\xf3\xc7\xb0\xc0\xcc "
      "\xbe\xc6\xc1\xf7 \xb5\xb5\xc2\xf8\xc7\xcf\xc1\xf6 \xbe\xca\xbe\xd2\xbd\xc0\xb4\xcf\xb4\xd9.";
  EXPECT_EQ(ToUtf8(euckr, ""), ko);
  // Cyrillic.
  const std::string ru = "Здравствуйте, не могу войти в личный кабинет";
  EXPECT_EQ(ToUtf8("\xc7\xe4\xf0\xe0\xe2\xf1\xf2\xe2\xf3\xe9\xf2\xe5, \xed\xe5 \xec\xee\xe3\xf3 "
                   "\xe2\xee\xe9\xf2\xe8 \xe2 \xeb\xe8\xf7\xed\xfb\xe9 \xea\xe0\xe1\xe8\xed\xe5\xf2",
                   ""),
            ru);
  EXPECT_EQ(ToUtf8("\xfa\xc4\xd2\xc1\xd7\xd3\xd4\xd7\xd5\xca\xd4\xc5, \xce\xc5 \xcd\xcf\xc7\xd5 "
                   "\xd7\xcf\xca\xd4\xc9 \xd7 \xcc\xc9\xde\xce\xd9\xca \xcb\xc1\xc2\xc9\xce\xc5\xd4",
                   ""),
            ru);
  // Western European falls back to windows-1252.
  EXPECT_EQ(ToUtf8("Caf\xe9 cr\xe8me br\xfbl\xe9" "e \x80 5", ""), "Café crème brûlée € 5");
}

TEST_F(MimeTest, ToUtf8NeverDropsText) {
  // Invalid bytes become U+FFFD, the rest survives.
  std::string out = ToUtf8("ok \xff\xfe then more ascii", "utf-8");
  EXPECT_TRUE(IsValidUtf8(out));
  EXPECT_NE(out.find("ok "), std::string::npos);
  EXPECT_NE(out.find("then more ascii"), std::string::npos);
  // Mostly UTF-8 with one broken byte stays UTF-8.
  const std::string ja = "日本語のテキストです。";
  out = ToUtf8(ja + "\xff" + ja, "");
  EXPECT_EQ(out, ja + "\xEF\xBF\xBD" + ja);
  // A stateful charset cut mid-sequence.
  out = ToUtf8("\x1b$B$3$s\x1b", "iso-2022-jp");
  EXPECT_TRUE(IsValidUtf8(out));
  EXPECT_NE(out.find("こん"), std::string::npos);
  // Truncated multi-byte character at the end.
  out = ToUtf8("\x82\xb1\x82", "shift_jis");
  EXPECT_TRUE(IsValidUtf8(out));
  EXPECT_NE(out.find("こ"), std::string::npos);
  // Random bytes under every label: valid UTF-8, never empty.
  std::mt19937 rng(42);
  for (const char* cs : {"", "utf-8", "iso-2022-jp", "shift_jis", "euc-jp", "gb2312", "big5",
                         "euc-kr", "koi8-r", "windows-1252", "utf-16", "x-bogus"}) {
    for (int i = 0; i < 20; ++i) {
      std::string bytes(1 + rng() % 200, '\0');
      for (char& c : bytes) c = static_cast<char>(rng());
      std::string s = ToUtf8(bytes, cs);
      EXPECT_TRUE(IsValidUtf8(s)) << cs;
      EXPECT_EQ(s.find('\0'), std::string::npos) << cs;
    }
  }
}

TEST_F(MimeTest, CharsetDefectsAreRecorded) {
  Message m = Parse("Content-Type: text/plain; charset=utf-8\n\n\x82\xb1\x82\xf1\x82\xc9\x82\xbf\x82\xcd\n");
  EXPECT_EQ(m.text_body, "こんにちは\n");
  EXPECT_TRUE(HasDefect(m, "declared charset utf-8, decoded as CP932"));
  m = Parse("Content-Type: text/plain\n\n\xa4\xb3\xa4\xf3\xa4\xcb\xa4\xc1\xa4\xcf\n");
  EXPECT_EQ(m.text_body, "こんにちは\n");
  EXPECT_TRUE(HasDefect(m, "without charset"));
}

TEST_F(MimeTest, PlausibilityPrefersRealText) {
  EXPECT_GT(internal::PlausibilityScore("こんにちは"), internal::PlausibilityScore("ｺﾝﾆﾁﾊ"));
  EXPECT_GT(internal::PlausibilityScore("的是不了"), internal::PlausibilityScore("䷀䷁䷂䷃"));
  EXPECT_LT(internal::PlausibilityScore("\xEF\xBF\xBD"), 0);
}

// ---------------------------------------------------------------------------
// Hostile input

TEST_F(MimeTest, EmptyAndHeaderless) {
  Message m = Parse("");
  EXPECT_TRUE(HasDefect(m, "empty"));
  ExpectWellFormed(m);
  m = Parse("just some words, no headers at all\nsecond line\n");
  ExpectWellFormed(m);
  EXPECT_NE((m.text_body + m.subject + (m.headers.empty() ? "" : m.headers[0].second))
                .find("second line"),
            std::string::npos);
  m = Parse("Subject: only headers");  // no blank line, no body
  EXPECT_EQ(m.subject, "only headers");
  EXPECT_EQ(m.text_body, "");
  m = Parse("\n\n\n");
  ExpectWellFormed(m);
  m = Parse(":\n: :\n\n");
  ExpectWellFormed(m);
}

TEST_F(MimeTest, CrlfAndLfGiveTheSameResult) {
  std::string lf =
      "From: A <a@example.com>\nSubject: Line ends\nContent-Type: multipart/mixed; boundary=x\n\n"
      "--x\nContent-Type: text/plain\n\none\ntwo\n--x--\n";
  std::string crlf;
  for (char c : lf) {
    if (c == '\n') crlf += '\r';
    crlf += c;
  }
  Message a = Parse(lf), b = Parse(crlf);
  EXPECT_EQ(a.subject, b.subject);
  EXPECT_EQ(a.text_body, b.text_body);
  EXPECT_EQ(b.text_body, "one\ntwo");
}

TEST_F(MimeTest, TenMegabyteSingleLine) {
  std::string line(10 * 1024 * 1024, 'a');
  auto start = std::chrono::steady_clock::now();
  Message m = Parse("From: big@example.com\nSubject: big\n\n" + line + "\n");
  EXPECT_EQ(m.text_body.size(), line.size() + 1);
  // As a header line, and as HTML.
  // As a header line: cut to a bounded length, the rest of the message intact.
  m = Parse("Subject: " + line + "\nFrom: after@example.com\n\nbody\n");
  EXPECT_GE(m.subject.size(), 200u * 1024);
  EXPECT_LE(m.subject.size(), 256u * 1024);
  EXPECT_TRUE(HasDefect(m, "header field longer"));
  EXPECT_EQ(m.from.at(0).email, "after@example.com");
  EXPECT_EQ(m.text_body, "body\n");
  // Folded into many short lines.
  std::string folded = "Subject: start";
  for (int i = 0; i < 100000; ++i) folded += "\n continued line number " + std::to_string(i);
  m = Parse(folded + "\n\nbody\n");
  EXPECT_TRUE(IsValidUtf8(m.subject));
  EXPECT_LE(m.subject.size(), 256u * 1024);
  EXPECT_EQ(m.text_body, "body\n");
  m = Parse("Content-Type: text/html\n\n<p title=\"" + line + "\">x</p>" + line.substr(0, 1000));
  EXPECT_EQ(m.text_body, "x\n\n" + line.substr(0, 1000));
  // A huge first line that is no header field is not cut.
  m = Parse(line + "\n");
  size_t kept = m.text_body.size() + m.subject.size();
  for (const auto& [k, v] : m.headers) kept += k.size() + v.size();
  EXPECT_GE(kept, line.size());
  auto elapsed = std::chrono::steady_clock::now() - start;
  EXPECT_LT(elapsed, std::chrono::seconds(30));
}

TEST_F(MimeTest, NulBytesEverywhere) {
  std::string raw = "From: N\0ul <nul@example.com>\nSubject: a\0b\n\nbody\0text\n\0"s;
  Message m = Parse(raw);
  ExpectWellFormed(m);
  EXPECT_TRUE(HasDefect(m, "NUL"));
  EXPECT_EQ(m.subject, "a b");
  EXPECT_EQ(m.text_body, "bodytext\n");
  EXPECT_EQ(m.from.at(0).email, "nul@example.com");
  m = Parse(std::string(1000, '\0'));
  ExpectWellFormed(m);
}

TEST_F(MimeTest, TruncatedBase64) {
  Message m = Parse(
      "Content-Type: multipart/mixed; boundary=t\n\n"
      "--t\nContent-Type: text/plain\nContent-Transfer-Encoding: base64\n\n"
      "SGVsbG8gd29ybGQsIHRoaXMgaXMgY3V0\n--t\n"
      "Content-Type: application/pdf; name=a.pdf\nContent-Transfer-Encoding: base64\n\nJVBERi0xLj");
  EXPECT_EQ(m.text_body, "Hello world, this is cut");
  ASSERT_EQ(m.attachments.size(), 1u);
  EXPECT_EQ(m.attachments[0].data.substr(0, 6), "%PDF-1");
  EXPECT_TRUE(HasDefect(m, "truncated base64"));
  // Garbage in a base64 body.
  m = Parse("Content-Type: text/plain\nContent-Transfer-Encoding: base64\n\n!!!@@@###\n");
  ExpectWellFormed(m);
}

TEST_F(MimeTest, BrokenMultipartStructure) {
  // Missing closing boundary.
  Message m = Parse(
      "Content-Type: multipart/mixed; boundary=open\n\n--open\nContent-Type: text/plain\n\nstill here\n");
  EXPECT_EQ(m.text_body, "still here\n");
  // Boundary parameter missing.
  m = Parse("Content-Type: multipart/mixed\n\n--x\nContent-Type: text/plain\n\nno boundary param\n--x--\n");
  ExpectWellFormed(m);
  EXPECT_NE((m.text_body + (m.attachments.empty() ? "" : m.attachments[0].data)).find("no boundary param"),
            std::string::npos);
  // Boundary declared but never used: the text is kept.
  m = Parse("Content-Type: multipart/alternative; boundary=zzz\n\nlonely text\n");
  EXPECT_NE(m.text_body.find("lonely text"), std::string::npos);
  // Empty multipart.
  m = Parse("Content-Type: multipart/mixed; boundary=e\n\n--e--\n");
  ExpectWellFormed(m);
  // Part without headers.
  m = Parse("Content-Type: multipart/mixed; boundary=h\n\n--h\n\nheaderless part\n--h--\n");
  EXPECT_EQ(m.text_body, "headerless part");
  // Nonsense content type.
  m = Parse("Content-Type: ;;;===\n\nweird\n");
  ExpectWellFormed(m);
}

TEST_F(MimeTest, DeepMultipartNestingIsBounded) {
  std::string raw = "Content-Type: multipart/mixed; boundary=\"b0\"\n\n";
  const int depth = 5000;
  for (int d = 0; d < depth; ++d) {
    raw += "--b" + std::to_string(d) + "\nContent-Type: multipart/mixed; boundary=\"b" +
           std::to_string(d + 1) + "\"\n\n";
  }
  raw += "--b" + std::to_string(depth) + "\nContent-Type: text/plain\n\nbottom\n";
  auto start = std::chrono::steady_clock::now();
  Message m = Parse(raw);
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(10));
  ExpectWellFormed(m);
  EXPECT_FALSE(m.defects.empty());
  // Within the limit the text is found.
  std::string ok = "Content-Type: multipart/mixed; boundary=\"c0\"\n\n";
  for (int d = 0; d < 15; ++d) {
    ok += "--c" + std::to_string(d) + "\nContent-Type: multipart/mixed; boundary=\"c" +
          std::to_string(d + 1) + "\"\n\n";
  }
  ok += "--c15\nContent-Type: text/plain\n\nreachable\n";
  EXPECT_EQ(Parse(ok).text_body, "reachable\n");
}

TEST_F(MimeTest, DeepMessageNestingIsBounded) {
  std::string raw = "Subject: top\n";
  for (int d = 0; d < 3000; ++d) raw += "Content-Type: message/rfc822\n\nSubject: level\n";
  raw += "Content-Type: text/plain\n\nbottom\n";
  Message m = Parse(raw);
  ExpectWellFormed(m);
  ASSERT_EQ(m.attachments.size(), 1u);
  EXPECT_EQ(m.attachments[0].content_type, "message/rfc822");
}

TEST_F(MimeTest, ManyPartsAreBounded) {
  std::string raw = "Content-Type: multipart/mixed; boundary=p\n\n";
  for (int i = 0; i < 6000; ++i) raw += "--p\nContent-Type: application/octet-stream\n\nx\n";
  raw += "--p--\n";
  Message m = Parse(raw);
  EXPECT_LE(m.attachments.size(), 5000u);
  EXPECT_LE(m.parts.size(), 5000u);
  EXPECT_TRUE(HasDefect(m, "MIME parts"));
}

TEST_F(MimeTest, InvalidUtf8AndControlBytesEverywhere) {
  Message m = Parse(
      "From: \xff\xfe <\xc0\xaf@example.com>\nSubject: \xed\xa0\x80 surrogate \x01\x02\n"
      "Content-Type: text/plain; charset=utf-8\n\nbad \xc3\x28 utf8 \xf8\x88\x80\x80\x80 end\n");
  ExpectWellFormed(m);
  EXPECT_NE(m.text_body.find("end"), std::string::npos);
  EXPECT_NE(m.subject.find("surrogate"), std::string::npos);
}

TEST_F(MimeTest, RandomInputNeverBreaksInvariants) {
  const std::string seed =
      "From: =?utf-8?B?w6k=?= <a@example.com>\nSubject: =?iso-2022-jp?B?GyRCJDMbKEI=?=\n"
      "Content-Type: multipart/mixed; boundary=\"q\"\n\n--q\nContent-Type: text/html; "
      "charset=shift_jis\nContent-Transfer-Encoding: quoted-printable\n\n<p>=82=B1</p><a href=x>"
      "\n--q\nContent-Type: message/rfc822\n\nSubject: in\n\nx\n--q\nContent-Disposition: "
      "attachment; filename*0*=utf-8''%E6; filename*1*=%97%A5\nContent-Transfer-Encoding: "
      "base64\n\nAAEC\n--q--\n";
  std::mt19937 rng(7);
  for (int i = 0; i < 400; ++i) {
    std::string s = seed;
    int edits = 1 + rng() % 12;
    for (int e = 0; e < edits && !s.empty(); ++e) {
      size_t pos = rng() % s.size();
      switch (rng() % 4) {
        case 0: s[pos] = static_cast<char>(rng()); break;
        case 1: s.erase(pos, rng() % 20); break;
        case 2: s.insert(pos, s.substr(rng() % s.size(), rng() % 40)); break;
        case 3: s.resize(pos); break;
      }
    }
    Message m = Parse(s);
    ExpectWellFormed(m);
  }
  for (int i = 0; i < 200; ++i) {
    std::string s(rng() % 2000, '\0');
    for (char& c : s) c = static_cast<char>(rng());
    ExpectWellFormed(Parse(s));
  }
}

// ---------------------------------------------------------------------------
// HtmlToText

TEST(HtmlToTextTest, DropsScriptStyleHead) {
  EXPECT_EQ(HtmlToText("<html><head><title>T</title><meta charset=utf-8></head>"
                       "<body><script>alert('x')</script><style>p{}</style>Hello</body></html>"),
            "Hello");
  EXPECT_EQ(HtmlToText("<SCRIPT type=text/javascript>if (a < b) { x(); }</SCRIPT>after"), "after");
  EXPECT_EQ(HtmlToText("<head><title>no end<body>body text"), "body text");
  EXPECT_EQ(HtmlToText("before<script>never closed"), "before");
  EXPECT_EQ(HtmlToText("a<!-- hidden <p>comment</p> -->b<!-- unclosed"), "ab");
}

TEST(HtmlToTextTest, BlocksAndLineBreaks) {
  EXPECT_EQ(HtmlToText("<p>one</p><p>two</p>"), "one\n\ntwo");
  EXPECT_EQ(HtmlToText("line1<br>line2<br/>line3<BR />"), "line1\nline2\nline3");
  EXPECT_EQ(HtmlToText("a<br><br>b"), "a\n\nb");
  EXPECT_EQ(HtmlToText("<div>x</div><div>y</div>"), "x\ny");
  EXPECT_EQ(HtmlToText("<ul><li>one</li><li>two</li></ul>after"), "- one\n- two\n\nafter");
  EXPECT_EQ(HtmlToText("<table><tr><td>a</td><td>b</td></tr><tr><td>c</td></tr></table>"),
            "a b\nc");
  EXPECT_EQ(HtmlToText("<h1>Title</h1>text"), "Title\n\ntext");
  EXPECT_EQ(HtmlToText("<blockquote>quoted</blockquote>reply"), "quoted\n\nreply");
}

TEST(HtmlToTextTest, CollapsesWhitespace) {
  EXPECT_EQ(HtmlToText("  lots   of\n\n  space\t here  "), "lots of space here");
  EXPECT_EQ(HtmlToText("<p>\n  para  \n</p>\n\n\n<p> next </p>"), "para\n\nnext");
  EXPECT_EQ(HtmlToText("<pre>  keep\n    this</pre>"), "  keep\n    this");
  EXPECT_EQ(HtmlToText("<b>bold</b> <i>italic</i>"), "bold italic");
  EXPECT_EQ(HtmlToText("x<span> </span>y"), "x y");
}

TEST(HtmlToTextTest, DecodesEntities) {
  EXPECT_EQ(HtmlToText("&lt;tag&gt; &amp; &quot;q&quot; &apos;a&#39; &nbsp;x"), "<tag> & \"q\" 'a' x");
  EXPECT_EQ(HtmlToText("&eacute;&Uuml;&szlig;&euro;&copy;&mdash;&hellip;&rsquo;"), "éÜß€©—…’");
  EXPECT_EQ(HtmlToText("&#233;&#xE9;&#X1F600;&#128512;"), "éé😀😀");
  EXPECT_EQ(HtmlToText("&#0;&#xD800;&#99999999999;x"), "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBDx");
  EXPECT_EQ(HtmlToText("&unknown; & &amp &lt3"), "&unknown; & & <3");
  EXPECT_EQ(HtmlToText("a&shy;b"), "ab");
}

TEST(HtmlToTextTest, Links) {
  EXPECT_EQ(HtmlToText("<a href=\"https://example.com/x\">click here</a>"),
            "click here (https://example.com/x)");
  EXPECT_EQ(HtmlToText("<a href=\"https://example.com/\">https://example.com/</a>"),
            "https://example.com/");
  EXPECT_EQ(HtmlToText("<a href='https://example.com'>example.com</a>"), "example.com");
  EXPECT_EQ(HtmlToText("<a href=\"mailto:a@example.com\">a@example.com</a>"), "a@example.com");
  EXPECT_EQ(HtmlToText("<a href=\"mailto:a@example.com\">write us</a>"),
            "write us (mailto:a@example.com)");
  EXPECT_EQ(HtmlToText("<a href=\"#top\">top</a> <a href=\"javascript:x()\">js</a>"), "top js");
  EXPECT_EQ(HtmlToText("<a href=\"https://x.example/?a=1&amp;b=2\">q</a>"),
            "q (https://x.example/?a=1&b=2)");
  EXPECT_EQ(HtmlToText("<a href=https://unquoted.example>u</a>"), "u (https://unquoted.example)");
  EXPECT_EQ(HtmlToText("<a href=\"https://img.example\"><img src=x></a>"), "https://img.example");
  EXPECT_EQ(HtmlToText("<img src=\"cid:1\" alt=\"Logo\">"), "Logo");
}

TEST(HtmlToTextTest, HostileMarkup) {
  EXPECT_EQ(HtmlToText("a < b and c > d"), "a < b and c > d");
  EXPECT_EQ(HtmlToText("unclosed <b tag"), "unclosed");
  EXPECT_EQ(HtmlToText("<p title=\"unclosed quote>text"), "");
  EXPECT_EQ(HtmlToText("</p></div></a>text</li>"), "text");
  EXPECT_EQ(HtmlToText(""), "");
  EXPECT_EQ(HtmlToText("<<<>>>"), "<<<>>>");
  EXPECT_TRUE(IsValidUtf8(HtmlToText("\xff<p>\xc3</p>")));
  // Huge attributes and deep nesting stay linear.
  std::string huge = "<div class=\"" + std::string(5 * 1024 * 1024, 'x') + "\">ok</div>";
  auto start = std::chrono::steady_clock::now();
  EXPECT_EQ(HtmlToText(huge), "ok");
  std::string nested;
  for (int i = 0; i < 100000; ++i) nested += "<div><a href=\"u\">";
  nested += "deep";
  EXPECT_NE(HtmlToText(nested).find("deep"), std::string::npos);
  std::string many_lt(1 << 20, '<');
  EXPECT_EQ(HtmlToText(many_lt).size(), many_lt.size());
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(20));
}

}  // namespace
}  // namespace postdesk::mime
