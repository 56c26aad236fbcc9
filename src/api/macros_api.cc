#include "api/macros_api.h"

#include <algorithm>
#include <memory>
#include <nlohmann/json.hpp>

#include "api/present.h"
#include "api/respond.h"
#include "api/restricted.h"
#include "common/clock.h"
#include "common/strings.h"
#include "mime/message.h"
#include "tickets/workflow.h"

namespace postdesk::api {

using nlohmann::json;

namespace {

json MacroJson(const rules::Macro& m, const store::RuleRow& row, std::string_view base) {
  json j = rules::MacroToJson(m);
  j["id"] = m.id;
  j["url"] = std::string(base) + "/api/v2/macros/" + std::to_string(m.id) + ".json";
  j["default"] = false;
  j["created_at"] = FormatIsoTime(row.created_at);
  j["updated_at"] = FormatIsoTime(row.updated_at);
  return j;
}

struct Loaded {
  store::RuleRow row;
  rules::Macro macro;
};

// The macros `caller` may use, in position order (a stored macro that no
// longer parses is left out: it cannot be applied).
Result<std::vector<Loaded>> UsableMacros(store::Tx& tx, const Caller& caller) {
  auto rows = tx.ListRules(store::RuleTable::kMacros);
  if (!rows.ok()) return rows.status();
  std::vector<Loaded> out;
  for (auto& row : *rows) {
    auto m = tickets::MacroFromRow(row);
    if (!m.ok() || !tickets::MayUse(m->restriction, caller.user, caller.groups)) continue;
    out.push_back({std::move(row), std::move(m).value()});
  }
  return out;
}

// One macro the caller may use; NotFound also when it is someone else's.
Result<Loaded> UsableMacro(store::Tx& tx, const Caller& caller, int64_t id) {
  auto row = tx.GetRule(store::RuleTable::kMacros, id);
  if (!row.ok()) return row.status();
  auto m = tickets::MacroFromRow(*row);
  if (!m.ok()) return m.status();
  if (!tickets::MayUse(m->restriction, caller.user, caller.groups)) {
    return Status::NotFound("macro " + std::to_string(id));
  }
  return Loaded{std::move(row).value(), std::move(m).value()};
}

// The changes as written; `me` stands for current_user (a client may send
// the ticket part as a ticket update).
json ChangesJson(const rules::Macro& m, int64_t me) {
  json ticket = json::object();
  for (const rules::Action& a : m.actions) {
    const std::string name = rules::ActionKey(a);
    const std::string& v = a.value[0];
    switch (a.field) {
      case rules::ActionField::kCommentValue:
        ticket["comment"]["body"] = v;
        ticket["comment"]["scoped_body"] = json::array({json::array({"channel:all", v})});
        break;
      case rules::ActionField::kCommentValueHtml:
        ticket["comment"]["html_body"] = v;
        break;
      case rules::ActionField::kCommentModeIsPublic:
        ticket["comment"]["public"] = v == "true";
        break;
      case rules::ActionField::kAssigneeId:
      case rules::ActionField::kGroupId:
        ticket[name] = a.ref == rules::ValueRef::kLiteral       ? json(a.number)
                       : a.ref == rules::ValueRef::kCurrentUser ? json(me)
                       : a.ref == rules::ValueRef::kNone        ? json(nullptr)
                                                                : json(v);
        break;
      case rules::ActionField::kSetTags:
        ticket["tags"] = a.words;
        break;
      case rules::ActionField::kCurrentTags:
        ticket["additional_tags"] = a.words;
        break;
      case rules::ActionField::kRemoveTags:
        ticket["remove_tags"] = a.words;
        break;
      case rules::ActionField::kCustomField:
        ticket["custom_fields"].push_back({{"id", a.field_id}, {"value", v.empty() ? json(nullptr) : json(v)}});
        break;
      default:
        ticket[name] = v.empty() ? json(nullptr) : json(v);
    }
  }
  if (ticket.contains("comment") && !ticket["comment"].contains("public")) {
    ticket["comment"]["public"] = true;
  }
  return ticket;
}

}  // namespace

void RegisterMacrosApi(http::Router& router, store::Store& store, tickets::DeskInfo desk,
                       std::string base_url) {
  store::Store* st = &store;
  auto fallback = std::make_shared<const std::string>(std::move(base_url));
  auto desk_info = std::make_shared<const tickets::DeskInfo>(std::move(desk));

  // filter: "" all, else words of the title (search).
  auto list = [st, fallback](const http::Request& req, std::string_view query,
                             bool only_active) -> http::Response {
    ListFilter filter;
    if (auto bad = filter.Parse(req, query, only_active)) return std::move(*bad);
    std::string_view sort_by = req.Query("sort_by");
    std::string_view sort_order = req.Query("sort_order");
    if (!sort_by.empty() && sort_by != "position" && sort_by != "alphabetical" &&
        sort_by != "title" && sort_by != "created_at" && sort_by != "updated_at") {
      return http::ErrorResponse(400, "InvalidValue",
                                 "sort_by is position, alphabetical, created_at or updated_at");
    }
    if (!sort_order.empty() && sort_order != "asc" && sort_order != "desc") {
      return http::ErrorResponse(400, "InvalidValue", "sort_order is asc or desc");
    }
    ListPaging paging;
    if (auto bad = paging.Parse(req)) return std::move(*bad);
    const std::string base = BaseUrl(req, *fallback);
    std::optional<http::Response> cursor_error;  // a stale cursor, found inside the read
    http::Response r = ReadJson(*st, [&](store::Tx& tx, json& out) -> Status {
      auto caller = LoadCaller(tx, req);
      if (!caller.ok()) return caller.status();
      auto macros = UsableMacros(tx, *caller);
      if (!macros.ok()) return macros.status();
      std::vector<Loaded> kept;
      for (auto& l : *macros) {
        if (filter.Keeps(l.macro.restriction, l.macro.active, l.macro.title)) {
          kept.push_back(std::move(l));
        }
      }
      const bool desc = sort_order == "desc";
      auto key_less = [&](const Loaded& a, const Loaded& b) {
        if (sort_by == "alphabetical" || sort_by == "title") {
          return ToLower(a.macro.title) < ToLower(b.macro.title);
        }
        if (sort_by == "created_at") return a.row.created_at < b.row.created_at;
        if (sort_by == "updated_at") return a.row.updated_at < b.row.updated_at;
        return a.macro.position < b.macro.position;
      };
      std::stable_sort(kept.begin(), kept.end(), [&](const Loaded& a, const Loaded& b) {
        return desc ? key_less(b, a) : key_less(a, b);
      });
      std::vector<int64_t> ids;
      for (const auto& l : kept) ids.push_back(l.macro.id);
      size_t begin = 0, end = 0;
      cursor_error = paging.Slice(ids, base, PathWithoutJson(req), out, begin, end);
      if (cursor_error) return Status::Ok();
      json items = json::array();
      for (size_t i = begin; i < end; ++i) items.push_back(MacroJson(kept[i].macro, kept[i].row, base));
      out["macros"] = std::move(items);
      return Status::Ok();
    });
    return cursor_error ? std::move(*cursor_error) : r;
  };
  router.Get("/api/v2/macros",
             [list](const http::Request& req) { return list(req, "", false); });
  router.Get("/api/v2/macros/active",
             [list](const http::Request& req) { return list(req, "", true); });
  router.Get("/api/v2/macros/search", [list](const http::Request& req) {
    std::string_view q = Trim(req.Query("query"));
    if (q.empty()) {
      return http::ErrorResponse(400, "InvalidParameter", "query: give words of a macro title");
    }
    return list(req, q, false);
  });

  router.Get("/api/v2/macros/actions", [](const http::Request&) {
    json actions = json::array();
    auto add = [&](const char* field, const char* title, const char* type, json values) {
      json a = {{"subject", field}, {"title", title}, {"type", type}, {"nullable", false},
                {"repeatable", false}, {"group", "ticket"}};
      if (!values.is_null()) a["values"] = std::move(values);
      actions.push_back(std::move(a));
    };
    auto list_of = [](std::initializer_list<const char*> names) {
      json v = json::array();
      for (const char* n : names) v.push_back({{"value", n}, {"title", n}, {"enabled", true}});
      return v;
    };
    add("status", "Status", "list", list_of({"open", "pending", "hold", "solved"}));
    add("priority", "Priority", "list", list_of({"low", "normal", "high", "urgent"}));
    add("type", "Type", "list", list_of({"question", "incident", "problem", "task"}));
    add("assignee_id", "Assignee", "list", nullptr);
    add("group_id", "Group", "list", nullptr);
    add("set_tags", "Set tags", "text", nullptr);
    add("current_tags", "Add tags", "text", nullptr);
    add("remove_tags", "Remove tags", "text", nullptr);
    add("subject", "Set subject", "text", nullptr);
    add("comment_value", "Comment", "text", nullptr);
    add("comment_value_html", "Comment (HTML)", "text", nullptr);
    add("comment_mode_is_public", "Comment mode", "list",
        json::array({{{"value", "true"}, {"title", "Public reply"}, {"enabled", true}},
                     {{"value", "false"}, {"title", "Internal note"}, {"enabled", true}}}));
    return http::JsonResponse(200, {{"actions", std::move(actions)}});
  });

  router.Get("/api/v2/macros/{id}", [st, fallback](const http::Request& req) {
    auto id = ParseId(req.Param("id"));
    if (!id) return BadId("macro", req.Param("id"));
    return ReadJson(*st, [&](store::Tx& tx, json& out) -> Status {
      auto caller = LoadCaller(tx, req);
      if (!caller.ok()) return caller.status();
      auto l = UsableMacro(tx, *caller, *id);
      if (!l.ok()) return l.status();
      out["macro"] = MacroJson(l->macro, l->row, BaseUrl(req, *fallback));
      return Status::Ok();
    });
  });

  router.Get("/api/v2/macros/{id}/apply", [st](const http::Request& req) {
    auto id = ParseId(req.Param("id"));
    if (!id) return BadId("macro", req.Param("id"));
    return ReadJson(*st, [&](store::Tx& tx, json& out) -> Status {
      auto caller = LoadCaller(tx, req);
      if (!caller.ok()) return caller.status();
      auto l = UsableMacro(tx, *caller, *id);
      if (!l.ok()) return l.status();
      out["result"]["ticket"] = ChangesJson(l->macro, caller->user.id);
      return Status::Ok();
    });
  });

  router.Get("/api/v2/tickets/{ticket_id}/macros/{id}/apply",
             [st, fallback, desk_info](const http::Request& req) {
    auto ticket_id = ParseId(req.Param("ticket_id"));
    if (!ticket_id) return BadId("ticket", req.Param("ticket_id"));
    auto id = ParseId(req.Param("id"));
    if (!id) return BadId("macro", req.Param("id"));
    const std::string base = BaseUrl(req, *fallback);
    return ReadJson(*st, [&](store::Tx& tx, json& out) -> Status {
      auto caller = LoadCaller(tx, req);
      if (!caller.ok()) return caller.status();
      auto l = UsableMacro(tx, *caller, *id);
      if (!l.ok()) return l.status();
      auto preview = tickets::PreviewMacro(tx, *desk_info, *ticket_id, caller->user, l->macro);
      if (!preview.ok()) return preview.status();
      auto requester = tx.GetUser(preview->ticket.requester_id);
      auto fields = tickets::ListTicketFields(tx);
      if (!fields.ok()) return fields.status();
      json ticket =
          TicketJson(preview->ticket, base, requester.ok() ? &*requester : nullptr, &*fields);
      const auto& r = preview->result;
      if (r.comment) {
        // A reply written only as HTML has its text too, as Zendesk gives it.
        const std::string body = r.comment->body.empty() && !r.comment->html_body.empty()
                                     ? mime::HtmlToText(r.comment->html_body)
                                     : r.comment->body;
        ticket["comment"] = {{"body", body},
                             {"public", r.comment->is_public},
                             {"scoped_body", json::array({json::array({"channel:all", body})})}};
        if (!r.comment->html_body.empty()) ticket["comment"]["html_body"] = r.comment->html_body;
      }
      json changes = json::array();
      for (const auto& c : r.changes) {
        changes.push_back({{"field_name", c.field}, {"previous_value", c.previous_value},
                           {"value", c.value}});
      }
      out["result"] = {{"ticket", std::move(ticket)},
                       {"changes", std::move(changes)},
                       {"warnings", r.warnings}};
      return Status::Ok();
    });
  });

  router.Add("POST", "/api/v2/macros", [st, fallback](const http::Request& req) {
    http::Response error;
    auto body = ParseJsonBody(req, error, "macro");
    if (!body) return error;
    auto parsed = rules::ParseMacro(*body);
    if (!parsed.ok()) return Unprocessable(parsed.status().message());
    if (auto unknown = rules::UnknownMacroPlaceholders(*parsed); !unknown.empty()) {
      return Unprocessable("unknown placeholder: " + unknown.front());
    }
    const bool restriction_given = body->contains("restriction");
    return WriteJson(*st, 201, [&](store::Tx& tx, json& out, ClientError& err) -> Status {
      auto caller = LoadCaller(tx, req);
      if (!caller.ok()) return caller.status();
      rules::Macro m = *parsed;
      if (Status s = CheckSave(tx, *caller, m.restriction, !restriction_given, "macros", err);
          !s.ok() || !err.description.empty()) {
        return s;
      }
      std::vector<rules::Condition> none;
      if (Status s = CheckFields(tx, none, none, m.actions, err); !s.ok() || !err.description.empty()) {
        return s;
      }
      if (!body->contains("position")) {
        auto next = NextPosition(tx, store::RuleTable::kMacros);
        if (!next.ok()) return next.status();
        m.position = *next;
      }
      store::RuleRow row = tickets::MacroToRow(m);
      row.created_at = row.updated_at = Now();
      auto made = tx.CreateRule(store::RuleTable::kMacros, row);
      if (!made.ok()) return made.status();
      m.id = made->id;
      out["macro"] = MacroJson(m, *made, BaseUrl(req, *fallback));
      return Status::Ok();
    });
  });

  router.Add("PUT", "/api/v2/macros/{id}", [st, fallback](const http::Request& req) {
    auto id = ParseId(req.Param("id"));
    if (!id) return BadId("macro", req.Param("id"));
    http::Response error;
    auto body = ParseJsonBody(req, error, "macro");
    if (!body) return error;
    return WriteJson(*st, 200, [&](store::Tx& tx, json& out, ClientError& err) -> Status {
      auto caller = LoadCaller(tx, req);
      if (!caller.ok()) return caller.status();
      auto l = UsableMacro(tx, *caller, *id);
      if (!l.ok()) return l.status();
      if (!MayWrite(l->macro.restriction, *caller, "macros", err)) return Status::Ok();
      auto parsed = rules::ParseMacro(*body, &l->macro);
      if (!parsed.ok()) {
        err.description = parsed.status().message();
        return Status::Ok();
      }
      auto unknown = rules::UnknownMacroPlaceholders(*parsed);
      if (!unknown.empty()) {
        err.description = "unknown placeholder: " + unknown.front();
        return Status::Ok();
      }
      if (Status s = CheckSave(tx, *caller, parsed->restriction, false, "macros", err);
          !s.ok() || !err.description.empty()) {
        return s;
      }
      std::vector<rules::Condition> none;
      if (Status s = CheckFields(tx, none, none, parsed->actions, err);
          !s.ok() || !err.description.empty()) {
        return s;
      }
      store::RuleRow row = tickets::MacroToRow(*parsed);
      row.id = *id;
      row.created_at = l->row.created_at;
      row.updated_at = Now();
      if (Status s = tx.UpdateRule(store::RuleTable::kMacros, row); !s.ok()) return s;
      out["macro"] = MacroJson(*parsed, row, BaseUrl(req, *fallback));
      return Status::Ok();
    });
  });

  router.Add("DELETE", "/api/v2/macros/{id}", [st](const http::Request& req) {
    auto id = ParseId(req.Param("id"));
    if (!id) return BadId("macro", req.Param("id"));
    http::Response r = WriteJson(*st, 204, [&](store::Tx& tx, json&, ClientError& err) -> Status {
      auto caller = LoadCaller(tx, req);
      if (!caller.ok()) return caller.status();
      auto l = UsableMacro(tx, *caller, *id);
      if (!l.ok()) return l.status();
      if (!MayWrite(l->macro.restriction, *caller, "macros", err)) return Status::Ok();
      return tx.DeleteRule(store::RuleTable::kMacros, *id);
    });
    return r.status == 204 ? NoContent() : r;
  });
}

}  // namespace postdesk::api
