#include "rules/engine.h"

#include <algorithm>
#include <charconv>
#include <cctype>
#include <optional>
#include <unordered_set>

#include "common/strings.h"
#include "rules/ticket_actions.h"

namespace postdesk::rules {

namespace {

// What conditions read, with the lower-cased texts computed once.
class Ctx {
 public:
  explicit Ctx(const TicketUpdate& u) : u_(u) {
    if (u.update_type == UpdateType::kCreate) {
      // A created ticket "changed" every field it sets.
      blank_.status.clear();
      blank_.via = u.after.via;
      before_ = &blank_;
    } else {
      before_ = &u.before;
    }
  }

  const TicketUpdate& u() const { return u_; }
  const TicketState& after() const { return u_.after; }
  const TicketState& before() const { return *before_; }

  const std::string& Subject() {
    if (!subject_) subject_ = ToLower(u_.after.subject);
    return *subject_;
  }
  const std::string& Description() {
    if (!description_) description_ = ToLower(u_.after.description);
    return *description_;
  }
  const std::string& CommentText() {
    if (!comment_) comment_ = u_.comment ? ToLower(u_.comment->body) : std::string();
    return *comment_;
  }
  bool TicketHasPublicComment() {
    if (!has_public_) {
      bool pub = u_.comment && u_.comment->is_public;
      for (const CommentInfo& c : u_.comments) pub = pub || c.is_public;
      has_public_ = pub;
    }
    return *has_public_;
  }

