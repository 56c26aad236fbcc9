// api/restricted: who asks for, and who may change, the rules agents save
// (macros, views): the caller as the store knows them with their groups; an
// agent writes only personal ones, an admin any; a Group restriction names
// groups that exist. Shared by api/macros_api and api/views_api.
// Thread-safety: pure functions over the caller's Tx.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "api/respond.h"
#include "http/router.h"
#include "rules/macro.h"
#include "store/store.h"
#include "tickets/workflow.h"

namespace postdesk::api {

struct Caller {
  store::User user;
  std::vector<int64_t> groups;
};

inline Result<Caller> LoadCaller(store::Tx& tx, const http::Request& req) {
  if (!req.user) return Status::Invalid("no user");
  auto user = tx.GetUser(req.user->id);
  if (!user.ok()) return user.status();
  auto groups = tickets::GroupIdsOf(tx, user->id);
  if (!groups.ok()) return groups.status();
  return Caller{std::move(user).value(), std::move(groups).value()};
}

// False (and a 403 in `err`) when an agent would save a shared or group
// one; `what` is "macros" or "views".
inline bool MayWrite(const rules::Restriction& r, const Caller& caller, std::string_view what,
                     ClientError& err) {
  if (caller.user.role == Role::kAdmin) return true;
  if (r.kind == rules::Restriction::Kind::kUser && r.user_id == caller.user.id) return true;
  err.status = 403;
  err.code = "Forbidden";
  err.description = "Agents save personal " + std::string(what) +
                    " only (restriction {\"type\": \"User\", \"id\": " +
                    std::to_string(caller.user.id) + "}); shared and group " + std::string(what) +
                    " are for admins.";
  return false;
}

// A 422 in `err` when a Group restriction names a group that does not exist.
inline Status CheckRestrictionGroups(store::Tx& tx, const rules::Restriction& r, ClientError& err) {
  for (int64_t g : r.group_ids) {
    auto group = tx.GetGroup(g);
    if (group.ok() && !group->deleted) continue;
    if (!group.ok() && group.status().kind() != ErrorKind::kNotFound) return group.status();
    err.description = "restriction.ids: there is no group " + std::to_string(g);
    return Status::Ok();
  }
  return Status::Ok();
}

}  // namespace postdesk::api
