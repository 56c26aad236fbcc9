// api/dkim_api: the desk's DKIM keys from the Email page (our extension; the
// CLI's `postdesk dkim` over the same channel/dkim_keys):
//
//   GET  /api/v2/dkim_keys                 {"dkim_keys": [key, ...]}
//   POST /api/v2/dkim_keys                 {"dkim_key": {"domain", "selector" (postdesk),
//                                          "algorithm" (rsa | ed25519), "replace"}}
//                                          -> 201 {"dkim_key": key}; 409 when a key of
//                                          that selector exists and replace is not true;
//                                          422 for a bad name or algorithm
//   PUT  /api/v2/dkim_keys/{domain}/{selector}/enable   {"force": false}
//                                          looks the record up first: 200 {"dkim_key",
//                                          "finding"}; 409 RecordNotPublished with the
//                                          doctor's evidence and fix; 503 when the lookup
//                                          failed for now; 404 without a key
//   PUT  /api/v2/dkim_keys/{domain}/{selector}/disable  200 {"dkim_key"}
//
// A key is {"domain", "selector", "algorithm", "enabled", "record": {"name",
// "type": "TXT", "value", "zone_line"}}; private keys never leave the server.
// Admins only; each change is logged with the admin's address. `on_change`
// runs after a change (serve reloads its signer).
// Input trust: bodies and path segments are untrusted; names are validated
// (channel::ValidDkimName) before any path is built.
// Thread-safety: handlers run on the HTTP handler threads; the enable check
// blocks its thread for at most the resolver's timeouts.
#pragma once

#include <functional>

#include "common/config.h"
#include "http/router.h"

namespace postdesk::api {

void RegisterDkimApi(http::Router& router, const Config& config, std::function<void()> on_change);

}  // namespace postdesk::api