 private:
  const TicketUpdate& u_;
  TicketState blank_;
  const TicketState* before_;
  std::optional<std::string> subject_, description_, comment_;
  std::optional<bool> has_public_;
};

bool IsWordByte(char ch) {
  unsigned char c = static_cast<unsigned char>(ch);
  return std::isalnum(c) || c >= 0x80 || c == '_';
}

// `needle` occurs in `hay` with no word character on either side.
bool ContainsWord(std::string_view hay, std::string_view needle) {
  if (needle.empty()) return false;
  size_t pos = 0;
  while ((pos = hay.find(needle, pos)) != std::string_view::npos) {
    bool left = pos == 0 || !IsWordByte(hay[pos - 1]) || !IsWordByte(needle.front());
    size_t end = pos + needle.size();
    bool right = end == hay.size() || !IsWordByte(hay[end]) || !IsWordByte(needle.back());
    if (left && right) return true;
    ++pos;
  }
  return false;
}

bool EvalWords(const Condition& c, std::string_view text) {
  if (c.words.empty()) return false;  // only a hand-built condition lacks them
  switch (c.op) {
    case Operator::kIs:
      return text.find(c.words[0]) != std::string_view::npos;
    case Operator::kIsNot:
      return text.find(c.words[0]) == std::string_view::npos;
    case Operator::kIncludes:
    case Operator::kNotIncludes: {
      bool any = false;
      for (const std::string& w : c.words) {
        if (ContainsWord(text, w)) {
          any = true;
          break;
        }
      }
      return c.op == Operator::kIncludes ? any : !any;
    }
    default:
      return false;
  }
}

// The common shape of is / is_not / changed / changed to / changed from.
bool EvalChange(Operator op, bool changed, bool after_match, bool before_match) {
  switch (op) {
    case Operator::kIs:
      return after_match;
    case Operator::kIsNot:
      return !after_match;
    case Operator::kChanged:
      return changed;
    case Operator::kNotChanged:
      return !changed;
    case Operator::kChangedTo:
      return changed && after_match;
    case Operator::kNotChangedTo:
      return !(changed && after_match);
    case Operator::kChangedFrom:
      return changed && before_match;
    case Operator::kNotChangedFrom:
      return !(changed && before_match);
    default:
      return false;
  }
}

bool EvalRank(const Condition& c, int after, int before) {
  if (c.op == Operator::kLessThan) return after >= 0 && after < c.number;
  if (c.op == Operator::kGreaterThan) return after > c.number;
  return EvalChange(c.op, after != before, after == c.number, before == c.number);
}

std::string_view FieldValue(const TicketState& t, int64_t field_id) {
  auto it = t.fields.find(field_id);
  return it == t.fields.end() ? std::string_view() : std::string_view(it->second);
}

// Numbers compare as numbers; other values (dates, YYYY-MM-DD) as text.
int CompareFieldValues(std::string_view a, std::string_view b) {
  double x = 0, y = 0;
  auto [pa, ea] = std::from_chars(a.data(), a.data() + a.size(), x);
  auto [pb, eb] = std::from_chars(b.data(), b.data() + b.size(), y);
  if (ea == std::errc() && eb == std::errc() && pa == a.data() + a.size() &&
      pb == b.data() + b.size()) {
    return x < y ? -1 : x > y ? 1 : 0;
  }
  return a.compare(b) < 0 ? -1 : a.compare(b) > 0 ? 1 : 0;
}

// A custom field's condition; "" is no value (an unchecked checkbox too).
bool EvalCustomField(const Condition& c, std::string_view after, std::string_view before) {
  const std::string_view want = c.words.empty() ? std::string_view() : c.words[0];
  switch (c.op) {
    case Operator::kPresent:
      return !after.empty();
    case Operator::kNotPresent:
      return after.empty();
    case Operator::kLessThan:
      return !after.empty() && CompareFieldValues(after, want) < 0;
    case Operator::kGreaterThan:
      return !after.empty() && CompareFieldValues(after, want) > 0;
    default:
      return EvalChange(c.op, after != before, after == want, before == want);
  }
}

bool InGroupOf(const TicketUpdate& u, int64_t group_id, int64_t user_id) {
  for (const GroupInfo& g : u.groups) {
    if (g.id != group_id) continue;
    return std::find(g.member_ids.begin(), g.member_ids.end(), user_id) != g.member_ids.end();
  }
  return false;
}

// Does the id field's value `v` equal what the condition names?
bool IdMatches(const Condition& c, Ctx& x, std::optional<int64_t> v) {
  const TicketUpdate& u = x.u();
  switch (c.ref) {
    case ValueRef::kNone:
      return !v.has_value();
    case ValueRef::kLiteral:
      return v && *v == c.number;
    case ValueRef::kCurrentUser:
      return v && *v == u.current_user.id;
    case ValueRef::kRequester:
      return v && *v == x.after().requester_id;
    case ValueRef::kAssignee:
      return v && x.after().assignee_id && *v == *x.after().assignee_id;
    case ValueRef::kCurrentGroups:
      return v && InGroupOf(u, *v, u.current_user.id);
    default:
      return false;
  }
}

std::optional<int64_t> Requester(const TicketState& t) {
  return t.requester_id == 0 ? std::nullopt : std::optional<int64_t>(t.requester_id);
}

bool EvalIds(const Condition& c, Ctx& x, std::optional<int64_t> after,
             std::optional<int64_t> before) {
  return EvalChange(c.op, after != before, IdMatches(c, x, after), IdMatches(c, x, before));
}

bool Eval(const Condition& c, Ctx& x) {
  const TicketState& a = x.after();
  const TicketState& b = x.before();
  const TicketUpdate& u = x.u();
  switch (c.field) {
    case ConditionField::kUpdateType: {
      bool create = u.update_type == UpdateType::kCreate;
      bool match = (c.number == 0) == create;
      return c.op == Operator::kIs ? match : !match;
    }
    case ConditionField::kStatus:
      return EvalRank(c, StatusRank(a.status), StatusRank(b.status));
    case ConditionField::kPriority:
      return EvalRank(c, PriorityRank(a.priority), PriorityRank(b.priority));
    case ConditionField::kType: {
      std::string_view want = c.value;
      return EvalChange(c.op, a.type != b.type, a.type == want, b.type == want);
    }
    case ConditionField::kAssigneeId:
      return EvalIds(c, x, a.assignee_id, b.assignee_id);
    case ConditionField::kGroupId:
      return EvalIds(c, x, a.group_id, b.group_id);
    case ConditionField::kRequesterId:
      return EvalIds(c, x, Requester(a), Requester(b));
    case ConditionField::kOrganizationId:
      return EvalIds(c, x, a.organization_id, b.organization_id);
    case ConditionField::kViaId: {
      bool match = static_cast<int64_t>(a.via) == c.number;
      return c.op == Operator::kIs ? match : !match;
    }
    case ConditionField::kCurrentViaId: {
      bool match = static_cast<int64_t>(u.current_via) == c.number;
      return c.op == Operator::kIs ? match : !match;
    }
    case ConditionField::kCommentIsPublic: {
      bool present = u.comment.has_value();
      bool pub = present && u.comment->is_public;
      bool match = false;
      switch (c.number) {
        case 0:
          match = pub;
          break;  // true
        case 1:
          match = present && !pub;
          break;  // false
        case 2:
          match = present;
          break;  // not_relevant: public or private
        case 3:
          match = pub;
          break;  // requester_can_see_comment
      }
      return c.op == Operator::kIs ? match : !match;
    }
    case ConditionField::kCommentPresent: {
      bool match = u.comment.has_value() == (c.number == 1);
      return c.op == Operator::kIs ? match : !match;
    }
    case ConditionField::kTicketIsPublic: {
      bool match = x.TicketHasPublicComment() == (c.number == 1);
      return c.op == Operator::kIs ? match : !match;
    }
    case ConditionField::kRole: {
      Role role = u.current_user.role;
      bool match;
      switch (static_cast<Role>(c.number)) {
        case Role::kEndUser:
          match = role == Role::kEndUser;
          break;
        // An admin is an agent too.
        case Role::kAgent:
          match = role == Role::kAgent || role == Role::kAdmin;
          break;
        case Role::kAdmin:
          match = role == Role::kAdmin;
          break;
        default:
          match = false;
      }
      return c.op == Operator::kIs ? match : !match;
    }
    case ConditionField::kSubjectIncludesWord:
      return EvalWords(c, x.Subject());
    case ConditionField::kCommentIncludesWord:
      return EvalWords(c, x.CommentText());
    case ConditionField::kDescriptionIncludesWord:
      return EvalWords(c, x.Description());
    case ConditionField::kCurrentTags: {
      bool any = false;
      for (const std::string& w : c.words) {
        if (std::find(a.tags.begin(), a.tags.end(), w) != a.tags.end()) {
          any = true;
          break;
        }
      }
      return c.op == Operator::kIncludes ? any : !any;
    }
    case ConditionField::kRecipient: {
      bool match = !c.words.empty() && NormalizeEmail(a.recipient) == c.words[0];
      return c.op == Operator::kIs ? match : !match;
    }
    case ConditionField::kCustomField:
      return EvalCustomField(c, FieldValue(a, c.field_id), FieldValue(b, c.field_id));
    case ConditionField::kHoursSinceCreated:
    case ConditionField::kHoursSinceUpdated:
    case ConditionField::kDeliveryFailed:
      return false;  // views only: ParseTrigger refuses them
  }
  return false;
}

bool Matches(const Trigger& t, Ctx& x) {
  for (const Condition& c : t.all) {
    if (!Eval(c, x)) return false;
  }
  if (t.any.empty()) return true;
  for (const Condition& c : t.any) {
    if (Eval(c, x)) return true;
  }
  return false;
}

// A notification whose recipients are fixed (when its trigger fired) and
// whose text is rendered after the last pass.
struct Pending {
  const Trigger* trigger;
  const Action* action;
  Notification groups[2];  // [0] end users, [1] agents
};

class Evaluator {
 public:
  Evaluator(TicketUpdate& u, EvaluationResult& r) : u_(u), r_(r) {}

