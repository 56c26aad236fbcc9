#include "doctor/ticket_doctor.h"

#include <algorithm>
#include <chrono>
#include <ctime>
#include <map>
#include <optional>
#include <set>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/buffers_iterator.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/connect.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/streambuf.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

#include "channel/recipient_addresses.h"
#include "common/clock.h"
#include "common/config.h"
#include "common/strings.h"
#include "dns/cares_resolver.h"
#include "intake/support_addresses.h"
#include "outbound/delivery_state.h"
#include "outbound/dsn.h"
#include "outbound/enqueue.h"
#include "outbound/mx.h"
#include "rules/defaults.h"
#include "rules/engine.h"
#include "tickets/updates.h"

namespace postdesk::doctor {
namespace {

namespace asio = boost::asio;
using channel::Finding;
using nlohmann::json;
using namespace asio::experimental::awaitable_operators;

constexpr size_t kMaxAddresses = 50;     // step 1 lists at most this many recipients
constexpr size_t kMaxQuoted = 300;       // bytes of a remote reply quoted in evidence

std::string Quoted(std::string_view text) {
  std::string t(Trim(text));
  if (t.size() > kMaxQuoted) t = t.substr(0, kMaxQuoted) + "...";
  return t;
}

std::string Time(int64_t t) { return t ? FormatIsoTime(t) : std::string("(never)"); }

// --------------------------------------------------------------- step 1

std::string ReasonFix(std::string_view cls) {
  if (cls == "user_unknown") {
    return "the address does not exist at the recipient's mail server: get a correct address "
           "from the customer, change the user's email, then clear the undeliverable flag";
  }
  if (cls == "host_unknown") {
    return "the recipient's domain has no mail server: check the address for a typo";
  }
  if (cls == "mailbox_full") {
    return "the recipient's mailbox is full: they must make room (or give another address); "
           "the next email is tried again";
  }
  if (cls == "blocked") {
    return "the recipient's server refused our mail as spam or blocked the sending server: check "
           "the relay's IP address on blocklists and that SPF, DKIM and DMARC pass (step 4)";
  }
  if (cls == "policy") {
    return "the recipient's server refused it by policy: read its reply; it is often sender "
           "authentication (step 4) or content";
  }
  if (cls == "authentication") {
    return "the recipient's server refused it for failing SPF/DKIM/DMARC: correct the sending "
           "domain's records (step 4)";
  }
  if (cls == "message_too_large") {
    return "the email was too large for the recipient's server: send big files as links";
  }
  if (cls == "expired") {
    return "no mail server of the recipient accepted it during the whole retry period: check "
           "the recipient domain's mail servers (step 5) and the relay";
  }
  if (cls == "suspended") return "the recipient's mailbox is disabled: ask for another address";
  return "read the remote server's reply; if it is unclear, ask the recipient's mail "
         "administrator";
}

json HistoryJson(const std::vector<store::DeliveryEvent>& events) {
  json out = json::array();
  for (const auto& e : events) {
    json h = {{"state", e.state}, {"at", FormatIsoTime(e.created_at)}};
    if (e.code) h["smtp_code"] = e.code;
    if (!e.status.empty()) h["status"] = e.status;
    if (!e.detail.empty()) h["detail"] = e.detail;
    if (!e.remote_host.empty()) h["remote_host"] = e.remote_host;
    out.push_back(std::move(h));
  }
  return out;
}

// "550 5.1.1 <text>" from host: the reply text usually repeats the code and
// the status; they are added only when it does not.
std::string LastReply(const store::OutboundRecipient& r) {
  std::string reply = Quoted(r.last_reply);
  std::string out;
  if (r.last_code && reply.find(std::to_string(r.last_code)) == std::string::npos) {
    out += std::to_string(r.last_code);
  }
  if (!r.last_status.empty() && reply.find(r.last_status) == std::string::npos) {
    out += (out.empty() ? "" : " ") + r.last_status;
  }
  if (!reply.empty()) out += (out.empty() ? "" : " ") + reply;
  if (out.empty()) return out;
  out = "\"" + out + "\"";
  if (!r.remote_host.empty()) out += " from " + r.remote_host;
  return out;
}

struct Sent {
  store::OutboundMessage message;
  store::OutboundRecipient recipient;
};

Finding DeliveryFinding(store::Tx& tx, const Sent& s, int64_t now) {
  const auto& m = s.message;
  const auto& r = s.recipient;
  std::string title = "Delivery to " + r.address;
  std::string what = "email \"" + Quoted(m.subject) + "\" of " + Time(m.created_at) +
                     (m.trigger_title.empty() ? "" : " (trigger \"" + m.trigger_title + "\")");
  std::string attempts = std::to_string(r.attempts) + (r.attempts == 1 ? " attempt" : " attempts");
  json details = {{"address", r.address},
                  {"state", r.state},
                  {"attempts", r.attempts},
                  {"outbound_message_id", m.id},
                  {"message_id", m.message_id},
                  {"subject", m.subject}};
  if (m.trigger_id) details["trigger"] = {{"id", *m.trigger_id}, {"title", m.trigger_title}};
  if (r.last_code) details["smtp_code"] = r.last_code;
  if (!r.last_status.empty()) details["status"] = r.last_status;
  if (!r.last_reply.empty()) details["reply"] = r.last_reply;
  if (!r.remote_host.empty()) details["remote_host"] = r.remote_host;
  if (!r.reason.empty()) details["reason"] = r.reason;
  if (auto history = tx.ListDeliveryEvents(r.id); history.ok()) {
    details["history"] = HistoryJson(*history);
  }
  std::string reply = LastReply(r);
  const std::string step = "1.delivery";
  using outbound::DeliveryState;
  const std::optional<DeliveryState> state = outbound::ParseDeliveryState(r.state);
  if (state == DeliveryState::kSent) {
    return channel::Ok(step, title,
                       r.address + ": sent, " + what + ", " + attempts +
                           (reply.empty() ? "" : "; accepted with " + reply),
                       details);
  }
  if (state == DeliveryState::kQueued) {
    bool stuck = r.next_attempt_at + 300 < now;
    return channel::Warning(
        step, title,
        r.address + ": queued since " + Time(r.created_at) + ", " + what + ", " + attempts +
            (stuck ? "; its attempt was due at " + Time(r.next_attempt_at) + " and has not run" : ""),
        stuck ? "the delivery queue runs inside `postdesk serve`: make sure it is running"
              : "nothing to do: it is about to be sent",
        details);
  }
  if (state == DeliveryState::kSending) {
    return channel::Warning(step, title,
                            r.address + ": being sent (since " + Time(r.updated_at) + "), " + what,
                            "nothing to do; if `postdesk serve` stopped meanwhile, it is tried "
                            "again when it starts",
                            details);
  }
  std::string cls = BounceClass(r);
  if (state == DeliveryState::kDeferred) {
    return channel::Warning(
        step, title,
        r.address + ": deferred after " + attempts + ", " + what +
            (reply.empty() ? "" : "; last reply " + reply) + "; next attempt " +
            Time(r.next_attempt_at) + ", given up at " + Time(r.expires_at),
        "nothing to do while the failure is temporary: it is retried; if the reply persists, " +
            ReasonFix(cls),
        details);
  }
  if (state == DeliveryState::kFailed) {
    return channel::Problem(step, title,
                            r.address + ": failed after " + attempts + ", " + what +
                                (reply.empty() ? "" : "; refused with " + reply) + " (" + cls + ")",
                            ReasonFix(cls), details);
  }
  if (state == DeliveryState::kBounced) {
    return channel::Problem(step, title,
                            r.address + ": accepted, then bounced: " + what +
                                (reply.empty() ? "" : "; the report says " + reply) + " (" + cls +
                                ")",
                            ReasonFix(cls), details);
  }
  return channel::Warning(step, title, r.address + ": in unknown state \"" + r.state + "\"",
                          "report this: the queue wrote a state the doctor does not know",
                          details);
}

// ---------------------------------------------------------------- step 2

using tickets::InfoOf;
using tickets::StateOf;

std::string JsonText(const json& v) {
  if (v.is_string()) return v.get<std::string>();
  if (v.is_null()) return "";
  if (v.is_number_integer()) return std::to_string(v.get<int64_t>());
  return v.dump();
}

std::optional<int64_t> JsonId(const json& v) {
  if (v.is_number_integer()) return v.get<int64_t>();
  if (v.is_string()) {
    const std::string& s = v.get_ref<const std::string&>();
    if (s.empty() || s.size() > 18 || s.find_first_not_of("0123456789") != std::string::npos) {
      return std::nullopt;
    }
    return std::stoll(s);
  }
  return std::nullopt;
}

// Sets `field` of `s` back to `value` (a Change event's previous_value).
void SetField(rules::TicketState& s, const std::string& field, const json& value) {
  if (field == "status") {
    s.status = JsonText(value);
  } else if (field == "priority") {
    s.priority = JsonText(value);
  } else if (field == "type") {
    s.type = JsonText(value);
  } else if (field == "subject") {
    s.subject = JsonText(value);
  } else if (field == "assignee_id") {
    s.assignee_id = JsonId(value);
  } else if (field == "group_id") {
    s.group_id = JsonId(value);
  } else if (field == "tags") {
    s.tags.clear();
    if (value.is_array()) {
      for (const auto& t : value) s.tags.push_back(JsonText(t));
    } else {
      for (auto& t : Split(JsonText(value), ' ')) {
        if (!t.empty()) s.tags.push_back(t);
      }
    }
  }
}

// The title of the trigger in a Notification event's via.source.from.
std::string ViaTitle(const json& e) {
  const json* v = &e;
  for (const char* key : {"via", "source", "from", "title"}) {
    if (!v->is_object() || !v->contains(key)) return "";
    v = &(*v)[key];
  }
  return JsonText(*v);
}

bool IsRuleChange(const json& e) {
  return e.contains("via") && e["via"].is_object() && e["via"].value("channel", "") == "rule";
}

// Undoes the Change events of `events` (last first); only those made by
// triggers when `rules_only`, only the others when `!rules_only`.
void Revert(rules::TicketState& s, const json& events, std::optional<bool> rules_only) {
  if (!events.is_array()) return;
  for (auto it = events.rbegin(); it != events.rend(); ++it) {
    const json& e = *it;
    if (!e.is_object() || e.value("type", "") != "Change" || !e.contains("field_name")) continue;
    if (rules_only && IsRuleChange(e) != *rules_only) continue;
    SetField(s, JsonText(e["field_name"]), e.contains("previous_value") ? e["previous_value"] : json());
  }
}

struct ParsedAudit {
  store::Audit audit;
  json events;
};

// A default trigger that emails the requester.
bool NotifiesRequester(const rules::Trigger& t) {
  for (const auto& a : t.actions) {
    if (a.field == rules::ActionField::kNotificationUser &&
        (a.ref == rules::ValueRef::kRequesterAndCcs || a.ref == rules::ValueRef::kRequester)) {
      return true;
    }
  }
  return false;
}

std::string Join(const std::vector<std::string>& items, std::string_view sep) {
  std::string out;
  for (const auto& i : items) out += (out.empty() ? "" : std::string(sep)) + i;
  return out;
}

std::string TriggerName(const store::TriggerRow& row) {
  return "\"" + row.title + "\" (trigger " + std::to_string(row.id) + ")";
}

struct TriggerStepInput {
  const store::Ticket& ticket;
  int64_t target_user_id;       // 0: the recipient is not a user
  std::string target_address;   // normalised
  const std::vector<ParsedAudit>& audits;  // oldest first
  int64_t ticket_id;
  bool target_is_staff;  // an agent or admin: not a customer notification
};

class TriggerStep {
 public:
  TriggerStep(store::Tx& tx, TriggerStepInput in, std::vector<Finding>& out,
              std::vector<FixAction>& fixes)
      : tx_(tx), in_(std::move(in)), out_(out), fixes_(fixes) {}

