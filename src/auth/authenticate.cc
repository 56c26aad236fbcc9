#include "auth/authenticate.h"

#include <optional>
#include <utility>

#include "common/strings.h"
#include "mime/message.h"

namespace postdesk::auth {

namespace {

using boost::asio::awaitable;

// Relaxed alignment (DMARC): the same name, or the same registrable domain.
// Uses the public suffix list only, so it costs no DNS.
bool RelaxedAligned(std::string_view a, std::string_view b) {
  if (a.empty() || b.empty()) return false;
  std::string la = ToLower(a), lb = ToLower(b);
  if (la == lb) return true;
  return dmarc::PslOrganizationalDomain(la) == dmarc::PslOrganizationalDomain(lb);
}

// Control characters out, length bounded: for SMTP replies built from
// names the sender chose.
std::string OneLine(std::string_view text, size_t max_bytes) {
  std::string s = SanitizeUtf8(text.substr(0, max_bytes));
  for (char& c : s) {
    const auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7f || u >= 0x80) c = u >= 0x80 ? '?' : ' ';
  }
  return s;
}

std::vector<std::string> FromAddressesOf(std::string_view raw) {
  // Only the header section matters; GMime need not see the body.
  size_t end = raw.find("\r\n\r\n");
  if (end != std::string_view::npos) {
    end += 4;
  } else if ((end = raw.find("\n\n")) != std::string_view::npos) {
    end += 2;
  } else {
    end = raw.size();
  }
  mime::InitMime();
  mime::Message m = mime::Parse(raw.substr(0, end));
  std::vector<std::string> out;
  for (const auto& a : m.from) {
    if (!a.email.empty()) out.push_back(a.email);
  }
  return out;
}

// What one passing result of a trusted sealer's ARC-Authentication-Results
// says about the message's From domain; empty when it does not vouch for it.
std::string VouchesBy(const ResInfo& r, const std::string& from_domain) {
  if (r.method == "dmarc") {
    std::string hf = r.Property("header.from");
    if (hf.empty() || IEquals(hf, from_domain)) return "dmarc=pass header.from=" + from_domain;
  } else if (r.method == "dkim") {
    std::string d = r.Property("header.d");
    if (d.empty()) d = std::string(EmailDomain(r.Property("header.i")));
    if (RelaxedAligned(d, from_domain)) return "dkim=pass aligned, header.d=" + ToLower(d);
  } else if (r.method == "spf") {
    std::string id = r.Property("smtp.mailfrom");
    if (id.empty()) id = r.Property("smtp.helo");
    std::string domain = id.find('@') == std::string::npos ? id : std::string(EmailDomain(id));
    if (RelaxedAligned(domain, from_domain))
      return "spf=pass aligned, smtp.mailfrom domain " + domain;
  }
  return "";
}

std::string Vouches(const ParsedAuthResults& aar, const std::string& from_domain) {
  // DMARC's own word first, then an aligned DKIM, then an aligned SPF pass.
  for (const char* method : {"dmarc", "dkim", "spf"}) {
    for (const ResInfo& r : aar.results) {
      if (r.result != "pass" || r.method != method) continue;
      std::string evidence = VouchesBy(r, from_domain);
      if (!evidence.empty()) return evidence;
    }
  }
  return "";
}

void CheckArcTrust(const AuthPolicy& policy, const std::string& from_domain, ArcCheck* arc) {
  if (arc->result.status != ArcStatus::kPass || from_domain.empty()) return;
  // Oldest first: the trusted hop nearest the original sender. Only sets
  // made after the message's last change count (instance >= oldest_pass):
  // a trusted sealer cannot vouch for what an untrusted hop did later.
  for (const ArcSetInfo& set : arc->result.sets) {
    if (set.instance < arc->result.oldest_pass || arc->result.oldest_pass == 0) continue;
    bool trusted = false;
    for (const auto& t : policy.trusted_arc_sealers)
      trusted = trusted || IEquals(t, set.seal_domain);
    if (!trusted) continue;
    std::string evidence = Vouches(ParseAuthenticationResults(set.auth_results), from_domain);
    if (evidence.empty()) continue;
    arc->trusted = true;
    arc->trusted_sealer = set.seal_domain;
    arc->trusted_instance = set.instance;
    arc->trusted_evidence = std::move(evidence);
    return;
  }
}

bool SpfAlignedWithFrom(const SpfCheck& spf, const std::string& from_domain) {
  return RelaxedAligned(spf.result.domain, from_domain);
}

// "SPF softfail", "SPF pass for lists.example (not aligned)", "SPF not checked (pipe door)".
std::string SpfSummary(const AuthOutcome& o, bool have_smtp_context) {
  if (!have_smtp_context) return "SPF not checked (pipe door)";
  if (o.spf.client_ip.empty()) return "SPF not checked (no client address)";
  std::string s = std::string("SPF ") + spf::VerdictName(o.spf.result.verdict);
  if (o.spf.result.verdict == spf::Verdict::kPass && !o.dmarc.spf_aligned &&
      !o.spf.result.domain.empty()) {
    s += " for " + o.spf.result.domain + " (not aligned)";
  }
  return s;
}

// "no DKIM signature", "DKIM pass for d=x (not aligned)", "DKIM fail for d=x (body hash mismatch)".
std::string DkimSummary(const AuthOutcome& o) {
  if (o.dkim.empty()) return "no DKIM signature";
  for (const DkimResult& r : o.dkim) {
    if (r.pass() && r.domain == o.dmarc.aligned_dkim_domain && o.dmarc.dkim_aligned) {
      return "DKIM pass for d=" + r.domain;
    }
  }
  for (const DkimResult& r : o.dkim) {
    if (r.pass()) return "DKIM pass for d=" + r.domain + " (not aligned)";
  }
  const DkimResult& r = o.dkim.front();
  std::string s = std::string("DKIM ") + DkimStatusName(r.status);
  if (!r.domain.empty()) s += " for d=" + r.domain;
  s += std::string(" (") + DkimReasonName(r.reason) + ")";
  if (o.dkim.size() > 1) s += " and " + std::to_string(o.dkim.size() - 1) + " more";
  return s;
}

std::string PolicyNote(const dmarc::DmarcResult& d) {
  std::string s = std::string("p=") + dmarc::PolicyName(d.requested_policy);
  if (d.policy != d.requested_policy) {
    s += std::string(", applied as ") + dmarc::PolicyName(d.policy) +
         (d.sampled_out ? " (pct)" : " (t=y)");
  }
  return s;
}

}  // namespace

