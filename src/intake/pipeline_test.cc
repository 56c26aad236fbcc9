#include "intake/pipeline.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>

#include <nlohmann/json.hpp>

#include "common/ids.h"
#include "intake/screening.h"
#include "intake/service.h"
#include "store/group_commit.h"
#include "spam/filter.h"

namespace postdesk::intake {
namespace {

namespace fs = std::filesystem;

class PipelineTest : public ::testing::Test {
 protected:
  void SetUp() override {
    mime::InitMime();
    dir_ = fs::temp_directory_path() / ("intake-test-" + std::to_string(getpid()) + "-" +
                                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    auto opened = store::OpenSqlite((dir_ / "t.db").string());
    ASSERT_TRUE(opened.ok()) << opened.status().message();
    store_ = std::move(opened).value();
    tickets::DeskInfo desk;
    desk.support_address = "support@example.com";
    desk.hostname = "desk.example.com";
    desk.bounce_domain = "example.com";
    pipeline_ = std::make_unique<Pipeline>(
        PipelineOptions{{"support@example.com"}, "desk.example.com", &clock_, desk});
  }
  void TearDown() override {
    store_.reset();
    fs::remove_all(dir_);
  }

  Outcome Deliver(const std::string& bytes, std::string rcpt = "support@example.com") {
    Inbound in;
    in.bytes = bytes;
    in.mail_from = "bounce@sender.example";
    in.recipients = {rcpt};
    auto r = pipeline_->Process(*store_, in);
    EXPECT_TRUE(r.ok()) << r.status().message();
    return r.ok() ? *r : Outcome{};
  }

  store::Ticket GetTicket(int64_t id) {
    store::Ticket t;
    EXPECT_TRUE(store_->Read([&](store::Tx& tx) {
                        auto r = tx.GetTicket(id);
                        if (r.ok()) t = *r;
                        return r.status();
                      }).ok());
    return t;
  }

  std::vector<store::Comment> Comments(int64_t ticket_id) {
    std::vector<store::Comment> out;
    EXPECT_TRUE(store_->Read([&](store::Tx& tx) {
                        auto r = tx.ListComments(ticket_id);
                        if (r.ok()) out = *r;
                        return r.status();
                      }).ok());
    return out;
  }

  store::SuspendedTicket Suspended(int64_t id) {
    store::SuspendedTicket s;
    EXPECT_TRUE(store_->Read([&](store::Tx& tx) {
                        auto r = tx.GetSuspended(id);
                        if (r.ok()) s = *r;
                        return r.status();
                      }).ok());
    return s;
  }

  int64_t CountTickets() {
    int64_t n = -1;
    EXPECT_TRUE(store_->Read([&](store::Tx& tx) {
                        auto r = tx.CountTickets();
                        if (r.ok()) n = *r;
                        return r.status();
                      }).ok());
    return n;
  }

  void AddUser(const std::string& email, Role role) {
    ASSERT_TRUE(store_->Write([&](store::Tx& tx) {
                        store::User u;
                        u.email = email;
                        u.name = email;
                        u.role = role;
                        return tx.CreateUser(u).status();
                      }).ok());
  }

  void SetStatus(int64_t id, const std::string& status) {
    ASSERT_TRUE(store_->Write([&](store::Tx& tx) {
                        auto t = tx.GetTicket(id);
                        if (!t.ok()) return t.status();
                        t->status = status;
                        return tx.UpdateTicket(*t);
                      }).ok());
  }

  static std::string Mail(const std::string& from, const std::string& subject,
                          const std::string& body, const std::string& extra = "",
                          const std::string& message_id = "") {
    static int counter = 0;
    std::string id = message_id.empty() ? "m" + std::to_string(++counter) + "@sender.example"
                                        : message_id;
    return "From: " + from + "\r\nTo: support@example.com\r\nSubject: " + subject +
           "\r\nMessage-ID: <" + id + ">\r\n" + extra + "\r\n" + body + "\r\n";
  }

  FakeClock clock_;
  fs::path dir_;
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<Pipeline> pipeline_;
};

TEST_F(PipelineTest, NewEmailMakesTicketWithRequesterCommentAndAudit) {
  Outcome o = Deliver(Mail("Alice Example <Alice@Customer.example>", "Printer broken",
                           "It does not print.", "Cc: bob@customer.example\r\n"));
  ASSERT_EQ(o.kind, OutcomeKind::kTicket);
  store::Ticket t = GetTicket(o.ticket_id);
  EXPECT_EQ(t.subject, "Printer broken");
  EXPECT_EQ(t.status, "new");
  EXPECT_EQ(t.recipient, "support@example.com");
  EXPECT_TRUE(LooksLikeEncodedId(t.encoded_id));
  EXPECT_EQ(t.collaborator_ids.size(), 1u);
  auto comments = Comments(t.id);
  ASSERT_EQ(comments.size(), 1u);
  EXPECT_NE(comments[0].body.find("It does not print."), std::string::npos);
  EXPECT_TRUE(comments[0].raw_message_id.has_value());
  ASSERT_TRUE(store_->Read([&](store::Tx& tx) {
    auto u = tx.GetUser(t.requester_id);
    EXPECT_TRUE(u.ok());
    EXPECT_EQ(u->email, "alice@customer.example");
    EXPECT_EQ(u->name, "Alice Example");
    EXPECT_EQ(u->role, Role::kEndUser);
    auto audits = tx.ListAudits(t.id);
    EXPECT_EQ(audits->size(), 1u);
    auto events = nlohmann::json::parse((*audits)[0].events_json);
    EXPECT_EQ(events[0]["type"], "Create");
    auto raw = tx.GetRawMessage(*comments[0].raw_message_id);
    EXPECT_EQ(raw->bytes.rfind("Received: from", 0), 0u);
    auto meta = nlohmann::json::parse((*audits)[0].metadata_json);
    EXPECT_EQ(meta["system"]["door"], "smtp");
    return Status::Ok();
  }).ok());
}

TEST_F(PipelineTest, ReplyThreadsByInReplyToAndReopensSolvedTicket) {
  Outcome first = Deliver(Mail("alice@customer.example", "Help", "first", "", "orig@customer.example"));
  SetStatus(first.ticket_id, "solved");
  Outcome reply = Deliver(Mail("alice@customer.example", "Re: Help", "second",
                               "In-Reply-To: <orig@customer.example>\r\n"));
  EXPECT_EQ(reply.kind, OutcomeKind::kComment);
  EXPECT_EQ(reply.ticket_id, first.ticket_id);
  EXPECT_EQ(GetTicket(first.ticket_id).status, "open");
  EXPECT_EQ(Comments(first.ticket_id).size(), 2u);
  EXPECT_EQ(CountTickets(), 1);
}

TEST_F(PipelineTest, ReplyThreadsByReferences) {
  Outcome first = Deliver(Mail("alice@customer.example", "Help", "first", "", "r1@customer.example"));
  Outcome reply = Deliver(Mail("alice@customer.example", "Re: Help", "again",
                               "References: <unknown@x.example> <r1@customer.example>\r\n"));
  EXPECT_EQ(reply.kind, OutcomeKind::kComment);
  EXPECT_EQ(reply.ticket_id, first.ticket_id);
}

TEST_F(PipelineTest, ReplyThreadsByEncodedIdInBody) {
  Outcome first = Deliver(Mail("alice@customer.example", "Help", "first"));
  std::string eid = GetTicket(first.ticket_id).encoded_id;
  Outcome reply = Deliver(Mail("alice@customer.example", "Other subject", "ref [" + eid + "] ok"));
  EXPECT_EQ(reply.kind, OutcomeKind::kComment);
  EXPECT_EQ(reply.ticket_id, first.ticket_id);
}

TEST_F(PipelineTest, ReplyThreadsByPlusAddress) {
  Outcome first = Deliver(Mail("alice@customer.example", "Help", "first"));
  std::string eid = GetTicket(first.ticket_id).encoded_id;
  Outcome reply = Deliver(Mail("alice@customer.example", "x", "by plus"),
                          "support+id" + eid + "@example.com");
  EXPECT_EQ(reply.kind, OutcomeKind::kComment);
  EXPECT_EQ(reply.ticket_id, first.ticket_id);
}

TEST_F(PipelineTest, ReplyPrefixWithoutHeadersJoinsRequestersTicket) {
  Outcome first = Deliver(Mail("alice@customer.example", "Printer", "first"));
  Outcome reply = Deliver(Mail("alice@customer.example", "AW: RE: printer", "headers lost"));
  EXPECT_EQ(reply.kind, OutcomeKind::kComment);
  EXPECT_EQ(reply.ticket_id, first.ticket_id);
  Outcome cn = Deliver(Mail("alice@customer.example", "回复: Printer", "chinese client"));
  EXPECT_EQ(cn.ticket_id, first.ticket_id);
  // Another requester's "Re: Printer" is not someone else's conversation.
  Outcome other = Deliver(Mail("dave@customer.example", "Re: Printer", "mine"));
  EXPECT_EQ(other.kind, OutcomeKind::kTicket);
  // Without a prefix, the same subject is a new request.
  Outcome fresh = Deliver(Mail("alice@customer.example", "Printer", "new problem"));
  EXPECT_EQ(fresh.kind, OutcomeKind::kTicket);
  EXPECT_EQ(CountTickets(), 3);
}

TEST_F(PipelineTest, BareTicketNumberDoesNotAttach) {
  Outcome first = Deliver(Mail("alice@customer.example", "Help", "first"));
  Outcome other = Deliver(Mail("mallory@evil.example", "About ticket #" +
                                   std::to_string(first.ticket_id),
                               "re ticket " + std::to_string(first.ticket_id) + " [" +
                                   std::to_string(first.ticket_id) + "]"));
  EXPECT_EQ(other.kind, OutcomeKind::kTicket);
  EXPECT_NE(other.ticket_id, first.ticket_id);
}

TEST_F(PipelineTest, UnknownSenderUpdatingTicketIsSuspended) {
  Outcome first = Deliver(Mail("alice@customer.example", "Help", "first", "", "o2@customer.example"));
  Outcome o = Deliver(Mail("stranger@else.example", "Re: Help", "let me in",
                           "In-Reply-To: <o2@customer.example>\r\n"));
  ASSERT_EQ(o.kind, OutcomeKind::kSuspended);
  EXPECT_EQ(o.cause, "unknown_user_update");
  store::SuspendedTicket s = Suspended(o.suspended_id);
  EXPECT_EQ(s.cause_id, 5);
  EXPECT_EQ(s.ticket_id, first.ticket_id);
  EXPECT_EQ(s.author_email, "stranger@else.example");
  EXPECT_NE(s.evidence_json.find("in_reply_to"), std::string::npos);
  EXPECT_EQ(Comments(first.ticket_id).size(), 1u);
}

TEST_F(PipelineTest, KnownUserNotOnTicketIsOtherUserUpdate) {
  Outcome first = Deliver(Mail("alice@customer.example", "Help", "first"));
  Deliver(Mail("carol@customer.example", "Carol's own", "hello"));  // carol becomes a user
  std::string eid = GetTicket(first.ticket_id).encoded_id;
  Outcome o = Deliver(Mail("carol@customer.example", "x", "[" + eid + "] me too"));
  ASSERT_EQ(o.kind, OutcomeKind::kSuspended);
  EXPECT_EQ(o.cause, "other_user_update");
  EXPECT_EQ(Suspended(o.suspended_id).cause_id, 6);
}

TEST_F(PipelineTest, CcAndAgentMayUpdate) {
  Outcome first = Deliver(Mail("alice@customer.example", "Help", "first",
                               "Cc: Bob <bob@customer.example>\r\n", "o3@customer.example"));
  AddUser("agent@example.com", Role::kAgent);
  Outcome by_cc = Deliver(Mail("bob@customer.example", "Re: Help", "cc here",
                               "In-Reply-To: <o3@customer.example>\r\n"));
  EXPECT_EQ(by_cc.kind, OutcomeKind::kComment);
  Outcome by_agent = Deliver(Mail("agent@example.com", "Re: Help", "agent here",
                                  "In-Reply-To: <o3@customer.example>\r\n"));
  EXPECT_EQ(by_agent.kind, OutcomeKind::kComment);
  EXPECT_EQ(Comments(first.ticket_id).size(), 3u);
}

TEST_F(PipelineTest, ReplyToClosedTicketMakesFollowUp) {
  Outcome first = Deliver(Mail("alice@customer.example", "Help", "first", "", "o4@customer.example"));
  SetStatus(first.ticket_id, "closed");
  Outcome o = Deliver(Mail("alice@customer.example", "Re: Help", "still broken",
                           "In-Reply-To: <o4@customer.example>\r\n"));
  EXPECT_EQ(o.kind, OutcomeKind::kTicket);
  EXPECT_NE(o.ticket_id, first.ticket_id);
}

TEST_F(PipelineTest, EarlyCauses) {
  Outcome blank = Deliver(Mail("alice@customer.example", "Empty", "   "));
  EXPECT_EQ(blank.cause, "blank");
  EXPECT_EQ(Suspended(blank.suspended_id).cause_id, 11);

  Outcome ours = Deliver(Mail("Support@Example.com", "Hi", "from ourselves"));
  EXPECT_EQ(ours.cause, "from_support_address");
  EXPECT_EQ(Suspended(ours.suspended_id).cause_id, 22);

  Outcome loop_id = Deliver(Mail("alice@customer.example", "Re: x", "loop",
                                 "", "abc123@desk.example.com"));
  EXPECT_EQ(loop_id.cause, "loop");
  Outcome loop_header = Deliver(Mail("alice@customer.example", "Re: y", "loop",
                                     "X-Postdesk-Loop: desk.example.com\r\n"));
  EXPECT_EQ(loop_header.cause, "loop");
  EXPECT_EQ(Suspended(loop_header.suspended_id).cause_id, 4);

  Outcome nobody = Deliver("Subject: no from\r\n\r\nbody\r\n");
  // MAIL FROM is used when From is missing.
  EXPECT_EQ(nobody.kind, OutcomeKind::kTicket);
  EXPECT_EQ(CountTickets(), 1);
}

TEST_F(PipelineTest, RedeliveryIsIdempotent) {
  std::string bytes = Mail("alice@customer.example", "Once", "only once", "", "dup@customer.example");
  Outcome a = Deliver(bytes);
  Outcome b = Deliver(bytes);
  EXPECT_FALSE(a.duplicate);
  EXPECT_TRUE(b.duplicate);
  EXPECT_EQ(b.ticket_id, a.ticket_id);
  EXPECT_EQ(CountTickets(), 1);
  EXPECT_EQ(Comments(a.ticket_id).size(), 1u);
  // Different bytes with the same Message-ID are a different delivery.
  Outcome c = Deliver(Mail("alice@customer.example", "Once", "edited", "", "dup2@customer.example"));
  EXPECT_FALSE(c.duplicate);
}

TEST_F(PipelineTest, AttachmentsAreStoredOnceByContent) {
  std::string mime =
      "MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=b\r\n";
  std::string body =
      "--b\r\nContent-Type: text/plain\r\n\r\nsee attached\r\n"
      "--b\r\nContent-Type: application/pdf\r\nContent-Disposition: attachment; "
      "filename=a.pdf\r\nContent-Transfer-Encoding: base64\r\n\r\nJVBERi0xLjQK\r\n--b--\r\n";
  Outcome a = Deliver(Mail("alice@customer.example", "Files", body, mime));
  Outcome b = Deliver(Mail("alice@customer.example", "Files again", body, mime));
  auto ca = Comments(a.ticket_id), cb = Comments(b.ticket_id);
  ASSERT_EQ(ca[0].attachments.size(), 1u);
  ASSERT_EQ(cb[0].attachments.size(), 1u);
  EXPECT_EQ(ca[0].attachments[0].file_name, "a.pdf");
  EXPECT_EQ(ca[0].attachments[0].sha256, cb[0].attachments[0].sha256);
  EXPECT_NE(ca[0].attachments[0].id, cb[0].attachments[0].id);
}

TEST_F(PipelineTest, BounceIsTiedToItsRecipientByVerpAndFlagsTheUser) {
  ASSERT_TRUE(store_->Write([&](store::Tx& tx) { return tickets::SeedDefaultTriggers(tx, 1); }).ok());
  Outcome t = Deliver(Mail("Alice <alice@customer.example>", "Help", "please"));
  ASSERT_EQ(t.kind, OutcomeKind::kTicket);
  EXPECT_EQ(t.notifications, 1u);
  store::OutboundRecipient rcpt;
  std::string message_id;
  ASSERT_TRUE(store_->Read([&](store::Tx& tx) {
    auto ms = tx.ListOutboundMessages(t.ticket_id);
    if (!ms.ok() || ms->size() != 1) return Status::Invalid("expected one outbound message");
    message_id = ms->front().message_id;
    auto rs = tx.ListOutboundRecipients(ms->front().id);
    rcpt = rs->front();
    return Status::Ok();
  }).ok());
  EXPECT_EQ(rcpt.address, "alice@customer.example");
  // A report about a recipient we never tried changes nothing (the state
  // table); once it was sent, the report bounces it.
  auto report_for = [&](const std::string& token) {
    Inbound in;
    in.bytes = "From: MAILER-DAEMON@mx.customer.example\r\nTo: bounces+" + token +
               "@example.com\r\nSubject: Undelivered\r\nMIME-Version: 1.0\r\n"
               "Content-Type: multipart/report; report-type=delivery-status; boundary=b\r\n\r\n"
               "--b\r\nContent-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; x\r\n\r\n"
               "Final-Recipient: rfc822; alice@customer.example\r\nAction: failed\r\n"
               "Status: 5.1.1\r\n\r\n--b--\r\n";
    in.mail_from = "";
    in.recipients = {"bounces+" + token + "@example.com"};
    return pipeline_->Process(*store_, in);
  };
  auto early = report_for(rcpt.verp_token);
  ASSERT_TRUE(early.ok()) << early.status().message();
  ASSERT_TRUE(store_->Write([&](store::Tx& tx) -> Status {
    auto r = tx.GetOutboundRecipient(rcpt.id);
    EXPECT_EQ(r->state, "queued");
    r->state = "sent";  // as the queue records a delivery
    return tx.UpdateOutboundRecipient(*r);
  }).ok());
  std::string dsn =
      "From: MAILER-DAEMON@mx.customer.example\r\nTo: bounces+" + rcpt.verp_token +
      "@example.com\r\nSubject: Undelivered Mail Returned to Sender\r\nMIME-Version: 1.0\r\n"
      "Content-Type: multipart/report; report-type=delivery-status; boundary=b\r\n\r\n"
      "--b\r\nContent-Type: text/plain\r\n\r\nYour message could not be delivered.\r\n"
      "--b\r\nContent-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; mx.customer.example\r\n\r\n"
      "Final-Recipient: rfc822; alice@customer.example\r\nAction: failed\r\nStatus: 5.1.1\r\n"
      "Diagnostic-Code: smtp; 550 5.1.1 <alice@customer.example>: User unknown\r\n\r\n"
      "--b\r\nContent-Type: text/rfc822-headers\r\n\r\nMessage-ID: <" + message_id +
      ">\r\nSubject: Re: Help\r\n\r\n--b--\r\n";
  Inbound in;
  in.bytes = dsn;
  in.mail_from = "";
  in.recipients = {"bounces+" + rcpt.verp_token + "@example.com"};
  auto b = pipeline_->Process(*store_, in);
  ASSERT_TRUE(b.ok()) << b.status().message();
  EXPECT_EQ(b->kind, OutcomeKind::kBounce);
  EXPECT_EQ(b->bounced_recipient_id, rcpt.id);
  ASSERT_TRUE(store_->Read([&](store::Tx& tx) {
    auto r = tx.GetOutboundRecipient(rcpt.id);
    EXPECT_EQ(r->state, "bounced");
    EXPECT_EQ(r->last_status, "5.1.1");
    EXPECT_EQ(r->reason, "user_unknown");
    auto ticket = tx.GetTicket(t.ticket_id);
    EXPECT_NE(std::find(ticket->tags.begin(), ticket->tags.end(),
                        "system_email_notification_failure"),
              ticket->tags.end());
    auto user = tx.GetUser(ticket->requester_id);
    EXPECT_TRUE(user->undeliverable);
    EXPECT_EQ(*tx.CountTickets(), 1);  // a bounce is neither a ticket nor a comment
    EXPECT_EQ(tx.ListComments(t.ticket_id)->size(), 1u);
    return Status::Ok();
  }).ok());
  EXPECT_TRUE(pipeline_->Accepts("bounces+" + rcpt.verp_token + "@example.com"));
  EXPECT_FALSE(pipeline_->Accepts("bounces+x@elsewhere.example"));

  // A report about mail we never sent is backscatter.
  std::string stranger = dsn;
  stranger.replace(stranger.find(message_id), message_id.size(), "unknown@elsewhere.example");
  std::string verp_to = "To: bounces+" + rcpt.verp_token + "@example.com";
  stranger.replace(stranger.find(verp_to), verp_to.size(), "To: support@example.com");
  in.bytes = stranger;
  in.recipients = {"support@example.com"};
  auto s = pipeline_->Process(*store_, in);
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->kind, OutcomeKind::kSuspended);
  EXPECT_EQ(s->cause, "backscatter");
}

// ---- screening in the pipeline ----

class ScreeningPipelineTest : public PipelineTest {
 protected:
  void Rebuild(spam::Filter* filter = nullptr, ScreeningOptions screening = {}) {
    tickets::DeskInfo desk;
    desk.support_address = "support@example.com";
    desk.hostname = "desk.example.com";
    desk.bounce_domain = "example.com";
    PipelineOptions o{{"support@example.com"}, "desk.example.com", &clock_, desk};
    o.spam = filter;
    o.screening = screening;
    pipeline_ = std::make_unique<Pipeline>(std::move(o));
  }
  void SetLists(std::string_view allow, std::string_view block) {
    auto l = EmailLists::Parse(allow, block);
    ASSERT_TRUE(l.ok()) << l.status().message();
    pipeline_->email_lists().Set(*l);
  }
  Result<Outcome> Send(const std::string& bytes, const std::string& mail_from = "alice@customer.example") {
    Inbound in;
    in.bytes = bytes;
    in.mail_from = mail_from;
    in.recipients = {"support@example.com"};
    return pipeline_->Process(*store_, in);
  }
  nlohmann::json Evidence(int64_t suspended_id) {
    return nlohmann::json::parse(Suspended(suspended_id).evidence_json);
  }
  std::vector<store::SystemEvent> Events(std::string_view kind) {
    std::vector<store::SystemEvent> out;
    EXPECT_TRUE(store_->Read([&](store::Tx& tx) {
                        auto r = tx.ListSystemEvents("", kind, 1000);
                        if (r.ok()) out = *r;
                        return r.status();
                      }).ok());
    return out;
  }
  int64_t CountSuspended() {
    int64_t n = -1;
    EXPECT_TRUE(store_->Read([&](store::Tx& tx) {
                        auto r = tx.CountSuspended();
                        if (r.ok()) n = *r;
                        return r.status();
                      }).ok());
    return n;
  }
};

TEST_F(ScreeningPipelineTest, OutOfOfficeReplyIsSuspendedAsVacationWithEvidence) {
  auto o = Send(Mail("Alice <alice@customer.example>", "Automatic reply: Your request",
                     "I am out of the office until Monday.", "Auto-Submitted: auto-replied\r\n"));
  ASSERT_TRUE(o.ok()) << o.status().message();
  ASSERT_EQ(o->kind, OutcomeKind::kSuspended);
  EXPECT_EQ(o->cause, "auto_vacation");
  store::SuspendedTicket s = Suspended(o->suspended_id);
  EXPECT_EQ(s.cause_id, 8);
  auto ev = nlohmann::json::parse(s.evidence_json);
  EXPECT_EQ(ev["cause"], "auto_vacation");
  EXPECT_EQ(ev["evidence"]["out_of_office_phrase"], "automatic reply");
  EXPECT_EQ(ev["evidence"]["headers"][0]["header"], "Auto-Submitted");
  EXPECT_EQ(CountTickets(), 0);
}

TEST_F(ScreeningPipelineTest, JapaneseOutOfOfficeAndOtherFindingsAreKept) {
  auto o = Send(Mail("noreply@customer.example", "=?UTF-8?B?5LiN5ZyoOiDjgYrllY/jgYTlkIjjgo/jgZs=?=",
                     "本日は不在です。", "Precedence: bulk\r\n"));
  ASSERT_TRUE(o.ok());
  ASSERT_EQ(o->kind, OutcomeKind::kSuspended);
  EXPECT_EQ(o->cause, "auto_vacation");
  auto ev = Evidence(o->suspended_id);
  EXPECT_EQ(ev["evidence"]["out_of_office_phrase"], "不在");
  ASSERT_EQ(ev["also"].size(), 1u);
  EXPECT_EQ(ev["also"][0]["cause"], "from_noreply");
}

TEST_F(ScreeningPipelineTest, SystemSendersAndMaliciousMail) {
  auto daemon = Send(Mail("MAILER-DAEMON@mx.customer.example", "Hello", "not a report"), "");
  ASSERT_TRUE(daemon.ok());
  EXPECT_EQ(daemon->cause, "system_user");
  auto noreply = Send(Mail("no-reply@shop.example", "Your order", "Thanks for your order"));
  ASSERT_TRUE(noreply.ok());
  EXPECT_EQ(noreply->cause, "from_noreply");
  auto html = Send("From: eve@evil.example\r\nTo: support@example.com\r\nSubject: verify\r\n"
                   "Message-ID: <evil1@evil.example>\r\nContent-Type: text/html\r\n\r\n"
                   "<form action=\"javascript:go()\"><input name=a></form>\r\n");
  ASSERT_TRUE(html.ok());
  EXPECT_EQ(html->cause, "malicious_pattern_detected");
  EXPECT_EQ(Suspended(html->suspended_id).cause_id, 29);
  EXPECT_EQ(CountTickets(), 0);
}

TEST_F(ScreeningPipelineTest, GtubeIsAlwaysSuspendedAsSpamEvenAllowlisted) {
  SetLists("customer.example", "");
  auto o = Send(Mail("alice@customer.example", "test", std::string("spam test ") + std::string(kGtube)));
  ASSERT_TRUE(o.ok());
  ASSERT_EQ(o->kind, OutcomeKind::kSuspended);
  EXPECT_EQ(o->cause, "spam");
  EXPECT_EQ(Suspended(o->suspended_id).cause_id, 0);
  EXPECT_EQ(Evidence(o->suspended_id)["evidence"]["pattern"], "gtube");
}

TEST_F(ScreeningPipelineTest, RejectEntryRefusesStoresNothingAndLogsAnEvent) {
  SetLists("", "reject:spam.example suspend:bob@maybe.example *");
  auto o = Send(Mail("x@spam.example", "buy", "cheap"));
  ASSERT_TRUE(o.ok());
  EXPECT_EQ(o->kind, OutcomeKind::kRejected);
  EXPECT_NE(o->cause.find("reject:spam.example"), std::string::npos);
  EXPECT_EQ(CountTickets(), 0);
  EXPECT_EQ(CountSuspended(), 0);
  auto events = Events("smtp_refused");
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].subject, "x@spam.example");
  auto detail = nlohmann::json::parse(events[0].detail_json);
  EXPECT_EQ(detail["reply"], "550 5.7.1");
  EXPECT_EQ(detail["details"]["entry"], "reject:spam.example");

