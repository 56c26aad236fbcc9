// api/doctor_api: the doctor's setup checks over HTTP (ours, not Zendesk's):
//   GET /api/v2/doctor/domain/{domain}    every domain check of DOMAIN
//   GET /api/v2/doctor/address/{address}  the support address and its domain
//   GET /api/v2/doctor/ticket/{id}        "reply not received" (?recipient=EMAIL
//                                         for one address); 404 for no such ticket
//   GET /api/v2/doctor/sender/{email}     "mail from X did not become a ticket"
// (the last two add "fixes": the repairs `postdesk doctor ... --fix` offers;
// the API applies none).
// Both answer 200 with the same report `postdesk doctor ... --json` prints:
// {"subject", "status" (ok|warning|problem), "exit_status", "findings":
// [{step, title, level, evidence, fix, temporary, details}]}. A malformed
// domain or address is 422 with the reason; an address that is not a
// support address is a report whose "address" step is a problem (the
// report is the resource: it says what to do).
//
// Each request runs its DNS lookups on a private event loop with its own
// resolver (--dns), so the handler blocks its thread for at most the
// resolver's timeouts; the API's other requests go on on the other threads.
// Auth: agents, as every /api/v2 route. Trust: path parameters are
// validated by doctor::ValidDomainArg / ValidAddressArg before any lookup.
// Thread-safety: handlers share only the copied configuration and the Store.
#pragma once

#include "common/config.h"
#include "http/router.h"
#include "store/store.h"

namespace postdesk::api {

void RegisterDoctorApi(http::Router& router, store::Store& store, Config config);

}  // namespace postdesk::api
