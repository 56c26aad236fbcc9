#include "intake/pipeline.h"

#include <algorithm>
#include <optional>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>

#include <nlohmann/json.hpp>

#include "channel/forwarding.h"
#include "common/ids.h"
#include "common/spawn.h"
#include "common/strings.h"
#include "intake/reply_cut.h"
#include "intake/screening.h"
#include "intake/threading.h"
#include "outbound/queue.h"
#include "spam/filter.h"

namespace postdesk::intake {
namespace {

// Attachments listed in a suspension's evidence (a message may carry thousands).
constexpr size_t kMaxListedAttachments = 100;

using nlohmann::json;

constexpr size_t kSubjectFromBodyChars = 80;
constexpr int64_t kSubjectThreadWindow = 30 * 24 * 3600;

std::string_view TrimEnd(std::string_view s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r' || s.back() == ' ' || s.back() == '\t')) {
    s.remove_suffix(1);
  }
  return s;
}

// First line of `text`, cut at a UTF-8 boundary, for tickets without a subject.
std::string SubjectFromBody(std::string_view text) {
  std::string_view line = Trim(text);
  line = line.substr(0, line.find('\n'));
  line = Trim(line);
  if (line.empty()) return "(no subject)";
  if (line.size() <= kSubjectFromBodyChars) return std::string(line);
  size_t cut = kSubjectFromBodyChars;
  while (cut > 0 && (static_cast<unsigned char>(line[cut]) & 0xC0) == 0x80) --cut;
  return std::string(line.substr(0, cut)) + "...";
}

std::string TraceHeader(const Inbound& in, std::string_view hostname, int64_t now) {
  std::string with = in.door == Door::kLmtp ? "LMTP" : in.door == Door::kPipe ? "local" : "ESMTP";
  std::string from = in.door == Door::kPipe ? "local" : SanitizeUtf8(in.helo);
  // Only printable ASCII from the peer reaches the header.
  for (auto& c : from) {
    if (static_cast<unsigned char>(c) < 0x21 || static_cast<unsigned char>(c) > 0x7e) c = '_';
  }
  std::string h = "Received: from " + (from.empty() ? "unknown" : from);
  if (!in.client_ip.empty()) h += " ([" + in.client_ip + "])";
  h += "\r\n\tby " + std::string(hostname) + " (postdesk) with " + with + ";\r\n\t" +
       FormatIsoTime(now) + "\r\n";
  return h;
}

bool IsOurMessageId(std::string_view message_id, std::string_view hostname) {
  return !message_id.empty() && IEquals(EmailDomain(message_id), hostname);
}

std::string DisplayName(const std::string& name, const std::string& email) {
  if (!name.empty()) return name;
  return std::string(EmailLocalPart(email));
}

// The user for `email`, created as an end user when new.
Result<store::User> FindOrCreateUser(store::Tx& tx, const std::string& email,
                                     const std::string& name, int64_t now) {
  auto found = tx.FindUserByEmail(email);
  if (found.ok() || found.status().kind() != ErrorKind::kNotFound) return found;
  store::User user;
  user.email = email;
  user.name = DisplayName(name, email);
  user.role = Role::kEndUser;
  user.created_at = user.updated_at = now;
  return tx.CreateUser(std::move(user));
}

std::string Score(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.3f", v);
  return buf;
}

json CommentEvent(const store::Comment& c, const std::vector<store::AttachmentMeta>& atts) {
  json attachments = json::array();
  for (const auto& a : atts) {
    attachments.push_back({{"id", a.id},
                           {"file_name", a.file_name},
                           {"content_type", a.content_type},
                           {"size", a.size}});
  }
  return {{"type", "Comment"},      {"id", c.id},
          {"author_id", c.author_id}, {"body", c.body},
          {"public", c.is_public},  {"attachments", attachments}};
}

}  // namespace

namespace {
constexpr std::pair<OutcomeKind, std::string_view> kOutcomeNames[] = {
    {OutcomeKind::kTicket, "ticket"},         {OutcomeKind::kComment, "comment"},
    {OutcomeKind::kSuspended, "suspended"},   {OutcomeKind::kBounce, "bounce"},
    {OutcomeKind::kBackscatter, "backscatter"}, {OutcomeKind::kVerification, "verification"},
    {OutcomeKind::kRejected, "rejected"},     {OutcomeKind::kThrottled, "throttled"},
};
}  // namespace

std::string_view OutcomeKindName(OutcomeKind kind) {
  for (const auto& [k, name] : kOutcomeNames) {
    if (k == kind) return name;
  }
  return "unknown";
}

std::optional<OutcomeKind> OutcomeKindFromName(std::string_view name) {
  for (const auto& [k, n] : kOutcomeNames) {
    if (n == name) return k;
  }
  return std::nullopt;
}

Pipeline::Pipeline(PipelineOptions options)
    : addresses_(std::move(options.support_addresses)),
      hostname_(std::move(options.hostname)),
      desk_(std::move(options.desk)),
      auth_policy_(std::move(options.auth)),
      clock_(options.clock ? options.clock : &system_clock_),
      spam_(options.spam),
      screening_(options.screening),
      settings_(std::move(options.settings)),
      lists_(std::make_unique<EmailListsHolder>()),
      rate_(std::make_unique<RateLimiter>(options.screening.rate, clock_,
                                          options.screening.rate_history)) {}

