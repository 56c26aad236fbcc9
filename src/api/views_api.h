// api/views_api: the ticket lists of the agent workspace and search.
//   GET /api/v2/views                      every view with its ticket count:
//       unassigned, my_open, all_open, recently_solved, delivery_failures,
//       suspended (the suspended tickets queue)
//   GET /api/v2/views/{key}/tickets        ?page=&per_page=&sort_by=&sort_order=
//       sort_by: updated_at (default), created_at, id, status, subject, requester
//   GET /api/v2/search?query=              Zendesk's search syntax, the subset
//       api/search_query supports; results are tickets ("result_type": "ticket")
//   GET /api/v2/users/{id}/tickets/requested   the user's tickets, newest first
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

void RegisterViewsApi(http::Router& router, store::Store& store, std::string base_url);

}  // namespace postdesk::api
