// api/macros_api: macros in the Zendesk API's shapes (rules/macro.h holds
// the model, tickets/workflow.h who may use one and the preview).
//   GET    /api/v2/macros (?active=, ?access=personal|shared|account, ?sort_by=
//          position|title|created_at|updated_at, ?sort_order=), /macros/active,
//          /macros/search?query=            the macros the caller may use, paged
//   GET    /api/v2/macros/{id}
//   POST   /api/v2/macros   PUT|DELETE /api/v2/macros/{id}
//   GET    /api/v2/macros/{id}/apply        the changes it makes, placeholders as written
//   GET    /api/v2/tickets/{tid}/macros/{id}/apply
//          the ticket as it would be, with the reply's placeholders filled
//   GET    /api/v2/macros/actions           what a macro's actions may set
// Who: an agent sees and applies shared macros, their own personal ones and
// those of their groups; they create and change only personal ones (a macro
// an agent creates without a restriction is theirs). Admins see and change
// all. Applying writes nothing: the result is sent as a ticket update.
// Input trust: untrusted JSON; an error is 422 naming the field, an unknown
// or hidden macro 404.
// Thread-safety: handlers may run concurrently; the store outlives the router.
#pragma once

#include <string>

#include "http/router.h"
#include "store/store.h"
#include "tickets/updates.h"

namespace postdesk::api {

void RegisterMacrosApi(http::Router& router, store::Store& store, tickets::DeskInfo desk,
                       std::string base_url);

}  // namespace postdesk::api
