// Fuzz target: the HTTP router (path matching, parameters, percent-decoding)
// and query parsing, and the one reader of JSON request bodies (its nesting
// limit runs before the parser). Input: "METHOD PATH?QUERY\nBODY".
#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>

#include "api/present.h"
#include "http/router.h"

namespace {

postdesk::http::Router& TheRouter() {
  static postdesk::http::Router* router = [] {
    auto* r = new postdesk::http::Router();
    auto ok = [](const postdesk::http::Request& req) {
      return postdesk::http::JsonResponse(200, {{"id", req.Param("id")}});
    };
    r->Get("/api/v2/tickets/{id}", ok);
    r->Get("/api/v2/tickets/{id}/comments", ok);
    r->Get("/api/v2/users/me", ok);
    r->Get("/api/v2/users/{id}", ok);
    r->Add("PUT", "/api/v2/dkim_keys/{domain}/{selector}/enable", ok);
    r->Get("/api/v2/doctor/address/{id}", ok);
    return r;
  }();
  return *router;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  size_t nl = in.find('\n');
  std::string_view head = in.substr(0, nl);
  std::string_view body = nl == std::string_view::npos ? std::string_view() : in.substr(nl + 1);
  size_t sp = head.find(' ');
  postdesk::http::Request req;
  req.method = std::string(head.substr(0, sp));
  req.target = sp == std::string_view::npos ? "/" : std::string(head.substr(sp + 1));
  size_t q = req.target.find('?');
  auto path = postdesk::http::UrlDecode(std::string_view(req.target).substr(0, q), false);
  if (path) req.path = *path;
  if (q != std::string::npos) {
    (void)postdesk::http::ParseQuery(std::string_view(req.target).substr(q + 1), req.query);
  }
  req.body = std::string(body);
  (void)TheRouter().Dispatch(req);
  postdesk::http::Response error;
  (void)postdesk::api::ParseJsonBody(req, error, "ticket");
  return 0;
}