  // Applies the ticket actions of `t`; returns whether the ticket changed.
  bool Fire(const Trigger& t) {
    bool changed = false;
    for (const Action& a : t.actions) {
      const bool notification =
          a.field == ActionField::kNotificationUser || a.field == ActionField::kNotificationGroup;
      if (a.value.size() != (notification ? 3u : 1u)) {
        Warn(t, "skipped a malformed " + ActionKey(a) + " action");
        continue;
      }
      switch (a.field) {
        case ActionField::kNotificationUser:
        case ActionField::kNotificationGroup:
          Resolve(t, a);
          break;
        default:
          changed |= Apply(t, a);
          break;
      }
    }
    return changed;
  }

  // Renders every pending notification against the final ticket.
  void Notify() {
    for (Pending& p : pending_) {
      const Action& a = *p.action;
      for (int i = 0; i < 2; ++i) {
        Notification& n = p.groups[i];
        if (n.recipients.empty()) continue;
        n.audience = i == 0 ? Audience::kEndUsers : Audience::kAgents;
        n.trigger_id = p.trigger->id;
        n.trigger_title = p.trigger->title;
        n.action = std::string(ActionFieldName(a.field));
        n.recipient_spec = a.value[0];
        n.subject = RenderTemplate(a.value[1], u_, RenderMode::kText, n.audience);
        // A subject is one line.
        std::replace(n.subject.begin(), n.subject.end(), '\n', ' ');
        std::replace(n.subject.begin(), n.subject.end(), '\r', ' ');
        n.text_body = RenderTemplate(a.value[2], u_, RenderMode::kText, n.audience);
        n.html_body = RenderTemplate(a.value[2], u_, RenderMode::kHtml, n.audience);
        r_.notifications.push_back(std::move(n));
      }
    }
  }

