#include "channel/domain_checks.h"


#include <algorithm>
#include <optional>
#include <set>
#include <utility>

#include "auth/dkim_crypto.h"
#include "channel/dkim_keys.h"
#include "auth/dmarc.h"
#include "auth/spf.h"
#include "common/strings.h"
#include "dns/names.h"

namespace postdesk::channel {

namespace {

using boost::asio::awaitable;
using nlohmann::json;

constexpr int kMaxDnsTerms = 10;    // RFC 7208 section 4.6.4
constexpr int kMaxVoidLookups = 2;  // RFC 7208 section 4.6.4
constexpr int kMaxMxNames = 10;
// Bounds on the walk through includes: how deep, how many records, how many
// queries in all. A real evaluation stops at 10 terms; the walk goes on a
// little further to say how far over the limit the record is.
constexpr int kMaxDepth = 10;
constexpr int kMaxRecords = 40;
constexpr int kMaxQueries = 120;
constexpr size_t kMaxQuoted = 400;

// DNS text for evidence: valid UTF-8, no control characters, bounded.
std::string Clip(std::string_view text, size_t max = kMaxQuoted) {
  std::string s = SanitizeUtf8(text);
  for (char& c : s) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) c = ' ';
  }
  if (s.size() > max) {
    size_t cut = max;
    while (cut > 0 && (static_cast<unsigned char>(s[cut]) & 0xC0) == 0x80) --cut;
    s = s.substr(0, cut) + "\xE2\x80\xA6";  // U+2026
  }
  return s;
}

std::string Quoted(std::string_view text) { return "\"" + Clip(text) + "\""; }

std::string Join(const std::vector<std::string>& parts, std::string_view sep) {
  std::string out;
  for (size_t i = 0; i < parts.size(); ++i) {
    if (i) out += sep;
    out += parts[i];
  }
  return out;
}

std::string RcodeText(const dns::Answer& a) {
  switch (a.rcode) {
    case dns::Rcode::kNxDomain:
      return "NXDOMAIN";
    case dns::Rcode::kNoData:
      return "no record of that type";
    case dns::Rcode::kTempError:
      return "temperror" + (a.error.empty() ? std::string() : ": " + a.error);
    case dns::Rcode::kFormError:
      return "invalid name" + (a.error.empty() ? std::string() : ": " + a.error);
    case dns::Rcode::kOk:
      return "ok";
  }
  return "?";
}

// "1 void lookup", "3 void lookups".
std::string Count(size_t n, std::string_view thing) {
  return std::to_string(n) + " " + std::string(thing) + (n == 1 ? "" : "s");
}

bool HasMacro(std::string_view spec) { return spec.find('%') != std::string_view::npos; }

bool IsDnsMechanism(spf::MechanismKind k) {
  using K = spf::MechanismKind;
  return k == K::kInclude || k == K::kA || k == K::kMx || k == K::kPtr || k == K::kExists;
}

// Space-separated terms of a record with their offsets.
struct Term {
  std::string text;
  size_t offset = 0;
};

std::vector<Term> Terms(std::string_view record) {
  std::vector<Term> out;
  size_t i = 0;
  while (i < record.size()) {
    while (i < record.size() && record[i] == ' ') ++i;
    size_t start = i;
    while (i < record.size() && record[i] != ' ') ++i;
    if (i > start) out.push_back({std::string(record.substr(start, i - start)), start});
  }
  return out;
}

bool IsAllTerm(std::string_view term) {
  if (!term.empty() && (term[0] == '+' || term[0] == '-' || term[0] == '~' || term[0] == '?')) {
    term.remove_prefix(1);
  }
  return IEquals(term, "all");
}

bool IsIncludeOf(std::string_view term, std::string_view include) {
  if (!term.empty() && term[0] == '+') term.remove_prefix(1);
  if (!IStartsWith(term, "include:")) return false;
  return dns::NormalizeName(term.substr(8)) == dns::NormalizeName(include);
}

// One record from several: every distinct term in order, one all term (the
// first seen) at the end.
std::string CombineSpfRecords(const std::vector<std::string>& records) {
  std::vector<std::string> terms;
  std::set<std::string> seen;
  std::string all;
  for (const std::string& r : records) {
    for (const Term& t : Terms(r)) {
      if (IEquals(t.text, "v=spf1")) continue;
      if (IsAllTerm(t.text)) {
        if (all.empty()) all = t.text;
        continue;
      }
      if (seen.insert(ToLower(t.text)).second) terms.push_back(t.text);
    }
  }
  std::string out = "v=spf1";
  for (const auto& t : terms) out += " " + t;
  if (!all.empty()) out += " " + all;
  return out;
}

// The zone-file line of a TXT record, split into strings of at most 255 bytes.
std::string TxtLine(std::string_view name, std::string_view text) {
  std::string out = std::string(name) + " IN TXT";
  for (size_t i = 0; i < text.size(); i += 255) {
    out += " \"" + std::string(text.substr(i, 255)) + "\"";
  }
  return out;
}

// ------------------------------------------------------------------ SPF

// Walks a record and every record it includes or redirects to, counting
// DNS-querying terms and void lookups the way an evaluation that matches
// nothing would (the worst case every receiver may meet).
class SpfWalk {
 public:
  SpfWalk(dns::Resolver& resolver, std::string our_include)
      : resolver_(resolver), our_include_(dns::NormalizeName(our_include)) {}

  int dns_terms = 0;
  int void_lookups = 0;
  std::string limit_term;               // the first term over the 10-term limit
  std::vector<std::string> limit_path;  // how the walk reached it
  std::vector<std::string> void_terms;  // each void lookup, for people
  std::vector<std::string> nested_errors;
  std::vector<std::string> temperrors;
  std::vector<std::string> not_followed;  // terms with macros
  std::vector<std::string> notes;         // ptr, bounds reached
  bool found_ours = false;
  std::vector<std::string> our_path;
  json records = json::array();

