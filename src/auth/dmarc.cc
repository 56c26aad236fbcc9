#include "auth/dmarc.h"

#include <libpsl.h>

#include <algorithm>
#include <map>
#include <random>
#include <utility>

#include "dns/names.h"

namespace postdesk::dmarc {

namespace {

using boost::asio::awaitable;

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

std::vector<std::string_view> Split(std::string_view s, char sep) {
  std::vector<std::string_view> out;
  size_t start = 0;
  while (true) {
    size_t end = s.find(sep, start);
    out.push_back(
        s.substr(start, end == std::string_view::npos ? std::string_view::npos : end - start));
    if (end == std::string_view::npos) break;
    start = end + 1;
  }
  return out;
}

std::optional<Policy> ParsePolicy(std::string_view v) {
  const std::string s = Lower(v);
  if (s == "none") return Policy::kNone;
  if (s == "quarantine") return Policy::kQuarantine;
  if (s == "reject") return Policy::kReject;
  return std::nullopt;
}

int LabelCount(std::string_view name) {
  return name.empty() ? 0 : static_cast<int>(std::count(name.begin(), name.end(), '.')) + 1;
}

// The last `labels` labels of `name`.
std::string LastLabels(std::string_view name, int labels) {
  int have = LabelCount(name);
  size_t pos = 0;
  for (int drop = have - labels; drop > 0; --drop) pos = name.find('.', pos) + 1;
  return std::string(name.substr(pos));
}

Policy Downgrade(Policy p) { return p == Policy::kReject ? Policy::kQuarantine : Policy::kNone; }

// Outcome of querying one _dmarc name.
struct Found {
  std::string name;
  ParsedDmarc parsed;  // is_dmarc false when there was no single DMARC record
};

struct Walk {
  bool temperror = false;
  std::string error;
  std::vector<Found> found;  // names with exactly one DMARC record, walk order
};

// Queries the tree walk names until a psd=y/n record stops it (every name
// when `full`; otherwise until the first record).
awaitable<Walk> TreeWalk(dns::Resolver& resolver, const std::string& domain, bool full) {
  Walk walk;
  for (const std::string& name : TreeWalkNames(domain)) {
    const std::string qname = "_dmarc." + name;
    dns::Answer txt = co_await resolver.Query(qname, dns::RrType::kTXT);
    if (txt.temperror()) {
      walk.temperror = true;
      walk.error = "DNS error looking up " + qname + ": " + txt.error;
      co_return walk;
    }
    std::vector<ParsedDmarc> records;
    for (const auto& r : txt.records) {
      ParsedDmarc p = ParseDmarcRecord(r);
      if (p.is_dmarc) records.push_back(std::move(p));
    }
    if (records.size() != 1) continue;  // none, or several: all discarded
    walk.found.push_back(Found{name, std::move(records[0])});
    const ParsedDmarc& p = walk.found.back().parsed;
    if (!full) break;
    if (p.record && (p.record->psd == PsdFlag::kYes || p.record->psd == PsdFlag::kNo)) break;
  }
  co_return walk;
}

std::string OrgFromWalk(const std::string& domain, const Walk& walk, bool* from_psl) {
  *from_psl = false;
  const Found* fewest = nullptr;
  for (const Found& f : walk.found) {
    if (!f.parsed.record) continue;
    if (f.parsed.record->psd == PsdFlag::kNo) return f.name;
    if (f.parsed.record->psd == PsdFlag::kYes) {
      if (f.name == domain) return domain;
      return LastLabels(domain, LabelCount(f.name) + 1);
    }
    fewest = &f;
  }
  if (fewest != nullptr) return fewest->name;
  *from_psl = true;
  return PslOrganizationalDomain(domain);
}

std::string DomainOf(std::string_view address) {
  size_t at = address.rfind('@');
  if (at == std::string_view::npos) return "";
  std::string_view d = Trim(address.substr(at + 1));
  if (!d.empty() && d.back() == '>') d.remove_suffix(1);
  return dns::NormalizeName(d);
}

}  // namespace

const char* PolicyName(Policy policy) {
  switch (policy) {
    case Policy::kNone:
      return "none";
    case Policy::kQuarantine:
      return "quarantine";
    case Policy::kReject:
      return "reject";
  }
  return "?";
}

const char* VerdictName(Verdict verdict) {
  switch (verdict) {
    case Verdict::kPass:
      return "pass";
    case Verdict::kFail:
      return "fail";
    case Verdict::kNone:
      return "none";
    case Verdict::kTempError:
      return "temperror";
    case Verdict::kPermError:
      return "permerror";
  }
  return "?";
}

ParsedDmarc ParseDmarcRecord(std::string_view text) {
  ParsedDmarc out;
  std::vector<std::string_view> parts = Split(text, ';');
  // v=DMARC1 must come first (the value is case-sensitive, RFC 7489 6.4).
  {
    std::string_view first = Trim(parts[0]);
    size_t eq = first.find('=');
    if (eq == std::string_view::npos || Lower(Trim(first.substr(0, eq))) != "v" ||
        Trim(first.substr(eq + 1)) != "DMARC1") {
      return out;
    }
  }
  out.is_dmarc = true;
  DmarcRecord rec;
  std::map<std::string, std::string> tags;
  for (size_t i = 1; i < parts.size(); ++i) {
    std::string_view part = Trim(parts[i]);
    if (part.empty()) continue;
    size_t eq = part.find('=');
    if (eq == std::string_view::npos) {
      out.error = "malformed tag '" + std::string(part) + "'";
      return out;
    }
    std::string name = Lower(Trim(part.substr(0, eq)));
    if (name.empty() || !std::all_of(name.begin(), name.end(), [](char c) {
          return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
        })) {
      out.error = "malformed tag name in '" + std::string(part) + "'";
      return out;
    }
    tags.emplace(std::move(name), std::string(Trim(part.substr(eq + 1))));  // first one wins
  }
  auto warn = [&rec](const std::string& tag, const std::string& value) {
    rec.warnings.push_back("invalid " + tag + "=" + value + " ignored");
  };
  for (const auto& [tag, value] : tags) {
    if (tag == "p") {
      // DMARCbis: a missing or invalid p= is treated as p=none.
      if (auto p = ParsePolicy(value)) {
        rec.p = *p;
      } else {
        warn(tag, value);
      }
    } else if (tag == "sp" || tag == "np") {
      if (auto p = ParsePolicy(value)) {
        (tag == "sp" ? rec.sp : rec.np) = *p;
      } else {
        warn(tag, value);
      }
    } else if (tag == "adkim" || tag == "aspf") {
      const std::string v = Lower(value);
      Alignment& a = tag == "adkim" ? rec.adkim : rec.aspf;
      if (v == "r") {
        a = Alignment::kRelaxed;
      } else if (v == "s") {
        a = Alignment::kStrict;
      } else {
        warn(tag, value);
      }
    } else if (tag == "pct") {
      if (!value.empty() && value.size() <= 3 &&
          std::all_of(value.begin(), value.end(), [](char c) { return c >= '0' && c <= '9'; }) &&
          std::stoi(value) <= 100) {
        rec.pct = std::stoi(value);
      } else {
        warn(tag, value);
      }
    } else if (tag == "t") {
      const std::string v = Lower(value);
      if (v == "y" || v == "n") {
        rec.testing = v == "y";
      } else {
        warn(tag, value);
      }
    } else if (tag == "psd") {
      const std::string v = Lower(value);
      if (v == "y") {
        rec.psd = PsdFlag::kYes;
      } else if (v == "n") {
        rec.psd = PsdFlag::kNo;
      } else if (v == "u") {
        rec.psd = PsdFlag::kUnknown;
      } else {
        warn(tag, value);
      }
    } else if (tag == "rua" || tag == "ruf") {
      auto& list = tag == "rua" ? rec.rua : rec.ruf;
      for (std::string_view uri : Split(value, ',')) {
        uri = Trim(uri);
        if (!uri.empty()) list.emplace_back(uri);
      }
    } else if (tag == "fo") {
      std::vector<std::string> fo;
      bool ok = true;
      for (std::string_view o : Split(value, ':')) {
        std::string v = Lower(Trim(o));
        if (v != "0" && v != "1" && v != "d" && v != "s") ok = false;
        fo.push_back(std::move(v));
      }
      if (ok) {
        rec.fo = std::move(fo);
      } else {
        warn(tag, value);
      }
    }
    // Unknown tags (rf, ri, future ones) are ignored.
  }
  out.record = std::move(rec);
  return out;
}

std::vector<std::string> TreeWalkNames(std::string_view domain) {
  std::vector<std::string> names;
  std::string name = dns::NormalizeName(domain);
  if (name.empty()) return names;
  names.push_back(name);
  int labels = LabelCount(name);
  if (labels >= kWalkShortcutLabels + 1) {
    labels = kWalkShortcutLabels;
  } else {
    --labels;
  }
  for (; labels >= 1; --labels) names.push_back(LastLabels(name, labels));
  return names;
}

std::string PslOrganizationalDomain(std::string_view domain) {
  const std::string d = dns::NormalizeName(domain);
  const char* reg = psl_registrable_domain(psl_builtin(), d.c_str());
  return reg != nullptr ? std::string(reg) : d;
}

awaitable<OrgDomainResult> FindOrganizationalDomain(dns::Resolver& resolver, std::string domain) {
  OrgDomainResult out;
  domain = dns::NormalizeName(domain);
  Walk walk = co_await TreeWalk(resolver, domain, true);
  if (walk.temperror) {
    out.temperror = true;
    out.error = walk.error;
    co_return out;
  }
  out.org_domain = OrgFromWalk(domain, walk, &out.from_psl);
  co_return out;
}

namespace {

class Evaluator {
 public:
  Evaluator(dns::Resolver& resolver, const DmarcOptions& options)
      : resolver_(resolver), options_(options) {}

