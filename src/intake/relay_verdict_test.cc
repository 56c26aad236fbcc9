#include "intake/relay_verdict.h"

#include <gtest/gtest.h>

namespace postdesk::intake {
namespace {

mime::Message WithHeaders(std::vector<std::pair<std::string, std::string>> headers) {
  mime::Message m;
  m.headers = std::move(headers);
  return m;
}

TEST(RelayVerdictTest, SpamAssassinStatus) {
  auto v = ReadRelayVerdict(WithHeaders(
      {{"Subject", "x"},
       {"X-Spam-Status",
        "Yes, score=7.3 required=5.0 tests=BAYES_99,HTML_MESSAGE,\tURIBL_BLACK autolearn=no "
        "autolearn_force=no version=3.4.6"}}));
  ASSERT_TRUE(v.has_value());
  EXPECT_TRUE(v->spam);
  EXPECT_EQ(v->scanner, "spamassassin");
  EXPECT_EQ(v->field, "X-Spam-Status");
  EXPECT_DOUBLE_EQ(*v->score, 7.3);
  EXPECT_DOUBLE_EQ(*v->threshold, 5.0);
  EXPECT_EQ(v->tests, (std::vector<std::string>{"BAYES_99", "HTML_MESSAGE", "URIBL_BLACK"}));
  EXPECT_NE(v->Describe().find("SpamAssassin X-Spam-Status: Yes, score=7.3"), std::string::npos);
  EXPECT_EQ(v->ToJson()["score"], 7.3);

  auto ham = ReadRelayVerdict(WithHeaders({{"X-Spam-Status", "No, hits=-2.6 required=5.0 tests=none"}}));
  ASSERT_TRUE(ham.has_value());
  EXPECT_FALSE(ham->spam);
  EXPECT_DOUBLE_EQ(*ham->score, -2.6);

  auto flag = ReadRelayVerdict(WithHeaders({{"X-Spam-Flag", "YES"}}));
  ASSERT_TRUE(flag.has_value());
  EXPECT_TRUE(flag->spam);
  EXPECT_FALSE(flag->score.has_value());
}

TEST(RelayVerdictTest, Rspamd) {
  auto v = ReadRelayVerdict(WithHeaders(
      {{"X-Spamd-Result",
        "default: True [12.40 / 15.00]; R_SPF_FAIL(1.00)[-all]; BAYES_SPAM(5.10)[99.99%]; "
        "MIME_GOOD(-0.10)[text/plain]"},
       {"X-Spam", "Yes"}}));
  ASSERT_TRUE(v.has_value());
  EXPECT_TRUE(v->spam);
  EXPECT_EQ(v->scanner, "rspamd");
  EXPECT_EQ(v->field, "X-Spamd-Result");  // the field with a score wins
  EXPECT_DOUBLE_EQ(*v->score, 12.4);
  EXPECT_DOUBLE_EQ(*v->threshold, 15.0);
  EXPECT_EQ(v->tests, (std::vector<std::string>{"R_SPF_FAIL", "BAYES_SPAM", "MIME_GOOD"}));

  auto ham = ReadRelayVerdict(WithHeaders({{"X-Spamd-Result", "default: False [0.20 / 15.00]"}}));
  ASSERT_TRUE(ham.has_value());
  EXPECT_FALSE(ham->spam);

  auto action = ReadRelayVerdict(WithHeaders({{"X-Rspamd-Action", "add header"}}));
  ASSERT_TRUE(action.has_value());
  EXPECT_TRUE(action->spam);
  EXPECT_FALSE(ReadRelayVerdict(WithHeaders({{"X-Rspamd-Action", "no action"}}))->spam);
}

TEST(RelayVerdictTest, AForgedNoNeverHidesTheScannersYes) {
  // The sender wrote "No" at the top; the scanner appended its "Yes" below.
  auto v = ReadRelayVerdict(WithHeaders({{"X-Spam-Status", "No, score=-100.0 required=5.0"},
                                         {"From", "a@b.example"},
                                         {"X-Spam-Status", "Yes, score=9.9 required=5.0"}}));
  ASSERT_TRUE(v.has_value());
  EXPECT_TRUE(v->spam);
  EXPECT_DOUBLE_EQ(*v->score, 9.9);
}

TEST(RelayVerdictTest, NoScannerFieldsNoVerdict) {
  EXPECT_FALSE(ReadRelayVerdict(WithHeaders({{"Subject", "X-Spam-Status: Yes"},
                                             {"X-Spam-Level", "*******"}}))
                   .has_value());
}

TEST(RelayVerdictTest, HostileValuesAreBounded) {
  std::string tests = "tests=";
  for (int i = 0; i < 1000; ++i) tests += "RULE_" + std::to_string(i) + ",";
  auto v = ReadRelayVerdict(WithHeaders({{"X-Spam-Status", "Yes, score=1e999999 " + tests}}));
  ASSERT_TRUE(v.has_value());
  EXPECT_LE(v->value.size(), 300u);
  EXPECT_LE(v->tests.size(), 50u);
  // Names are rule names or nothing: no cut UTF-8, no markup.
  std::string long_name = "tests=a";
  for (int i = 0; i < 40; ++i) long_name += "\xC3\x84";
  auto utf8 = ReadRelayVerdict(WithHeaders(
      {{"X-Spam-Status", "Yes, " + long_name + ",OK_RULE"},
       {"X-Spamd-Result", "default: True [1 / 2]; <b>X</b>(1.0); \xC3\x84\xC3\x84(2.0); GOOD(1)"}}));
  ASSERT_TRUE(utf8.has_value());
  EXPECT_TRUE(utf8->tests.empty() || utf8->tests == std::vector<std::string>{"GOOD"})
      << nlohmann::json(utf8->tests).dump();
  EXPECT_NO_THROW(utf8->ToJson().dump());
  auto junk = ReadRelayVerdict(WithHeaders({{"X-Spamd-Result", "[[[//]]]; (((; ;;"}}));
  ASSERT_TRUE(junk.has_value());
  EXPECT_FALSE(junk->spam);
}

TEST(TrustedRelaysTest, AddressesNetworksAndThePipe) {
  auto r = TrustedRelays::Parse({"127.0.0.1", "10.0.0.0/8", " 2001:db8::/32 ", "pipe"});
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_TRUE(r->Trusts(Door::kSmtp, "127.0.0.1"));
  EXPECT_FALSE(r->Trusts(Door::kSmtp, "127.0.0.2"));
  EXPECT_TRUE(r->Trusts(Door::kLmtp, "10.200.3.4"));
  EXPECT_FALSE(r->Trusts(Door::kLmtp, "11.0.0.1"));
  EXPECT_TRUE(r->Trusts(Door::kSmtp, "::ffff:10.1.2.3"));  // IPv4 through an IPv6 socket
  EXPECT_TRUE(r->Trusts(Door::kSmtp, "2001:db8:1::5"));
  EXPECT_FALSE(r->Trusts(Door::kSmtp, "2001:db9::5"));
  EXPECT_TRUE(r->Trusts(Door::kPipe, ""));
  EXPECT_FALSE(r->Trusts(Door::kApi, "127.0.0.1"));
  EXPECT_FALSE(r->Trusts(Door::kRecovered, "127.0.0.1"));
  EXPECT_FALSE(r->Trusts(Door::kSmtp, ""));
  EXPECT_FALSE(r->Trusts(Door::kSmtp, "not-an-ip"));

  auto none = TrustedRelays::Parse({});
  ASSERT_TRUE(none.ok());
  EXPECT_TRUE(none->empty());
  EXPECT_FALSE(none->Trusts(Door::kSmtp, "127.0.0.1"));
  EXPECT_FALSE(none->Trusts(Door::kPipe, ""));

  auto odd = TrustedRelays::Parse({"192.168.1.77/24"});  // host bits are ignored
  ASSERT_TRUE(odd.ok());
  EXPECT_TRUE(odd->Trusts(Door::kSmtp, "192.168.1.3"));
}

TEST(TrustedRelaysTest, BadEntriesAreNamed) {
  for (const char* bad : {"localhost", "10.0.0.0/33", "::1/129", "10.0.0.0/", "10.0.0.0/x",
                          "1.2.3", ""}) {
    auto r = TrustedRelays::Parse({bad});
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_NE(r.status().message().find("trusted_relays"), std::string::npos);
    EXPECT_NE(r.status().message().find(std::string("\"") + bad + "\""), std::string::npos)
        << r.status().message();
  }
}

}  // namespace
}  // namespace postdesk::intake
