#include "api/ticket_lists_api.h"

#include <nlohmann/json.hpp>

#include "api/present.h"
#include "api/respond.h"
#include "api/search_query.h"
#include "api/ticket_page.h"
#include "common/strings.h"

namespace postdesk::api {

using nlohmann::json;
using store::TicketQuery;

namespace {

// Resolves an email in a search term to a user id; false when nobody has it.
Result<bool> UserIdOf(store::Tx& tx, const std::string& email, int64_t& id) {
  auto u = tx.FindUserByEmail(email);
  if (!u.ok()) {
    if (u.status().kind() == ErrorKind::kNotFound) return false;
    return u.status();
  }
  id = u->id;
  return true;
}

http::Response Search(store::Store& st, const std::string& fallback, const http::Request& req) {
  std::string_view raw = req.Query("query");
  auto parsed = ParseSearchQuery(raw);
  if (!parsed.ok()) return http::ErrorResponse(400, "InvalidSearchQuery", parsed.status().message());
  SearchQuery sq = std::move(parsed).value();
  Page page;
  if (auto bad = ParsePage(req, page)) return std::move(*bad);
  std::string extra = "&query=" + http::UrlEncode(raw);
  if (auto bad = ParseSort(req, sq.tickets, extra)) return std::move(*bad);
  std::string base = BaseUrl(req, fallback);
  if (sq.assignee_me) {
    sq.tickets.assignee = TicketQuery::Assignee::kUser;
    sq.tickets.assignee_id = req.user ? req.user->id : 0;
  }
  return ReadJson(st, [&](store::Tx& tx, json& out) -> Status {
    bool nothing = sq.matches_nothing;
    if (!sq.requester_email.empty()) {
      int64_t id = 0;
      auto found = UserIdOf(tx, sq.requester_email, id);
      if (!found.ok()) return found.status();
      nothing = nothing || !*found;
      sq.tickets.requester_id = id;
    }
    if (!sq.assignee_email.empty()) {
      auto found = UserIdOf(tx, sq.assignee_email, sq.tickets.assignee_id);
      if (!found.ok()) return found.status();
      nothing = nothing || !*found;
      sq.tickets.assignee = TicketQuery::Assignee::kUser;
    }
    if (nothing) {
      out["results"] = json::array();
      out["users"] = json::array();
      AddPageLinks(out, base, "/api/v2/search", page, 0, extra);
      return Status::Ok();
    }
    return TicketPage(tx, sq.tickets, page, base, "/api/v2/search", extra, "results", out);
  });
}

// The tickets of one user, organization or group: `owner` names what the
// path's id is ("user", "organization", "group"), `relation` how the
// tickets relate to it.
enum class Relation { kRequested, kCcd, kAssigned, kOrganization, kGroup };

http::Response RelatedTickets(store::Store& st, const std::string& fallback,
                              const http::Request& req, Relation relation) {
  const char* owner = relation == Relation::kOrganization ? "organization"
                      : relation == Relation::kGroup      ? "group"
                                                          : "user";
  auto id = ParseId(req.Param("id"));
  if (!id) return BadId(owner, req.Param("id"));
  Page page;
  if (auto bad = ParsePage(req, page)) return std::move(*bad);
  TicketQuery q;
  switch (relation) {
    case Relation::kRequested:
      q.requester_id = *id;
      break;
    case Relation::kCcd:
      q.collaborator_id = *id;
      break;
    case Relation::kAssigned:
      q.assignee = TicketQuery::Assignee::kUser;
      q.assignee_id = *id;
      break;
    case Relation::kOrganization:
      q.organization_id = *id;
      break;
    case Relation::kGroup:
      q.group_id = *id;
      break;
  }
  std::string extra;
  if (auto bad = ParseSort(req, q, extra)) return std::move(*bad);
  std::string base = BaseUrl(req, fallback);
  // The path as asked, without ".json" and the query: the links repeat it.
  std::string path = PathWithoutJson(req);
  return ReadJson(st, [&](store::Tx& tx, json& out) -> Status {
    Status exists = relation == Relation::kOrganization ? tx.GetOrganization(*id).status()
                    : relation == Relation::kGroup      ? tx.GetGroup(*id).status()
                                                        : tx.GetUser(*id).status();
    if (!exists.ok()) return exists;
    return TicketPage(tx, q, page, base, path, extra, "tickets", out);
  });
}

http::Response ShowManyTickets(store::Store& st, const std::string& fallback,
                               const http::Request& req) {
  TicketQuery q;
  if (auto bad = ParseIdList(req, q.ids)) return std::move(*bad);
  q.sort = TicketQuery::Sort::kId;
  q.ascending = true;
  std::string base = BaseUrl(req, fallback);
  return ReadJson(st, [&](store::Tx& tx, json& out) -> Status {
    Status s = TicketPage(tx, q, Page{}, base, "/api/v2/tickets/show_many", "", "tickets", out);
    for (const char* key : {"next_page", "previous_page", "count"}) out.erase(key);  // not paged
    return s;
  });
}

// Tags with their ticket counts, most used first.
http::Response Tags(store::Store& st, const std::string& fallback, const http::Request& req) {
  Page page;
  if (auto bad = ParsePage(req, page)) return std::move(*bad);
  std::string base = BaseUrl(req, fallback);
  return ReadJson(st, [&](store::Tx& tx, json& out) -> Status {
    auto count = tx.CountTags();
    if (!count.ok()) return count.status();
    auto tags = tx.ListTagCounts(page.offset(), page.per_page);
    if (!tags.ok()) return tags.status();
    json list = json::array();
    for (const auto& t : *tags) list.push_back({{"name", t.name}, {"count", t.count}});
    out["tags"] = std::move(list);
    AddPageLinks(out, base, "/api/v2/tags", page, *count);
    return Status::Ok();
  });
}

}  // namespace

void RegisterTicketListsApi(http::Router& router, store::Store& store, std::string base_url) {
  store::Store* st = &store;
  router.Get("/api/v2/search", [st, base_url](const http::Request& req) {
    return Search(*st, base_url, req);
  });
  for (const auto& route : {std::pair{"/api/v2/users/{id}/tickets/requested", Relation::kRequested},
                            {"/api/v2/users/{id}/tickets/ccd", Relation::kCcd},
                            {"/api/v2/users/{id}/tickets/assigned", Relation::kAssigned},
                            {"/api/v2/organizations/{id}/tickets", Relation::kOrganization},
                            {"/api/v2/groups/{id}/tickets", Relation::kGroup}}) {
    const Relation relation = route.second;
    router.Get(route.first, [st, base_url, relation](const http::Request& req) {
      return RelatedTickets(*st, base_url, req, relation);
    });
  }
  router.Get("/api/v2/tickets/show_many", [st, base_url](const http::Request& req) {
    return ShowManyTickets(*st, base_url, req);
  });
  router.Get("/api/v2/tags", [st, base_url](const http::Request& req) { return Tags(*st, base_url, req); });
}

}  // namespace postdesk::api
