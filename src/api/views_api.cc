#include "api/views_api.h"

#include <array>
#include <ctime>
#include <nlohmann/json.hpp>
#include <set>

#include "api/present.h"
#include "api/respond.h"
#include "api/search_query.h"
#include "common/strings.h"

namespace postdesk::api {

using nlohmann::json;
using store::TicketQuery;

namespace {

constexpr int64_t kRecentlySolvedSeconds = 7 * 24 * 3600;
constexpr std::array<std::string_view, 5> kViewKeys = {"unassigned", "my_open", "all_open",
                                                       "recently_solved", "delivery_failures"};

// The query behind a view for the agent `me`; nullopt for an unknown key.
std::optional<TicketQuery> ViewQuery(std::string_view key, int64_t me, int64_t now) {
  TicketQuery q;
  const std::vector<std::string> unsolved = {"new", "open", "pending", "hold"};
  if (key == "unassigned") {
    q.statuses = unsolved;
    q.assignee = TicketQuery::Assignee::kNobody;
  } else if (key == "my_open") {
    q.statuses = unsolved;
    q.assignee = TicketQuery::Assignee::kUser;
    q.assignee_id = me;
  } else if (key == "all_open") {
    q.statuses = {"new", "open", "pending"};
  } else if (key == "recently_solved") {
    q.statuses = {"solved", "closed"};
    q.updated_since = now - kRecentlySolvedSeconds;
  } else if (key == "delivery_failures") {
    q.delivery_failures = true;
  } else {
    return std::nullopt;
  }
  return q;
}

std::optional<http::Response> ParseSort(const http::Request& req, TicketQuery& q,
                                        std::string& extra_query) {
  static const std::map<std::string, TicketQuery::Sort, std::less<>> kSorts = {
      {"updated_at", TicketQuery::Sort::kUpdated}, {"created_at", TicketQuery::Sort::kCreated},
      {"id", TicketQuery::Sort::kId},              {"status", TicketQuery::Sort::kStatus},
      {"subject", TicketQuery::Sort::kSubject},    {"requester", TicketQuery::Sort::kRequester}};
  std::string_view by = req.Query("sort_by");
  std::string_view order = req.Query("sort_order");
  if (!by.empty()) {
    auto it = kSorts.find(by);
    if (it == kSorts.end()) {
      return http::ErrorResponse(400, "InvalidValue",
                                 "sort_by is one of updated_at, created_at, id, status, subject, "
                                 "requester");
    }
    q.sort = it->second;
    extra_query += "&sort_by=" + std::string(by);
  }
  if (!order.empty()) {
    if (order != "asc" && order != "desc") {
      return http::ErrorResponse(400, "InvalidValue", "sort_order is asc or desc");
    }
    extra_query += "&sort_order=" + std::string(order);
  }
  // Zendesk's default: newest first, except for text columns.
  bool text_sort = q.sort == TicketQuery::Sort::kSubject || q.sort == TicketQuery::Sort::kRequester;
  q.ascending = order.empty() ? text_sort : order == "asc";
  return std::nullopt;
}

// One page of tickets with their requesters and assignees sideloaded.
Status TicketPage(store::Tx& tx, TicketQuery q, const Page& page, std::string_view base,
                  std::string_view path, std::string_view extra_query, std::string_view list_key,
                  json& out) {
  q.offset = page.offset();
  q.limit = page.per_page;
  auto count = tx.CountTickets(q);
  if (!count.ok()) return count.status();
  auto tickets = tx.QueryTickets(q);
  if (!tickets.ok()) return tickets.status();
  std::map<int64_t, store::User> users;
  auto load = [&](int64_t id) -> Status {
    if (users.contains(id)) return Status::Ok();
    auto u = tx.GetUser(id);
    if (u.ok()) {
      users.emplace(id, std::move(u).value());
    } else if (u.status().kind() != ErrorKind::kNotFound) {
      return u.status();
    }
    return Status::Ok();
  };
  json list = json::array();
  for (const auto& t : *tickets) {
    if (Status s = load(t.requester_id); !s.ok()) return s;
    if (t.assignee_id) {
      if (Status s = load(*t.assignee_id); !s.ok()) return s;
    }
    auto r = users.find(t.requester_id);
    json j = TicketJson(t, base, r == users.end() ? nullptr : &r->second);
    if (list_key == "results") j["result_type"] = "ticket";
    list.push_back(std::move(j));
  }
  json user_list = json::array();
  for (const auto& [id, u] : users) user_list.push_back(UserJson(u, base));
  out[std::string(list_key)] = std::move(list);
  out["users"] = std::move(user_list);
  AddPageLinks(out, base, path, page, *count, extra_query);
  return Status::Ok();
}

http::Response Views(store::Store& st, const http::Request& req) {
  int64_t me = req.user ? req.user->id : 0;
  int64_t now = static_cast<int64_t>(std::time(nullptr));
  return ReadJson(st, [&](store::Tx& tx, json& out) -> Status {
    json views = json::array();
    for (std::string_view key : kViewKeys) {
      auto count = tx.CountTickets(*ViewQuery(key, me, now));
      if (!count.ok()) return count.status();
      views.push_back({{"key", key}, {"count", *count}});
    }
    auto suspended = tx.CountSuspended();
    if (!suspended.ok()) return suspended.status();
    views.push_back({{"key", "suspended"}, {"count", *suspended}});
    out["views"] = std::move(views);
    return Status::Ok();
  });
}

http::Response ViewTickets(store::Store& st, const std::string& fallback, const http::Request& req) {
  std::string key(req.Param("key"));
  auto q = ViewQuery(key, req.user ? req.user->id : 0, static_cast<int64_t>(std::time(nullptr)));
  if (!q) {
    return http::ErrorResponse(404, "RecordNotFound",
                               "There is no view '" + key.substr(0, 60) +
                                   "'. Views: unassigned, my_open, all_open, recently_solved, "
                                   "delivery_failures.");
  }
  Page page;
  if (auto bad = ParsePage(req, page)) return std::move(*bad);
  std::string extra;
  if (auto bad = ParseSort(req, *q, extra)) return std::move(*bad);
  std::string base = BaseUrl(req, fallback);
  return ReadJson(st, [&](store::Tx& tx, json& out) {
    return TicketPage(tx, *q, page, base, "/api/v2/views/" + key + "/tickets", extra, "tickets",
                      out);
  });
}

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

void RegisterViewsApi(http::Router& router, store::Store& store, std::string base_url) {
  store::Store* st = &store;
  router.Get("/api/v2/views", [st](const http::Request& req) { return Views(*st, req); });
  router.Get("/api/v2/views/{key}/tickets", [st, base_url](const http::Request& req) {
    return ViewTickets(*st, base_url, req);
  });
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
