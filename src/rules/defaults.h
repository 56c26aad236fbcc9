// rules/defaults: the standard triggers a new help desk starts with, as
// Zendesk Support defines them (titles, conditions, actions), each with a
// stable key so an admin can restore one that was changed or deleted.
//
// Keys, in position order:
//   notify_requester_received_request   Notify requester and CCs of received request
//   notify_requester_proactive_ticket   Notify requester of new proactive ticket
//   notify_requester_comment_update     Notify requester and CCs of comment update
//   notify_assignee_comment_update      Notify assignee of comment update
//   notify_assignee_assignment          Notify assignee of assignment
//   notify_assignee_reopened            Notify assignee of reopened ticket
//   notify_group_assignment             Notify group of assignment
//   notify_all_agents_received_request  Notify all agents of received request
//   auto_assign_first_email_agent       Auto-assign to first email responding agent (inactive)
//   set_priority_normal                 Set tickets with no priority to normal
// Email bodies carry {{ticket.comments_formatted}}; the reply delimiter and
// the encoded id are the outbound mail builder's job. Titles, descriptions
// and emails exist in English and Japanese (a desk's language is chosen
// when it is created; the Japanese titles start as the guide names them,
// 「リクエスタへの通知」); keys, conditions and actions are the same.
// Thread-safety: pure functions.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "rules/trigger.h"

namespace postdesk::rules {

enum class Language { kEnglish, kJapanese };
std::string_view LanguageCode(Language language);  // "en", "ja"
std::optional<Language> LanguageFromCode(std::string_view code);

// Fresh copies (id 0, timestamps 0, is_default true, default_key set).
std::vector<Trigger> DefaultTriggers(Language language = Language::kEnglish);

// The default trigger with this key, as first shipped; NotFound otherwise.
Result<Trigger> RestoreDefault(std::string_view key, Language language = Language::kEnglish);

}  // namespace postdesk::rules
