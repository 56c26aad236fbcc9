// The sender doctor over a real (temporary) SQLite store with scripted
// states: a sender with a suspended message (spam verdict), a refused one
// (blocklist reject:), a ticket with a flagged authentication result, the
// allowlist/blocklist setting, an unverified external support address; and
// the sender-side DNS checks against an in-memory zone.
#include "doctor/sender_doctor.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <filesystem>
#include <optional>

#include "channel/recipient_addresses.h"
#include "common/ids.h"
#include "dns/memory_zone.h"
#include "doctor/doctor_test_util.h"
#include "intake/email_lists.h"

namespace postdesk::doctor {
namespace {

namespace asio = boost::asio;
using channel::Finding;
using channel::Level;
using nlohmann::json;
using testing::HasSubstr;

constexpr int64_t kNow = 1700000000;
constexpr const char* kSupport = "support@desk.test";
constexpr const char* kSender = "mallory@bad.test";

using testing_util::Await;
using testing_util::Steps;

class SenderDoctorTest : public testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() / ("postdesk-sender-" + NewToken().substr(0, 12));
    std::filesystem::create_directories(dir_);
    auto opened = store::OpenSqlite((dir_ / "postdesk.db").string());
    ASSERT_TRUE(opened.ok()) << opened.status().message();
    store_ = std::move(opened).value();
    ASSERT_TRUE(Write([&](store::Tx& tx) {
      return channel::EnsureAddresses(tx, {kSupport}, "desk.test", kNow);
    }).ok());
  }
  void TearDown() override {
    store_.reset();
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }

  Status Write(const std::function<Status(store::Tx&)>& fn) { return store_->Write(fn); }

  void Suspend(const std::string& cause, int cause_id, const std::string& recipient,
               json evidence, const std::string& spam_json) {
    ASSERT_TRUE(Write([&](store::Tx& tx) {
      store::RawMessage raw;
      raw.bytes = "From: " + std::string(kSender) + "\r\n\r\nhi\r\n";
      raw.received_at = kNow;
      auto raw_id = tx.AddRawMessage(raw);
      if (!raw_id.ok()) return raw_id.status();
      store::SuspendedTicket s;
      s.cause = cause;
      s.cause_id = cause_id;
      s.author_email = kSender;
      s.author_name = "Mallory";
      s.subject = "Cheap watches";
      s.recipient = recipient;
      s.raw_message_id = *raw_id;
      s.evidence_json = evidence.dump();
      s.spam_json = spam_json;
      s.created_at = kNow + 5;
      auto added = tx.AddSuspended(s);
      return added.ok() ? Status::Ok() : added.status();
    }).ok());
  }

  void Refuse(const json& details, const std::string& reason, const std::string& reply) {
    ASSERT_TRUE(Write([&](store::Tx& tx) {
      store::SystemEvent e;
      e.kind = "smtp_refused";
      e.subject = kSender;
      e.detail_json = json{{"reason", reason},
                           {"reply", reply},
                           {"details", details},
                           {"recipients", {kSupport}},
                           {"subject", "More watches"}}
                          .dump();
      e.created_at = kNow + 10;
      auto added = tx.AddSystemEvent(e);
      return added.ok() ? Status::Ok() : added.status();
    }).ok());
  }

  SenderStored Stored(const std::string& email) {
    SenderDoctorOptions o;
    o.email = email;
    o.default_support_address = kSupport;
    o.desk_domain = "desk.test";
    std::optional<SenderStored> out;
    Status s = store_->Read([&](store::Tx& tx) {
      auto r = DiagnoseSenderStored(tx, o);
      if (!r.ok()) return r.status();
      out = std::move(r).value();
      return Status::Ok();
    });
    EXPECT_TRUE(s.ok()) << s.message();
    return out ? std::move(*out) : SenderStored{};
  }

  std::filesystem::path dir_;
  std::unique_ptr<store::Store> store_;
};

