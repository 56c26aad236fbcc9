// channel/recipient_addresses: the support addresses (Zendesk's "recipient
// addresses") as rules over the store: the default address on our own
// domain and external addresses (support@customer.example) that reach us by
// forwarding.
//
// Rules kept here, whoever asks (bootstrap, the API, the doctor):
//   - the email is a valid address without a +tag (plus-addressing is ours:
//     support+id<ENCODED>@...), unique, never a user's email, and never
//     changes after creation;
//   - there is always exactly one default address; it cannot be deleted, and
//     only an address we may send as (our own domain, or forwarding
//     verified) can become the default;
//   - an address on the desk's own domain receives directly: it is created
//     "verified" (nothing to forward; Zendesk shows its default address as
//     verified too), and forwarding verification does not apply to it;
//   - an external address starts "unknown"; we receive on it at once but
//     send as it only once verified (outbound::ChooseSender).
// Every status has a reason and a fix in `checks_json`, as
// {"forwarding": {"status", "reason", "fix"}, "spf": {...}, ...}.
//
// Errors: a request that breaks a rule is Status::Invalid with a message for
// the person who made it (the API answers 422 with it); a missing id is
// NotFound. Trust: emails and names come from API clients (untrusted) and
// are validated here. Thread-safety: pure functions over the caller's Tx.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "channel/domain_checks.h"
#include "channel/finding.h"
#include "common/status.h"
#include "store/store.h"

namespace postdesk::channel {

inline constexpr std::string_view kStatusUnknown = "unknown";
inline constexpr std::string_view kStatusWaiting = "waiting";
inline constexpr std::string_view kStatusVerified = "verified";
inline constexpr std::string_view kStatusFailed = "failed";

// True when `email` is on `desk_domain` (case-insensitive).
bool IsOwnDomain(std::string_view email, std::string_view desk_domain);

// Why `email` cannot be a support address (Invalid with the reason), given
// the users and addresses already stored.
Status ValidateNewAddress(store::Tx& tx, std::string_view email);

// First start and every start: creates each of `addresses` that is missing
// (the first is the default when the store has none) and leaves existing
// rows alone.
Status EnsureAddresses(store::Tx& tx, const std::vector<std::string>& addresses,
                       std::string_view desk_domain, int64_t now);

Result<store::RecipientAddress> CreateAddress(store::Tx& tx, std::string_view email,
                                              std::string_view name, std::string_view desk_domain,
                                              int64_t now);

struct AddressChange {
  std::optional<std::string> name;
  std::optional<bool> is_default;
  std::optional<std::string> email;  // refused unless equal to the stored one
};
Result<store::RecipientAddress> UpdateAddress(store::Tx& tx, int64_t id, const AddressChange& change,
                                              std::string_view desk_domain, int64_t now);

// Refuses the default address.
Status DeleteAddress(store::Tx& tx, int64_t id);

// Every address, the default first (the set intake receives for).
Result<std::vector<std::string>> AllAddresses(store::Tx& tx);
// The default address's email; NotFound when the store has none yet.
Result<std::string> DefaultAddress(store::Tx& tx);

// The checks object of a row, and one of its entries replaced.
nlohmann::json Checks(const store::RecipientAddress& address);
void SetCheck(store::RecipientAddress& address, std::string_view key, std::string_view status,
              std::string_view reason, std::string_view fix,
              const nlohmann::json& extra = nullptr);

// Applies domain-check findings (channel/domain_checks) to the row:
// spf.* -> spf_status; with `all` also dkim.* -> cname_status (Zendesk's
// CNAME records are its DKIM keys) and dmarc.* -> domain_verification_status
// (whether the domain lets our mail through as its own). A problem makes the
// status "failed"; no problem and at least one ok finding "verified"; only
// warnings (e.g. no DKIM key of ours yet) or a problem that is only a DNS
// temperror leave it "unknown" (nothing was verified). The reason is the
// evidence of the worst finding, the fix its fix; dns_results_json keeps the
// findings.
void ApplyDomainFindings(store::RecipientAddress& address, const std::vector<Finding>& findings,
                         bool all, int64_t now);

// Runs the domain checks of `domain` (CheckSpf alone when `spf_only`, else
// CheckDomain) to completion on a private event loop with its own resolver
// (`dns_server` as --dns; empty: the system's), blocking the caller for at
// most the resolver's timeouts. A resolver that cannot start gives one
// temperror finding.
std::vector<Finding> RunDomainChecks(const std::string& dns_server, const std::string& domain,
                                     const DomainCheckOptions& options, bool spf_only);

}  // namespace postdesk::channel
