// api/agents_api: the desk's people and their credentials.
//   GET    /api/v2/users?role=R (or role[]=R&role[]=S)  users of those roles
//          (default all), by id, paged; each with "role" and "suspended"
//   PUT    /api/v2/users/{id}/password   {"password": "..."} -> 204 (admins;
//          8 to 1024 characters, 422 otherwise); the agent's sessions end
//   GET    /api/v2/api_tokens            every named API token (admins)
//   POST   /api/v2/api_tokens            {"api_token": {"description", "user_id"}}
//          -> 201 with "token": shown this once, only its hash is kept
//   DELETE /api/v2/api_tokens/{id}       -> 204, revoked
// Role and deactivation are PUT /api/v2/users/{id} (api/write_api).
// Input trust: untrusted JSON; passwords are only hashed (accounts/passwords).
// Thread-safety: handlers may run concurrently; the store outlives the router.
#pragma once

#include <string>

#include "http/router.h"
#include "store/store.h"

namespace postdesk::api {

void RegisterAgentsApi(http::Router& router, store::Store& store, std::string base_url);

}  // namespace postdesk::api
