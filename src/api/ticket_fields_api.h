// api/ticket_fields_api: ticket fields in the Zendesk API's shapes
// (tickets/ticket_fields holds the model and the value rules).
//   GET    /api/v2/ticket_fields (?active=true|false)   every field, system ones too
//   GET    /api/v2/ticket_fields/{id}
//   POST   /api/v2/ticket_fields   PUT|DELETE /api/v2/ticket_fields/{id}   (admins)
//   GET    /api/v2/ticket_fields/{id}/options    a dropdown's options
//   GET    /api/v2/ticket_fields/{id}/options/{option_id}
//   POST   /api/v2/ticket_fields/{id}/options    adds an option, or changes the one its id names
//   DELETE /api/v2/ticket_fields/{id}/options/{option_id}   (admins)
// A system field takes a new title, description and position only, and is
// never deleted (403). Deleting a custom field removes its values from
// every ticket. Values are set on tickets through `custom_fields` in the
// tickets API.
// Input trust: untrusted JSON; an error is 422 naming the key.
// Thread-safety: handlers may run concurrently; the store outlives the router.
#pragma once

#include <string>

#include "http/router.h"
#include "store/store.h"

namespace postdesk::api {

void RegisterTicketFieldsApi(http::Router& router, store::Store& store, std::string base_url);

}  // namespace postdesk::api
