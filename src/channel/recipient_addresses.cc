#include "channel/recipient_addresses.h"

#include <algorithm>
#include <cctype>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>

#include "common/clock.h"
#include "dns/cares_resolver.h"
#include "common/strings.h"
#include "outbound/compose.h"

namespace postdesk::channel {
namespace {

using nlohmann::json;

constexpr size_t kMaxNameBytes = 255;

// A domain we can deliver to: labels of letters, digits and '-', at least two.
bool LooksLikeMailDomain(std::string_view domain) {
  if (domain.empty() || domain.size() > 253 || domain.find('.') == std::string_view::npos) {
    return false;
  }
  for (const auto& label : Split(domain, '.')) {
    if (label.empty() || label.size() > 63 || label.front() == '-' || label.back() == '-') {
      return false;
    }
    for (unsigned char c : label) {
      if (!(std::isalnum(c) || c == '-')) return false;
    }
  }
  return true;
}

std::string CleanName(std::string_view name) {
  std::string out = SanitizeUtf8(Trim(name));
  for (auto& c : out) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) c = ' ';
  }
  if (out.size() > kMaxNameBytes) {
    size_t cut = kMaxNameBytes;
    while (cut > 0 && (static_cast<unsigned char>(out[cut]) & 0xC0) == 0x80) --cut;
    out.resize(cut);
  }
  return out;
}

// May this row be sent as (and so be the default)?
bool Sendable(const store::RecipientAddress& a, std::string_view desk_domain) {
  return IsOwnDomain(a.email, desk_domain) || a.forwarding_status == kStatusVerified;
}

// A coroutine over plain parameters (copied into its frame).
boost::asio::awaitable<std::vector<Finding>> DomainChecks(dns::Resolver* resolver,
                                                          std::string domain,
                                                          DomainCheckOptions options,
                                                          bool spf_only) {
  if (spf_only) co_return co_await CheckSpf(*resolver, std::move(domain), std::move(options));
  co_return co_await CheckDomain(*resolver, std::move(domain), std::move(options));
}

}  // namespace

bool IsOwnDomain(std::string_view email, std::string_view desk_domain) {
  return !desk_domain.empty() && IEquals(EmailDomain(email), desk_domain);
}

Status ValidateNewAddress(store::Tx& tx, std::string_view email_in) {
  std::string email = NormalizeEmail(email_in);
  if (!outbound::IsSafeAddress(email) || !LooksLikeMailDomain(EmailDomain(email))) {
    return Status::Invalid("\"" + std::string(email_in) + "\" is not a valid email address");
  }
  if (EmailLocalPart(email).find('+') != std::string_view::npos) {
    return Status::Invalid(email +
                           ": a support address cannot contain '+' (support+tag@... is already "
                           "the plus-address of support@..., used for ticket replies)");
  }
  auto existing = tx.FindRecipientAddressByEmail(email);
  if (existing.ok()) {
    return Status::Invalid(email + " is already a support address (id " +
                           std::to_string(existing->id) + ")");
  }
  if (existing.status().kind() != ErrorKind::kNotFound) return existing.status();
  auto user = tx.FindUserByEmail(email);
  if (user.ok()) {
    return Status::Invalid(email + " is the email of user " + std::to_string(user->id) + " (" +
                           std::string(RoleName(user->role)) + "); a support address cannot be a user's email: give "
                           "that user another address first");
  }
  if (user.status().kind() != ErrorKind::kNotFound) return user.status();
  return Status::Ok();
}

json Checks(const store::RecipientAddress& address) {
  json j = json::parse(address.checks_json, nullptr, false);
  return j.is_object() ? j : json::object();
}

void SetCheck(store::RecipientAddress& address, std::string_view key, std::string_view status,
              std::string_view reason, std::string_view fix, const json& extra) {
  json checks = Checks(address);
  json entry = {{"status", status},
                {"reason", reason},
                {"fix", fix.empty() ? json(nullptr) : json(fix)}};
  if (extra.is_object()) {
    for (auto& [k, v] : extra.items()) entry[k] = v;
  }
  checks[std::string(key)] = std::move(entry);
  address.checks_json = checks.dump();
}

