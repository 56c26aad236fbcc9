// api/ticket_lists_api: ticket lists other than views (api/views_api).
//   GET /api/v2/search?query=              Zendesk's search syntax, the subset
//       api/search_query supports; results are tickets ("result_type": "ticket")
//   GET /api/v2/users/{id}/tickets/requested|ccd|assigned, /organizations/{id}/tickets,
//       /groups/{id}/tickets                ?page=&per_page=&sort_by=&sort_order=
//   GET /api/v2/tickets/show_many?ids=     up to 100 tickets
//   GET /api/v2/tags                       tags with their ticket counts
// Lists carry "users" (the requesters and assignees on the page, sideloaded
// as Zendesk's ?include=users does), "count", "next_page", "previous_page".
// Input trust: keys, sort fields and queries are checked against fixed
// lists; values reach the store only as parameters.
// Thread-safety: handlers may run concurrently; the store outlives the router.
#pragma once

#include <string>

#include "http/router.h"
#include "store/store.h"

namespace postdesk::api {

void RegisterTicketListsApi(http::Router& router, store::Store& store, std::string base_url);

}  // namespace postdesk::api