  awaitable<void> Walk(const spf::SpfRecord& record, std::string domain,
                       std::vector<std::string> path, std::vector<std::string> domains) {
    const size_t index = records.size() - 1;  // the caller added this record's entry
    int own = 0;
    bool has_all = false;
    for (const spf::Mechanism& m : record.mechanisms) {
      if (m.kind == spf::MechanismKind::kAll) has_all = true;
      if (IsDnsMechanism(m.kind)) {
        ++own;
        CountTerm("'" + Clip(m.text) + "' in " + domain, path);
      }
      if (HasMacro(m.domain_spec)) {
        not_followed.push_back("'" + Clip(m.text) + "' in " + domain);
        continue;
      }
      const std::string target = m.domain_spec.empty() ? domain : dns::NormalizeName(m.domain_spec);
      const std::string where = "'" + Clip(m.text) + "' in " + domain;
      switch (m.kind) {
        case spf::MechanismKind::kInclude:
          if (target == our_include_ && !found_ours) {
            found_ours = true;
            our_path = path;
            our_path.push_back("include:" + target);
          }
          co_await Follow(target, "include:" + target, where, path, domains);
          break;
        case spf::MechanismKind::kA: {
          auto a = co_await Query(target, dns::RrType::kA, where);
          if (a && a->none()) {
            auto aaaa = co_await Query(target, dns::RrType::kAAAA, where);
            if (aaaa && aaaa->none()) Void(where, target + " has no address");
          }
          break;
        }
        case spf::MechanismKind::kMx: {
          auto mx = co_await Query(target, dns::RrType::kMX, where);
          if (mx && mx->none()) Void(where, target + " has no MX record");
          if (mx && mx->ok() && static_cast<int>(mx->mx.size()) > kMaxMxNames) {
            nested_errors.push_back(where + ": " + target + " has " +
                                    std::to_string(mx->mx.size()) + " MX records (limit " +
                                    std::to_string(kMaxMxNames) + ", permerror)");
          }
          break;
        }
        case spf::MechanismKind::kExists: {
          auto a = co_await Query(target, dns::RrType::kA, where);
          if (a && a->none()) Void(where, target + " does not exist");
          break;
        }
        case spf::MechanismKind::kPtr:
          notes.push_back(where +
                          ": the ptr mechanism is deprecated (RFC 7208 section 5.5), "
                          "slow, and ignored by some receivers");
          break;
        default:
          break;
      }
    }
    // redirect= is used only when no all term decides first.
    if (record.redirect && !has_all) {
      ++own;
      const std::string where = "'redirect=" + Clip(record.redirect->value) + "' in " + domain;
      CountTerm(where, path);
      if (HasMacro(record.redirect->value)) {
        not_followed.push_back(where);
      } else {
        const std::string target = dns::NormalizeName(record.redirect->value);
        if (target == our_include_ && !found_ours) {
          found_ours = true;
          our_path = path;
          our_path.push_back("redirect=" + target);
        }
        co_await Follow(target, "redirect=" + target, where, path, domains);
      }
    }
    records[index]["dns_terms"] = own;
  }

 private:
  void CountTerm(const std::string& where, const std::vector<std::string>& path) {
    if (++dns_terms == kMaxDnsTerms + 1) {
      limit_term = where;
      limit_path = path;
    }
  }

  void Void(const std::string& where, const std::string& what) {
    ++void_lookups;
    void_terms.push_back(where + " (" + what + ")");
  }

  // nullopt when the query was not made (bounds) or failed temporarily.
  awaitable<std::optional<dns::Answer>> Query(const std::string& name, dns::RrType type,
                                              const std::string& where) {
    if (!dns::IsValidQueryName(name)) {
      nested_errors.push_back(where + ": '" + Clip(name) + "' is not a valid domain name");
      co_return std::nullopt;
    }
    if (++queries_ > kMaxQueries) {
      if (queries_ == kMaxQueries + 1) {
        notes.push_back("stopped after " + std::to_string(kMaxQueries) + " DNS queries");
      }
      co_return std::nullopt;
    }
    dns::Answer a = co_await resolver_.Query(name, type);
    if (a.temperror()) {
      temperrors.push_back(std::string(dns::RrTypeName(type)) + " of " + name + " for " + where +
                           " (" + Clip(a.error, 120) + ")");
      co_return std::nullopt;
    }
    co_return a;
  }

  awaitable<void> Follow(const std::string& target, const std::string& label,
                         const std::string& where, std::vector<std::string> path,
                         std::vector<std::string> domains) {
    if (std::find(domains.begin(), domains.end(), target) != domains.end()) {
      nested_errors.push_back(where + ": loop, " + target + " is already being evaluated");
      co_return;
    }
    if (static_cast<int>(domains.size()) >= kMaxDepth) {
      nested_errors.push_back(where + ": nested more than " + std::to_string(kMaxDepth) + " deep");
      co_return;
    }
    if (++fetched_ > kMaxRecords) {
      if (fetched_ == kMaxRecords + 1) {
        notes.push_back("stopped after " + std::to_string(kMaxRecords) + " SPF records");
      }
      co_return;
    }
    auto txt = co_await Query(target, dns::RrType::kTXT, where);
    if (!txt) co_return;
    std::vector<std::string> spf;
    if (txt->ok()) {
      for (const auto& r : txt->records) {
        if (spf::IsSpfRecord(r)) spf.push_back(r);
      }
    }
    if (txt->none()) Void(where, target + " " + RcodeText(*txt));
    if (spf.empty()) {
      nested_errors.push_back(where + ": " + target + " has no SPF record (permerror)");
      co_return;
    }
    if (spf.size() > 1) {
      nested_errors.push_back(where + ": " + target + " publishes " + std::to_string(spf.size()) +
                              " SPF records (permerror)");
      co_return;
    }
    spf::ParsedSpf parsed = spf::ParseSpfRecord(spf[0]);
    if (!parsed.ok()) {
      nested_errors.push_back(where + ": syntax error in the record of " + target + " at offset " +
                              std::to_string(parsed.error->offset) +
                              (parsed.error->term.empty()
                                   ? std::string()
                                   : " in term '" + Clip(parsed.error->term, 80) + "'") +
                              ": " + parsed.error->message + " (permerror)");
      co_return;
    }
    path.push_back(label);
    domains.push_back(target);
    records.push_back({{"domain", target},
                       {"via", Join(path, " \xE2\x86\x92 ")},
                       {"depth", domains.size() - 1},
                       {"record", Clip(spf[0])}});
    co_await Walk(parsed.record, target, std::move(path), std::move(domains));
  }

  dns::Resolver& resolver_;
  std::string our_include_;
  int queries_ = 0;
  int fetched_ = 0;
};