 private:
  void Record(const Trigger& t, std::string field, std::string prev, std::string value) {
    r_.changes.push_back({t.id, t.title, std::move(field), std::move(prev), std::move(value)});
  }

  bool Apply(const Trigger& t, const Action& a) {
    std::string refusal;
    std::optional<AppliedChange> change = ApplyTicketAction(a, u_.after, u_.current_user, &refusal);
    if (!refusal.empty()) Warn(t, refusal);
    if (!change) return false;
    Record(t, std::move(change->field), std::move(change->previous_value),
           std::move(change->value));
    return true;
  }

  const UserInfo* FindUser(int64_t id) const {
    for (const UserInfo& user : u_.users) {
      if (user.id == id) return &user;
    }
    if (u_.current_user.id == id && id != 0) return &u_.current_user;
    return nullptr;
  }

  void Warn(const Trigger& t, const std::string& what) {
    r_.warnings.push_back("trigger " + std::to_string(t.id) + " \"" + t.title + "\": " + what);
  }

  void Resolve(const Trigger& t, const Action& a) {
    const TicketState& s = u_.after;
    std::vector<int64_t> ids;
    std::vector<const UserInfo*> direct;  // users known without the directory
    const std::string& spec = a.value[0];
    if (a.field == ActionField::kNotificationUser) {
      switch (a.ref) {
        case ValueRef::kRequesterAndCcs:
          if (u_.comment && !u_.comment->is_public) {
            Warn(t, "email to requester and CCs not sent: this update's comment is private");
            return;
          }
          if (s.requester_id) ids.push_back(s.requester_id);
          ids.insert(ids.end(), s.cc_ids.begin(), s.cc_ids.end());
          break;
        case ValueRef::kRequester:
          if (s.requester_id) ids.push_back(s.requester_id);
          break;
        case ValueRef::kAssignee:
          if (!s.assignee_id) return;  // nobody to tell; as in Zendesk, not an error
          ids.push_back(*s.assignee_id);
          break;
        case ValueRef::kAllAgents:
          for (const UserInfo& user : u_.users) {
            if (user.role != Role::kEndUser) direct.push_back(&user);
          }
          break;
        case ValueRef::kCurrentUser:
          direct.push_back(&u_.current_user);
          break;
        case ValueRef::kLiteral:
          ids.push_back(a.number);
          break;
        default:
          break;
      }
    } else {
      std::optional<int64_t> group;
      if (a.ref == ValueRef::kTicketGroup) {
        group = s.group_id;
        if (!group) return;
      } else {
        group = a.number;
      }
      const GroupInfo* found = nullptr;
      for (const GroupInfo& g : u_.groups) {
        if (g.id == *group) found = &g;
      }
      if (!found) {
        Warn(t, "email to group " + std::to_string(*group) + " not sent: unknown group");
        return;
      }
      ids = found->member_ids;
    }
    for (int64_t id : ids) {
      const UserInfo* user = FindUser(id);
      if (!user) {
        Warn(t, "user " + std::to_string(id) + " is not known, so was not emailed");
        continue;
      }
      direct.push_back(user);
    }

    Pending p{&t, &a, {}};
    std::unordered_set<int64_t> seen_ids;
    std::unordered_set<std::string> seen_emails;
    for (const UserInfo* user : direct) {
      if (user->email.empty()) {
        Warn(t, "user " + std::to_string(user->id) + " has no email address");
        continue;
      }
      std::string email = NormalizeEmail(user->email);
      if ((user->id != 0 && !seen_ids.insert(user->id).second) ||
          !seen_emails.insert(email).second) {
        continue;
      }
      p.groups[user->role == Role::kEndUser ? 0 : 1].recipients.push_back(
          {user->id, user->name, user->email});
    }
    if (p.groups[0].recipients.empty() && p.groups[1].recipients.empty()) {
      if (direct.empty() && ids.empty()) Warn(t, "email not sent: no recipient (" + spec + ")");
      return;
    }
    pending_.push_back(std::move(p));
  }

