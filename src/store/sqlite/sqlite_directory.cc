// The directory aggregate of SqliteTx (store/directory.h): groups, group
// memberships and organizations with their email domains.
#include <algorithm>
#include <string>
#include <utility>

#include "common/strings.h"
#include "store/sqlite/sqlite_rows.h"
#include "store/sqlite/sqlite_tx.h"

namespace postdesk::store::sqlite {

namespace {

constexpr std::string_view kGroupCols =
    "id, name, description, is_default, deleted, created_at, updated_at";
Group ReadGroup(const Stmt& s) {
  return Group{.id = s.Int(0),
               .name = s.Text(1),
               .description = s.Text(2),
               .is_default = s.Bool(3),
               .deleted = s.Bool(4),
               .created_at = s.Int(5),
               .updated_at = s.Int(6)};
}

constexpr std::string_view kMembershipCols =
    "id, user_id, group_id, is_default, created_at, updated_at";
GroupMembership ReadMembership(const Stmt& s) {
  return GroupMembership{.id = s.Int(0),
                         .user_id = s.Int(1),
                         .group_id = s.Int(2),
                         .is_default = s.Bool(3),
                         .created_at = s.Int(4),
                         .updated_at = s.Int(5)};
}

constexpr std::string_view kOrganizationCols =
    "id, name, details, notes, group_id, shared_tickets, shared_comments, external_id, "
    "created_at, updated_at";
Organization ReadOrganization(const Stmt& s) {
  Organization o;
  o.id = s.Int(0);
  o.name = s.Text(1);
  o.details = s.Text(2);
  o.notes = s.Text(3);
  o.group_id = s.OptInt(4);
  o.shared_tickets = s.Bool(5);
  o.shared_comments = s.Bool(6);
  o.external_id = s.Text(7);
  o.created_at = s.Int(8);
  o.updated_at = s.Int(9);
  return o;
}

// Organization names are unique whatever their case.
std::string NameKey(std::string_view name) { return ToLower(Trim(name)); }

}  // namespace

// ---------------- groups ----------------

namespace {

// Invalid when another group that is not deleted has this name.
Status CheckGroupName(Conn& conn, const Group& group) {
  if (Trim(group.name).empty()) return Status::Invalid("group name: must not be empty");
  auto stmt = conn.Prepare(
      "SELECT COUNT(*) FROM groups WHERE name = ? AND deleted = 0 AND id <> ?");
  if (!stmt.ok()) return stmt.status();
  stmt->Bind(1, group.name).Bind(2, group.id);
  auto n = One<int64_t>(
      *stmt, [](const Stmt& s) { return s.Int(0); }, "group name");
  if (!n.ok()) return n.status();
  if (*n > 0) return Status::Invalid("group name: '" + group.name + "' is already taken");
  return Status::Ok();
}

// Only one group is the default: making `keep` the default clears the others.
Status ClearOtherDefaultGroups(Conn& conn, int64_t keep) {
  auto stmt = conn.Prepare("UPDATE groups SET is_default = 0 WHERE id <> ? AND is_default = 1");
  if (!stmt.ok()) return stmt.status();
  stmt->Bind(1, keep);
  return Context(stmt->Run(), "clear the default group");
}

// After a membership of `user_id` went away: if none of the user's
// memberships is the default any more, the oldest one becomes it.
Status KeepADefaultMembership(Conn& conn, int64_t user_id) {
  auto stmt = conn.Prepare(
      "UPDATE group_memberships SET is_default = 1 WHERE id = (SELECT MIN(id) FROM "
      "group_memberships WHERE user_id = ?) AND NOT EXISTS (SELECT 1 FROM group_memberships "
      "WHERE user_id = ? AND is_default = 1)");
  if (!stmt.ok()) return stmt.status();
  stmt->Bind(1, user_id).Bind(2, user_id);
  return Context(stmt->Run(), "keep a default group of user " + std::to_string(user_id));
}

}  // namespace

Result<Group> SqliteTx::CreateGroup(Group group) {
  group.id = 0;
  if (Status s = CheckGroupName(conn_, group); !s.ok()) return s;
  auto stmt = conn_.Prepare(
      "INSERT INTO groups (name, description, is_default, deleted, created_at, updated_at) "
      "VALUES (?, ?, ?, 0, ?, ?) RETURNING id");
  if (!stmt.ok()) return stmt.status();
  stmt->Bind(1, group.name)
      .Bind(2, group.description)
      .BindBool(3, group.is_default)
      .Bind(4, group.created_at)
      .Bind(5, group.updated_at);
  auto id = ReturningId(*stmt, "create group " + group.name);
  if (!id.ok()) return id.status();
  group.id = *id;
  group.deleted = false;
  stmt->Finish();
  if (group.is_default) {
    if (Status s = ClearOtherDefaultGroups(conn_, group.id); !s.ok()) return s;
  }
  return group;
}

Result<Group> SqliteTx::GetGroup(int64_t id) {
  auto stmt = conn_.Prepare(Sql("SELECT ", kGroupCols, " FROM groups WHERE id = ?"));
  if (!stmt.ok()) return stmt.status();
  stmt->Bind(1, id);
  return One<Group>(*stmt, ReadGroup, "group " + std::to_string(id));
}

Status SqliteTx::UpdateGroup(const Group& group) {
  if (Status s = CheckGroupName(conn_, group); !s.ok()) return s;
  auto stmt = conn_.Prepare(
      "UPDATE groups SET name = ?, description = ?, is_default = ?, updated_at = ? "
      "WHERE id = ? RETURNING id");
  if (!stmt.ok()) return stmt.status();
  stmt->Bind(1, group.name)
      .Bind(2, group.description)
      .BindBool(3, group.is_default)
      .Bind(4, group.updated_at)
      .Bind(5, group.id);
  if (Status s = ReturningId(*stmt, "update group " + std::to_string(group.id)).status(); !s.ok()) {
    return s;
  }
  stmt->Finish();
  return group.is_default ? ClearOtherDefaultGroups(conn_, group.id) : Status::Ok();
}

Status SqliteTx::DeleteGroup(int64_t id, int64_t now) {
  {
    auto stmt = conn_.Prepare(
        "UPDATE groups SET deleted = 1, is_default = 0, updated_at = ? "
        "WHERE id = ? AND deleted = 0 RETURNING id");
    if (!stmt.ok()) return stmt.status();
    stmt->Bind(1, now).Bind(2, id);
    if (Status s = ReturningId(*stmt, "delete group " + std::to_string(id)).status(); !s.ok()) {
      return s;
    }
  }
  std::vector<int64_t> members;
  {
    auto list = conn_.Prepare("SELECT user_id FROM group_memberships WHERE group_id = ?");
    if (!list.ok()) return list.status();
    list->Bind(1, id);
    auto users = All<int64_t>(
        *list, [](const Stmt& s) { return s.Int(0); }, "members of group " + std::to_string(id));
    if (!users.ok()) return users.status();
    members = std::move(users).value();
  }
  for (const char* sql : {"DELETE FROM group_memberships WHERE group_id = ?",
                          // No organization routes new tickets to a deleted group.
                          "UPDATE organizations SET group_id = NULL WHERE group_id = ?"}) {
    auto stmt = conn_.Prepare(sql);
    if (!stmt.ok()) return stmt.status();
    stmt->Bind(1, id);
    if (Status s = Context(stmt->Run(), "delete group " + std::to_string(id)); !s.ok()) return s;
  }
  for (int64_t user_id : members) {
    if (Status s = KeepADefaultMembership(conn_, user_id); !s.ok()) return s;
  }
  return Status::Ok();
}

Result<std::vector<Group>> SqliteTx::ListGroups(bool include_deleted) {
  auto stmt = conn_.Prepare(Sql("SELECT ", kGroupCols,
                                include_deleted ? " FROM groups ORDER BY id"
                                                : " FROM groups WHERE deleted = 0 ORDER BY id"));
  if (!stmt.ok()) return stmt.status();
  return All<Group>(*stmt, ReadGroup, "list groups");
}

// ---------------- memberships ----------------

Result<GroupMembership> SqliteTx::AddGroupMembership(GroupMembership m) {
  auto group = GetGroup(m.group_id);
  if (!group.ok()) return group.status();
  if (group->deleted) return Status::Invalid("group " + std::to_string(m.group_id) + " is deleted");
  auto user = GetUser(m.user_id);
  if (!user.ok()) return user.status();
  if (!IsStaff(user->role)) {
    return Status::Invalid("user " + std::to_string(m.user_id) + " is not an agent: only agents are in groups");
  }
  auto existing = ListGroupMemberships(m.user_id, m.group_id);
  if (!existing.ok()) return existing.status();
  if (!existing->empty()) {
    return Status::Invalid("user " + std::to_string(m.user_id) + " is already in group " +
                           std::to_string(m.group_id));
  }
  auto mine = ListGroupMemberships(m.user_id, std::nullopt);
  if (!mine.ok()) return mine.status();
  if (mine->empty()) m.is_default = true;  // an agent's first group is their default
  if (m.is_default) {
    auto clear = conn_.Prepare("UPDATE group_memberships SET is_default = 0 WHERE user_id = ?");
    if (!clear.ok()) return clear.status();
    clear->Bind(1, m.user_id);
    if (Status s = Context(clear->Run(), "clear default group"); !s.ok()) return s;
  }
  auto stmt = conn_.Prepare(
      "INSERT INTO group_memberships (user_id, group_id, is_default, created_at, updated_at) "
      "VALUES (?, ?, ?, ?, ?) RETURNING id");
  if (!stmt.ok()) return stmt.status();
  stmt->Bind(1, m.user_id)
      .Bind(2, m.group_id)
      .BindBool(3, m.is_default)
      .Bind(4, m.created_at)
      .Bind(5, m.updated_at);
  auto id = ReturningId(*stmt, "add group membership");
  if (!id.ok()) return id.status();
  m.id = *id;
  return m;
}

Result<GroupMembership> SqliteTx::GetGroupMembership(int64_t id) {
  auto stmt = conn_.Prepare(Sql("SELECT ", kMembershipCols, " FROM group_memberships WHERE id = ?"));
  if (!stmt.ok()) return stmt.status();
  stmt->Bind(1, id);
  return One<GroupMembership>(*stmt, ReadMembership, "group membership " + std::to_string(id));
}

Status SqliteTx::DeleteGroupMembership(int64_t id) {
  auto stmt = conn_.Prepare("DELETE FROM group_memberships WHERE id = ? RETURNING user_id");
  if (!stmt.ok()) return stmt.status();
  stmt->Bind(1, id);
  auto user_id = ReturningId(*stmt, "delete group membership " + std::to_string(id));
  if (!user_id.ok()) return user_id.status();
  stmt->Finish();
  return KeepADefaultMembership(conn_, *user_id);
}

Result<std::vector<GroupMembership>> SqliteTx::ListGroupMemberships(std::optional<int64_t> user_id,
                                                                    std::optional<int64_t> group_id) {
  // Only the filters given, so the indexes on user_id and group_id serve.
  std::string sql = Sql("SELECT ", kMembershipCols, " FROM group_memberships WHERE 1 = 1");
  if (user_id) sql += " AND user_id = ?";
  if (group_id) sql += " AND group_id = ?";
  auto stmt = conn_.Prepare(sql + " ORDER BY id");
  if (!stmt.ok()) return stmt.status();
  int index = 1;
  if (user_id) stmt->Bind(index++, *user_id);
  if (group_id) stmt->Bind(index++, *group_id);
  return All<GroupMembership>(*stmt, ReadMembership, "list group memberships");
}

Status SqliteTx::SetDefaultGroupMembership(int64_t user_id, int64_t id, int64_t now) {
  auto m = GetGroupMembership(id);
  if (!m.ok()) return m.status();
  if (m->user_id != user_id) {
    return Status::NotFound("group membership " + std::to_string(id) + " of user " +
                            std::to_string(user_id) + ": not found");
  }
  auto stmt = conn_.Prepare(
      "UPDATE group_memberships SET is_default = (id = ?), updated_at = ? WHERE user_id = ?");
  if (!stmt.ok()) return stmt.status();
  stmt->Bind(1, id).Bind(2, now).Bind(3, user_id);
  return Context(stmt->Run(), "set default group of user " + std::to_string(user_id));
}

// ---------------- organizations ----------------

namespace {

Result<std::vector<std::string>> ReadDomains(Conn& conn, int64_t organization_id) {
  auto stmt = conn.Prepare(
      "SELECT domain FROM organization_domains WHERE organization_id = ? ORDER BY position");
  if (!stmt.ok()) return stmt.status();
  stmt->Bind(1, organization_id);
  return All<std::string>(
      *stmt, [](const Stmt& s) { return s.Text(0); }, "organization domains");
}

// Invalid, naming it, when another organization owns one of `domains`.
Status CheckDomainsFree(Conn& conn, int64_t organization_id, const std::vector<std::string>& domains) {
  for (const std::string& raw : domains) {
    std::string domain = ToLower(Trim(raw));
    if (domain.empty()) continue;
    auto owner = conn.Prepare("SELECT organization_id FROM organization_domains WHERE domain = ?");
    if (!owner.ok()) return owner.status();
    owner->Bind(1, domain);
    auto other = One<int64_t>(
        *owner, [](const Stmt& s) { return s.Int(0); }, "domain " + domain);
    if (other.ok() && *other != organization_id) {
      return Status::Invalid("organization domain_names: " + domain +
                             " already belongs to organization " + std::to_string(*other));
    }
    if (!other.ok() && other.status().kind() != ErrorKind::kNotFound) return other.status();
  }
  return Status::Ok();
}

// Replaces the organization's domains (CheckDomainsFree first).
Status WriteDomains(Conn& conn, int64_t organization_id, const std::vector<std::string>& domains) {
  {
    auto clear = conn.Prepare("DELETE FROM organization_domains WHERE organization_id = ?");
    if (!clear.ok()) return clear.status();
    clear->Bind(1, organization_id);
    if (Status s = Context(clear->Run(), "clear organization domains"); !s.ok()) return s;
  }
  int64_t position = 0;
  std::vector<std::string> written;
  for (const std::string& raw : domains) {
    std::string domain = ToLower(Trim(raw));
    if (domain.empty() || std::find(written.begin(), written.end(), domain) != written.end()) continue;
    written.push_back(domain);
    auto insert = conn.Prepare(
        "INSERT INTO organization_domains (domain, organization_id, position) VALUES (?, ?, ?)");
    if (!insert.ok()) return insert.status();
    insert->Bind(1, domain).Bind(2, organization_id).Bind(3, position++);
    if (Status s = Context(insert->Run(), "add organization domain " + domain); !s.ok()) return s;
  }
  return Status::Ok();
}

// Invalid when another organization has this name (any case) or external id.
Status CheckOrganization(Conn& conn, const Organization& o) {
  if (Trim(o.name).empty()) return Status::Invalid("organization name: must not be empty");
  auto stmt = conn.Prepare(
      "SELECT name FROM organizations WHERE (name_key = ? OR (? <> '' AND external_id = ?)) "
      "AND id <> ? LIMIT 1");
  if (!stmt.ok()) return stmt.status();
  stmt->Bind(1, NameKey(o.name)).Bind(2, o.external_id).Bind(3, o.external_id).Bind(4, o.id);
  auto clash = One<std::string>(
      *stmt, [](const Stmt& s) { return s.Text(0); }, "organization");
  if (clash.ok()) {
    if (NameKey(*clash) == NameKey(o.name)) {
      return Status::Invalid("organization name: '" + o.name + "' is already taken");
    }
    return Status::Invalid("organization external_id: '" + o.external_id + "' is already taken");
  }
  if (clash.status().kind() != ErrorKind::kNotFound) return clash.status();
  return Status::Ok();
}

// Binds parameters 1..8: name, name_key, details, notes, group_id,
// shared_tickets, shared_comments, external_id (the order of both the
// INSERT and the UPDATE).
void BindOrganizationFields(Stmt& stmt, const Organization& o) {
  stmt.Bind(1, o.name)
      .Bind(2, NameKey(o.name))
      .Bind(3, o.details)
      .Bind(4, o.notes)
      .Bind(5, o.group_id)
      .BindBool(6, o.shared_tickets)
      .BindBool(7, o.shared_comments);
  if (o.external_id.empty()) {
    stmt.BindNull(8);  // NULLs never collide in the unique index
  } else {
    stmt.Bind(8, o.external_id);
  }
}

}  // namespace

Result<Organization> SqliteTx::CreateOrganization(Organization o) {
  o.id = 0;
  if (Status s = CheckOrganization(conn_, o); !s.ok()) return s;
  if (Status s = CheckDomainsFree(conn_, 0, o.domain_names); !s.ok()) return s;
  {
    auto stmt = conn_.Prepare(
        "INSERT INTO organizations (name, name_key, details, notes, group_id, shared_tickets, "
        "shared_comments, external_id, created_at, updated_at) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id");
    if (!stmt.ok()) return stmt.status();
    BindOrganizationFields(*stmt, o);
    stmt->Bind(9, o.created_at).Bind(10, o.updated_at);
    auto id = ReturningId(*stmt, "create organization " + o.name);
    if (!id.ok()) return id.status();
    o.id = *id;
  }
  if (Status s = WriteDomains(conn_, o.id, o.domain_names); !s.ok()) return s;
  auto domains = ReadDomains(conn_, o.id);
  if (!domains.ok()) return domains.status();
  o.domain_names = std::move(domains).value();
  return o;
}

Result<Organization> SqliteTx::GetOrganization(int64_t id) {
  Organization o;
  {
    auto stmt = conn_.Prepare(Sql("SELECT ", kOrganizationCols, " FROM organizations WHERE id = ?"));
    if (!stmt.ok()) return stmt.status();
    stmt->Bind(1, id);
    auto row = One<Organization>(*stmt, ReadOrganization, "organization " + std::to_string(id));
    if (!row.ok()) return row.status();
    o = std::move(row).value();
  }
  auto domains = ReadDomains(conn_, o.id);
  if (!domains.ok()) return domains.status();
  o.domain_names = std::move(domains).value();
  return o;
}

Status SqliteTx::UpdateOrganization(const Organization& o) {
  if (Status s = CheckOrganization(conn_, o); !s.ok()) return s;
  if (Status s = CheckDomainsFree(conn_, o.id, o.domain_names); !s.ok()) return s;
  {
    auto stmt = conn_.Prepare(
        "UPDATE organizations SET name = ?, name_key = ?, details = ?, notes = ?, group_id = ?, "
        "shared_tickets = ?, shared_comments = ?, external_id = ?, updated_at = ? "
        "WHERE id = ? RETURNING id");
    if (!stmt.ok()) return stmt.status();
    BindOrganizationFields(*stmt, o);
    stmt->Bind(9, o.updated_at).Bind(10, o.id);
    auto done = ReturningId(*stmt, "update organization " + std::to_string(o.id));
    if (!done.ok()) return done.status();
  }
  return WriteDomains(conn_, o.id, o.domain_names);
}

Status SqliteTx::DeleteOrganization(int64_t id) {
  for (const char* sql : {"UPDATE users SET organization_id = NULL WHERE organization_id = ?",
                          "UPDATE tickets SET organization_id = NULL WHERE organization_id = ?",
                          "DELETE FROM organization_domains WHERE organization_id = ?"}) {
    auto stmt = conn_.Prepare(sql);
    if (!stmt.ok()) return stmt.status();
    stmt->Bind(1, id);
    if (Status s = Context(stmt->Run(), "delete organization " + std::to_string(id)); !s.ok()) {
      return s;
    }
  }
  auto stmt = conn_.Prepare("DELETE FROM organizations WHERE id = ? RETURNING id");
  if (!stmt.ok()) return stmt.status();
  stmt->Bind(1, id);
  return ReturningId(*stmt, "delete organization " + std::to_string(id)).status();
}

Result<std::vector<Organization>> SqliteTx::ListOrganizations() {
  std::vector<Organization> out;
  {
    auto stmt = conn_.Prepare(Sql("SELECT ", kOrganizationCols, " FROM organizations ORDER BY id"));
    if (!stmt.ok()) return stmt.status();
    auto rows = All<Organization>(*stmt, ReadOrganization, "list organizations");
    if (!rows.ok()) return rows.status();
    out = std::move(rows).value();
  }
  for (Organization& o : out) {
    auto domains = ReadDomains(conn_, o.id);
    if (!domains.ok()) return domains.status();
    o.domain_names = std::move(domains).value();
  }
  return out;
}

Result<Organization> SqliteTx::FindOrganizationByDomain(std::string_view domain) {
  std::string key = ToLower(Trim(domain));
  auto stmt = conn_.Prepare("SELECT organization_id FROM organization_domains WHERE domain = ?");
  if (!stmt.ok()) return stmt.status();
  stmt->Bind(1, key);
  auto id = One<int64_t>(
      *stmt, [](const Stmt& s) { return s.Int(0); }, "organization with domain " + key);
  if (!id.ok()) return id.status();
  stmt->Finish();
  return GetOrganization(*id);
}

}  // namespace postdesk::store::sqlite