bool Pipeline::IsBounceAddress(std::string_view address) const {
  std::string a = NormalizeEmail(address);
  return IStartsWith(a, "bounces+") && a.find('@') != std::string::npos &&
         IEquals(EmailDomain(a), desk_.bounce_domain) && EmailLocalPart(a).size() > 8;
}

namespace {

// Worth running the bounce parser on: sent to our bounce address, from the
// null sender or a mailer daemon, or a delivery report by its type.
bool MayBeBounce(const mime::Message& m, const Inbound& in, bool to_bounce_address) {
  if (to_bounce_address || in.mail_from.empty()) return true;
  std::string from = m.from.empty() ? "" : ToLower(EmailLocalPart(m.from.front().email));
  if (from == "mailer-daemon" || from == "postmaster" || from == "mail-daemon") return true;
  auto ct = m.Header("Content-Type");
  return ct && ToLower(*ct).find("report-type=delivery-status") != std::string::npos;
}

}  // namespace

Prepared Pipeline::Prepare(Inbound inbound) const {
  Prepared p;
  const bool recovered = inbound.door == Door::kRecovered;
  p.message = mime::Parse(inbound.bytes);
  p.sha256 = Sha256Hex(inbound.bytes);
  if (recovered) {
    // Our own stored bytes: they already carry our trace and results fields.
    p.stored_bytes = inbound.bytes;
  } else {
    p.trace_header = TraceHeader(inbound, hostname_, Now());
    // Whatever happens next, no Authentication-Results claiming to be ours survives.
    p.stored_bytes = p.trace_header +
                     auth::StripOurAuthenticationResults(inbound.bytes, auth_policy_.authserv_id);
  }

  p.recipient = addresses_.default_address();
  for (const auto& r : inbound.recipients) {
    if (auto canonical = addresses_.Canonical(r)) {
      p.recipient = *canonical;
      break;
    }
  }
  if (!p.message.from.empty() && !p.message.from.front().email.empty()) {
    p.from_email = NormalizeEmail(p.message.from.front().email);
    p.from_name = p.message.from.front().name;
  } else if (!inbound.mail_from.empty()) {
    p.from_email = NormalizeEmail(inbound.mail_from);
  }
  p.inbound = std::move(inbound);
  if (recovered) return p;

  const auto& m = p.message;
  bool to_bounce_address = false;
  for (const auto& r : p.inbound.recipients) {
    if (IsBounceAddress(r)) {
      to_bounce_address = true;
      std::string local(EmailLocalPart(NormalizeEmail(r)));
      p.verp_token = local.substr(local.find('+') + 1);
    }
  }
  if (MayBeBounce(m, p.inbound, to_bounce_address)) p.bounce = outbound::ParseBounce(p.inbound.bytes);
  // A report about our mail is neither a ticket nor a comment: Commit ties it
  // to our message (or suspends it as backscatter), and no screening applies.
  if (p.bounce) return p;
  // Before any loop check: our verification email comes back by design.
  p.forwarding_token = channel::ForwardingCheckToken(m).value_or("");
  Screen(p);
  // Whether the sender is one of our agents (authentication treats a forged
  // agent address more strictly): a store read, so here and not on the io
  // thread that authenticates.
  if (!p.refusal && auth_policy_.is_agent) {
    for (const auto& a : p.message.from) p.from_agent = p.from_agent || auth_policy_.is_agent(a.email);
  }
  return p;
}

