// Base64 (RFC 4648) for mail: an encoder, and a lenient decoder that skips
// anything outside the alphabet (line breaks, junk), accepts the URL-safe
// letters too, stops at padding and decodes a trailing partial group as far as
// it goes -- what broken mail needs. Thread-safety: pure functions.
#pragma once

#include <string>
#include <string_view>

namespace postdesk {

std::string Base64Encode(std::string_view bytes);
std::string Base64DecodeLenient(std::string_view text);

}  // namespace postdesk
