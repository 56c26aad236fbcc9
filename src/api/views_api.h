// api/views_api: views -- saved ticket lists -- in the Zendesk API's shapes
// (rules/view.h holds the model, tickets/workflow.h who may use one and its
// ticket query). A view is named by its id, or a standard view by its key
// (my_open, unassigned, all_open, recently_solved, delivery_failures).
//   GET    /api/v2/views (?active=, ?access=personal|agents|shared), /views/active,
//          /views/search?query=          the views the caller may use, by position, paged
//   GET    /api/v2/views/compact          the active ones with their ticket counts and
//          the suspended queue's count: the workspace's navigation, in one request
//   GET    /api/v2/views/{id}, /views/{id}/count, /views/count_many?ids=
//   GET    /api/v2/views/{id}/tickets     ?page=&per_page=&sort_by=&sort_order= (the
//          view's own sort unless given); requesters and assignees sideloaded as users
//   GET    /api/v2/views/{id}/execute     the same with the view's columns
//   POST   /api/v2/views/preview          {"view": {all, any, output}}: an unsaved view's tickets
//   POST   /api/v2/views   PUT|DELETE /api/v2/views/{id}
// Who: as macros -- an agent uses shared views, their own and their groups';
// they save only personal ones (a view an agent creates without a restriction
// is theirs). Admins see and change all.
// Input trust: untrusted JSON; an error is 422 naming the field, an unknown
// or hidden view 404.
// Thread-safety: handlers may run concurrently; the store outlives the router.
#pragma once

#include <string>

#include "http/router.h"
#include "store/store.h"

namespace postdesk::api {

void RegisterViewsApi(http::Router& router, store::Store& store, std::string base_url);

}  // namespace postdesk::api