void Pipeline::Screen(Prepared& p) const {
  const auto& m = p.message;
  if (p.from_email.empty() || p.from_email.find('@') == std::string::npos) {
    p.early = EarlyVerdict{kCauseUnprocessableEmail, "no usable sender address in From or MAIL FROM"};
    return;
  }

  // 1. The lists: reject: refuses outright; the allowlist skips the
  //    blocklist and the spam filter (not the automated-mail checks: as
  //    Zendesk, an allowlisted out-of-office or no-reply mail is suspended).
  std::shared_ptr<const EmailLists> lists = lists_->Get();
  p.list = lists->Check(p.from_email);
  const bool allowlisted = p.list.action == ListAction::kAllow;
  json list_json = {{"list", p.list.list}, {"entry", p.list.entry}, {"sender", p.from_email}};
  if (p.list.action == ListAction::kReject) {
    p.refusal = Refusal{false, "sender " + p.from_email + " is blocklisted (" + p.list.entry + ")",
                        list_json};
    return;
  }

  // 2. The sender's rate (only admitted messages count).
  RateDecision rate = rate_->Check(p.from_email, allowlisted);
  json rate_json = {{"sender", p.from_email},
                    {"window_seconds", rate_->options().window_seconds},
                    {"admitted_in_window", rate.count},
                    {"accept_limit", rate.accept_limit},
                    {"suspend_limit", rate.suspend_limit},
                    {"allowlisted", allowlisted}};
  if (rate.kind == RateDecision::Kind::kRefuse) {
    rate_json["refused_in_a_row"] = rate.refused;
    p.refusal = Refusal{true,
                        "too many messages from " + p.from_email + ": " + std::to_string(rate.count) +
                            " within " + std::to_string(rate_->options().window_seconds) +
                            " seconds (limit " + std::to_string(rate.suspend_limit) + ")",
                        rate_json};
    // A flood is logged at its first refusal and then every 100th.
    p.refusal->record_event = rate.refused == 1 || rate.refused % 100 == 0;
    return;
  }
  p.rate_counted = true;

  // 3. The spam filter. GTUBE is always spam, suspended whatever the score.
  std::optional<Finding> gtube = DetectGtube(m, p.inbound.bytes);
  std::optional<Finding> spam;
  if (spam_ && !allowlisted) {
    spam::Thresholds thresholds = spam_->thresholds();
    if (settings_) {
      auto s = settings_->Get();
      thresholds = {s->spam_suspend_at, s->spam_refuse_at};
    }
    // Already parsed: no second parse.
    spam::Verdict v = spam_->Classify(m, thresholds);
    p.spam_json = v.ToJson();
    json verdict = json::parse(p.spam_json, nullptr, false);
    if (verdict.is_discarded()) verdict = {{"score", v.score}, {"decision", v.decision}};
    if (v.decision == "refuse" && !gtube) {
      p.refusal = Refusal{false,
                          "the spam filter scored it " + Score(v.score) + " (refused at " +
                              Score(thresholds.refuse_at) + ")",
                          verdict};
      return;
    }
    if (v.decision == "suspend") {
      spam = Finding{kCauseSpam,
                     "the spam filter scored it " + Score(v.score) + " (suspended at " +
                         Score(thresholds.suspend_at) + ")",
                     verdict};
    }
  }

  // 3b. A verdict of the spam scanner in front of us, honoured only from a
  //     trusted relay (anyone can write those fields); kept for the audit
  //     either way.
  std::optional<Finding> relay_spam;
  if (std::optional<RelayVerdict> rv = ReadRelayVerdict(m)) {
    const std::string relay = p.inbound.door == Door::kPipe ? "the local MTA (pipe)"
                              : p.inbound.client_ip.empty() ? std::string(DoorName(p.inbound.door))
                                                            : p.inbound.client_ip;
    const bool trusted =
        screening_.trusted_relays.Trusts(p.inbound.door, p.inbound.client_ip);
    p.relay_verdict = rv->ToJson();
    p.relay_verdict["relay"] = relay;
    p.relay_verdict["honoured"] = trusted && !allowlisted;
    if (!trusted) {
      p.relay_verdict["reason"] = relay + " is not a trusted relay (trusted_relays)";
    } else if (allowlisted) {
      p.relay_verdict["reason"] = "the sender is allowlisted";
    } else if (rv->spam) {
      relay_spam = Finding{kCauseSpam,
                           "the trusted relay " + relay + " marked it spam: " + rv->Describe(),
                           p.relay_verdict};
    }
  }

  // 4. Everything that suspends, most decisive first; the first is the
  //    cause, the others are kept in the evidence.
  std::vector<Finding> findings;
  auto add = [&](std::optional<Finding> f) {
    if (f) findings.push_back(std::move(*f));
  };
  if (addresses_.Contains(p.from_email)) {
    add(Finding{kCauseFromSupportAddress, "From: " + p.from_email + " is one of our support addresses",
                {{"from", p.from_email}}});
  }
  if (auto h = m.Header(kLoopHeader)) {
    add(Finding{kCauseLoop,
                std::string(kLoopHeader) + ": " + *h + " -- our own outbound mail came back",
                {{"header", std::string(kLoopHeader)}, {"value", SanitizeUtf8(*h)}}});
  } else if (IsOurMessageId(m.message_id, hostname_)) {
    add(Finding{kCauseLoop, "Message-ID <" + m.message_id + "> was made by us: our own mail came back",
                {{"message_id", m.message_id}}});
  }
  add(std::move(gtube));
  add(DetectMaliciousPatterns(m));
  add(DetectDeliveryFailure(m));
  std::optional<Finding> system_sender = DetectSystemSender(p.from_email);
  if (system_sender && system_sender->cause == kCauseSystemUser) add(std::move(system_sender));
  add(DetectAutomated(m));
  if (system_sender && system_sender->cause == kCauseFromNoreply) add(std::move(system_sender));
  std::vector<std::string> to = p.inbound.recipients;
  to.push_back(p.recipient);
  add(DetectToNoreply(to));
  add(DetectTooManyRecipients(m, screening_.max_header_recipients));
  if (p.list.action == ListAction::kSuspend) {
    add(Finding{kCauseBlocklisted, "sender " + p.from_email + " is blocklisted (" + p.list.entry + ")",
                list_json});
  } else if (p.list.action == ListAction::kNotOnAllowlist) {
    add(Finding{kCauseNotOnAllowlist,
                "sender " + p.from_email + " is not on the allowlist (the blocklist has \"*\")",
                list_json});
  }
  if (rate.kind == RateDecision::Kind::kSuspend) {
    add(Finding{kCauseLoop,
                "mail loop guard: " + std::to_string(rate.count) + " messages from " + p.from_email +
                    " within " + std::to_string(rate_->options().window_seconds) +
                    " seconds; the first " + std::to_string(rate.accept_limit) +
                    " are accepted, up to " + std::to_string(rate.suspend_limit) + " suspended",
                rate_json});
  }
  add(std::move(spam));
  add(std::move(relay_spam));
  if (Trim(m.text_body).empty() && m.attachments.empty()) {
    add(Finding{kCauseBlank, "no text and no attachments", json::object()});
  }
  if (findings.empty()) return;
  EarlyVerdict early{findings.front().cause, findings.front().reason, findings.front().evidence};
  for (size_t i = 1; i < findings.size(); ++i) {
    early.also.push_back({{"cause", findings[i].cause.name},
                          {"cause_id", findings[i].cause.id},
                          {"reason", findings[i].reason}});
  }
  p.early = std::move(early);
}