std::string PathText(const std::vector<std::string>& path) {
  return Join(path, " \xE2\x86\x92 ");  // U+2192
}

// ------------------------------------------------------------------ DKIM

struct KeyTags {
  bool is_key = false;  // looks like a DKIM key record (has p=, v= is DKIM1 if present)
  std::string p;        // without whitespace
  std::string k = "rsa";
};

KeyTags ParseKeyTags(std::string_view text) {
  KeyTags out;
  bool first = true;
  bool has_p = false;
  for (const std::string& part : Split(text, ';')) {
    std::string_view tag = Trim(part);
    if (tag.empty()) continue;
    size_t eq = tag.find('=');
    if (eq == std::string_view::npos) return out;
    std::string name = ToLower(Trim(tag.substr(0, eq)));
    std::string value;
    for (char c : tag.substr(eq + 1)) {
      if (c != ' ' && c != '\t' && c != '\r' && c != '\n') value.push_back(c);
    }
    if (name == "v") {
      if (!first || value != "DKIM1") return out;
    } else if (name == "p") {
      has_p = true;
      out.p = value;
    } else if (name == "k") {
      out.k = ToLower(value);
    }
    first = false;
  }
  out.is_key = has_p;
  return out;
}

std::string DkimRecordText(const OurDkimKey& key) {
  return "v=DKIM1; k=" + key.key_type + "; p=" + key.public_key_base64;
}

struct DkimFacts {
  std::vector<Finding> findings;
  bool temperror = false;
  // A key of ours that signs (enabled) and whose record is published.
  std::string aligned_selector;
  // For the DMARC fix: what is missing before DKIM aligns.
  std::string alignment_fix;
};

awaitable<DkimFacts> DkimState(dns::Resolver& resolver, const std::string& domain,
                               const DomainCheckOptions& options) {
  DkimFacts facts;
  const std::string keygen = "postdesk dkim keygen --domain " + domain;
  if (options.dkim_keys.empty()) {
    facts.findings.push_back(
        Warning("dkim", "DKIM",
                "DKIM is not set up for " + domain + ": we have no key for it, so our mail from " +
                    domain + " goes out unsigned",
                "run `" + keygen +
                    "`, publish the TXT record it prints, then run `postdesk dkim "
                    "enable --domain " +
                    domain + "` (it checks the record before signing starts)"));
    facts.alignment_fix = "set up DKIM for " + domain + ": `" + keygen +
                          "`, publish the record it prints, then `postdesk dkim enable --domain " +
                          domain + "`";
    co_return facts;
  }
  for (const OurDkimKey& key : options.dkim_keys) {
    const std::string step = "dkim." + key.selector;
    const std::string title = "DKIM selector " + key.selector;
    const std::string name = key.selector + "._domainkey." + domain;
    const std::string enable =
        "postdesk dkim enable --domain " + domain + " --selector " + key.selector;
    const std::string publish = "publish this record: " + TxtLine(name, DkimRecordText(key));
    json details = {{"name", name},
                    {"selector", key.selector},
                    {"signing", key.enabled},
                    {"record_to_publish", DkimRecordText(key)}};

    std::string via;
    dns::Answer cname = co_await resolver.Query(name, dns::RrType::kCNAME);
    if (cname.ok() && !cname.records.empty()) {
      via = " (through CNAME " + Clip(cname.records[0], 200) + ")";
      details["cname"] = Clip(cname.records[0], 200);
    }
    dns::Answer txt = co_await resolver.Query(name, dns::RrType::kTXT);
    if (txt.temperror()) {
      facts.temperror = true;
      Finding f = TempError(step, title, "the DKIM record " + name, txt.error);
      f.details = details;
      facts.findings.push_back(std::move(f));
      continue;
    }
    std::vector<KeyTags> keys;
    if (txt.ok()) {
      for (const auto& r : txt.records) {
        KeyTags t = ParseKeyTags(r);
        if (t.is_key) keys.push_back(std::move(t));
      }
    }
    auto ours = auth::Base64Decode(key.public_key_base64);
    bool match = false, revoked = false;
    for (const KeyTags& t : keys) {
      if (t.p.empty()) {
        revoked = true;
        continue;
      }
      auto theirs = auth::Base64Decode(t.p);
      if (ours && theirs && *ours == *theirs) match = true;
    }
    std::string seen;
    if (match) {
      seen = name + via + " publishes our key";
    } else if (keys.empty()) {
      seen = txt.none() ? name + via + " has no DKIM record (" + RcodeText(txt) + ")"
                        : name + via + " has TXT records but none is a DKIM key record";
    } else if (revoked && keys.size() == 1) {
      seen = name + via + " publishes a revoked key (empty p=)";
    } else {
      seen = name + via + " publishes a different key (p=" + Clip(keys[0].p, 24) + ")";
    }
    details["published"] = match;
    if (match && key.enabled) {
      facts.findings.push_back(Ok(step, title, seen + "; signing is on", details));
      if (facts.aligned_selector.empty()) facts.aligned_selector = key.selector;
    } else if (match) {
      facts.findings.push_back(Warning(
          step, title,
          seen + ", but signing with it is off, so our mail from " + domain + " goes out unsigned",
          "run `" + enable + "`", details));
      if (facts.alignment_fix.empty()) facts.alignment_fix = "run `" + enable + "`";
    } else if (key.enabled) {
      facts.findings.push_back(
          Problem(step, title,
                  "signing is on for " + domain + " with selector " + key.selector + ", but " +
                      seen + ": receivers fail every signature we make",
                  publish + (via.empty() ? "" : " (or make the CNAME point at a name that does)") +
                      "; until it is published, `postdesk dkim disable --domain " + domain +
                      " --selector " + key.selector + "` stops signing",
                  details));
      if (facts.alignment_fix.empty()) facts.alignment_fix = publish;
    } else {
      facts.findings.push_back(
          Warning(step, title,
                  seen + "; signing for " + domain + " stays off until the record is published",
                  publish + ", then run `" + enable + "`", details));
      if (facts.alignment_fix.empty()) {
        facts.alignment_fix = publish + ", then run `" + enable + "`";
      }
    }
  }
  co_return facts;
}

// ------------------------------------------------------------------ DMARC

