// The ticket doctor and its fixes over a real (temporary) SQLite store with
// scripted states: tickets and replies go through tickets::Commit (so the
// default triggers queue real notifications), and delivery outcomes are
// written with the queue's own RecordTransition -- a 550-refused recipient,
// a DSN bounce (mailbox full), a deactivated / deleted / changed default
// trigger, an undeliverable flag, an unverified external support address.
#include "doctor/ticket_doctor.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/write.hpp>
#include <filesystem>
#include <optional>
#include <thread>

#include "channel/recipient_addresses.h"
#include "common/ids.h"
#include "common/strings.h"
#include "dns/memory_zone.h"
#include "doctor/doctor_test_util.h"
#include "outbound/queue.h"
#include "tickets/updates.h"

namespace postdesk::doctor {
namespace {

namespace asio = boost::asio;
using channel::Finding;
using channel::Level;
using nlohmann::json;
using testing::HasSubstr;

constexpr int64_t kNow = 1700000000;
constexpr const char* kSupport = "support@desk.test";
constexpr const char* kCommentUpdate = "Notify requester and CCs of comment update";

using testing_util::Await;
using testing_util::Steps;

class TicketDoctorTest : public testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() / ("postdesk-doctor-" + NewToken().substr(0, 12));
    std::filesystem::create_directories(dir_);
    auto opened = store::OpenSqlite((dir_ / "postdesk.db").string());
    ASSERT_TRUE(opened.ok()) << opened.status().message();
    store_ = std::move(opened).value();
    desk_.name = "Desk";
    desk_.support_address = kSupport;
    desk_.hostname = "desk.test";
    desk_.bounce_domain = "desk.test";
    desk_.base_url = "http://127.0.0.1:1";
    ASSERT_TRUE(Write([&](store::Tx& tx) {
      if (Status s = tickets::SeedDefaultTriggers(tx, kNow); !s.ok()) return s;
      if (Status s = channel::EnsureAddresses(tx, {kSupport}, "desk.test", kNow); !s.ok()) return s;
      store::User agent;
      agent.name = "Ann Agent";
      agent.email = "ann@desk.test";
      agent.role = Role::kAgent;
      auto a = tx.CreateUser(agent);
      if (!a.ok()) return a.status();
      agent_ = *a;
      store::User customer;
      customer.name = "Carol";
      customer.email = "carol@customer.test";
      auto c = tx.CreateUser(customer);
      if (!c.ok()) return c.status();
      customer_ = *c;
      return Status::Ok();
    }).ok());
  }
  void TearDown() override {
    store_.reset();
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }

  Status Write(const std::function<Status(store::Tx&)>& fn) { return store_->Write(fn); }

  // A new ticket emailed in by the customer, as intake makes it.
  int64_t EmailTicket(const std::string& subject, const std::string& recipient = kSupport) {
    int64_t id = 0;
    Status s = Write([&](store::Tx& tx) {
      store::Ticket t;
      t.subject = subject;
      t.description = "Help, please.";
      t.requester_id = t.submitter_id = customer_.id;
      t.recipient = recipient;
      t.via = Channel::kEmail;
      t.encoded_id = NewEncodedId();
      t.created_at = t.updated_at = ++now_;
      auto created = tx.CreateTicket(t);
      if (!created.ok()) return created.status();
      store::Comment c;
      c.ticket_id = created->id;
      c.author_id = customer_.id;
      c.body = "Help, please.";
      c.created_at = now_;
      auto added = tx.AddComment(c);
      if (!added.ok()) return added.status();
      tickets::Update u;
      u.created = true;
      u.ticket = *created;
      u.comment = *added;
      u.actor = customer_;
      u.via = Channel::kEmail;
      u.already_received = {customer_.email};
      u.events = json::array({{{"type", "Create"}, {"field_name", "subject"}, {"value", subject}},
                              {{"type", "Create"}, {"field_name", "status"}, {"value", "new"}},
                              CommentEvent(*added)});
      auto r = tickets::Commit(tx, desk_, std::move(u), now_);
      if (!r.ok()) return r.status();
      id = created->id;
      return Status::Ok();
    });
    EXPECT_TRUE(s.ok()) << s.message();
    return id;
  }

  static json CommentEvent(const store::Comment& c) {
    return {{"type", "Comment"}, {"id", c.id},       {"author_id", c.author_id},
            {"body", c.body},    {"public", c.is_public}};
  }