  awaitable<DmarcResult> Run(const DmarcInput& input) {
    DmarcResult r;
    if (input.from_addresses.size() != 1) {
      r.verdict = Verdict::kFail;
      r.policy = r.requested_policy = Policy::kQuarantine;
      r.reason = input.from_addresses.empty()
                     ? "the message has no From address"
                     : "the From header has " + std::to_string(input.from_addresses.size()) +
                           " addresses; DMARC needs exactly one";
      co_return r;
    }
    r.from_domain = DomainOf(input.from_addresses[0]);
    if (r.from_domain.empty() || !dns::IsValidQueryName(r.from_domain)) {
      r.verdict = Verdict::kFail;
      r.policy = r.requested_policy = Policy::kQuarantine;
      r.reason = "the From address '" + input.from_addresses[0] + "' has no usable domain";
      co_return r;
    }

    Walk walk = co_await TreeWalk(resolver_, r.from_domain, true);
    if (walk.temperror) co_return TempError(std::move(r), walk.error);
    bool from_psl = false;
    r.org_domain = OrgFromWalk(r.from_domain, walk, &from_psl);
    orgs_[r.from_domain] = r.org_domain;
    if (walk.found.empty()) {
      r.verdict = Verdict::kNone;
      r.reason = "no DMARC record for " + r.from_domain + " or its parent domains";
      co_return r;
    }
    const Found& policy = walk.found.front();
    r.policy_domain = policy.name;
    if (!policy.parsed.record) {
      r.verdict = Verdict::kPermError;
      r.reason =
          "the DMARC record at _dmarc." + policy.name + " cannot be used: " + policy.parsed.error;
      co_return r;
    }
    r.record = policy.parsed.record;
    const DmarcRecord& rec = *r.record;

    // SPF: the MAIL FROM domain, or the HELO name for a null reverse-path.
    const std::string spf_domain = dns::NormalizeName(
        input.spf.mail_from_domain.empty() ? input.spf.helo_domain : input.spf.mail_from_domain);
    std::string why_spf;
    if (!input.spf.pass) {
      why_spf = "SPF did not pass";
    } else {
      auto aligned = co_await Aligned(spf_domain, r.from_domain, rec.aspf);
      if (!aligned) co_return TempError(std::move(r), error_);
      r.spf_aligned = *aligned;
      why_spf = "SPF passed for " + spf_domain +
                (r.spf_aligned ? ""
                               : std::string(", not aligned (") +
                                     (rec.aspf == Alignment::kStrict ? "strict" : "relaxed") + ")");
    }
    std::string why_dkim = "no passing DKIM signature";
    for (const DkimOutcome& d : input.dkim) {
      if (!d.pass) continue;
      const std::string dd = dns::NormalizeName(d.domain);
      auto aligned = co_await Aligned(dd, r.from_domain, rec.adkim);
      if (!aligned) co_return TempError(std::move(r), error_);
      if (*aligned) {
        r.dkim_aligned = true;
        r.aligned_dkim_domain = dd;
        break;
      }
      why_dkim = "DKIM passed for d=" + dd + ", not aligned (" +
                 (rec.adkim == Alignment::kStrict ? "strict" : "relaxed") + ")";
    }

    if (r.spf_aligned || r.dkim_aligned) {
      r.verdict = Verdict::kPass;
      r.reason = r.dkim_aligned
                     ? "DKIM d=" + r.aligned_dkim_domain + " aligned with " + r.from_domain
                     : "SPF domain " + spf_domain + " aligned with " + r.from_domain;
      co_return r;
    }

    // Which policy: p at the From domain itself; else np for a From domain
    // that does not exist, sp, then p.
    std::string which = "p";
    Policy requested = rec.p;
    if (policy.name != r.from_domain) {
      bool exists = true;
      if (rec.np) exists = co_await DomainExists(r.from_domain);
      if (!exists) {
        requested = *rec.np;
        which = "np";
      } else if (rec.sp) {
        requested = *rec.sp;
        which = "sp";
      }
    }
    r.verdict = Verdict::kFail;
    r.requested_policy = requested;
    r.policy = requested;
    std::string note;
    if (requested != Policy::kNone) {
      if (rec.testing) {
        r.policy = Downgrade(requested);
        note = "; t=y (testing) lowers it to " + std::string(PolicyName(r.policy));
      } else if (rec.pct < 100) {
        const int sample = options_.sample ? options_.sample() : RandomPercent();
        if (sample >= rec.pct) {
          r.sampled_out = true;
          r.policy = Downgrade(requested);
          note =
              "; not selected by pct=" + std::to_string(rec.pct) + ", so " + PolicyName(r.policy);
        }
      }
    }
    r.reason = "not aligned with " + r.from_domain + " (" + why_spf + "; " + why_dkim +
               "); policy " + which + "=" + PolicyName(requested) + " of _dmarc." + policy.name +
               note;
    co_return r;
  }