struct FoundDmarc {
  bool temperror = false;
  std::string error;
  std::string name;  // where the record was (or was looked for)
  std::vector<std::string> looked;
  int count = 0;  // DMARC records at `name`
  std::string text;
  dmarc::ParsedDmarc parsed;
  bool at_org = false;
};

awaitable<FoundDmarc> FindDmarc(dns::Resolver& resolver, const std::string& domain) {
  FoundDmarc out;
  std::vector<std::string> names = {domain};
  const std::string org = dmarc::PslOrganizationalDomain(domain);
  if (!org.empty() && org != domain) names.push_back(org);
  for (const std::string& n : names) {
    const std::string qname = "_dmarc." + n;
    out.looked.push_back(qname);
    dns::Answer a = co_await resolver.Query(qname, dns::RrType::kTXT);
    if (a.temperror()) {
      out.temperror = true;
      out.error = a.error;
      out.name = qname;
      co_return out;
    }
    if (!a.ok()) continue;
    for (const auto& r : a.records) {
      dmarc::ParsedDmarc p = dmarc::ParseDmarcRecord(r);
      if (!p.is_dmarc) continue;
      if (++out.count == 1) {
        out.text = r;
        out.parsed = std::move(p);
      }
    }
    if (out.count > 0) {
      out.name = qname;
      out.at_org = n != domain;
      co_return out;
    }
  }
  co_return out;
}

std::string PolicyText(const dmarc::DmarcRecord& r) {
  std::string s = std::string("p=") + dmarc::PolicyName(r.p);
  if (r.sp) s += std::string(", sp=") + dmarc::PolicyName(*r.sp);
  if (r.pct != 100) s += ", pct=" + std::to_string(r.pct);
  if (r.testing) s += ", t=y";
  s += std::string(", aspf=") + (r.aspf == dmarc::Alignment::kStrict ? "s" : "r");
  s += std::string(", adkim=") + (r.adkim == dmarc::Alignment::kStrict ? "s" : "r");
  return s;
}

awaitable<std::vector<Finding>> DmarcFindings(dns::Resolver& resolver, const std::string& domain,
                                              const DomainCheckOptions& options,
                                              const DkimFacts& dkim) {
  std::vector<Finding> out;
  const std::string title = "DMARC record", atitle = "DMARC alignment of our mail";
  FoundDmarc found = co_await FindDmarc(resolver, domain);
  if (found.temperror) {
    out.push_back(TempError("dmarc.record", title, "the DMARC record " + found.name, found.error));
    co_return out;
  }
  const std::string org = dmarc::PslOrganizationalDomain(domain);
  const std::string suggest_at = "_dmarc." + (org.empty() ? domain : org);

  // What a DMARC check of our mail would see.
  const std::string desk = dns::NormalizeName(options.desk_domain);
  std::optional<dmarc::DmarcRecord> rec;
  if (found.count == 1 && found.parsed.record) rec = found.parsed.record;
  const bool strict_spf = rec && rec->aspf == dmarc::Alignment::kStrict;
  const bool spf_aligned =
      !desk.empty() && (strict_spf ? desk == domain : dmarc::PslOrganizationalDomain(desk) == org);
  const bool dkim_aligned = !dkim.aligned_selector.empty();
  std::vector<std::string> how;
  if (dkim_aligned) {
    how.push_back("DKIM d=" + domain + " (selector " + dkim.aligned_selector + ")");
  }
  if (spf_aligned) {
    how.push_back("SPF through our bounce domain " + desk + " (aspf=" + (strict_spf ? "s" : "r") +
                  ", as long as its SPF record authorizes us)");
  }
  std::string why_not;
  if (!spf_aligned) {
    why_not =
        "SPF authenticates our bounce domain " + (desk.empty() ? "(unknown)" : desk) +
        ", which does not align with " + domain +
        (strict_spf ? " (aspf=s needs the same domain)" : " (their organizational domains differ)");
  }
  if (!dkim_aligned) {
    why_not += std::string(why_not.empty() ? "" : "; ") + "no DKIM key of ours for " + domain +
               " both signs and is published" + (dkim.temperror ? " (DKIM lookup failed)" : "");
  }
  json details = {{"spf_aligned", spf_aligned},
                  {"dkim_aligned", dkim_aligned},
                  {"bounce_domain", desk},
                  {"looked_up", found.looked}};

  if (found.count == 0) {
    out.push_back(Warning("dmarc.record", title,
                          "no DMARC record at " + Join(found.looked, " or ") +
                              ": receivers apply no policy, so " + domain +
                              " is not protected from spoofing, and large mailbox providers "
                              "expect one from bulk senders",
                          "publish this record: " + TxtLine(suggest_at, "v=DMARC1; p=none") +
                              " (add rua=mailto:... to receive reports), then tighten p once "
                              "our mail aligns",
                          json{{"record_to_publish", "v=DMARC1; p=none"}}));
    if (dkim_aligned || spf_aligned) {
      out.push_back(
          Ok("dmarc.alignment", atitle,
             "our mail from " + domain + " would pass DMARC: aligned by " + Join(how, " and "),
             details));
    } else {
      out.push_back(Warning(
          "dmarc.alignment", atitle,
          "our mail from " + domain + " would fail DMARC once a policy is published: " + why_not,
          dkim.alignment_fix, details));
    }
    co_return out;
  }
  if (found.count > 1) {
    out.push_back(Problem("dmarc.record", title,
                          found.name + " publishes " + std::to_string(found.count) +
                              " DMARC records: receivers ignore them all",
                          "keep exactly one v=DMARC1 record at " + found.name));
    co_return out;
  }
  if (!found.parsed.record) {
    out.push_back(Warning(
        "dmarc.record", title,
        "the DMARC record at " + found.name + " is not valid (" + Clip(found.parsed.error, 200) +
            "): " + Quoted(found.text) + "; receivers ignore it",
        "replace it with a valid record, e.g. " + TxtLine(found.name, "v=DMARC1; p=none")));
    co_return out;
  }

  // The policy that applies to `domain`: sp= when the record is the
  // organizational domain's and `domain` is below it.
  const dmarc::Policy policy = found.at_org && rec->sp ? *rec->sp : rec->p;
  details["policy"] = dmarc::PolicyName(policy);
  details["pct"] = rec->pct;
  details["record"] = Clip(found.text);
  details["record_name"] = found.name;
  const std::string policy_text = std::string(found.at_org && rec->sp ? "sp=" : "p=") +
                                  dmarc::PolicyName(policy) +
                                  (rec->pct != 100 ? " pct=" + std::to_string(rec->pct) : "");
  std::string seen =
      "DMARC record at " + found.name + ": " + PolicyText(*rec) +
      (found.at_org ? " (the organizational domain's; it applies to " + domain + ")" : "");
  if (!rec->warnings.empty()) {
    std::vector<std::string> w;
    for (const auto& s : rec->warnings) w.push_back(Clip(s, 120));
    out.push_back(Warning("dmarc.record", title,
                          seen + "; invalid tags fell back to defaults: " + Join(w, ", "),
                          "correct those tags in the record at " + found.name, details));
  } else if (policy == dmarc::Policy::kNone) {
    out.push_back(Warning("dmarc.record", title,
                          seen +
                              ": p=none is monitoring only, so receivers take no action on "
                              "mail that fails and " +
                              domain +
                              " is not protected from "
                              "spoofing",
                          "once our mail aligns (see dmarc.alignment), move to p=quarantine, "
                          "then p=reject",
                          details));
  } else {
    out.push_back(Ok("dmarc.record", title, seen, details));
  }

  if (dkim_aligned || spf_aligned) {
    out.push_back(Ok("dmarc.alignment", atitle,
                     "our mail from " + domain + " passes DMARC: aligned by " + Join(how, " and ") +
                         "; " + policy_text + " applies only to mail that fails",
                     details));
  } else if (dkim.temperror) {
    Finding f = TempError("dmarc.alignment", atitle, "the DKIM records of " + domain, "");
    f.evidence =
        "temperror: whether our mail aligns depends on DKIM records that could not be "
        "looked up; " +
        why_not;
    f.details = details;
    out.push_back(std::move(f));
  } else if (policy == dmarc::Policy::kNone) {
    out.push_back(Warning("dmarc.alignment", atitle,
                          "our mail from " + domain + " fails DMARC (" + why_not + "), but " +
                              policy_text + " asks receivers to take no action",
                          dkim.alignment_fix, details));
  } else {
    const std::string what =
        rec->pct != 100 ? std::to_string(rec->pct) + "% of it" : std::string("it");
    const std::string action =
        policy == dmarc::Policy::kReject ? "reject " + what : "send " + what + " to spam";
    out.push_back(Problem("dmarc.alignment", atitle,
                          "our mail from " + domain + " fails DMARC, and " + policy_text + " at " +
                              found.name + " tells receivers to " + action + ": " + why_not,
                          dkim.alignment_fix, details));
  }
  co_return out;
}

