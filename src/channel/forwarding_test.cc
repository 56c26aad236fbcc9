// Forwarding verification over a real (temporary) SQLite store: the test
// email is queued with its token, a forwarded copy verifies the address, an
// altered one fails it, an unknown token is not ours, and the periodic check
// fails what never came back with the reason the delivery state gives.
#include "channel/forwarding.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>

#include "channel/recipient_addresses.h"
#include "common/ids.h"
#include "common/strings.h"
#include "store/temp_store_testing.h"

namespace postdesk::channel {
namespace {

using nlohmann::json;
using testing::HasSubstr;

constexpr int64_t kNow = 1700000000;
constexpr int64_t kTimeout = 600;

using store::testing::TempStore;

class ForwardingTest : public testing::Test {
 protected:
  void SetUp() override {
    mime::InitMime();
    options_.desk_name = "Acme Support";
    options_.desk_default = "support@support.example";
    options_.desk_domain = "support.example";
    options_.hostname = "desk.test";
    options_.timeout_seconds = kTimeout;
    ASSERT_TRUE(Write([&](store::Tx& tx) {
      if (Status s = EnsureAddresses(tx, {"support@support.example"}, "support.example", kNow);
          !s.ok()) {
        return s;
      }
      auto a = CreateAddress(tx, "help@customer.example", "Customer", "support.example", kNow);
      if (!a.ok()) return a.status();
      address_id_ = a->id;
      return Status::Ok();
    }).ok());
  }

  Status Write(const std::function<Status(store::Tx&)>& fn) { return t_.store->Write(fn); }

  store::RecipientAddress Address() {
    store::RecipientAddress out;
    EXPECT_TRUE(t_.store->Read([&](store::Tx& tx) {
      auto a = tx.GetRecipientAddress(address_id_);
      if (!a.ok()) return a.status();
      out = *a;
      return Status::Ok();
    }).ok());
    return out;
  }

  // Starts the check; returns the queued email's bytes.
  std::string Start(int64_t now = kNow) {
    std::string bytes;
    Status s = Write([&](store::Tx& tx) {
      auto a = StartForwardingCheck(tx, address_id_, options_, now);
      if (!a.ok()) return a.status();
      auto r = tx.GetOutboundRecipient(*a->forwarding_recipient_id);
      if (!r.ok()) return r.status();
      auto m = tx.GetOutboundMessage(r->message_id);
      if (!m.ok()) return m.status();
      bytes = m->bytes;
      return Status::Ok();
    });
    EXPECT_TRUE(s.ok()) << s.message();
    return bytes;
  }

  // What the desk receives when the customer's mailbox forwards `bytes`.
  static mime::Message Forwarded(const std::string& bytes) {
    return mime::Parse("Received: from mx.customer.example by mx.forwarder.example; " +
                       FormatIsoTime(kNow) + "\r\nX-Forwarded-To: support@support.example\r\n" + bytes);
  }

  Result<bool> Consume(const mime::Message& m, std::string_view token, int64_t now = kNow + 10) {
    Result<bool> out = false;
    Status s = Write([&](store::Tx& tx) {
      out = ConsumeForwardingCheck(tx, m, token, now);
      return out.status();
    });
    if (!s.ok()) return s;
    return out;
  }

  // Moves the verification email's recipient to `state` with an SMTP reply.
  void SetDelivery(const std::string& state, int64_t code, const std::string& status,
                   const std::string& reply, const std::string& host) {
    ASSERT_TRUE(Write([&](store::Tx& tx) {
      auto a = tx.GetRecipientAddress(address_id_);
      auto r = tx.GetOutboundRecipient(*a->forwarding_recipient_id);
      r->state = state;
      r->last_code = code;
      r->last_status = status;
      r->last_reply = reply;
      r->remote_host = host;
      return tx.UpdateOutboundRecipient(*r);
    }).ok());
  }

