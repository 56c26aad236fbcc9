#include "api/write_api.h"

#include <algorithm>
#include <ctime>
#include <set>

#include <nlohmann/json.hpp>

#include "accounts/sessions.h"
#include "api/present.h"
#include "api/uploads_api.h"
#include "tickets/ticket_fields.h"
#include "api/respond.h"
#include "common/ids.h"
#include "common/strings.h"
#include "mime/message.h"
#include "outbound/compose.h"
#include "outbound/delivery_state.h"
#include "rules/defaults.h"
#include "rules/engine.h"
#include "spam/filter.h"

namespace postdesk::api {
namespace {

using nlohmann::json;

const std::set<std::string>& Statuses() {
  static const std::set<std::string> s = {"new", "open", "pending", "hold", "solved", "closed"};
  return s;
}
const std::set<std::string>& Priorities() {
  static const std::set<std::string> s = {"", "low", "normal", "high", "urgent"};
  return s;
}
const std::set<std::string>& Types() {
  static const std::set<std::string> s = {"", "question", "incident", "problem", "task"};
  return s;
}

// Finds or creates the end user for an email, refusing support addresses.
Result<store::User> UserForEmail(store::Tx& tx, const std::string& email, const std::string& name,
                                 const WriteApiOptions& o, ClientError& err) {
  std::string e = NormalizeEmail(email);
  if (!outbound::IsSafeAddress(e)) {
    err.description = "\"" + email + "\" is not a valid email address";
    return Status::Invalid(err.description);
  }
  // support+anything@domain reaches support@domain, so it is a support address too.
  std::string untagged = e;
  if (size_t at = e.rfind('@'), plus = e.find('+'); plus != std::string::npos && plus < at) {
    untagged = e.substr(0, plus) + e.substr(at);
  }
  for (const auto& s : o.support_addresses) {
    if (NormalizeEmail(s) == e || NormalizeEmail(s) == untagged) {
      err.description = e + " is a support address of this help desk and cannot be a user's email";
      return Status::Invalid(err.description);
    }
  }
  // The support addresses added through the API (recipient_addresses).
  if (auto ours = tx.FindRecipientAddressByEmail(untagged); ours.ok()) {
    err.description = e + " is a support address of this help desk and cannot be a user's email";
    return Status::Invalid(err.description);
  } else if (ours.status().kind() != ErrorKind::kNotFound) {
    return ours.status();
  }
  auto found = tx.FindUserByEmail(e);
  if (found.ok() || found.status().kind() != ErrorKind::kNotFound) return found;
  store::User u;
  u.email = e;
  u.name = name.empty() ? std::string(EmailLocalPart(e)) : name;
  u.role = Role::kEndUser;
  u.created_at = u.updated_at = Now();
  return tx.CreateUser(u);
}

// Applies the writable ticket fields of `in` to `t`, appending Change events.
// `creating` turns them into Create events.
Status ApplyFields(store::Tx& tx, const json& in, store::Ticket& t, json& events, bool creating,
                   const WriteApiOptions& o, ClientError& err) {
  const std::string status_before = t.status;
  auto change = [&](const std::string& field, const json& value, const json& previous) {
    if (creating) {
      events.push_back({{"type", "Create"}, {"field_name", field}, {"value", value}});
    } else if (value != previous) {
      events.push_back(
          {{"type", "Change"}, {"field_name", field}, {"value", value}, {"previous_value", previous}});
    }
  };
  auto string_field = [&](const char* name, std::string& slot,
                          const std::set<std::string>& allowed) -> bool {
    if (!in.contains(name)) return true;
    const json& v = in[name];
    std::string value = v.is_null() ? "" : v.is_string() ? ToLower(v.get<std::string>()) : "\x01";
    if (!allowed.count(value)) {
      err.description = std::string("ticket.") + name + ": \"" +
                        (v.is_string() ? v.get<std::string>() : v.dump()) + "\" is not one of the allowed values";
      return false;
    }
    change(name, value, slot);
    slot = value;
    return true;
  };
  if (!string_field("status", t.status, Statuses()) || !string_field("priority", t.priority, Priorities()) ||
      !string_field("type", t.type, Types())) {
    return Status::Invalid(err.description);
  }
  if (t.status.empty()) {
    err.description = "ticket.status: must not be empty";
    return Status::Invalid(err.description);
  }
  if (in.contains("subject")) {
    if (!in["subject"].is_string() || Trim(in["subject"].get<std::string>()).empty()) {
      err.description = "ticket.subject: must be a non-empty string";
      return Status::Invalid(err.description);
    }
    std::string subject = SanitizeUtf8(in["subject"].get<std::string>());
    change("subject", subject, t.subject);
    t.subject = subject;
  }
  if (in.contains("assignee_id")) {
    std::optional<int64_t> assignee;
    if (!in["assignee_id"].is_null()) {
      assignee = JsonId(in["assignee_id"]);
      auto user = assignee ? tx.GetUser(*assignee) : Result<store::User>(Status::NotFound(""));
      if (!user.ok() || !store::IsActiveStaff(*user)) {
        err.description = "ticket.assignee_id: " + in["assignee_id"].dump() + " is not an agent";
        return Status::Invalid(err.description);
      }
    }
    change("assignee_id", assignee ? json(*assignee) : json(nullptr),
           t.assignee_id ? json(*t.assignee_id) : json(nullptr));
    t.assignee_id = assignee;
  }
  std::optional<int64_t> group = t.group_id;
  if (in.contains("group_id")) {
    group.reset();
    if (!in["group_id"].is_null()) {
      group = JsonId(in["group_id"]);
      auto g = group ? tx.GetGroup(*group) : Result<store::Group>(Status::NotFound(""));
      if (!g.ok() && g.status().kind() != ErrorKind::kNotFound) return g.status();
      if (!g.ok() || g->deleted) {
        err.description = "ticket.group_id: " + in["group_id"].dump() + " is not a group";
        return Status::Invalid(err.description);
      }
    }
  }
  if (t.assignee_id && (!group || in.contains("assignee_id"))) {
    // As Zendesk: an agent and a group named together must match; an agent
    // assigned alone, outside the ticket's group (or with none), brings
    // their default group. An agent of no group takes any.
    auto memberships = tx.ListGroupMemberships(*t.assignee_id, std::nullopt);
    if (!memberships.ok()) return memberships.status();
    const bool in_group =
        group && std::any_of(memberships->begin(), memberships->end(),
                             [&](const store::GroupMembership& m) { return m.group_id == *group; });
    if (!memberships->empty() && !in_group) {
      if (in.contains("group_id") && group) {
        err.description = "ticket.assignee_id: agent " + std::to_string(*t.assignee_id) +
                          " is not a member of group " + std::to_string(*group);
        return Status::Invalid(err.description);
      }
      for (const auto& m : *memberships) {
        if (m.is_default) group = m.group_id;
      }
    }
  }
  if (group != t.group_id || (creating && group)) {
    change("group_id", group ? json(*group) : json(nullptr), t.group_id ? json(*t.group_id) : json(nullptr));
    t.group_id = group;
  }
  std::vector<int64_t> ccs = t.collaborator_ids;
  if (in.contains("collaborator_ids")) {
    if (!in["collaborator_ids"].is_array()) {
      err.description = "ticket.collaborator_ids: must be an array of user ids";
      return Status::Invalid(err.description);
    }
    ccs.clear();
    for (const auto& v : in["collaborator_ids"]) {
      auto id = JsonId(v);
      if (!id || !tx.GetUser(*id).ok()) {
        err.description = "ticket.collaborator_ids: " + v.dump() + " is not a user";
        return Status::Invalid(err.description);
      }
      ccs.push_back(*id);
    }
  }
  if (in.contains("email_ccs")) {
    if (!in["email_ccs"].is_array()) {
      err.description = "ticket.email_ccs: must be an array of {user_email, action}";
      return Status::Invalid(err.description);
    }
    for (const auto& cc : in["email_ccs"]) {
      if (!cc.is_object() || !cc.contains("user_email") || !cc["user_email"].is_string()) {
        err.description = "ticket.email_ccs: each entry needs a user_email string";
        return Status::Invalid(err.description);
      }
      auto user = UserForEmail(tx, cc["user_email"].get<std::string>(),
                               cc.value("user_name", std::string()), o, err);
      if (!user.ok()) return user.status();
      bool remove = cc.value("action", std::string("put")) == "delete";
      auto it = std::find(ccs.begin(), ccs.end(), user->id);
      if (remove && it != ccs.end()) ccs.erase(it);
      if (!remove && it == ccs.end()) ccs.push_back(user->id);
    }
  }
  ccs.erase(std::remove(ccs.begin(), ccs.end(), t.requester_id), ccs.end());
  if (ccs != t.collaborator_ids || creating) {
    if (!ccs.empty() || !creating) change("collaborator_ids", ccs, t.collaborator_ids);
    t.collaborator_ids = ccs;
  }
  auto tag_list = [&](const char* name) -> std::optional<std::vector<std::string>> {
    if (!in.contains(name)) return std::nullopt;
    std::vector<std::string> out;
    if (in[name].is_array()) {
      for (const auto& v : in[name]) {
        if (v.is_string()) out.push_back(ToLower(Trim(v.get<std::string>())));
      }
    }
    return out;
  };
  std::vector<std::string> tags = t.tags;
  if (auto set = tag_list("tags")) tags = *set;
  if (auto add = tag_list("additional_tags")) {
    for (auto& tag : *add) {
      if (std::find(tags.begin(), tags.end(), tag) == tags.end()) tags.push_back(tag);
    }
  }
  if (auto rm = tag_list("remove_tags")) {
    for (auto& tag : *rm) tags.erase(std::remove(tags.begin(), tags.end(), tag), tags.end());
  }
  const char* fields_key = in.contains("custom_fields") ? "custom_fields"
                           : in.contains("fields")      ? "fields"
                                                        : nullptr;
  const bool solving =
      (t.status == "solved" || t.status == "closed") && (creating || t.status != status_before);
  if (fields_key || solving) {
    auto fields = tickets::ListTicketFields(tx);
    if (!fields.ok()) return fields.status();
    if (fields_key) {
      store::Ticket changed = t;
      changed.tags = tags;
      if (Status s = tickets::ApplyCustomFields(in[fields_key], *fields, changed); !s.ok()) {
        err.description = "ticket." + s.message();
        return Status::Invalid(err.description);
      }
      for (const tickets::TicketField& f : *fields) {
        auto value_in = [&](const store::Ticket& x) {
          auto it = x.field_values.find(f.id);
          return tickets::FieldValueJson(f, it == x.field_values.end() ? "" : it->second);
        };
        if (f.IsSystem()) continue;
        json now_value = value_in(changed), was = value_in(t);
        if (now_value != was || (creating && changed.field_values.count(f.id))) {
          change("custom_fields_" + std::to_string(f.id), now_value, was);
        }
      }
      t.field_values = std::move(changed.field_values);
      tags = std::move(changed.tags);
    }
    if (solving) {
      auto missing = tickets::MissingRequiredFields(*fields, t);
      if (!missing.empty()) {
        std::string names;
        for (const auto& m : missing) names += (names.empty() ? "" : ", ") + m;
        err.description = "ticket.status: a " + t.status + " ticket needs its required fields: " + names;
        return Status::Invalid(err.description);
      }
    }
  }
  if (tags != t.tags) {
    change("tags", tags, t.tags);
    t.tags = tags;
  }
  return Status::Ok();
}

// The comment of a create/update request, if any.
Result<std::optional<store::Comment>> ParseComment(const json& in, int64_t author_id,
                                                   ClientError& err) {
  if (!in.contains("comment")) return std::optional<store::Comment>();
  const json& c = in["comment"];
  if (!c.is_object()) {
    err.description = "ticket.comment: must be an object with body or html_body";
    return Status::Invalid(err.description);
  }
  store::Comment comment;
  comment.author_id = author_id;
  if (c.contains("body") && c["body"].is_string()) comment.body = SanitizeUtf8(c["body"].get<std::string>());
  if (c.contains("html_body") && c["html_body"].is_string()) {
    comment.html_body = SanitizeUtf8(c["html_body"].get<std::string>());
    if (Trim(comment.body).empty()) comment.body = mime::HtmlToText(comment.html_body);
  }
  if (Trim(comment.body).empty()) {
    err.description = "ticket.comment: body or html_body must hold some text";
    return Status::Invalid(err.description);
  }
  if (c.contains("public")) {
    if (!c["public"].is_boolean()) {
      err.description = "ticket.comment.public: must be true or false";
      return Status::Invalid(err.description);
    }
    comment.is_public = c["public"].get<bool>();
  }
  return std::optional<store::Comment>(std::move(comment));
}

json CommentEvent(const store::Comment& c) {
  json files = json::array();
  for (const auto& a : c.attachments) {
    files.push_back({{"id", a.id}, {"file_name", a.file_name}, {"size", a.size}});
  }
  return {{"type", "Comment"},      {"id", c.id},         {"author_id", c.author_id},
          {"body", c.body},         {"html_body", c.html_body}, {"public", c.is_public},
          {"attachments", std::move(files)}};
}

// An admin changes `user`'s role or deactivates (suspends) it. Nobody
// changes their own access, and the last active admin stays one. A
// deactivated user's sessions end and its named API tokens are revoked.
Status ChangeAccess(store::Tx& tx, const http::AuthUser& actor, const json& in, store::User& user,
                    ClientError& err) {
  if (actor.role != Role::kAdmin) {
    err.status = 403;
    err.code = "Forbidden";
    err.description = "only an admin can change a user's role or deactivate a user";
    return Status::Ok();
  }
  if (actor.id == user.id) {
    err.description = "you cannot change your own role or deactivate yourself";
    return Status::Ok();
  }
  Role role = user.role;
  bool suspended = user.suspended;
  if (in.contains("role")) {
    std::optional<Role> parsed =
        in["role"].is_string() ? ParseRole(in["role"].get<std::string>()) : std::nullopt;
    if (!parsed) {
      err.description = "user.role: must be end-user, agent or admin";
      return Status::Ok();
    }
    role = *parsed;
  }
  if (in.contains("suspended")) {
    if (!in["suspended"].is_boolean()) {
      err.description = "user.suspended: must be true or false";
      return Status::Ok();
    }
    suspended = in["suspended"].get<bool>();
  }
  if (user.role == Role::kAdmin && !user.suspended && (role != Role::kAdmin || suspended)) {
    auto admins = tx.ListUsersByRole(Role::kAdmin);
    if (!admins.ok()) return admins.status();
    int64_t active = std::count_if(admins->begin(), admins->end(),
                                   [](const store::User& u) { return !u.suspended; });
    if (active <= 1) {
      err.description = "the desk needs at least one active admin";
      return Status::Ok();
    }
  }
  if (suspended && !user.suspended) {
    if (Status s = tx.DeleteUserSessions(user.id); !s.ok()) return s;
    if (Status s = tx.DeleteUserApiTokens(user.id); !s.ok()) return s;
  }
  if (!IsStaff(role) && IsStaff(user.role)) {
    // Only agents are in groups.
    auto memberships = tx.ListGroupMemberships(user.id, std::nullopt);
    if (!memberships.ok()) return memberships.status();
    for (const auto& m : *memberships) {
      if (Status s = tx.DeleteGroupMembership(m.id); !s.ok()) return s;
    }
  }
  user.role = role;
  user.suspended = suspended;
  return Status::Ok();
}

Result<json> DeliveriesJson(store::Tx& tx, int64_t ticket_id) {
  auto messages = tx.ListOutboundMessages(ticket_id);
  if (!messages.ok()) return messages.status();
  json list = json::array();
  for (const auto& m : *messages) {
    auto recipients = tx.ListOutboundRecipients(m.id);
    if (!recipients.ok()) return recipients.status();
    json rs = json::array();
    for (const auto& r : *recipients) {
      auto history = tx.ListDeliveryEvents(r.id);
      if (!history.ok()) return history.status();
      json hs = json::array();
      for (const auto& e : *history) {
        json h = {{"state", e.state}, {"created_at", FormatIsoTime(e.created_at)}};
        if (e.code) h["smtp_code"] = e.code;
        if (!e.status.empty()) h["status"] = e.status;
        if (!e.detail.empty()) h["detail"] = e.detail;
        if (!e.remote_host.empty()) h["remote_host"] = e.remote_host;
        hs.push_back(std::move(h));
      }
      json rj = {{"id", r.id},
                 {"address", r.address},
                 {"user_id", r.user_id ? json(*r.user_id) : json(nullptr)},
                 {"state", r.state},
                 {"attempts", r.attempts},
                 {"smtp_code", r.last_code ? json(r.last_code) : json(nullptr)},
                 {"status", r.last_status.empty() ? json(nullptr) : json(r.last_status)},
                 {"reply", r.last_reply.empty() ? json(nullptr) : json(r.last_reply)},
                 {"reason", r.reason.empty() ? json(nullptr) : json(r.reason)},
                 {"remote_host", r.remote_host.empty() ? json(nullptr) : json(r.remote_host)},
                 {"updated_at", FormatIsoTime(r.updated_at)},
                 {"history", std::move(hs)}};
      if (r.state == outbound::DeliveryStateName(outbound::DeliveryState::kDeferred)) rj["next_attempt_at"] = FormatIsoTime(r.next_attempt_at);
      rs.push_back(std::move(rj));
    }
    list.push_back({{"id", m.id},
                    {"message_id", m.message_id},
                    {"subject", m.subject},
                    {"audit_id", m.audit_id ? json(m.audit_id) : json(nullptr)},
                    {"trigger", m.trigger_id ? json{{"id", *m.trigger_id}, {"title", m.trigger_title}}
                                             : json(nullptr)},
                    {"created_at", FormatIsoTime(m.created_at)},
                    {"recipients", std::move(rs)}});
  }
  return list;
}

// Failed or bounced recipients of the ticket's mail, for the ticket view.
Result<json> DeliveryFailures(store::Tx& tx, int64_t ticket_id) {
  auto all = DeliveriesJson(tx, ticket_id);
  if (!all.ok()) return all.status();
  json failures = json::array();
  for (const auto& m : *all) {
    for (const auto& r : m["recipients"]) {
      if (r["state"] == "failed" || r["state"] == "bounced") {
        failures.push_back({{"address", r["address"]},
                            {"state", r["state"]},
                            {"reason", r["reason"]},
                            {"reply", r["reply"]},
                            {"status", r["status"]},
                            {"subject", m["subject"]},
                            {"message_id", m["message_id"]}});
      }
    }
  }
  return failures;
}

}  // namespace

void RegisterWriteApi(http::Router& router, store::Store& store, WriteApiOptions options) {
  auto o = std::make_shared<WriteApiOptions>(std::move(options));
  store::Store* st = &store;
  auto wake = [o] {
    if (o->on_mail_queued) o->on_mail_queued();
  };

  // ---- users ----
  router.Add("POST", "/api/v2/users", [st, o](const http::Request& req) {
    http::Response error;
    auto in = ParseJsonBody(req, error, "user");
    if (!in) return error;
    if (req.user->role != Role::kAdmin) {
      return http::ErrorResponse(403, "Forbidden", "only an admin can create users");
    }
    std::optional<Role> role = Role::kEndUser;
    if (in->contains("role")) {
      const json& r = (*in)["role"];
      role = r.is_string() ? ParseRole(r.get<std::string>()) : std::nullopt;
    }
    if (!role) return Unprocessable("user.role: must be end-user, agent or admin");
    if (!in->contains("email") || !(*in)["email"].is_string()) {
      return Unprocessable("user.email: required");
    }
    std::string base = BaseUrl(req, o->base_url);
    return WriteJson(*st, 201, [&](store::Tx& tx, json& out, ClientError& err) -> Status {
      std::string email = NormalizeEmail((*in)["email"].get<std::string>());
      if (tx.FindUserByEmail(email).ok()) {
        err.description = "user.email: " + email + " is already in use";
        return Status::Ok();
      }
      auto user = UserForEmail(tx, email, in->value("name", std::string()), *o, err);
      if (!user.ok()) return err.description.empty() ? user.status() : Status::Ok();
      user->role = *role;
      user->updated_at = Now();
      if (Status s = tx.UpdateUser(*user); !s.ok()) return s;
      out["user"] = UserJson(*user, base);
      return Status::Ok();
    });
  });

  // Name; our extension: an agent clears an undeliverable flag; an admin
  // changes an agent's role or deactivates one ("suspended", as Zendesk).
  router.Add("PUT", "/api/v2/users/{id}", [st, o](const http::Request& req) {
    auto id = ParseId(req.Param("id"));
    if (!id) return BadId("user", req.Param("id"));
    http::Response error;
    auto in = ParseJsonBody(req, error, "user");
    if (!in) return error;
    std::string base = BaseUrl(req, o->base_url);
    return WriteJson(*st, 200, [&](store::Tx& tx, json& out, ClientError& err) -> Status {
      auto user = tx.GetUser(*id);
      if (!user.ok()) return user.status();
      if (in->contains("name")) {
        if (!(*in)["name"].is_string()) {
          err.description = "user.name: must be a string";
          return Status::Ok();
        }
        // An agent's name is on the desk's mail: only admins (or the agent) change it.
        if (IsStaff(user->role) && req.user->role != Role::kAdmin && req.user->id != user->id) {
          err.status = 403;
          err.code = "Forbidden";
          err.description = "only an admin can rename another agent";
          return Status::Ok();
        }
        user->name = SanitizeUtf8((*in)["name"].get<std::string>());
      }
      if (in->contains("undeliverable")) {
        if (!(*in)["undeliverable"].is_boolean() || (*in)["undeliverable"].get<bool>()) {
          err.description = "user.undeliverable: only false (clearing the flag) can be set";
          return Status::Ok();
        }
        user->undeliverable = false;
        user->undeliverable_reason.clear();
        user->soft_bounces = 0;
      }
      if (in->contains("role") || in->contains("suspended")) {
        if (Status s = ChangeAccess(tx, *req.user, *in, *user, err); !s.ok() || !err.description.empty()) {
          return s;
        }
      }
      user->updated_at = Now();
      if (Status s = tx.UpdateUser(*user); !s.ok()) return s;
      out["user"] = UserJson(*user, base);
      return Status::Ok();
    });
  });

  // ---- tickets ----
  router.Add("POST", "/api/v2/tickets", [st, o, wake](const http::Request& req) {
    http::Response error;
    auto in = ParseJsonBody(req, error, "ticket");
    if (!in) return error;
    std::string base = BaseUrl(req, o->base_url);
    size_t queued = 0;
    http::Response resp =
        WriteJson(*st, 201, [&](store::Tx& tx, json& out, ClientError& err) -> Status {
          int64_t now = Now();
          auto actor = tx.GetUser(req.user->id);
          if (!actor.ok()) return actor.status();
          store::User requester;
          if (in->contains("requester_id")) {
            auto id = JsonId((*in)["requester_id"]);
            auto u = id ? tx.GetUser(*id) : Result<store::User>(Status::NotFound(""));
            if (!u.ok()) {
              err.description = "ticket.requester_id: " + (*in)["requester_id"].dump() + " is not a user";
              return Status::Ok();
            }
            requester = *u;
          } else if (in->contains("requester") && (*in)["requester"].is_object() &&
                     (*in)["requester"].contains("email") && (*in)["requester"]["email"].is_string()) {
            auto u = UserForEmail(tx, (*in)["requester"]["email"].get<std::string>(),
                                  (*in)["requester"].value("name", std::string()), *o, err);
            if (!u.ok()) return err.description.empty() ? u.status() : Status::Ok();
            requester = *u;
          } else {
            err.description = "ticket.requester_id or ticket.requester.email is required";
            return Status::Ok();
          }
          auto comment = ParseComment(*in, actor->id, err);
          if (!comment.ok()) return Status::Ok();
          if (!*comment) {
            err.description = "ticket.comment: required when creating a ticket";
            return Status::Ok();
          }
          store::Ticket t;
          t.subject = in->contains("subject") && (*in)["subject"].is_string()
                          ? SanitizeUtf8((*in)["subject"].get<std::string>())
                          : "";
          if (Trim(t.subject).empty()) {
            err.description = "ticket.subject: required";
            return Status::Ok();
          }
          t.requester_id = requester.id;
          t.submitter_id = actor->id;
          t.recipient = o->desk.support_address;
          t.via = req.user->channel;
          t.status = "new";
          t.created_at = t.updated_at = now;
          json events = json::array();
          json fields = *in;
          fields.erase("subject");
          if (Status s = ApplyFields(tx, fields, t, events, /*creating=*/true, *o, err); !s.ok()) {
            return Status::Ok();
          }
          if (!fields.contains("status") && t.assignee_id) t.status = "open";
          t.description = (*comment)->body;
          t.subject_key = ToLower(t.subject);
          events.insert(events.begin(), json{{"type", "Create"}, {"field_name", "subject"}, {"value", t.subject}});
          events.push_back({{"type", "Create"}, {"field_name", "requester_id"}, {"value", requester.id}});
          Result<store::Ticket> created = Status::Temporary("no attempt");
          for (int attempt = 0; attempt < 3; ++attempt) {
            t.encoded_id = NewEncodedId();
            created = tx.CreateTicket(t);
            if (created.ok() || created.status().kind() != ErrorKind::kInvalid) break;
          }
          if (!created.ok()) return created.status();
          auto uploads = UploadsOf(tx, (*in)["comment"], now);
          if (!uploads.ok()) return ClientFailure(uploads.status(), err);
          store::Comment c = std::move(**comment);
          c.ticket_id = created->id;
          c.via = req.user->channel;
          c.created_at = now;
          auto added = tx.AddComment(c);
          if (!added.ok()) return added.status();
          if (Status a = AttachUploads(tx, *added, *uploads); !a.ok()) return a;
          events.push_back(CommentEvent(*added));
          tickets::Update update;
          update.created = true;
          update.ticket = *created;
          update.comment = *added;
          update.actor = *actor;
          update.via = req.user->channel;
          update.events = std::move(events);
          auto committed = tickets::Commit(tx, o->desk, std::move(update), now);
          if (!committed.ok()) return committed.status();
          queued = committed->outbound_message_ids.size();
          auto desk_fields = tickets::ListTicketFields(tx);
          if (!desk_fields.ok()) return desk_fields.status();
          out["ticket"] = TicketJson(committed->ticket, base, &requester, &*desk_fields);
          auto audits = tx.ListAudits(created->id);
          if (audits.ok() && !audits->empty()) {
            out["audit"] = AuditJson(audits->back(), base, &*actor, committed->ticket.recipient);
          }
          return Status::Ok();
        });
    if (queued) wake();
    return resp;
  });

  router.Add("PUT", "/api/v2/tickets/{id}", [st, o, wake](const http::Request& req) {
    auto id = ParseId(req.Param("id"));
    if (!id) return BadId("ticket", req.Param("id"));
    http::Response error;
    auto in = ParseJsonBody(req, error, "ticket");
    if (!in) return error;
    std::string base = BaseUrl(req, o->base_url);
    size_t queued = 0;
    http::Response resp =
        WriteJson(*st, 200, [&](store::Tx& tx, json& out, ClientError& err) -> Status {
          int64_t now = Now();
          auto actor = tx.GetUser(req.user->id);
          if (!actor.ok()) return actor.status();
          auto ticket = tx.GetTicket(*id);
          if (!ticket.ok()) return ticket.status();
          if (ticket->status == "closed") {
            err.description = "ticket " + std::to_string(*id) + " is closed and cannot be updated";
            return Status::Ok();
          }
          store::Ticket before = *ticket;
          store::Ticket t = *ticket;
          json events = json::array();
          if (Status s = ApplyFields(tx, *in, t, events, /*creating=*/false, *o, err); !s.ok()) {
            return Status::Ok();
          }
          auto comment = ParseComment(*in, actor->id, err);
          if (!comment.ok()) return Status::Ok();
          // An agent's first update takes a new ticket out of "new".
          if (!in->contains("status") && t.status == "new" && store::IsActiveStaff(*actor)) {
            events.push_back({{"type", "Change"}, {"field_name", "status"}, {"value", "open"},
                              {"previous_value", "new"}});
            t.status = "open";
          }
          if (events.empty() && !*comment) {
            err.status = 400;
            err.code = "InvalidPayload";
            err.description = "nothing to update: give a comment or a field to change";
            return Status::Ok();
          }
          t.updated_at = now;
          if (Status s = tx.UpdateTicket(t); !s.ok()) return s;
          std::optional<store::Comment> added_comment;
          if (*comment) {
            auto uploads = UploadsOf(tx, (*in)["comment"], now);
            if (!uploads.ok()) return ClientFailure(uploads.status(), err);
            store::Comment c = std::move(**comment);
            c.ticket_id = t.id;
            c.via = req.user->channel;
            c.created_at = now;
            auto added = tx.AddComment(c);
            if (!added.ok()) return added.status();
            if (Status a = AttachUploads(tx, *added, *uploads); !a.ok()) return a;
            events.push_back(CommentEvent(*added));
            added_comment = *added;
          }
          tickets::Update update;
          update.before = before;
          update.ticket = t;
          update.comment = added_comment;
          update.actor = *actor;
          update.via = req.user->channel;
          update.events = std::move(events);
          auto committed = tickets::Commit(tx, o->desk, std::move(update), now);
          if (!committed.ok()) return committed.status();
          queued = committed->outbound_message_ids.size();
          auto requester = tx.GetUser(t.requester_id);
          auto desk_fields = tickets::ListTicketFields(tx);
          if (!desk_fields.ok()) return desk_fields.status();
          out["ticket"] = TicketJson(committed->ticket, base, requester.ok() ? &*requester : nullptr, &*desk_fields);
          auto audits = tx.ListAudits(t.id);
          if (audits.ok() && !audits->empty()) {
            out["audit"] = AuditJson(audits->back(), base, &*actor, committed->ticket.recipient);
          }
          return Status::Ok();
        });
    if (queued) wake();
    return resp;
  });

  // Zendesk's "mark as spam": the spam filter learns the ticket's first email
  // as spam, and the ticket is closed and tagged "spam" with no trigger run (no
  // mail goes to a spammer). Zendesk also deletes the ticket and suspends the
  // requester; we keep both, so nothing is lost and a mistake can be seen.
  router.Add("PUT", "/api/v2/tickets/{id}/mark_as_spam", [st, o](const http::Request& req) {
    auto id = ParseId(req.Param("id"));
    if (!id) return BadId("ticket", req.Param("id"));
    std::string base = BaseUrl(req, o->base_url);
    return WriteJson(*st, 200, [&](store::Tx& tx, json& out, ClientError&) -> Status {
      int64_t now = Now();
      auto actor = tx.GetUser(req.user->id);
      if (!actor.ok()) return actor.status();
      auto ticket = tx.GetTicket(*id);
      if (!ticket.ok()) return ticket.status();
      auto comments = tx.ListComments(*id);
      if (!comments.ok()) return comments.status();
      auto first = std::find_if(comments->begin(), comments->end(),
                                [](const store::Comment& c) { return c.raw_message_id.has_value(); });
      json learning = {{"learned", false}};
      if (first == comments->end()) {
        learning["reason"] = "the ticket did not come by email: there is no message to learn from";
      } else if (!o->desk.spam_filter) {
        learning["reason"] = "no spam filter runs in this process";
      } else {
        learning["raw_message_id"] = *first->raw_message_id;
        auto raw = tx.GetRawMessage(*first->raw_message_id);
        if (!raw.ok() && raw.status().kind() != ErrorKind::kNotFound) return raw.status();
        if (raw.ok()) {
          auto learned = o->desk.spam_filter->Learn(tx, raw->bytes, /*spam=*/true);
          if (!learned.ok()) return learned.status();
          learning["learned"] = *learned;
          if (!*learned) learning["reason"] = "this email was already learned as spam";
        } else {
          learning["reason"] = "the ticket's email is no longer stored";
        }
      }
      store::Ticket t = *ticket;
      json events = json::array();
      if (t.status != "closed") {
        events.push_back({{"type", "Change"}, {"field_name", "status"}, {"value", "closed"},
                          {"previous_value", t.status}});
        t.status = "closed";
      }
      if (std::find(t.tags.begin(), t.tags.end(), "spam") == t.tags.end()) {
        std::vector<std::string> tags = t.tags;
        tags.push_back("spam");
        events.push_back({{"type", "Change"}, {"field_name", "tags"}, {"value", tags},
                          {"previous_value", t.tags}});
        t.tags = std::move(tags);
      }
      t.updated_at = now;
      if (Status s = tx.UpdateTicket(t); !s.ok()) return s;
      tickets::Update update;
      update.before = *ticket;
      update.ticket = t;
      update.actor = *actor;
      update.via = req.user->channel;
      update.events = std::move(events);
      update.metadata = {{"spam_filter", learning}, {"marked_as_spam", true}};
      update.run_triggers = false;
      auto committed = tickets::Commit(tx, o->desk, std::move(update), now);
      if (!committed.ok()) return committed.status();
      auto requester = tx.GetUser(t.requester_id);
      auto desk_fields = tickets::ListTicketFields(tx);
      if (!desk_fields.ok()) return desk_fields.status();
      out["ticket"] = TicketJson(committed->ticket, base, requester.ok() ? &*requester : nullptr, &*desk_fields);
      out["spam"] = std::move(learning);
      return Status::Ok();
    });
  });

  router.Get("/api/v2/tickets/{id}/deliveries", [st](const http::Request& req) {
    auto id = ParseId(req.Param("id"));
    if (!id) return BadId("ticket", req.Param("id"));
    json out;
    Status s = st->Read([&](store::Tx& tx) {
      auto t = tx.GetTicket(*id);
      if (!t.ok()) return t.status();
      auto list = DeliveriesJson(tx, *id);
      if (!list.ok()) return list.status();
      auto failures = DeliveryFailures(tx, *id);
      if (!failures.ok()) return failures.status();
      out["deliveries"] = std::move(*list);
      out["delivery_failures"] = std::move(*failures);
      out["count"] = out["deliveries"].size();
      return Status::Ok();
    });
    if (!s.ok()) return StoreError(s);
    return http::JsonResponse(200, out);
  });
}

}  // namespace postdesk::api
