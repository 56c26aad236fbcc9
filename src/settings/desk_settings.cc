#include "settings/desk_settings.h"

#include <cmath>
#include <cstdio>

namespace postdesk::settings {
namespace {

using nlohmann::json;

constexpr int64_t kMaxRetentionDays = 3650;
constexpr size_t kMaxDeskName = 100;

Status Bad(std::string_view key, std::string_view what) {
  return Status::Invalid(std::string(key) + ": " + std::string(what));
}

// A display name goes into From: and Reply-To: phrases: printable text only.
bool PrintableName(std::string_view s) {
  for (unsigned char c : s) {
    if (c < 0x20 || c == 0x7f) return false;
  }
  return true;
}

bool Threshold(const json& v, double& out) {
  if (!v.is_number()) return false;
  double d = v.get<double>();
  if (!std::isfinite(d) || d <= 0 || d > 1) return false;
  out = d;
  return true;
}

}  // namespace

DeskSettings DeskSettings::FromConfig(const Config& config) {
  return {.desk_name = config.desk_name,
          .inbound_authentication = config.inbound_authentication,
          .reject_on_dmarc_reject = config.reject_on_dmarc_reject,
          .spam_suspend_at = config.spam_suspend_at,
          .spam_refuse_at = config.spam_refuse_at,
          .suspended_retention_days = config.suspended_retention_days};
}

json DeskSettings::ToJson() const {
  return {{"desk_name", desk_name},
          {"inbound_authentication", inbound_authentication},
          {"reject_on_dmarc_reject", reject_on_dmarc_reject},
          {"spam_suspend_at", spam_suspend_at},
          {"spam_refuse_at", spam_refuse_at > 1 ? json(nullptr) : json(spam_refuse_at)},
          {"suspended_retention_days", suspended_retention_days}};
}

const std::vector<std::string>& SettingKeys() {
  static const std::vector<std::string> keys = {
      "desk_name",       "inbound_authentication", "reject_on_dmarc_reject",
      "spam_suspend_at", "spam_refuse_at",         "suspended_retention_days"};
  return keys;
}

Status ApplyChanges(const json& changes, DeskSettings& s) {
  if (!changes.is_object()) return Status::Invalid("settings: must be a JSON object");
  DeskSettings next = s;
  for (const auto& [key, v] : changes.items()) {
    if (key == "desk_name") {
      if (!v.is_string()) return Bad(key, "must be a string");
      std::string name = v.get<std::string>();
      if (name.find_first_not_of(' ') == std::string::npos) return Bad(key, "must not be empty");
      if (name.size() > kMaxDeskName) return Bad(key, "must be at most 100 bytes");
      if (!PrintableName(name)) return Bad(key, "must not contain control characters");
      next.desk_name = std::move(name);
    } else if (key == "inbound_authentication") {
      if (!v.is_string() || (v != "off" && v != "flag" && v != "suspend")) {
        return Bad(key, "must be \"off\", \"flag\" or \"suspend\"");
      }
      next.inbound_authentication = v.get<std::string>();
    } else if (key == "reject_on_dmarc_reject") {
      if (!v.is_boolean()) return Bad(key, "must be true or false");
      next.reject_on_dmarc_reject = v.get<bool>();
    } else if (key == "spam_suspend_at") {
      if (!Threshold(v, next.spam_suspend_at)) {
        return Bad(key, "must be a number above 0 and at most 1");
      }
    } else if (key == "spam_refuse_at") {
      if (v.is_null()) {
        next.spam_refuse_at = 2;  // never: scores are at most 1
      } else if (!Threshold(v, next.spam_refuse_at)) {
        return Bad(key, "must be a number above 0 and at most 1, or null (never refuse)");
      }
    } else if (key == "suspended_retention_days") {
      if (!v.is_number_integer() || v.get<int64_t>() < 0 || v.get<int64_t>() > kMaxRetentionDays) {
        return Bad(key, "must be a whole number of days from 0 (keep forever) to 3650");
      }
      next.suspended_retention_days = v.get<int64_t>();
    } else {
      return Bad(key, "is not a setting");
    }
  }
  if (next.spam_suspend_at > next.spam_refuse_at) {
    char at[32];
    std::snprintf(at, sizeof at, "%g", next.spam_suspend_at);
    return Bad("spam_refuse_at", std::string("must not be below spam_suspend_at (") + at + ")");
  }
  s = std::move(next);
  return Status::Ok();
}

Result<Stored> Load(store::Tx& tx, const DeskSettings& defaults) {
  Stored out{defaults, json::object()};
  auto stored = tx.GetSetting(kDeskSettingsKey);
  if (!stored.ok()) {
    if (stored.status().kind() == ErrorKind::kNotFound) return out;
    return stored.status();
  }
  json changes = json::parse(*stored, nullptr, false);
  if (changes.is_discarded() || !changes.is_object()) {
    out.problems["desk_settings"] = "the stored value is not a JSON object";
    return out;
  }
  // Key by key, so one value that no longer fits costs only that key.
  for (const auto& [key, value] : changes.items()) {
    if (Status s = ApplyChanges(json{{key, value}}, out.effective); !s.ok()) {
      out.problems[key] = s.message();
    }
  }
  out.changes = std::move(changes);
  return out;
}

Result<bool> LiveSettings::ReloadFrom(store::Store& store, const DeskSettings& defaults) {
  std::lock_guard reload(reload_mu_);
  Stored stored;
  Status s = store.Read([&](store::Tx& tx) -> Status {
    auto loaded = Load(tx, defaults);
    if (!loaded.ok()) return loaded.status();
    stored = std::move(loaded).value();
    return Status::Ok();
  });
  if (!s.ok()) return s;
  return Set(std::move(stored.effective));
}

Status Save(store::Tx& tx, const json& changes) {
  return tx.SetSetting(kDeskSettingsKey, changes.dump());
}

}  // namespace postdesk::settings