  std::vector<store::RecipientAddress> Expire(int64_t now) {
    std::vector<store::RecipientAddress> out;
    EXPECT_TRUE(Write([&](store::Tx& tx) {
      auto e = ExpireForwardingChecks(tx, now, kTimeout);
      if (!e.ok()) return e.status();
      out = *e;
      return Status::Ok();
    }).ok());
    return out;
  }

  std::vector<store::SystemEvent> Events(std::string_view kind) {
    std::vector<store::SystemEvent> out;
    EXPECT_TRUE(t_.store->Read([&](store::Tx& tx) {
      auto e = tx.ListSystemEvents("help@customer.example", kind, 100);
      if (!e.ok()) return e.status();
      out = *e;
      return Status::Ok();
    }).ok());
    return out;
  }

  std::string ForwardingReason() {
    return Checks(Address())["forwarding"]["reason"].get<std::string>();
  }

  TempStore t_;
  ForwardingOptions options_;
  int64_t address_id_ = 0;
};

TEST_F(ForwardingTest, StartQueuesTheTestEmailWithItsTokenAndWaits) {
  std::string bytes = Start();
  auto a = Address();
  EXPECT_EQ(a.forwarding_status, "waiting");
  ASSERT_EQ(a.forwarding_token.size(), 64u);
  EXPECT_EQ(a.forwarding_sent_at, kNow);
  mime::Message m = mime::Parse(bytes);
  EXPECT_EQ(m.Header(kForwardingCheckHeader), a.forwarding_token);
  EXPECT_EQ(ForwardingCheckToken(m), a.forwarding_token);
  EXPECT_THAT(m.text_body, HasSubstr("Verification code: " + a.forwarding_token));
  ASSERT_EQ(m.from.size(), 1u);
  EXPECT_EQ(m.from[0].email, "support@support.example");
  EXPECT_EQ(m.from[0].name, "Acme Support");
  ASSERT_EQ(m.to.size(), 1u);
  EXPECT_EQ(m.to[0].email, "help@customer.example");
  EXPECT_TRUE(m.Header("X-Postdesk-Loop"));
  EXPECT_THAT(m.message_id, HasSubstr("@desk.test"));
  ASSERT_TRUE(t_.store->Read([&](store::Tx& tx) {
    auto r = tx.GetOutboundRecipient(*a.forwarding_recipient_id);
    EXPECT_EQ(r->address, "help@customer.example");
    EXPECT_EQ(r->state, "queued");
    EXPECT_EQ(r->expires_at, kNow + kTimeout);
    EXPECT_EQ(tx.GetOutboundMessage(r->message_id)->ticket_id, 0);
    return Status::Ok();
  }).ok());
  EXPECT_EQ(Events("forwarding_check_sent").size(), 1u);
  EXPECT_THAT(ForwardingReason(), HasSubstr("waiting for it to come back"));

  // A second check replaces the token.
  Start(kNow + 1);
  EXPECT_NE(Address().forwarding_token, a.forwarding_token);
}

TEST_F(ForwardingTest, OwnDomainHasNothingToVerify) {
  Status s = Write([&](store::Tx& tx) {
    auto d = tx.FindRecipientAddressByEmail("support@support.example");
    return StartForwardingCheck(tx, d->id, options_, kNow).status();
  });
  EXPECT_EQ(s.kind(), ErrorKind::kInvalid);
  EXPECT_THAT(s.message(), HasSubstr("own domain"));
}

TEST_F(ForwardingTest, ForwardedCopyVerifies) {
  std::string bytes = Start();
  std::string token = Address().forwarding_token;
  mime::Message m = Forwarded(bytes);
  auto consumed = Consume(m, *ForwardingCheckToken(m));
  ASSERT_TRUE(consumed.ok()) << consumed.status().message();
  EXPECT_TRUE(*consumed);
  EXPECT_EQ(Address().forwarding_status, "verified");
  EXPECT_THAT(ForwardingReason(), HasSubstr("came back by forwarding"));
  EXPECT_EQ(Events("forwarding_verified").size(), 1u);
  // A duplicate copy is still ours (no ticket) and changes nothing.
  EXPECT_TRUE(*Consume(m, token));
  EXPECT_EQ(Address().forwarding_status, "verified");
  // The periodic check leaves a verified address alone.
  EXPECT_TRUE(Expire(kNow + 10 * kTimeout).empty());
}

TEST_F(ForwardingTest, ReWrappedTextStillVerifies) {
  std::string bytes = Start();
  std::string token = Address().forwarding_token;
  // A forwarder that re-encodes the body as plain 7bit with other line breaks.
  std::string text = VerificationText("help@customer.example", token);
  for (auto& c : text) {
    if (c == ' ') c = '\n';
  }
  std::string copy = "From: Acme Support <support@support.example>\r\nTo: help@customer.example\r\n"
                     "Subject: Forwarding verification\r\nX-Postdesk-Forwarding-Check: " +
                     token + "\r\n\r\n" + text;
  EXPECT_TRUE(*Consume(mime::Parse(copy), token));
  EXPECT_EQ(Address().forwarding_status, "verified");
}

TEST_F(ForwardingTest, AlteredBodyFails) {
  std::string bytes = Start();
  std::string token = Address().forwarding_token;
  std::string altered = "From: Acme Support <support@support.example>\r\nTo: help@customer.example\r\n"
                        "Subject: Forwarding verification\r\nX-Postdesk-Forwarding-Check: " +
                        token + "\r\n\r\nThis is a rewritten test email. Verification code: " +
                        token + "\r\n";
  auto consumed = Consume(mime::Parse(altered), token);
  ASSERT_TRUE(consumed.ok());
  EXPECT_TRUE(*consumed);  // ours: no ticket
  EXPECT_EQ(Address().forwarding_status, "failed");
  EXPECT_THAT(ForwardingReason(), HasSubstr("came back altered: the text of the body was changed"));
  auto events = Events("forwarding_failed");
  ASSERT_EQ(events.size(), 1u);
  EXPECT_THAT(json::parse(events[0].detail_json)["reason"].get<std::string>(),
              HasSubstr("came back altered"));
}

TEST_F(ForwardingTest, BodyWithoutTheTokenFails) {
  Start();
  std::string token = Address().forwarding_token;
  std::string stripped = "From: support@support.example\r\nX-Postdesk-Forwarding-Check: " + token +
                         "\r\n\r\n[This message was scanned and its content removed]\r\n";
  EXPECT_TRUE(*Consume(mime::Parse(stripped), token));
  EXPECT_EQ(Address().forwarding_status, "failed");
  EXPECT_THAT(ForwardingReason(), HasSubstr("came back altered: the body no longer carries"));
}

TEST_F(ForwardingTest, UnknownTokenIsNotOurs) {
  std::string bytes = Start();
  mime::Message m = Forwarded(bytes);
  std::string other = NewToken();
  EXPECT_FALSE(*Consume(m, other));
  EXPECT_FALSE(*Consume(m, ""));
  EXPECT_FALSE(*Consume(m, Address().forwarding_token.substr(0, 63)));
  EXPECT_EQ(Address().forwarding_status, "waiting");
  EXPECT_TRUE(Events("forwarding_verified").empty());
  EXPECT_TRUE(Events("forwarding_failed").empty());
}

TEST_F(ForwardingTest, TokenHeaderShape) {
  EXPECT_FALSE(ForwardingCheckToken(mime::Parse("Subject: x\r\n\r\nbody\r\n")));
  EXPECT_FALSE(ForwardingCheckToken(
      mime::Parse("X-Postdesk-Forwarding-Check: '; drop table x\r\n\r\nbody\r\n")));
  EXPECT_EQ(ForwardingCheckToken(mime::Parse("x-postdesk-forwarding-check:  ABCdef01 \r\n\r\nb\r\n")),
            "abcdef01");
}

TEST_F(ForwardingTest, SentButNeverForwardedFailsAfterTheTimeout) {
  Start();
  SetDelivery("sent", 250, "2.0.0", "250 2.0.0 Ok: queued as 4XyZ", "mx.customer.example");
  EXPECT_TRUE(Expire(kNow + kTimeout - 1).empty());
  EXPECT_EQ(Address().forwarding_status, "waiting");
  auto failed = Expire(kNow + kTimeout);
  ASSERT_EQ(failed.size(), 1u);
  EXPECT_EQ(Address().forwarding_status, "failed");
  EXPECT_THAT(ForwardingReason(),
              HasSubstr("delivered to mx.customer.example but never forwarded back"));
  auto checks = Checks(Address());
  EXPECT_THAT(checks["forwarding"]["fix"].get<std::string>(),
              HasSubstr("forwarding of help@customer.example to support@support.example"));
  EXPECT_EQ(checks["forwarding"]["delivery"]["state"], "sent");
  EXPECT_EQ(Events("forwarding_failed").size(), 1u);
  // Failed once is failed: the next run does not fail it again.
  EXPECT_TRUE(Expire(kNow + 2 * kTimeout).empty());
  EXPECT_EQ(Events("forwarding_failed").size(), 1u);
}

TEST_F(ForwardingTest, RefusedTestEmailFailsAtOnceWithTheSmtpReason) {
  Start();
  SetDelivery("failed", 550, "5.1.1",
              "550 5.1.1 <help@customer.example>: Recipient address rejected: User unknown",
              "127.0.0.1");
  ASSERT_EQ(Expire(kNow + 1).size(), 1u);  // no need to wait for the timeout
  EXPECT_EQ(Address().forwarding_status, "failed");
  EXPECT_THAT(ForwardingReason(), HasSubstr("not delivered: 550 5.1.1 <help@customer.example>: "
                                            "Recipient address rejected: User unknown"));
}

TEST_F(ForwardingTest, BouncedTestEmailFails) {
  Start();
  SetDelivery("bounced", 0, "5.2.2", "mailbox full", "mx.customer.example");
  ASSERT_EQ(Expire(kNow + 1).size(), 1u);
  EXPECT_THAT(ForwardingReason(), HasSubstr("not delivered: 5.2.2 mailbox full"));
}

TEST_F(ForwardingTest, StillDeferredAtTheTimeout) {
  Start();
  SetDelivery("deferred", 451, "4.3.0", "451 4.3.0 Temporary lookup failure", "mx.customer.example");
  EXPECT_TRUE(Expire(kNow + 5).empty());
  ASSERT_EQ(Expire(kNow + kTimeout + 5).size(), 1u);
  EXPECT_THAT(ForwardingReason(),
              HasSubstr("still not delivered (deferred: 451 4.3.0 Temporary lookup failure)"));
}

TEST_F(ForwardingTest, QueuedAndNeverTriedAtTheTimeout) {
  Start();
  ASSERT_EQ(Expire(kNow + kTimeout).size(), 1u);
  EXPECT_THAT(ForwardingReason(), HasSubstr("still not delivered (queued: no reply yet)"));
}

TEST_F(ForwardingTest, LateIntactCopyStillVerifies) {
  std::string bytes = Start();
  SetDelivery("sent", 250, "", "250 ok", "mx.customer.example");
  ASSERT_EQ(Expire(kNow + kTimeout).size(), 1u);
  EXPECT_EQ(Address().forwarding_status, "failed");
  mime::Message m = Forwarded(bytes);
  EXPECT_TRUE(*Consume(m, *ForwardingCheckToken(m), kNow + kTimeout + 60));
  EXPECT_EQ(Address().forwarding_status, "verified");
}

}  // namespace
}  // namespace postdesk::channel
