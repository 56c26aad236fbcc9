#include "rules/ticket_actions.h"

#include <algorithm>
#include <vector>

namespace postdesk::rules {
namespace {

std::string IdText(std::optional<int64_t> id) { return id ? std::to_string(*id) : std::string(); }

std::string TagsText(const std::vector<std::string>& tags) {
  std::string out;
  for (const std::string& t : tags) out += (out.empty() ? "" : " ") + t;
  return out;
}

std::optional<AppliedChange> SetString(const char* field, std::string& slot, const std::string& v) {
  if (slot == v) return std::nullopt;
  AppliedChange change{field, slot, v};
  slot = v;
  return change;
}

std::optional<AppliedChange> SetId(const char* field, std::optional<int64_t>& slot,
                                   std::optional<int64_t> v) {
  if (slot == v) return std::nullopt;
  AppliedChange change{field, IdText(slot), IdText(v)};
  slot = v;
  return change;
}

std::optional<AppliedChange> SetTags(std::vector<std::string>& slot, std::vector<std::string> tags) {
  if (slot == tags) return std::nullopt;
  AppliedChange change{"tags", TagsText(slot), TagsText(tags)};
  slot = std::move(tags);
  return change;
}

}  // namespace

std::optional<AppliedChange> ApplyTicketAction(const Action& a, TicketState& s,
                                               const UserInfo& current_user,
                                               std::string* refusal) {
  if (a.value.empty()) return std::nullopt;
  switch (a.field) {
    case ActionField::kStatus:
      return SetString("status", s.status, a.value[0]);
    case ActionField::kPriority:
      return SetString("priority", s.priority, a.value[0]);
    case ActionField::kType:
      return SetString("type", s.type, a.value[0]);
    case ActionField::kAssigneeId: {
      std::optional<int64_t> v;
      if (a.ref == ValueRef::kLiteral) {
        v = a.number;
      } else if (a.ref == ValueRef::kCurrentUser) {
        if (current_user.role == Role::kEndUser || current_user.id == 0) {
          if (refusal) {
            *refusal = "cannot assign the ticket to the current user, who is not an agent";
          }
          return std::nullopt;
        }
        v = current_user.id;
      }
      return SetId("assignee_id", s.assignee_id, v);
    }
    case ActionField::kGroupId: {
      std::optional<int64_t> v;
      if (a.ref == ValueRef::kLiteral) v = a.number;
      return SetId("group_id", s.group_id, v);
    }
    case ActionField::kSetTags:
      return SetTags(s.tags, a.words);
    case ActionField::kCurrentTags: {
      std::vector<std::string> tags = s.tags;
      for (const std::string& w : a.words) {
        if (std::find(tags.begin(), tags.end(), w) == tags.end()) tags.push_back(w);
      }
      return SetTags(s.tags, std::move(tags));
    }
    case ActionField::kRemoveTags: {
      std::vector<std::string> tags;
      for (const std::string& tag : s.tags) {
        if (std::find(a.words.begin(), a.words.end(), tag) == a.words.end()) tags.push_back(tag);
      }
      return SetTags(s.tags, std::move(tags));
    }
    case ActionField::kCustomField: {
      auto it = s.fields.find(a.field_id);
      const std::string before = it == s.fields.end() ? std::string() : it->second;
      if (before == a.value[0]) return std::nullopt;
      if (a.value[0].empty()) {
        s.fields.erase(a.field_id);
      } else {
        s.fields[a.field_id] = a.value[0];
      }
      return AppliedChange{ActionKey(a), before, a.value[0]};
    }
    default:
      return std::nullopt;
  }
}

}  // namespace postdesk::rules