std::optional<AuthMode> ParseAuthMode(std::string_view name) {
  if (IEquals(name, "off")) return AuthMode::kOff;
  if (IEquals(name, "flag")) return AuthMode::kFlag;
  if (IEquals(name, "suspend")) return AuthMode::kSuspend;
  return std::nullopt;
}

const char* AuthActionName(AuthAction action) {
  switch (action) {
    case AuthAction::kAccept:
      return "accept";
    case AuthAction::kFlag:
      return "flag";
    case AuthAction::kSuspend:
      return "suspend";
    case AuthAction::kReject:
      return "reject";
  }
  return "accept";
}

awaitable<AuthOutcome> Authenticate(dns::Resolver& resolver, const AuthInput& input,
                                    const AuthPolicy& policy) {
  AuthOutcome o;
  o.checked = true;

  // SPF.
  o.spf.client_ip = input.have_smtp_context ? input.client_ip : "";
  o.spf.mail_from = input.mail_from;
  o.spf.helo = input.helo;
  o.spf.helo_identity = input.mail_from.empty();
  o.spf.result.domain =
      ToLower(o.spf.helo_identity ? input.helo : std::string(EmailDomain(input.mail_from)));
  if (!input.have_smtp_context) {
    o.spf.result.reason = "no SMTP client address (pipe door)";
  } else if (input.client_ip.empty()) {
    o.spf.result.reason = "no SMTP client address";
  } else if (input.mail_from.empty() && input.helo.empty()) {
    o.spf.result.reason = "null MAIL FROM and no HELO name: nothing to check";
  } else {
    spf::SpfOptions options;
    if (!policy.authserv_id.empty()) options.receiver = policy.authserv_id;
    if (input.now > 0) options.timestamp = input.now;
    o.spf.result = co_await spf::CheckMailFrom(resolver, input.client_ip, input.mail_from,
                                               input.helo, std::move(options));
  }

  // DKIM and ARC.
  o.dkim = co_await VerifyDkim(resolver, input.raw_message, input.now);
  o.arc.result = co_await VerifyArc(resolver, input.raw_message, input.now);

  // DMARC.
  // Group syntax gives entries without an address; they are not identities.
  for (const auto& a : input.from_addresses) {
    if (!a.empty()) o.from_addresses.push_back(a);
  }
  if (o.from_addresses.empty()) o.from_addresses = FromAddressesOf(input.raw_message);
  dmarc::DmarcInput din;
  din.from_addresses = o.from_addresses;
  din.spf.pass = o.spf.result.verdict == spf::Verdict::kPass;
  if (o.spf.helo_identity) {
    din.spf.helo_domain = o.spf.result.domain;
  } else {
    din.spf.mail_from_domain = o.spf.result.domain;
  }
  for (const DkimResult& r : o.dkim) din.dkim.push_back({r.pass(), r.domain});
  dmarc::DmarcOptions dopt;
  dopt.sample = policy.dmarc_sample;
  o.dmarc = co_await dmarc::Evaluate(resolver, std::move(din), std::move(dopt));

  CheckArcTrust(policy, o.dmarc.from_domain, &o.arc);
  if (policy.is_agent) {
    for (const auto& a : o.from_addresses) o.from_agent = o.from_agent || policy.is_agent(a);
  }

  // The decision.
  const std::string& from_domain = o.dmarc.from_domain;
  const bool dmarc_fail = o.dmarc.verdict == dmarc::Verdict::kFail;
  const bool no_policy =
      o.dmarc.verdict == dmarc::Verdict::kNone || o.dmarc.verdict == dmarc::Verdict::kPermError;
  bool any_dkim_pass = false, aligned_dkim_temp = false;
  for (const DkimResult& r : o.dkim) {
    any_dkim_pass = any_dkim_pass || r.pass();
    aligned_dkim_temp = aligned_dkim_temp || (r.status == DkimStatus::kTempError &&
                                              RelaxedAligned(r.domain, from_domain));
  }
  const bool fallback_fail =
      no_policy && o.spf.result.verdict == spf::Verdict::kFail && !any_dkim_pass;
  const bool failed = dmarc_fail || fallback_fail;
  // A failure DNS trouble may have caused: only lookups under the From
  // domain's own organization count, which a forger cannot make fail.
  const bool spf_temp =
      o.spf.result.verdict == spf::Verdict::kTempError && SpfAlignedWithFrom(o.spf, from_domain);
  o.temporary =
      o.dmarc.verdict == dmarc::Verdict::kTempError || (failed && (spf_temp || aligned_dkim_temp));

  const std::string spf_text = SpfSummary(o, input.have_smtp_context);
  const std::string dkim_text = DkimSummary(o);
  const AuthMode mode = ParseAuthMode(policy.mode).value_or(AuthMode::kFlag);

  std::string why;
  if (dmarc_fail) {
    why =
        (from_domain.empty() ? "DMARC fail (" + o.dmarc.reason + ")"
                             : "DMARC fail for " + from_domain + " (" + PolicyNote(o.dmarc) + ")") +
        ": " + spf_text + ", " + dkim_text;
  } else if (fallback_fail) {
    why = (o.dmarc.verdict == dmarc::Verdict::kPermError ? "unusable DMARC record for "
                                                         : "no DMARC record for ") +
          from_domain + "; " + spf_text + " and " + dkim_text;
  } else if (o.dmarc.verdict == dmarc::Verdict::kPass) {
    why = "DMARC pass for " + from_domain + ": " + o.dmarc.reason;
  } else if (o.dmarc.verdict == dmarc::Verdict::kTempError) {
    why =
        "DMARC could not be checked (DNS): " + o.dmarc.reason + "; " + spf_text + ", " + dkim_text;
  } else {
    why = (o.dmarc.verdict == dmarc::Verdict::kPermError ? "unusable DMARC record for "
                                                         : "no DMARC record for ") +
          from_domain + "; " + spf_text + ", " + dkim_text;
  }
  if (failed && o.temporary) why += "; a DNS lookup failed, so a retry may pass";

  if (!failed) {
    o.action = AuthAction::kAccept;
    o.reason = std::move(why);
    co_return o;
  }
  if (o.arc.trusted) {
    o.action = AuthAction::kAccept;
    o.reason = why + "; overridden: trusted ARC sealer " + o.arc.trusted_sealer +
               " (i=" + std::to_string(o.arc.trusted_instance) + ") saw " + o.arc.trusted_evidence;
    co_return o;
  }
  switch (mode) {
    case AuthMode::kOff:
      o.action = AuthAction::kAccept;
      break;
    case AuthMode::kFlag:
      o.action = AuthAction::kFlag;
      break;
    case AuthMode::kSuspend:
      o.action = AuthAction::kSuspend;
      break;
  }
  if (o.from_agent && o.action == AuthAction::kAccept) o.action = AuthAction::kFlag;
  if (o.from_agent) why = "From is an agent's address and someone may be forging an agent: " + why;
  if (policy.reject_on_dmarc_reject && mode != AuthMode::kOff && dmarc_fail &&
      o.dmarc.policy == dmarc::Policy::kReject && !o.temporary) {
    o.action = AuthAction::kReject;
    o.smtp_reply = "550 5.7.1 " + OneLine("Message rejected by the DMARC policy of " + from_domain +
                                              ": " + spf_text + ", no aligned DKIM",
                                          400);
  }
  o.reason = std::move(why);
  co_return o;
}