  // An agent's reply through the API, as write_api makes it.
  void Reply(int64_t ticket_id, const std::string& body, bool is_public = true,
             const store::User* actor = nullptr) {
    const store::User& author = actor ? *actor : agent_;
    Status s = Write([&](store::Tx& tx) {
      auto ticket = tx.GetTicket(ticket_id);
      if (!ticket.ok()) return ticket.status();
      store::Ticket before = *ticket, t = *ticket;
      json events = json::array();
      if (t.status == "new") {
        events.push_back({{"type", "Change"}, {"field_name", "status"}, {"value", "open"},
                          {"previous_value", "new"}});
        t.status = "open";
      }
      t.updated_at = ++now_;
      if (Status s = tx.UpdateTicket(t); !s.ok()) return s;
      store::Comment c;
      c.ticket_id = t.id;
      c.author_id = author.id;
      c.body = body;
      c.is_public = is_public;
      c.via = Channel::kApi;
      c.created_at = now_;
      auto added = tx.AddComment(c);
      if (!added.ok()) return added.status();
      events.push_back(CommentEvent(*added));
      tickets::Update u;
      u.before = before;
      u.ticket = t;
      u.comment = *added;
      u.actor = author;
      u.via = Channel::kApi;
      u.events = events;
      auto r = tickets::Commit(tx, desk_, std::move(u), now_);
      return r.ok() ? Status::Ok() : r.status();
    });
    ASSERT_TRUE(s.ok()) << s.message();
  }

  // Every outbound recipient row of the ticket, oldest first.
  std::vector<store::OutboundRecipient> Recipients(int64_t ticket_id) {
    std::vector<store::OutboundRecipient> out;
    EXPECT_TRUE(store_->Read([&](store::Tx& tx) {
      auto ms = tx.ListOutboundMessages(ticket_id);
      if (!ms.ok()) return ms.status();
      for (const auto& m : *ms) {
        auto rs = tx.ListOutboundRecipients(m.id);
        if (!rs.ok()) return rs.status();
        out.insert(out.end(), rs->begin(), rs->end());
      }
      return Status::Ok();
    }).ok());
    return out;
  }

  // Moves `r` to `state` with the given reply, as the queue (or a DSN) would.
  void Deliver(store::OutboundRecipient r, const std::string& state, int code,
               const std::string& status, const std::string& reply, const std::string& reason) {
    r.attempts += 1;
    r.last_code = code;
    r.last_status = status;
    r.last_reply = reply;
    r.reason = reason;
    r.remote_host = "mx.customer.test:25";
    // Claimed first, as the queue does before an attempt (a bounce comes
    // after a sent message).
    Status s = Write([&](store::Tx& tx) {
      if (r.state == "queued") {
        r.state = state == "bounced" ? "sent" : "sending";
        if (Status u = tx.UpdateOutboundRecipient(r); !u.ok()) return u;
      }
      return outbound::RecordTransition(tx, r, *outbound::ParseDeliveryState(state),
                                        "test: " + state, ++now_);
    });
    ASSERT_TRUE(s.ok()) << s.message();
  }

  std::optional<store::OutboundRecipient> ToCustomer(int64_t ticket_id) {
    std::optional<store::OutboundRecipient> last;
    for (const auto& r : Recipients(ticket_id)) {
      if (r.address == customer_.email) last = r;
    }
    return last;
  }

  TicketStored Stored(int64_t ticket_id, const std::string& recipient = "") {
    TicketDoctorOptions o;
    o.ticket_id = ticket_id;
    o.recipient = recipient;
    o.default_support_address = kSupport;
    std::optional<TicketStored> out;
    Status s = store_->Read([&](store::Tx& tx) {
      auto r = DiagnoseTicketStored(tx, o);
      if (!r.ok()) return r.status();
      out = std::move(r).value();
      return Status::Ok();
    });
    EXPECT_TRUE(s.ok()) << s.message();
    return out ? std::move(*out) : TicketStored{};
  }

  Result<std::string> Fix(const FixAction& fix, const std::string& subject) {
    Result<std::string> out = Status::Temporary("not run");
    FixContext context;
    context.forwarding.desk_name = "Desk";
    context.forwarding.desk_default = kSupport;
    context.forwarding.desk_domain = "desk.test";
    context.forwarding.hostname = "desk.test";
    Status s = Write([&](store::Tx& tx) {
      out = ApplyFix(tx, fix, context, subject, ++now_);
      return out.ok() ? Status::Ok() : out.status();
    });
    if (!s.ok() && out.ok()) return s;
    return out;
  }