// ------------------------------------------------------------------ MX

awaitable<std::vector<std::string>> Addresses(dns::Resolver& resolver, const std::string& host,
                                              bool* temperror) {
  std::vector<std::string> out;
  const std::vector<dns::RrType> types = {dns::RrType::kA, dns::RrType::kAAAA};
  for (dns::RrType t : types) {
    dns::Answer a = co_await resolver.Query(host, t);
    if (a.temperror()) *temperror = true;
    if (a.ok()) out.insert(out.end(), a.records.begin(), a.records.end());
  }
  co_return out;
}

bool IsOurs(const std::string& host, const std::vector<std::string>& addresses,
            const std::vector<std::string>& ours) {
  for (const std::string& o : ours) {
    const std::string n = dns::NormalizeName(o);
    if (n.empty()) continue;
    if (n == host) return true;
    if (std::find(addresses.begin(), addresses.end(), n) != addresses.end()) return true;
  }
  return false;
}

}  // namespace

// ------------------------------------------------------------------ public

std::vector<OurDkimKey> LoadOurDkimKeys(const std::string& data_dir, const std::string& domain) {
  std::vector<OurDkimKey> out;
  if (!ValidDkimName(domain, "domain").ok()) return out;
  for (StoredKey& k : ListKeys(data_dir, domain)) {
    out.push_back({k.selector, std::move(k.public_key_base64), k.algorithm, k.enabled});
  }
  return out;
}

DomainCheckOptions DomainCheckOptionsFor(const Config& config, const std::string& domain) {
  DomainCheckOptions o;
  o.desk_domain = dns::NormalizeName(config.domain);
  o.spf_include = config.SpfInclude();
  o.our_hosts = {config.hostname};
  o.dkim_keys = LoadOurDkimKeys(config.data_dir, dns::NormalizeName(domain));
  return o;
}

std::string MergedSpfRecord(const std::string& existing, const std::string& spf_include) {
  const std::string include = "include:" + dns::NormalizeName(spf_include);
  if (!spf::IsSpfRecord(existing)) return "v=spf1 " + include + " ~all";
  std::vector<Term> terms = Terms(existing);
  for (const Term& t : terms) {
    if (IsIncludeOf(t.text, spf_include)) return existing;
  }
  size_t at = terms.size();
  for (size_t i = 0; i < terms.size(); ++i) {
    if (IsAllTerm(terms[i].text)) {
      at = i;
      break;
    }
  }
  if (at == terms.size()) {
    for (size_t i = 0; i < terms.size(); ++i) {
      if (IStartsWith(terms[i].text, "redirect=")) {
        at = i;
        break;
      }
    }
  }
  std::string out;
  for (size_t i = 0; i < terms.size(); ++i) {
    if (i == at) out += " " + include;
    out += (i ? " " : "") + terms[i].text;
  }
  if (at == terms.size()) out += " " + include;
  return out;
}