nlohmann::json ToJson(const AuthOutcome& o) {
  using nlohmann::json;
  // Everything here may carry bytes a sender chose; the JSON library needs UTF-8.
  auto s = [](std::string_view v) { return SanitizeUtf8(v); };

  json spf = {
      {"result", spf::VerdictName(o.spf.result.verdict)},
      {"reason", s(o.spf.result.reason)},
      {"domain", s(o.spf.result.domain)},
      {"identity", o.spf.helo_identity ? "helo" : "mailfrom"},
      {"mail_from", s(o.spf.mail_from)},
      {"helo", s(o.spf.helo)},
      {"client_ip", s(o.spf.client_ip)},
  };
  if (o.spf.result.verdict == spf::Verdict::kFail && !o.spf.result.explanation.empty()) {
    spf["explanation"] = s(o.spf.result.explanation);
  }

  json dkim = json::array();
  for (const DkimResult& r : o.dkim) {
    json d = {
        {"result", DkimStatusName(r.status)},
        {"reason", r.pass() ? "" : DkimReasonName(r.reason)},
        {"detail", s(r.detail)},
        {"domain", s(r.domain)},
        {"selector", s(r.selector)},
        {"algorithm", s(r.algorithm)},
        {"identity", s(r.identity)},
        {"header_b", s(r.header_b)},
        {"aligned",
         r.pass() && o.dmarc.dkim_aligned && IEquals(r.domain, o.dmarc.aligned_dkim_domain)},
    };
    if (r.key_bits > 0) d["key_bits"] = r.key_bits;
    if (r.testing) d["testing"] = true;
    if (r.body_length) d["body_length"] = *r.body_length;
    dkim.push_back(std::move(d));
  }

  json dm = {
      {"result", dmarc::VerdictName(o.dmarc.verdict)},
      {"policy", dmarc::PolicyName(o.dmarc.policy)},
      {"requested_policy", dmarc::PolicyName(o.dmarc.requested_policy)},
      {"reason", s(o.dmarc.reason)},
      {"from_domain", s(o.dmarc.from_domain)},
      {"policy_domain", s(o.dmarc.policy_domain)},
      {"spf_aligned", o.dmarc.spf_aligned},
      {"dkim_aligned", o.dmarc.dkim_aligned},
  };
  if (o.dmarc.sampled_out) dm["sampled_out"] = true;

  json sealers = json::array();
  for (const ArcSetInfo& set : o.arc.result.sets) {
    sealers.push_back({{"instance", set.instance},
                       {"domain", s(set.seal_domain)},
                       {"selector", s(set.seal_selector)},
                       {"authserv_id", s(set.authserv_id)}});
  }
  json arc = {
      {"result", ArcStatusName(o.arc.result.status)},
      {"reason", s(o.arc.result.reason)},
      {"instances", o.arc.result.instances},
      {"oldest_pass", o.arc.result.oldest_pass},
      {"sealers", std::move(sealers)},
      {"trusted", o.arc.trusted},
  };
  if (o.arc.trusted) {
    arc["trusted_sealer"] = s(o.arc.trusted_sealer);
    arc["trusted_instance"] = o.arc.trusted_instance;
    arc["trusted_evidence"] = s(o.arc.trusted_evidence);
  }

  json out = {
      {"spf", std::move(spf)},
      {"dkim", std::move(dkim)},
      {"dmarc", std::move(dm)},
      {"arc", std::move(arc)},
      {"action", AuthActionName(o.action)},
      {"reason", s(o.reason)},
  };
  if (o.from_agent) out["from_agent"] = true;
  if (o.temporary) out["temporary"] = true;
  if (!o.smtp_reply.empty()) out["smtp_reply"] = s(o.smtp_reply);
  return out;
}