  std::vector<store::SystemEvent> FixEvents(const std::string& subject) {
    std::vector<store::SystemEvent> out;
    EXPECT_TRUE(store_->Read([&](store::Tx& tx) {
      auto e = tx.ListSystemEvents(subject, "doctor_fix", 100);
      if (!e.ok()) return e.status();
      out = *e;
      return Status::Ok();
    }).ok());
    return out;
  }

  store::TriggerRow DefaultRow(const std::string& key) {
    store::TriggerRow out;
    EXPECT_TRUE(store_->Read([&](store::Tx& tx) {
      auto r = tx.FindTriggerByDefaultKey(key);
      if (!r.ok()) return r.status();
      out = *r;
      return Status::Ok();
    }).ok());
    return out;
  }

  std::filesystem::path dir_;
  std::unique_ptr<store::Store> store_;
  tickets::DeskInfo desk_;
  store::User agent_, customer_;
  int64_t now_ = kNow;
};

TEST_F(TicketDoctorTest, RefusedRecipientIsStepOneWithTheRemoteReply) {
  int64_t id = EmailTicket("Printer");
  auto r = ToCustomer(id);
  ASSERT_TRUE(r);
  Deliver(*r, "failed", 550, "5.1.1",
          "<carol@customer.test>: Recipient address rejected: User unknown", "user_unknown");

  TicketStored d = Stored(id);
  auto delivery = Steps(d.delivery, "1.delivery");
  auto mine = std::find_if(delivery.begin(), delivery.end(), [](const Finding& f) {
    return f.evidence.find("carol@customer.test") != std::string::npos;
  });
  ASSERT_NE(mine, delivery.end());
  EXPECT_EQ(mine->level, Level::kProblem);
  EXPECT_THAT(mine->evidence, HasSubstr("failed"));
  EXPECT_THAT(mine->evidence, HasSubstr("550 5.1.1"));
  EXPECT_THAT(mine->evidence, HasSubstr("User unknown"));
  EXPECT_THAT(mine->evidence, HasSubstr("mx.customer.test"));
  EXPECT_THAT(mine->fix, HasSubstr("does not exist"));
  EXPECT_EQ(mine->details["smtp_code"], 550);
  EXPECT_EQ(mine->details["history"].back()["state"], "failed");

  ASSERT_EQ(d.bounce.size(), 1u);
  EXPECT_EQ(d.bounce[0].level, Level::kProblem);
  EXPECT_EQ(d.bounce[0].details["bounce_class"], "user_unknown");
  EXPECT_THAT(d.bounce[0].evidence, HasSubstr("unknown user"));

  // The queue flagged the address: step 5 says so and offers to clear it.
  ASSERT_EQ(d.undeliverable.size(), 1u);
  EXPECT_EQ(d.undeliverable[0].level, Level::kProblem);
  EXPECT_THAT(d.undeliverable[0].evidence, HasSubstr("flagged undeliverable"));
  auto found = std::find_if(d.fixes.begin(), d.fixes.end(),
                            [](const FixAction& f) { return f.kind == FixKind::kClearUndeliverable; });
  ASSERT_NE(found, d.fixes.end());
  const FixAction fix_copy = *found;
  const FixAction* fix = &fix_copy;
  EXPECT_EQ(fix->id, customer_.id);

  auto done = Fix(*fix, "ticket:" + std::to_string(id));
  ASSERT_TRUE(done.ok()) << done.status().message();
  EXPECT_THAT(*done, HasSubstr("cleared"));
  auto events = FixEvents("ticket:" + std::to_string(id));
  ASSERT_EQ(events.size(), 1u);
  json detail = json::parse(events[0].detail_json);
  EXPECT_EQ(detail["fix"], "clear_undeliverable");
  EXPECT_THAT(detail["previous_reason"].get<std::string>(), HasSubstr("user_unknown"));
  d = Stored(id);
  EXPECT_EQ(d.undeliverable[0].level, Level::kOk);
  // Applying it again changes nothing and records nothing.
  done = Fix(*fix, "ticket:" + std::to_string(id));
  ASSERT_TRUE(done.ok());
  EXPECT_THAT(*done, HasSubstr("not flagged"));
  EXPECT_EQ(FixEvents("ticket:" + std::to_string(id)).size(), 1u);
}

