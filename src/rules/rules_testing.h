// Helpers shared by the rules tests and benchmark: a small help desk (an end
// user, two agents, an admin, a CC, a group) and a way to write triggers as
// JSON text. Test-only.
#pragma once

#include <gtest/gtest.h>

#include <cstdlib>
#include <string>

#include "rules/engine.h"
#include "rules/trigger.h"

namespace postdesk::rules::testing {

constexpr int64_t kCustomer = 100;  // end user, the requester
constexpr int64_t kCc = 101;        // end user, copied
constexpr int64_t kAgentAnn = 200;
constexpr int64_t kAgentBob = 201;
constexpr int64_t kAdmin = 300;
constexpr int64_t kGroupSupport = 7;

inline UserInfo Customer() {
  return {kCustomer, "Carla Customer", "carla@example.com", Role::kEndUser};
}
inline UserInfo Cc() { return {kCc, "Chris Copied", "chris@example.com", Role::kEndUser}; }
inline UserInfo Ann() { return {kAgentAnn, "Ann Agent", "ann@help.example", Role::kAgent}; }
inline UserInfo Bob() { return {kAgentBob, "Bob Builder", "bob@help.example", Role::kAgent}; }
inline UserInfo Admin() { return {kAdmin, "Ada Admin", "ada@help.example", Role::kAdmin}; }

// A new ticket emailed in by the customer, as intake would describe it.
inline TicketUpdate NewEmailTicket() {
  TicketUpdate u;
  u.ticket_id = 42;
  u.encoded_id = "K7Q2-9XWD";
  u.ticket_url = "https://help.example/agent/tickets/42";
  u.account_name = "Example Help";
  u.update_type = UpdateType::kCreate;
  u.after.status = "new";
  u.after.requester_id = kCustomer;
  u.after.subject = "Printer is on fire";
  u.after.description = "It started smoking this morning.";
  u.after.via = Channel::kEmail;
  u.after.recipient = "support@help.example";
  u.current_via = Channel::kEmail;
  u.comment = CommentInfo{1,
                          kCustomer,
                          "Carla Customer",
                          "It started smoking this morning.",
                          "<p>It started smoking this morning.</p>",
                          true,
                          1700000000};
  u.current_user = Customer();
  u.users = {Customer(), Cc(), Ann(), Bob(), Admin()};
  u.groups = {{kGroupSupport, "Support", {kAgentAnn, kAgentBob}}};
  return u;
}

// An existing open ticket (assigned to Ann, customer CC'd Chris) being
// changed; no comment yet: tests add what the update carries.
inline TicketUpdate OpenTicketChange() {
  TicketUpdate u = NewEmailTicket();
  u.update_type = UpdateType::kChange;
  u.after.status = "open";
  u.after.assignee_id = kAgentAnn;
  u.after.group_id = kGroupSupport;
  u.after.cc_ids = {kCc};
  u.after.priority = "normal";
  u.before = u.after;
  u.comments = {*u.comment};
  u.comment.reset();
  return u;
}

inline Trigger MustParse(const std::string& text) {
  Result<Trigger> t = ParseTriggerText(text);
  if (!t.ok()) {
    ADD_FAILURE() << "trigger did not parse: " << t.status().message() << "\n" << text;
    std::abort();
  }
  return std::move(t).value();
}

// A trigger from one condition and one action, both JSON text.
inline Trigger Simple(int64_t id, const std::string& condition, const std::string& action,
                      int64_t position = 0) {
  return MustParse(R"({"id": )" + std::to_string(id) + R"(, "title": "t)" + std::to_string(id) +
                   R"(", "position": )" + std::to_string(position) +
                   R"(, "conditions": {"all": [)" + condition + R"(]}, "actions": [)" + action +
                   "]}");
}

}  // namespace postdesk::rules::testing