std::string AuthenticationResultsHeader(const AuthOutcome& o, std::string_view authserv_id) {
  std::string out = PropertyValue(authserv_id.empty() ? "localhost" : authserv_id);
  if (!o.checked) return out + "; none";
  auto reason = [](std::string_view r) {
    return r.empty() ? std::string() : " reason=" + QuotedString(r, 300);
  };

  // SPF.
  out +=
      std::string("; spf=") + spf::VerdictName(o.spf.result.verdict) + reason(o.spf.result.reason);
  if (!o.spf.helo_identity) {
    out += " smtp.mailfrom=" + PropertyValue(o.spf.mail_from);
  } else if (!o.spf.helo.empty()) {
    out += " smtp.helo=" + PropertyValue(o.spf.helo);
  }

  // DKIM, one result per signature.
  if (o.dkim.empty()) out += "; dkim=none";
  for (const DkimResult& r : o.dkim) {
    out += std::string("; dkim=") + DkimStatusName(r.status);
    if (r.pass() && r.key_bits > 0) out += " (" + std::to_string(r.key_bits) + "-bit key)";
    if (!r.pass()) {
      std::string why = DkimReasonName(r.reason);
      if (!r.detail.empty()) why += ": " + r.detail;
      out += reason(why);
    }
    if (!r.domain.empty()) out += " header.d=" + PropertyValue(r.domain);
    if (!r.identity.empty()) out += " header.i=" + PropertyValue(r.identity);
    if (!r.selector.empty()) out += " header.s=" + PropertyValue(r.selector);
    if (!r.algorithm.empty()) out += " header.a=" + PropertyValue(r.algorithm);
    if (!r.header_b.empty()) out += " header.b=" + PropertyValue(r.header_b);
  }

  // DMARC.
  out += std::string("; dmarc=") + dmarc::VerdictName(o.dmarc.verdict);
  if (o.dmarc.verdict == dmarc::Verdict::kPass || o.dmarc.verdict == dmarc::Verdict::kFail) {
    const dmarc::Policy p = o.dmarc.verdict == dmarc::Verdict::kFail || !o.dmarc.record
                                ? o.dmarc.requested_policy
                                : o.dmarc.record->p;
    out += std::string(" (p=") + dmarc::PolicyName(p) + " dis=" +
           dmarc::PolicyName(o.dmarc.verdict == dmarc::Verdict::kFail ? o.dmarc.policy
                                                                      : dmarc::Policy::kNone) +
           ")";
  }
  out += reason(o.dmarc.reason);
  if (!o.dmarc.from_domain.empty()) out += " header.from=" + PropertyValue(o.dmarc.from_domain);

  // ARC.
  out += std::string("; arc=") + ArcStatusName(o.arc.result.status);
  if (o.arc.result.status == ArcStatus::kPass) {
    std::string sealers;
    for (const auto& set : o.arc.result.sets) {
      sealers += (sealers.empty() ? "" : ", ") + set.seal_domain;
    }
    std::string note = "sealed by " + sealers;
    if (o.arc.trusted) note += "; trusted sealer " + o.arc.trusted_sealer + " vouches";
    out += " (" + CommentText(note) + ")";
    out += " header.oldest-pass=" + std::to_string(o.arc.result.oldest_pass);
  } else {
    out += reason(o.arc.result.reason);
  }
  return out;
}

}  // namespace postdesk::auth
