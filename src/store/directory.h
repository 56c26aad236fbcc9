// store/directory: who works on tickets and who asks -- groups of agents
// (Zendesk's groups, with memberships) and customers' organizations (with
// the email domains whose new users join them). One aggregate of the store:
// Tx offers these methods beside the tickets' and the mail's.
//
// Names are unique (groups among those not deleted; organizations, case
// insensitively); a duplicate is Invalid with a message naming it. One group
// at most is the default (making one so clears the others). A deleted group
// is kept (tickets still name it) but lists leave it out, it has no members
// and no organization routes to it. An agent in any group has one default
// membership (the first, or the oldest left). Deleting an organization takes
// it off its users and tickets.
// Thread-safety: as Tx (one thread, one transaction).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace postdesk::store {

struct Group {
  int64_t id = 0;
  std::string name;
  std::string description;
  bool is_default = false;  // where tickets go when nothing routes them
  bool deleted = false;
  int64_t created_at = 0;
  int64_t updated_at = 0;
};

// An agent in a group; `is_default` marks the agent's default group.
struct GroupMembership {
  int64_t id = 0;
  int64_t user_id = 0;
  int64_t group_id = 0;
  bool is_default = false;
  int64_t created_at = 0;
  int64_t updated_at = 0;
};

struct Organization {
  int64_t id = 0;
  std::string name;
  std::string details;
  std::string notes;
  std::vector<std::string> domain_names;  // lower case, unique across organizations
  std::optional<int64_t> group_id;  // where its members' new tickets go
  bool shared_tickets = false;
  bool shared_comments = false;
  std::string external_id;  // "" = none; unique when set
  int64_t created_at = 0;
  int64_t updated_at = 0;
};

class DirectoryTx {
 public:
  virtual ~DirectoryTx() = default;

  // Groups, by id. ListGroups leaves deleted ones out unless asked.
  virtual Result<Group> CreateGroup(Group group) = 0;  // id set
  virtual Result<Group> GetGroup(int64_t id) = 0;
  virtual Status UpdateGroup(const Group& group) = 0;  // name, description, is_default, updated_at
  // Marks it deleted and removes its memberships (NotFound when absent).
  virtual Status DeleteGroup(int64_t id, int64_t now) = 0;
  virtual Result<std::vector<Group>> ListGroups(bool include_deleted) = 0;

  // Memberships, by id; filters are optional. Adding one twice is Invalid.
  virtual Result<GroupMembership> AddGroupMembership(GroupMembership membership) = 0;
  virtual Result<GroupMembership> GetGroupMembership(int64_t id) = 0;
  virtual Status DeleteGroupMembership(int64_t id) = 0;  // NotFound when absent
  virtual Result<std::vector<GroupMembership>> ListGroupMemberships(
      std::optional<int64_t> user_id, std::optional<int64_t> group_id) = 0;
  // Makes `id` the user's only default membership.
  virtual Status SetDefaultGroupMembership(int64_t user_id, int64_t id, int64_t now) = 0;

  // Organizations, by id.
  virtual Result<Organization> CreateOrganization(Organization organization) = 0;  // id set
  virtual Result<Organization> GetOrganization(int64_t id) = 0;
  virtual Status UpdateOrganization(const Organization& organization) = 0;  // all but id, created_at
  virtual Status DeleteOrganization(int64_t id) = 0;  // NotFound when absent
  virtual Result<std::vector<Organization>> ListOrganizations() = 0;
  // The organization that owns an email domain (lower case); NotFound if none.
  virtual Result<Organization> FindOrganizationByDomain(std::string_view domain) = 0;
};

}  // namespace postdesk::store
