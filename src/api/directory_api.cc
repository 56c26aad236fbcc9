#include "api/directory_api.h"

#include <algorithm>
#include <nlohmann/json.hpp>
#include <vector>

#include "api/present.h"
#include "api/respond.h"
#include "common/clock.h"
#include "common/strings.h"
#include "common/utf8.h"
#include "doctor/setup_doctor.h"

namespace postdesk::api {

using nlohmann::json;

namespace {

std::string Str(int64_t v) { return std::to_string(v); }

json GroupJson(const store::Group& g, std::string_view base) {
  return {{"url", std::string(base) + "/api/v2/groups/" + Str(g.id) + ".json"},
          {"id", g.id},
          {"name", g.name},
          {"description", g.description},
          {"default", g.is_default},
          {"deleted", g.deleted},
          {"is_public", true},
          {"created_at", FormatIsoTime(g.created_at)},
          {"updated_at", FormatIsoTime(g.updated_at)}};
}

json MembershipJson(const store::GroupMembership& m, std::string_view base) {
  return {{"url", std::string(base) + "/api/v2/group_memberships/" + Str(m.id) + ".json"},
          {"id", m.id},
          {"user_id", m.user_id},
          {"group_id", m.group_id},
          {"default", m.is_default},
          {"created_at", FormatIsoTime(m.created_at)},
          {"updated_at", FormatIsoTime(m.updated_at)}};
}

json OrganizationJson(const store::Organization& o, std::string_view base) {
  return {{"url", std::string(base) + "/api/v2/organizations/" + Str(o.id) + ".json"},
          {"id", o.id},
          {"name", o.name},
          {"details", o.details},
          {"notes", o.notes},
          {"domain_names", o.domain_names},
          {"group_id", o.group_id ? json(*o.group_id) : json(nullptr)},
          {"shared_tickets", o.shared_tickets},
          {"shared_comments", o.shared_comments},
          {"external_id", o.external_id.empty() ? json(nullptr) : json(o.external_id)},
          {"tags", json::array()},
          {"organization_fields", json::object()},
          {"created_at", FormatIsoTime(o.created_at)},
          {"updated_at", FormatIsoTime(o.updated_at)}};
}

// A JSON member that must be a string when present.
bool StringField(const json& in, const char* name, std::string& slot, std::string_view entity,
                 ClientError& err) {
  if (!in.contains(name)) return true;
  if (!in[name].is_string()) {
    err.description = std::string(entity) + "." + name + ": must be a string";
    return false;
  }
  slot = SanitizeUtf8(in[name].get<std::string>());
  return true;
}

bool BoolField(const json& in, const char* name, bool& slot, std::string_view entity, ClientError& err) {
  if (!in.contains(name)) return true;
  if (!in[name].is_boolean()) {
    err.description = std::string(entity) + "." + name + ": must be true or false";
    return false;
  }
  slot = in[name].get<bool>();
  return true;
}

// ---------------- groups ----------------

bool ApplyGroup(const json& in, store::Group& g, ClientError& err) {
  if (!StringField(in, "name", g.name, "group", err) ||
      !StringField(in, "description", g.description, "group", err) ||
      !BoolField(in, "default", g.is_default, "group", err)) {
    return false;
  }
  g.name = std::string(Trim(g.name));
  if (g.name.empty()) {
    err.description = "group.name: required";
    return false;
  }
  return true;
}

void RegisterGroups(http::Router& router, store::Store* st, const std::string& base_url) {
  auto list = [st, base_url](const http::Request& req) {
    ListPaging paging;
    if (auto bad = paging.Parse(req)) return std::move(*bad);
    std::string base = BaseUrl(req, base_url);
    std::string path = PathWithoutJson(req);
    std::optional<http::Response> cursor_error;  // a stale cursor, found inside the read
    http::Response r = ReadJson(*st, [&](store::Tx& tx, json& out) -> Status {
      auto groups = tx.ListGroups(false);
      if (!groups.ok()) return groups.status();
      std::vector<int64_t> ids;
      for (const auto& g : *groups) ids.push_back(g.id);
      size_t begin = 0, end = 0;
      cursor_error = paging.Slice(ids, base, path, out, begin, end);
      if (cursor_error) return Status::Ok();
      json items = json::array();
      for (size_t i = begin; i < end; ++i) items.push_back(GroupJson((*groups)[i], base));
      out["groups"] = std::move(items);
      return Status::Ok();
    });
    return cursor_error ? std::move(*cursor_error) : r;
  };
  router.Get("/api/v2/groups", list);
  router.Get("/api/v2/groups/assignable", list);
  router.Get("/api/v2/groups/count", [st](const http::Request&) {
    return ReadJson(*st, [&](store::Tx& tx, json& out) -> Status {
      auto groups = tx.ListGroups(false);
      if (!groups.ok()) return groups.status();
      out["count"] = {{"value", groups->size()}, {"refreshed_at", FormatIsoTime(std::time(nullptr))}};
      return Status::Ok();
    });
  });
  router.Get("/api/v2/groups/{id}", [st, base_url](const http::Request& req) {
    auto id = ParseId(req.Param("id"));
    if (!id) return BadId("group", req.Param("id"));
    std::string base = BaseUrl(req, base_url);
    return ReadJson(*st, [&](store::Tx& tx, json& out) -> Status {
      auto g = tx.GetGroup(*id);
      if (!g.ok()) return g.status();
      out["group"] = GroupJson(*g, base);
      return Status::Ok();
    });
  });
  router.Add(
      "POST", "/api/v2/groups",
      [st, base_url](const http::Request& req) {
        http::Response error;
        auto in = ParseJsonBody(req, error, "group");
        if (!in) return error;
        std::string base = BaseUrl(req, base_url);
        return WriteJson(*st, 201, [&](store::Tx& tx, json& out, ClientError& err) -> Status {
          store::Group g;
          if (!ApplyGroup(*in, g, err)) return Status::Ok();
          g.created_at = g.updated_at = Now();
          auto created = tx.CreateGroup(g);
          if (!created.ok()) return ClientFailure(created.status(), err);
          out["group"] = GroupJson(*created, base);
          return Status::Ok();
        });
      },
      http::kAdminOnly);
  router.Add(
      "PUT", "/api/v2/groups/{id}",
      [st, base_url](const http::Request& req) {
        auto id = ParseId(req.Param("id"));
        if (!id) return BadId("group", req.Param("id"));
        http::Response error;
        auto in = ParseJsonBody(req, error, "group");
        if (!in) return error;
        std::string base = BaseUrl(req, base_url);
        return WriteJson(*st, 200, [&](store::Tx& tx, json& out, ClientError& err) -> Status {
          auto g = tx.GetGroup(*id);
          if (!g.ok()) return g.status();
          if (g->deleted) {
            err.description = "group " + Str(*id) + " is deleted";
            return Status::Ok();
          }
          if (!ApplyGroup(*in, *g, err)) return Status::Ok();
          g->updated_at = Now();
          if (Status s = tx.UpdateGroup(*g); !s.ok()) return ClientFailure(s, err);
          out["group"] = GroupJson(*g, base);
          return Status::Ok();
        });
      },
      http::kAdminOnly);
  router.Add(
      "DELETE", "/api/v2/groups/{id}",
      [st](const http::Request& req) {
        auto id = ParseId(req.Param("id"));
        if (!id) return BadId("group", req.Param("id"));
        Status s = st->Write([&](store::Tx& tx) { return tx.DeleteGroup(*id, Now()); });
        if (!s.ok()) return StoreError(s);
        return NoContent();
      },
      http::kAdminOnly);
  router.Get("/api/v2/groups/{id}/users", [st, base_url](const http::Request& req) {
    auto id = ParseId(req.Param("id"));
    if (!id) return BadId("group", req.Param("id"));
    std::string base = BaseUrl(req, base_url);
    return ReadJson(*st, [&](store::Tx& tx, json& out) -> Status {
      if (auto g = tx.GetGroup(*id); !g.ok()) return g.status();
      auto members = tx.ListGroupMemberships(std::nullopt, *id);
      if (!members.ok()) return members.status();
      json users = json::array();
      for (const auto& m : *members) {
        auto u = tx.GetUser(m.user_id);
        if (!u.ok()) return u.status();
        users.push_back(UserJson(*u, base));
      }
      out["users"] = std::move(users);
      out["next_page"] = nullptr;
      out["previous_page"] = nullptr;
      out["count"] = members->size();
      return Status::Ok();
    });
  });
}

// ---------------- memberships ----------------

// The optional user and group of a membership list: from the path
// ({id} under /users or /groups) or from ?user_id= / ?group_id=.
struct MembershipFilter {
  std::optional<int64_t> user_id;
  std::optional<int64_t> group_id;
};

std::optional<http::Response> ParseMembershipFilter(const http::Request& req, MembershipFilter& f) {
  for (auto [name, slot] : {std::pair{"user_id", &f.user_id}, std::pair{"group_id", &f.group_id}}) {
    std::string_view v = req.Query(name);
    if (v.empty()) continue;
    *slot = ParseId(v);
    if (!*slot) return BadId(std::string_view(name).substr(0, std::string_view(name).size() - 3), v);
  }
  if (req.path.starts_with("/api/v2/users/")) f.user_id = ParseId(req.Param("id"));
  if (req.path.starts_with("/api/v2/groups/")) f.group_id = ParseId(req.Param("id"));
  return std::nullopt;
}

void RegisterMemberships(http::Router& router, store::Store* st, const std::string& base_url) {
  auto list = [st, base_url](const http::Request& req) {
    MembershipFilter f;
    if (auto bad = ParseMembershipFilter(req, f)) return std::move(*bad);
    if (req.params.contains("id") && !ParseId(req.Param("id"))) return BadId("user or group", req.Param("id"));
    ListPaging paging;
    if (auto bad = paging.Parse(req)) return std::move(*bad);
    std::string base = BaseUrl(req, base_url);
    std::string path = PathWithoutJson(req);
    std::optional<http::Response> cursor_error;  // a stale cursor, found inside the read
    http::Response r = ReadJson(*st, [&](store::Tx& tx, json& out) -> Status {
      if (f.user_id) {
        if (auto u = tx.GetUser(*f.user_id); !u.ok()) return u.status();
      }
      if (f.group_id) {
        if (auto g = tx.GetGroup(*f.group_id); !g.ok()) return g.status();
      }
      auto all = tx.ListGroupMemberships(f.user_id, f.group_id);
      if (!all.ok()) return all.status();
      std::vector<int64_t> ids;
      for (const auto& m : *all) ids.push_back(m.id);
      size_t begin = 0, end = 0;
      cursor_error = paging.Slice(ids, base, path, out, begin, end);
      if (cursor_error) return Status::Ok();
      json items = json::array();
      for (size_t i = begin; i < end; ++i) items.push_back(MembershipJson((*all)[i], base));
      out["group_memberships"] = std::move(items);
      return Status::Ok();
    });
    return cursor_error ? std::move(*cursor_error) : r;
  };
  router.Get("/api/v2/group_memberships", list);
  router.Get("/api/v2/groups/{id}/memberships", list);
  router.Get("/api/v2/users/{id}/group_memberships", list);
  router.Get("/api/v2/group_memberships/{id}", [st, base_url](const http::Request& req) {
    auto id = ParseId(req.Param("id"));
    if (!id) return BadId("group membership", req.Param("id"));
    std::string base = BaseUrl(req, base_url);
    return ReadJson(*st, [&](store::Tx& tx, json& out) -> Status {
      auto m = tx.GetGroupMembership(*id);
      if (!m.ok()) return m.status();
      out["group_membership"] = MembershipJson(*m, base);
      return Status::Ok();
    });
  });
  auto create = [st, base_url](const http::Request& req) {
    http::Response error;
    auto in = ParseJsonBody(req, error, "group_membership");
    if (!in) return error;
    std::optional<int64_t> user_id = in->contains("user_id") ? JsonId((*in)["user_id"]) : std::nullopt;
    if (req.path.starts_with("/api/v2/users/")) user_id = ParseId(req.Param("id"));
    std::optional<int64_t> group_id = in->contains("group_id") ? JsonId((*in)["group_id"]) : std::nullopt;
    if (!user_id) return Unprocessable("group_membership.user_id: required, a user id");
    if (!group_id) return Unprocessable("group_membership.group_id: required, a group id");
    bool is_default = false;
    if (in->contains("default")) {
      if (!(*in)["default"].is_boolean()) return Unprocessable("group_membership.default: must be true or false");
      is_default = (*in)["default"].get<bool>();
    }
    std::string base = BaseUrl(req, base_url);
    return WriteJson(*st, 201, [&](store::Tx& tx, json& out, ClientError& err) -> Status {
      int64_t now = Now();
      auto m = tx.AddGroupMembership({.id = 0,
                                      .user_id = *user_id,
                                      .group_id = *group_id,
                                      .is_default = is_default,
                                      .created_at = now,
                                      .updated_at = now});
      if (!m.ok()) {
        if (m.status().kind() == ErrorKind::kNotFound) {
          err.description = "group_membership: " + m.status().message();
          return Status::Ok();
        }
        return ClientFailure(m.status(), err);
      }
      out["group_membership"] = MembershipJson(*m, base);
      return Status::Ok();
    });
  };
  router.Add("POST", "/api/v2/group_memberships", create, http::kAdminOnly);
  router.Add("POST", "/api/v2/users/{id}/group_memberships", create, http::kAdminOnly);
  auto remove = [st](const http::Request& req) {
    const bool under_user = req.params.contains("membership_id");
    std::string_view raw = req.Param(under_user ? "membership_id" : "id");
    auto id = ParseId(raw);
    if (!id) return BadId("group membership", raw);
    std::optional<int64_t> user_id;
    if (under_user) {
      user_id = ParseId(req.Param("id"));
      if (!user_id) return BadId("user", req.Param("id"));
    }
    Status s = st->Write([&](store::Tx& tx) -> Status {
      auto m = tx.GetGroupMembership(*id);
      if (!m.ok()) return m.status();
      if (user_id && m->user_id != *user_id) {
        return Status::NotFound("group membership " + Str(*id) + " of user " + Str(*user_id) + ": not found");
      }
      return tx.DeleteGroupMembership(*id);
    });
    if (!s.ok()) return StoreError(s);
    return NoContent();
  };
  router.Add("DELETE", "/api/v2/group_memberships/{id}", remove, http::kAdminOnly);
  router.Add("DELETE", "/api/v2/users/{id}/group_memberships/{membership_id}", remove, http::kAdminOnly);
  router.Add(
      "PUT", "/api/v2/users/{id}/group_memberships/{membership_id}/make_default",
      [st, base_url](const http::Request& req) {
        auto user_id = ParseId(req.Param("id"));
        if (!user_id) return BadId("user", req.Param("id"));
        auto id = ParseId(req.Param("membership_id"));
        if (!id) return BadId("group membership", req.Param("membership_id"));
        std::string base = BaseUrl(req, base_url);
        return WriteJson(*st, 200, [&](store::Tx& tx, json& out, ClientError&) -> Status {
          if (Status s = tx.SetDefaultGroupMembership(*user_id, *id, Now()); !s.ok()) return s;
          auto all = tx.ListGroupMemberships(*user_id, std::nullopt);
          if (!all.ok()) return all.status();
          json items = json::array();
          for (const auto& m : *all) items.push_back(MembershipJson(m, base));
          out["group_memberships"] = std::move(items);
          return Status::Ok();
        });
      },
      http::kAdminOnly);
}

// ---------------- organizations ----------------

bool ApplyOrganization(const json& in, store::Organization& o, ClientError& err) {
  if (!StringField(in, "name", o.name, "organization", err) ||
      !StringField(in, "details", o.details, "organization", err) ||
      !StringField(in, "notes", o.notes, "organization", err) ||
      !BoolField(in, "shared_tickets", o.shared_tickets, "organization", err) ||
      !BoolField(in, "shared_comments", o.shared_comments, "organization", err)) {
    return false;
  }
  if (in.contains("external_id")) {
    if (in["external_id"].is_null()) {
      o.external_id.clear();
    } else if (!StringField(in, "external_id", o.external_id, "organization", err)) {
      return false;
    }
  }
  if (in.contains("domain_names")) {
    const json& d = in["domain_names"];
    if (!d.is_array() || !std::all_of(d.begin(), d.end(), [](const json& v) { return v.is_string(); })) {
      err.description = "organization.domain_names: must be an array of domain names";
      return false;
    }
    o.domain_names.clear();
    for (const json& v : d) {
      const std::string& text = v.get_ref<const std::string&>();
      std::string_view raw = Trim(text);
      if (raw.starts_with("@")) raw.remove_prefix(1);
      auto domain = doctor::ValidDomainArg(raw);  // as the doctor checks a domain
      if (!domain.ok()) {
        err.description = "organization.domain_names: " + domain.status().message();
        return false;
      }
      if (std::find(o.domain_names.begin(), o.domain_names.end(), *domain) == o.domain_names.end()) {
        o.domain_names.push_back(*domain);
      }
    }
  }
  if (in.contains("group_id")) {
    if (in["group_id"].is_null()) {
      o.group_id.reset();
    } else {
      o.group_id = JsonId(in["group_id"]);
      if (!o.group_id) {
        err.description = "organization.group_id: must be a group id or null";
        return false;
      }
    }
  }
  o.name = std::string(Trim(o.name));
  if (o.name.empty()) {
    err.description = "organization.name: required";
    return false;
  }
  return true;
}

// The organization's group, when it names one, must exist.
Status CheckOrganizationGroup(store::Tx& tx, const store::Organization& o, ClientError& err) {
  if (!o.group_id) return Status::Ok();
  auto g = tx.GetGroup(*o.group_id);
  if (!g.ok() && g.status().kind() != ErrorKind::kNotFound) return g.status();
  if (!g.ok() || g->deleted) err.description = "organization.group_id: " + Str(*o.group_id) + " is not a group";
  return Status::Ok();
}

// Lists organizations chosen by `keep`, paged when `paged`.
http::Response OrganizationList(store::Store& st, const http::Request& req, const std::string& base_url,
                                const std::function<bool(const store::Organization&)>& keep,
                                bool paged, const std::string& extra_query = "") {
  ListPaging paging;
  if (paged) {
    if (auto bad = paging.Parse(req)) return std::move(*bad);
  }
  std::string base = BaseUrl(req, base_url);
  std::string path = PathWithoutJson(req);
  std::optional<http::Response> cursor_error;  // a stale cursor, found inside the read
  http::Response r = ReadJson(st, [&](store::Tx& tx, json& out) -> Status {
    auto all = tx.ListOrganizations();
    if (!all.ok()) return all.status();
    std::vector<store::Organization> chosen;
    for (auto& o : *all) {
      if (keep(o)) chosen.push_back(std::move(o));
    }
    size_t begin = 0, end = chosen.size();
    if (paged) {
      std::vector<int64_t> ids;
      for (const auto& o : chosen) ids.push_back(o.id);
      cursor_error = paging.Slice(ids, base, path, out, begin, end, extra_query);
      if (cursor_error) return Status::Ok();
    }
    json items = json::array();
    for (size_t i = begin; i < end; ++i) items.push_back(OrganizationJson(chosen[i], base));
    out["organizations"] = std::move(items);
    return Status::Ok();
  });
  return cursor_error ? std::move(*cursor_error) : r;
}

void RegisterOrganizations(http::Router& router, store::Store* st, const std::string& base_url) {
  router.Get("/api/v2/organizations", [st, base_url](const http::Request& req) {
    return OrganizationList(*st, req, base_url, [](const store::Organization&) { return true; }, true);
  });
  router.Get("/api/v2/organizations/show_many", [st, base_url](const http::Request& req) {
    std::vector<int64_t> ids;
    if (auto bad = ParseIdList(req, ids)) return std::move(*bad);
    return OrganizationList(
        *st, req, base_url,
        [&](const store::Organization& o) { return std::find(ids.begin(), ids.end(), o.id) != ids.end(); },
        false);
  });
  router.Get("/api/v2/organizations/search", [st, base_url](const http::Request& req) {
    std::string name = ToLower(Trim(req.Query("name")));
    std::string external_id(req.Query("external_id"));
    if (name.empty() && external_id.empty()) {
      return http::ErrorResponse(400, "InvalidValue", "give name= or external_id=");
    }
    std::string extra = name.empty() ? "&external_id=" + http::UrlEncode(external_id)
                                     : "&name=" + http::UrlEncode(req.Query("name"));
    return OrganizationList(
        *st, req, base_url,
        [&](const store::Organization& o) {
          return name.empty() ? o.external_id == external_id : ToLower(o.name) == name;
        },
        true, extra);
  });
  router.Get("/api/v2/organizations/autocomplete", [st, base_url](const http::Request& req) {
    std::string prefix = ToLower(Trim(req.Query("name")));
    if (CodePoints(prefix) < 2) {
      return http::ErrorResponse(400, "InvalidValue", "name: give at least 2 characters");
    }
    return OrganizationList(
        *st, req, base_url, [&](const store::Organization& o) { return ToLower(o.name).starts_with(prefix); },
        true, "&name=" + http::UrlEncode(req.Query("name")));
  });
  router.Get("/api/v2/organizations/{id}", [st, base_url](const http::Request& req) {
    auto id = ParseId(req.Param("id"));
    if (!id) return BadId("organization", req.Param("id"));
    std::string base = BaseUrl(req, base_url);
    return ReadJson(*st, [&](store::Tx& tx, json& out) -> Status {
      auto o = tx.GetOrganization(*id);
      if (!o.ok()) return o.status();
      out["organization"] = OrganizationJson(*o, base);
      return Status::Ok();
    });
  });
  router.Get("/api/v2/organizations/{id}/users", [st, base_url](const http::Request& req) {
    auto id = ParseId(req.Param("id"));
    if (!id) return BadId("organization", req.Param("id"));
    Page page;
    if (auto bad = ParsePage(req, page)) return std::move(*bad);
    std::string base = BaseUrl(req, base_url);
    return ReadJson(*st, [&](store::Tx& tx, json& out) -> Status {
      if (auto o = tx.GetOrganization(*id); !o.ok()) return o.status();
      store::UserQuery q;
      q.organization_id = *id;
      auto count = tx.CountUsers(q);
      if (!count.ok()) return count.status();
      q.offset = page.offset();
      q.limit = page.per_page;
      auto users = tx.QueryUsers(q);
      if (!users.ok()) return users.status();
      json items = json::array();
      for (const auto& u : *users) items.push_back(UserJson(u, base));
      out["users"] = std::move(items);
      AddPageLinks(out, base, "/api/v2/organizations/" + Str(*id) + "/users", page, *count);
      return Status::Ok();
    });
  });
  router.Add(
      "POST", "/api/v2/organizations",
      [st, base_url](const http::Request& req) {
        http::Response error;
        auto in = ParseJsonBody(req, error, "organization");
        if (!in) return error;
        std::string base = BaseUrl(req, base_url);
        return WriteJson(*st, 201, [&](store::Tx& tx, json& out, ClientError& err) -> Status {
          store::Organization o;
          if (!ApplyOrganization(*in, o, err)) return Status::Ok();
          if (Status s = CheckOrganizationGroup(tx, o, err); !s.ok() || !err.description.empty()) return s;
          o.created_at = o.updated_at = Now();
          auto created = tx.CreateOrganization(o);
          if (!created.ok()) return ClientFailure(created.status(), err);
          out["organization"] = OrganizationJson(*created, base);
          return Status::Ok();
        });
      },
      http::kAdminOnly);
  router.Add(
      "PUT", "/api/v2/organizations/{id}",
      [st, base_url](const http::Request& req) {
        auto id = ParseId(req.Param("id"));
        if (!id) return BadId("organization", req.Param("id"));
        http::Response error;
        auto in = ParseJsonBody(req, error, "organization");
        if (!in) return error;
        std::string base = BaseUrl(req, base_url);
        return WriteJson(*st, 200, [&](store::Tx& tx, json& out, ClientError& err) -> Status {
          auto o = tx.GetOrganization(*id);
          if (!o.ok()) return o.status();
          if (!ApplyOrganization(*in, *o, err)) return Status::Ok();
          if (Status s = CheckOrganizationGroup(tx, *o, err); !s.ok() || !err.description.empty()) return s;
          o->updated_at = Now();
          if (Status s = tx.UpdateOrganization(*o); !s.ok()) return ClientFailure(s, err);
          auto fresh = tx.GetOrganization(*id);
          if (!fresh.ok()) return fresh.status();
          out["organization"] = OrganizationJson(*fresh, base);
          return Status::Ok();
        });
      },
      http::kAdminOnly);
  router.Add(
      "DELETE", "/api/v2/organizations/{id}",
      [st](const http::Request& req) {
        auto id = ParseId(req.Param("id"));
        if (!id) return BadId("organization", req.Param("id"));
        Status s = st->Write([&](store::Tx& tx) { return tx.DeleteOrganization(*id); });
        if (!s.ok()) return StoreError(s);
        return NoContent();
      },
      http::kAdminOnly);
}

}  // namespace

void RegisterDirectoryApi(http::Router& router, store::Store& store, std::string base_url) {
  store::Store* st = &store;
  RegisterGroups(router, st, base_url);
  RegisterMemberships(router, st, base_url);
  RegisterOrganizations(router, st, base_url);
}

}  // namespace postdesk::api