  auto bob = Send(Mail("bob@maybe.example", "hi", "hello"));
  ASSERT_TRUE(bob.ok());
  EXPECT_EQ(bob->cause, "blocklisted");
  EXPECT_EQ(Evidence(bob->suspended_id)["list"]["entry"], "suspend:bob@maybe.example");
  auto stranger = Send(Mail("carol@elsewhere.example", "hi", "hello"));
  ASSERT_TRUE(stranger.ok());
  EXPECT_EQ(stranger->cause, "not_on_whitelist");
  EXPECT_EQ(Suspended(stranger->suspended_id).cause_id, 1);
}

TEST_F(ScreeningPipelineTest, AllowlistWinsOverBlocklist) {
  SetLists("partner.example", "* reject:partner.example");
  auto o = Send(Mail("dana@partner.example", "Help", "Please help"));
  ASSERT_TRUE(o.ok());
  EXPECT_EQ(o->kind, OutcomeKind::kTicket);
}

TEST_F(ScreeningPipelineTest, FortyFiveFromOneSenderWithinTheHour) {
  int tickets = 0, comments = 0, loops = 0, throttled = 0;
  for (int i = 0; i < 45; ++i) {
    auto o = Send(Mail("flood@customer.example", "Report " + std::to_string(i), "body " + std::to_string(i)));
    ASSERT_TRUE(o.ok()) << o.status().message();
    if (o->kind == OutcomeKind::kTicket) ++tickets;
    else if (o->kind == OutcomeKind::kComment) ++comments;
    else if (o->kind == OutcomeKind::kSuspended && o->cause == "loop") ++loops;
    else if (o->kind == OutcomeKind::kThrottled) ++throttled;
    if (i == 20) {
      auto ev = Evidence(o->suspended_id);
      EXPECT_EQ(ev["evidence"]["admitted_in_window"], 21);
      EXPECT_EQ(ev["evidence"]["accept_limit"], 20);
      EXPECT_EQ(ev["evidence"]["suspend_limit"], 40);
    }
    clock_.Advance(10);
  }
  EXPECT_EQ(tickets + comments, 20);
  EXPECT_EQ(loops, 20);
  EXPECT_EQ(throttled, 5);
  // Only the first refusal of a flood is logged.
  EXPECT_EQ(Events("smtp_refused").size(), 1u);
  // An hour later the sender is welcome again.
  clock_.Advance(3600);
  auto later = Send(Mail("flood@customer.example", "Again", "hello"));
  ASSERT_TRUE(later.ok());
  EXPECT_EQ(later->kind, OutcomeKind::kTicket);
}