  TicketUpdate& u_;
  EvaluationResult& r_;
  std::vector<Pending> pending_;
};

}  // namespace

bool ConditionsMatch(const Trigger& trigger, const TicketUpdate& update) {
  Ctx x(update);
  return Matches(trigger, x);
}

std::string DescribeCondition(const Condition& c) {
  std::string out = ConditionKey(c) + " " + std::string(OperatorName(c.op));
  if (c.null_value) return out;
  return out + " " + (c.value.empty() ? std::string("(empty)") : c.value);
}

MatchExplanation ExplainConditions(const Trigger& trigger, const TicketUpdate& update) {
  MatchExplanation e;
  Ctx x(update);
  bool all_hold = true;
  for (size_t i = 0; i < trigger.all.size(); ++i) {
    ConditionVerdict v{false, i, DescribeCondition(trigger.all[i]), Eval(trigger.all[i], x)};
    if (!v.holds) {
      all_hold = false;
      e.failed.push_back(v.text);
    }
    e.conditions.push_back(std::move(v));
  }
  bool any_holds = trigger.any.empty();
  std::string any_text;
  for (size_t i = 0; i < trigger.any.size(); ++i) {
    ConditionVerdict v{true, i, DescribeCondition(trigger.any[i]), Eval(trigger.any[i], x)};
    any_holds = any_holds || v.holds;
    any_text += (any_text.empty() ? "" : "; ") + v.text;
    e.conditions.push_back(std::move(v));
  }
  if (!any_holds) e.failed.push_back("none of: " + any_text);
  e.matches = all_hold && any_holds;
  return e;
}

EvaluationResult EvaluateTriggers(const std::vector<Trigger>& triggers, TicketUpdate& update,
                                  const EvaluateOptions& options) {
  EvaluationResult result;
  std::vector<const Trigger*> order;
  order.reserve(triggers.size());
  for (const Trigger& t : triggers) {
    if (t.active) order.push_back(&t);
  }
  std::stable_sort(order.begin(), order.end(), [](const Trigger* a, const Trigger* b) {
    return a->position != b->position ? a->position < b->position : a->id < b->id;
  });
  std::vector<bool> fired(order.size(), false);

  Evaluator ev(update, result);
  // Conditions read the working copy live; the lower-cased texts they cache
  // (subject, description, comment) are never changed by actions.
  Ctx x(update);
  bool changed = true;
  while (changed && result.passes < options.max_passes) {
    ++result.passes;
    changed = false;
    for (size_t i = 0; i < order.size(); ++i) {
      if (fired[i] || !Matches(*order[i], x)) continue;
      fired[i] = true;
      result.fired.push_back({order[i]->id, order[i]->title, result.passes});
      changed |= ev.Fire(*order[i]);
    }
  }
  if (changed && std::find(fired.begin(), fired.end(), false) != fired.end()) {
    // Another pass might have fired more triggers.
    result.pass_limit_reached = true;
    result.warnings.push_back("stopped after " + std::to_string(result.passes) +
                              " passes; triggers may still be changing the ticket");
  }
  ev.Notify();
  return result;
}

}  // namespace postdesk::rules