awaitable<std::vector<Finding>> CheckSpf(dns::Resolver& resolver, std::string domain,
                                         DomainCheckOptions options) {
  std::vector<Finding> out;
  domain = dns::NormalizeName(domain);
  const std::string include = dns::NormalizeName(options.spf_include);
  dns::Answer txt = co_await resolver.Query(domain, dns::RrType::kTXT);
  if (txt.temperror()) {
    out.push_back(TempError("spf.record", "SPF record", "the TXT records of " + domain, txt.error));
    co_return out;
  }
  std::vector<std::string> records;
  if (txt.ok()) {
    for (const auto& r : txt.records) {
      if (spf::IsSpfRecord(r)) records.push_back(r);
    }
  }
  // The deprecated SPF RR type: receivers ignore it; having it differ from
  // the TXT record confuses people who edit one and not the other.
  std::optional<Finding> type99;
  dns::Answer rr99 = co_await resolver.Query(domain, dns::RrType::kSPF);
  bool has99 = false;
  if (rr99.ok()) {
    for (const auto& r : rr99.records) has99 = has99 || spf::IsSpfRecord(r);
  }
  if (has99) {
    type99 = Warning("spf.type99", "Deprecated SPF record type",
                     domain + " publishes a record of the deprecated SPF type (99): " +
                         Quoted(rr99.records[0]) + "; receivers read only the TXT record",
                     "remove the SPF-type record and keep only the TXT record (RFC 7208 "
                     "section 3.1)");
  }

  if (records.empty()) {
    const std::string publish = MergedSpfRecord("", include);
    out.push_back(Problem(
        "spf.record", "SPF record",
        "no SPF record at " + domain + " (" +
            (txt.ok() ? "TXT records, but none starts with v=spf1" : RcodeText(txt)) + ")" +
            (has99 ? "; only a deprecated type-99 SPF record, which receivers ignore" : "") +
            ": our mail from " + domain + " gets SPF none",
        "publish this TXT record: " + TxtLine(domain, publish),
        json{{"record_to_publish", publish}}));
    if (type99) out.push_back(std::move(*type99));
    co_return out;
  }
  if (records.size() > 1) {
    // DNS gives records in any order: merge in a stable one, a record that
    // already has our include first (its all term is kept).
    std::vector<std::string> ordered = records;
    auto has_ours = [&](const std::string& r) {
      for (const Term& t : Terms(r)) {
        if (IsIncludeOf(t.text, include)) return true;
      }
      return false;
    };
    std::sort(ordered.begin(), ordered.end(), [&](const std::string& a, const std::string& b) {
      bool ha = has_ours(a), hb = has_ours(b);
      return ha != hb ? ha : a < b;
    });
    const std::string publish = MergedSpfRecord(CombineSpfRecords(ordered), include);
    std::vector<std::string> quoted;
    json list = json::array();
    for (const auto& r : records) {
      quoted.push_back(Quoted(r));
      list.push_back(Clip(r));
    }
    out.push_back(Problem("spf.record", "SPF record",
                          "permerror: " + std::to_string(records.size()) + " SPF records at " +
                              domain + ": " + Join(quoted, ", ") +
                              "; receivers treat more than one as an error, so every SPF "
                              "check of " +
                              domain + " fails",
                          "replace them with this one TXT record: " + TxtLine(domain, publish),
                          json{{"records", list}, {"record_to_publish", publish}}));
    if (type99) out.push_back(std::move(*type99));
    co_return out;
  }
  const std::string record = records[0];
  spf::ParsedSpf parsed = spf::ParseSpfRecord(record);
  if (!parsed.ok()) {
    const spf::SpfSyntaxError& e = *parsed.error;
    // Suggest the record without the offending term.
    std::string without = "v=spf1";
    for (const Term& t : Terms(record)) {
      if (IEquals(t.text, "v=spf1") || (!e.term.empty() && t.offset == e.offset)) continue;
      without += " " + t.text;
    }
    const std::string publish = MergedSpfRecord(without, include);
    out.push_back(
        Problem("spf.record", "SPF record",
                "permerror: syntax error in the SPF record of " + domain + " at offset " +
                    std::to_string(e.offset) +
                    (e.term.empty() ? std::string() : " in term '" + Clip(e.term, 80) + "'") +
                    ": " + e.message + "; record: " + Quoted(record),
                "correct that term" + std::string(e.term.empty() ? "" : " or drop it") +
                    "; for example publish: " + TxtLine(domain, publish),
                json{{"offset", e.offset},
                     {"term", Clip(e.term, 80)},
                     {"message", e.message},
                     {"record", Clip(record)},
                     {"record_to_publish", publish}}));
    if (type99) out.push_back(std::move(*type99));
    co_return out;
  }
  out.push_back(Ok("spf.record", "SPF record",
                   "one SPF record at " + domain + ": " + Quoted(record),
                   json{{"record", Clip(record)}}));

  SpfWalk walk(resolver, include);
  walk.records.push_back(
      {{"domain", domain}, {"via", domain}, {"depth", 0}, {"record", Clip(record)}});
  // Named first: an initializer list must not live across a suspension (g++ 12).
  std::vector<std::string> start_path(1, domain), start_domains(1, domain);
  co_await walk.Walk(parsed.record, domain, std::move(start_path), std::move(start_domains));
  const std::string merged = MergedSpfRecord(record, include);

  // spf.include
  bool ip_only = !parsed.record.redirect;
  bool any_ip = false;
  for (const auto& m : parsed.record.mechanisms) {
    if (m.kind == spf::MechanismKind::kIp4 || m.kind == spf::MechanismKind::kIp6) {
      any_ip = true;
    } else if (m.kind != spf::MechanismKind::kAll) {
      ip_only = false;
    }
  }
  ip_only = ip_only && any_ip;
  if (walk.found_ours) {
    out.push_back(Ok("spf.include", "Our SPF include",
                     walk.our_path.size() == 2
                         ? "include:" + include + " is in the record"
                         : "include:" + include + " is reached through " + PathText(walk.our_path),
                     json{{"path", walk.our_path}}));
  } else if (!walk.temperrors.empty()) {
    Finding f = TempError("spf.include", "Our SPF include", "records included by " + domain,
                          walk.temperrors[0]);
    f.evidence = "temperror: include:" + include +
                 " is not in the record itself, and the "
                 "records it includes could not all be looked up (" +
                 walk.temperrors[0] + ")";
    out.push_back(std::move(f));
  } else if (ip_only) {
    out.push_back(Warning(
        "spf.include", "Our SPF include",
        "the record lists only IP addresses (ip4/ip6) and not include:" + include +
            ": our mail from " + domain +
            " passes SPF only while our sending addresses are among them, and they can change",
        "publish this record instead: " + TxtLine(domain, merged),
        json{{"record_to_publish", merged}, {"ip_only", true}}));
  } else {
    out.push_back(Problem(
        "spf.include", "Our SPF include",
        "include:" + include + " is missing from the SPF record of " + domain +
            ": receivers find our servers unauthorized and our mail from " + domain + " fails SPF",
        "publish this record in place of the current one (their terms kept, our include "
        "before the all term): " +
            TxtLine(domain, merged),
        json{{"record_to_publish", merged}}));
  }

  // spf.includes
  const bool has_nested = walk.records.size() > 1 || !walk.nested_errors.empty() ||
                          !walk.not_followed.empty() || parsed.record.redirect.has_value();
  bool includes_anything = parsed.record.redirect.has_value();
  for (const auto& m : parsed.record.mechanisms) {
    includes_anything = includes_anything || m.kind == spf::MechanismKind::kInclude;
  }
  if (!walk.nested_errors.empty()) {
    std::vector<std::string> errs;
    for (const auto& e : walk.nested_errors) errs.push_back(Clip(e, 300));
    out.push_back(Problem("spf.includes", "Included SPF records", "permerror: " + Join(errs, "; "),
                          "make every included domain publish exactly one valid SPF record, or "
                          "remove the include that names it",
                          json{{"errors", errs}, {"records", walk.records}}));
  } else if (!walk.temperrors.empty() && includes_anything) {
    out.push_back(TempError("spf.includes", "Included SPF records", walk.temperrors[0], ""));
  } else if (has_nested || includes_anything) {
    std::string note = walk.not_followed.empty()
                           ? ""
                           : "; not followed (macros): " + Join(walk.not_followed, ", ");
    out.push_back(Ok("spf.includes", "Included SPF records",
                     Count(walk.records.size() - 1, "included or redirected record") +
                         ", all present and valid" + note,
                     json{{"records", walk.records}}));
  }

  // spf.lookups
  json lookups_details = {
      {"dns_terms", walk.dns_terms}, {"limit", kMaxDnsTerms}, {"records", walk.records}};
  if (walk.dns_terms > kMaxDnsTerms) {
    lookups_details["path"] = walk.limit_path;
    out.push_back(
        Problem("spf.lookups", "SPF DNS lookups",
                "permerror: " + std::to_string(walk.dns_terms) +
                    " DNS-querying terms counted through the includes, over the limit of " +
                    std::to_string(kMaxDnsTerms) + "; the " + std::to_string(kMaxDnsTerms + 1) +
                    "th is " + walk.limit_term + ", reached through " + PathText(walk.limit_path),
                "bring the total to " + std::to_string(kMaxDnsTerms) +
                    " or fewer: remove includes of services that no longer send for " + domain +
                    ", or replace a:/mx:/include: terms with the ip4:/ip6: ranges they stand for "
                    "(keep include:" +
                    include + ")",
                lookups_details));
  } else if (!walk.temperrors.empty()) {
    Finding f = TempError("spf.lookups", "SPF DNS lookups", walk.temperrors[0], "");
    f.evidence = "temperror: counted " + std::to_string(walk.dns_terms) +
                 " DNS-querying terms so far, but " + walk.temperrors[0] + " failed";
    f.details = lookups_details;
    out.push_back(std::move(f));
  } else {
    std::string seen = Count(walk.dns_terms, "DNS-querying term") + " through " +
                       Count(walk.records.size(), "record") + " (limit " +
                       std::to_string(kMaxDnsTerms) + ")";
    if (!walk.found_ours && walk.dns_terms + 1 > kMaxDnsTerms) {
      out.push_back(Warning("spf.lookups", "SPF DNS lookups",
                            seen + "; adding include:" + include + " will go over the limit",
                            "remove an include or a:/mx: term before adding ours",
                            lookups_details));
    } else {
      out.push_back(Ok("spf.lookups", "SPF DNS lookups", seen, lookups_details));
    }
  }

  // spf.void
  json void_details = {
      {"void_lookups", walk.void_lookups}, {"limit", kMaxVoidLookups}, {"terms", walk.void_terms}};
  if (walk.void_lookups > kMaxVoidLookups) {
    out.push_back(Problem("spf.void", "SPF void lookups",
                          "permerror: " + std::to_string(walk.void_lookups) +
                              " void lookups (names that do not exist or have no records), "
                              "over the limit of " +
                              std::to_string(kMaxVoidLookups) + ": " + Join(walk.void_terms, "; "),
                          "remove the terms that name hosts or domains that do not exist",
                          void_details));
  } else {
    std::string seen = Count(walk.void_lookups, "void lookup") + " (limit " +
                       std::to_string(kMaxVoidLookups) + ")";
    if (!walk.void_terms.empty()) seen += ": " + Join(walk.void_terms, "; ");
    out.push_back(Ok("spf.void", "SPF void lookups", seen, void_details));
  }

  // spf.all
  const spf::Mechanism* all = nullptr;
  for (const auto& m : parsed.record.mechanisms) {
    if (m.kind == spf::MechanismKind::kAll) {
      all = &m;
      break;
    }
  }
  if (all == nullptr && parsed.record.redirect) {
    out.push_back(Ok("spf.all", "SPF all term",
                     "no all term: redirect=" + Clip(parsed.record.redirect->value, 200) +
                         " decides for what the record does not list"));
  } else if (all == nullptr) {
    out.push_back(Warning("spf.all", "SPF all term",
                          "no all term: mail from servers the record does not list gets "
                          "neutral (as with ?all), so the record does not protect " +
                              domain,
                          "end the record with ~all (or -all)"));
  } else if (all->qualifier == spf::Qualifier::kPass) {
    out.push_back(Warning("spf.all", "SPF all term",
                          "'" + Clip(all->text) +
                              "' authorizes every server on the internet to "
                              "send as " +
                              domain,
                          "replace it with ~all (or -all)"));
  } else if (all->qualifier == spf::Qualifier::kNeutral) {
    out.push_back(Warning("spf.all", "SPF all term",
                          "'?all': mail from servers the record does not list gets neutral, so "
                          "the record does not protect " +
                              domain,
                          "replace it with ~all (or -all) once every sender is listed"));
  } else {
    out.push_back(Ok("spf.all", "SPF all term", "'" + Clip(all->text) + "'"));
  }
  if (!walk.notes.empty()) {
    out.back().evidence += "; note: " + Join(walk.notes, "; ");
  }
  if (type99) out.push_back(std::move(*type99));
  co_return out;
}

