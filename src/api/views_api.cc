#include "api/views_api.h"

#include <algorithm>
#include <memory>
#include <optional>
#include <spdlog/spdlog.h>
#include <nlohmann/json.hpp>

#include "api/present.h"
#include "api/respond.h"
#include "api/restricted.h"
#include "api/ticket_page.h"
#include "common/clock.h"
#include "common/strings.h"
#include "tickets/workflow.h"

namespace postdesk::api {

using nlohmann::json;

namespace {

struct Loaded {
  store::RuleRow row;
  rules::View view;
};

// Whether a standard view still has the title it was made with (in either
// language): the workspace then shows its own translation.
bool StandardTitle(const rules::View& v) {
  if (v.default_key.empty()) return false;
  static const std::vector<rules::View> kStandard = [] {
    std::vector<rules::View> all = rules::StandardViews("en");
    for (rules::View& ja : rules::StandardViews("ja")) all.push_back(std::move(ja));
    return all;
  }();
  return std::any_of(kStandard.begin(), kStandard.end(), [&](const rules::View& s) {
    return s.default_key == v.default_key && s.title == v.title;
  });
}

json ViewJson(const Loaded& l, std::string_view base) {
  json j = rules::ViewToJson(l.view);
  j["id"] = l.view.id;
  j["url"] = std::string(base) + "/api/v2/views/" + std::to_string(l.view.id) + ".json";
  j["default"] = !l.view.default_key.empty();
  j["standard_title"] = StandardTitle(l.view);
  j["created_at"] = FormatIsoTime(l.row.created_at);
  j["updated_at"] = FormatIsoTime(l.row.updated_at);
  return j;
}

Result<std::vector<Loaded>> UsableViews(store::Tx& tx, const Caller& caller) {
  auto rows = tx.ListRules(store::RuleTable::kViews);
  if (!rows.ok()) return rows.status();
  std::vector<Loaded> out;
  for (auto& row : *rows) {
    auto v = tickets::ViewFromRow(row);
    if (!v.ok() || !tickets::MayUse(v->restriction, caller.user, caller.groups)) continue;
    out.push_back({std::move(row), std::move(v).value()});
  }
  return out;
}

// A view by id or standard key that the caller may use; NotFound otherwise.
Result<Loaded> UsableView(store::Tx& tx, const Caller& caller, std::string_view id_or_key) {
  Result<store::RuleRow> row = Status::NotFound("view");
  if (auto id = ParseId(id_or_key)) {
    row = tx.GetRule(store::RuleTable::kViews, *id);
  } else {
    row = tx.FindRuleByDefaultKey(store::RuleTable::kViews, id_or_key);
  }
  if (!row.ok()) {
    if (row.status().kind() == ErrorKind::kNotFound) {
      return Status::NotFound("view " + std::string(id_or_key.substr(0, 60)));
    }
    return row.status();
  }
  auto v = tickets::ViewFromRow(*row);
  if (!v.ok()) return v.status();
  if (!tickets::MayUse(v->restriction, caller.user, caller.groups)) {
    return Status::NotFound("view " + std::string(id_or_key.substr(0, 60)));
  }
  return Loaded{std::move(row).value(), std::move(v).value()};
}

Result<int64_t> CountOf(store::Tx& tx, const rules::View& v, const Caller& caller) {
  return tx.CountTickets(tickets::ViewQuery(v, caller.user.id, caller.groups, Now()));
}

json CountJson(const Loaded& l, int64_t n, std::string_view base) {
  return {{"view_id", l.view.id},
          {"url", std::string(base) + "/api/v2/views/" + std::to_string(l.view.id) + "/count.json"},
          {"value", n},
          {"pretty", std::to_string(n)},
          {"fresh", true}};
}

// The body of a view write: `default_key` is ours to set, never the client's.
Result<rules::View> ParseBody(const json& body, const rules::View* base) {
  json copy = body;
  copy.erase("default_key");
  auto v = rules::ParseView(copy, base);
  if (!v.ok()) return v;
  v->default_key = base ? base->default_key : "";
  return v;
}

}  // namespace

void RegisterViewsApi(http::Router& router, store::Store& store, std::string base_url) {
  store::Store* st = &store;
  auto fallback = std::make_shared<const std::string>(std::move(base_url));

  auto list = [st, fallback](const http::Request& req, std::string_view query,
                             bool only_active) -> http::Response {
    ListFilter filter;
    if (auto bad = filter.Parse(req, query, only_active)) return std::move(*bad);
    ListPaging paging;
    if (auto bad = paging.Parse(req)) return std::move(*bad);
    const std::string base = BaseUrl(req, *fallback);
    std::optional<http::Response> cursor_error;  // a stale cursor, found inside the read
    http::Response r = ReadJson(*st, [&](store::Tx& tx, json& out) -> Status {
      auto caller = LoadCaller(tx, req);
      if (!caller.ok()) return caller.status();
      auto views = UsableViews(tx, *caller);
      if (!views.ok()) return views.status();
      std::vector<const Loaded*> kept;
      for (const auto& l : *views) {
        if (filter.Keeps(l.view.restriction, l.view.active, l.view.title)) kept.push_back(&l);
      }
      std::vector<int64_t> ids;
      for (const Loaded* l : kept) ids.push_back(l->view.id);
      size_t begin = 0, end = 0;
      cursor_error = paging.Slice(ids, base, PathWithoutJson(req), out, begin, end);
      if (cursor_error) return Status::Ok();
      json items = json::array();
      for (size_t i = begin; i < end; ++i) items.push_back(ViewJson(*kept[i], base));
      out["views"] = std::move(items);
      return Status::Ok();
    });
    return cursor_error ? std::move(*cursor_error) : r;
  };
  router.Get("/api/v2/views", [list](const http::Request& req) { return list(req, "", false); });
  router.Get("/api/v2/views/active", [list](const http::Request& req) { return list(req, "", true); });
  router.Get("/api/v2/views/search", [list](const http::Request& req) {
    std::string_view q = Trim(req.Query("query"));
    if (q.empty()) return http::ErrorResponse(400, "InvalidParameter", "query: give words of a view title");
    return list(req, q, false);
  });

  router.Get("/api/v2/views/compact", [st, fallback](const http::Request& req) {
    const std::string base = BaseUrl(req, *fallback);
    return ReadJson(*st, [&](store::Tx& tx, json& out) -> Status {
      auto caller = LoadCaller(tx, req);
      if (!caller.ok()) return caller.status();
      auto views = UsableViews(tx, *caller);
      if (!views.ok()) return views.status();
      json items = json::array();
      for (const auto& l : *views) {
        if (!l.view.active) continue;
        auto n = CountOf(tx, l.view, *caller);
        if (!n.ok()) {
          // One view that cannot be counted must not empty everyone's navigation.
          if (n.status().kind() == ErrorKind::kTemporary) return n.status();
          spdlog::warn("view {} \"{}\" cannot be counted: {}", l.view.id, l.view.title,
                       n.status().message());
          continue;
        }
        items.push_back({{"id", l.view.id},
                         {"title", l.view.title},
                         {"default_key", l.view.default_key.empty() ? json(nullptr) : json(l.view.default_key)},
                         {"standard_title", StandardTitle(l.view)},
                         {"count", *n}});
      }
      auto suspended = tx.CountSuspended();
      if (!suspended.ok()) return suspended.status();
      out["views"] = std::move(items);
      out["suspended_count"] = *suspended;
      return Status::Ok();
    });
  });

  router.Get("/api/v2/views/count_many", [st, fallback](const http::Request& req) {
    std::vector<int64_t> ids;
    if (auto bad = ParseIdList(req, ids)) return std::move(*bad);
    const std::string base = BaseUrl(req, *fallback);
    return ReadJson(*st, [&](store::Tx& tx, json& out) -> Status {
      auto caller = LoadCaller(tx, req);
      if (!caller.ok()) return caller.status();
      json counts = json::array();
      for (int64_t id : ids) {
        auto l = UsableView(tx, *caller, std::to_string(id));
        if (!l.ok()) {
          if (l.status().kind() == ErrorKind::kNotFound) continue;  // as Zendesk: left out
          return l.status();
        }
        auto n = CountOf(tx, l->view, *caller);
        if (!n.ok()) return n.status();
        counts.push_back(CountJson(*l, *n, base));
      }
      out["view_counts"] = std::move(counts);
      return Status::Ok();
    });
  });

  router.Get("/api/v2/views/{id}", [st, fallback](const http::Request& req) {
    return ReadJson(*st, [&](store::Tx& tx, json& out) -> Status {
      auto caller = LoadCaller(tx, req);
      if (!caller.ok()) return caller.status();
      auto l = UsableView(tx, *caller, req.Param("id"));
      if (!l.ok()) return l.status();
      out["view"] = ViewJson(*l, BaseUrl(req, *fallback));
      return Status::Ok();
    });
  });

  router.Get("/api/v2/views/{id}/count", [st, fallback](const http::Request& req) {
    return ReadJson(*st, [&](store::Tx& tx, json& out) -> Status {
      auto caller = LoadCaller(tx, req);
      if (!caller.ok()) return caller.status();
      auto l = UsableView(tx, *caller, req.Param("id"));
      if (!l.ok()) return l.status();
      auto n = CountOf(tx, l->view, *caller);
      if (!n.ok()) return n.status();
      out["view_count"] = CountJson(*l, *n, BaseUrl(req, *fallback));
      return Status::Ok();
    });
  });

  // Tickets of a view; `execute` adds the view and its columns.
  auto tickets = [st, fallback](const http::Request& req, bool execute) -> http::Response {
    Page page;
    if (auto bad = ParsePage(req, page)) return std::move(*bad);
    const std::string base = BaseUrl(req, *fallback);
    std::optional<http::Response> sort_error;  // a bad sort_by, found inside the read
    http::Response r = ReadJson(*st, [&](store::Tx& tx, json& out) -> Status {
      auto caller = LoadCaller(tx, req);
      if (!caller.ok()) return caller.status();
      auto l = UsableView(tx, *caller, req.Param("id"));
      if (!l.ok()) return l.status();
      store::TicketQuery q = tickets::ViewQuery(l->view, caller->user.id, caller->groups, Now());
      std::string extra;
      if (auto bad = ParseSort(req, q, extra)) {
        sort_error = std::move(*bad);
        return Status::Ok();
      }
      Status s = TicketPage(tx, q, page, base, PathWithoutJson(req), extra,
                            execute ? "rows" : "tickets", out);
      if (!s.ok() || !execute) return s;
      out["view"] = ViewJson(*l, base);
      out["columns"] = out["view"]["execution"]["columns"];
      out["groups"] = json::array();
      return Status::Ok();
    });
    return sort_error ? std::move(*sort_error) : r;
  };
  router.Get("/api/v2/views/{id}/tickets", [tickets](const http::Request& req) { return tickets(req, false); });
  router.Get("/api/v2/views/{id}/execute", [tickets](const http::Request& req) { return tickets(req, true); });

  router.Add("POST", "/api/v2/views/preview", [st, fallback](const http::Request& req) {
    http::Response error;
    auto body = ParseJsonBody(req, error, "view");
    if (!body) return error;
    json copy = *body;
    if (!copy.contains("title")) copy["title"] = "preview";
    auto v = ParseBody(copy, nullptr);
    if (!v.ok()) return Unprocessable(v.status().message());
    Page page;
    if (auto bad = ParsePage(req, page)) return std::move(*bad);
    const std::string base = BaseUrl(req, *fallback);
    return ReadJson(*st, [&](store::Tx& tx, json& out) -> Status {
      auto caller = LoadCaller(tx, req);
      if (!caller.ok()) return caller.status();
      store::TicketQuery q = tickets::ViewQuery(*v, caller->user.id, caller->groups, Now());
      Status s = TicketPage(tx, q, page, base, "/api/v2/views/preview", "", "rows", out);
      out["columns"] = rules::ViewToJson(*v)["execution"]["columns"];
      return s;
    });
  });

  router.Add("POST", "/api/v2/views", [st, fallback](const http::Request& req) {
    http::Response error;
    auto body = ParseJsonBody(req, error, "view");
    if (!body) return error;
    auto parsed = ParseBody(*body, nullptr);
    if (!parsed.ok()) return Unprocessable(parsed.status().message());
    const bool restriction_given = body->contains("restriction");
    return WriteJson(*st, 201, [&](store::Tx& tx, json& out, ClientError& err) -> Status {
      auto caller = LoadCaller(tx, req);
      if (!caller.ok()) return caller.status();
      rules::View v = *parsed;
      if (Status s = CheckSave(tx, *caller, v.restriction, !restriction_given, "views", err);
          !s.ok() || !err.description.empty()) {
        return s;
      }
      std::vector<rules::Action> no_actions;
      if (Status s = CheckFields(tx, v.all, v.any, no_actions, err); !s.ok() || !err.description.empty()) {
        return s;
      }
      if (!body->contains("position")) {
        auto next = NextPosition(tx, store::RuleTable::kViews);
        if (!next.ok()) return next.status();
        v.position = *next;
      }
      store::RuleRow row = tickets::ViewToRow(v);
      row.created_at = row.updated_at = Now();
      auto made = tx.CreateRule(store::RuleTable::kViews, row);
      if (!made.ok()) return made.status();
      v.id = made->id;
      out["view"] = ViewJson({*made, v}, BaseUrl(req, *fallback));
      return Status::Ok();
    });
  });

  router.Add("PUT", "/api/v2/views/{id}", [st, fallback](const http::Request& req) {
    http::Response error;
    auto body = ParseJsonBody(req, error, "view");
    if (!body) return error;
    return WriteJson(*st, 200, [&](store::Tx& tx, json& out, ClientError& err) -> Status {
      auto caller = LoadCaller(tx, req);
      if (!caller.ok()) return caller.status();
      auto l = UsableView(tx, *caller, req.Param("id"));
      if (!l.ok()) return l.status();
      if (!MayWrite(l->view.restriction, *caller, "views", err)) return Status::Ok();
      auto parsed = ParseBody(*body, &l->view);
      if (!parsed.ok()) {
        err.description = parsed.status().message();
        return Status::Ok();
      }
      if (Status s = CheckSave(tx, *caller, parsed->restriction, false, "views", err);
          !s.ok() || !err.description.empty()) {
        return s;
      }
      std::vector<rules::Action> no_actions;
      if (Status s = CheckFields(tx, parsed->all, parsed->any, no_actions, err);
          !s.ok() || !err.description.empty()) {
        return s;
      }
      store::RuleRow row = tickets::ViewToRow(*parsed);
      row.id = l->row.id;
      row.created_at = l->row.created_at;
      row.updated_at = Now();
      if (Status s = tx.UpdateRule(store::RuleTable::kViews, row); !s.ok()) return s;
      rules::View saved = *parsed;
      saved.id = row.id;
      out["view"] = ViewJson({row, saved}, BaseUrl(req, *fallback));
      return Status::Ok();
    });
  });

  router.Add("DELETE", "/api/v2/views/{id}", [st](const http::Request& req) {
    http::Response r = WriteJson(*st, 204, [&](store::Tx& tx, json&, ClientError& err) -> Status {
      auto caller = LoadCaller(tx, req);
      if (!caller.ok()) return caller.status();
      auto l = UsableView(tx, *caller, req.Param("id"));
      if (!l.ok()) return l.status();
      if (!MayWrite(l->view.restriction, *caller, "views", err)) return Status::Ok();
      return tx.DeleteRule(store::RuleTable::kViews, l->row.id);
    });
    return r.status == 204 ? NoContent() : r;
  });
}

}  // namespace postdesk::api
