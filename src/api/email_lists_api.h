// api/email_lists_api: the allowlist and blocklist over HTTP (our extension;
// Zendesk keeps them in its admin UI only), as two text fields of
// space-separated entries exactly as Zendesk's settings hold them:
//
//   GET /api/v2/email_lists    {"email_lists": {"allowlist": "...", "blocklist": "..."}}
//   PUT /api/v2/email_lists    same body; a field left out keeps its value.
//                              Admins only (as in Zendesk). An invalid entry
//                              is a 422 naming the field and the entry; nothing
//                              is written.
//
// The lists are stored in the settings key "email_lists"; after a PUT
// commits, `on_change` installs the new lists in the running pipeline.
// Input trust: request bodies are untrusted JSON, validated entry by entry.
// Thread-safety: handlers run on io threads; state is the thread-safe Store
// and whatever `on_change` touches (EmailListsHolder is thread-safe).
#pragma once

#include <functional>

#include "http/router.h"
#include "intake/email_lists.h"
#include "store/store.h"

namespace postdesk::api {

struct EmailListsApiOptions {
  std::function<void(intake::EmailLists)> on_change;
};

void RegisterEmailListsApi(http::Router& router, store::Store& store, EmailListsApiOptions options);

// The stored lists (empty lists when none were ever saved).
Result<intake::EmailLists> LoadEmailLists(store::Tx& tx);

}  // namespace postdesk::api
