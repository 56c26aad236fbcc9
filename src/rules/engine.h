// rules/engine: runs triggers over one ticket create or update.
//
// Active triggers run in position order (then id). Within a pass each trigger
// not yet fired is checked against the working copy (`update.after`) and, if
// its conditions hold, fires: its ticket actions change the working copy at
// once, so later triggers see them. Passes repeat while the previous pass
// changed the ticket, so a trigger enabled by another's action fires in a
// later pass. Each trigger fires at most once per update, and at most
// `max_passes` passes run.
//
// A notification's recipients are fixed when its trigger fires (so "assignee
// is not the current user" still holds for whoever gets the email, even if a
// later trigger assigns the ticket); its subject and bodies are rendered after
// the last pass, against the final ticket. Recipients are split by audience:
// end users never receive private comments; a `requester_and_ccs` email is
// not sent when this update's comment is private.
//
// Trust: triggers come parsed (ParseTrigger validated them); the update is
// trusted to be consistent (see ticket_update.h).
// Thread-safety: pure function over its arguments; triggers may be shared
// between threads, the update may not.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "rules/placeholders.h"
#include "rules/ticket_update.h"
#include "rules/trigger.h"

namespace postdesk::rules {

struct FiredTrigger {
  int64_t id = 0;
  std::string title;
  int pass = 0;  // 1-based
};

// A change a trigger action made to the ticket: for an audit Change event.
// Ids are decimal strings ("" for none); tags are space-separated.
struct FieldChange {
  int64_t trigger_id = 0;
  std::string trigger_title;
  std::string field;  // status | priority | type | assignee_id | group_id | tags
  std::string previous_value;
  std::string value;
};

struct Recipient {
  int64_t user_id = 0;
  std::string name;
  std::string email;
};

struct Notification {
  int64_t trigger_id = 0;
  std::string trigger_title;
  std::string action;          // "notification_user" | "notification_group"
  std::string recipient_spec;  // the action's first value, e.g. "requester_and_ccs"
  Audience audience = Audience::kEndUsers;
  std::vector<Recipient> recipients;  // each has an email; no duplicates
  std::string subject;                // text
  std::string text_body;
  std::string html_body;  // an HTML fragment; the mail builder wraps it
};

struct EvaluationResult {
  std::vector<FiredTrigger> fired;  // in firing order
  std::vector<FieldChange> changes;
  std::vector<Notification> notifications;
  // Things an admin should see in the events log: a notification that
  // reached nobody, an action that could not apply, the pass limit.
  std::vector<std::string> warnings;
  int passes = 0;
  bool pass_limit_reached = false;
};

struct EvaluateOptions {
  int max_passes = 10;
};

EvaluationResult EvaluateTriggers(const std::vector<Trigger>& triggers, TicketUpdate& update,
                                  const EvaluateOptions& options = {});

// Whether `trigger`'s conditions hold for `update` as it is now (ignores
// `active`). For tests and for an admin's "would this fire?" view.
bool ConditionsMatch(const Trigger& trigger, const TicketUpdate& update);

// One condition's verdict against an update.
struct ConditionVerdict {
  bool in_any = false;  // from `any` (else from `all`)
  size_t index = 0;     // position within its list
  std::string text;     // e.g. "comment_is_public is true" (see DescribeCondition)
  bool holds = false;
};

// Why `trigger` would or would not fire on `update` (ignores `active`):
// every condition's verdict, in order (all, then any), and the reasons it
// does not match -- each failing `all` condition, and "none of: ..." when
// no `any` condition holds. For the doctor's "which condition failed?".
struct MatchExplanation {
  bool matches = false;
  std::vector<ConditionVerdict> conditions;
  std::vector<std::string> failed;  // empty when it matches
};
MatchExplanation ExplainConditions(const Trigger& trigger, const TicketUpdate& update);

// A condition as one line for people: "<field> <operator> <value>", e.g.
// "update_type is Change", "assignee_id changed".
std::string DescribeCondition(const Condition& condition);

}  // namespace postdesk::rules
