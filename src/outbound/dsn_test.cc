#include "outbound/dsn.h"

#include <gtest/gtest.h>

#include <chrono>
#include <string>

namespace postdesk::outbound {
namespace {

// A Postfix-style RFC 3464 report with two recipients, one of them with a
// folded Diagnostic-Code, returned to a VERP address.
constexpr std::string_view kTwoRecipients =
    "Return-Path: <>\n"
    "Delivered-To: bounces+T0KEN42@help.example.com\n"
    "From: MAILER-DAEMON@mx.example.net (Mail Delivery System)\n"
    "To: bounces+T0KEN42@help.example.com\n"
    "Subject: Undelivered Mail Returned to Sender\n"
    "MIME-Version: 1.0\n"
    "Content-Type: multipart/report; report-type=delivery-status;\n"
    "\tboundary=\"B0UND\"\n"
    "\n"
    "--B0UND\n"
    "Content-Type: text/plain\n"
    "\n"
    "I'm sorry to have to inform you that your message could not\n"
    "be delivered to one or more recipients.\n"
    "\n"
    "--B0UND\n"
    "Content-Type: message/delivery-status\n"
    "\n"
    "Reporting-MTA: dns; mx.example.net\n"
    "X-Postfix-Sender: rfc822; bounces+T0KEN42@help.example.com\n"
    "\n"
    "Final-Recipient: rfc822; alice@example.org\n"
    "Original-Recipient: rfc822;Alice@Example.org\n"
    "Action: failed\n"
    "Status: 5.0.0\n"
    "Remote-MTA: dns; mx1.example.org\n"
    "Diagnostic-Code: smtp; 550 5.1.1 <alice@example.org>: Recipient address\n"
    "    rejected: User unknown in virtual mailbox table\n"
    "\n"
    "Final-Recipient: rfc822; bob@example.com\n"
    "Action: delayed\n"
    "Status: 4.2.2\n"
    "Diagnostic-Code: smtp; 452 4.2.2 Mailbox full\n"
    "\n"
    "--B0UND\n"
    "Content-Type: text/rfc822-headers\n"
    "\n"
    "Return-Path: <bounces+T0KEN42@help.example.com>\n"
    "From: Support <support@help.example.com>\n"
    "To: alice@example.org, bob@example.com\n"
    "Message-ID: <ticket-17.reply-3@help.example.com>\n"
    "Subject: Re: [#17] printer\n"
    "\n"
    "--B0UND--\n";

TEST(ParseBounce, Rfc3464TwoRecipients) {
  auto b = ParseBounce(kTwoRecipients);
  ASSERT_TRUE(b.has_value());
  EXPECT_TRUE(b->standard);
  EXPECT_EQ(b->reporting_mta, "mx.example.net");
  EXPECT_EQ(b->original_message_id, "ticket-17.reply-3@help.example.com");
  EXPECT_EQ(b->original_sender, "bounces+T0KEN42@help.example.com");
  EXPECT_EQ(b->original_from, "support@help.example.com");
  ASSERT_FALSE(b->bounce_recipients.empty());
  EXPECT_EQ(b->bounce_recipients[0], "bounces+T0KEN42@help.example.com");
  ASSERT_EQ(b->recipients.size(), 2u);

  const auto& a = b->recipients[0];
  EXPECT_EQ(a.final_recipient, "alice@example.org");
  EXPECT_EQ(a.original_recipient, "Alice@Example.org");
  EXPECT_EQ(a.action, DsnAction::kFailed);
  EXPECT_EQ(a.status, "5.1.1");  // the diagnostic's specific code beats "5.0.0"
  EXPECT_FALSE(a.status_inferred);
  EXPECT_EQ(a.smtp_reply_code, 550);
  EXPECT_EQ(a.remote_mta, "mx1.example.org");
  EXPECT_EQ(a.diagnostic_type, "smtp");
  // Folded field comes out on one line.
  EXPECT_NE(a.diagnostic.find("Recipient address rejected: User unknown"), std::string::npos);
  EXPECT_EQ(a.reason, BounceReason::kUserUnknown);

  const auto& c = b->recipients[1];
  EXPECT_EQ(c.final_recipient, "bob@example.com");
  EXPECT_EQ(c.action, DsnAction::kDelayed);
  EXPECT_EQ(c.status, "4.2.2");
  EXPECT_EQ(c.reason, BounceReason::kMailboxFull);
}

TEST(ParseBounce, FieldsBeforeFinalRecipientBelongToItsGroup) {
  std::string raw =
      "From: MAILER-DAEMON@mx.example.net\n"
      "Subject: Delivery Status Notification (Failure)\n"
      "Content-Type: multipart/report; report-type=delivery-status; boundary=\"x\"\n\n"
      "--x\nContent-Type: message/delivery-status\n\n"
      "Reporting-MTA: dns; mx.example.net\n\n"
      "Action: failed\nStatus: 5.2.1\n"
      "Diagnostic-Code: smtp; 550 Mailbox disabled\n"
      "Final-Recipient: rfc822; carol@example.org\n\n--x--\n";
  auto b = ParseBounce(raw);
  ASSERT_TRUE(b.has_value());
  ASSERT_EQ(b->recipients.size(), 1u);
  EXPECT_EQ(b->recipients[0].final_recipient, "carol@example.org");
  EXPECT_EQ(b->recipients[0].status, "5.2.1");
  EXPECT_EQ(b->recipients[0].reason, BounceReason::kSuspended);
}

TEST(ParseBounce, MissingStatusIsInferredFromReason) {
  std::string raw =
      "From: MAILER-DAEMON@mx.example.net\n"
      "Subject: Returned mail\n"
      "Content-Type: multipart/report; report-type=delivery-status; boundary=\"x\"\n\n"
      "--x\nContent-Type: message/delivery-status\n\n"
      "Final-Recipient: rfc822; dave@example.org\n"
      "Action: failed\n"
      "Diagnostic-Code: smtp; 552 Requested action aborted: exceeded storage allocation, "
      "mailbox full\n\n--x--\n";
  auto b = ParseBounce(raw);
  ASSERT_TRUE(b.has_value());
  ASSERT_EQ(b->recipients.size(), 1u);
  EXPECT_EQ(b->recipients[0].status, "5.0.922");
  EXPECT_TRUE(b->recipients[0].status_inferred);
  EXPECT_EQ(b->recipients[0].reason, BounceReason::kMailboxFull);
  EXPECT_EQ(b->recipients[0].reason_detail, "mailboxfull");
}

TEST(ParseBounce, QmailStyle) {
  std::string raw =
      "Return-Path: <>\n"
      "From: MAILER-DAEMON@mx.example.net\n"
      "To: bounces+ABC@help.example.com\n"
      "Subject: failure notice\n\n"
      "Hi. This is the qmail-send program at mx.example.net.\n"
      "I'm afraid I wasn't able to deliver your message to the following addresses.\n"
      "This is a permanent error; I've given up. Sorry it didn't work out.\n\n"
      "<erin@example.org>:\n"
      "192.0.2.1 does not like recipient.\n"
      "Remote host said: 550 5.1.1 <erin@example.org>: unknown user\n"
      "Giving up on 192.0.2.1.\n\n"
      "--- Below this line is a copy of the message.\n\n"
      "Return-Path: <bounces+ABC@help.example.com>\n"
      "Message-ID: <m1@help.example.com>\n"
      "From: support@help.example.com\n"
      "To: erin@example.org\n\n"
      "hello\n";
  auto b = ParseBounce(raw);
  ASSERT_TRUE(b.has_value());
  EXPECT_FALSE(b->standard);
  ASSERT_EQ(b->recipients.size(), 1u);
  EXPECT_EQ(b->recipients[0].final_recipient, "erin@example.org");
  EXPECT_EQ(b->recipients[0].status, "5.1.1");
  EXPECT_EQ(b->recipients[0].reason, BounceReason::kUserUnknown);
  EXPECT_EQ(b->original_message_id, "m1@help.example.com");
  EXPECT_EQ(b->original_sender, "bounces+ABC@help.example.com");
}

TEST(ParseBounce, EximWithFailedRecipientsHeader) {
  std::string raw =
      "From: Mail Delivery System <Mailer-Daemon@mx.example.net>\n"
      "To: sender@example.com\n"
      "X-Failed-Recipients: frank@example.org\n"
      "Auto-Submitted: auto-replied\n"
      "Subject: Mail delivery failed: returning message to sender\n\n"
      "This message was created automatically by mail delivery software.\n\n"
      "A message that you sent could not be delivered to one or more of its\n"
      "recipients. This is a permanent error. The following address(es) failed:\n\n"
      "  frank@example.org\n"
      "    host mx.example.org [192.0.2.7]\n"
      "    SMTP error from remote mail server after RCPT TO:<frank@example.org>:\n"
      "    550 Sender IP is listed at zen.spamhaus.org\n\n"
      "------ This is a copy of the message, including all the headers. ------\n\n"
      "Message-Id: <x@example.com>\n\nhi\n";
  auto b = ParseBounce(raw);
  ASSERT_TRUE(b.has_value());
  ASSERT_EQ(b->recipients.size(), 1u);
  EXPECT_EQ(b->recipients[0].final_recipient, "frank@example.org");
  EXPECT_EQ(b->recipients[0].smtp_reply_code, 550);
  EXPECT_EQ(b->recipients[0].reason, BounceReason::kBlocked);
  EXPECT_EQ(b->recipients[0].status, "5.0.971");
  EXPECT_TRUE(b->recipients[0].status_inferred);
  EXPECT_EQ(b->original_message_id, "x@example.com");
}

TEST(ParseBounce, AutoReplyIsNotABounce) {
  std::string raw =
      "From: Grace <grace@example.org>\n"
      "To: support@help.example.com\n"
      "Auto-Submitted: auto-replied\n"
      "Subject: Out of office: Re: [#17] printer\n\n"
      "I am away until Monday. Mail to grace@example.org is not read.\n";
  EXPECT_FALSE(ParseBounce(raw).has_value());
}

TEST(ParseBounce, OrdinaryMailIsNotABounce) {
  std::string raw =
      "From: Heidi <heidi@example.org>\n"
      "To: support@help.example.com\n"
      "Subject: my delivery failed to arrive\n\n"
      "Hello, my parcel was not delivered. Write to heidi@example.org.\n";
  EXPECT_FALSE(ParseBounce(raw).has_value());
}

TEST(ParseBounce, FeedbackReportIsNotABounce) {
  std::string raw =
      "From: feedback@isp.example\n"
      "Subject: complaint\n"
      "Content-Type: multipart/report; report-type=feedback-report; boundary=\"f\"\n\n"
      "--f\nContent-Type: message/feedback-report\n\nFeedback-Type: abuse\n"
      "Original-Rcpt-To: ivan@isp.example\n\n--f--\n";
  EXPECT_FALSE(ParseBounce(raw).has_value());
}

TEST(ParseBounce, SuccessNotificationIsNotABounce) {
  std::string raw =
      "From: MAILER-DAEMON@mx.example.net\n"
      "Subject: Successful Mail Delivery Report\n"
      "Content-Type: multipart/report; report-type=delivery-status; boundary=\"x\"\n\n"
      "--x\nContent-Type: message/delivery-status\n\n"
      "Final-Recipient: rfc822; judy@example.org\nAction: delivered\nStatus: 2.0.0\n\n--x--\n";
  EXPECT_FALSE(ParseBounce(raw).has_value());
}

// ---------------------------------------------------------- hostile input

TEST(ParseBounce, EmptyAndGarbage) {
  EXPECT_FALSE(ParseBounce("").has_value());
  EXPECT_FALSE(ParseBounce("\n\n\n").has_value());
  EXPECT_FALSE(ParseBounce(std::string(1000, '\0')).has_value());
  EXPECT_FALSE(ParseBounce("@@@@:@@@@\n\n@@@").has_value());
}

TEST(ParseBounce, TruncatedReport) {
  std::string raw(kTwoRecipients);
  // Cut inside the second recipient group and at every earlier point: never
  // a crash; once the first group is complete it is reported.
  for (size_t n = 0; n < raw.size(); n += 7) ParseBounce(raw.substr(0, n));
  size_t cut = raw.find("Final-Recipient: rfc822; bob");
  auto b = ParseBounce(raw.substr(0, cut));
  ASSERT_TRUE(b.has_value());
  EXPECT_EQ(b->recipients.size(), 1u);
  EXPECT_EQ(b->recipients[0].status, "5.1.1");
}

TEST(ParseBounce, MultipartWithoutBoundaryParameter) {
  std::string raw =
      "From: MAILER-DAEMON@mx.example.net\n"
      "Subject: Undelivered Mail Returned to Sender\n"
      "Content-Type: multipart/report; report-type=delivery-status\n\n"
      "<kim@example.org>: host mx.example.org said: 550 5.1.1 no such user\n";
  auto b = ParseBounce(raw);
  ASSERT_TRUE(b.has_value());
  EXPECT_EQ(b->recipients[0].final_recipient, "kim@example.org");
  EXPECT_EQ(b->recipients[0].status, "5.1.1");
}

TEST(ParseBounce, BoundaryThatNeverOccurs) {
  std::string raw(kTwoRecipients);
  raw.replace(raw.find("boundary=\"B0UND\""), 16, "boundary=\"OTHER\"");
  auto b = ParseBounce(raw);
  ASSERT_TRUE(b.has_value());
  EXPECT_EQ(b->recipients.size(), 2u);
}

TEST(ParseBounce, HugeFieldsAreBounded) {
  std::string raw(kTwoRecipients);
  std::string huge(2 << 20, 'A');
  raw.insert(raw.find("    rejected:"), "    " + huge + "\n");
  auto start = std::chrono::steady_clock::now();
  auto b = ParseBounce(raw);
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                std::chrono::steady_clock::now() - start)
                .count();
  ASSERT_TRUE(b.has_value());
  EXPECT_LE(b->recipients[0].diagnostic.size(), kMaxFieldBytes);
  EXPECT_LT(ms, 5000);
}

TEST(ParseBounce, ManyAddressesOnOneLineStayFast) {
  std::string raw =
      "From: MAILER-DAEMON@mx.example.net\nSubject: Undeliverable\n"
      "X-Failed-Recipients: a@example.org\n\n";
  for (int i = 0; i < 100000; ++i) raw += "x" + std::to_string(i) + "@example.org ";
  auto start = std::chrono::steady_clock::now();
  auto b = ParseBounce(raw);
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                std::chrono::steady_clock::now() - start)
                .count();
  ASSERT_TRUE(b.has_value());
  EXPECT_LE(b->recipients.size(), kMaxRecipients);
  EXPECT_LT(ms, 5000);
}

