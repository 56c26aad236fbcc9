// api/directory_api: groups of agents and customers' organizations, in the
// Zendesk API's shapes (store/directory.h holds the rules).
//   GET    /api/v2/groups, /groups/assignable     groups not deleted, by id, paged
//   GET    /api/v2/groups/count                   {"count": {"value", "refreshed_at"}}
//   GET    /api/v2/groups/{id}                    also a deleted one ("deleted": true)
//   POST   /api/v2/groups   PUT|DELETE /groups/{id}   (admins; DELETE -> 204)
//   GET    /api/v2/groups/{id}/users              its agents
//   GET    /api/v2/group_memberships (?user_id=, ?group_id=),
//          /groups/{id}/memberships, /users/{id}/group_memberships
//   GET    /api/v2/group_memberships/{id}
//   POST   /api/v2/group_memberships, /users/{id}/group_memberships   (admins)
//   DELETE /api/v2/group_memberships/{id}, /users/{uid}/group_memberships/{id}  (admins)
//   PUT    /api/v2/users/{uid}/group_memberships/{id}/make_default   (admins)
//   GET    /api/v2/organizations (paged), /organizations/{id},
//          /organizations/show_many?ids=, /organizations/search?name=|external_id=,
//          /organizations/autocomplete?name= (a prefix, 2+ characters),
//          /organizations/{id}/users
//   POST   /api/v2/organizations   PUT|DELETE /organizations/{id}   (admins)
// Tickets of a group or an organization: api/views_api.
// Input trust: untrusted JSON; a wrong field is a 422 naming it, a duplicate
// name a 422, an unknown id a 404.
// Thread-safety: handlers may run concurrently; the store outlives the router.
#pragma once

#include <string>

#include "http/router.h"
#include "store/store.h"

namespace postdesk::api {

void RegisterDirectoryApi(http::Router& router, store::Store& store, std::string base_url);

}  // namespace postdesk::api
