// dns/names: small helpers on domain names shared by the resolvers and their
// users: normalising case and the trailing dot, and checking the limits the
// DNS puts on a name (labels of 1..63 octets, 253 octets in all).
// Input: any string, untrusted. Thread-safety: pure functions.
#pragma once

#include <string>
#include <string_view>

namespace postdesk::dns {

// Lower-cases ASCII letters and drops one trailing dot.
std::string NormalizeName(std::string_view name);

// True when `name` (without a trailing dot) can be sent as a DNS question:
// non-empty, every label 1..63 octets, at most 253 octets in all.
bool IsValidQueryName(std::string_view name);

}  // namespace postdesk::dns