TEST_F(ScreeningPipelineTest, SpamFilterSuspendsRefusesAndSkipsAllowlisted) {
  spam::FilterOptions fo;
  fo.min_spam = 3;
  fo.min_ham = 3;
  fo.suspend_at = 0.5;
  fo.refuse_at = 2.0;  // never refuses
  spam::Filter filter(fo);
  auto spam_mail = [](int i) {
    return Mail("promo" + std::to_string(i) + "@pills.example", "Cheap pills viagra casino bonus",
                "Buy cheap pills now, casino bonus, win money fast, viagra discount " + std::to_string(i));
  };
  auto ham_mail = [](int i) {
    return Mail("user" + std::to_string(i) + "@customer.example", "Printer setup question",
                "My printer does not connect to the office network after the update " + std::to_string(i));
  };
  ASSERT_TRUE(store_->Write([&](store::Tx& tx) {
                      for (int i = 0; i < 4; ++i) {
                        if (auto r = filter.Learn(tx, spam_mail(i), true); !r.ok()) return r.status();
                        if (auto r = filter.Learn(tx, ham_mail(i), false); !r.ok()) return r.status();
                      }
                      return Status::Ok();
                    }).ok());
  Rebuild(&filter);
  auto spam = Send(spam_mail(9), "promo9@pills.example");
  ASSERT_TRUE(spam.ok());
  ASSERT_EQ(spam->kind, OutcomeKind::kSuspended);
  EXPECT_EQ(spam->cause, "spam");
  store::SuspendedTicket s = Suspended(spam->suspended_id);
  auto verdict = nlohmann::json::parse(s.spam_json);
  EXPECT_GE(verdict["score"].get<double>(), 0.5);
  EXPECT_EQ(verdict["decision"], "suspend");

  auto ham = Send(ham_mail(9), "user9@customer.example");
  ASSERT_TRUE(ham.ok());
  EXPECT_EQ(ham->kind, OutcomeKind::kTicket);

  // Allowlisted senders skip the filter.
  SetLists("pills.example", "");
  auto allowed = Send(spam_mail(10), "promo10@pills.example");
  ASSERT_TRUE(allowed.ok());
  EXPECT_EQ(allowed->kind, OutcomeKind::kTicket);

  // With a refusal threshold it is refused, nothing stored, an event logged.
  fo.refuse_at = 0.5;
  spam::Filter strict(fo);
  ASSERT_TRUE(store_->Read([&](store::Tx& tx) { return strict.Load(tx); }).ok());
  Rebuild(&strict);
  int64_t before = CountSuspended();
  auto refused = Send(spam_mail(11), "promo11@pills.example");
  ASSERT_TRUE(refused.ok());
  EXPECT_EQ(refused->kind, OutcomeKind::kRejected);
  EXPECT_EQ(CountSuspended(), before);
  EXPECT_EQ(Events("smtp_refused").size(), 1u);
}

