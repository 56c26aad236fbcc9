// common/role: who a user is to the desk -- Zendesk's three roles -- as a
// value, so an access check cannot be a misspelt string. Strings exist only
// at the edges (JSON, SQL, the CLI, the trigger condition language).
// Thread-safety: plain values and pure functions.
#pragma once

#include <optional>
#include <string_view>

namespace postdesk {

// An admin is also an agent; both are "staff".
enum class Role { kEndUser, kAgent, kAdmin };

// "end-user" (also "end_user", the trigger language's spelling), "agent",
// "admin"; anything else is nullopt.
inline std::optional<Role> ParseRole(std::string_view name) {
  if (name == "end-user" || name == "end_user") return Role::kEndUser;
  if (name == "agent") return Role::kAgent;
  if (name == "admin") return Role::kAdmin;
  return std::nullopt;
}

// The API's and the store's spelling: "end-user" | "agent" | "admin".
inline std::string_view RoleName(Role role) {
  switch (role) {
    case Role::kAgent:
      return "agent";
    case Role::kAdmin:
      return "admin";
    case Role::kEndUser:
      break;
  }
  return "end-user";
}

// Agents and admins: may use the workspace and the API, act for the desk.
inline bool IsStaff(Role role) { return role != Role::kEndUser; }

}  // namespace postdesk