Result<Outcome> Pipeline::Commit(store::Tx& tx, const Prepared& p) const {
  const int64_t now = Now();
  const auto& m = p.message;
  std::vector<std::string> recipients;
  for (const auto& r : p.inbound.recipients) {
    std::string n = NormalizeEmail(r);
    if (std::find(recipients.begin(), recipients.end(), n) == recipients.end()) recipients.push_back(n);
  }
  if (recipients.empty()) recipients.push_back(p.recipient);

  // 0. Our forwarding verification email coming back through a customer's
  //    forwarding: consumed here, neither a ticket nor a suspension.
  if (!p.forwarding_token.empty()) {
    auto ours = channel::ConsumeForwardingCheck(tx, m, p.forwarding_token, now);
    if (!ours.ok()) return ours.status();
    if (*ours) {
      Outcome o;
      o.kind = OutcomeKind::kVerification;
      return o;
    }
    // An unknown token: ordinary mail (most likely suspended as our loop).
  }

  // 1. Idempotency: a redelivery of bytes we already handled for a recipient.
  for (const auto& r : recipients) {
    auto seen = tx.FindInboundDelivery(p.sha256, r);
    if (seen.ok()) {
      auto kind = OutcomeKindFromName(seen->outcome);
      if (!kind) return Status::Permanent("stored outcome '" + seen->outcome + "' is unknown");
      Outcome o;
      o.kind = *kind;
      o.duplicate = true;
      if (o.kind == OutcomeKind::kSuspended) o.suspended_id = seen->ref_id;
      else if (o.kind == OutcomeKind::kComment) o.comment_id = seen->ref_id;
      else if (o.kind == OutcomeKind::kBounce) o.bounced_recipient_id = seen->ref_id;
      else o.ticket_id = seen->ref_id;
      for (const auto& other : recipients) {
        if (!tx.FindInboundDelivery(p.sha256, other).ok()) {
          Status s = tx.AddInboundDelivery({p.sha256, other, seen->outcome,
                                            seen->ref_id, now});
          if (!s.ok()) return s;
        }
      }
      return o;
    }
    if (seen.status().kind() != ErrorKind::kNotFound) return seen.status();
  }

  // 2. Refused at SMTP time (550 5.7.1 / 451 4.7.1): nothing is kept but an
  //    event for operators. A sender whose domain asks for rejection (when
  //    so configured), a reject: entry, the spam score, the sender's rate.
  std::optional<Refusal> refusal = p.refusal;
  if (!refusal && p.auth && p.auth->action == auth::AuthAction::kReject) {
    refusal = Refusal{false, p.auth->reason, {{"authentication", auth::ToJson(*p.auth)}}};
  }
  if (refusal) {
    if (refusal->record_event) {
      store::SystemEvent event;
      event.kind = "smtp_refused";
      event.subject = p.from_email.empty() ? NormalizeEmail(p.inbound.mail_from) : p.from_email;
      event.detail_json = json{{"reason", refusal->reason},
                               {"reply", refusal->temporary ? "451 4.7.1" : "550 5.7.1"},
                               {"details", refusal->details},
                               {"mail_from", p.inbound.mail_from},
                               {"recipients", recipients},
                               {"message_id", m.message_id},
                               {"subject", m.subject},
                               {"door", DoorName(p.inbound.door)},
                               {"client_ip", p.inbound.client_ip}}
                              .dump(-1, ' ', false, json::error_handler_t::replace);
      event.created_at = now;
      auto added = tx.AddSystemEvent(event);
      if (!added.ok()) return added.status();
    }
    Outcome o;
    o.kind = refusal->temporary ? OutcomeKind::kThrottled : OutcomeKind::kRejected;
    o.cause = refusal->reason;
    return o;
  }

  // 3. The raw message is kept whatever the decision.
  store::RawMessage raw;
  raw.sha256 = p.sha256;
  raw.message_id = m.message_id;
  raw.mail_from = p.inbound.mail_from;
  raw.rcpt_to = p.inbound.recipients;
  raw.door = DoorName(p.inbound.door);
  raw.client_ip = p.inbound.client_ip;
  if (p.rate_counted) raw.sender = p.from_email;
  raw.bytes = p.stored_bytes;
  raw.received_at = now;
  auto raw_id = tx.AddRawMessage(raw);
  if (!raw_id.ok()) return raw_id.status();

  auto record = [&](const Outcome& o, int64_t ref) -> Result<Outcome> {
    for (const auto& r : recipients) {
      Status s = tx.AddInboundDelivery({p.sha256, r, std::string(OutcomeKindName(o.kind)), ref, now});
      if (!s.ok()) return s;
    }
    return o;
  };

  auto suspend = [&](Cause cause, const std::string& evidence, std::optional<int64_t> ticket_id,
                     json details) -> Result<Outcome> {
    store::SuspendedTicket s;
    s.cause_id = cause.id;
    s.cause = std::string(cause.name);
    s.author_name = DisplayName(p.from_name, p.from_email);
    s.author_email = p.from_email;
    s.subject = m.subject;
    s.content = m.text_body;
    s.recipient = p.recipient;
    s.message_id = m.message_id;
    s.ticket_id = ticket_id;
    s.raw_message_id = *raw_id;
    json ev = {{"cause", cause.name}, {"cause_id", cause.id}, {"reason", evidence},
               {"sender", p.from_email}, {"defects", m.defects}};
    if (!details.is_null() && !details.empty()) ev["evidence"] = std::move(details);
    if (p.early && p.early->cause == cause && !p.early->also.empty()) ev["also"] = p.early->also;
    if (!p.list.entry.empty()) ev["list"] = {{"list", p.list.list}, {"entry", p.list.entry}};
    if (p.auth) ev["authentication"] = auth::ToJson(*p.auth);
    if (!p.relay_verdict.is_null()) ev["relay_spam"] = p.relay_verdict;
    // What it carries, for the suspended-tickets view (the bytes stay in the
    // raw message until it is purged).
    if (!m.attachments.empty()) {
      json listed = json::array();
      for (size_t i = 0; i < m.attachments.size() && i < kMaxListedAttachments; ++i) {
        const auto& a = m.attachments[i];
        listed.push_back({{"file_name", a.filename},
                          {"content_type", a.content_type},
                          {"size", a.data.size()},
                          {"inline", a.is_inline}});
      }
      ev["attachments"] = std::move(listed);
    }
    s.evidence_json = ev.dump(-1, ' ', false, json::error_handler_t::replace);
    s.spam_json = p.spam_json;
    s.created_at = now;
    auto added = tx.AddSuspended(std::move(s));
    if (!added.ok()) return added.status();
    Outcome o;
    o.kind = OutcomeKind::kSuspended;
    o.suspended_id = added->id;
    o.cause = std::string(cause.name);
    return record(o, added->id);
  };

  if (p.bounce) {
    auto b = CommitBounce(tx, p, *raw_id, recipients);
    if (!b.ok()) return b.status();
    if (b->kind == OutcomeKind::kBounce) return record(*b, b->bounced_recipient_id);
    return suspend(kCauseBackscatter,
                   "a delivery report about a message we did not send (no VERP token or "
                   "Message-ID of ours matched; original Message-ID <" +
                       p.bounce->original_message_id + ">)",
                   std::nullopt,
                   {{"verp_token", p.verp_token},
                    {"original_message_id", p.bounce->original_message_id},
                    {"reporting_mta", p.bounce->reporting_mta}});
  }
  if (p.early) return suspend(p.early->cause, p.early->evidence, std::nullopt, p.early->details);
  if (p.auth && p.auth->action == auth::AuthAction::kSuspend) {
    return suspend(kCauseFailedEmailAuthentication, p.auth->reason, std::nullopt, json::object());
  }

  auto done = CommitMail(tx, p, *raw_id, nullptr, suspend);
  if (!done.ok() || done->kind == OutcomeKind::kSuspended) return done;  // a suspension is recorded already
  return record(*done, done->kind == OutcomeKind::kTicket ? done->ticket_id : done->comment_id);
}

