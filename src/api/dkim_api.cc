#include "api/dkim_api.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <memory>
#include <nlohmann/json.hpp>

#include "api/present.h"
#include "channel/dkim_keys.h"
#include "common/strings.h"
#include "doctor/setup_doctor.h"

namespace postdesk::api {
namespace {

using nlohmann::json;

json KeyJson(const channel::StoredKey& k) {
  return {{"domain", k.domain},
          {"selector", k.selector},
          {"algorithm", k.algorithm},
          {"enabled", k.enabled},
          {"record",
           {{"name", channel::DkimRecordName(k.domain, k.selector)},
            {"type", "TXT"},
            {"value", k.txt},
            {"zone_line", channel::DkimTxtRecordLine(k.domain, k.selector, k.txt)}}}};
}

std::string Who(const http::Request& req) { return req.user ? req.user->email : "?"; }

struct Shared {
  Config config;
  std::function<void()> on_change;
};

// The stored key named by the path, or the error response.
std::optional<channel::StoredKey> FindKey(const Shared& s, const http::Request& req,
                                          http::Response& error) {
  auto domain = channel::ValidDkimName(req.Param("domain"), "domain");
  auto selector = channel::ValidDkimName(req.Param("selector"), "selector");
  for (const auto* r : {&domain, &selector}) {
    if (!r->ok()) {
      error = http::ErrorResponse(422, "InvalidValue", r->status().message());
      return std::nullopt;
    }
  }
  for (auto& k : channel::ListKeys(s.config.data_dir, *domain)) {
    if (k.selector == *selector) return k;
  }
  error = http::ErrorResponse(404, "RecordNotFound",
                              "no DKIM key for " + *domain + " with selector " + *selector);
  return std::nullopt;
}

}  // namespace

void RegisterDkimApi(http::Router& router, const Config& config, std::function<void()> on_change) {
  auto s = std::make_shared<const Shared>(Shared{config, std::move(on_change)});

  router.Get("/api/v2/dkim_keys", [s](const http::Request&) {
    json keys = json::array();
    for (const auto& k : channel::ListKeys(s->config.data_dir)) keys.push_back(KeyJson(k));
    return http::JsonResponse(200, {{"dkim_keys", keys}});
  }, http::kAdminOnly);

  router.Add("POST", "/api/v2/dkim_keys", [s](const http::Request& req) {
    http::Response error;
    auto body = ParseJsonBody(req, error, "dkim_key");
    if (!body) return error;
    const json& in = *body;
    for (const char* field : {"domain", "selector", "algorithm"}) {
      if (in.contains(field) && !in[field].is_string()) {
        return http::ErrorResponse(422, "InvalidValue", std::string("dkim_key.") + field + ": must be a string");
      }
    }
    if (in.contains("replace") && !in["replace"].is_boolean()) {
      return http::ErrorResponse(422, "InvalidValue", "dkim_key.replace: must be true or false");
    }
    const std::string domain = in.value("domain", "");
    const std::string selector = in.value("selector", "postdesk");
    auto d = channel::ValidDkimName(domain, "domain");
    auto sel = channel::ValidDkimName(selector, "selector");
    for (const auto* r : {&d, &sel}) {
      if (!r->ok()) return http::ErrorResponse(422, "InvalidValue", r->status().message());
    }
    const std::string algorithm = in.value("algorithm", "rsa");
    if (!channel::ParseDkimAlgorithm(algorithm)) {
      return http::ErrorResponse(422, "InvalidValue",
                                 "dkim_key.algorithm: must be \"rsa\" or \"ed25519\"");
    }
    const bool replace = in.value("replace", false);
    if (!replace && channel::KeyExists(s->config.data_dir, *d, *sel)) {
      return http::ErrorResponse(409, "AlreadyExists",
                                 "a DKIM key for " + *d + " with selector " + *sel +
                                     " exists; send \"replace\": true to replace it (mail "
                                     "signed with the old key stops verifying once its DNS "
                                     "record changes)");
    }
    auto made = channel::GenerateKey(s->config.data_dir, *d, *sel, algorithm, replace);
    if (!made.ok() && made.status().kind() == ErrorKind::kInvalid) {  // made meanwhile
      return http::ErrorResponse(409, "AlreadyExists", made.status().message());
    }
    if (!made.ok()) {
      spdlog::error("dkim: making a key for {} failed: {}", *d, made.status().message());
      return http::ErrorResponse(500, "InternalError",
                                 "the key could not be stored: " + made.status().message());
    }
    spdlog::info("dkim: {} made a {} key for {} (selector {}){}", Who(req), made->key.algorithm,
                 made->key.domain, made->key.selector,
                 made->replaced ? (made->was_enabled ? ", replacing the signing one" : ", replacing the old one")
                                : "");
    if (made->was_enabled && s->on_change) s->on_change();
    return http::JsonResponse(201, {{"dkim_key", KeyJson(made->key)}});
  }, http::kAdminOnly);

  router.Add("PUT", "/api/v2/dkim_keys/{domain}/{selector}/enable", [s](const http::Request& req) {
    http::Response error;
    auto key = FindKey(*s, req, error);
    if (!key) return error;
    bool force = false;
    if (!req.body.empty()) {
      auto body = ParseJsonBody(req, error);
      if (!body) return error;
      if (body->contains("force") && !(*body)["force"].is_boolean()) {
        return http::ErrorResponse(422, "InvalidValue", "force: must be true or false");
      }
      force = body->value("force", false);
    }
    channel::Finding f = doctor::DkimKeyPublished(s->config.dns, s->config.domain, *key);
    json finding = channel::Report{"dkim " + key->domain, {f}}.ToJson()["findings"][0];
    const bool published = f.details.is_object() && f.details.value("published", false);
    if (!published && !force) {
      json out = {{"error", f.temporary ? "LookupFailed" : "RecordNotPublished"},
                  {"description", "not signing mail from " + key->domain + ": " + f.evidence},
                  {"fix", f.fix},
                  {"finding", finding}};
      http::Response r = http::JsonResponse(f.temporary ? 503 : 409, out);
      if (f.temporary) r.headers.emplace_back("Retry-After", "60");
      return r;
    }
    if (Status st = channel::EnableKey(s->config.data_dir, key->domain, key->selector); !st.ok()) {
      spdlog::error("dkim: enabling {} failed: {}", key->domain, st.message());
      return http::ErrorResponse(500, "InternalError", st.message());
    }
    spdlog::info("dkim: {} switched signing on for {} with selector {}{}", Who(req), key->domain,
                 key->selector, published ? " (its DNS record publishes our key)" : " (forced: the record is not published)");
    key->enabled = true;
    if (s->on_change) s->on_change();
    return http::JsonResponse(200, {{"dkim_key", KeyJson(*key)}, {"finding", finding}});
  }, http::kAdminOnly);

  router.Add("PUT", "/api/v2/dkim_keys/{domain}/{selector}/disable", [s](const http::Request& req) {
    http::Response error;
    auto key = FindKey(*s, req, error);
    if (!key) return error;
    auto removed = channel::DisableKey(s->config.data_dir, key->domain, key->selector);
    if (!removed.ok()) {
      spdlog::error("dkim: disabling {} failed: {}", key->domain, removed.status().message());
      return http::ErrorResponse(500, "InternalError", removed.status().message());
    }
    if (*removed) {
      spdlog::info("dkim: {} switched signing off for {} with selector {}", Who(req), key->domain,
                   key->selector);
    }
    key->enabled = false;
    if (s->on_change) s->on_change();
    return http::JsonResponse(200, {{"dkim_key", KeyJson(*key)}});
  }, http::kAdminOnly);
}

}  // namespace postdesk::api
