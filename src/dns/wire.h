// dns/wire: turns a DNS response message (RFC 1035 section 4) into an Answer
// for one question: follows the CNAME chain the server put in the answer
// section, picks the records of the asked type, takes the smallest TTL, and
// for a negative answer the SOA's negative TTL (RFC 2308 section 5).
//
// Input: bytes from the network, untrusted: every length and compression
// pointer is bounds-checked, pointer loops are cut off, and a malformed
// message is reported as kTempError rather than trusted in part.
// Thread-safety: pure functions.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "dns/resolver.h"

namespace postdesk::dns {

// The numeric RR type code (A = 1, ...).
uint16_t RrTypeCode(RrType type);

// Parses `message` as the response to (`qname`, `type`). `negative_ttl` is
// used for kNxDomain / kNoData when the response carries no SOA.
Answer ParseResponse(std::span<const uint8_t> message, std::string_view qname, RrType type,
                     uint32_t negative_ttl);

}  // namespace postdesk::dns
