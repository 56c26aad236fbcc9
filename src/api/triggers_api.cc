#include "api/triggers_api.h"

#include <ctime>
#include <map>
#include <optional>

#include <nlohmann/json.hpp>

#include "api/present.h"
#include "tickets/ticket_fields.h"
#include "common/clock.h"
#include "common/strings.h"
#include "rules/defaults.h"
#include "tickets/trigger_history.h"
#include "tickets/updates.h"

namespace postdesk::api {
namespace {

using nlohmann::json;

int64_t Now() { return static_cast<int64_t>(std::time(nullptr)); }

json TriggerJson(const rules::Trigger& t, std::string_view base) {
  json j = rules::TriggerToJson(t);
  j["url"] = std::string(base) + "/api/v2/triggers/" + std::to_string(t.id) + ".json";
  j["raw_title"] = t.title;
  return j;
}

// Runs fn in a write transaction; `client` set by fn becomes a 4xx.
http::Response Write(store::Store& store, int ok_status, json& out, http::Response& client,
                     const std::function<Status(store::Tx&)>& fn) {
  bool client_error = false;
  Status s = store.Write([&](store::Tx& tx) {
    Status r = fn(tx);
    if (r.ok() && client.status >= 400) {
      client_error = true;
      return Status::Invalid("client error");
    }
    return r;
  });
  if (client_error) return client;
  if (!s.ok()) return StoreError(s);
  return http::JsonResponse(ok_status, out);
}

Result<std::vector<rules::Trigger>> AllTriggers(store::Tx& tx) {
  auto rows = tx.ListTriggers();
  if (!rows.ok()) return rows.status();
  std::vector<rules::Trigger> out;
  for (const auto& row : *rows) {
    auto t = tickets::TriggerFromRow(row);
    if (!t.ok()) return t.status();
    out.push_back(std::move(t).value());
  }
  return out;
}

json Warnings(const rules::Trigger& t) {
  json w = json::array();
  for (const auto& u : rules::UnknownPlaceholders(t)) w.push_back("unknown placeholder " + u);
  return w;
}

}  // namespace

void RegisterTriggersApi(http::Router& router, store::Store& store, std::string base_url) {
  store::Store* st = &store;
  auto fallback = std::make_shared<std::string>(std::move(base_url));

  auto list = [st, fallback](const http::Request& req, std::string_view query) {
    std::string base = BaseUrl(req, *fallback);
    std::optional<bool> active;
    if (auto it = req.query.find("active"); it != req.query.end()) {
      if (it->second != "true" && it->second != "false") {
        return http::ErrorResponse(400, "InvalidParameter", "active: must be true or false");
      }
      active = it->second == "true";
    }
    std::string needle = ToLower(query);
    json out;
    Status s = st->Read([&](store::Tx& tx) {
      auto all = AllTriggers(tx);
      if (!all.ok()) return all.status();
      json items = json::array();
      for (const auto& t : *all) {
        if (active && t.active != *active) continue;
        if (!needle.empty() && ToLower(t.title).find(needle) == std::string::npos) continue;
        items.push_back(TriggerJson(t, base));
      }
      out["count"] = items.size();
      out["triggers"] = std::move(items);
      out["next_page"] = nullptr;
      out["previous_page"] = nullptr;
      return Status::Ok();
    });
    if (!s.ok()) return StoreError(s);
    return http::JsonResponse(200, out);
  };

  router.Get("/api/v2/triggers", [list](const http::Request& req) { return list(req, ""); }, http::kAdminOnly);
  router.Get("/api/v2/triggers/active", [list](const http::Request& req) {
    http::Request copy = req;
    copy.query["active"] = "true";
    return list(copy, "");
  }, http::kAdminOnly);
  router.Get("/api/v2/triggers/search", [list](const http::Request& req) {
    auto it = req.query.find("query");
    if (it == req.query.end() || Trim(it->second).empty()) {
      return http::ErrorResponse(400, "InvalidParameter", "query: give part of a trigger title");
    }
    return list(req, Trim(it->second));
  }, http::kAdminOnly);

  router.Get("/api/v2/triggers/{id}", [st, fallback](const http::Request& req) {
    auto id = ParseId(req.Param("id"));
    if (!id) return BadId("trigger", req.Param("id"));
    json out;
    Status s = st->Read([&](store::Tx& tx) {
      auto row = tx.GetTrigger(*id);
      if (!row.ok()) return row.status();
      auto t = tickets::TriggerFromRow(*row);
      if (!t.ok()) return t.status();
      out["trigger"] = TriggerJson(*t, BaseUrl(req, *fallback));
      return Status::Ok();
    });
    if (!s.ok()) return StoreError(s);
    return http::JsonResponse(200, out);
  }, http::kAdminOnly);

  router.Add("POST", "/api/v2/triggers", [st, fallback](const http::Request& req) {
    http::Response error;
    auto body = ParseJsonBody(req, error);
    if (!body) return error;
    auto parsed = rules::ParseTrigger(*body);
    if (!parsed.ok()) return http::ErrorResponse(422, "RecordInvalid", parsed.status().message());
    rules::Trigger t = std::move(parsed).value();
    json out;
    http::Response client;
    return Write(*st, 201, out, client, [&](store::Tx& tx) {
      if (Status f = tickets::CheckRuleFields(tx, t.all, t.any, t.actions); !f.ok()) {
        if (f.kind() != ErrorKind::kInvalid) return f;
        client = http::ErrorResponse(422, "RecordInvalid", f.message());
        return Status::Ok();
      }
      t.is_default = false;
      t.default_key.clear();
      t.created_at = t.updated_at = Now();
      if (!body->contains("position") && !(body->contains("trigger") && (*body)["trigger"].contains("position"))) {
        auto all = tx.ListTriggers();
        if (!all.ok()) return all.status();
        t.position = all->empty() ? 1 : all->back().position + 1;
      }
      auto row = tx.CreateTrigger(tickets::TriggerToRow(t));
      if (!row.ok()) return row.status();
      t.id = row->id;
      if (Status r = tickets::RecordTriggerChange(tx, req.user->id, tickets::TriggerChange::kCreate,
                                                  std::nullopt, *row, t.created_at);
          !r.ok()) {
        return r;
      }
      out["trigger"] = TriggerJson(t, BaseUrl(req, *fallback));
      out["warnings"] = Warnings(t);
      return Status::Ok();
    });
  }, http::kAdminOnly);

  router.Add("PUT", "/api/v2/triggers/update_many", [st](const http::Request& req) {
    http::Response error;
    auto body = ParseJsonBody(req, error);
    if (!body) return error;
    if (!body->contains("triggers") || !(*body)["triggers"].is_array()) {
      return http::ErrorResponse(400, "InvalidPayload", "expected {\"triggers\": [{id, position, active}]}");
    }
    json out;
    http::Response client;
    return Write(*st, 200, out, client, [&](store::Tx& tx) {
      json updated = json::array();
      for (const auto& item : (*body)["triggers"]) {
        if (!item.is_object() || !item.contains("id") || !item["id"].is_number_integer()) {
          client = http::ErrorResponse(400, "InvalidPayload", "each entry needs a numeric id");
          return Status::Ok();
        }
        auto row = tx.GetTrigger(item["id"].get<int64_t>());
        if (!row.ok()) {
          if (row.status().kind() != ErrorKind::kNotFound) return row.status();
          client = http::ErrorResponse(404, "RecordNotFound",
                                       "trigger " + item["id"].dump() + " does not exist");
          return Status::Ok();
        }
        const store::TriggerRow before = *row;
        if (item.contains("active")) {
          if (!item["active"].is_boolean()) {
            client = http::ErrorResponse(422, "RecordInvalid", "active: must be true or false");
            return Status::Ok();
          }
          row->active = item["active"].get<bool>();
        }
        if (item.contains("position")) {
          if (!item["position"].is_number_integer()) {
            client = http::ErrorResponse(422, "RecordInvalid", "position: must be an integer");
            return Status::Ok();
          }
          row->position = item["position"].get<int64_t>();
        }
        // Keep the definition's copy of active/position in step with the columns.
        auto t = tickets::TriggerFromRow(*row);
        if (!t.ok()) return t.status();
        t->updated_at = Now();
        store::TriggerRow fresh = tickets::TriggerToRow(*t);
        if (Status s = tx.UpdateTrigger(fresh); !s.ok()) return s;
        if (auto change = tickets::ClassifyTriggerEdit(before, fresh)) {
          if (Status r = tickets::RecordTriggerChange(tx, req.user->id, *change, before, fresh,
                                                      t->updated_at);
              !r.ok()) {
            return r;
          }
        }
        updated.push_back({{"id", t->id}, {"active", t->active}, {"position", t->position}});
      }
      out["triggers"] = std::move(updated);
      return Status::Ok();
    });
  }, http::kAdminOnly);

  router.Add("PUT", "/api/v2/triggers/{id}", [st, fallback](const http::Request& req) {
    auto id = ParseId(req.Param("id"));
    if (!id) return BadId("trigger", req.Param("id"));
    http::Response error;
    auto body = ParseJsonBody(req, error);
    if (!body) return error;
    json out;
    http::Response client;
    return Write(*st, 200, out, client, [&](store::Tx& tx) {
      auto row = tx.GetTrigger(*id);
      if (!row.ok()) return row.status();
      auto base_trigger = tickets::TriggerFromRow(*row);
      if (!base_trigger.ok()) return base_trigger.status();
      auto parsed = rules::ParseTrigger(*body, &*base_trigger);
      if (!parsed.ok()) {
        client = http::ErrorResponse(422, "RecordInvalid", parsed.status().message());
        return Status::Ok();
      }
      rules::Trigger t = std::move(parsed).value();
      if (Status f = tickets::CheckRuleFields(tx, t.all, t.any, t.actions); !f.ok()) {
        if (f.kind() != ErrorKind::kInvalid) return f;
        client = http::ErrorResponse(422, "RecordInvalid", f.message());
        return Status::Ok();
      }
      t.id = *id;
      t.default_key = base_trigger->default_key;  // a changed default can still be restored
      t.is_default = base_trigger->is_default;
      t.created_at = base_trigger->created_at;
      t.updated_at = Now();
      store::TriggerRow after = tickets::TriggerToRow(t);
      if (Status s = tx.UpdateTrigger(after); !s.ok()) return s;
      if (auto change = tickets::ClassifyTriggerEdit(*row, after)) {
        if (Status r = tickets::RecordTriggerChange(tx, req.user->id, *change, *row, after,
                                                    t.updated_at);
            !r.ok()) {
          return r;
        }
      }
      out["trigger"] = TriggerJson(t, BaseUrl(req, *fallback));
      out["warnings"] = Warnings(t);
      return Status::Ok();
    });
  }, http::kAdminOnly);

  router.Add("DELETE", "/api/v2/triggers/{id}", [st](const http::Request& req) {
    auto id = ParseId(req.Param("id"));
    if (!id) return BadId("trigger", req.Param("id"));
    Status s = st->Write([&](store::Tx& tx) -> Status {
      auto before = tx.GetTrigger(*id);
      if (!before.ok()) return before.status();
      if (Status d = tx.DeleteTrigger(*id); !d.ok()) return d;
      return tickets::RecordTriggerChange(tx, req.user->id, tickets::TriggerChange::kDelete,
                                          *before, std::nullopt, Now());
    });
    if (!s.ok()) return StoreError(s);
    http::Response r;
    r.status = 204;
    r.content_type.clear();
    return r;
  }, http::kAdminOnly);

  // Zendesk's trigger revisions: who changed the trigger, when, from what.
  router.Get("/api/v2/triggers/{id}/revisions", [st](const http::Request& req) {
    auto id = ParseId(req.Param("id"));
    if (!id) return BadId("trigger", req.Param("id"));
    json out;
    Status s = st->Read([&](store::Tx& tx) -> Status {
      auto revisions = tx.ListTriggerRevisions(*id);
      if (!revisions.ok()) return revisions.status();
      json list = json::array();
      std::map<int64_t, std::string> names;
      for (const auto& r : *revisions) {
        if (!names.contains(r.author_id)) {
          auto author = r.author_id ? tx.GetUser(r.author_id) : Result<store::User>(Status::NotFound(""));
          names[r.author_id] = author.ok() ? author->name : "";
        }
        list.push_back({{"id", r.id},
                        {"trigger_id", r.trigger_id},
                        {"author_id", r.author_id ? json(r.author_id) : json(nullptr)},
                        {"author_name", names[r.author_id]},
                        {"action", r.action},
                        {"before", json::parse(r.before_json, nullptr, false)},
                        {"after", json::parse(r.after_json, nullptr, false)},
                        {"created_at", FormatIsoTime(r.created_at)}});
      }
      out["trigger_revisions"] = std::move(list);
      out["count"] = out["trigger_revisions"].size();
      return Status::Ok();
    });
    if (!s.ok()) return StoreError(s);
    return http::JsonResponse(200, out);
  }, http::kAdminOnly);

  // Our extension: the standard defaults and whether each is present, changed or missing.
  router.Get("/api/v2/triggers/defaults", [st](const http::Request&) {
    json out = json::array();
    Status s = st->Read([&](store::Tx& tx) {
      for (const auto& d : rules::DefaultTriggers(tickets::DeskLanguage(tx))) {
        auto row = tx.FindTriggerByDefaultKey(d.default_key);
        json item = {{"key", d.default_key}, {"title", d.title}};
        if (row.ok()) {
          auto t = tickets::TriggerFromRow(*row);
          if (!t.ok()) return t.status();
          rules::Trigger shipped = d;
          bool same = rules::TriggerToJson(shipped)["conditions"] == rules::TriggerToJson(*t)["conditions"] &&
                      rules::TriggerToJson(shipped)["actions"] == rules::TriggerToJson(*t)["actions"] &&
                      t->title == d.title;
          item["state"] = !same ? "changed" : (t->active == d.active ? "as_shipped" : (t->active ? "active" : "inactive"));
          item["id"] = row->id;
          item["active"] = t->active;
          if (!same) {  // the difference, for the admin page
            item["shipped"] = rules::TriggerToJson(shipped);
            item["current"] = rules::TriggerToJson(*t);
          }
        } else if (row.status().kind() == ErrorKind::kNotFound) {
          item["state"] = "missing";
          item["id"] = nullptr;
        } else {
          return row.status();
        }
        out.push_back(std::move(item));
      }
      return Status::Ok();
    });
    if (!s.ok()) return StoreError(s);
    return http::JsonResponse(200, json{{"defaults", out}});
  }, http::kAdminOnly);

  router.Add("POST", "/api/v2/triggers/defaults/{key}/restore", [st, fallback](const http::Request& req) {
    auto shipped = rules::RestoreDefault(req.Param("key"));
    if (!shipped.ok()) {
      return http::ErrorResponse(404, "RecordNotFound",
                                 "no default trigger is called \"" + std::string(req.Param("key")) + "\"");
    }
    json out;
    http::Response client;
    return Write(*st, 200, out, client, [&](store::Tx& tx) -> Status {
      // Restored in the desk's language (the key was checked above).
      auto in_language = rules::RestoreDefault(req.Param("key"), tickets::DeskLanguage(tx));
      if (!in_language.ok()) return in_language.status();
      rules::Trigger t = std::move(in_language).value();
      int64_t now = Now();
      auto row = tx.FindTriggerByDefaultKey(t.default_key);
      std::optional<store::TriggerRow> before, after;
      if (row.ok()) {
        before = *row;
        t.id = row->id;
        t.position = row->position;
        t.created_at = row->created_at;
        t.updated_at = now;
        after = tickets::TriggerToRow(t);
        if (Status s = tx.UpdateTrigger(*after); !s.ok()) return s;
      } else if (row.status().kind() == ErrorKind::kNotFound) {
        t.created_at = t.updated_at = now;
        auto created = tx.CreateTrigger(tickets::TriggerToRow(t));
        if (!created.ok()) return created.status();
        t.id = created->id;
        after = *created;
      } else {
        return row.status();
      }
      if (Status r = tickets::RecordTriggerChange(tx, req.user->id, tickets::TriggerChange::kRestore,
                                                  before, after, now);
          !r.ok()) {
        return r;
      }
      out["trigger"] = TriggerJson(t, BaseUrl(req, *fallback));
      return Status::Ok();
    });
  }, http::kAdminOnly);
}

}  // namespace postdesk::api
