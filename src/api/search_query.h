// api/search_query: the subset of Zendesk's search syntax we support, parsed
// into a ticket query. Terms are separated by spaces; "double quotes" make a
// phrase. Supported: type:ticket, status:S (also status<S, status>S,
// status<=S, status>=S in Zendesk's order new < open < pending < hold <
// solved < closed), requester:EMAIL, assignee:EMAIL|me|none, tags:T (tag:T),
// and free words or phrases (substrings of the subject or a comment). Input
// trust: the query comes from the network; it is bounded (64 terms, 1 KiB)
// and every value ends up as an SQL parameter.
// Thread-safety: pure functions.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "common/status.h"
#include "store/store.h"

namespace postdesk::api {

struct SearchQuery {
  store::TicketQuery tickets;
  // Addresses to turn into ids (by the caller, with the store).
  std::string requester_email;
  std::string assignee_email;  // "me" and "none" are resolved here
  bool assignee_me = false;
  // A type other than ticket: nothing matches (we only index tickets).
  bool matches_nothing = false;
};

// Invalid with a message naming the term when the query cannot be read.
Result<SearchQuery> ParseSearchQuery(std::string_view query);

}  // namespace postdesk::api
