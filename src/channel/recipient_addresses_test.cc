// Support address rules over a real (temporary) SQLite store, and the
// outbound helpers they rely on: the one Enqueue and the sender choice.
#include "channel/recipient_addresses.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>

#include "common/ids.h"
#include "outbound/enqueue.h"
#include "store/temp_store_testing.h"

namespace postdesk::channel {
namespace {

using testing::HasSubstr;

using store::testing::TempStore;

constexpr int64_t kNow = 1700000000;
constexpr std::string_view kDesk = "support.example";

store::RecipientAddress MustCreate(store::Store& st, std::string_view email) {
  store::RecipientAddress out;
  Status s = st.Write([&](store::Tx& tx) {
    auto a = CreateAddress(tx, email, "Name", kDesk, kNow);
    if (!a.ok()) return a.status();
    out = *a;
    return Status::Ok();
  });
  EXPECT_TRUE(s.ok()) << s.message();
  return out;
}

AddressChange MakeDefault(bool is_default) {
  AddressChange c;
  c.is_default = is_default;
  return c;
}

Status TryWrite(store::Store& st, const std::function<Status(store::Tx&)>& fn) {
  return st.Write(fn);
}

TEST(RecipientAddresses, BootstrapMakesOwnDomainDefaultVerifiedOnce) {
  TempStore t;
  for (int i = 0; i < 2; ++i) {
    ASSERT_TRUE(t.store->Write([](store::Tx& tx) {
      return EnsureAddresses(tx, {"Support@Support.example"}, kDesk, kNow);
    }).ok());
  }
  ASSERT_TRUE(t.store->Read([](store::Tx& tx) {
    auto all = tx.ListRecipientAddresses();
    EXPECT_TRUE(all.ok());
    EXPECT_EQ(all->size(), 1u);
    const auto& a = all->front();
    EXPECT_EQ(a.email, "support@support.example");
    EXPECT_TRUE(a.is_default);
    EXPECT_EQ(a.forwarding_status, "verified");
    EXPECT_THAT(Checks(a)["forwarding"]["reason"].get<std::string>(), HasSubstr("own domain"));
    auto d = DefaultAddress(tx);
    EXPECT_TRUE(d.ok());
    EXPECT_EQ(*d, "support@support.example");
    return Status::Ok();
  }).ok());
}

TEST(RecipientAddresses, ExternalStartsUnknownAndNotDefault) {
  TempStore t;
  ASSERT_TRUE(t.store->Write([](store::Tx& tx) {
    return EnsureAddresses(tx, {"support@support.example"}, kDesk, kNow);
  }).ok());
  auto a = MustCreate(*t.store, "Help@Customer.Example");
  EXPECT_EQ(a.email, "help@customer.example");
  EXPECT_EQ(a.forwarding_status, "unknown");
  EXPECT_FALSE(a.is_default);
  EXPECT_THAT(Checks(a)["forwarding"]["fix"].get<std::string>(),
              HasSubstr("to support@support.example"));
  ASSERT_TRUE(t.store->Read([](store::Tx& tx) {
    auto all = AllAddresses(tx);
    EXPECT_TRUE(all.ok());
    EXPECT_EQ(*all, (std::vector<std::string>{"support@support.example", "help@customer.example"}));
    return Status::Ok();
  }).ok());
}

TEST(RecipientAddresses, CreateRefusesBadDuplicateUserAndPlusAddresses) {
  TempStore t;
  MustCreate(*t.store, "support@support.example");
  ASSERT_TRUE(t.store->Write([](store::Tx& tx) {
    store::User u;
    u.name = "Alice";
    u.email = "alice@customer.example";
    u.created_at = u.updated_at = kNow;
    return tx.CreateUser(u).status();
  }).ok());
  struct Case {
    std::string email;
    std::string message;
  } cases[] = {
      {"not an address", "is not a valid email address"},
      {"x@nodot", "is not a valid email address"},
      {"x@-bad-.example", "is not a valid email address"},
      {"SUPPORT@support.example", "already a support address"},
      {"alice@customer.example", "is the email of user"},
      {"help+billing@customer.example", "cannot contain '+'"},
  };
  for (const auto& c : cases) {
    Status s = TryWrite(*t.store, [&](store::Tx& tx) {
      return CreateAddress(tx, c.email, "", kDesk, kNow).status();
    });
    EXPECT_EQ(s.kind(), ErrorKind::kInvalid) << c.email;
    EXPECT_THAT(s.message(), HasSubstr(c.message)) << c.email;
  }
}

TEST(RecipientAddresses, EmailIsImmutableNameChanges) {
  TempStore t;
  auto a = MustCreate(*t.store, "help@customer.example");
  Status s = TryWrite(*t.store, [&](store::Tx& tx) {
    AddressChange c;
    c.email = "other@customer.example";
    return UpdateAddress(tx, a.id, c, kDesk, kNow).status();
  });
  EXPECT_EQ(s.kind(), ErrorKind::kInvalid);
  EXPECT_THAT(s.message(), HasSubstr("cannot change"));
  // The same email (any case) is not a change.
  ASSERT_TRUE(TryWrite(*t.store, [&](store::Tx& tx) {
    AddressChange c;
    c.email = "HELP@customer.example";
    c.name = " Customer\nHelp ";
    auto u = UpdateAddress(tx, a.id, c, kDesk, kNow + 5);
    if (!u.ok()) return u.status();
    EXPECT_EQ(u->name, "Customer Help");
    EXPECT_EQ(u->email, "help@customer.example");
    EXPECT_EQ(u->updated_at, kNow + 5);
    return Status::Ok();
  }).ok());
}

TEST(RecipientAddresses, DefaultRules) {
  TempStore t;
  auto def = MustCreate(*t.store, "support@support.example");
  ASSERT_TRUE(def.is_default);
  auto ext = MustCreate(*t.store, "help@customer.example");
  auto own = MustCreate(*t.store, "billing@support.example");
  EXPECT_EQ(own.forwarding_status, "verified");
  EXPECT_FALSE(own.is_default);

  // The default cannot be deleted or unset.
  Status s = TryWrite(*t.store, [&](store::Tx& tx) { return DeleteAddress(tx, def.id); });
  EXPECT_EQ(s.kind(), ErrorKind::kInvalid);
  EXPECT_THAT(s.message(), HasSubstr("cannot be deleted"));
  s = TryWrite(*t.store, [&](store::Tx& tx) {
    return UpdateAddress(tx, def.id, MakeDefault(false), kDesk, kNow).status();
  });
  EXPECT_EQ(s.kind(), ErrorKind::kInvalid);
  // An unverified external address cannot become the default.
  s = TryWrite(*t.store, [&](store::Tx& tx) {
    return UpdateAddress(tx, ext.id, MakeDefault(true), kDesk, kNow).status();
  });
  EXPECT_EQ(s.kind(), ErrorKind::kInvalid);
  EXPECT_THAT(s.message(), HasSubstr("verify forwarding first"));
  // Once verified it can, and the old default steps down.
  ASSERT_TRUE(TryWrite(*t.store, [&](store::Tx& tx) {
    auto a = tx.GetRecipientAddress(ext.id);
    a->forwarding_status = "verified";
    if (Status u = tx.UpdateRecipientAddress(*a); !u.ok()) return u;
    return UpdateAddress(tx, ext.id, MakeDefault(true), kDesk, kNow).status();
  }).ok());
  ASSERT_TRUE(t.store->Read([&](store::Tx& tx) {
    EXPECT_FALSE(tx.GetRecipientAddress(def.id)->is_default);
    EXPECT_TRUE(tx.GetRecipientAddress(ext.id)->is_default);
    EXPECT_EQ(AllAddresses(tx)->front(), "help@customer.example");
    return Status::Ok();
  }).ok());
  // The former default can now go; a missing id is NotFound.
  EXPECT_TRUE(TryWrite(*t.store, [&](store::Tx& tx) { return DeleteAddress(tx, def.id); }).ok());
  s = TryWrite(*t.store, [&](store::Tx& tx) { return DeleteAddress(tx, def.id); });
  EXPECT_EQ(s.kind(), ErrorKind::kNotFound);
}

TEST(RecipientAddresses, DomainFindingsBecomeStatusesWithReasonAndFix) {
  store::RecipientAddress a;
  a.email = "help@customer.example";
  std::vector<Finding> findings = {
      Ok("spf.record", "SPF record", "one v=spf1 record"),
      Problem("spf.include", "Our include", "include:_spf.support.example is missing",
              "publish v=spf1 include:_spf.support.example ~all"),
      Warning("dkim", "DKIM", "no key of ours for customer.example", "postdesk dkim keygen"),
      TempError("dmarc.record", "DMARC record", "_dmarc.customer.example", "timeout"),
      Ok("mx", "MX", "mx.customer.example"),
  };
  ApplyDomainFindings(a, findings, /*all=*/false, kNow);
  EXPECT_EQ(a.spf_status, "failed");
  EXPECT_EQ(a.cname_status, "unknown");  // not checked with type spf
  auto checks = Checks(a);
  EXPECT_THAT(checks["spf"]["reason"].get<std::string>(), HasSubstr("spf.include"));
  EXPECT_THAT(checks["spf"]["fix"].get<std::string>(), HasSubstr("include:_spf.support.example"));
  EXPECT_FALSE(checks.contains("cname"));

  ApplyDomainFindings(a, findings, /*all=*/true, kNow);
  EXPECT_EQ(a.cname_status, "unknown");  // only a warning: not set up, nothing verified
  EXPECT_EQ(a.spf_status, "failed");
  EXPECT_THAT(Checks(a)["cname"]["fix"].get<std::string>(), HasSubstr("keygen"));
  EXPECT_EQ(a.domain_verification_status, "unknown");    // temperror: nothing learned
  checks = Checks(a);
  EXPECT_THAT(checks["domain_verification"]["reason"].get<std::string>(), HasSubstr("temperror"));
  auto results = nlohmann::json::parse(a.dns_results_json);
  EXPECT_EQ(results["spf"].size(), 2u);
  EXPECT_EQ(results["cname"][0]["step"], "dkim");

  // Passed with a warning is verified, and the warning's fix is kept.
  ApplyDomainFindings(a,
                      {Ok("dmarc.record", "DMARC record", "v=DMARC1; p=none"),
                       Warning("dmarc.alignment", "DMARC alignment", "p=none protects nothing",
                               "move to p=quarantine")},
                      /*all=*/true, kNow);
  EXPECT_EQ(a.domain_verification_status, "verified");
  EXPECT_EQ(a.spf_status, "unknown");  // no spf.* finding this time
  EXPECT_EQ(Checks(a)["domain_verification"]["fix"], "move to p=quarantine");
}

// ---- outbound helpers used by tickets and forwarding ----

TEST(Enqueue, QueuesOneRowPerRecipientWithItsFirstEvent) {
  TempStore t;
  Status written = t.store->Write([](store::Tx& tx) {
    store::User u;
    u.name = "A";
    u.email = "a@x.example";
    u.created_at = u.updated_at = kNow;
    auto user = tx.CreateUser(u);
    if (!user.ok()) return user.status();
    store::OutboundMessage m;
    m.message_id = "abc@desk.test";
    m.subject = "Hello";
    m.bytes = "Subject: Hello\r\n\r\nhi\r\n";
    auto q = outbound::Enqueue(tx, m, {{"a@x.example", user->id}, {"b@y.example", std::nullopt}}, kNow,
                               100, "queued by test");
    if (!q.ok()) return q.status();
    EXPECT_GT(q->message.id, 0);
    EXPECT_EQ(q->message.created_at, kNow);
    EXPECT_EQ(q->recipients.size(), 2u);
    EXPECT_NE(q->recipients[0].verp_token, q->recipients[1].verp_token);
    for (const auto& r : q->recipients) {
      EXPECT_EQ(r.state, "queued");
      EXPECT_EQ(r.next_attempt_at, kNow);
      EXPECT_EQ(r.expires_at, kNow + 100);
      auto events = tx.ListDeliveryEvents(r.id);
      EXPECT_EQ(events->size(), 1u);
      EXPECT_EQ(events->front().detail, "queued by test");
    }
    EXPECT_EQ(q->recipients[0].user_id, std::optional<int64_t>(user->id));
    auto due = tx.DueRecipients(kNow, 10);
    EXPECT_EQ(due->size(), 2u);
    EXPECT_EQ(outbound::Enqueue(tx, m, {}, kNow, 100, "").status().kind(), ErrorKind::kInvalid);
    return Status::Ok();
  });
  EXPECT_TRUE(written.ok()) << written.message();
}

TEST(ChooseSender, UnverifiedExternalFallsBackToTheDefault) {
  TempStore t;
  MustCreate(*t.store, "support@support.example");
  auto ext = MustCreate(*t.store, "help@customer.example");
  auto check = [&](std::string_view wanted, std::string_view address, std::string_view note) {
    ASSERT_TRUE(t.store->Read([&](store::Tx& tx) {
      auto s = outbound::ChooseSender(tx, wanted, "support@support.example");
      EXPECT_TRUE(s.ok());
      EXPECT_EQ(s->address, address) << wanted;
      if (note.empty()) EXPECT_EQ(s->note, "") << wanted;
      else EXPECT_THAT(s->note, HasSubstr(std::string(note))) << wanted;
      return Status::Ok();
    }).ok());
  };
  check("support@support.example", "support@support.example", "");
  check("other@support.example", "other@support.example", "");  // our own domain
  check("", "support@support.example", "");
  check("help@customer.example", "support@support.example", "not verified for sending (forwarding unknown)");
  check("gone@customer.example", "support@support.example", "no longer a support address");
  ASSERT_TRUE(t.store->Write([&](store::Tx& tx) {
    auto a = tx.GetRecipientAddress(ext.id);
    a->forwarding_status = "verified";
    return tx.UpdateRecipientAddress(*a);
  }).ok());
  check("HELP@customer.example", "help@customer.example", "");
}

}  // namespace
}  // namespace postdesk::channel
