#include "api/uploads_api.h"

#include <algorithm>
#include <ctime>

#include "api/present.h"
#include "common/clock.h"
#include "common/ids.h"
#include "common/strings.h"

namespace postdesk::api {

using nlohmann::json;

namespace {

int64_t Now() { return static_cast<int64_t>(std::time(nullptr)); }

http::Response Upload(store::Store& st, const std::string& fallback, const http::Request& req) {
  std::string name = SanitizeUtf8(Trim(req.Query("filename")));
  if (name.empty() || name.size() > 255) {
    return http::ErrorResponse(400, "InvalidValue",
                               "give the file's name as ?filename=NAME (at most 255 bytes)");
  }
  if (req.body.empty()) return http::ErrorResponse(400, "InvalidValue", "the file is empty");
  std::string type(Trim(req.Header("content-type")));
  if (type.empty() || type.size() > 200) type = "application/octet-stream";
  std::string token = NewToken();
  store::Upload upload{.token_sha256 = Sha256Hex(token),
                       .user_id = req.user ? req.user->id : 0,
                       .file_name = name,
                       .content_type = type,
                       .created_at = Now()};
  Status s = st.Write([&](store::Tx& tx) -> Status {
    // Uploads nobody used expire here (every upload sweeps).
    if (auto old = tx.DeleteUploadsBefore(upload.created_at - kUploadLifetimeSeconds); !old.ok()) {
      return old.status();
    }
    auto added = tx.AddUpload(upload, req.body);
    if (!added.ok()) return added.status();
    upload = std::move(added).value();
    return Status::Ok();
  });
  if (!s.ok()) return StoreError(s);
  std::string base = BaseUrl(req, fallback);
  json attachment = {{"file_name", upload.file_name},
                     {"content_type", SafeContentType(upload.content_type)},
                     {"size", upload.size}};
  return http::JsonResponse(
      201, {{"upload",
             {{"token", token},
              {"expires_at", FormatIsoTime(upload.created_at + kUploadLifetimeSeconds)},
              {"attachment", attachment},
              {"attachments", json::array({attachment})}}}});
}

http::Response Discard(store::Store& st, const http::Request& req) {
  std::string key = Sha256Hex(req.Param("token"));
  Status s = st.Write([&](store::Tx& tx) { return tx.DeleteUpload(key); });
  if (!s.ok()) return StoreError(s);
  http::Response r;
  r.status = 204;
  r.content_type.clear();
  return r;
}

}  // namespace

Result<std::vector<store::Upload>> UploadsOf(store::Tx& tx, const json& comment, int64_t now) {
  std::vector<store::Upload> out;
  auto list = comment.find("uploads");
  if (list == comment.end() || list->is_null()) return out;
  if (!list->is_array() || list->size() > 20) {
    return Status::Invalid("ticket.comment.uploads: a list of at most 20 upload tokens");
  }
  for (const auto& token : *list) {
    if (!token.is_string() || token.get<std::string>().empty()) {
      return Status::Invalid("ticket.comment.uploads: each entry is a token string");
    }
    std::string key = Sha256Hex(token.get<std::string>());
    if (std::any_of(out.begin(), out.end(),
                    [&](const store::Upload& u) { return u.token_sha256 == key; })) {
      return Status::Invalid("ticket.comment.uploads: a token is listed twice");
    }
    auto upload = tx.GetUpload(key);
    if (!upload.ok()) {
      if (upload.status().kind() != ErrorKind::kNotFound) return upload.status();
      return Status::Invalid("ticket.comment.uploads: unknown or used upload token");
    }
    if (upload->created_at < now - kUploadLifetimeSeconds) {
      return Status::Invalid("ticket.comment.uploads: an upload expired; upload the file again");
    }
    out.push_back(std::move(upload).value());
  }
  return out;
}

Status AttachUploads(store::Tx& tx, store::Comment& comment,
                     const std::vector<store::Upload>& uploads) {
  for (const auto& u : uploads) {
    auto bytes = tx.GetBlob(u.sha256);
    if (!bytes.ok()) return bytes.status();
    store::AttachmentMeta meta;
    meta.comment_id = comment.id;
    meta.file_name = u.file_name;
    meta.content_type = u.content_type;
    auto added = tx.AddAttachment(meta, *bytes);
    if (!added.ok()) return added.status();
    comment.attachments.push_back(std::move(added).value());
    if (Status d = tx.DeleteUpload(u.token_sha256); !d.ok()) return d;
  }
  return Status::Ok();
}

void RegisterUploadsApi(http::Router& router, store::Store& store, std::string base_url) {
  store::Store* st = &store;
  router.Add("POST", "/api/v2/uploads", [st, base_url](const http::Request& req) {
    return Upload(*st, base_url, req);
  });
  router.Add("DELETE", "/api/v2/uploads/{token}",
             [st](const http::Request& req) { return Discard(*st, req); });
}

}  // namespace postdesk::api