Result<store::RecipientAddress> CreateAddress(store::Tx& tx, std::string_view email_in,
                                              std::string_view name, std::string_view desk_domain,
                                              int64_t now) {
  if (Status s = ValidateNewAddress(tx, email_in); !s.ok()) return s;
  std::string email = NormalizeEmail(email_in);
  auto all = tx.ListRecipientAddresses();
  if (!all.ok()) return all.status();
  bool have_default = std::any_of(all->begin(), all->end(), [](const auto& a) { return a.is_default; });

  store::RecipientAddress a;
  a.email = email;
  a.name = CleanName(name);
  a.created_at = a.updated_at = now;
  if (IsOwnDomain(email, desk_domain)) {
    a.forwarding_status = std::string(kStatusVerified);
    SetCheck(a, "forwarding", kStatusVerified,
             "on the help desk's own domain " + std::string(desk_domain) +
                 ": mail to it reaches us directly, no forwarding is involved",
             "");
  } else {
    std::string target = "the help desk's default address";
    if (auto d = DefaultAddress(tx); d.ok()) target = *d;
    a.forwarding_status = std::string(kStatusUnknown);
    SetCheck(a, "forwarding", kStatusUnknown,
             "forwarding has not been verified yet; mail to " + email +
                 " is received, but replies go out as the default address until it is",
             "forward all mail of " + email + " to " + target +
                 " at its mail provider, then verify forwarding (PUT "
                 "/api/v2/recipient_addresses/{id}/verify with {\"type\":\"forwarding\"})");
  }
  // The first address of an empty desk is its default; an external one must
  // be verified first, so only our own domain qualifies.
  a.is_default = !have_default && Sendable(a, desk_domain);
  return tx.CreateRecipientAddress(std::move(a));
}

Status EnsureAddresses(store::Tx& tx, const std::vector<std::string>& addresses,
                       std::string_view desk_domain, int64_t now) {
  for (const auto& email : addresses) {
    auto found = tx.FindRecipientAddressByEmail(NormalizeEmail(email));
    if (found.ok()) continue;
    if (found.status().kind() != ErrorKind::kNotFound) return found.status();
    auto created = CreateAddress(tx, email, "", desk_domain, now);
    if (!created.ok()) return created.status();
  }
  return Status::Ok();
}

Result<store::RecipientAddress> UpdateAddress(store::Tx& tx, int64_t id, const AddressChange& change,
                                              std::string_view desk_domain, int64_t now) {
  auto a = tx.GetRecipientAddress(id);
  if (!a.ok()) return a.status();
  if (change.email && NormalizeEmail(*change.email) != a->email) {
    return Status::Invalid("the email of a support address cannot change (it is " + a->email +
                           "): create a new address with " + NormalizeEmail(*change.email) +
                           " and delete this one instead");
  }
  if (change.name) a->name = CleanName(*change.name);
  if (change.is_default) {
    if (!*change.is_default && a->is_default) {
      return Status::Invalid(a->email + " is the default address: make another address the "
                             "default instead (\"default\": true on that one)");
    }
    if (*change.is_default && !a->is_default) {
      if (!Sendable(*a, desk_domain)) {
        return Status::Invalid(a->email + " cannot be the default address: its forwarding is " +
                               a->forwarding_status +
                               " and mail is only sent as an address once it is verified; "
                               "verify forwarding first");
      }
      auto all = tx.ListRecipientAddresses();
      if (!all.ok()) return all.status();
      for (auto other : *all) {
        if (!other.is_default || other.id == a->id) continue;
        other.is_default = false;
        other.updated_at = now;
        if (Status s = tx.UpdateRecipientAddress(other); !s.ok()) return s;
      }
      a->is_default = true;
    }
  }
  a->updated_at = now;
  if (Status s = tx.UpdateRecipientAddress(*a); !s.ok()) return s;
  return a;
}

Status DeleteAddress(store::Tx& tx, int64_t id) {
  auto a = tx.GetRecipientAddress(id);
  if (!a.ok()) return a.status();
  if (a->is_default) {
    return Status::Invalid(a->email + " is the default address and cannot be deleted: make "
                           "another address the default first");
  }
  return tx.DeleteRecipientAddress(id);
}