TEST_F(ScreeningPipelineTest, UntrainedFilterDecidesNothing) {
  spam::Filter filter;  // needs 20 of each before it acts
  Rebuild(&filter);
  auto o = Send(Mail("alice@customer.example", "Cheap pills", "casino bonus"));
  ASSERT_TRUE(o.ok());
  EXPECT_EQ(o->kind, OutcomeKind::kTicket);
}

TEST_F(ScreeningPipelineTest, TooManyRecipientsIsConfigurable) {
  ScreeningOptions so;
  so.max_header_recipients = 3;
  Rebuild(nullptr, so);
  auto o = Send(Mail("alice@customer.example", "All of you", "hi",
                     "Cc: a@x.example, b@x.example, c@x.example\r\n"));
  ASSERT_TRUE(o.ok());
  EXPECT_EQ(o->cause, "number_recipients_exceeded");
  EXPECT_EQ(Suspended(o->suspended_id).cause_id, 30);
}

TEST_F(ScreeningPipelineTest, ScannerVerdictsCountOnlyFromTrustedRelays) {
  ScreeningOptions so;
  so.trusted_relays = *TrustedRelays::Parse({"192.0.2.0/24"});
  Rebuild(nullptr, so);
  const std::string mail = Mail("alice@customer.example", "Hello", "An ordinary question",
                                "X-Spam-Status: Yes, score=8.2 required=5.0 tests=BAYES_99\r\n");
  auto from = [&](std::string ip, std::string bytes = "") {
    Inbound in;
    in.bytes = bytes.empty() ? mail : bytes;
    in.mail_from = "alice@customer.example";
    in.recipients = {"support@example.com"};
    in.client_ip = std::move(ip);
    return pipeline_->Process(*store_, in);
  };
  // From the trusted relay: suspended as spam, the scanner's field as evidence.
  auto held = from("192.0.2.25");
  ASSERT_TRUE(held.ok());
  ASSERT_EQ(held->kind, OutcomeKind::kSuspended);
  EXPECT_EQ(held->cause, "spam");
  nlohmann::json evidence = Evidence(held->suspended_id);
  EXPECT_EQ(evidence["evidence"]["scanner"], "spamassassin");
  EXPECT_EQ(evidence["evidence"]["relay"], "192.0.2.25");
  EXPECT_EQ(evidence["evidence"]["score"], 8.2);
  EXPECT_EQ(evidence["evidence"]["honoured"], true);
  EXPECT_NE(evidence["reason"].get<std::string>().find("trusted relay 192.0.2.25 marked it spam"),
            std::string::npos);

  // From anyone else (and through the pipe, not trusted here): a ticket,
  // and its audit says the field was seen and why it did not count.
  for (auto [ip, door] : {std::pair{"203.0.113.9", Door::kSmtp}, std::pair{"", Door::kPipe}}) {
    Inbound in;
    in.bytes = Mail("alice@customer.example", "Hello via " + std::string(DoorName(door)), "A question",
                    "X-Spam-Status: Yes, score=8.2 required=5.0\r\n");
    in.mail_from = "alice@customer.example";
    in.recipients = {"support@example.com"};
    in.door = door;
    in.client_ip = ip;
    auto o = pipeline_->Process(*store_, in);
    ASSERT_TRUE(o.ok());
    ASSERT_EQ(o->kind, OutcomeKind::kTicket) << DoorName(door);
    ASSERT_TRUE(store_->Read([&](store::Tx& tx) {
      auto audits = tx.ListAudits(o->ticket_id);
      auto meta = nlohmann::json::parse((*audits)[0].metadata_json);
      EXPECT_EQ(meta["relay_spam"]["spam"], true);
      EXPECT_EQ(meta["relay_spam"]["honoured"], false);
      EXPECT_NE(meta["relay_spam"]["reason"].get<std::string>().find("not a trusted relay"),
                std::string::npos);
      return Status::Ok();
    }).ok());
  }

  // An allowlisted sender skips the scanner's verdict as it skips our filter.
  SetLists("customer.example", "");
  auto allowed = from("192.0.2.25", Mail("alice@customer.example", "Another", "Allowlisted",
                                          "X-Spam-Flag: YES\r\n"));
  ASSERT_TRUE(allowed.ok());
  EXPECT_EQ(allowed->kind, OutcomeKind::kTicket);
}

