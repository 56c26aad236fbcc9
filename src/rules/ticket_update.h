// rules/ticket_update: what the trigger engine sees of one ticket create or
// update -- plain values the caller copies out of the store, so the rules
// module never touches storage, SMTP or HTTP.
//
// Trust: everything here is trusted to be consistent (ids refer to the users
// and groups listed in `users` and `groups`); text fields (subject, comment
// bodies, names) are untrusted content and are escaped when rendered as HTML.
// `CommentInfo::html_body` is inserted as-is by the *_html placeholders, so
// the caller passes HTML it has already sanitised.
// Thread-safety: plain values.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/channel.h"
#include "common/role.h"

namespace postdesk::rules {

enum class UpdateType { kCreate, kChange };

// Zendesk roles (common/role.h). An admin is also an agent (see
// ConditionField::kRole).
using postdesk::Role;

// The channel a ticket came in through, or an update was made through
// (common/channel.h).
using postdesk::Channel;

struct UserInfo {
  int64_t id = 0;
  std::string name;
  std::string email;  // empty: cannot be emailed
  Role role = Role::kEndUser;
};

struct GroupInfo {
  int64_t id = 0;
  std::string name;
  std::vector<int64_t> member_ids;  // agents in the group
};

// The fields of a ticket triggers can read and write.
struct TicketState {
  std::string status = "new";  // new | open | pending | hold | solved | closed
  std::string priority;        // "" | low | normal | high | urgent
  std::string type;            // "" | question | incident | problem | task
  std::optional<int64_t> assignee_id;
  std::optional<int64_t> group_id;
  int64_t requester_id = 0;
  std::optional<int64_t> organization_id;
  std::vector<int64_t> cc_ids;    // collaborators (CCs)
  std::vector<std::string> tags;  // lower case, no duplicates
  std::string subject;
  std::string description;        // the first comment's text
  Channel via = Channel::kEmail;  // the channel the ticket was created through
  std::string recipient;          // the support address it was sent to
  // Custom ticket fields that have a value, by field id, as text
  // (tickets/ticket_fields: a checked checkbox "true", a date YYYY-MM-DD).
  std::map<int64_t, std::string> fields;
};

struct CommentInfo {
  int64_t id = 0;
  int64_t author_id = 0;
  std::string author_name;
  std::string body;       // plain text
  std::string html_body;  // sanitised HTML, or empty
  bool is_public = true;
  int64_t created_at = 0;  // Unix seconds (UTC)
};

// One create or update of a ticket. EvaluateTriggers treats `after` as the
// working copy: actions of triggers that fire change it, and later triggers
// see those changes. `before` is ignored for kCreate (a created ticket changed
// every field it sets).
struct TicketUpdate {
  int64_t ticket_id = 0;
  std::string encoded_id;    // e.g. "K7Q2-9XWD"
  std::string ticket_url;    // full URL of the ticket for agents
  std::string account_name;  // {{ticket.account}}: the help desk's name
  UpdateType update_type = UpdateType::kCreate;
  TicketState before;
  TicketState after;
  Channel current_via = Channel::kEmail;  // how this update was made
  std::optional<CommentInfo> comment;     // the comment this update added
  UserInfo current_user;                  // who made the update
  // Directory for resolving recipients and placeholders: the requester, the
  // assignee, the CCs, every agent that "all_agents" should reach, and the
  // members of groups that may be notified. Users not listed here cannot be
  // emailed (a warning says so).
  std::vector<UserInfo> users;
  std::vector<GroupInfo> groups;
  // Earlier comments, oldest first. If it also holds `comment` (same non-zero
  // id), that copy is ignored.
  std::vector<CommentInfo> comments;
};

}  // namespace postdesk::rules
