// api/restricted: who asks for, and who may change, the rules agents save
// (macros, views), and how their lists are filtered: the caller as the store knows them with their groups; an
// agent writes only personal ones, an admin any; a Group restriction names
// groups that exist. Shared by api/macros_api and api/views_api.
// Thread-safety: pure functions over the caller's Tx.
#pragma once

#include <algorithm>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "api/respond.h"
#include "common/strings.h"
#include "http/router.h"
#include "rules/macro.h"
#include "store/store.h"
#include "tickets/ticket_fields.h"
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

// The checks before saving a macro or view (`what`: "macros" or "views")
// with restriction `r`: with `default_personal` (a new one sent without a
// restriction) an agent's becomes theirs; an agent saves only personal ones;
// a Group restriction names groups that exist. A refusal is set in `err`;
// the Status is a store failure.
inline Status CheckSave(store::Tx& tx, const Caller& caller, rules::Restriction& r,
                        bool default_personal, std::string_view what, ClientError& err) {
  if (default_personal && caller.user.role != Role::kAdmin) {
    r = {rules::Restriction::Kind::kUser, caller.user.id, {}};
  }
  if (!MayWrite(r, caller, what, err)) return Status::Ok();
  return CheckRestrictionGroups(tx, r, err);
}

// The custom ticket fields a rule names exist and its values suit them
// (tickets/ticket_fields); a refusal is set in `err`.
inline Status CheckFields(store::Tx& tx, std::vector<rules::Condition>& all,
                          std::vector<rules::Condition>& any, std::vector<rules::Action>& actions,
                          ClientError& err) {
  return ClientFailure(tickets::CheckRuleFields(tx, all, any, actions), err);
}

// The position after the last one of `table` (a new one goes last).
inline Result<int64_t> NextPosition(store::Tx& tx, store::RuleTable table) {
  auto all = tx.ListRules(table);
  if (!all.ok()) return all.status();
  return all->empty() ? 0 : all->back().position + 1;
}

// The filters of a macro or view list: ?active=, ?access=personal|agents|
// shared|account, and the words of a search (all in the title, any case).
class ListFilter {
 public:
  // 400 for a wrong value. `only_active` is the /active route.
  std::optional<http::Response> Parse(const http::Request& req, std::string_view query,
                                      bool only_active) {
    active_ = only_active ? "true" : std::string(req.Query("active"));
    access_ = std::string(req.Query("access"));
    if (!active_.empty() && active_ != "true" && active_ != "false") {
      return http::ErrorResponse(400, "InvalidValue", "active is true or false");
    }
    if (!access_.empty() && access_ != "personal" && access_ != "shared" &&
        access_ != "account" && access_ != "agents") {
      return http::ErrorResponse(400, "InvalidValue",
                                 "access is personal, agents, shared or account");
    }
    for (const std::string& w : Split(ToLower(query), ' ')) {
      if (!w.empty()) words_.push_back(w);
    }
    return std::nullopt;
  }

  bool Keeps(const rules::Restriction& r, bool active, std::string_view title) const {
    using Kind = rules::Restriction::Kind;
    if (!active_.empty() && active != (active_ == "true")) return false;
    if (access_ == "personal" && r.kind != Kind::kUser) return false;
    if (access_ == "agents" && r.kind != Kind::kGroups) return false;
    if ((access_ == "shared" || access_ == "account") && r.kind != Kind::kEveryone) return false;
    const std::string lower = ToLower(title);
    return std::all_of(words_.begin(), words_.end(),
                       [&](const std::string& w) { return lower.find(w) != std::string::npos; });
  }

 private:
  std::string active_;
  std::string access_;
  std::vector<std::string> words_;
};

}  // namespace postdesk::api