  Status Run() {
    const ParsedAudit* chosen = nullptr;
    const json* comment = nullptr;
    for (auto it = in_.audits.rbegin(); it != in_.audits.rend() && !chosen; ++it) {
      if (!it->events.is_array()) continue;
      bool created = HasType(it->events, "Create");
      for (const auto& e : it->events) {
        if (!e.is_object() || e.value("type", "") != "Comment" || !e.value("public", false)) continue;
        auto author = e.contains("author_id") ? JsonId(e["author_id"]) : std::nullopt;
        if (!created && in_.target_user_id && author && *author == in_.target_user_id) continue;
        chosen = &*it;
        comment = &e;
        break;
      }
    }
    if (!chosen) {
      out_.push_back(channel::Warning(
          kStep, kTitle,
          "ticket " + std::to_string(in_.ticket_id) + " has no public comment that " +
              in_.target_address + " did not write: nothing was meant to be emailed to them",
          "nothing to do: private notes are never emailed to customers"));
      return CurrentDefaults({});
    }
    const store::Audit& audit = chosen->audit;
    bool created = HasType(chosen->events, "Create");
    update_text_ = std::string(created ? "the new ticket" : "the public comment") + " of " +
                   Time(audit.created_at) + " (audit " + std::to_string(audit.id) + ")";
    json update = {{"audit_id", audit.id},
                   {"created", created},
                   {"via", ChannelName(audit.via)},
                   {"author_id", audit.author_id},
                   {"at", FormatIsoTime(audit.created_at)}};

    // Did a notification of that update reach the recipient?
    auto messages = tx_.ListOutboundMessages(in_.ticket_id);
    if (!messages.ok()) return messages.status();
    for (const auto& e : chosen->events) {
      if (!e.is_object() || e.value("type", "") != "Notification") continue;
      std::string by = ViaTitle(e);
      if (e.contains("error")) {
        out_.push_back(channel::Problem(
            kStep, kTitle,
            "trigger \"" + by + "\" fired on " + update_text_ + " but its email could not be built: " +
                Quoted(JsonText(e["error"])),
            "correct the trigger's subject or body (GET /api/v2/triggers), then reply again",
            update));
        return Status::Ok();
      }
      bool to_target = false;
      if (in_.target_user_id && e.contains("recipients") && e["recipients"].is_array()) {
        for (const auto& id : e["recipients"]) {
          if (JsonId(id) == in_.target_user_id) to_target = true;
        }
      }
      std::string mid = e.contains("message_id") ? JsonText(e["message_id"]) : "";
      if (!to_target && !mid.empty()) {
        for (const auto& m : *messages) {
          if (m.message_id != mid) continue;
          auto rs = tx_.ListOutboundRecipients(m.id);
          if (!rs.ok()) return rs.status();
          for (const auto& r : *rs) to_target |= NormalizeEmail(r.address) == in_.target_address;
        }
      }
      if (!to_target) continue;
      update["message_id"] = mid;
      update["trigger"] = by;
      std::string note = e.contains("from_note") ? " (" + JsonText(e["from_note"]) + ")" : "";
      out_.push_back(channel::Ok(kStep, kTitle,
                                 update_text_ + " was emailed to " + in_.target_address +
                                     " by trigger \"" + by + "\" as <" + mid + ">" + note,
                                 update));
      return CurrentDefaults({});
    }

    if (in_.target_is_staff) {
      out_.push_back(channel::Warning(
          kStep, kTitle,
          update_text_ + " was not emailed to " + in_.target_address +
              ", an agent; the doctor explains the notifications customers miss, not agents' ones",
          "see which agent notifications are active and as shipped: GET /api/v2/triggers/defaults",
          update));
      return CurrentDefaults({});
    }

    // None did: which standard notification should have, and why it did not.
    auto u = Reconstruct(*chosen, *comment);
    if (!u.ok()) return u.status();
    std::vector<std::string> expected;
    std::vector<std::string> not_applicable;
    json defaults = json::array();
    for (const auto& d : rules::DefaultTriggers(tickets::DeskLanguage(tx_))) {
      if (!NotifiesRequester(d)) continue;
      rules::MatchExplanation e = rules::ExplainConditions(d, *u);
      defaults.push_back({{"key", d.default_key},
                          {"title", d.title},
                          {"applies", e.matches},
                          {"failed", e.failed}});
      if (e.matches) {
        expected.push_back(d.default_key);
      } else {
        not_applicable.push_back("\"" + d.title + "\" (" + Join(e.failed, ", ") + ")");
      }
    }
    update["defaults"] = defaults;
    size_t before = out_.size();
    for (const auto& key : expected) {
      if (Status s = Expected(key, *u, chosen->audit, update); !s.ok()) return s;
    }
    if (expected.empty()) {
      out_.push_back(channel::Warning(
          kStep, kTitle,
          update_text_ + " was not emailed to " + in_.target_address +
              ", and no standard notification applies to it: " + Join(not_applicable, "; "),
          "if the customer should have been told, reply again with a public comment; a custom "
          "trigger can cover this case",
          update));
    } else if (out_.size() == before) {
      out_.push_back(channel::Warning(kStep, kTitle,
                                      update_text_ + " was not emailed to " + in_.target_address,
                                      "reply again and run the doctor on the new update", update));
    }
    return CurrentDefaults(expected);
  }