TEST_F(TicketDoctorTest, DeactivatedDefaultTriggerIsNamedAndReactivated) {
  int64_t id = EmailTicket("Quiet please");
  store::TriggerRow row = DefaultRow("notify_requester_comment_update");
  ASSERT_TRUE(Write([&](store::Tx& tx) {
    row.active = false;
    return tx.UpdateTrigger(row);
  }).ok());
  size_t before = Recipients(id).size();
  Reply(id, "Here is the answer.");
  ASSERT_EQ(Recipients(id).size(), before);  // nothing queued: the trigger is off

  TicketStored d = Stored(id);
  ASSERT_EQ(d.trigger.size(), 1u) << d.trigger[0].evidence;
  const Finding& f = d.trigger[0];
  EXPECT_EQ(f.level, Level::kProblem);
  EXPECT_THAT(f.evidence, HasSubstr(kCommentUpdate));
  EXPECT_THAT(f.evidence, HasSubstr("inactive"));
  EXPECT_THAT(f.evidence, HasSubstr("was not emailed to carol@customer.test"));
  EXPECT_EQ(f.details["state"], "inactive");
  ASSERT_EQ(d.fixes.size(), 1u);
  EXPECT_EQ(d.fixes[0].kind, FixKind::kActivateTrigger);
  EXPECT_EQ(d.fixes[0].id, row.id);

  auto done = Fix(d.fixes[0], "ticket:" + std::to_string(id));
  ASSERT_TRUE(done.ok()) << done.status().message();
  EXPECT_THAT(*done, HasSubstr("re-activated"));
  EXPECT_TRUE(DefaultRow("notify_requester_comment_update").active);
  ASSERT_EQ(FixEvents("ticket:" + std::to_string(id)).size(), 1u);
  EXPECT_EQ(json::parse(FixEvents("ticket:" + std::to_string(id))[0].detail_json)["trigger_id"],
            row.id);

  // Mail flows again, and the doctor now names the trigger that sent it.
  Reply(id, "Second answer.");
  ASSERT_EQ(Recipients(id).size(), before + 1);
  d = Stored(id);
  ASSERT_EQ(d.trigger.size(), 1u);
  EXPECT_EQ(d.trigger[0].level, Level::kOk);
  EXPECT_THAT(d.trigger[0].evidence, HasSubstr("by trigger \"" + std::string(kCommentUpdate)));
  EXPECT_TRUE(d.fixes.empty());

  done = Fix({FixKind::kActivateTrigger, "2.trigger", "", row.id, ""}, "ticket:again");
  ASSERT_TRUE(done.ok());
  EXPECT_THAT(*done, HasSubstr("already active"));
  EXPECT_TRUE(FixEvents("ticket:again").empty());
}

TEST_F(TicketDoctorTest, DeletedDefaultTriggerIsRestored) {
  int64_t id = EmailTicket("Gone");
  store::TriggerRow row = DefaultRow("notify_requester_comment_update");
  ASSERT_TRUE(Write([&](store::Tx& tx) { return tx.DeleteTrigger(row.id); }).ok());
  Reply(id, "Answer.");
  TicketStored d = Stored(id);
  ASSERT_FALSE(d.trigger.empty());
  EXPECT_EQ(d.trigger[0].level, Level::kProblem);
  EXPECT_THAT(d.trigger[0].evidence, HasSubstr("was deleted"));
  ASSERT_EQ(d.fixes.size(), 1u);
  EXPECT_EQ(d.fixes[0].kind, FixKind::kRestoreTrigger);
  EXPECT_EQ(d.fixes[0].key, "notify_requester_comment_update");
  auto done = Fix(d.fixes[0], "ticket:" + std::to_string(id));
  ASSERT_TRUE(done.ok()) << done.status().message();
  EXPECT_THAT(*done, HasSubstr("re-created"));
  store::TriggerRow restored = DefaultRow("notify_requester_comment_update");
  EXPECT_EQ(restored.title, kCommentUpdate);
  EXPECT_TRUE(restored.active);
  size_t before = Recipients(id).size();
  Reply(id, "Again.");
  EXPECT_EQ(Recipients(id).size(), before + 1);
}

