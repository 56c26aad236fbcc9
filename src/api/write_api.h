// api/write_api: the agent side of the REST API, in Zendesk Support API
// shapes -- users (create agents and end users, clear an undeliverable
// flag), tickets (create a proactive ticket, update fields, add public or
// private comments, CCs), the triggers API, and our delivery view
// (`GET /api/v2/tickets/{id}/deliveries`).
//
// Every ticket write is one transaction: the change, the triggers it fires,
// the notifications they queue and the update's audit commit together. Bad
// payloads get 400/422 JSON naming the offending field; nothing is written.
// Trust: request bodies are untrusted JSON; ids are checked against the store;
// text reaches mail only through the outbound builder.
// Thread-safety: handlers run on io threads; state is the thread-safe Store.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "http/router.h"
#include "store/store.h"
#include "tickets/updates.h"

namespace postdesk::api {

struct WriteApiOptions {
  tickets::DeskInfo desk;
  std::vector<std::string> support_addresses;  // no user may have one as their email
  std::string base_url = "http://127.0.0.1:8080";
  std::function<void()> on_mail_queued;  // wakes the outbound queue
};

void RegisterWriteApi(http::Router& router, store::Store& store, WriteApiOptions options);

}  // namespace postdesk::api
