#include "api/ticket_page.h"

#include <map>

namespace postdesk::api {

using nlohmann::json;
using store::TicketQuery;

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
  if (by.empty() && order.empty()) return std::nullopt;  // the list's own order
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
  auto fields = tickets::ListTicketFields(tx);
  if (!fields.ok()) return fields.status();
  json list = json::array();
  for (const auto& t : *tickets) {
    if (Status s = load(t.requester_id); !s.ok()) return s;
    if (t.assignee_id) {
      if (Status s = load(*t.assignee_id); !s.ok()) return s;
    }
    auto r = users.find(t.requester_id);
    json j = TicketJson(t, base, r == users.end() ? nullptr : &r->second, &*fields);
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

}  // namespace postdesk::api