TEST_F(ScreeningPipelineTest, RecoveredMailSkipsScreeningAndKeepsItsRequester) {
  auto o = Send(Mail("Ann <ann@customer.example>", "Out of office: question", "Away but here is my question"));
  ASSERT_TRUE(o.ok());
  ASSERT_EQ(o->cause, "auto_vacation");
  store::SuspendedTicket s = Suspended(o->suspended_id);
  store::RawMessage raw;
  ASSERT_TRUE(store_->Read([&](store::Tx& tx) {
                        auto r = tx.GetRawMessage(s.raw_message_id);
                        if (r.ok()) raw = *r;
                        return r.status();
                      }).ok());
  Inbound in;
  in.bytes = raw.bytes;
  in.mail_from = raw.mail_from;
  in.recipients = raw.rcpt_to;
  in.door = Door::kRecovered;
  Prepared p = pipeline_->Prepare(in);
  EXPECT_FALSE(p.early);
  EXPECT_EQ(p.stored_bytes, raw.bytes);  // no second trace header
  Result<Outcome> recovered = Status::Temporary("not run");
  ASSERT_TRUE(store_->Write([&](store::Tx& tx) {
                        RecoverOptions ro;
                        ro.agent_id = 1;
                        ro.raw_message_id = raw.id;
                        recovered = pipeline_->CommitRecovered(tx, p, ro);
                        return recovered.status();
                      }).ok());
  ASSERT_TRUE(recovered.ok());
  EXPECT_EQ(recovered->kind, OutcomeKind::kTicket);
  store::Ticket t = GetTicket(recovered->ticket_id);
  auto comments = Comments(t.id);
  ASSERT_EQ(comments.size(), 1u);
  EXPECT_EQ(*comments[0].raw_message_id, raw.id);
  ASSERT_TRUE(store_->Read([&](store::Tx& tx) {
                        auto u = tx.GetUser(t.requester_id);
                        EXPECT_EQ(u->email, "ann@customer.example");
                        return u.status();
                      }).ok());
}