 private:
  static constexpr const char* kStep = "2.trigger";
  static constexpr const char* kTitle = "Notification trigger";

  static bool HasType(const json& events, std::string_view type) {
    if (!events.is_array()) return false;
    for (const auto& e : events) {
      if (e.is_object() && e.value("type", "") == type) return true;
    }
    return false;
  }

  // The engine's view of that update, from the ticket as it is now and the
  // audits: later changes and the triggers' own changes undone.
  Result<rules::TicketUpdate> Reconstruct(const ParsedAudit& chosen, const json& comment_event) {
    const store::Audit& audit = chosen.audit;
    rules::TicketUpdate u;
    u.ticket_id = in_.ticket.id;
    u.encoded_id = in_.ticket.encoded_id;
    u.update_type = HasType(chosen.events, "Create") ? rules::UpdateType::kCreate
                                                     : rules::UpdateType::kChange;
    rules::TicketState after = StateOf(in_.ticket);
    for (auto it = in_.audits.rbegin(); it != in_.audits.rend(); ++it) {
      if (it->audit.id == audit.id) break;
      Revert(after, it->events, std::nullopt);
    }
    Revert(after, chosen.events, true);
    rules::TicketState before = after;
    Revert(before, chosen.events, false);
    u.after = after;
    u.before = before;
    u.current_via = audit.via;
    auto groups = tickets::GroupsOf(tx_);
    if (!groups.ok()) return groups.status();
    u.groups = std::move(groups).value();  // as Commit gave them (today's members)
    if (auto actor = tx_.GetUser(audit.author_id); actor.ok()) {
      u.current_user = InfoOf(*actor);
    } else if (actor.status().kind() != ErrorKind::kNotFound) {
      return actor.status();
    }
    auto comments = tx_.ListComments(in_.ticket.id);
    if (!comments.ok()) return comments.status();
    std::optional<int64_t> comment_id;
    if (comment_event.contains("id")) comment_id = JsonId(comment_event["id"]);
    for (const auto& c : *comments) {
      rules::CommentInfo info{c.id, c.author_id, "", c.body, "", c.is_public, c.created_at};
      if (comment_id && c.id == *comment_id) {
        u.comment = info;
      } else if (!comment_id || c.id < *comment_id) {
        u.comments.push_back(std::move(info));
      }
    }
    if (!u.comment) {
      rules::CommentInfo info;
      info.author_id = comment_event.contains("author_id") ? JsonId(comment_event["author_id"]).value_or(0) : 0;
      info.body = comment_event.contains("body") ? JsonText(comment_event["body"]) : "";
      info.is_public = true;
      u.comment = info;
    }
    return u;
  }

