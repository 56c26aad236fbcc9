// api/recipient_addresses_api: the support addresses API in the Zendesk
// Support API's shapes (`{"recipient_address": {...}}`,
// `{"recipient_addresses": [...], "next_page", "previous_page", "count"}`),
// each path also with `.json`:
//   GET    /api/v2/recipient_addresses          ?page=&per_page=
//   GET    /api/v2/recipient_addresses/{id}
//   POST   /api/v2/recipient_addresses          {name, email}            (admin)
//   PUT    /api/v2/recipient_addresses/{id}     {name, default}          (admin)
//   DELETE /api/v2/recipient_addresses/{id}     not the default -> 204   (admin)
//   PUT    /api/v2/recipient_addresses/{id}/verify {"type": "forwarding" | "spf" | "dns"} (admin)
// Fields: id, url, name, email, default, forwarding_status, spf_status,
// cname_status, domain_verification_status, dns_results (Zendesk's summary
// string), created_at, updated_at, and beyond Zendesk `checks` (for each
// status: its status, reason and fix) and `dns_findings` (the last domain
// checks, finding by finding).
//
// Rule violations (bad or duplicate email, a user's email, changing the
// email, deleting or unsetting the default, verifying forwarding of our own
// domain) are 422 with a message saying what to do. A DNS check runs outside
// any transaction and blocks its connection's handler for at most the
// resolver's timeouts.
// Trust: request bodies are untrusted JSON; the rules are enforced by
// channel/recipient_addresses. Thread-safety: as the other handlers.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "channel/finding.h"
#include "channel/forwarding.h"
#include "http/router.h"
#include "store/store.h"

namespace postdesk::api {

struct RecipientAddressesApiOptions {
  std::string base_url = "http://127.0.0.1:8080";
  channel::ForwardingOptions forwarding;  // desk name, domain, hostname, timeout
  std::function<void()> on_mail_queued;        // wakes the outbound queue
  std::function<void()> on_addresses_changed;  // reloads what intake receives for
  // Runs the domain checks of `domain` (CheckSpf alone when `spf_only`);
  // unset: {"type":"spf"|"dns"} answers 501.
  std::function<std::vector<channel::Finding>(const std::string& domain, bool spf_only)>
      check_domain;
};

void RegisterRecipientAddressesApi(http::Router& router, store::Store& store,
                                   RecipientAddressesApiOptions options);

}  // namespace postdesk::api