Result<Outcome> Pipeline::CommitRecovered(store::Tx& tx, const Prepared& p,
                                          const RecoverOptions& options) const {
  int64_t raw_id = options.raw_message_id;
  if (raw_id == 0) {
    store::RawMessage raw;
    raw.sha256 = p.sha256;
    raw.message_id = p.message.message_id;
    raw.mail_from = p.inbound.mail_from;
    raw.rcpt_to = p.inbound.recipients;
    raw.door = DoorName(p.inbound.door);
    raw.client_ip = p.inbound.client_ip;
    raw.bytes = p.stored_bytes;
    raw.received_at = Now();
    auto added = tx.AddRawMessage(raw);
    if (!added.ok()) return added.status();
    raw_id = *added;
  }
  return CommitMail(tx, p, raw_id, &options, nullptr);
}

Result<Outcome> Pipeline::CommitMail(store::Tx& tx, const Prepared& p, int64_t raw_id,
                                     const RecoverOptions* recover, const SuspendFn& suspend) const {
  const int64_t now = Now();
  const auto& m = p.message;
  // 3. Threading, and whether this sender may update the ticket it names.
  auto match = FindThread(tx, m, p.inbound.recipients);
  if (!match.ok()) return match.status();
  Result<store::User> sender = Status::NotFound("no sender address");
  if (!p.from_email.empty()) sender = tx.FindUserByEmail(p.from_email);
  if (!sender.ok() && sender.status().kind() != ErrorKind::kNotFound) return sender.status();
  if (!*match && sender.ok()) {
    match = FindThreadBySubject(tx, sender->id, m.subject, now, kSubjectThreadWindow);
    if (!match.ok()) return match.status();
  }

  std::optional<store::Ticket> ticket;
  json thread_evidence = nullptr;
  if (*match) {
    const store::Ticket& t = (*match)->ticket;
    thread_evidence = {{"how", (*match)->how}, {"matched", (*match)->evidence}};
    // A recovery was allowed by an agent: no permission check.
    if (!recover && !sender.ok()) {
      return suspend(kCauseUnknownUserUpdate,
                     p.from_email + " is not a user and tried to update ticket " +
                         std::to_string(t.id) + " (matched by " + (*match)->how + ")",
                     t.id, {{"ticket_id", t.id}, {"threading", thread_evidence}});
    }
    // A deactivated agent writes as anyone else: only to their own tickets.
    bool allowed = recover || store::IsActiveStaff(*sender) || sender->id == t.requester_id ||
                   std::find(t.collaborator_ids.begin(), t.collaborator_ids.end(), sender->id) !=
                       t.collaborator_ids.end();
    if (!allowed) {
      return suspend(kCauseOtherUserUpdate,
                     p.from_email + " is neither the requester, a CC nor an agent of ticket " +
                         std::to_string(t.id) + " (matched by " + (*match)->how + ")",
                     t.id, {{"ticket_id", t.id}, {"user_id", sender->id},
                            {"threading", thread_evidence}});
    }
    // A reply to a closed ticket opens a follow-up ticket instead.
    if (t.status != "closed") ticket = t;
  }

  Result<store::User> requester = Status::NotFound("no requester");
  if (recover && recover->requester_id) {
    requester = tx.GetUser(*recover->requester_id);
  } else if (sender.ok()) {
    requester = *sender;
  } else if (p.from_email.empty() || p.from_email.find('@') == std::string::npos) {
    return Status::Invalid("the email has no usable sender address: name a requester to recover it");
  } else {
    requester = FindOrCreateUser(tx, p.from_email, p.from_name, now);
  }
  if (!requester.ok()) return requester.status();

  json events = json::array();
  Outcome outcome;
  store::Ticket before;
  if (ticket) before = *ticket;
  if (!ticket) {
    store::Ticket t;
    t.subject = m.subject.empty() ? SubjectFromBody(m.text_body) : m.subject;
    t.description = std::string(TrimEnd(m.text_body));
    t.status = "new";
    t.requester_id = t.submitter_id = requester->id;
    t.recipient = p.recipient;
    t.via = Channel::kEmail;
    t.subject_key = SubjectKey(t.subject);
    t.created_at = t.updated_at = now;
    // Everyone else on To/Cc who is not a support address becomes a CC.
    for (const auto* list : {&m.to, &m.cc}) {
      for (const auto& a : *list) {
        std::string email = NormalizeEmail(a.email);
        if (email.empty() || email.find('@') == std::string::npos || email == p.from_email ||
            addresses_.Contains(email)) {
          continue;
        }
        auto cc = FindOrCreateUser(tx, email, a.name, now);
        if (!cc.ok()) return cc.status();
        if (std::find(t.collaborator_ids.begin(), t.collaborator_ids.end(), cc->id) ==
            t.collaborator_ids.end()) {
          t.collaborator_ids.push_back(cc->id);
        }
      }
    }
    Result<store::Ticket> created = Status::Temporary("no attempt");
    for (int attempt = 0; attempt < 3; ++attempt) {  // encoded ids are random: retry a clash
      t.encoded_id = NewEncodedId();
      created = tx.CreateTicket(t);
      if (created.ok() || created.status().kind() != ErrorKind::kInvalid) break;
    }
    if (!created.ok()) return created.status();
    ticket = *created;
    events.push_back({{"type", "Create"}, {"field_name", "subject"}, {"value", t.subject}});
    events.push_back({{"type", "Create"}, {"field_name", "status"}, {"value", "new"}});
    events.push_back({{"type", "Create"},
                      {"field_name", "requester_id"},
                      {"value", std::to_string(requester->id)}});
    outcome.kind = OutcomeKind::kTicket;
  } else {
    outcome.kind = OutcomeKind::kComment;
    // The requester writing again reopens a pending or solved ticket.
    if (!store::IsActiveStaff(*requester) && (ticket->status == "pending" || ticket->status == "solved")) {
      events.push_back({{"type", "Change"},
                        {"field_name", "status"},
                        {"value", "open"},
                        {"previous_value", ticket->status}});
      ticket->status = "open";
    }
    ticket->updated_at = now;
    Status s = tx.UpdateTicket(*ticket);
    if (!s.ok()) return s;
  }

  store::Comment c;
  c.ticket_id = ticket->id;
  c.author_id = requester->id;
  c.is_public = true;
  // A reply keeps only what its author wrote; the full email stays in the raw message.
  c.body = outcome.kind == OutcomeKind::kComment ? CutQuotedReply(m.text_body) : std::string(TrimEnd(m.text_body));
  c.html_body = outcome.kind == OutcomeKind::kComment ? std::string() : m.html_body;
  c.raw_message_id = raw_id;
  if (p.auth) c.authentication_json = auth::ToJson(*p.auth).dump();
  c.via = Channel::kEmail;
  c.created_at = now;
  auto comment = tx.AddComment(c);
  if (!comment.ok()) return comment.status();

  std::vector<store::AttachmentMeta> atts;
  for (const auto& a : m.attachments) {
    store::AttachmentMeta meta;
    meta.comment_id = comment->id;
    meta.file_name = a.filename;
    meta.content_type = a.content_type;
    meta.content_id = a.content_id;
    meta.is_inline = a.is_inline;
    meta.sha256 = Sha256Hex(a.data);
    meta.size = static_cast<int64_t>(a.data.size());
    auto added = tx.AddAttachment(std::move(meta), a.data);
    if (!added.ok()) return added.status();
    atts.push_back(*added);
  }
  events.push_back(CommentEvent(*comment, atts));

  if (!m.message_id.empty()) {
    Status s = tx.AddTicketMessageId(ticket->id, m.message_id, /*outbound=*/false);
    if (!s.ok()) return s;
  }

  json meta = {{"system",
                {{"message_id", m.message_id},
                 {"raw_email_identifier", std::to_string(raw_id)},
                 {"door", DoorName(p.inbound.door)},
                 {"ip_address", p.inbound.client_ip}}}};
  if (!thread_evidence.is_null()) meta["threading"] = thread_evidence;
  if (!m.defects.empty()) meta["defects"] = m.defects;
  // The spam filter's verdict on accepted mail too, so that any ticket can
  // say how it scored.
  if (!p.spam_json.empty()) {
    json verdict = json::parse(p.spam_json, nullptr, false);
    if (!verdict.is_discarded()) meta["spam"] = std::move(verdict);
  }
  // A scanner's verdict in the header, and whether it counted.
  if (!p.relay_verdict.is_null()) meta["relay_spam"] = p.relay_verdict;
  if (recover) {
    meta["suspended_ticket_recovery"] = {{"agent_id", recover->agent_id},
                                         {"requester_overridden", recover->requester_id.has_value()}};
  }
  if (p.auth && p.auth->action == auth::AuthAction::kFlag) {
    // As Zendesk warns agents: the sender could not be verified.
    meta["flags"] = {"spoofing_warning"};
    meta["flags_options"] = {{"spoofing_warning",
                              {{"message", "This message may not have been sent by " +
                                               p.from_email + ". " + p.auth->reason}}}};
  }

  // Triggers, their notifications and the update's one audit.
  tickets::Update update;
  update.created = outcome.kind == OutcomeKind::kTicket;
  update.before = before;
  update.ticket = *ticket;
  update.comment = *comment;
  update.actor = *requester;
  update.via = Channel::kEmail;
  update.already_received.push_back(p.from_email);
  for (const auto* list : {&m.to, &m.cc}) {
    for (const auto& a : *list) update.already_received.push_back(NormalizeEmail(a.email));
  }
  update.events = std::move(events);
  update.metadata = std::move(meta);
  auto committed = tickets::Commit(tx, desk_, std::move(update), now);
  if (!committed.ok()) return committed.status();
  outcome.notifications = committed->outbound_message_ids.size();

  outcome.ticket_id = ticket->id;
  outcome.comment_id = comment->id;
  return outcome;
}


