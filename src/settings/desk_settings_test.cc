#include "settings/desk_settings.h"

#include <gtest/gtest.h>

#include "store/temp_store_testing.h"

namespace postdesk::settings {
namespace {

using nlohmann::json;

TEST(DeskSettingsTest, StartsFromTheConfig) {
  Config config;
  config.desk_name = "Acme Help";
  config.inbound_authentication = "suspend";
  config.spam_refuse_at = 1.5;
  auto s = DeskSettings::FromConfig(config);
  EXPECT_EQ(s.desk_name, "Acme Help");
  EXPECT_EQ(s.ToJson()["inbound_authentication"], "suspend");
  EXPECT_EQ(s.ToJson()["spam_refuse_at"], nullptr);  // above 1: never refused
  EXPECT_EQ(s.ToJson()["suspended_retention_days"], 14);
}

TEST(DeskSettingsTest, ChangesAreValidatedKeyByKey) {
  DeskSettings s;
  struct Case {
    json changes;
    std::string message;
  } cases[] = {
      {{{"desk_name", ""}}, "desk_name: must not be empty"},
      {{{"desk_name", "Help\r\nBcc: x@evil.example"}}, "desk_name: must not contain control characters"},
      {{{"desk_name", std::string(101, 'a')}}, "desk_name: must be at most 100 bytes"},
      {{{"inbound_authentication", "strict"}}, "inbound_authentication: must be \"off\", \"flag\" or \"suspend\""},
      {{{"reject_on_dmarc_reject", "yes"}}, "reject_on_dmarc_reject: must be true or false"},
      {{{"spam_suspend_at", 0}}, "spam_suspend_at: must be a number above 0 and at most 1"},
      {{{"spam_suspend_at", 1.2}}, "spam_suspend_at: must be a number above 0 and at most 1"},
      {{{"spam_refuse_at", "0.99"}}, "spam_refuse_at: must be a number above 0 and at most 1, or null (never refuse)"},
      {{{"spam_suspend_at", 0.95}, {"spam_refuse_at", 0.9}}, "spam_refuse_at: must not be below spam_suspend_at (0.95)"},
      {{{"suspended_retention_days", -1}}, "suspended_retention_days: must be a whole number of days from 0 (keep forever) to 3650"},
      {{{"suspended_retention_days", 1.5}}, "suspended_retention_days: must be a whole number of days from 0 (keep forever) to 3650"},
      {{{"colour", "blue"}}, "colour: is not a setting"},
      {json::array(), "settings: must be a JSON object"},
  };
  for (const auto& c : cases) {
    DeskSettings copy = s;
    Status st = ApplyChanges(c.changes, copy);
    EXPECT_EQ(st.kind(), ErrorKind::kInvalid) << c.changes.dump();
    EXPECT_EQ(st.message(), c.message) << c.changes.dump();
    EXPECT_EQ(copy, s) << "nothing applied from " << c.changes.dump();
  }
  ASSERT_TRUE(ApplyChanges({{"desk_name", "サポート窓口"}, {"spam_refuse_at", nullptr},
                            {"spam_suspend_at", 1}, {"suspended_retention_days", 0}},
                           s)
                  .ok());
  EXPECT_EQ(s.desk_name, "サポート窓口");
  EXPECT_GT(s.spam_refuse_at, 1);
  EXPECT_EQ(s.spam_suspend_at, 1);
  EXPECT_EQ(s.suspended_retention_days, 0);
}

TEST(DeskSettingsTest, StoredChangesWinOverTheConfig) {
  store::testing::TempStore temp;
  DeskSettings defaults;
  defaults.desk_name = "From config";
  ASSERT_TRUE(temp.store->Write([](store::Tx& tx) {
    return Save(tx, {{"desk_name", "From the API"}, {"spam_suspend_at", 0.8}});
  }).ok());
  ASSERT_TRUE(temp.store->Read([&](store::Tx& tx) -> Status {
    auto loaded = Load(tx, defaults);
    EXPECT_TRUE(loaded.ok());
    EXPECT_EQ(loaded->effective.desk_name, "From the API");
    EXPECT_EQ(loaded->effective.spam_suspend_at, 0.8);
    EXPECT_EQ(loaded->effective.inbound_authentication, "flag");  // the config's
    EXPECT_EQ(loaded->changes.size(), 2u);
    return Status::Ok();
  }).ok());
  // A value that no longer applies costs only its key, and is reported.
  ASSERT_TRUE(temp.store->Write([](store::Tx& tx) {
    return tx.SetSetting(kDeskSettingsKey,
                         R"({"suspended_retention_days": "forever", "desk_name": "Kept",
                             "spam_refuse_at": 0.85, "colour": "blue"})");
  }).ok());
  ASSERT_TRUE(temp.store->Read([&](store::Tx& tx) -> Status {
    auto loaded = Load(tx, defaults);  // the config suspends at 0.9
    EXPECT_TRUE(loaded.ok());
    EXPECT_EQ(loaded->effective.desk_name, "Kept");
    EXPECT_EQ(loaded->effective.suspended_retention_days, 14);
    EXPECT_EQ(loaded->effective.spam_refuse_at, 0.99);
    EXPECT_EQ(loaded->problems.size(), 3u);
    EXPECT_NE(loaded->problems["suspended_retention_days"].get<std::string>().find("whole number"),
              std::string::npos);
    EXPECT_EQ(loaded->problems["spam_refuse_at"], "spam_refuse_at: must not be below spam_suspend_at (0.9)");
    EXPECT_EQ(loaded->problems["colour"], "colour: is not a setting");
    return Status::Ok();
  }).ok());
}

TEST(DeskSettingsTest, LiveSettingsSaysWhetherAnythingChanged) {
  LiveSettings live{DeskSettings{}};
  auto before = live.Get();
  EXPECT_FALSE(live.Set(DeskSettings{}));
  DeskSettings next;
  next.desk_name = "New";
  EXPECT_TRUE(live.Set(next));
  EXPECT_EQ(live.Get()->desk_name, "New");
  EXPECT_EQ(before->desk_name, "Support");  // a reader keeps the values it took
}

}  // namespace
}  // namespace postdesk::settings