TEST_F(TicketDoctorTest, ChangedDefaultTriggerNamesTheFailingCondition) {
  int64_t id = EmailTicket("Changed");
  store::TriggerRow row = DefaultRow("notify_requester_comment_update");
  json def = json::parse(row.definition_json);
  def["conditions"]["all"][1]["value"] = "false";  // comment_is_public is false
  row.definition_json = def.dump();
  row.updated_at = kNow - 10;  // changed before the update
  ASSERT_TRUE(Write([&](store::Tx& tx) { return tx.UpdateTrigger(row); }).ok());
  Reply(id, "Answer.");
  TicketStored d = Stored(id);
  ASSERT_FALSE(d.trigger.empty());
  EXPECT_EQ(d.trigger[0].level, Level::kProblem);
  EXPECT_THAT(d.trigger[0].evidence, HasSubstr("changed from the default"));
  EXPECT_THAT(d.trigger[0].evidence, HasSubstr("comment_is_public is false"));
  ASSERT_EQ(d.fixes.size(), 1u);
  EXPECT_EQ(d.fixes[0].kind, FixKind::kRestoreTrigger);
  auto done = Fix(d.fixes[0], "ticket:" + std::to_string(id));
  ASSERT_TRUE(done.ok()) << done.status().message();
  EXPECT_THAT(*done, HasSubstr("restored"));
  json restored = json::parse(DefaultRow("notify_requester_comment_update").definition_json);
  EXPECT_EQ(restored["conditions"]["all"][1]["value"], "true");
  auto events = FixEvents("ticket:" + std::to_string(id));
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(json::parse(events[0].detail_json)["previous"]["conditions"]["all"][1]["value"],
            "false");
  done = Fix(d.fixes[0], "ticket:" + std::to_string(id));
  ASSERT_TRUE(done.ok());
  EXPECT_THAT(*done, HasSubstr("already as shipped"));
}

TEST_F(TicketDoctorTest, PrivateNoteIsNotWhatTheCustomerMissed) {
  int64_t id = EmailTicket("Notes");
  Reply(id, "internal only", /*is_public=*/false);
  TicketStored d = Stored(id);
  // The latest public update is the new ticket itself, acknowledged by email.
  ASSERT_EQ(d.trigger.size(), 1u);
  EXPECT_EQ(d.trigger[0].level, Level::kOk);
  EXPECT_THAT(d.trigger[0].evidence, HasSubstr("the new ticket"));
  EXPECT_THAT(d.trigger[0].evidence, HasSubstr("Notify requester and CCs of received request"));
}

TEST_F(TicketDoctorTest, BouncedDsnGivesTheBounceClass) {
  int64_t id = EmailTicket("Full");
  auto r = ToCustomer(id);
  ASSERT_TRUE(r);
  Deliver(*r, "sent", 250, "2.0.0", "Ok: queued", "");
  r = ToCustomer(id);
  Deliver(*r, "bounced", 552, "5.2.2", "552 5.2.2 carol@customer.test: mailbox full",
          "mailbox_full");
  TicketStored d = Stored(id);
  auto delivery = Steps(d.delivery, "1.delivery");
  bool named = false;
  for (const auto& f : delivery) {
    if (f.evidence.find("carol@customer.test") == std::string::npos) continue;
    named = true;
    EXPECT_EQ(f.level, Level::kProblem);
    EXPECT_THAT(f.evidence, HasSubstr("bounced"));
    EXPECT_THAT(f.evidence, HasSubstr("5.2.2"));
  }
  EXPECT_TRUE(named);
  ASSERT_EQ(d.bounce.size(), 1u);
  EXPECT_EQ(d.bounce[0].details["bounce_class"], "mailbox_full");
  EXPECT_THAT(d.bounce[0].evidence, HasSubstr("mailbox_full"));
  EXPECT_THAT(d.bounce[0].fix, HasSubstr("mailbox is full"));
  // A mailbox-full bounce does not flag the address.
  ASSERT_EQ(d.undeliverable.size(), 1u);
  EXPECT_EQ(d.undeliverable[0].level, Level::kOk);
  EXPECT_THAT(d.undeliverable[0].evidence, HasSubstr("1 soft bounce"));
}

TEST_F(TicketDoctorTest, BounceClassFallsBackToTheDsnStatus) {
  store::OutboundRecipient r;
  r.last_status = "5.2.2";
  r.last_reply = "mailbox full";
  EXPECT_EQ(BounceClass(r), "mailbox_full");
  r.reason = "blocked";
  EXPECT_EQ(BounceClass(r), "blocked");
  EXPECT_EQ(BounceClassText("blocked"), "blocked as spam");
}

