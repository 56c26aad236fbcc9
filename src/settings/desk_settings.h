// settings/desk_settings: the settings an admin changes while the desk runs
// (the Settings page, PUT /api/v2/settings): the desk's name on its mail,
// the inbound authentication policy, the spam filter's thresholds and how
// long suspended mail is kept.
//
// Each starts at its config value (config file or flag); a value saved from
// the API is stored under the settings key "desk_settings" (only the keys
// changed there, as a JSON object) and wins over the config until it is
// reset. LiveSettings holds the values in force for a running process; the
// pipeline, the notifications and the purge read it on each use, so a change
// applies to the next message without a restart.
// Input trust: API bodies and stored JSON are validated key by key (unknown
// keys, wrong types and out-of-range values are errors naming the key).
// Thread-safety: DeskSettings is a value; LiveSettings is thread-safe.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "common/config.h"
#include "common/status.h"
#include "store/store.h"

namespace postdesk::settings {

inline constexpr std::string_view kDeskSettingsKey = "desk_settings";

struct DeskSettings {
  std::string desk_name = "Support";
  std::string inbound_authentication = "flag";  // off | flag | suspend
  bool reject_on_dmarc_reject = false;
  double spam_suspend_at = 0.9;
  double spam_refuse_at = 0.99;  // above 1: never refused at SMTP
  int64_t suspended_retention_days = 14;  // 0: kept forever

  static DeskSettings FromConfig(const Config& config);
  // Every key with its value; spam_refuse_at is null when nothing is refused.
  nlohmann::json ToJson() const;
  bool operator==(const DeskSettings&) const = default;
};

// The names of the keys above, in the order the API lists them.
const std::vector<std::string>& SettingKeys();

// Applies `changes` (a JSON object of keys from SettingKeys) onto `settings`.
// An unknown key, a wrong type or a value out of range is kInvalid with a
// message naming it ("spam_suspend_at: must be a number above 0 and at most
// 1"); the thresholds are checked together (suspend at <= refuse at).
Status ApplyChanges(const nlohmann::json& changes, DeskSettings& settings);

// What the store holds over the config's values.
struct Stored {
  DeskSettings effective;   // defaults with the stored changes that still fit applied
  nlohmann::json changes;   // the stored object (keys changed from the API)
  // Stored keys that no longer apply, with why: a damaged value, a key this
  // version does not know, or a threshold that no longer fits the config's
  // other one. The config's value is in force for them until they are
  // changed or reset.
  nlohmann::json problems = nlohmann::json::object();
};
// `defaults` are the config's values. Only a store failure is an error.
Result<Stored> Load(store::Tx& tx, const DeskSettings& defaults);
Status Save(store::Tx& tx, const nlohmann::json& changes);

// The values in force in this process, replaced as a whole.
class LiveSettings {
 public:
  explicit LiveSettings(DeskSettings initial)
      : current_(std::make_shared<const DeskSettings>(std::move(initial))) {}
  // Reads what the store holds and puts it in force; true when the values
  // changed. Serialised: of two reloads, the later one reads the later
  // commit, so an API change is never undone by a periodic reload that read
  // the store before it committed.
  Result<bool> ReloadFrom(store::Store& store, const DeskSettings& defaults);
  std::shared_ptr<const DeskSettings> Get() const {
    std::lock_guard lock(mu_);
    return current_;
  }
  // True when the values changed.
  bool Set(DeskSettings next) {
    std::lock_guard lock(mu_);
    if (*current_ == next) return false;
    current_ = std::make_shared<const DeskSettings>(std::move(next));
    return true;
  }

 private:
  mutable std::mutex mu_;
  std::mutex reload_mu_;  // held across a reload's read and its Set
  std::shared_ptr<const DeskSettings> current_;
};

}  // namespace postdesk::settings