TEST_F(SenderDoctorTest, SuspendedAndRefusedAreBothNamed) {
  Suspend("spam", 0, "support+x@desk.test",
          {{"cause", "spam"}, {"reason", "the spam filter scored it 0.95 (suspended at 0.90)"}},
          R"({"score":0.953,"decision":"suspend","spam_tokens":[{"token":"watches","p":0.99}]})");
  Refuse({{"list", "blocklist"}, {"entry", "reject:bad.test"}, {"sender", kSender}},
         "sender mallory@bad.test is blocklisted (reject:bad.test)", "550 5.7.1");
  ASSERT_TRUE(Write([&](store::Tx& tx) {
    return tx.SetSetting(intake::kEmailListsSetting,
                         R"({"allowlist": "", "blocklist": "reject:bad.test"})");
  }).ok());

  SenderStored d = Stored("Mallory@Bad.Test");
  ASSERT_EQ(d.addresses.size(), 1u);
  EXPECT_EQ(d.addresses[0].level, Level::kOk);
  EXPECT_THAT(d.addresses[0].evidence, HasSubstr("wrote to support@desk.test"));
  EXPECT_THAT(d.addresses[0].evidence, HasSubstr("1 suspended message, 1 refused message"));
  EXPECT_THAT(d.addresses[0].evidence, HasSubstr("a support address"));

  ASSERT_EQ(d.forwarding.size(), 1u);
  EXPECT_EQ(d.forwarding[0].level, Level::kOk);
  EXPECT_THAT(d.forwarding[0].evidence, HasSubstr("our own domain"));

  ASSERT_EQ(d.suspended.size(), 1u);
  EXPECT_EQ(d.suspended[0].level, Level::kProblem);
  EXPECT_THAT(d.suspended[0].evidence, HasSubstr("cause spam"));
  EXPECT_THAT(d.suspended[0].evidence, HasSubstr("spam score 0.95"));
  EXPECT_THAT(d.suspended[0].evidence, HasSubstr("watches"));
  EXPECT_THAT(d.suspended[0].fix, HasSubstr("/recover"));

  ASSERT_EQ(d.refused.size(), 1u);
  EXPECT_EQ(d.refused[0].level, Level::kProblem);
  EXPECT_THAT(d.refused[0].evidence, HasSubstr("550 5.7.1"));
  EXPECT_THAT(d.refused[0].evidence, HasSubstr("(blocklist)"));
  EXPECT_THAT(d.refused[0].evidence, HasSubstr("blocklisted (reject:bad.test)"));
  EXPECT_EQ(d.refused[0].details["kind"], "blocklist");

  ASSERT_EQ(d.lists.size(), 1u);
  EXPECT_EQ(d.lists[0].level, Level::kProblem);
  EXPECT_THAT(d.lists[0].evidence, HasSubstr("reject:"));
  EXPECT_EQ(d.domain, "bad.test");
  EXPECT_TRUE(d.fixes.empty());
}

TEST_F(SenderDoctorTest, RateLimitIsAWarningAndDmarcRejectAProblem) {
  Refuse({{"window_seconds", 60}, {"admitted_in_window", 30}}, "too many messages", "451 4.7.1");
  Refuse({{"authentication", {{"action", "reject"}}}}, "DMARC fail, p=reject", "550 5.7.1");
  SenderStored d = Stored(kSender);
  ASSERT_EQ(d.refused.size(), 2u);
  std::set<std::string> kinds;
  for (const auto& f : d.refused) {
    kinds.insert(f.details["kind"].get<std::string>());
    EXPECT_EQ(f.level, f.details["kind"] == "rate_limit" ? Level::kWarning : Level::kProblem);
  }
  EXPECT_EQ(kinds, (std::set<std::string>{"rate_limit", "dmarc_reject"}));
}

TEST_F(SenderDoctorTest, NoTraceIsAWarningAndUnverifiedAddressesAreListed) {
  int64_t id = 0;
  ASSERT_TRUE(Write([&](store::Tx& tx) {
    auto a = channel::CreateAddress(tx, "help@customer.test", "Help", "desk.test", kNow);
    if (!a.ok()) return a.status();
    id = a->id;
    return Status::Ok();
  }).ok());
  SenderStored d = Stored("someone@nowhere.test");
  ASSERT_EQ(d.addresses.size(), 1u);
  EXPECT_EQ(d.addresses[0].level, Level::kWarning);
  EXPECT_THAT(d.addresses[0].evidence, HasSubstr("ever reached the desk"));
  ASSERT_EQ(d.forwarding.size(), 1u);
  EXPECT_EQ(d.forwarding[0].level, Level::kWarning);
  EXPECT_THAT(d.forwarding[0].evidence, HasSubstr("help@customer.test"));
  ASSERT_EQ(d.fixes.size(), 1u);
  EXPECT_EQ(d.fixes[0].kind, FixKind::kResendForwardingVerification);
  EXPECT_EQ(d.fixes[0].id, id);
  EXPECT_EQ(Steps(d.suspended, "3.suspended")[0].level, Level::kOk);
  EXPECT_EQ(d.refused[0].level, Level::kOk);
  EXPECT_EQ(d.lists[0].level, Level::kOk);
}

