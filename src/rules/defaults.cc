#include "rules/defaults.h"

#include <cstdlib>
#include <nlohmann/json.hpp>

namespace postdesk::rules {
namespace {

using nlohmann::json;

struct Definition {
  const char* key;
  const char* title;
  bool active;
  const char* description;
  const char* json;  // {"all": [...], "any": [...], "actions": [...]}
};

// The conditions and actions of Zendesk's standard triggers. Positions follow
// this order.
const Definition kDefaults[] = {
    {"notify_requester_received_request", "Notify requester and CCs of received request", true,
     "Tells the requester and CCs that their request became a ticket.",
     R"({"all": [
          {"field": "update_type", "operator": "is", "value": "Create"},
          {"field": "status", "operator": "is_not", "value": "solved"},
          {"field": "ticket_is_public", "operator": "is", "value": "public"},
          {"field": "comment_is_public", "operator": "is", "value": "true"},
          {"field": "role", "operator": "is", "value": "end_user"}],
        "actions": [{"field": "notification_user", "value": ["requester_and_ccs",
          "[Request received] {{ticket.title}}",
          "Your request ({{ticket.id}}) has been received and is being reviewed by our support staff.\n\nTo add additional comments, reply to this email.\n\n{{ticket.comments_formatted}}"]}]})"},
    {"notify_requester_proactive_ticket", "Notify requester of new proactive ticket", true,
     "Tells the requester about a ticket an agent opened on their behalf.",
     R"({"all": [
          {"field": "update_type", "operator": "is", "value": "Create"},
          {"field": "ticket_is_public", "operator": "is", "value": "public"},
          {"field": "role", "operator": "is", "value": "agent"}],
        "actions": [{"field": "notification_user", "value": ["requester_and_ccs",
          "{{ticket.title}}",
          "This ticket was created on your behalf.\n\n{{ticket.comments_formatted}}\n\nTo add additional comments, reply to this email."]}]})"},
    {"notify_requester_comment_update", "Notify requester and CCs of comment update", true,
     "Sends each public comment to the requester and CCs.",
     R"({"all": [
          {"field": "update_type", "operator": "is", "value": "Change"},
          {"field": "comment_is_public", "operator": "is", "value": "true"}],
        "actions": [{"field": "notification_user", "value": ["requester_and_ccs",
          "[{{ticket.account}}] Re: {{ticket.title}}",
          "Your request ({{ticket.id}}) has been updated. To add additional comments, reply to this email.\n\n{{ticket.comments_formatted}}"]}]})"},
    {"notify_assignee_comment_update", "Notify assignee of comment update", true,
     "Sends each new comment, public or internal, to the assigned agent.",
     R"({"all": [
          {"field": "comment_is_public", "operator": "is", "value": "not_relevant"},
          {"field": "assignee_id", "operator": "is_not", "value": "current_user"},
          {"field": "assignee_id", "operator": "is_not", "value": "requester_id"},
          {"field": "assignee_id", "operator": "not_changed", "value": null},
          {"field": "status", "operator": "not_value_previous", "value": "solved"}],
        "actions": [{"field": "notification_user", "value": ["assignee_id",
          "[{{ticket.account}}] Re: {{ticket.title}}",
          "This ticket (#{{ticket.id}}) has been updated.\n\n{{ticket.comments_formatted}}"]}]})"},
    {"notify_assignee_assignment", "Notify assignee of assignment", true,
     "Tells an agent that someone else assigned a ticket to them.",
     R"({"all": [
          {"field": "assignee_id", "operator": "changed", "value": null},
          {"field": "assignee_id", "operator": "is_not", "value": "current_user"}],
        "actions": [{"field": "notification_user", "value": ["assignee_id",
          "[{{ticket.account}}] Assignment: {{ticket.title}}",
          "You have been assigned to this ticket (#{{ticket.id}}).\n\n{{ticket.comments_formatted}}"]}]})"},
    {"notify_assignee_reopened", "Notify assignee of reopened ticket", true,
     "Tells the assigned agent that a solved ticket was reopened.",
     R"({"all": [
          {"field": "assignee_id", "operator": "is_not", "value": "current_user"},
          {"field": "status", "operator": "value_previous", "value": "solved"},
          {"field": "status", "operator": "is_not", "value": "closed"}],
        "actions": [{"field": "notification_user", "value": ["assignee_id",
          "[{{ticket.account}}] Re: {{ticket.title}}",
          "This ticket (#{{ticket.id}}) has been reopened.\n\n{{ticket.comments_formatted}}"]}]})"},
    {"notify_group_assignment", "Notify group of assignment", true,
     "Tells the agents of a group that an unassigned ticket was routed to it.",
     R"({"all": [
          {"field": "group_id", "operator": "is_not", "value": ""},
          {"field": "assignee_id", "operator": "is", "value": ""}],
        "any": [
          {"field": "group_id", "operator": "changed", "value": null},
          {"field": "assignee_id", "operator": "changed", "value": null}],
        "actions": [{"field": "notification_group", "value": ["group_id",
          "[{{ticket.account}}] Assignment: {{ticket.title}}",
          "This ticket (#{{ticket.id}}) has been assigned to group '{{ticket.group.name}}', of which you are a member.\n\n{{ticket.comments_formatted}}"]}]})"},
    {"notify_all_agents_received_request", "Notify all agents of received request", true,
     "Tells every agent about each new ticket. Small teams only.",
     R"({"all": [
          {"field": "update_type", "operator": "is", "value": "Create"}],
        "actions": [{"field": "notification_user", "value": ["all_agents",
          "[{{ticket.account}}] {{ticket.title}}",
          "A ticket (#{{ticket.id}}) by {{ticket.requester.name}} has been received. It is unassigned.\n\n{{ticket.comments_formatted}}"]}]})"},
    {"auto_assign_first_email_agent", "Auto-assign to first email responding agent", false,
     "Assigns an unassigned ticket to the agent who first answers it by email.",
     R"({"all": [
          {"field": "update_type", "operator": "is", "value": "Change"},
          {"field": "current_via_id", "operator": "is", "value": "4"},
          {"field": "assignee_id", "operator": "is", "value": ""},
          {"field": "role", "operator": "is_not", "value": "end_user"}],
        "actions": [{"field": "assignee_id", "value": "current_user"}]})"},
    {"set_priority_normal", "Set tickets with no priority to normal", true,
     "Gives new tickets without a priority the priority normal.",
     R"({"all": [
          {"field": "update_type", "operator": "is", "value": "Create"},
          {"field": "priority", "operator": "is", "value": ""}],
        "actions": [{"field": "priority", "value": "normal"}]})"},
};

Trigger Build(const Definition& d, int64_t position) {
  json j = json::parse(d.json);
  j["title"] = d.title;
  j["active"] = d.active;
  j["position"] = position;
  j["description"] = d.description;
  j["default"] = true;
  j["default_key"] = d.key;
  Result<Trigger> t = ParseTrigger(j);
  // The definitions are constants checked by rules_test; a failure here is a
  // programming error, not input.
  if (!t.ok()) std::abort();
  return std::move(t).value();
}

}  // namespace

std::vector<Trigger> DefaultTriggers() {
  std::vector<Trigger> out;
  int64_t position = 0;
  for (const Definition& d : kDefaults) out.push_back(Build(d, ++position));
  return out;
}

Result<Trigger> RestoreDefault(std::string_view key) {
  int64_t position = 0;
  for (const Definition& d : kDefaults) {
    ++position;
    if (key == d.key) return Build(d, position);
  }
  return Status::NotFound("no default trigger has the key \"" + std::string(key) + "\"");
}

}  // namespace postdesk::rules
