#include "api/settings_api.h"

#include <algorithm>
#include <nlohmann/json.hpp>

#include "api/present.h"
#include "tickets/updates.h"

namespace postdesk::api {
namespace {

using nlohmann::json;

json SettingsJson(const settings::Stored& stored, const settings::DeskSettings& defaults,
                  rules::Language language) {
  json values = stored.effective.ToJson();
  values["language"] = rules::LanguageCode(language);
  json changed = json::array();
  for (const auto& key : settings::SettingKeys()) {
    if (stored.changes.contains(key) && !stored.problems.contains(key)) changed.push_back(key);
  }
  return {{"settings", values},
          {"config", defaults.ToJson()},
          {"changed", changed},
          {"problems", stored.problems}};
}

}  // namespace

void RegisterSettingsApi(http::Router& router, store::Store& store, SettingsApiOptions options) {
  auto o = std::make_shared<SettingsApiOptions>(std::move(options));
  store::Store* st = &store;

  router.Get("/api/v2/settings", [st, o](const http::Request&) {
    json out;
    Status s = st->Read([&](store::Tx& tx) -> Status {
      auto stored = settings::Load(tx, o->defaults);
      if (!stored.ok()) return stored.status();
      out = SettingsJson(*stored, o->defaults, tickets::DeskLanguage(tx));
      return Status::Ok();
    });
    if (!s.ok()) return StoreError(s);
    return http::JsonResponse(200, out);
  }, http::kAdminOnly);

  router.Add("PUT", "/api/v2/settings", [st, o](const http::Request& req) {
    http::Response error;
    auto body = ParseJsonBody(req, error);
    if (!body) return error;
    json changes = body->value("settings", json::object());
    json reset = body->value("reset", json::array());
    if (!changes.is_object() || !reset.is_array() ||
        !std::all_of(reset.begin(), reset.end(), [](const json& k) { return k.is_string(); })) {
      return http::ErrorResponse(400, "InvalidPayload",
                                 "expected {\"settings\": {...}, \"reset\": [\"key\", ...]}");
    }
    std::optional<rules::Language> language;
    if (changes.contains("language")) {
      const json& code = changes["language"];
      language = code.is_string() ? rules::LanguageFromCode(code.get<std::string>()) : std::nullopt;
      if (!language) {
        return http::ErrorResponse(422, "RecordInvalid", "settings.language: must be \"en\" or \"ja\"");
      }
      changes.erase("language");
    }
    std::string invalid;
    json out;
    Status s = st->Write([&](store::Tx& tx) -> Status {
      // Start from what is stored, even if it no longer fits the config
      // (this request may be what repairs it).
      json stored = json::object();
      if (auto raw = tx.GetSetting(settings::kDeskSettingsKey); raw.ok()) {
        stored = json::parse(*raw, nullptr, false);
        if (!stored.is_object()) stored = json::object();
      } else if (raw.status().kind() != ErrorKind::kNotFound) {
        return raw.status();
      }
      // Any saved key may be reset, also one this version no longer knows.
      const auto& keys = settings::SettingKeys();
      for (const auto& key : reset) {
        const std::string k = key.get<std::string>();
        if (!stored.contains(k) && std::find(keys.begin(), keys.end(), k) == keys.end()) {
          invalid = "reset: " + k + " is not a setting";
          return Status::Invalid(invalid);
        }
        stored.erase(k);
      }
      for (const auto& [key, value] : changes.items()) stored[key] = value;
      // The keys this request sets must apply; a saved key that no longer
      // does (and is not being fixed) stays reported, as GET shows it.
      settings::DeskSettings next = o->defaults;
      for (const auto& [key, value] : stored.items()) {
        if (changes.contains(key)) continue;
        (void)settings::ApplyChanges(json{{key, value}}, next);
      }
      if (Status v = settings::ApplyChanges(changes, next); !v.ok()) {
        invalid = "settings." + v.message();
        return v;
      }
      if (Status w = settings::Save(tx, stored); !w.ok()) return w;
      if (language) {
        if (Status w = tickets::SetDeskLanguage(tx, *language); !w.ok()) return w;
      }
      auto reloaded = settings::Load(tx, o->defaults);
      if (!reloaded.ok()) return reloaded.status();
      out = SettingsJson(*reloaded, o->defaults, language ? *language : tickets::DeskLanguage(tx));
      return Status::Ok();
    });
    if (!invalid.empty()) return http::ErrorResponse(422, "RecordInvalid", invalid);
    if (!s.ok()) return StoreError(s);
    if (o->live) {
      if (auto r = o->live->ReloadFrom(*st, o->defaults); !r.ok()) {
        return StoreError(r.status());  // saved; in force at the next periodic reload
      }
    }
    return http::JsonResponse(200, out);
  }, http::kAdminOnly);
}

}  // namespace postdesk::api