  // A standard notification that applies to the update: why it sent nothing.
  Status Expected(const std::string& key, const rules::TicketUpdate& u, const store::Audit& audit,
                  const json& update) {
    auto shipped = rules::RestoreDefault(key, tickets::DeskLanguage(tx_));
    if (!shipped.ok()) return shipped.status();
    json details = update;
    details["default_key"] = key;
    auto row = tx_.FindTriggerByDefaultKey(key);
    std::string lead = update_text_ + " was not emailed to " + in_.target_address + ": ";
    if (!row.ok()) {
      if (row.status().kind() != ErrorKind::kNotFound) return row.status();
      details["state"] = "missing";
      out_.push_back(channel::Problem(
          kStep, kTitle,
          lead + "the standard trigger \"" + shipped->title + "\" that sends it was deleted",
          "restore it as shipped (`--fix`, or POST /api/v2/triggers/defaults/" + key + "/restore)",
          details));
      AddFix(fixes_, {FixKind::kRestoreTrigger, kStep,
                      "restore the deleted standard trigger \"" + shipped->title + "\"", 0, key});
      return Status::Ok();
    }
    details["trigger_id"] = row->id;
    auto stored = tickets::TriggerFromRow(*row);
    if (!stored.ok()) {
      details["state"] = "unreadable";
      out_.push_back(channel::Problem(kStep, kTitle,
                                      lead + TriggerName(*row) + " cannot be read: " +
                                          stored.status().message(),
                                      "restore it as shipped (`--fix`)", details));
      AddFix(fixes_, {FixKind::kRestoreTrigger, kStep,
                      "restore " + TriggerName(*row) + " as shipped", 0, key});
      return Status::Ok();
    }
    bool changed = !SameAsShipped(*stored, *shipped);
    rules::MatchExplanation now = rules::ExplainConditions(*stored, u);
    details["changed"] = changed;
    details["active"] = row->active;
    details["failed"] = now.failed;
    bool later = row->updated_at > audit.created_at;
    std::string since = later ? " (it was last changed at " + Time(row->updated_at) +
                                    ", after this update)"
                              : "";
    if (!row->active) {
      details["state"] = "inactive";
      out_.push_back(channel::Problem(
          kStep, kTitle,
          lead + "the standard trigger " + TriggerName(*row) + " that sends it is inactive" +
              (changed ? " and changed from the default" : ""),
          "re-activate it (`--fix`, or PUT /api/v2/triggers/" + std::to_string(row->id) +
              " with {\"trigger\":{\"active\":true}})",
          details));
      AddFix(fixes_, {FixKind::kActivateTrigger, kStep, "re-activate " + TriggerName(*row),
                      row->id, ""});
      return Status::Ok();
    }
    if (changed && !now.matches) {
      details["state"] = "changed";
      out_.push_back(channel::Problem(
          kStep, kTitle,
          lead + "the standard trigger " + TriggerName(*row) +
              " was changed from the default and its condition " + Join(now.failed, ", ") +
              " failed on this update" + since,
          "restore it as shipped (`--fix`, or POST /api/v2/triggers/defaults/" + key +
              "/restore), or correct its conditions",
          details));
      AddFix(fixes_, {FixKind::kRestoreTrigger, kStep,
                      "restore " + TriggerName(*row) + " as shipped", 0, key});
      return Status::Ok();
    }
    if (changed && !NotifiesRequester(*stored)) {
      details["state"] = "changed";
      out_.push_back(channel::Problem(
          kStep, kTitle,
          lead + "the standard trigger " + TriggerName(*row) +
              " was changed from the default and no longer emails the requester" + since,
          "restore it as shipped (`--fix`, or POST /api/v2/triggers/defaults/" + key + "/restore)",
          details));
      AddFix(fixes_, {FixKind::kRestoreTrigger, kStep,
                      "restore " + TriggerName(*row) + " as shipped", 0, key});
      return Status::Ok();
    }
    // It applies, is active and would fire: the recipient was left out.
    details["state"] = changed ? "changed" : "as_shipped";
    std::vector<std::string> why;
    if (later) why.push_back("the trigger was changed after this update, so it may have been off then");
    if (in_.target_user_id) {
      auto user = tx_.GetUser(in_.target_user_id);
      if (user.ok() && user->undeliverable) {
        why.push_back(in_.target_address + " is flagged undeliverable, so no email is sent to it (step 5)");
      }
    }
    if (u.comment && in_.target_user_id && u.comment->author_id == in_.target_user_id) {
      why.push_back(in_.target_address + " wrote it");
    }
    if (u.current_via == rules::Channel::kEmail && u.update_type == rules::UpdateType::kChange) {
      why.push_back("it came by email, and whoever was on that email's To or Cc already had it");
    }
    json meta = json::parse(audit.metadata_json, nullptr, false);
    if (meta.is_object() && meta.contains("trigger_warnings") && meta["trigger_warnings"].is_array()) {
      for (const auto& w : meta["trigger_warnings"]) why.push_back("the triggers said: " + JsonText(w));
    }
    if (why.empty()) why.push_back("the audit records no reason");
    out_.push_back(channel::Warning(
        kStep, kTitle,
        lead + "the standard trigger " + TriggerName(*row) + " applies and is active, but " +
            Join(why, "; "),
        "see the other steps; reply again to send it", details));
    return Status::Ok();
  }

