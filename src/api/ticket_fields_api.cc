#include "api/ticket_fields_api.h"

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

http::Response Forbidden(std::string_view why) { return http::ErrorResponse(403, "Forbidden", why); }

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

  // Zendesk's "create or update": with an id it changes that option.
  router.Add("POST", "/api/v2/ticket_fields/{id}/options", [st, fallback](const http::Request& req) {
    auto id = ParseId(req.Param("id"));
    if (!id) return BadId("ticket field", req.Param("id"));
    http::Response error;
    auto body = ParseJsonBody(req, error, "custom_field_option");
    if (!body) return error;
    int status = 201;
    json out;
    ClientError err;
    Status s = st->Write([&](store::Tx& tx) -> Status {
      auto f = LoadField(tx, *id);
      if (!f.ok()) return f.status();
      if (f->type != "tagger") {
        err.description = "\"" + f->title + "\" is not a dropdown: it has no options";
        return Status::Invalid("client error");
      }
      json options = tickets::TicketFieldToJson(*f, "")["custom_field_options"];
      const json given_id = body->value("id", json(nullptr));
      bool replaced = false;
      for (json& o : options) {
        if (!given_id.is_null() && o["id"] == given_id) {
          for (const char* key : {"name", "value", "default"}) {
            if (body->contains(key)) o[key] = (*body)[key];
          }
          replaced = true;
        }
      }
      if (!given_id.is_null() && !replaced) {
        err.status = 404;
        err.code = "RecordNotFound";
        err.description = "option " + given_id.dump() + " is not an option of this field";
        return Status::Invalid("client error");
      }
      if (!replaced) {
        json added = *body;
        added.erase("id");
        options.push_back(std::move(added));
      }
      status = replaced ? 200 : 201;
      auto parsed = tickets::ParseTicketField(json{{"custom_field_options", options}}, &*f);
      if (!parsed.ok()) {
        err.description = parsed.status().message();
        return Status::Invalid("client error");
      }
      tickets::TicketField changed = std::move(parsed).value();
      if (Status w = SaveField(tx, changed); !w.ok()) return w;
      const auto& saved = replaced ? *std::find_if(changed.options.begin(), changed.options.end(),
                                                   [&](const auto& o) { return json(o.id) == given_id; })
                                   : changed.options.back();
      out["custom_field_option"] = OptionJson(saved, BaseUrl(req, *fallback), changed.id);
      return Status::Ok();
    });
    if (!err.description.empty()) return http::ErrorResponse(err.status, err.code, err.description);
    if (!s.ok()) return StoreError(s);
    return http::JsonResponse(status, out);
  }, http::kAdminOnly);

  router.Add("DELETE", "/api/v2/ticket_fields/{id}/options/{option}", [st](const http::Request& req) {
    auto id = ParseId(req.Param("id"));
    if (!id) return BadId("ticket field", req.Param("id"));
    auto option = ParseId(req.Param("option"));
    if (!option) return BadId("option", req.Param("option"));
    http::Response r = WriteJson(*st, 204, [&](store::Tx& tx, json&, ClientError& err) -> Status {
      auto f = LoadField(tx, *id);
      if (!f.ok()) return f.status();
      const size_t before = f->options.size();
      std::erase_if(f->options, [&](const tickets::FieldOption& o) { return o.id == *option; });
      if (f->options.size() == before) return Status::NotFound("option " + std::to_string(*option));
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
