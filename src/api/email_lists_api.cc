#include "api/email_lists_api.h"

#include <memory>
#include <nlohmann/json.hpp>

#include "api/present.h"

namespace postdesk::api {
namespace {

using nlohmann::json;

json ListsJson(const intake::EmailLists& lists) {
  return {{"email_lists", {{"allowlist", lists.allowlist()}, {"blocklist", lists.blocklist()}}}};
}

}  // namespace

Result<intake::EmailLists> LoadEmailLists(store::Tx& tx) {
  auto stored = tx.GetSetting(intake::kEmailListsSetting);
  if (!stored.ok()) {
    if (stored.status().kind() == ErrorKind::kNotFound) return intake::EmailLists();
    return stored.status();
  }
  auto lists = intake::EmailLists::FromJson(*stored);
  // What we stored was valid when stored; a damaged value is ours to report.
  if (!lists.ok()) return Status::Permanent("stored email lists: " + lists.status().message());
  return lists;
}

void RegisterEmailListsApi(http::Router& router, store::Store& store,
                           EmailListsApiOptions options) {
  auto o = std::make_shared<EmailListsApiOptions>(std::move(options));
  store::Store* st = &store;

  router.Get("/api/v2/email_lists", [st](const http::Request&) {
    intake::EmailLists lists;
    Status s = st->Read([&](store::Tx& tx) -> Status {
      auto loaded = LoadEmailLists(tx);
      if (!loaded.ok()) return loaded.status();
      lists = std::move(loaded).value();
      return Status::Ok();
    });
    if (!s.ok()) return StoreError(s);
    return http::JsonResponse(200, ListsJson(lists));
  }, http::kAdminOnly);

  router.Add("PUT", "/api/v2/email_lists", [st, o](const http::Request& req) {
    http::Response error;
    auto body = ParseJsonBody(req, error, "email_lists");
    if (!body) return error;
    const json& in = *body;
    for (const char* field : {"allowlist", "blocklist"}) {
      if (in.contains(field) && !in[field].is_string() && !in[field].is_null()) {
        return http::ErrorResponse(
            422, "RecordInvalid",
            std::string("email_lists.") + field + ": must be a string of space-separated entries");
      }
    }
    intake::EmailLists saved;
    std::string invalid;
    Status s = st->Write([&](store::Tx& tx) -> Status {
      auto current = LoadEmailLists(tx);
      if (!current.ok()) return current.status();
      auto field = [&](const char* name, const std::string& keep) {
        return in.contains(name)
                   ? (in[name].is_null() ? std::string() : in[name].get<std::string>())
                   : keep;
      };
      auto parsed = intake::EmailLists::Parse(field("allowlist", current->allowlist()),
                                              field("blocklist", current->blocklist()));
      if (!parsed.ok()) {
        invalid = "email_lists." + parsed.status().message();
        return Status::Invalid(invalid);
      }
      if (Status w = tx.SetSetting(intake::kEmailListsSetting, parsed->ToJson()); !w.ok()) return w;
      saved = std::move(parsed).value();
      return Status::Ok();
    });
    if (!invalid.empty()) return http::ErrorResponse(422, "RecordInvalid", invalid);
    if (!s.ok()) return StoreError(s);
    if (o->on_change) o->on_change(saved);
    return http::JsonResponse(200, ListsJson(saved));
  }, http::kAdminOnly);
}

}  // namespace postdesk::api
