#include "api/read_api.h"

#include <spdlog/spdlog.h>

#include <map>
#include <unordered_map>

#include "api/auth.h"
#include "api/present.h"
#include "api/suspended_api.h"
#include "common/ids.h"
#include "common/strings.h"

namespace postdesk::api {

using nlohmann::json;

namespace {

// Loads each user once per request. A missing user is shown as null
// fields; any other failure is kept and ends the request.
class UserCache {
 public:
  explicit UserCache(store::Tx& tx) : tx_(tx) {}
  const store::User* Get(int64_t id) {
    auto it = users_.find(id);
    if (it != users_.end()) return it->second ? &*it->second : nullptr;
    auto user = tx_.GetUser(id);
    if (user.ok()) {
      auto& slot = users_[id];
      slot = std::move(user).value();
      return &*slot;
    }
    if (user.status().kind() != ErrorKind::kNotFound && status_.ok()) status_ = user.status();
    users_[id] = std::nullopt;
    return nullptr;
  }
  const Status& status() const { return status_; }

 private:
  store::Tx& tx_;
  std::unordered_map<int64_t, std::optional<store::User>> users_;
  Status status_;
};

// Comment id -> audit id, from the audits' "Comment" events.
std::map<int64_t, int64_t> CommentAudits(const std::vector<store::Audit>& audits) {
  std::map<int64_t, int64_t> out;
  for (const auto& audit : audits) {
    json events = json::parse(audit.events_json, nullptr, false);
    if (!events.is_array()) continue;
    for (const auto& e : events) {
      if (!e.is_object()) continue;
      auto type = e.find("type");
      auto id = e.find("id");
      if (type != e.end() && *type == "Comment" && id != e.end() && id->is_number_integer()) {
        out.emplace(id->get<int64_t>(), audit.id);
      }
    }
  }
  return out;
}

// Runs `fn` in a read transaction and turns its outcome into a response.
http::Response ReadJson(store::Store& store, const std::function<Status(store::Tx&, json&)>& fn) {
  json out;
  Status s = store.Read([&](store::Tx& tx) { return fn(tx, out); });
  if (!s.ok()) return StoreError(s);
  return http::JsonResponse(200, out);
}

template <typename T>
std::vector<T> Slice(std::vector<T>& all, const Page& page) {
  std::vector<T> out;
  if (page.offset() >= static_cast<int64_t>(all.size())) return out;
  auto begin = all.begin() + page.offset();
  auto end = all.size() - page.offset() > static_cast<size_t>(page.per_page) ? begin + page.per_page
                                                                             : all.end();
  out.assign(std::make_move_iterator(begin), std::make_move_iterator(end));
  return out;
}

}  // namespace

void RegisterReadApi(http::Router& router, store::Store& store, ApiOptions options) {
  if (!router.has_auth_hook()) router.SetAuthHook(MakeAuthHook(store));
  const std::string fallback = options.base_url;
  store::Store* st = &store;

  router.Get("/api/v2/tickets", [st, fallback](const http::Request& req) {
    Page page;
    if (auto bad = ParsePage(req, page)) return std::move(*bad);
    std::string base = BaseUrl(req, fallback);
    return ReadJson(*st, [&](store::Tx& tx, json& out) -> Status {
      auto count = tx.CountTickets();
      if (!count.ok()) return count.status();
      auto tickets = tx.ListTickets(page.offset(), page.per_page);
      if (!tickets.ok()) return tickets.status();
      auto fields = tickets::ListTicketFields(tx);
      if (!fields.ok()) return fields.status();
      UserCache users(tx);
      json list = json::array();
      for (const auto& t : *tickets) {
        list.push_back(TicketJson(t, base, users.Get(t.requester_id), &*fields));
      }
      if (!users.status().ok()) return users.status();
      out["tickets"] = std::move(list);
      AddPageLinks(out, base, "/api/v2/tickets", page, *count);
      return Status::Ok();
    });
  });

  router.Get("/api/v2/tickets/{id}", [st, fallback](const http::Request& req) {
    auto id = ParseId(req.Param("id"));
    if (!id) return BadId("ticket", req.Param("id"));
    std::string base = BaseUrl(req, fallback);
    return ReadJson(*st, [&](store::Tx& tx, json& out) -> Status {
      auto t = tx.GetTicket(*id);
      if (!t.ok()) return t.status();
      auto fields = tickets::ListTicketFields(tx);
      if (!fields.ok()) return fields.status();
      UserCache users(tx);
      out["ticket"] = TicketJson(*t, base, users.Get(t->requester_id), &*fields);
      return users.status();
    });
  });

  router.Get("/api/v2/tickets/{id}/comments", [st, fallback](const http::Request& req) {
    auto id = ParseId(req.Param("id"));
    if (!id) return BadId("ticket", req.Param("id"));
    Page page;
    if (auto bad = ParsePage(req, page)) return std::move(*bad);
    std::string base = BaseUrl(req, fallback);
    return ReadJson(*st, [&](store::Tx& tx, json& out) -> Status {
      auto t = tx.GetTicket(*id);
      if (!t.ok()) return t.status();
      auto comments = tx.ListComments(*id);
      if (!comments.ok()) return comments.status();
      auto audits = tx.ListAudits(*id);
      if (!audits.ok()) return audits.status();
      auto audit_of = CommentAudits(*audits);
      int64_t count = static_cast<int64_t>(comments->size());
      UserCache users(tx);
      json list = json::array();
      for (const auto& c : Slice(*comments, page)) {
        auto a = audit_of.find(c.id);
        std::optional<int64_t> audit_id;
        if (a != audit_of.end()) audit_id = a->second;
        list.push_back(CommentJson(c, base, users.Get(c.author_id), t->recipient, audit_id));
      }
      if (!users.status().ok()) return users.status();
      out["comments"] = std::move(list);
      AddPageLinks(out, base, "/api/v2/tickets/" + std::to_string(*id) + "/comments", page, count);
      return Status::Ok();
    });
  });

  router.Get("/api/v2/tickets/{id}/comments/{comment_id}/raw",
             [st](const http::Request& req) -> http::Response {
               auto id = ParseId(req.Param("id"));
               if (!id) return BadId("ticket", req.Param("id"));
               auto comment_id = ParseId(req.Param("comment_id"));
               if (!comment_id) return BadId("comment", req.Param("comment_id"));
               std::string bytes;
               bool no_email = false;
               Status s = st->Read([&](store::Tx& tx) -> Status {
                 auto c = tx.GetComment(*comment_id);
                 if (!c.ok()) return c.status();
                 if (c->ticket_id != *id) return Status::NotFound("comment not on this ticket");
                 if (!c->raw_message_id) {
                   no_email = true;
                   return Status::Ok();
                 }
                 auto raw = tx.GetRawMessage(*c->raw_message_id);
                 if (!raw.ok()) return raw.status();
                 bytes = std::move(raw->bytes);
                 return Status::Ok();
               });
               if (!s.ok()) return StoreError(s);
               if (no_email) {
                 return http::ErrorResponse(404, "RecordNotFound",
                                            "This comment was not made from an email, so "
                                            "there is no raw message to download.");
               }
               http::Response r;
               r.content_type = "message/rfc822";
               r.body = std::move(bytes);
               r.AddHeader("Content-Disposition", "attachment; filename=\"comment-" +
                                                      std::to_string(*comment_id) + ".eml\"");
               return r;
             });

  // The exact email we sent (what a notification event points to).
  router.Get("/api/v2/outbound_messages/{id}/raw",
             [st](const http::Request& req) -> http::Response {
               auto id = ParseId(req.Param("id"));
               if (!id) return BadId("outbound message", req.Param("id"));
               std::string bytes;
               Status s = st->Read([&](store::Tx& tx) -> Status {
                 auto m = tx.GetOutboundMessage(*id);
                 if (!m.ok()) return m.status();
                 bytes = std::move(m->bytes);
                 return Status::Ok();
               });
               if (!s.ok()) return StoreError(s);
               http::Response r;
               r.content_type = "message/rfc822";
               r.body = std::move(bytes);
               r.AddHeader("Content-Disposition", "inline; filename=\"sent-" +
                                                      std::to_string(*id) + ".eml\"");
               return r;
             });

  router.Get("/api/v2/tickets/{id}/audits", [st, fallback](const http::Request& req) {
    auto id = ParseId(req.Param("id"));
    if (!id) return BadId("ticket", req.Param("id"));
    Page page;
    if (auto bad = ParsePage(req, page)) return std::move(*bad);
    std::string base = BaseUrl(req, fallback);
    return ReadJson(*st, [&](store::Tx& tx, json& out) -> Status {
      auto t = tx.GetTicket(*id);
      if (!t.ok()) return t.status();
      auto audits = tx.ListAudits(*id);
      if (!audits.ok()) return audits.status();
      int64_t count = static_cast<int64_t>(audits->size());
      UserCache users(tx);
      json list = json::array();
      for (const auto& a : Slice(*audits, page)) {
        list.push_back(AuditJson(a, base, users.Get(a.author_id), t->recipient));
      }
      if (!users.status().ok()) return users.status();
      out["audits"] = std::move(list);
      AddPageLinks(out, base, "/api/v2/tickets/" + std::to_string(*id) + "/audits", page, count);
      return Status::Ok();
    });
  });

  router.Get("/api/v2/users/me", [st, fallback](const http::Request& req) {
    std::string base = BaseUrl(req, fallback);
    int64_t id = req.user ? req.user->id : 0;
    return ReadJson(*st, [&](store::Tx& tx, json& out) -> Status {
      auto u = tx.GetUser(id);
      if (!u.ok()) return u.status();
      out["user"] = UserJson(*u, base);
      return Status::Ok();
    });
  });

  router.Get("/api/v2/users/{id}", [st, fallback](const http::Request& req) {
    auto id = ParseId(req.Param("id"));
    if (!id) return BadId("user", req.Param("id"));
    std::string base = BaseUrl(req, fallback);
    return ReadJson(*st, [&](store::Tx& tx, json& out) -> Status {
      auto u = tx.GetUser(*id);
      if (!u.ok()) return u.status();
      out["user"] = UserJson(*u, base);
      return Status::Ok();
    });
  });

  // Suspended tickets (list with sorting, filters and cursors; show): api/suspended_api.
  RegisterSuspendedReadApi(router, store, fallback);

  router.Get("/api/v2/attachments/{id}", [st, fallback](const http::Request& req) {
    auto id = ParseId(req.Param("id"));
    if (!id) return BadId("attachment", req.Param("id"));
    std::string base = BaseUrl(req, fallback);
    return ReadJson(*st, [&](store::Tx& tx, json& out) -> Status {
      auto a = tx.GetAttachment(*id);
      if (!a.ok()) return a.status();
      out["attachment"] = AttachmentJson(*a, base);
      return Status::Ok();
    });
  });

  // The bytes behind "content_url". The name in the path is only for the
  // reader's benefit; the stored name and type are what we send.
  auto serve_bytes = [st](const http::Request& req) -> http::Response {
    auto id = ParseId(req.Param("id"));
    if (!id) return BadId("attachment", req.Param("id"));
    store::AttachmentMeta meta;
    std::string bytes;
    Status s = st->Read([&](store::Tx& tx) -> Status {
      auto a = tx.GetAttachment(*id);
      if (!a.ok()) return a.status();
      meta = std::move(a).value();
      auto blob = tx.GetBlob(meta.sha256);
      if (!blob.ok()) return blob.status();
      bytes = std::move(blob).value();
      return Status::Ok();
    });
    if (!s.ok()) return StoreError(s);
    http::Response r;
    r.content_type = SafeContentType(meta.content_type);
    r.body = std::move(bytes);
    r.AddHeader("Content-Disposition", ContentDisposition(meta.file_name));
    return r;
  };
  http::RouteOptions raw_path{.requires_auth = true, .json_suffix = false};
  router.Get("/attachments/{id}/{file_name}", serve_bytes, raw_path);
  router.Get("/attachments/{id}", serve_bytes, raw_path);
}

}  // namespace postdesk::api
