// rules/placeholders: renders the Liquid-like `{{ticket.title}}` placeholders
// of trigger emails against a TicketUpdate, as plain text or as HTML.
//
// Supported names (whitespace inside the braces is ignored):
//   ticket.id  ticket.encoded_id  ticket.title  ticket.description
//   ticket.url  ticket.link  ticket.status  ticket.priority  ticket.ticket_type
//   ticket.via  ticket.account  ticket.tags  ticket.group.name
//   ticket.latest_comment  ticket.latest_comment_html
//   ticket.latest_public_comment  ticket.latest_public_comment_html
//   ticket.comments_formatted  ticket.public_comments_formatted
//   ticket.requester.*  ticket.assignee.*  current_user.*
//     where * is id | name | first_name | last_name | email
// Unknown placeholders render empty; ValidateTemplate lists them. Liquid tags
// (`{% ... %}`) and filters (`{{ x | upcase }}`) are not supported: a filter
// makes the placeholder unknown, and tags are left as literal text.
//
// Modes: kText renders values as they are. kHtml treats the template's own
// text as HTML written by an admin (trusted; a newline becomes <br>), escapes
// every value, and inserts the *_html placeholders unescaped (they are HTML
// already: the caller sanitised `html_body`).
//
// Audience: for end users, private comments never appear (latest_comment is
// the latest public one; comments_formatted lists public comments only). For
// agents, private comments are included.
// Thread-safety: pure functions.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "rules/ticket_update.h"

namespace postdesk::rules {

enum class RenderMode { kText, kHtml };
enum class Audience { kEndUsers, kAgents };

std::string RenderTemplate(std::string_view tmpl, const TicketUpdate& update, RenderMode mode,
                           Audience audience = Audience::kEndUsers);

// The unknown placeholder names in `tmpl` (trimmed, in order, each once).
std::vector<std::string> ValidateTemplate(std::string_view tmpl);

}  // namespace postdesk::rules
