#include "api/recipient_addresses_api.h"

#include <ctime>
#include <memory>

#include <nlohmann/json.hpp>

#include "api/present.h"
#include "channel/recipient_addresses.h"
#include "common/clock.h"
#include "common/strings.h"

namespace postdesk::api {
namespace {

using nlohmann::json;

constexpr std::string_view kPath = "/api/v2/recipient_addresses";

int64_t Now() { return static_cast<int64_t>(std::time(nullptr)); }

// "{id}" in a stored fix (written before the row had its id) -> the id.
void FillId(json& entry, int64_t id) {
  for (const char* field : {"reason", "fix"}) {
    if (!entry.contains(field) || !entry[field].is_string()) continue;
    std::string text = entry[field].get<std::string>();
    for (size_t at = text.find("{id}"); at != std::string::npos; at = text.find("{id}", at)) {
      text.replace(at, 4, std::to_string(id));
    }
    entry[field] = text;
  }
}

// One entry of `checks`: the row's status wins over what the entry says.
json CheckEntry(const json& checks, const char* key, const std::string& status, int64_t id) {
  json e = checks.contains(key) && checks[key].is_object() ? checks[key] : json::object();
  e["status"] = status;
  if (!e.contains("reason")) {
    e["reason"] = status == "unknown" ? "not checked yet" : "";
  }
  if (!e.contains("fix")) e["fix"] = nullptr;
  if (status == "unknown" && e["fix"].is_null()) {
    e["fix"] = std::string(key) == "forwarding"
                   ? "verify forwarding: PUT /api/v2/recipient_addresses/{id}/verify with "
                     "{\"type\":\"forwarding\"}"
                   : "run the DNS checks: PUT /api/v2/recipient_addresses/{id}/verify with "
                     "{\"type\":\"dns\"}";
  }
  FillId(e, id);
  return e;
}

json AddressJson(const store::RecipientAddress& a, std::string_view base) {
  json checks = channel::Checks(a);
  std::string dns = "unknown";
  const std::string* statuses[] = {&a.spf_status, &a.cname_status, &a.domain_verification_status};
  bool all_verified = true;
  for (const auto* s : statuses) {
    if (*s == "failed") dns = "failed";
    all_verified = all_verified && *s == "verified";
  }
  if (dns != "failed" && all_verified) dns = "verified";
  json findings = json::parse(a.dns_results_json, nullptr, false);
  return {
      {"id", a.id},
      {"url", std::string(base) + std::string(kPath) + "/" + std::to_string(a.id) + ".json"},
      {"name", a.name},
      {"email", a.email},
      {"default", a.is_default},
      {"forwarding_status", a.forwarding_status},
      {"spf_status", a.spf_status},
      {"cname_status", a.cname_status},
      {"domain_verification_status", a.domain_verification_status},
      {"dns_results", dns},
      {"created_at", FormatIsoTime(a.created_at)},
      {"updated_at", FormatIsoTime(a.updated_at)},
      {"checks",
       {{"forwarding", CheckEntry(checks, "forwarding", a.forwarding_status, a.id)},
        {"spf", CheckEntry(checks, "spf", a.spf_status, a.id)},
        {"cname", CheckEntry(checks, "cname", a.cname_status, a.id)},
        {"domain_verification",
         CheckEntry(checks, "domain_verification", a.domain_verification_status, a.id)}}},
      {"dns_findings", findings.is_object() ? findings : json::object()},
  };
}

// A rule broken (Invalid) is the client's 422; anything else as the store says.
http::Response Failure(const Status& s) {
  if (s.kind() == ErrorKind::kInvalid) return http::ErrorResponse(422, "RecordInvalid", s.message());
  return StoreError(s);
}

// The "recipient_address" object of a request body.
std::optional<json> AddressBody(const http::Request& req, http::Response& error) {
  return ParseJsonBody(req, error, "recipient_address");
}

// Runs fn in a write transaction and answers with {"recipient_address": ...}.
http::Response WriteAddress(store::Store& st, int ok_status, std::string_view base,
                            const std::function<Result<store::RecipientAddress>(store::Tx&)>& fn) {
  json out;
  Status s = st.Write([&](store::Tx& tx) {
    auto a = fn(tx);
    if (!a.ok()) return a.status();
    out["recipient_address"] = AddressJson(*a, base);
    return Status::Ok();
  });
  if (!s.ok()) return Failure(s);
  return http::JsonResponse(ok_status, out);
}

}  // namespace

void RegisterRecipientAddressesApi(http::Router& router, store::Store& store,
                                   RecipientAddressesApiOptions options) {
  auto o = std::make_shared<const RecipientAddressesApiOptions>(std::move(options));
  store::Store* st = &store;
  const std::string path(kPath);
  auto changed = [o] {
    if (o->on_addresses_changed) o->on_addresses_changed();
  };

  router.Get(path, [st, o, path](const http::Request& req) {
    Page page;
    if (auto bad = ParsePage(req, page)) return std::move(*bad);
    std::string base = BaseUrl(req, o->base_url);
    json out;
    Status s = st->Read([&](store::Tx& tx) {
      auto all = tx.ListRecipientAddresses();
      if (!all.ok()) return all.status();
      json list = json::array();
      int64_t count = static_cast<int64_t>(all->size());
      for (int64_t i = page.offset(); i < count && i < page.offset() + page.per_page; ++i) {
        list.push_back(AddressJson((*all)[static_cast<size_t>(i)], base));
      }
      out["recipient_addresses"] = std::move(list);
      AddPageLinks(out, base, path, page, count);
      return Status::Ok();
    });
    if (!s.ok()) return StoreError(s);
    return http::JsonResponse(200, out);
  }, http::kAdminOnly);

  router.Get(path + "/{id}", [st, o](const http::Request& req) {
    auto id = ParseId(req.Param("id"));
    if (!id) return BadId("recipient address", req.Param("id"));
    std::string base = BaseUrl(req, o->base_url);
    json out;
    Status s = st->Read([&](store::Tx& tx) {
      auto a = tx.GetRecipientAddress(*id);
      if (!a.ok()) return a.status();
      out["recipient_address"] = AddressJson(*a, base);
      return Status::Ok();
    });
    if (!s.ok()) return StoreError(s);
    return http::JsonResponse(200, out);
  }, http::kAdminOnly);

  router.Add("POST", path, [st, o, changed](const http::Request& req) {
    http::Response error;
    auto in = AddressBody(req, error);
    if (!in) return error;
    if (!in->contains("email") || !(*in)["email"].is_string()) {
      return http::ErrorResponse(422, "RecordInvalid", "recipient_address.email: required (a string)");
    }
    if (in->contains("name") && !(*in)["name"].is_string()) {
      return http::ErrorResponse(422, "RecordInvalid", "recipient_address.name: must be a string");
    }
    std::string email = (*in)["email"].get<std::string>();
    std::string name = in->value("name", std::string());
    http::Response r = WriteAddress(*st, 201, BaseUrl(req, o->base_url), [&](store::Tx& tx) {
      return channel::CreateAddress(tx, email, name, o->forwarding.desk_domain, Now());
    });
    if (r.status == 201) changed();
    return r;
  }, http::kAdminOnly);

  router.Add("PUT", path + "/{id}", [st, o, changed](const http::Request& req) {
    auto id = ParseId(req.Param("id"));
    if (!id) return BadId("recipient address", req.Param("id"));
    http::Response error;
    auto in = AddressBody(req, error);
    if (!in) return error;
    channel::AddressChange change;
    if (in->contains("name")) {
      if (!(*in)["name"].is_string()) {
        return http::ErrorResponse(422, "RecordInvalid", "recipient_address.name: must be a string");
      }
      change.name = (*in)["name"].get<std::string>();
    }
    if (in->contains("default")) {
      if (!(*in)["default"].is_boolean()) {
        return http::ErrorResponse(422, "RecordInvalid",
                                   "recipient_address.default: must be true or false");
      }
      change.is_default = (*in)["default"].get<bool>();
    }
    if (in->contains("email")) {
      if (!(*in)["email"].is_string()) {
        return http::ErrorResponse(422, "RecordInvalid", "recipient_address.email: must be a string");
      }
      change.email = (*in)["email"].get<std::string>();
    }
    http::Response r = WriteAddress(*st, 200, BaseUrl(req, o->base_url), [&](store::Tx& tx) {
      return channel::UpdateAddress(tx, *id, change, o->forwarding.desk_domain, Now());
    });
    if (r.status == 200 && change.is_default) changed();
    return r;
  }, http::kAdminOnly);

  router.Add("DELETE", path + "/{id}", [st, changed](const http::Request& req) {
    auto id = ParseId(req.Param("id"));
    if (!id) return BadId("recipient address", req.Param("id"));
    Status s = st->Write([&](store::Tx& tx) { return channel::DeleteAddress(tx, *id); });
    if (!s.ok()) return Failure(s);
    changed();
    http::Response r;
    r.status = 204;
    r.content_type.clear();
    return r;
  }, http::kAdminOnly);

  router.Add("PUT", path + "/{id}/verify", [st, o](const http::Request& req) {
    auto id = ParseId(req.Param("id"));
    if (!id) return BadId("recipient address", req.Param("id"));
    http::Response error;
    auto parsed = ParseJsonBody(req, error);
    if (!parsed) return error;
    json body = std::move(*parsed);
    if (body.contains("recipient_address") && body["recipient_address"].is_object()) {
      body = body["recipient_address"];
    }
    if (!body.is_object() || !body.contains("type") || !body["type"].is_string()) {
      return http::ErrorResponse(400, "InvalidPayload",
                                 "expected {\"type\": \"forwarding\"}, {\"type\": \"spf\"} or "
                                 "{\"type\": \"dns\"}");
    }
    std::string type = ToLower(body["type"].get<std::string>());
    std::string base = BaseUrl(req, o->base_url);

    if (type == "forwarding") {
      http::Response r = WriteAddress(*st, 200, base, [&](store::Tx& tx) {
        return channel::StartForwardingCheck(tx, *id, o->forwarding, Now());
      });
      if (r.status == 200 && o->on_mail_queued) o->on_mail_queued();
      return r;
    }
    if (type != "spf" && type != "dns") {
      return http::ErrorResponse(422, "RecordInvalid",
                                 "type: \"" + SanitizeUtf8(body["type"].get<std::string>()) +
                                     "\" is not one of forwarding, spf, dns");
    }
    if (!o->check_domain) {
      return http::ErrorResponse(501, "NotImplemented", "DNS checks are not available here");
    }
    std::string email;
    Status s = st->Read([&](store::Tx& tx) {
      auto a = tx.GetRecipientAddress(*id);
      if (!a.ok()) return a.status();
      email = a->email;
      return Status::Ok();
    });
    if (!s.ok()) return StoreError(s);
    // DNS outside any transaction; the result is applied to the row as it is then.
    bool spf_only = type == "spf";
    auto findings = o->check_domain(std::string(EmailDomain(email)), spf_only);
    return WriteAddress(*st, 200, base, [&](store::Tx& tx) -> Result<store::RecipientAddress> {
      auto a = tx.GetRecipientAddress(*id);
      if (!a.ok()) return a.status();
      channel::ApplyDomainFindings(*a, findings, !spf_only, Now());
      if (Status u = tx.UpdateRecipientAddress(*a); !u.ok()) return u;
      return a;
    });
  }, http::kAdminOnly);
}

}  // namespace postdesk::api