TEST(ParseBounce, TooManyRecipientGroupsAreCapped) {
  std::string raw =
      "From: MAILER-DAEMON@mx.example.net\nSubject: Undelivered\n"
      "Content-Type: multipart/report; report-type=delivery-status; boundary=\"x\"\n\n"
      "--x\nContent-Type: message/delivery-status\n\n";
  for (int i = 0; i < 2000; ++i)
    raw += "Final-Recipient: rfc822; u" + std::to_string(i) +
           "@example.org\nAction: failed\nStatus: 5.1.1\n\n";
  raw += "--x--\n";
  auto b = ParseBounce(raw);
  ASSERT_TRUE(b.has_value());
  EXPECT_EQ(b->recipients.size(), kMaxRecipients);
}

TEST(ParseBounce, DeepNestingIsBounded) {
  std::string raw = "From: MAILER-DAEMON@mx.example.net\nSubject: Undelivered\n";
  for (int i = 0; i < 200; ++i)
    raw += "Content-Type: multipart/mixed; boundary=\"b" + std::to_string(i) + "\"\n\n--b" +
           std::to_string(i) + "\n";
  raw += "Content-Type: text/plain\n\n<lee@example.org>: 550 5.1.1 unknown user\n";
  ParseBounce(raw);  // must return, whatever it finds
}