 private:
  static DmarcResult TempError(DmarcResult r, const std::string& why) {
    r.verdict = Verdict::kTempError;
    r.policy = Policy::kNone;
    r.reason = why;
    return r;
  }

  static int RandomPercent() {
    thread_local std::mt19937 gen{std::random_device{}()};
    return std::uniform_int_distribution<int>(0, 99)(gen);
  }

  // nullopt on a DNS temporary error (error_ says which).
  awaitable<std::optional<bool>> Aligned(const std::string& domain, const std::string& from,
                                         Alignment mode) {
    if (domain.empty()) co_return false;
    if (domain == from) co_return true;
    if (mode == Alignment::kStrict) co_return false;
    auto b = co_await Org(from);
    if (!b) co_return std::nullopt;
    // Relaxed alignment needs the same organizational domain, which only the
    // From organization itself or a name under it can have. Anything else is
    // unaligned without a lookup: the sender chooses that domain, and its DNS
    // failing must not turn a DMARC fail into a temperror.
    if (domain != *b && !(domain.size() > b->size() + 1 &&
                          domain.compare(domain.size() - b->size(), b->size(), *b) == 0 &&
                          domain[domain.size() - b->size() - 1] == '.')) {
      co_return false;
    }
    auto a = co_await Org(domain);
    if (!a) co_return std::nullopt;
    co_return *a == *b;
  }

