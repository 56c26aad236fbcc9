// `postdesk agent add --email E --name N [--role admin|agent]`,
// `postdesk agent password EMAIL` and `postdesk agent list`: the workspace's
// agents from the command line, on the store `serve` uses.
//
// `add` creates the agent (or makes an existing end-user one) without a
// password; `password` reads the new password from standard input (its
// first line), stores its argon2id hash and ends the agent's sessions.
// Input trust: the operator's. Exit statuses (sysexits.h): 0 ok, 64 usage
// (a bad email, role or password), 65 already an agent, 67 no such agent,
// 75 the store is busy, 78 no database.
// Thread-safety: for main().
#pragma once

#include <istream>
#include <string>

#include "common/config.h"

namespace postdesk::app {

struct AgentArgs {
  std::string email;
  std::string name;
  std::string role = "agent";
};

int AgentAdd(const Config& config, const AgentArgs& args);
int AgentPassword(const Config& config, const AgentArgs& args, std::istream& in);
int AgentList(const Config& config);

}  // namespace postdesk::app
