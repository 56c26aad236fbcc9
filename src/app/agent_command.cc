#include "app/agent_command.h"

#include <cstdio>
#include <ctime>
#include <iostream>

#include "accounts/passwords.h"
#include "accounts/sessions.h"
#include "app/bootstrap.h"
#include "app/commands.h"
#include "common/strings.h"

namespace postdesk::app {

namespace {

constexpr int kExitUsage = 64;

void Complain(const std::string& message) { std::fprintf(stderr, "postdesk agent: %s\n", message.c_str()); }

int ExitForStore(const Status& s) {
  Complain(s.message());
  if (s.kind() == ErrorKind::kNotFound) return kExitConfig;
  return s.temporary() ? kExitTempFail : kExitConfig;
}

bool LooksLikeEmail(std::string_view email) {
  size_t at = email.find('@');
  return at != std::string_view::npos && at > 0 && at + 1 < email.size() &&
         email.find_first_of(" \t\r\n<>,;\"") == std::string_view::npos;
}

}  // namespace

int AgentAdd(const Config& config, const AgentArgs& args) {
  const std::string email = NormalizeEmail(args.email);
  if (!LooksLikeEmail(email)) {
    Complain("'" + args.email + "' is not an email address");
    return kExitUsage;
  }
  const std::optional<Role> role = ParseRole(args.role);
  if (!role || !IsStaff(*role)) {
    Complain("--role is agent or admin, not '" + args.role + "'");
    return kExitUsage;
  }
  auto store = OpenExistingStore(config);
  if (!store.ok()) return ExitForStore(store.status());
  bool already = false;
  int64_t now = static_cast<int64_t>(std::time(nullptr));
  Status s = (*store)->Write([&](store::Tx& tx) -> Status {
    auto existing = tx.FindUserByEmail(email);
    if (existing.ok()) {
      if (IsStaff(existing->role)) {
        already = true;
        return Status::Ok();
      }
      existing->role = *role;  // a customer becomes an agent
      if (!args.name.empty()) existing->name = args.name;
      existing->updated_at = now;
      return tx.UpdateUser(*existing);
    }
    if (existing.status().kind() != ErrorKind::kNotFound) return existing.status();
    store::User user;
    user.email = email;
    user.name = args.name.empty() ? email.substr(0, email.find('@')) : args.name;
    user.role = *role;
    user.created_at = user.updated_at = now;
    return tx.CreateUser(user).status();
  });
  if (!s.ok()) return ExitForStore(s);
  if (already) {
    Complain(email + " is already an agent (set a password with: postdesk agent password " +
             email + ")");
    return kExitDataErr;
  }
  std::printf("%s is now an %s. Give them a password with: postdesk agent password %s\n",
              email.c_str(), args.role.c_str(), email.c_str());
  return kExitOk;
}

int AgentPassword(const Config& config, const AgentArgs& args, std::istream& in) {
  const std::string email = NormalizeEmail(args.email);
  std::string password;
  std::getline(in, password);
  if (!password.empty() && password.back() == '\r') password.pop_back();
  if (std::string problem = accounts::PasswordProblem(password); !problem.empty()) {
    Complain(problem + " (the password is read from standard input, one line)");
    return kExitUsage;
  }
  auto hash = accounts::HashPassword(password);
  if (!hash.ok()) return ExitForStore(hash.status());
  auto store = OpenExistingStore(config);
  if (!store.ok()) return ExitForStore(store.status());
  bool not_agent = false;
  Status s = (*store)->Write([&](store::Tx& tx) -> Status {
    auto user = tx.FindUserByEmail(email);
    if (!user.ok()) return user.status();
    if (!IsStaff(user->role)) {
      not_agent = true;
      return Status::Ok();
    }
    if (Status p = tx.SetPasswordHash(user->id, *hash); !p.ok()) return p;
    return tx.DeleteUserSessions(user->id);
  });
  if (s.kind() == ErrorKind::kNotFound && !s.ok()) {
    Complain("no agent has the email " + email + " (add one with: postdesk agent add --email " +
             email + " --name NAME)");
    return kExitNoUser;
  }
  if (!s.ok()) return ExitForStore(s);
  if (not_agent) {
    Complain(email + " is a customer, not an agent (make them one with: postdesk agent add "
                     "--email " + email + ")");
    return kExitNoUser;
  }
  std::printf("password of %s changed; their sessions were signed out\n", email.c_str());
  return kExitOk;
}

int AgentList(const Config& config) {
  auto store = OpenExistingStore(config);
  if (!store.ok()) return ExitForStore(store.status());
  Status s = (*store)->Read([&](store::Tx& tx) -> Status {
    for (Role role : {Role::kAdmin, Role::kAgent}) {
      auto users = tx.ListUsersByRole(role);
      if (!users.ok()) return users.status();
      for (const auto& u : *users) {
        auto hash = tx.GetPasswordHash(u.id);
        if (!hash.ok()) return hash.status();
        std::printf("%-6s %-40s %s%s\n", std::string(RoleName(u.role)).c_str(), u.email.c_str(), u.name.c_str(),
                    hash->empty() ? "  (no password yet)" : "");
      }
    }
    return Status::Ok();
  });
  if (!s.ok()) return ExitForStore(s);
  return kExitOk;
}

}  // namespace postdesk::app
