// api/read_api: the read half of the REST API, in the JSON shapes of the
// Zendesk Support API (tickets, comments, audits, users, suspended tickets,
// attachments), installing the API's auth (api/auth.h) when none is set.
//
// Input trust: everything in the request is untrusted. Ids are parsed by a
// whitelist (digits only, no overflow) before they reach the store; the Host
// header is used for absolute URLs only when it passes a character
// whitelist; attachment names and types are made safe before they become
// response headers (see api/present.h).
//
// Thread-safety: handlers hold references to the Store (thread-safe) and
// copies of the options; they may run on any number of threads at once.
// The store must outlive the router.
#pragma once

#include <cstdint>
#include <string>

#include "http/router.h"
#include "store/store.h"

namespace postdesk::api {

struct ApiOptions {
  // Scheme, host and port for absolute URLs ("url", "content_url",
  // "next_page") when the request has no usable Host header. Its scheme is
  // used for every URL.
  std::string base_url = "http://127.0.0.1:8080";
};

// Registers every read endpoint (each path also with ".json") on `router`,
// and installs MakeAuthHook(store) as the router's auth hook unless one is
// already set.
//   GET /api/v2/tickets                          ?page=&per_page= (max 100)
//   GET /api/v2/tickets/{id}
//   GET /api/v2/tickets/{id}/comments            ?page=&per_page=
//   GET /api/v2/tickets/{id}/comments/{cid}/raw  the comment's .eml (ours)
//   GET /api/v2/outbound_messages/{id}/raw       an email we sent, as sent (ours)
//   GET /api/v2/tickets/{id}/audits              ?page=&per_page=
//   GET /api/v2/users/me, /api/v2/users/{id}
//   GET /api/v2/suspended_tickets                ?page=&per_page=
//   GET /api/v2/suspended_tickets/{id}
//   GET /api/v2/attachments/{id}
//   GET /attachments/{id}/{file_name}            the bytes (content_url)
void RegisterReadApi(http::Router& router, store::Store& store, ApiOptions options = {});

}  // namespace postdesk::api