// ---------------------------------------------------------- helpers

TEST(FindStatusCode, Forms) {
  EXPECT_EQ(FindStatusCode("550 5.1.1 <a@b.c>... User unknown"), "5.1.1");
  EXPECT_EQ(FindStatusCode("550-5.7.1 [192.0.2.1] blocked"), "5.7.1");
  EXPECT_EQ(FindStatusCode("Unknown user (#5.1.1)"), "5.1.1");
  EXPECT_EQ(FindStatusCode("5.7.509 Access denied"), "5.7.509");
  EXPECT_EQ(FindStatusCode("connect to 10.4.1.2: refused"), "");  // an IP, not a code
  EXPECT_EQ(FindStatusCode("version 4.2.1.7"), "");
  EXPECT_EQ(FindStatusCode("no code here"), "");
}

TEST(Classify, Reasons) {
  struct Case {
    const char* text;
    const char* status;
    BounceReason want;
  } cases[] = {
      {"550 5.1.1 User unknown", "5.1.1", BounceReason::kUserUnknown},
      {"552 Mailbox full", "", BounceReason::kMailboxFull},
      {"550 Message rejected as spam", "", BounceReason::kBlocked},
      {"554 Your IP 192.0.2.1 is listed at zen.spamhaus.org", "", BounceReason::kBlocked},
      {"550 5.7.1 Delivery not authorized, message refused: policy", "5.7.1", BounceReason::kPolicy},
      {"550 5.7.26 Unauthenticated email is not accepted: DMARC policy", "5.7.26",
       BounceReason::kAuthentication},
      {"550 SPF check failed", "", BounceReason::kAuthentication},
      {"Host or domain name not found. Name service error for name=x.invalid type=MX: "
       "Host not found",
       "", BounceReason::kHostUnknown},
      {"552 5.3.4 Message size exceeds fixed limit", "5.3.4", BounceReason::kMessageTooLarge},
      {"retry timeout exceeded", "", BounceReason::kExpired},
      {"550 Account disabled", "", BounceReason::kSuspended},
      {"451 something odd happened", "", BounceReason::kOther},
  };
  for (const auto& c : cases) {
    std::string detail = ClassifyReasonDetail(c.text, c.status);
    EXPECT_EQ(CoarseReason(detail, c.text), c.want) << c.text << " -> " << detail;
  }
  EXPECT_EQ(BounceReasonName(BounceReason::kUserUnknown), "user_unknown");
  EXPECT_EQ(BounceReasonName(BounceReason::kMessageTooLarge), "message_too_large");
  EXPECT_EQ(DsnActionName(DsnAction::kDelayed), "delayed");
}

}  // namespace
}  // namespace postdesk::outbound