awaitable<std::vector<Finding>> CheckDkim(dns::Resolver& resolver, std::string domain,
                                          DomainCheckOptions options) {
  domain = dns::NormalizeName(domain);
  DkimFacts facts = co_await DkimState(resolver, domain, options);
  co_return std::move(facts.findings);
}

awaitable<std::vector<Finding>> CheckDmarc(dns::Resolver& resolver, std::string domain,
                                           DomainCheckOptions options) {
  domain = dns::NormalizeName(domain);
  DkimFacts facts = co_await DkimState(resolver, domain, options);
  co_return co_await DmarcFindings(resolver, domain, options, facts);
}

awaitable<std::vector<Finding>> CheckMx(dns::Resolver& resolver, std::string domain,
                                        DomainCheckOptions options) {
  std::vector<Finding> out;
  domain = dns::NormalizeName(domain);
  const std::string title = "Mail exchangers (MX)";
  const bool ours_to_check =
      !options.desk_domain.empty() && dns::NormalizeName(options.desk_domain) == domain;
  std::vector<std::string> hosts_text;
  for (const auto& h : options.our_hosts) hosts_text.push_back(Clip(h, 120));
  const std::string this_host = hosts_text.empty() ? "this host" : Join(hosts_text, " / ");

  dns::Answer mx = co_await resolver.Query(domain, dns::RrType::kMX);
  if (mx.temperror()) {
    out.push_back(TempError("mx", title, "the MX records of " + domain, mx.error));
    co_return out;
  }
  if (mx.ok()) {
    std::vector<dns::MxRecord> hosts = mx.mx;
    std::stable_sort(hosts.begin(), hosts.end(),
                     [](const auto& a, const auto& b) { return a.preference < b.preference; });
    if (hosts.size() == 1 && (hosts[0].exchange.empty() || hosts[0].exchange == ".")) {
      out.push_back(Problem("mx", title,
                            domain + " publishes a null MX (\"0 .\"): it accepts no mail, so "
                                     "mail to its addresses bounces",
                            "remove the null MX and publish the MX of the server that receives " +
                                domain + "'s mail"));
      co_return out;
    }
    std::vector<std::string> listed, unresolved;
    json list = json::array();
    bool temperror = false, pointing_at_us = false;
    size_t n = 0;
    for (const auto& h : hosts) {
      if (++n > static_cast<size_t>(kMaxMxNames)) break;
      const std::string host = dns::NormalizeName(h.exchange);
      listed.push_back(std::to_string(h.preference) + " " + Clip(host, 200));
      bool t = false;
      std::vector<std::string> addrs;
      if (dns::IsValidQueryName(host)) addrs = co_await Addresses(resolver, host, &t);
      temperror = temperror || t;
      if (addrs.empty() && !t) unresolved.push_back(Clip(host, 200));
      if (IsOurs(host, addrs, options.our_hosts)) pointing_at_us = true;
      list.push_back(
          {{"preference", h.preference}, {"exchange", Clip(host, 200)}, {"addresses", addrs}});
    }
    json details = {{"mx", list}};
    const std::string seen = "MX of " + domain + ": " + Join(listed, ", ");
    if (unresolved.size() == listed.size() && !temperror) {
      out.push_back(Problem(
          "mx", title,
          seen + "; none of them has an address, so mail to " + domain + " cannot be delivered",
          "give the MX hosts A/AAAA records, or point the MX at a server that "
          "has one",
          details));
    } else if (ours_to_check && !pointing_at_us) {
      out.push_back(
          Warning("mx", title,
                  seen + ", not this host (" + this_host + "): mail to addresses at " + domain +
                      " reaches us only if that server passes it on "
                      "(forwarding, LMTP or the pipe door)",
                  "point the MX of " + domain + " at " + this_host +
                      ", or make the server it names hand " + domain + "'s mail to postdesk",
                  details));
    } else if (!unresolved.empty()) {
      out.push_back(Warning("mx", title, seen + "; without an address: " + Join(unresolved, ", "),
                            "remove those MX records or give the hosts addresses", details));
    } else {
      out.push_back(Ok("mx", title, seen + (ours_to_check ? " (this host)" : ""), details));
    }
    co_return out;
  }
  if (mx.rcode == dns::Rcode::kNxDomain) {
    out.push_back(Problem("mx", title,
                          domain + " does not exist (NXDOMAIN): mail to its addresses bounces",
                          "check the spelling of the domain, or publish its zone"));
    co_return out;
  }
  bool temperror = false;
  std::vector<std::string> addrs = co_await Addresses(resolver, domain, &temperror);
  if (addrs.empty() && temperror) {
    out.push_back(TempError("mx", title, "the addresses of " + domain, ""));
  } else if (addrs.empty()) {
    out.push_back(Problem(
        "mx", title,
        domain + " has no MX record and no address: mail to it cannot be "
                 "delivered",
        "publish an MX record for " + domain + (ours_to_check ? " pointing at " + this_host : "")));
  } else {
    std::string seen = domain + " has no MX record; mail falls back to its address " +
                       Clip(Join(addrs, ", "), 200) + " (implicit MX)";
    if (ours_to_check && !IsOurs(domain, addrs, options.our_hosts)) {
      out.push_back(Warning("mx", title, seen + ", which is not this host (" + this_host + ")",
                            "publish an MX record for " + domain + " pointing at " + this_host));
    } else {
      out.push_back(Warning("mx", title, seen,
                            "publish an MX record for " + domain +
                                (ours_to_check ? " pointing at " + this_host : "")));
    }
  }
  co_return out;
}

awaitable<std::vector<Finding>> CheckDomain(dns::Resolver& resolver, std::string domain,
                                            DomainCheckOptions options) {
  domain = dns::NormalizeName(domain);
  std::vector<Finding> out;
  if (!dns::IsValidQueryName(domain) || domain.find('.') == std::string::npos) {
    out.push_back(Problem("domain", "Domain name",
                          "'" + Clip(domain, 120) + "' is not a valid domain name",
                          "give a domain such as support.example.com"));
    co_return out;
  }
  std::vector<Finding> spf = co_await CheckSpf(resolver, domain, options);
  DkimFacts dkim = co_await DkimState(resolver, domain, options);
  std::vector<Finding> dmarc = co_await DmarcFindings(resolver, domain, options, dkim);
  std::vector<Finding> mx = co_await CheckMx(resolver, domain, options);
  const std::vector<std::vector<Finding>*> parts = {&spf, &dkim.findings, &dmarc, &mx};
  for (auto* part : parts) {
    for (Finding& f : *part) out.push_back(std::move(f));
  }
  co_return out;
}

}  // namespace postdesk::channel