TEST_F(TicketDoctorTest, RecipientOptionSelectsOneAddress) {
  int64_t id = EmailTicket("Only me");
  TicketStored d = Stored(id, "ann@desk.test");
  ASSERT_EQ(d.delivery.size(), 1u);
  EXPECT_THAT(d.delivery[0].evidence, HasSubstr("ann@desk.test"));
  // The agent got the new ticket ("all agents"); an agent's reply is not
  // sent back to agents, and the doctor says it explains customers' mail only.
  ASSERT_EQ(d.trigger.size(), 1u);
  EXPECT_EQ(d.trigger[0].level, Level::kOk);
  store::User bob;
  ASSERT_TRUE(Write([&](store::Tx& tx) {
    store::User u;
    u.name = "Bob";
    u.email = "bob@desk.test";
    u.role = Role::kAgent;
    auto b = tx.CreateUser(u);
    if (!b.ok()) return b.status();
    bob = *b;
    return Status::Ok();
  }).ok());
  Reply(id, "Answer.", true, &bob);
  d = Stored(id, "ann@desk.test");
  ASSERT_EQ(d.trigger.size(), 1u);
  EXPECT_EQ(d.trigger[0].level, Level::kWarning);
  EXPECT_THAT(d.trigger[0].evidence, HasSubstr("an agent"));
  d = Stored(id, "nobody@else.test");
  ASSERT_EQ(d.delivery.size(), 1u);
  EXPECT_EQ(d.delivery[0].level, Level::kWarning);
  EXPECT_THAT(d.delivery[0].evidence, HasSubstr("was addressed to nobody@else.test"));
  EXPECT_EQ(d.recipient_domains, std::vector<std::string>{"else.test"});
}

TEST_F(TicketDoctorTest, UnverifiedExternalAddressSendsAsTheDefault) {
  int64_t address_id = 0;
  ASSERT_TRUE(Write([&](store::Tx& tx) {
    auto a = channel::CreateAddress(tx, "help@customer.test", "Help", "desk.test", kNow);
    if (!a.ok()) return a.status();
    address_id = a->id;
    return Status::Ok();
  }).ok());
  int64_t id = EmailTicket("Forwarded", "help+x@customer.test");
  TicketStored d = Stored(id);
  ASSERT_EQ(d.forwarding.size(), 1u);
  EXPECT_EQ(d.forwarding[0].level, Level::kWarning);
  EXPECT_THAT(d.forwarding[0].evidence, HasSubstr("help@customer.test"));
  EXPECT_THAT(d.forwarding[0].evidence, HasSubstr("go out as support@desk.test"));
  EXPECT_EQ(d.sending_domain, "desk.test");
  auto fix = std::find_if(d.fixes.begin(), d.fixes.end(), [](const FixAction& f) {
    return f.kind == FixKind::kResendForwardingVerification;
  });
  ASSERT_NE(fix, d.fixes.end());
  EXPECT_EQ(fix->id, address_id);
  auto done = Fix(*fix, "ticket:" + std::to_string(id));
  ASSERT_TRUE(done.ok()) << done.status().message();
  EXPECT_THAT(*done, HasSubstr("waiting"));
  d = Stored(id);
  EXPECT_THAT(d.forwarding[0].evidence, HasSubstr("has not come back"));
}

TEST_F(TicketDoctorTest, MissingTicketIsNotFound) {
  TicketDoctorOptions o;
  o.ticket_id = 999;
  Status s = store_->Read([&](store::Tx& tx) { return DiagnoseTicketStored(tx, o).status(); });
  EXPECT_EQ(s.kind(), ErrorKind::kNotFound);
  dns::MemoryZone zone;
  auto r = Await(DiagnoseTicket(*store_, zone, o));
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(r.status().message(), HasSubstr("ticket 999 does not exist"));
}