TEST_F(ScreeningPipelineTest, RecoveredReplyBecomesACommentWithoutPermissionCheck) {
  auto first = Send(Mail("ann@customer.example", "Broken", "It broke", "", "first@customer.example"));
  ASSERT_EQ(first->kind, OutcomeKind::kTicket);
  // A stranger's reply is suspended (unknown_user_update) ...
  auto reply = Send(Mail("zed@other.example", "Re: Broken", "me too",
                         "In-Reply-To: <first@customer.example>\r\n"),
                    "zed@other.example");
  ASSERT_TRUE(reply.ok());
  ASSERT_EQ(reply->cause, "unknown_user_update");
  EXPECT_EQ(Evidence(reply->suspended_id)["evidence"]["ticket_id"], first->ticket_id);
  // ... and recovering it adds the comment to that ticket.
  store::SuspendedTicket s = Suspended(reply->suspended_id);
  store::RawMessage raw;
  ASSERT_TRUE(store_->Read([&](store::Tx& tx) {
                        auto r = tx.GetRawMessage(s.raw_message_id);
                        if (r.ok()) raw = *r;
                        return r.status();
                      }).ok());
  Inbound in;
  in.bytes = raw.bytes;
  in.recipients = raw.rcpt_to;
  in.door = Door::kRecovered;
  Prepared p = pipeline_->Prepare(in);
  Result<Outcome> recovered = Status::Temporary("not run");
  ASSERT_TRUE(store_->Write([&](store::Tx& tx) {
                        recovered = pipeline_->CommitRecovered(tx, p, RecoverOptions{});
                        return recovered.status();
                      }).ok());
  ASSERT_TRUE(recovered.ok());
  EXPECT_EQ(recovered->kind, OutcomeKind::kComment);
  EXPECT_EQ(recovered->ticket_id, first->ticket_id);
  EXPECT_EQ(Comments(first->ticket_id).size(), 2u);
}

