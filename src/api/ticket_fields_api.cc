#include "api/ticket_fields_api.h"

#include <algorithm>
#include <memory>
#include <nlohmann/json.hpp>

#include "api/present.h"
#include "api/respond.h"
#include "tickets/ticket_fields.h"

namespace postdesk::api {

using nlohmann::json;

namespace {

json OptionJson(const tickets::FieldOption& o, std::string_view base, int64_t field_id) {
  return {{"id", o.id},
          {"url", std::string(base) + "/api/v2/ticket_fields/" + std::to_string(field_id) +
                      "/options/" + std::to_string(o.id) + ".json"},
          {"name", o.name},
          {"raw_name", o.name},
          {"value", o.value},
          {"default", o.is_default}};
}

// The field `id` (NotFound when there is none).
Result<tickets::TicketField> LoadField(store::Tx& tx, int64_t id) {
  auto row = tx.GetRule(store::RuleTable::kTicketFields, id);
  if (!row.ok()) return row.status();
  return tickets::FieldFromRow(*row);
}

// Writes `f` back (ids for new options first).
Status SaveField(store::Tx& tx, tickets::TicketField& f) {
  if (Status s = tickets::AssignOptionIds(tx, f); !s.ok()) return s;
  f.updated_at = Now();
  store::RuleRow row = tickets::FieldToRow(f);
  row.created_at = f.created_at;
  row.updated_at = f.updated_at;
  return tx.UpdateRule(store::RuleTable::kTicketFields, row);
}

// A 422 in `err` when triggers, macros or views name the field (with
// `value`: that option of it).
Status RefuseIfNamed(store::Tx& tx, const tickets::TicketField& f, std::string_view value,
                     ClientError& err) {
  auto naming = tickets::RulesNaming(tx, f.id, value);
  if (!naming.ok()) return naming.status();
  if (naming->empty()) return Status::Ok();
  std::string list;
  for (const auto& n : *naming) list += (list.empty() ? "" : ", ") + n;
  err.description = (value.empty() ? "\"" + f.title + "\"" : "option \"" + std::string(value) + "\"") +
                    " is used by " + list + ": change them first";
  return Status::Ok();
}

}  // namespace

void RegisterTicketFieldsApi(http::Router& router, store::Store& store, std::string base_url) {
  store::Store* st = &store;
  auto fallback = std::make_shared<const std::string>(std::move(base_url));

  router.Get("/api/v2/ticket_fields", [st, fallback](const http::Request& req) {
    const std::string_view active = req.Query("active");
    if (!active.empty() && active != "true" && active != "false") {
      return http::ErrorResponse(400, "InvalidValue", "active is true or false");
    }
    const std::string base = BaseUrl(req, *fallback);
    return ReadJson(*st, [&](store::Tx& tx, json& out) -> Status {
      auto fields = tickets::ListTicketFields(tx);
      if (!fields.ok()) return fields.status();
      json list = json::array();
      for (const auto& f : *fields) {
        if (!active.empty() && f.active != (active == "true")) continue;
        list.push_back(tickets::TicketFieldToJson(f, base));
      }
      out["count"] = list.size();
      out["ticket_fields"] = std::move(list);
      out["next_page"] = nullptr;
      out["previous_page"] = nullptr;
      return Status::Ok();
    });
  });

  router.Get("/api/v2/ticket_fields/{id}", [st, fallback](const http::Request& req) {
    auto id = ParseId(req.Param("id"));
    if (!id) return BadId("ticket field", req.Param("id"));
    const std::string base = BaseUrl(req, *fallback);
    return ReadJson(*st, [&](store::Tx& tx, json& out) -> Status {
      auto f = LoadField(tx, *id);
      if (!f.ok()) return f.status();
      out["ticket_field"] = tickets::TicketFieldToJson(*f, base);
      return Status::Ok();
    });
  });

  router.Add("POST", "/api/v2/ticket_fields", [st, fallback](const http::Request& req) {
    http::Response error;
    auto body = ParseJsonBody(req, error, "ticket_field");
    if (!body) return error;
    auto parsed = tickets::ParseTicketField(*body);
    if (!parsed.ok()) return Unprocessable(parsed.status().message());
    return WriteJson(*st, 201, [&](store::Tx& tx, json& out, ClientError&) -> Status {
      tickets::TicketField f = *parsed;
      if (!body->contains("position")) {
        auto all = tx.ListRules(store::RuleTable::kTicketFields);
        if (!all.ok()) return all.status();
        f.position = all->empty() ? 1 : all->back().position + 1;
      }
      if (Status s = tickets::AssignOptionIds(tx, f); !s.ok()) return s;
      f.created_at = f.updated_at = Now();
      store::RuleRow row = tickets::FieldToRow(f);
      row.created_at = row.updated_at = f.created_at;
      auto made = tx.CreateRule(store::RuleTable::kTicketFields, row);
      if (!made.ok()) return made.status();
      f.id = made->id;
      out["ticket_field"] = tickets::TicketFieldToJson(f, BaseUrl(req, *fallback));
      return Status::Ok();
    });
  }, http::kAdminOnly);

  router.Add("PUT", "/api/v2/ticket_fields/{id}", [st, fallback](const http::Request& req) {
    auto id = ParseId(req.Param("id"));
    if (!id) return BadId("ticket field", req.Param("id"));
    http::Response error;
    auto body = ParseJsonBody(req, error, "ticket_field");
    if (!body) return error;
    return WriteJson(*st, 200, [&](store::Tx& tx, json& out, ClientError& err) -> Status {
      auto base = LoadField(tx, *id);
      if (!base.ok()) return base.status();
      auto parsed = tickets::ParseTicketField(*body, &*base);
      if (!parsed.ok()) return ClientFailure(parsed.status(), err);
      tickets::TicketField f = std::move(parsed).value();
      if (Status s = SaveField(tx, f); !s.ok()) return s;
      out["ticket_field"] = tickets::TicketFieldToJson(f, BaseUrl(req, *fallback));
      return Status::Ok();
    });
  }, http::kAdminOnly);

  router.Add("DELETE", "/api/v2/ticket_fields/{id}", [st](const http::Request& req) {
    auto id = ParseId(req.Param("id"));
    if (!id) return BadId("ticket field", req.Param("id"));
    http::Response r = WriteJson(*st, 204, [&](store::Tx& tx, json&, ClientError& err) -> Status {
      auto f = LoadField(tx, *id);
      if (!f.ok()) return f.status();
      if (f->IsSystem()) {
        err.status = 403;
        err.code = "Forbidden";
        err.description = "\"" + f->title + "\" is a system field: it cannot be deleted";
        return Status::Ok();
      }
      if (Status s = RefuseIfNamed(tx, *f, "", err); !s.ok() || !err.description.empty()) return s;
      if (Status s = tx.DeleteTicketFieldValues(*id); !s.ok()) return s;
      return tx.DeleteRule(store::RuleTable::kTicketFields, *id);
    });
    return r.status == 204 ? NoContent() : r;
  }, http::kAdminOnly);

  router.Get("/api/v2/ticket_fields/{id}/options", [st, fallback](const http::Request& req) {
    auto id = ParseId(req.Param("id"));
    if (!id) return BadId("ticket field", req.Param("id"));
    const std::string base = BaseUrl(req, *fallback);
    return ReadJson(*st, [&](store::Tx& tx, json& out) -> Status {
      auto f = LoadField(tx, *id);
      if (!f.ok()) return f.status();
      json list = json::array();
      for (const auto& o : f->options) list.push_back(OptionJson(o, base, f->id));
      out["count"] = list.size();
      out["custom_field_options"] = std::move(list);
      out["next_page"] = nullptr;
      out["previous_page"] = nullptr;
      return Status::Ok();
    });
  });

  router.Get("/api/v2/ticket_fields/{id}/options/{option}", [st, fallback](const http::Request& req) {
    auto id = ParseId(req.Param("id"));
    if (!id) return BadId("ticket field", req.Param("id"));
    auto option = ParseId(req.Param("option"));
    if (!option) return BadId("option", req.Param("option"));
    const std::string base = BaseUrl(req, *fallback);
    return ReadJson(*st, [&](store::Tx& tx, json& out) -> Status {
      auto f = LoadField(tx, *id);
      if (!f.ok()) return f.status();
      for (const auto& o : f->options) {
        if (o.id == *option) {
          out["custom_field_option"] = OptionJson(o, base, f->id);
          return Status::Ok();
        }
      }
      return Status::NotFound("option " + std::to_string(*option));
    });
  });

  // Zendesk's "create or update": with an id it changes that option (200).
  router.Add("POST", "/api/v2/ticket_fields/{id}/options", [st, fallback](const http::Request& req) {
    auto id = ParseId(req.Param("id"));
    if (!id) return BadId("ticket field", req.Param("id"));
    http::Response error;
    auto body = ParseJsonBody(req, error, "custom_field_option");
    if (!body) return error;
    bool replaced = false;
    http::Response r = WriteJson(*st, 201, [&](store::Tx& tx, json& out, ClientError& err) -> Status {
      auto f = LoadField(tx, *id);
      if (!f.ok()) return f.status();
      size_t index = 0;
      auto changed = tickets::UpsertOption(*f, *body, index, replaced);
      if (!changed.ok()) return ClientFailure(changed.status(), err);
      if (Status w = SaveField(tx, *changed); !w.ok()) return w;
      out["custom_field_option"] = OptionJson(changed->options[index], BaseUrl(req, *fallback), changed->id);
      return Status::Ok();
    });
    if (replaced && r.status == 201) r.status = 200;
    return r;
  }, http::kAdminOnly);

  router.Add("DELETE", "/api/v2/ticket_fields/{id}/options/{option}", [st](const http::Request& req) {
    auto id = ParseId(req.Param("id"));
    if (!id) return BadId("ticket field", req.Param("id"));
    auto option = ParseId(req.Param("option"));
    if (!option) return BadId("option", req.Param("option"));
    http::Response r = WriteJson(*st, 204, [&](store::Tx& tx, json&, ClientError& err) -> Status {
      auto f = LoadField(tx, *id);
      if (!f.ok()) return f.status();
      auto gone = std::find_if(f->options.begin(), f->options.end(),
                               [&](const tickets::FieldOption& o) { return o.id == *option; });
      if (gone == f->options.end()) return Status::NotFound("option " + std::to_string(*option));
      if (Status s = RefuseIfNamed(tx, *f, gone->value, err); !s.ok() || !err.description.empty()) {
        return s;
      }
      f->options.erase(gone);
      if (f->options.empty()) {
        err.description = "a dropdown keeps at least one option: delete the field instead";
        return Status::Ok();
      }
      return SaveField(tx, *f);
    });
    return r.status == 204 ? NoContent() : r;
  }, http::kAdminOnly);
}

}  // namespace postdesk::api