  // Standard requester notifications that are off now (not already named):
  // the next update of their kind will not be emailed.
  Status CurrentDefaults(const std::vector<std::string>& named) {
    for (const auto& d : rules::DefaultTriggers(tickets::DeskLanguage(tx_))) {
      if (!NotifiesRequester(d) || !d.active) continue;
      if (std::find(named.begin(), named.end(), d.default_key) != named.end()) continue;
      auto row = tx_.FindTriggerByDefaultKey(d.default_key);
      if (!row.ok()) {
        if (row.status().kind() != ErrorKind::kNotFound) return row.status();
        out_.push_back(channel::Warning(
            kStep, kTitle,
            "the standard trigger \"" + d.title + "\" was deleted: customers get no such email",
            "restore it as shipped (`--fix`, or POST /api/v2/triggers/defaults/" + d.default_key +
                "/restore)",
            json{{"default_key", d.default_key}, {"state", "missing"}}));
        AddFix(fixes_, {FixKind::kRestoreTrigger, kStep,
                        "restore the deleted standard trigger \"" + d.title + "\"", 0,
                        d.default_key});
      } else if (!row->active) {
        out_.push_back(channel::Warning(
            kStep, kTitle,
            "the standard trigger " + TriggerName(*row) + " is inactive: customers get no such email",
            "re-activate it (`--fix`)",
            json{{"default_key", d.default_key}, {"state", "inactive"}, {"trigger_id", row->id}}));
        AddFix(fixes_, {FixKind::kActivateTrigger, kStep, "re-activate " + TriggerName(*row),
                        row->id, ""});
      }
    }
    return Status::Ok();
  }

