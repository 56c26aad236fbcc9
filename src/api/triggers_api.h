// api/triggers_api: the Zendesk triggers API -- list (with ?active=), show,
// create, update, delete, update_many (active, position), search by title --
// plus our extensions to see and restore the standard default triggers
// (`GET /api/v2/triggers/defaults`, `POST /api/v2/triggers/defaults/{key}/restore`).
// Unknown placeholders in a trigger's emails are reported in `warnings` when
// it is saved. Trust: bodies are untrusted JSON, validated by rules::ParseTrigger.
// Thread-safety: as the other handlers.
#pragma once

#include <string>

#include "http/router.h"
#include "store/store.h"

namespace postdesk::api {

void RegisterTriggersApi(http::Router& router, store::Store& store, std::string base_url);

}  // namespace postdesk::api
