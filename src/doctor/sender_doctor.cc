#include "doctor/sender_doctor.h"

#include <algorithm>
#include <map>
#include <optional>
#include <set>

#include <nlohmann/json.hpp>

#include "auth/dmarc.h"
#include "auth/spf.h"
#include "channel/recipient_addresses.h"
#include "common/clock.h"
#include "common/strings.h"
#include "dns/names.h"
#include "intake/email_lists.h"
#include "intake/support_addresses.h"

namespace postdesk::doctor {
namespace {

using channel::Finding;
using nlohmann::json;

constexpr size_t kMaxQuoted = 300;

std::string Quoted(std::string_view text) {
  std::string t(Trim(text));
  if (t.size() > kMaxQuoted) t = t.substr(0, kMaxQuoted) + "...";
  return t;
}

std::string Str(const json& j, const char* key) {
  if (!j.is_object() || !j.contains(key)) return "";
  const json& v = j[key];
  if (v.is_string()) return v.get<std::string>();
  if (v.is_null()) return "";
  return v.dump();
}

std::string Join(const std::vector<std::string>& items, std::string_view sep) {
  std::string out;
  for (const auto& i : items) out += (out.empty() ? "" : std::string(sep)) + i;
  return out;
}

// Where the sender's mail went, per support address (untagged).
struct Trace {
  int64_t tickets = 0;
  int64_t suspended = 0;
  int64_t refused = 0;
  int64_t last_at = 0;
};

std::string Counted(int64_t n, const char* one, const char* many) {
  return std::to_string(n) + " " + (n == 1 ? one : many);
}

// What to do about a suspension, by cause.
std::string CauseFix(std::string_view cause, int64_t id, std::string_view sender) {
  std::string recover = "if it is genuine, recover it (PUT /api/v2/suspended_tickets/" +
                        std::to_string(id) + "/recover)";
  if (cause == "spam") return recover + "; recovering also teaches the spam filter it is not spam";
  if (cause == "blocklisted") {
    return recover + " and take the blocklist entry that matches " + std::string(sender) +
           " out (PUT /api/v2/account/settings)";
  }
  if (cause == "not_on_whitelist") {
    return recover + " and add " + std::string(sender) + " or its domain to the allowlist";
  }
  if (cause == "failed_email_authentication") {
    return recover + "; the sender's mail administrator must make SPF or DKIM pass and align "
                     "with their From domain (step 4)";
  }
  if (cause == "unknown_user_update" || cause == "other_user_update") {
    return recover + "; to let " + std::string(sender) +
           " update that ticket by email, add them as a CC of it";
  }
  if (cause == "auto_mailer" || cause == "auto_vacation" || cause == "auto_delivery_failure" ||
      cause == "from_noreply" || cause == "system_user" || cause == "to_noreply") {
    return recover + "; automated mail is held on purpose so that it cannot start loops";
  }
  if (cause == "blank") return "the message had no text and no attachment: ask them to resend it";
  return recover;
}

// One line about a spam verdict (Verdict::ToJson).
std::string SpamText(std::string_view spam_json) {
  if (spam_json.empty()) return "";
  json v = json::parse(spam_json, nullptr, false);
  if (!v.is_object() || !v.contains("score") || !v["score"].is_number()) return "";
  char score[32];
  std::snprintf(score, sizeof score, "%.2f", v["score"].get<double>());
  std::string out = std::string("spam score ") + score;
  if (v.contains("decision") && v["decision"].is_string()) out += " (" + Str(v, "decision") + ")";
  std::vector<std::string> tokens;
  if (v.contains("spam_tokens") && v["spam_tokens"].is_array()) {
    for (const auto& t : v["spam_tokens"]) {
      if (tokens.size() >= 5) break;
      std::string tok = Str(t, "token");
      if (!tok.empty()) tokens.push_back(Quoted(tok));
    }
  }
  if (!tokens.empty()) out += ", most spammy: " + Join(tokens, ", ");
  return out;
}

// One line about an authentication outcome (auth::ToJson).
std::string AuthText(const json& a) {
  std::vector<std::string> parts;
  if (a.contains("spf") && a["spf"].is_object()) {
    std::string domain = Str(a["spf"], "domain");
    parts.push_back("SPF " + Str(a["spf"], "result") + (domain.empty() ? "" : " (" + domain + ")"));
  }
  if (a.contains("dkim") && a["dkim"].is_array()) {
    if (a["dkim"].empty()) parts.push_back("DKIM none");
    for (const auto& d : a["dkim"]) {
      std::string reason = Str(d, "reason");
      parts.push_back("DKIM " + Str(d, "result") + " d=" + Str(d, "domain") +
                      (reason.empty() ? "" : " (" + reason + ")"));
    }
  }
  if (a.contains("dmarc") && a["dmarc"].is_object()) {
    parts.push_back("DMARC " + Str(a["dmarc"], "result") + " (policy " +
                    Str(a["dmarc"], "policy") + ")");
  }
  std::string out = Join(parts, ", ");
  std::string action = Str(a, "action");
  if (!action.empty()) out += "; action " + action;
  std::string reason = Str(a, "reason");
  if (!reason.empty()) out += ": " + Quoted(reason);
  return out;
}

// The kind of an SMTP refusal, from its event details.
std::string RefusalKind(const json& detail) {
  const json& d = detail.contains("details") ? detail["details"] : json::object();
  if (!d.is_object()) return "other";
  if (d.contains("list")) return "blocklist";
  if (d.contains("window_seconds")) return "rate_limit";
  if (d.contains("authentication")) return "dmarc_reject";
  if (d.contains("score")) return "spam";
  return "other";
}

std::string RefusalFix(std::string_view kind, std::string_view sender) {
  if (kind == "blocklist") {
    return "if " + std::string(sender) +
           " is a customer, take the reject: entry that matches them out of the blocklist";
  }
  if (kind == "rate_limit") {
    return "nothing to do if it was a burst: the refusal is temporary (451) and their server "
           "retries; if they legitimately send this much, raise the rate limit";
  }
  if (kind == "dmarc_reject") {
    return "their domain's DMARC policy is reject and this mail failed DMARC: their mail "
           "administrator must make SPF or DKIM pass and align (step 4); or stop refusing such "
           "mail (--reject-on-dmarc-reject off)";
  }
  if (kind == "spam") {
    return "if it was genuine, add " + std::string(sender) +
           " to the allowlist and ask them to send it again";
  }
  return "read the reason; ask the sender to send it again once it is resolved";
}

}  // namespace

Result<SenderStored> DiagnoseSenderStored(store::Tx& tx, const SenderDoctorOptions& options) {
  const std::string email = NormalizeEmail(options.email);
  const std::string domain = ToLower(EmailDomain(email));
  if (email.empty() || EmailLocalPart(email).empty() || domain.empty() ||
      domain.find('.') == std::string::npos || email.find_first_of(" \t\r\n<>") != std::string::npos) {
    return Status::Invalid("\"" + options.email + "\" is not an email address");
  }
  SenderStored out;
  out.domain = domain;
  const int64_t limit = std::max<int64_t>(1, options.max_items);

  // The support addresses we know.
  auto rows = tx.ListRecipientAddresses();
  if (!rows.ok()) return rows.status();
  std::map<std::string, store::RecipientAddress> support;
  for (const auto& r : *rows) support[NormalizeEmail(r.email)] = r;
  const std::string desk_default = NormalizeEmail(options.default_support_address);

  std::map<std::string, Trace> traces;
  auto note = [&](const std::string& address, int64_t at, int64_t Trace::*count) {
    if (address.empty()) return;
    Trace& t = traces[intake::SupportAddresses::WithoutTag(address)];
    t.*count += 1;
    t.last_at = std::max(t.last_at, at);
  };

  // Their tickets and comments (when they are a user).
  std::optional<store::User> user;
  if (auto u = tx.FindUserByEmail(email); u.ok()) {
    user = *u;
  } else if (u.status().kind() != ErrorKind::kNotFound) {
    return u.status();
  }
  std::vector<store::Comment> comments;
  if (user) {
    auto tickets = tx.ListTicketsByRequester(user->id, 100);
    if (!tickets.ok()) return tickets.status();
    for (const auto& t : *tickets) {
      if (t.via == Channel::kEmail) note(t.recipient, t.created_at, &Trace::tickets);
    }
    auto c = tx.ListCommentsByAuthor(user->id, 50);
    if (!c.ok()) return c.status();
    comments = std::move(*c);
  }

  // Their suspended mail.
  store::SuspendedQuery query;
  query.author_email = email;
  query.limit = 100;
  auto suspended = tx.QuerySuspended(query);
  if (!suspended.ok()) return suspended.status();
  for (const auto& s : *suspended) note(s.recipient, s.created_at, &Trace::suspended);

  // Their mail refused at SMTP time.
  auto refusals = tx.ListSystemEvents(email, "smtp_refused", 100);
  if (!refusals.ok()) return refusals.status();
  std::vector<json> refusal_details;
  for (const auto& e : *refusals) {
    json d = json::parse(e.detail_json, nullptr, false);
    if (!d.is_object()) d = json::object();
    if (d.contains("recipients") && d["recipients"].is_array()) {
      for (const auto& r : d["recipients"]) {
        if (r.is_string()) note(r.get<std::string>(), e.created_at, &Trace::refused);
      }
    }
    refusal_details.push_back(std::move(d));
  }

  // 1. Which addresses they wrote to.
  auto is_support = [&](const std::string& a) { return support.count(a) || a == desk_default; };
  for (const auto& [address, t] : traces) {
    std::vector<std::string> what;
    if (t.tickets) what.push_back(Counted(t.tickets, "ticket", "tickets"));
    if (t.suspended) what.push_back(Counted(t.suspended, "suspended message", "suspended messages"));
    if (t.refused) what.push_back(Counted(t.refused, "refused message", "refused messages"));
    std::string seen = email + " wrote to " + address + " (" + Join(what, ", ") + ", last " +
                       FormatIsoTime(t.last_at) + ")";
    json details = {{"address", address}, {"tickets", t.tickets}, {"suspended", t.suspended},
                    {"refused", t.refused}, {"support_address", is_support(address)}};
    if (is_support(address)) {
      out.addresses.push_back(channel::Ok("1.address", "Address written to",
                                          seen + ": a support address", details));
    } else {
      out.addresses.push_back(channel::Problem(
          "1.address", "Address written to",
          seen + ", which is not a support address (any more): new mail to it is refused",
          "if customers still write to " + address +
              ", add it as a support address (POST /api/v2/recipient_addresses); otherwise tell "
              "them the right one (" + (desk_default.empty() ? "the default" : desk_default) + ")",
          details));
    }
  }
  if (traces.empty()) {
    out.addresses.push_back(channel::Warning(
        "1.address", "Address written to",
        "no mail from " + email + " ever reached the desk: no ticket, no suspended message, no "
        "refusal",
        "ask " + email + " for the bounce they got and the exact address they wrote to; check that "
        "address's MX (postdesk doctor domain) or its forwarding (postdesk doctor address)"));
  }

  // 2. Forwarding of each (of every unverified external address without a trace).
  std::vector<const store::RecipientAddress*> to_check;
  for (const auto& [address, t] : traces) {
    if (auto it = support.find(address); it != support.end()) to_check.push_back(&it->second);
  }
  if (traces.empty()) {
    for (const auto& [address, r] : support) {
      if (!channel::IsOwnDomain(address, options.desk_domain) && r.forwarding_status != "verified") {
        to_check.push_back(&r);
      }
    }
  }
  for (const store::RecipientAddress* r : to_check) {
    json details = {{"address", r->email},
                    {"recipient_address_id", r->id},
                    {"forwarding_status", r->forwarding_status}};
    if (channel::IsOwnDomain(r->email, options.desk_domain)) {
      out.forwarding.push_back(channel::Ok("2.forwarding", "Forwarding",
                                           r->email + " is on our own domain: mail reaches us "
                                                      "directly",
                                           details));
      continue;
    }
    if (r->forwarding_status == "verified") {
      out.forwarding.push_back(channel::Ok("2.forwarding", "Forwarding",
                                           r->email + ": forwarding verified", details));
      continue;
    }
    json check = channel::Checks(*r).value("forwarding", json::object());
    std::string reason = Str(check, "reason"), fix = Str(check, "fix");
    std::string state = r->forwarding_status == "failed"
                            ? "forwarding verification failed" + (reason.empty() ? "" : ": " + reason)
                        : r->forwarding_status == "waiting"
                            ? "forwarding verification sent at " +
                                  FormatIsoTime(r->forwarding_sent_at) + ", not back yet"
                            : "forwarding never verified";
    std::string todo = (fix.empty() ? "make " + r->email + " forward to " + desk_default : fix) +
                       "; then send the verification again (`--fix`)";
    if (r->forwarding_status == "failed") {
      out.forwarding.push_back(channel::Problem(
          "2.forwarding", "Forwarding", r->email + ": " + state + "; mail sent to it may never reach us",
          todo, details));
    } else {
      out.forwarding.push_back(
          channel::Warning("2.forwarding", "Forwarding", r->email + ": " + state, todo, details));
    }
    AddFix(out.fixes, {FixKind::kResendForwardingVerification, "2.forwarding",
                       "send the forwarding verification email to " + r->email + " again", r->id,
                       ""});
  }
  if (out.forwarding.empty()) {
    out.forwarding.push_back(channel::Ok("2.forwarding", "Forwarding",
                                         "no external support address to check"));
  }

  // 3. Suspended mail.
  int64_t listed = 0;
  for (const auto& s : *suspended) {
    if (listed++ >= limit) break;
    json evidence = json::parse(s.evidence_json, nullptr, false);
    std::string reason = Str(evidence, "reason");
    std::string spam = SpamText(s.spam_json);
    json details = {{"suspended_ticket_id", s.id}, {"cause", s.cause}, {"cause_id", s.cause_id},
                    {"recipient", s.recipient},    {"subject", s.subject},
                    {"evidence", evidence.is_discarded() ? json() : evidence}};
    if (!s.spam_json.empty()) {
      json v = json::parse(s.spam_json, nullptr, false);
      if (!v.is_discarded()) details["spam"] = v;
    }
    out.suspended.push_back(channel::Problem(
        "3.suspended", "Suspended mail",
        "suspended message " + std::to_string(s.id) + " of " + FormatIsoTime(s.created_at) +
            " to " + s.recipient + ", \"" + Quoted(s.subject) + "\": cause " + s.cause +
            (reason.empty() ? "" : " -- " + Quoted(reason)) + (spam.empty() ? "" : "; " + spam),
        CauseFix(s.cause, s.id, email), details));
  }
  if (suspended->size() > static_cast<size_t>(limit)) {
    out.suspended.push_back(channel::Warning(
        "3.suspended", "Suspended mail",
        std::to_string(suspended->size() - limit) + " more suspended messages of " + email,
        "see GET /api/v2/suspended_tickets?author_email=" + email));
  }
  if (suspended->empty()) {
    out.suspended.push_back(
        channel::Ok("3.suspended", "Suspended mail", "no suspended mail from " + email));
  }

  // 4. Our last authentication results for them.
  json last_auth;
  std::string auth_from;
  for (const auto& c : comments) {
    if (c.authentication_json.empty()) continue;
    json a = json::parse(c.authentication_json, nullptr, false);
    if (!a.is_object()) continue;
    last_auth = a;
    auth_from = "comment " + std::to_string(c.id) + " on ticket " + std::to_string(c.ticket_id) +
                " (" + FormatIsoTime(c.created_at) + ")";
    break;
  }
  for (const auto& s : *suspended) {
    if (!last_auth.is_null()) break;
    json evidence = json::parse(s.evidence_json, nullptr, false);
    if (!evidence.is_object() || !evidence.contains("authentication") ||
        !evidence["authentication"].is_object()) {
      continue;
    }
    last_auth = evidence["authentication"];
    auth_from = "suspended message " + std::to_string(s.id) + " (" + FormatIsoTime(s.created_at) + ")";
  }
  if (last_auth.is_null()) {
    out.authentication.push_back(channel::Ok(
        "4.authentication", "Our authentication of the sender",
        "no authentication results of " + email + "'s mail are stored"));
  } else {
    std::string action = Str(last_auth, "action");
    std::string text = "last checked on " + auth_from + ": " + AuthText(last_auth);
    json details = {{"source", auth_from}, {"authentication", last_auth}};
    if (action == "suspend" || action == "reject") {
      out.authentication.push_back(channel::Problem(
          "4.authentication", "Our authentication of the sender", text,
          "the sender's mail administrator must make SPF or DKIM pass and align with the From "
          "domain; until then their mail is " +
              std::string(action == "reject" ? "refused" : "suspended"),
          details));
    } else if (action == "flag") {
      out.authentication.push_back(channel::Warning(
          "4.authentication", "Our authentication of the sender", text,
          "agents see a spoofing warning on such mail; the sender's mail administrator should "
          "make SPF or DKIM pass and align",
          details));
    } else {
      out.authentication.push_back(
          channel::Ok("4.authentication", "Our authentication of the sender", text, details));
    }
  }

  // 5. Refusals at SMTP time.
  listed = 0;
  for (size_t i = 0; i < refusals->size(); ++i) {
    if (listed++ >= limit) break;
    const store::SystemEvent& e = (*refusals)[i];
    const json& d = refusal_details[i];
    std::string kind = RefusalKind(d);
    json details = {{"event_id", e.id}, {"kind", kind}, {"detail", d}};
    std::string reply = Str(d, "reply");
    std::string subject = Str(d, "subject");
    std::string evidence = "refused at SMTP time at " + FormatIsoTime(e.created_at) +
                           (reply.empty() ? "" : " with " + reply) + " (" + kind + "): " +
                           Quoted(Str(d, "reason")) +
                           (subject.empty() ? "" : "; subject \"" + Quoted(subject) + "\"");
    if (kind == "rate_limit") {
      out.refused.push_back(channel::Warning("5.refused", "Refused at SMTP time", evidence,
                                             RefusalFix(kind, email), details));
    } else {
      out.refused.push_back(channel::Problem("5.refused", "Refused at SMTP time", evidence,
                                             RefusalFix(kind, email), details));
    }
  }
  if (refusals->empty()) {
    out.refused.push_back(channel::Ok("5.refused", "Refused at SMTP time",
                                      "no mail from " + email + " was refused at SMTP time"));
  }

  // 5. The allowlist and blocklist.
  auto setting = tx.GetSetting(intake::kEmailListsSetting);
  std::string lists_json;
  if (setting.ok()) {
    lists_json = *setting;
  } else if (setting.status().kind() != ErrorKind::kNotFound) {
    return setting.status();
  }
  auto lists = intake::EmailLists::FromJson(lists_json);
  if (!lists.ok()) {
    out.lists.push_back(channel::Warning("5.lists", "Allowlist and blocklist",
                                         "the stored lists cannot be read: " +
                                             lists.status().message(),
                                         "set them again (PUT /api/v2/account/settings)"));
  } else {
    intake::ListVerdict v = lists->Check(email);
    json details = {{"list", v.list}, {"entry", v.entry}};
    switch (v.action) {
      case intake::ListAction::kNone:
        out.lists.push_back(channel::Ok("5.lists", "Allowlist and blocklist",
                                        email + " is on neither the allowlist nor the blocklist",
                                        details));
        break;
      case intake::ListAction::kAllow:
        out.lists.push_back(channel::Ok("5.lists", "Allowlist and blocklist",
                                        email + " is allowlisted (entry \"" + v.entry +
                                            "\"): the blocklist and the spam filter pass them",
                                        details));
        break;
      case intake::ListAction::kSuspend:
        out.lists.push_back(channel::Problem(
            "5.lists", "Allowlist and blocklist",
            email + " is blocklisted (entry \"" + v.entry + "\"): their mail is suspended",
            "if they are a customer, remove the entry or allowlist " + email, details));
        break;
      case intake::ListAction::kReject:
        out.lists.push_back(channel::Problem(
            "5.lists", "Allowlist and blocklist",
            email + " is blocklisted with reject: (entry \"" + v.entry +
                "\"): their mail is refused at SMTP time and nothing is kept",
            "if they are a customer, remove the entry or allowlist " + email, details));
        break;
      case intake::ListAction::kNotOnAllowlist:
        out.lists.push_back(channel::Problem(
            "5.lists", "Allowlist and blocklist",
            "the blocklist holds \"*\" and " + email +
                " is not allowlisted: their mail is suspended as not_on_whitelist",
            "add " + email + " or its domain to the allowlist", details));
        break;
    }
  }
  return out;
}

boost::asio::awaitable<std::vector<Finding>> CheckSenderDomain(dns::Resolver& resolver,
                                                               std::string domain) {
  std::vector<Finding> out;
  domain = dns::NormalizeName(domain);

  // SPF: exactly one v=spf1 TXT record that parses.
  const std::string stitle = "Sender's SPF record";
  dns::Answer txt = co_await resolver.Query(domain, dns::RrType::kTXT);
  if (txt.temperror()) {
    out.push_back(channel::TempError("4.spf", stitle, "the TXT records of " + domain, txt.error));
  } else {
    std::vector<std::string> records;
    for (const auto& r : txt.records) {
      if (spf::IsSpfRecord(r)) records.push_back(r);
    }
    if (records.empty()) {
      out.push_back(channel::Warning(
          "4.spf", stitle,
          "no SPF record at " + domain + ": their mail gets SPF none, so only DKIM can "
          "authenticate it",
          "the sender's mail administrator should publish an SPF record for " + domain));
    } else if (records.size() > 1) {
      out.push_back(channel::Problem(
          "4.spf", stitle,
          "permerror: " + std::to_string(records.size()) + " SPF records at " + domain +
              ": every SPF check of their mail fails",
          "the sender's mail administrator must merge them into one v=spf1 record",
          json{{"records", records}}));
    } else if (spf::ParsedSpf parsed = spf::ParseSpfRecord(records[0]); !parsed.ok()) {
      out.push_back(channel::Problem(
          "4.spf", stitle,
          "permerror: the SPF record of " + domain + " does not parse (" + parsed.error->message +
              "): \"" + Quoted(records[0]) + "\"",
          "the sender's mail administrator must correct it", json{{"record", records[0]}}));
    } else {
      out.push_back(channel::Ok("4.spf", stitle,
                                "one SPF record at " + domain + ": \"" + Quoted(records[0]) + "\"",
                                json{{"record", records[0]}}));
    }
  }

  // DMARC: a record at the domain or its organizational domain.
  const std::string dtitle = "Sender's DMARC policy";
  std::vector<std::string> names{domain};
  std::string org = dmarc::PslOrganizationalDomain(domain);
  if (!org.empty() && org != domain) names.push_back(org);
  bool decided = false;
  for (const auto& name : names) {
    dns::Answer a = co_await resolver.Query("_dmarc." + name, dns::RrType::kTXT);
    if (a.temperror()) {
      out.push_back(channel::TempError("4.dmarc", dtitle, "the DMARC record _dmarc." + name, a.error));
      decided = true;
      break;
    }
    std::vector<dmarc::ParsedDmarc> found;
    std::string text;
    for (const auto& r : a.records) {
      dmarc::ParsedDmarc p = dmarc::ParseDmarcRecord(r);
      if (p.is_dmarc) {
        found.push_back(p);
        text = r;
      }
    }
    if (found.empty()) continue;
    decided = true;
    if (found.size() > 1) {
      out.push_back(channel::Warning("4.dmarc", dtitle,
                                     "_dmarc." + name + " publishes " +
                                         std::to_string(found.size()) +
                                         " DMARC records: receivers ignore them all",
                                     "the sender's mail administrator should keep one"));
    } else if (!found[0].record) {
      out.push_back(channel::Warning("4.dmarc", dtitle,
                                     "the DMARC record at _dmarc." + name + " is not valid (" +
                                         found[0].error + "): \"" + Quoted(text) + "\"",
                                     "the sender's mail administrator should correct it"));
    } else {
      const dmarc::DmarcRecord& rec = *found[0].record;
      std::string policy = dmarc::PolicyName(rec.p);
      out.push_back(channel::Ok(
          "4.dmarc", dtitle,
          "DMARC policy p=" + policy + " at _dmarc." + name +
              (policy == "none" ? ": nothing happens to their mail that fails DMARC"
                                : ": their mail that fails DMARC is " +
                                      std::string(policy == "reject" ? "refused or suspended"
                                                                     : "treated as suspicious")),
          json{{"record", text}, {"policy", policy}}));
    }
    break;
  }
  if (!decided) {
    out.push_back(channel::Warning(
        "4.dmarc", dtitle, "no DMARC record for " + domain + ": no policy protects it",
        "the sender's mail administrator may publish one (v=DMARC1; p=none to start)"));
  }
  co_return out;
}

boost::asio::awaitable<Result<Diagnosis>> DiagnoseSender(store::Store& store,
                                                         dns::Resolver& resolver,
                                                         SenderDoctorOptions options) {
  std::optional<SenderStored> stored;
  Status read = store.Read([&](store::Tx& tx) {
    auto r = DiagnoseSenderStored(tx, options);
    if (!r.ok()) return r.status();
    stored = std::move(r).value();
    return Status::Ok();
  });
  if (!read.ok()) co_return read;
  Diagnosis d;
  d.report.subject = "sender " + NormalizeEmail(options.email);
  d.report.Append(std::move(stored->addresses));
  d.report.Append(std::move(stored->forwarding));
  d.report.Append(std::move(stored->suspended));
  std::vector<Finding> domain = co_await CheckSenderDomain(resolver, stored->domain);
  d.report.Append(std::move(domain));
  d.report.Append(std::move(stored->authentication));
  d.report.Append(std::move(stored->refused));
  d.report.Append(std::move(stored->lists));
  d.fixes = std::move(stored->fixes);
  co_return d;
}

Result<Diagnosis> RunSenderDoctor(store::Store& store, const std::string& dns_server,
                                  const SenderDoctorOptions& options) {
  DiagnosisFn run = [&](dns::Resolver& resolver) { return DiagnoseSender(store, resolver, options); };
  return RunDiagnosis(dns_server, run);
}

}  // namespace postdesk::doctor