  awaitable<std::optional<std::string>> Org(const std::string& domain) {
    auto it = orgs_.find(domain);
    if (it != orgs_.end()) co_return it->second;
    OrgDomainResult o = co_await FindOrganizationalDomain(resolver_, domain);
    if (o.temperror) {
      error_ = o.error;
      co_return std::nullopt;
    }
    orgs_[domain] = o.org_domain;
    co_return o.org_domain;
  }

  // DMARCbis: a domain is non-existent when A, AAAA and MX all answer
  // NXDOMAIN or NODATA. A temporary error counts as existing.
  awaitable<bool> DomainExists(const std::string& domain) {
    for (dns::RrType t : {dns::RrType::kA, dns::RrType::kAAAA, dns::RrType::kMX}) {
      dns::Answer a = co_await resolver_.Query(domain, t);
      if (!a.none()) co_return true;
    }
    co_return false;
  }

  dns::Resolver& resolver_;
  const DmarcOptions& options_;
  std::map<std::string, std::string> orgs_;
  std::string error_;
};

}  // namespace

awaitable<DmarcResult> Evaluate(dns::Resolver& resolver, DmarcInput input, DmarcOptions options) {
  Evaluator evaluator(resolver, options);
  DmarcResult result = co_await evaluator.Run(input);
  co_return result;
}

}  // namespace postdesk::dmarc