TEST_F(TicketDoctorTest, WholeReportInStepOrderWithDnsAndRelay) {
  int64_t id = EmailTicket("All steps");
  auto r = ToCustomer(id);
  Deliver(*r, "failed", 550, "5.1.1", "User unknown", "user_unknown");
  dns::MemoryZone zone;
  zone.AddTxt("desk.test", {"v=spf1 include:_spf.desk.test ~all"});
  zone.AddTxt("_spf.desk.test", {"v=spf1 ip4:192.0.2.1 -all"});
  zone.AddTxt("_dmarc.desk.test", {"v=DMARC1; p=none"});
  zone.AddMx("customer.test", 10, "mx.customer.test");
  zone.Add("mx.customer.test", dns::RrType::kA, "192.0.2.25");
  TicketDoctorOptions o;
  o.ticket_id = id;
  o.default_support_address = kSupport;
  o.relay = "127.0.0.1:2525";
  std::vector<std::string> probed;
  o.probe_relay = [&probed](std::string relay) -> asio::awaitable<Result<std::string>> {
    probed.push_back(relay);
    co_return std::string("220 relay.test ESMTP");
  };
  o.domain_options = [](const std::string& domain) {
    channel::DomainCheckOptions opts;
    opts.desk_domain = "desk.test";
    opts.spf_include = "_spf.desk.test";
    return opts;
  };
  auto diagnosis = Await(DiagnoseTicket(*store_, zone, o));
  ASSERT_TRUE(diagnosis.ok()) << diagnosis.status().message();
  const auto& fs = diagnosis->report.findings;
  EXPECT_EQ(diagnosis->report.subject, "ticket " + std::to_string(id));
  // Steps come in order 1..5.
  int last = 0;
  for (const auto& f : fs) {
    int step = f.step[0] - '0';
    EXPECT_GE(step, last) << f.step;
    last = step;
  }
  EXPECT_FALSE(Steps(fs, "4.spf.record").empty());
  EXPECT_EQ(Steps(fs, "4.spf.include")[0].level, Level::kOk);
  auto mx = Steps(fs, "5.mx");
  ASSERT_EQ(mx.size(), 1u);
  EXPECT_EQ(mx[0].level, Level::kOk);
  EXPECT_THAT(mx[0].evidence, HasSubstr("mx.customer.test"));
  auto relay = Steps(fs, "5.relay");
  ASSERT_EQ(relay.size(), 1u);
  EXPECT_EQ(relay[0].level, Level::kOk);
  EXPECT_EQ(probed, std::vector<std::string>{"127.0.0.1:2525"});
  EXPECT_EQ(diagnosis->report.ExitStatus(), channel::kExitReportProblem);
  json j = diagnosis->ToJson();
  EXPECT_EQ(j["status"], "problem");
  ASSERT_FALSE(j["fixes"].empty());
  EXPECT_EQ(j["fixes"][0]["fix"], "clear_undeliverable");

  // Without a relay, a recipient domain that cannot be looked up is a
  // temporary problem; one that does not exist is a problem.
  o.relay.clear();
  zone.SetTimeout("customer.test");
  diagnosis = Await(DiagnoseTicket(*store_, zone, o));
  ASSERT_TRUE(diagnosis.ok());
  mx = Steps(diagnosis->report.findings, "5.mx");
  ASSERT_EQ(mx.size(), 1u);
  EXPECT_EQ(mx[0].level, Level::kProblem);
  EXPECT_TRUE(mx[0].temporary);
  EXPECT_TRUE(Steps(diagnosis->report.findings, "5.relay").empty());
}

TEST(ProbeRelay, ReadsTheGreetingOrSaysWhyNot) {
  asio::io_context server_io;
  asio::ip::tcp::acceptor acceptor(server_io, {asio::ip::make_address("127.0.0.1"), 0});
  uint16_t port = acceptor.local_endpoint().port();
  std::thread server([&] {
    asio::ip::tcp::socket s(server_io);
    acceptor.accept(s);
    asio::write(s, asio::buffer(std::string("220-relay.test hello\r\n220 ready\r\n")));
    char buf[16];
    boost::system::error_code ec;
    s.read_some(asio::buffer(buf), ec);  // QUIT
  });
  auto greeting = Await(ProbeRelay("127.0.0.1:" + std::to_string(port), 5));
  server.join();
  ASSERT_TRUE(greeting.ok()) << greeting.status().message();
  EXPECT_EQ(*greeting, "220 ready");

  acceptor.close();
  auto refused = Await(ProbeRelay("127.0.0.1:" + std::to_string(port), 5));
  EXPECT_FALSE(refused.ok());
  EXPECT_FALSE(Await(ProbeRelay("no-port", 5)).ok());
}

}  // namespace
}  // namespace postdesk::doctor
