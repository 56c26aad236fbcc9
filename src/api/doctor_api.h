// api/doctor_api: the doctor's setup checks over HTTP (ours, not Zendesk's):
//   GET /api/v2/doctor/domain/{domain}    every domain check of DOMAIN
//   GET /api/v2/doctor/address/{address}  the support address and its domain
//   GET /api/v2/doctor/ticket/{id}        "reply not received" (?recipient=EMAIL
//                                         for one address); 404 for no such ticket
//   GET /api/v2/doctor/sender/{email}     "mail from X did not become a ticket"
// (the last two add "fixes": the repairs `postdesk doctor ... --fix` offers)
//   POST /api/v2/doctor/fixes             {"fix": <one of those fixes>,
//                                         "subject": <the report's subject>}
//                                         -> 200 {"result": "re-activated ..."};
//                                         re-checked against the store, logged
//                                         as a doctor_fix event (admins only)
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
// Auth: ticket and sender reports for agents; domain and address reports and
// fixes for admins (the email channel is an admin's). Trust: path parameters are
// validated by doctor::ValidDomainArg / ValidAddressArg before any lookup.
// Thread-safety: handlers share only the copied configuration and the Store.
#pragma once

#include <functional>

#include "common/config.h"
#include "http/router.h"
#include "store/store.h"

namespace postdesk::api {

// `on_mail_queued`: a fix queued mail (a forwarding verification email).
void RegisterDoctorApi(http::Router& router, store::Store& store, Config config,
                       std::function<void()> on_mail_queued = {});

}  // namespace postdesk::api