TEST_F(ScreeningPipelineTest, RecipientOfNoreplyAddress) {
  tickets::DeskInfo desk;
  desk.support_address = "support@example.com";
  desk.hostname = "desk.example.com";
  desk.bounce_domain = "example.com";
  pipeline_ = std::make_unique<Pipeline>(
      PipelineOptions{{"support@example.com", "noreply@example.com"}, "desk.example.com", &clock_, desk});
  Inbound in;
  in.bytes = Mail("alice@customer.example", "hello", "hi");
  in.mail_from = "alice@customer.example";
  in.recipients = {"noreply@example.com"};
  auto o = pipeline_->Process(*store_, in);
  ASSERT_TRUE(o.ok());
  EXPECT_EQ(o->cause, "to_noreply");
}

}  // namespace
}  // namespace postdesk::intake

namespace postdesk::intake {
namespace {

// A DNS server that breaks in the worst way: the lookup throws.
class ThrowingResolver : public dns::Resolver {
 public:
  boost::asio::awaitable<dns::Answer> Query(std::string, dns::RrType) override {
    throw std::runtime_error("resolver exploded");
    co_return dns::Answer{};
  }
};

// Issue 13, defect 5: an exception in authentication was dropped by
// asio::detached. The pipe door then committed the mail with no
// authentication at all (skipping the DMARC checks); the SMTP door left the
// client waiting 600 s for a 451. Now both fail temporarily at once and
// store nothing.
TEST_F(PipelineTest, AnExceptionInAuthenticationIsATemporaryFailure) {
  ThrowingResolver resolver;
  boost::asio::io_context io;
  Inbound in;
  in.bytes = Mail("Alice <alice@sender.example>", "hello", "hi");
  in.mail_from = "alice@sender.example";
  in.recipients = {"support@example.com"};
  in.door = Door::kPipe;
  auto r = pipeline_->Process(*store_, in, &resolver, &io);
  ASSERT_FALSE(r.ok());
  EXPECT_TRUE(r.status().temporary());
  EXPECT_NE(r.status().message().find("resolver exploded"), std::string::npos);
  EXPECT_EQ(CountTickets(), 0);

  store::GroupCommitWriter writer(*store_);
  boost::asio::io_context service_io;
  IntakeService service(*pipeline_, writer, service_io.get_executor(), &resolver);
  std::optional<Result<Outcome>> answer;
  in.door = Door::kSmtp;
  in.client_ip = "192.0.2.1";
  service.Submit(in, [&](Result<Outcome> o) { answer = std::move(o); });
  service_io.run_for(std::chrono::seconds(5));
  ASSERT_TRUE(answer.has_value());
  ASSERT_FALSE(answer->ok());
  EXPECT_TRUE(answer->status().temporary());
  EXPECT_EQ(CountTickets(), 0);
}

}  // namespace
}  // namespace postdesk::intake
