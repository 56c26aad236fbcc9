// mime/header_decode: raw header values -> decoded UTF-8 (RFC 2047 encoded
// words, RFC 2231 parameters, address lists, message-id lists). Internal to
// the mime module.
//
// Trusts nothing: values may be folded, 8-bit in any charset, carry broken or
// split encoded words, unbalanced quotes and brackets. `charset8bit` names the
// charset that raw 8-bit bytes in the value are in (empty: detect per value).
// Output is valid UTF-8 without control characters.
//
// Thread-safety: pure functions.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "mime/message.h"

namespace postdesk::mime::internal {

// Removes CR and LF (folding), keeps the rest.
std::string Unfold(std::string_view raw);

// Unstructured text (Subject and the like): unfolded, encoded words decoded
// (adjacent words in the same charset are joined before conversion, so a
// character split across two words survives), trimmed, control characters
// turned into spaces.
std::string DecodeHeaderText(std::string_view raw, std::string_view charset8bit);

// Mailbox list (From, To, Cc, Reply-To). Groups are flattened; display names
// are decoded; addresses are kept as written.
std::vector<Address> ParseAddressList(std::string_view raw, std::string_view charset8bit);

// Message-ID, In-Reply-To, References: ids without angle brackets, in order.
std::vector<std::string> ParseMessageIds(std::string_view raw);

// A parameterised header (Content-Type, Content-Disposition).
struct ParamHeader {
  std::string value;                          // lower-cased, e.g. "attachment"
  std::map<std::string, std::string> params;  // lower-cased names; decoded UTF-8 values
};

// Parses "value; name=v; name*=charset'lang'%XX; name*0*=...; name*1=...",
// decoding RFC 2231 (with continuations) and, leniently, RFC 2047 inside
// quoted values.
ParamHeader ParseParamHeader(std::string_view raw, std::string_view charset8bit);

}  // namespace postdesk::mime::internal
