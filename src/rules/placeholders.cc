#include "rules/placeholders.h"

#include <algorithm>
#include <ctime>

#include "common/strings.h"

namespace postdesk::rules {
namespace {

struct Ctx {
  const TicketUpdate& update;
  RenderMode mode;
  Audience audience;
};

// A rendered value, and whether it is HTML already (not to be escaped).
struct Value {
  std::string text;
  bool html = false;
};

const UserInfo* FindUser(const TicketUpdate& u, std::optional<int64_t> id) {
  if (!id || *id == 0) return nullptr;
  for (const UserInfo& user : u.users) {
    if (user.id == *id) return &user;
  }
  if (u.current_user.id == *id) return &u.current_user;
  return nullptr;
}

std::string Capitalize(std::string_view s) {
  std::string out(s);
  if (!out.empty() && out[0] >= 'a' && out[0] <= 'z') out[0] = static_cast<char>(out[0] - 32);
  return out;
}

std::string StatusLabel(std::string_view status) {
  if (status == "hold") return "On-hold";
  return Capitalize(status);
}

std::string FirstName(std::string_view name) {
  name = Trim(name);
  size_t sp = name.find(' ');
  return std::string(sp == std::string_view::npos ? name : name.substr(0, sp));
}

std::string LastName(std::string_view name) {
  name = Trim(name);
  size_t sp = name.find(' ');
  return sp == std::string_view::npos ? std::string() : std::string(Trim(name.substr(sp + 1)));
}

std::string FormatDate(int64_t t) {
  if (t <= 0) return "";
  std::time_t tt = static_cast<std::time_t>(t);
  std::tm tm{};
  gmtime_r(&tt, &tm);
  char buf[64];
  std::strftime(buf, sizeof buf, "%b %d, %Y, %H:%M UTC", &tm);
  return buf;
}

// Escaped text with line breaks kept.
std::string TextToHtml(std::string_view text) {
  std::string out;
  out.reserve(text.size() + 16);
  for (std::string_view rest = text; !rest.empty();) {
    size_t nl = rest.find('\n');
    std::string line(rest.substr(0, nl));
    std::erase(line, '\r');
    out += HtmlEscape(line);
    if (nl == std::string_view::npos) break;
    out += "<br>\n";
    rest.remove_prefix(nl + 1);
  }
  return out;
}

// The comments of the ticket, oldest first, including this update's, that
// the audience may see.
std::vector<const CommentInfo*> VisibleComments(const Ctx& ctx, bool public_only) {
  const TicketUpdate& u = ctx.update;
  const bool only_public = public_only || ctx.audience == Audience::kEndUsers;
  std::vector<const CommentInfo*> out;
  out.reserve(u.comments.size() + 1);
  for (const CommentInfo& c : u.comments) {
    if (u.comment && u.comment->id != 0 && c.id == u.comment->id) continue;
    if (only_public && !c.is_public) continue;
    out.push_back(&c);
  }
  if (u.comment && (!only_public || u.comment->is_public)) out.push_back(&*u.comment);
  return out;
}

Value LatestComment(const Ctx& ctx, bool public_only, bool as_html) {
  std::vector<const CommentInfo*> comments = VisibleComments(ctx, public_only);
  if (comments.empty()) return {};
  const CommentInfo& c = *comments.back();
  if (ctx.mode == RenderMode::kHtml && as_html) {
    if (!c.html_body.empty()) return {c.html_body, true};
    return {TextToHtml(c.body), true};
  }
  return {c.body, false};
}

Value CommentsFormatted(const Ctx& ctx, bool public_only) {
  std::vector<const CommentInfo*> comments = VisibleComments(ctx, public_only);
  std::string out;
  // Newest first, as a mail reader wants the reply they are answering on top.
  for (auto it = comments.rbegin(); it != comments.rend(); ++it) {
    const CommentInfo& c = **it;
    std::string author = c.author_name;
    if (author.empty()) {
      if (const UserInfo* user = FindUser(ctx.update, c.author_id)) author = user->name;
    }
    const std::string date = FormatDate(c.created_at);
    if (ctx.mode == RenderMode::kHtml) {
      out += "<div class=\"postdesk-comment\" style=\"margin:0 0 16px 0\">";
      out += "<p style=\"margin:0 0 8px 0;color:#555\"><strong>" + TextToHtml(author) + "</strong>";
      if (!date.empty()) out += " &middot; " + TextToHtml(date);
      if (!c.is_public) out += " &middot; <em>internal note</em>";
      out += "</p><div>" + TextToHtml(c.body) + "</div></div>";
      if (std::next(it) != comments.rend())
        out += "<hr style=\"border:0;border-top:1px solid #ddd\">";
    } else {
      out += "----------------------------------------------\n\n";
      out += author;
      if (!date.empty()) out += ", " + date;
      if (!c.is_public) out += " (internal note)";
      out += "\n\n";
      out += c.body;
      out += "\n\n";
    }
  }
  return {out, ctx.mode == RenderMode::kHtml};
}

Value UserField(const UserInfo* user, std::string_view field) {
  if (!user) return {};
  if (field == "id") return {std::to_string(user->id)};
  if (field == "name") return {user->name};
  if (field == "first_name") return {FirstName(user->name)};
  if (field == "last_name") return {LastName(user->name)};
  if (field == "email") return {user->email};
  return {};
}

using Fn = Value (*)(const Ctx&);

struct Placeholder {
  std::string_view name;
  Fn fn;
};

const TicketState& T(const Ctx& c) { return c.update.after; }

const UserInfo* Requester(const Ctx& c) { return FindUser(c.update, T(c).requester_id); }
const UserInfo* Assignee(const Ctx& c) { return FindUser(c.update, T(c).assignee_id); }
const UserInfo* Current(const Ctx& c) { return &c.update.current_user; }

constexpr Placeholder kPlaceholders[] = {
    {"ticket.id", [](const Ctx& c) { return Value{std::to_string(c.update.ticket_id)}; }},
    {"ticket.encoded_id", [](const Ctx& c) { return Value{c.update.encoded_id}; }},
    {"ticket.title", [](const Ctx& c) { return Value{T(c).subject}; }},
    {"ticket.description", [](const Ctx& c) { return Value{T(c).description}; }},
    {"ticket.url", [](const Ctx& c) { return Value{c.update.ticket_url}; }},
    {"ticket.link", [](const Ctx& c) { return Value{c.update.ticket_url}; }},
    {"ticket.status", [](const Ctx& c) { return Value{StatusLabel(T(c).status)}; }},
    {"ticket.priority", [](const Ctx& c) { return Value{Capitalize(T(c).priority)}; }},
    {"ticket.ticket_type", [](const Ctx& c) { return Value{Capitalize(T(c).type)}; }},
    {"ticket.via",
     [](const Ctx& c) {
       switch (T(c).via) {
         case Channel::kEmail:
           return Value{"Email"};
         case Channel::kWeb:
           return Value{"Web form"};
         case Channel::kApi:
           return Value{"API"};
         case Channel::kSystem:
           return Value{"System"};
       }
       return Value{};
     }},
    {"ticket.account", [](const Ctx& c) { return Value{c.update.account_name}; }},
    {"ticket.tags",
     [](const Ctx& c) {
       std::string out;
       for (const std::string& tag : T(c).tags) out += (out.empty() ? "" : " ") + tag;
       return Value{out};
     }},
    {"ticket.group.name",
     [](const Ctx& c) {
       if (T(c).group_id) {
         for (const GroupInfo& g : c.update.groups) {
           if (g.id == *T(c).group_id) return Value{g.name};
         }
       }
       return Value{};
     }},
    {"ticket.latest_comment", [](const Ctx& c) { return LatestComment(c, false, false); }},
    {"ticket.latest_comment_html", [](const Ctx& c) { return LatestComment(c, false, true); }},
    {"ticket.latest_public_comment", [](const Ctx& c) { return LatestComment(c, true, false); }},
    {"ticket.latest_public_comment_html",
     [](const Ctx& c) { return LatestComment(c, true, true); }},
    {"ticket.comments_formatted", [](const Ctx& c) { return CommentsFormatted(c, false); }},
    {"ticket.public_comments_formatted", [](const Ctx& c) { return CommentsFormatted(c, true); }},
    {"ticket.requester.id", [](const Ctx& c) { return UserField(Requester(c), "id"); }},
    {"ticket.requester.name", [](const Ctx& c) { return UserField(Requester(c), "name"); }},
    {"ticket.requester.first_name",
     [](const Ctx& c) { return UserField(Requester(c), "first_name"); }},
    {"ticket.requester.last_name",
     [](const Ctx& c) { return UserField(Requester(c), "last_name"); }},
    {"ticket.requester.email", [](const Ctx& c) { return UserField(Requester(c), "email"); }},
    {"ticket.assignee.id", [](const Ctx& c) { return UserField(Assignee(c), "id"); }},
    {"ticket.assignee.name", [](const Ctx& c) { return UserField(Assignee(c), "name"); }},
    {"ticket.assignee.first_name",
     [](const Ctx& c) { return UserField(Assignee(c), "first_name"); }},
    {"ticket.assignee.last_name", [](const Ctx& c) { return UserField(Assignee(c), "last_name"); }},
    {"ticket.assignee.email", [](const Ctx& c) { return UserField(Assignee(c), "email"); }},
    {"current_user.id", [](const Ctx& c) { return UserField(Current(c), "id"); }},
    {"current_user.name", [](const Ctx& c) { return UserField(Current(c), "name"); }},
    {"current_user.first_name", [](const Ctx& c) { return UserField(Current(c), "first_name"); }},
    {"current_user.last_name", [](const Ctx& c) { return UserField(Current(c), "last_name"); }},
    {"current_user.email", [](const Ctx& c) { return UserField(Current(c), "email"); }},
};

const Placeholder* Lookup(std::string_view name) {
  for (const Placeholder& p : kPlaceholders) {
    if (p.name == name) return &p;
  }
  return nullptr;
}

// Calls `literal(text)` and `placeholder(name)` for the pieces of `tmpl`. An
// unclosed "{{" is literal text.
template <typename Literal, typename Ph>
void Scan(std::string_view tmpl, Literal literal, Ph placeholder) {
  size_t pos = 0;
  while (pos < tmpl.size()) {
    size_t open = tmpl.find("{{", pos);
    if (open == std::string_view::npos) break;
    size_t close = tmpl.find("}}", open + 2);
    if (close == std::string_view::npos) break;
    if (open > pos) literal(tmpl.substr(pos, open - pos));
    placeholder(Trim(tmpl.substr(open + 2, close - open - 2)));
    pos = close + 2;
  }
  if (pos < tmpl.size()) literal(tmpl.substr(pos));
}

}  // namespace

std::string RenderTemplate(std::string_view tmpl, const TicketUpdate& update, RenderMode mode,
                           Audience audience) {
  const Ctx ctx{update, mode, audience};
  std::string out;
  out.reserve(tmpl.size() + 256);
  Scan(
      tmpl,
      [&](std::string_view text) {
        if (mode == RenderMode::kText) {
          out.append(text);
          return;
        }
        // The admin's own text is HTML; only line breaks are made visible.
        for (char ch : text) {
          if (ch == '\n') {
            out += "<br>\n";
          } else if (ch != '\r') {
            out += ch;
          }
        }
      },
      [&](std::string_view name) {
        const Placeholder* p = Lookup(name);
        if (!p) return;
        Value v = p->fn(ctx);
        if (mode == RenderMode::kText || v.html) {
          out += v.text;
        } else {
          out += TextToHtml(v.text);
        }
      });
  return out;
}

std::vector<std::string> ValidateTemplate(std::string_view tmpl) {
  std::vector<std::string> unknown;
  Scan(
      tmpl, [](std::string_view) {},
      [&](std::string_view name) {
        if (Lookup(name)) return;
        std::string n(name);
        if (std::find(unknown.begin(), unknown.end(), n) == unknown.end()) unknown.push_back(n);
      });
  return unknown;
}

}  // namespace postdesk::rules