Result<Outcome> Pipeline::CommitBounce(store::Tx& tx, const Prepared& p, int64_t raw_id,
                                       const std::vector<std::string>& recipients) const {
  const int64_t now = Now();
  const outbound::Bounce& b = *p.bounce;
  Outcome none;
  none.kind = OutcomeKind::kBackscatter;

  // Which of our recipients: the VERP token names it exactly; else the
  // returned message's Message-ID and the reported recipient address.
  std::optional<store::OutboundRecipient> target;
  std::vector<std::string> tokens;
  if (!p.verp_token.empty()) tokens.push_back(p.verp_token);
  for (const auto& addr : b.bounce_recipients) {
    std::string a = NormalizeEmail(addr);
    if (IsBounceAddress(a)) {
      std::string local(EmailLocalPart(a));
      tokens.push_back(local.substr(local.find('+') + 1));
    }
  }
  if (!b.original_sender.empty() && IsBounceAddress(b.original_sender)) {
    std::string local(EmailLocalPart(NormalizeEmail(b.original_sender)));
    tokens.push_back(local.substr(local.find('+') + 1));
  }
  for (const auto& token : tokens) {
    auto r = tx.FindRecipientByVerp(token);
    if (r.ok()) {
      target = *r;
      break;
    }
    if (r.status().kind() != ErrorKind::kNotFound) return r.status();
  }
  if (!target && !b.original_message_id.empty()) {
    auto m = tx.FindOutboundByMessageId(b.original_message_id);
    if (m.ok()) {
      auto rs = tx.ListOutboundRecipients(m->id);
      if (!rs.ok()) return rs.status();
      for (const auto& r : *rs) {
        for (const auto& br : b.recipients) {
          if (IEquals(r.address, br.final_recipient) || IEquals(r.address, br.original_recipient)) {
            target = r;
          }
        }
      }
      if (!target && rs->size() == 1) target = rs->front();
    } else if (m.status().kind() != ErrorKind::kNotFound) {
      return m.status();
    }
  }
  if (!target) return none;

  // The report's entry for that recipient (or its only entry).
  const outbound::BouncedRecipient* entry = &b.recipients.front();
  for (const auto& br : b.recipients) {
    if (IEquals(br.final_recipient, target->address) ||
        IEquals(br.original_recipient, target->address)) {
      entry = &br;
    }
  }
  store::OutboundRecipient r = *target;
  r.last_status = entry->status;
  r.last_code = entry->smtp_reply_code;
  r.last_reply = entry->diagnostic;
  r.remote_host = entry->remote_mta.empty() ? b.reporting_mta : entry->remote_mta;
  r.reason = std::string(outbound::BounceReasonName(entry->reason));
  std::string detail = std::string(b.standard ? "delivery status notification" : "bounce") +
                       " from " + b.reporting_mta + ": " +
                       std::string(outbound::DsnActionName(entry->action)) + " " + entry->status +
                       (entry->diagnostic.empty() ? "" : " " + entry->diagnostic) +
                       " (raw message " + std::to_string(raw_id) + ")";
  // A delay warning changes nothing but is worth an event; a failure is final.
  // A report about a recipient that cannot bounce (still queued, failed
  // already, or a forged report) is recorded as an event, moving nothing
  // (RecordTransition checks the table).
  using outbound::DeliveryState;
  const DeliveryState state = entry->action == outbound::DsnAction::kFailed
                                  ? DeliveryState::kBounced
                                  : outbound::ParseDeliveryState(r.state).value_or(DeliveryState::kQueued);
  if (entry->action != outbound::DsnAction::kFailed) r.reason.clear();
  if (Status s = outbound::RecordTransition(tx, r, state, detail, now); !s.ok()) return s;
  Outcome o;
  o.kind = OutcomeKind::kBounce;
  o.bounced_recipient_id = r.id;
  return o;
}