TEST_F(SenderDoctorTest, TicketsAndTheirAuthenticationResults) {
  ASSERT_TRUE(Write([&](store::Tx& tx) {
    store::User u;
    u.name = "Vic";
    u.email = "vic@customer.test";
    auto user = tx.CreateUser(u);
    if (!user.ok()) return user.status();
    store::Ticket t;
    t.subject = "Hello";
    t.requester_id = t.submitter_id = user->id;
    t.recipient = "gone@desk.test";
    t.encoded_id = NewEncodedId();
    t.created_at = t.updated_at = kNow;
    auto ticket = tx.CreateTicket(t);
    if (!ticket.ok()) return ticket.status();
    store::Comment c;
    c.ticket_id = ticket->id;
    c.author_id = user->id;
    c.body = "Hello";
    c.authentication_json =
        json{{"spf", {{"result", "fail"}, {"domain", "customer.test"}}},
             {"dkim", json::array()},
             {"dmarc", {{"result", "fail"}, {"policy", "none"}}},
             {"action", "flag"},
             {"reason", "DMARC fail"}}
            .dump();
    c.created_at = kNow;
    auto added = tx.AddComment(c);
    return added.ok() ? Status::Ok() : added.status();
  }).ok());
  SenderStored d = Stored("vic@customer.test");
  ASSERT_EQ(d.addresses.size(), 1u);
  EXPECT_EQ(d.addresses[0].level, Level::kProblem);  // gone@ is not a support address
  EXPECT_THAT(d.addresses[0].evidence, HasSubstr("gone@desk.test (1 ticket"));
  ASSERT_EQ(d.authentication.size(), 1u);
  EXPECT_EQ(d.authentication[0].level, Level::kWarning);
  EXPECT_THAT(d.authentication[0].evidence, HasSubstr("SPF fail (customer.test)"));
  EXPECT_THAT(d.authentication[0].evidence, HasSubstr("DMARC fail"));
  EXPECT_THAT(d.authentication[0].evidence, HasSubstr("action flag"));
}

TEST_F(SenderDoctorTest, BadAddressIsInvalid) {
  SenderDoctorOptions o;
  o.email = "not an address";
  Status s = store_->Read([&](store::Tx& tx) { return DiagnoseSenderStored(tx, o).status(); });
  EXPECT_EQ(s.kind(), ErrorKind::kInvalid);
  o.email = "x@nodot";
  s = store_->Read([&](store::Tx& tx) { return DiagnoseSenderStored(tx, o).status(); });
  EXPECT_EQ(s.kind(), ErrorKind::kInvalid);
}

TEST(SenderDomain, SpfAndDmarcPresence) {
  dns::MemoryZone zone;
  zone.AddTxt("good.test", {"v=spf1 -all"});
  zone.AddTxt("_dmarc.good.test", {"v=DMARC1; p=reject"});
  zone.AddTxt("two.test", {"v=spf1 -all"});
  zone.AddTxt("two.test", {"v=spf1 ~all"});
  zone.AddTxt("broken.test", {"v=spf1 foo:bar"});
  zone.SetTimeout("slow.test");

  auto good = Await(CheckSenderDomain(zone, "good.test"));
  ASSERT_EQ(good.size(), 2u);
  EXPECT_EQ(good[0].step, "4.spf");
  EXPECT_EQ(good[0].level, Level::kOk);
  EXPECT_EQ(good[1].step, "4.dmarc");
  EXPECT_EQ(good[1].level, Level::kOk);
  EXPECT_THAT(good[1].evidence, HasSubstr("p=reject"));

  auto two = Await(CheckSenderDomain(zone, "two.test"));
  EXPECT_EQ(two[0].level, Level::kProblem);
  EXPECT_THAT(two[0].evidence, HasSubstr("2 SPF records"));
  EXPECT_EQ(two[1].level, Level::kWarning);  // no DMARC record

  auto broken = Await(CheckSenderDomain(zone, "broken.test"));
  EXPECT_EQ(broken[0].level, Level::kProblem);
  EXPECT_THAT(broken[0].evidence, HasSubstr("does not parse"));

  auto none = Await(CheckSenderDomain(zone, "none.test"));
  EXPECT_EQ(none[0].level, Level::kWarning);
  EXPECT_THAT(none[0].evidence, HasSubstr("no SPF record"));

  auto slow = Await(CheckSenderDomain(zone, "slow.test"));
  EXPECT_EQ(slow[0].level, Level::kProblem);
  EXPECT_TRUE(slow[0].temporary);
}

TEST_F(SenderDoctorTest, WholeReport) {
  Suspend("blocklisted", 13, kSupport, {{"reason", "blocklisted (bad.test)"}}, "");
  dns::MemoryZone zone;
  zone.AddTxt("bad.test", {"v=spf1 -all"});
  SenderDoctorOptions o;
  o.email = kSender;
  o.default_support_address = kSupport;
  o.desk_domain = "desk.test";
  auto d = Await(DiagnoseSender(*store_, zone, o));
  ASSERT_TRUE(d.ok()) << d.status().message();
  EXPECT_EQ(d->report.subject, std::string("sender ") + kSender);
  std::vector<std::string> steps;
  for (const auto& f : d->report.findings) steps.push_back(f.step);
  EXPECT_EQ(steps, (std::vector<std::string>{"1.address", "2.forwarding", "3.suspended", "4.spf",
                                             "4.dmarc", "4.authentication", "5.refused",
                                             "5.lists"}));
  EXPECT_EQ(d->report.ExitStatus(), channel::kExitReportProblem);
  EXPECT_THAT(d->report.ToText(), HasSubstr("cause blocklisted"));
}

}  // namespace
}  // namespace postdesk::doctor
