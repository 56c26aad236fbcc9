// api/settings_api: the settings an admin changes while the desk runs
// (settings/desk_settings) and the desk's language, in the shape of
// Zendesk's account settings:
//
//   GET /api/v2/settings   {"settings": {desk_name, inbound_authentication,
//                          reject_on_dmarc_reject, spam_suspend_at,
//                          spam_refuse_at, suspended_retention_days, language},
//                          "config": {the same keys as the config gives them},
//                          "changed": [keys saved here, which win over the config],
//                          "problems": {key: why, for saved values that no
//                          longer apply (the config's value is in force)}}
//   PUT /api/v2/settings   {"settings": {keys to change}, "reset": [keys back
//                          to the config's value, or any saved key]}; answers as GET. An
//                          invalid value is a 422 naming the key; nothing is
//                          written. Admins only.
//
// After a PUT commits, `live` is reloaded from the store: the next message,
// email and purge use the new values.
// Input trust: request bodies are untrusted JSON, validated key by key.
// Thread-safety: handlers run on the HTTP handler threads; the Store and
// LiveSettings are thread-safe.
#pragma once

#include <memory>

#include "http/router.h"
#include "settings/desk_settings.h"
#include "store/store.h"

namespace postdesk::api {

struct SettingsApiOptions {
  settings::DeskSettings defaults;  // the config's values
  std::shared_ptr<settings::LiveSettings> live;
};

void RegisterSettingsApi(http::Router& router, store::Store& store, SettingsApiOptions options);

}  // namespace postdesk::api