boost::asio::awaitable<void> Pipeline::Authenticate(dns::Resolver& resolver, Prepared& p) const {
  // Mode off still checks and records (the policy then accepts); our own
  // bounce reports, mail refused already and recovered mail (checked when
  // it first arrived) skip it.
  if (p.bounce || p.refusal || p.inbound.door == Door::kRecovered) co_return;
  auth::AuthInput in;
  in.raw_message = p.inbound.bytes;
  in.client_ip = p.inbound.client_ip;
  in.helo = p.inbound.helo;
  in.mail_from = p.inbound.mail_from;
  for (const auto& a : p.message.from) in.from_addresses.push_back(a.email);
  in.now = Now();
  in.have_smtp_context = p.inbound.door == Door::kSmtp && !p.inbound.client_ip.empty();
  // The policy in force (the admin's settings), with the agent lookup
  // Prepare already made: nothing here waits on the store.
  auth::AuthPolicy policy = auth_policy_;
  if (policy.is_agent) policy.is_agent = [agent = p.from_agent](std::string_view) { return agent; };
  if (settings_) {
    auto s = settings_->Get();
    policy.mode = s->inbound_authentication;
    policy.reject_on_dmarc_reject = s->reject_on_dmarc_reject;
  }
  auth::AuthOutcome outcome = co_await auth::Authenticate(resolver, in, policy);
  std::string ar = auth::AuthenticationResultsHeader(outcome, auth_policy_.authserv_id);
  p.stored_bytes = p.trace_header + auth::FoldAuthenticationResults(ar) +
                   auth::StripOurAuthenticationResults(p.inbound.bytes, auth_policy_.authserv_id);
  p.auth = std::move(outcome);
}

Result<Outcome> Pipeline::Process(store::Store& store, Inbound inbound, dns::Resolver* resolver,
                                  boost::asio::io_context* io) const {
  Prepared prepared = Prepare(std::move(inbound));
  if (resolver && io) {
    // An exception in authentication must not let the mail past the
    // DMARC checks it would have faced: the door tries again later.
    std::optional<std::string> failed;
    Spawn(io->get_executor(), Authenticate(*resolver, prepared), "pipe door: authenticating a message",
          [&failed](const std::string& error) { failed = error; });
    io->run();
    io->restart();
    if (failed) return Status::Temporary("internal error while authenticating: " + *failed);
  }
  Result<Outcome> result = Status::Temporary("not run");
  Status s = store.Write([&](store::Tx& tx) {
    result = Commit(tx, prepared);
    return result.status();
  });
  if (!s.ok()) return s;
  return result;
}

}  // namespace postdesk::intake
