// api/uploads_api: files for an agent's reply, as Zendesk's API takes them.
//   POST   /api/v2/uploads?filename=NAME   the raw bytes as the body, their
//          type in Content-Type -> 201 {"upload": {"token", "expires_at",
//          "attachment": {...}}}
//   DELETE /api/v2/uploads/{token}         -> 204
// A comment then names the tokens ({"comment": {"uploads": [TOKEN]}}) and
// takes the files as its attachments; a token works once, for a day.
// Input trust: names and types are untrusted; they are made safe where they
// reach a header (api/present, outbound/compose), bytes are stored as given.
// Thread-safety: handlers may run concurrently; the store outlives the router.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "common/status.h"
#include "http/router.h"
#include "store/store.h"

namespace postdesk::api {

inline constexpr int64_t kUploadLifetimeSeconds = 24 * 3600;

void RegisterUploadsApi(http::Router& router, store::Store& store, std::string base_url);

// The uploads a comment names (comment.uploads). Invalid, with a message
// naming the field, when the list is malformed or a token is unknown.
Result<std::vector<store::Upload>> UploadsOf(store::Tx& tx, const nlohmann::json& comment,
                                             int64_t now);
// Makes each upload an attachment of `comment` (appended to its
// attachments) and spends the tokens.
Status AttachUploads(store::Tx& tx, store::Comment& comment,
                     const std::vector<store::Upload>& uploads);

}  // namespace postdesk::api