Result<std::vector<std::string>> AllAddresses(store::Tx& tx) {
  auto all = tx.ListRecipientAddresses();
  if (!all.ok()) return all.status();
  std::vector<std::string> out;
  for (const auto& a : *all) {
    if (a.is_default) out.insert(out.begin(), a.email);
    else out.push_back(a.email);
  }
  return out;
}

Result<std::string> DefaultAddress(store::Tx& tx) {
  auto all = tx.ListRecipientAddresses();
  if (!all.ok()) return all.status();
  for (const auto& a : *all) {
    if (a.is_default) return a.email;
  }
  return Status::NotFound("no default support address");
}

void ApplyDomainFindings(store::RecipientAddress& address, const std::vector<Finding>& findings,
                         bool all, int64_t now) {
  struct Group {
    const char* prefix;
    const char* check_key;
    std::string* status;
  };
  std::vector<Group> groups = {{"spf", "spf", &address.spf_status}};
  if (all) {
    groups.push_back({"dkim", "cname", &address.cname_status});
    groups.push_back({"dmarc", "domain_verification", &address.domain_verification_status});
  }
  json results = json::parse(address.dns_results_json, nullptr, false);
  if (!results.is_object()) results = json::object();
  std::string domain(EmailDomain(address.email));
  for (const auto& g : groups) {
    std::vector<Finding> mine;
    for (const auto& f : findings) {
      if (f.step == g.prefix || IStartsWith(f.step, std::string(g.prefix) + ".")) mine.push_back(f);
    }
    json list = json::array();
    for (const auto& f : mine) list.push_back(FindingJson(f));
    results[g.check_key] = list;
    if (mine.empty()) {
      *g.status = std::string(kStatusUnknown);
      SetCheck(address, g.check_key, kStatusUnknown, "no check result for " + domain, "");
      continue;
    }
    Level worst = Worst(mine);
    const Finding* top = &mine.front();
    for (const auto& f : mine) {
      if (f.level == worst) {
        top = &f;
        break;
      }
    }
    bool only_temporary = worst == Level::kProblem &&
                          std::all_of(mine.begin(), mine.end(), [](const Finding& f) {
                            return f.level != Level::kProblem || f.temporary;
                          });
    bool any_ok = std::any_of(mine.begin(), mine.end(),
                              [](const Finding& f) { return f.level == Level::kOk; });
    std::string status = worst == Level::kProblem
                             ? std::string(only_temporary ? kStatusUnknown : kStatusFailed)
                             : std::string(any_ok ? kStatusVerified : kStatusUnknown);
    *g.status = status;
    std::string reason = top->step + ": " + top->evidence;
    if (worst == Level::kOk) {
      reason = domain + ": " + std::to_string(mine.size()) + " check" + (mine.size() == 1 ? "" : "s") +
               " passed";
    }
    SetCheck(address, g.check_key, status, reason, top->fix,
             json{{"checked_at", FormatIsoTime(now)}, {"level", LevelName(worst)}});
  }
  results["checked_at"] = FormatIsoTime(now);
  address.dns_results_json = results.dump();
  address.updated_at = now;
}

std::vector<Finding> RunDomainChecks(const std::string& dns_server, const std::string& domain,
                                     const DomainCheckOptions& options, bool spf_only) {
  boost::asio::io_context io;
  dns::CaresOptions dns_options;
  dns_options.server = dns_server;
  auto resolver = dns::CaresResolver::Create(io.get_executor(), dns_options);
  if (!resolver.ok()) {
    return {TempError(spf_only ? "spf.record" : "dns", "DNS", "the domain " + domain,
                      resolver.status().message())};
  }
  auto future = boost::asio::co_spawn(io, DomainChecks(resolver->get(), domain, options, spf_only),
                                      boost::asio::use_future);
  io.run();
  try {
    return future.get();
  } catch (const std::exception& e) {
    return {TempError(spf_only ? "spf.record" : "dns", "DNS", "the domain " + domain, e.what())};
  }
}

}  // namespace postdesk::channel
