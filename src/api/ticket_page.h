// api/ticket_page: one page of a ticket list as every list route answers it
// (views, search, a user's or an organization's tickets): the tickets with
// their requesters and assignees sideloaded as "users" (Zendesk's
// ?include=users), "count", "next_page", "previous_page"; and the
// ?sort_by=&sort_order= those routes take.
// Thread-safety: pure functions over the caller's Tx.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "api/present.h"
#include "http/router.h"
#include "store/store.h"

namespace postdesk::api {

// Reads sort_by (updated_at, created_at, id, status, subject, requester)
// and sort_order (asc, desc) into `q`, and appends them to `extra_query` for
// the page links. Without sort_by the query's own sort stays. 400 when wrong.
std::optional<http::Response> ParseSort(const http::Request& req, store::TicketQuery& q,
                                        std::string& extra_query);

// One page of `q` into out[list_key] ("tickets", or "results" with
// result_type), out["users"] and the page links (`path` without ".json").
Status TicketPage(store::Tx& tx, store::TicketQuery q, const Page& page, std::string_view base,
                  std::string_view path, std::string_view extra_query, std::string_view list_key,
                  nlohmann::json& out);

}  // namespace postdesk::api
