// api/respond: how a handler answers. A read runs in one read transaction, a
// write in one write transaction; a client error (422 by default, or the
// status it sets) becomes Zendesk's error JSON, a store failure its 4xx/5xx,
// else the JSON the handler built.
// Thread-safety: stateless.
#pragma once

#include <ctime>
#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "api/present.h"
#include "http/router.h"
#include "store/store.h"

namespace postdesk::api {

// A failure inside a write transaction that is the client's fault.
struct ClientError {
  int status = 422;
  std::string code = "RecordInvalid";
  std::string description;
};

// A store refusal that names the client's mistake (Invalid: a duplicate
// name, a domain of another organization...) becomes the ClientError; any
// other failure stays a failure.
inline Status ClientFailure(const Status& s, ClientError& err) {
  if (s.ok() || s.kind() != ErrorKind::kInvalid) return s;
  err.description = s.message();
  return Status::Ok();
}

inline http::Response Unprocessable(std::string_view description) {
  return http::ErrorResponse(422, "RecordInvalid", description);
}

// Runs `fn` in one write transaction; a ClientError set by fn becomes its
// response (and rolls the transaction back), a store failure the matching
// 4xx/5xx.
inline http::Response WriteJson(
    store::Store& store, int ok_status,
    const std::function<Status(store::Tx&, nlohmann::json&, ClientError&)>& fn) {
  nlohmann::json out;
  ClientError client;
  Status s = store.Write([&](store::Tx& tx) {
    Status r = fn(tx, out, client);
    if (r.ok() && !client.description.empty()) return Status::Invalid("client error");
    return r;
  });
  if (!client.description.empty()) {
    return http::ErrorResponse(client.status, client.code, client.description);
  }
  if (!s.ok()) return StoreError(s);
  return http::JsonResponse(ok_status, out);
}

inline http::Response ReadJson(store::Store& store,
                               const std::function<Status(store::Tx&, nlohmann::json&)>& fn) {
  nlohmann::json out;
  Status s = store.Read([&](store::Tx& tx) { return fn(tx, out); });
  if (!s.ok()) return StoreError(s);
  return http::JsonResponse(200, out);
}

// 204, no body (a DELETE done).
inline http::Response NoContent() {
  http::Response r;
  r.status = 204;
  r.content_type.clear();
  return r;
}

inline int64_t Now() { return static_cast<int64_t>(std::time(nullptr)); }

}  // namespace postdesk::api