  store::Tx& tx_;
  TriggerStepInput in_;
  std::vector<Finding>& out_;
  std::vector<FixAction>& fixes_;
  std::string update_text_;
};

// ---------------------------------------------------------------- step 3

Status ForwardingStep(store::Tx& tx, const store::Ticket& ticket, const std::string& desk_default,
                      TicketStored& out) {
  const std::string step = "3.forwarding", title = "Sending support address";
  std::string wanted = ticket.recipient.empty() ? desk_default : ticket.recipient;
  std::string address = intake::SupportAddresses::WithoutTag(wanted);
  auto sender = outbound::ChooseSender(tx, address, desk_default);
  if (!sender.ok()) return sender.status();
  out.sending_domain = std::string(EmailDomain(sender->address));
  json details = {{"address", address}, {"sent_as", sender->address}};
  auto row = tx.FindRecipientAddressByEmail(address);
  if (!row.ok()) {
    if (row.status().kind() != ErrorKind::kNotFound) return row.status();
    if (sender->note.empty()) {
      out.forwarding.push_back(channel::Ok(
          step, title, "replies go out as " + sender->address + " (on our own domain: no forwarding needed)",
          details));
    } else {
      out.forwarding.push_back(channel::Warning(
          step, title,
          "the ticket came to " + address + ", which is not a support address (any more); " +
              sender->note,
          "if customers still write to " + address +
              ", add it as a support address (POST /api/v2/recipient_addresses) and verify its "
              "forwarding",
          details));
    }
    return Status::Ok();
  }
  details["recipient_address_id"] = row->id;
  details["forwarding_status"] = row->forwarding_status;
  if (sender->note.empty()) {
    std::string why = row->forwarding_status == "verified" && !row->is_default
                          ? "forwarding verified"
                          : "on our own domain: no forwarding needed";
    out.forwarding.push_back(
        channel::Ok(step, title, "replies go out as " + sender->address + " (" + why + ")", details));
    return Status::Ok();
  }
  json check = channel::Checks(*row).value("forwarding", json::object());
  std::string reason = check.is_object() ? check.value("reason", "") : "";
  std::string fix = check.is_object() ? check.value("fix", "") : "";
  std::string state;
  if (row->forwarding_status == "waiting") {
    state = "its forwarding verification email was sent at " + Time(row->forwarding_sent_at) +
            " and has not come back";
  } else if (row->forwarding_status == "failed") {
    state = "its forwarding verification failed" + (reason.empty() ? "" : ": " + reason);
  } else {
    state = "its forwarding was never verified";
  }
  out.forwarding.push_back(channel::Warning(
      step, title,
      address + ": " + state + "; until it is verified replies go out as " + sender->address +
          " instead",
      (fix.empty() ? "forward mail from " + address + " to " + desk_default : fix) +
          "; then send the verification email again (`--fix`, or PUT /api/v2/recipient_addresses/" +
          std::to_string(row->id) + "/verify with {\"type\":\"forwarding\"})",
      details));
  AddFix(out.fixes, {FixKind::kResendForwardingVerification, step,
                     "send the forwarding verification email to " + address + " again", row->id,
                     ""});
  return Status::Ok();
}

// ---------------------------------------------------------------- step 5

const char* kRecipientTitle = "Recipient side";

void BounceStep(const std::vector<Sent>& rows, TicketStored& out) {
  size_t before = out.bounce.size();
  for (const auto& s : rows) {
    const auto& r = s.recipient;
    const auto state = outbound::ParseDeliveryState(r.state);
    if (state != outbound::DeliveryState::kFailed && state != outbound::DeliveryState::kBounced) continue;
    std::string cls = BounceClass(r);
    json details = {{"address", r.address}, {"bounce_class", cls}, {"state", r.state}};
    if (!r.last_status.empty()) details["status"] = r.last_status;
    if (!r.last_reply.empty()) details["diagnostic"] = r.last_reply;
    out.bounce.push_back(channel::Problem(
        "5.bounce", kRecipientTitle,
        r.address + ": " + BounceClassText(cls) + " (" + cls + ")" +
            (r.last_status.empty() ? "" : ", status " + r.last_status) +
            (r.last_reply.empty() ? "" : ": \"" + Quoted(r.last_reply) + "\""),
        ReasonFix(cls), details));
  }
  if (out.bounce.size() == before) {
    out.bounce.push_back(channel::Ok("5.bounce", kRecipientTitle,
                                     rows.empty() ? "no email of this ticket to check"
                                                  : "no recipient's email failed or bounced"));
  }
}

}  // namespace

// ------------------------------------------------------------------ public

json Diagnosis::ToJson() const {
  json j = report.ToJson();
  json fx = json::array();
  for (const auto& f : fixes) fx.push_back(FixJson(f));
  j["fixes"] = fx;
  return j;
}

std::string BounceClass(const store::OutboundRecipient& r) {
  if (!r.reason.empty()) return r.reason;
  if (r.last_status.empty() && r.last_reply.empty()) return "other";
  std::string detail = outbound::ClassifyReasonDetail(r.last_reply, r.last_status);
  return std::string(outbound::BounceReasonName(outbound::CoarseReason(detail, r.last_reply)));
}

std::string BounceClassText(std::string_view c) {
  if (c == "user_unknown") return "unknown user";
  if (c == "mailbox_full") return "mailbox full";
  if (c == "blocked") return "blocked as spam";
  if (c == "policy") return "refused by policy";
  if (c == "authentication") return "refused for failing SPF/DKIM/DMARC";
  if (c == "host_unknown") return "no such domain or mail server";
  if (c == "message_too_large") return "message too large";
  if (c == "expired") return "gave up after retrying";
  if (c == "suspended") return "mailbox disabled";
  return "other failure";
}

Result<TicketStored> DiagnoseTicketStored(store::Tx& tx, const TicketDoctorOptions& options) {
  auto ticket = tx.GetTicket(options.ticket_id);
  if (!ticket.ok()) return ticket.status();
  TicketStored out;
  const int64_t now = static_cast<int64_t>(std::time(nullptr));
  std::string target = NormalizeEmail(options.recipient);

  // Who the customer side is: --recipient, or the requester and the CCs.
  std::vector<store::User> people;
  int64_t target_user_id = 0;
  std::string target_address;
  bool target_is_staff = false;
  if (!target.empty()) {
    auto user = tx.FindUserByEmail(target);
    if (user.ok()) {
      people.push_back(*user);
      target_user_id = user->id;
      target_is_staff = IsStaff(user->role);
    } else if (user.status().kind() != ErrorKind::kNotFound) {
      return user.status();
    }
    target_address = target;
  } else {
    std::vector<int64_t> ids{ticket->requester_id};
    ids.insert(ids.end(), ticket->collaborator_ids.begin(), ticket->collaborator_ids.end());
    for (int64_t id : ids) {
      auto user = tx.GetUser(id);
      if (user.ok()) {
        people.push_back(*user);
      } else if (user.status().kind() != ErrorKind::kNotFound) {
        return user.status();
      }
    }
    if (!people.empty()) {
      target_user_id = people.front().id;
      target_address = NormalizeEmail(people.front().email);
    }
  }

  // 1. Delivery: each address's latest email, newest first.
  auto messages = tx.ListOutboundMessages(ticket->id);
  if (!messages.ok()) return messages.status();
  std::vector<store::OutboundMessage> newest = *messages;
  std::sort(newest.begin(), newest.end(),
            [](const auto& a, const auto& b) { return a.id > b.id; });
  std::vector<Sent> rows;
  std::set<std::string> seen;
  for (auto& m : newest) {
    auto rs = tx.ListOutboundRecipients(m.id);
    if (!rs.ok()) return rs.status();
    m.bytes.clear();
    for (const auto& r : *rs) {
      std::string a = NormalizeEmail(r.address);
      if (!target.empty() && a != target) continue;
      if (rows.size() >= kMaxAddresses || !seen.insert(a).second) continue;
      rows.push_back({m, r});
    }
  }
  for (const auto& s : rows) out.delivery.push_back(DeliveryFinding(tx, s, now));
  if (rows.empty()) {
    out.delivery.push_back(channel::Warning(
        "1.delivery", "Delivery",
        target.empty() ? "no email of ticket " + std::to_string(ticket->id) + " was ever queued"
                       : "no email of ticket " + std::to_string(ticket->id) + " was addressed to " +
                             target,
        "see step 2: which trigger should have sent it"));
  }

  // 2. Trigger.
  auto audits = tx.ListAudits(ticket->id);
  if (!audits.ok()) return audits.status();
  std::vector<ParsedAudit> parsed;
  for (const auto& a : *audits) {
    parsed.push_back({a, json::parse(a.events_json, nullptr, false)});
  }
  if (target_address.empty()) {
    out.trigger.push_back(channel::Warning("2.trigger", "Notification trigger",
                                           "the ticket has no requester to email",
                                           "set a requester on the ticket"));
  } else {
    TriggerStep step(tx, {*ticket, target_user_id, target_address, parsed, ticket->id, target_is_staff},
                     out.trigger, out.fixes);
    if (Status s = step.Run(); !s.ok()) return s;
  }

  // 3. Forwarding of the address we send as.
  if (Status s = ForwardingStep(tx, *ticket, options.default_support_address, out); !s.ok()) {
    return s;
  }

  // 5. Recipient side, the stored half.
  BounceStep(rows, out);
  std::set<std::string> domains;
  for (const auto& p : people) {
    std::string d = ToLower(EmailDomain(p.email));
    if (!d.empty() && domains.insert(d).second) out.recipient_domains.push_back(d);
    json details = {{"user_id", p.id}, {"email", p.email}, {"soft_bounces", p.soft_bounces}};
    if (p.undeliverable) {
      out.undeliverable.push_back(channel::Problem(
          "5.undeliverable", kRecipientTitle,
          p.email + " is flagged undeliverable (" + Quoted(p.undeliverable_reason) +
              "), so no email is sent to it",
          "once the address works again, clear the flag (`--fix`, or PUT /api/v2/users/" +
              std::to_string(p.id) + " with {\"user\":{\"undeliverable\":false}})",
          details));
      AddFix(out.fixes, {FixKind::kClearUndeliverable, "5.undeliverable",
                         "clear the undeliverable flag of " + p.email, p.id, ""});
    } else {
      out.undeliverable.push_back(channel::Ok(
          "5.undeliverable", kRecipientTitle,
          p.email + " is not flagged undeliverable" +
              (p.soft_bounces ? " (" + std::to_string(p.soft_bounces) +
                                   (p.soft_bounces == 1 ? " soft bounce so far)" : " soft bounces so far)")
                             : ""),
          details));
    }
  }
  if (!target.empty() && people.empty()) {
    std::string d = ToLower(EmailDomain(target));
    if (!d.empty()) out.recipient_domains.push_back(d);
  }
  return out;
}

asio::awaitable<Result<std::string>> ProbeRelay(std::string relay, uint32_t timeout_seconds) {
  std::string host;
  uint16_t port = 0;
  if (Status s = ParseHostPort(relay, host, port); !s.ok()) co_return s;
  auto ex = co_await asio::this_coro::executor;
  constexpr auto kUse = asio::as_tuple(asio::use_awaitable);
  const auto timeout = std::chrono::seconds(timeout_seconds);
  asio::ip::tcp::resolver resolver(ex);
  auto [rerr, endpoints] = co_await resolver.async_resolve(host, std::to_string(port), kUse);
  if (rerr) co_return Status::Temporary("cannot resolve " + host + ": " + rerr.message());
  asio::ip::tcp::socket socket(ex);
  asio::steady_timer timer(ex, timeout);
  auto connected = co_await (asio::async_connect(socket, endpoints, kUse) || timer.async_wait(kUse));
  if (connected.index() == 1) co_return Status::Temporary("connection timed out");
  if (auto [cerr, ep] = std::get<0>(connected); cerr) co_return Status::Temporary(cerr.message());
  asio::streambuf buf(4096);
  std::string greeting;
  for (int lines = 0; lines < 20; ++lines) {
    asio::steady_timer read_timer(ex, timeout);
    auto r = co_await (asio::async_read_until(socket, buf, "\r\n", kUse) ||
                       read_timer.async_wait(kUse));
    if (r.index() == 1) co_return Status::Temporary("connected, but no greeting within the timeout");
    auto [err, n] = std::get<0>(r);
    if (err) co_return Status::Temporary("connected, but " + err.message() + " before a greeting");
    std::string line(asio::buffers_begin(buf.data()), asio::buffers_begin(buf.data()) + n);
    buf.consume(n);
    line = SanitizeUtf8(line.substr(0, line.size() - 2));
    greeting = line;
    if (line.size() < 4 || line[3] != '-') break;
  }
  if (greeting.rfind("220", 0) != 0) {
    co_return Status::Temporary("answered \"" + Quoted(greeting) + "\" instead of 220");
  }
  asio::steady_timer write_timer(ex, timeout);
  co_await (asio::async_write(socket, asio::buffer(std::string_view("QUIT\r\n")), kUse) ||
            write_timer.async_wait(kUse));
  co_return greeting;
}

asio::awaitable<Result<Diagnosis>> DiagnoseTicket(store::Store& store, dns::Resolver& resolver,
                                                  TicketDoctorOptions options) {
  std::optional<TicketStored> stored;
  Status read = store.Read([&](store::Tx& tx) {
    auto r = DiagnoseTicketStored(tx, options);
    if (!r.ok()) return r.status();
    stored = std::move(r).value();
    return Status::Ok();
  });
  if (!read.ok()) {
    if (read.kind() == ErrorKind::kNotFound) {
      co_return Status::NotFound("ticket " + std::to_string(options.ticket_id) + " does not exist");
    }
    co_return read;
  }
  Diagnosis d;
  d.report.subject = "ticket " + std::to_string(options.ticket_id);
  d.report.Append(std::move(stored->delivery));
  d.report.Append(std::move(stored->trigger));
  d.report.Append(std::move(stored->forwarding));

  // 4. The sending domain's SPF, DKIM and DMARC.
  if (!stored->sending_domain.empty()) {
    channel::DomainCheckOptions domain_options;
    if (options.domain_options) domain_options = options.domain_options(stored->sending_domain);
    std::vector<Finding> checks;
    for (auto* check : {&channel::CheckSpf, &channel::CheckDkim, &channel::CheckDmarc}) {
      auto found = co_await (*check)(resolver, stored->sending_domain, domain_options);
      for (auto& f : found) checks.push_back(std::move(f));
    }
    for (auto& f : checks) {
      f.step = "4." + f.step;
      d.report.Add(std::move(f));
    }
  }

  // 5. The recipient side: bounce class, mail servers, relay, flag.
  d.report.Append(std::move(stored->bounce));
  for (const auto& domain : stored->recipient_domains) {
    auto targets = co_await outbound::MxTargets(resolver, domain);
    json details = {{"domain", domain}};
    if (targets.ok()) {
      std::vector<std::string> hosts;
      for (const auto& t : *targets) hosts.push_back(t.host);
      details["hosts"] = hosts;
      d.report.Add(channel::Ok("5.mx", kRecipientTitle,
                               domain + " receives mail at " + Join(hosts, ", "), details));
    } else if (targets.status().temporary()) {
      std::string evidence = "the mail servers of " + domain +
                             " could not be looked up: " + targets.status().message();
      if (options.relay.empty()) {
        Finding f = channel::Problem("5.mx", kRecipientTitle, evidence,
                                     "run the doctor again later; if it persists, check --dns",
                                     details);
        f.temporary = true;
        d.report.Add(std::move(f));
      } else {
        d.report.Add(channel::Warning("5.mx", kRecipientTitle,
                                      evidence + " (the relay " + options.relay +
                                          " looks them up itself)",
                                      "check --dns if this persists", details));
      }
    } else {
      d.report.Add(channel::Problem("5.mx", kRecipientTitle,
                                    domain + " cannot receive mail: " + targets.status().message(),
                                    "check the address for a typo and ask the customer for "
                                    "another one",
                                    details));
    }
  }
  if (!options.relay.empty()) {
    Result<std::string> probe = Status::Temporary("not probed");
    if (options.probe_relay) {
      probe = co_await options.probe_relay(options.relay);
    } else {
      probe = co_await ProbeRelay(options.relay, 5);
    }
    json details = {{"relay", options.relay}};
    if (probe.ok()) {
      d.report.Add(channel::Ok("5.relay", kRecipientTitle,
                               "the relay " + options.relay + " answers: \"" + Quoted(*probe) + "\"",
                               details));
    } else {
      d.report.Add(channel::Problem(
          "5.relay", kRecipientTitle,
          "the relay " + options.relay + " does not answer: " + probe.status().message(),
          "start the relay, or correct --relay / the config key relay", details));
    }
  }
  d.report.Append(std::move(stored->undeliverable));
  d.fixes = std::move(stored->fixes);
  co_return d;
}

Result<Diagnosis> RunDiagnosis(const std::string& dns_server, const DiagnosisFn& run) {
  asio::io_context io;
  dns::CaresOptions dns_options;
  dns_options.server = dns_server;
  auto resolver = dns::CaresResolver::Create(io.get_executor(), dns_options);
  if (!resolver.ok()) return Status::Temporary("DNS resolver: " + resolver.status().message());
  dns::Resolver& res = **resolver;
  std::optional<Result<Diagnosis>> out;
  std::string error = "it did not finish";
  auto body = [&]() -> asio::awaitable<void> { out.emplace(co_await run(res)); };
  auto done = [&](std::exception_ptr e) {
    if (!e) return;
    try {
      std::rethrow_exception(e);
    } catch (const std::exception& ex) {
      error = ex.what();
    } catch (...) {
      error = "unknown exception";
    }
  };
  asio::co_spawn(io, body, done);
  io.run();
  if (!out) return Status::Temporary("the doctor stopped: " + error);
  return std::move(*out);
}

Result<Diagnosis> RunTicketDoctor(store::Store& store, const std::string& dns_server,
                                  const TicketDoctorOptions& options) {
  DiagnosisFn run = [&](dns::Resolver& resolver) { return DiagnoseTicket(store, resolver, options); };
  return RunDiagnosis(dns_server, run);
}

}  // namespace postdesk::doctor
