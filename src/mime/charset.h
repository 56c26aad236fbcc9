// mime/charset: bytes in a declared (possibly wrong or missing) charset ->
// valid UTF-8. Internal to the mime module; ToUtf8() in message.h is the
// public face.
//
// Trusts nothing: the declared charset is a hint that is checked against the
// bytes. Conversion goes through glibc iconv with aliases widened to the
// supersets real mailers emit (Shift_JIS -> CP932, GB2312/GBK -> GB18030,
// EUC-KR -> CP949, ISO-8859-1 -> windows-1252). When the declaration does not
// fit, the charset is detected: valid UTF-8 first, ESC sequences mean
// ISO-2022-JP, then strict decoding in the CJK and Cyrillic candidates scored
// by how plausible the resulting text is, and windows-1252 last. Bytes that fit
// nothing become U+FFFD.
//
// Thread-safety: all functions are thread-safe (iconv descriptors are cached
// per thread).
#pragma once

#include <string>
#include <string_view>

namespace postdesk::mime::internal {

struct Decoded {
  std::string text;     // valid UTF-8, no NUL bytes
  std::string charset;  // the charset actually used (canonical iconv name)
  bool declared_used = true;  // false when the declared charset was unknown or wrong
  bool lossy = false;         // some bytes became U+FFFD
};

Decoded Decode(std::string_view bytes, std::string_view declared);

// Best guess for bytes with no (usable) declaration. Returns a canonical name
// accepted by Decode(); "US-ASCII" for 7-bit text without escapes.
std::string DetectCharset(std::string_view bytes);

// True when `bytes` decode in `charset` (a name accepted by Decode) without
// any invalid sequence.
bool DecodesCleanly(std::string_view bytes, std::string_view charset);

// Plausibility of UTF-8 text as human writing; higher is better. Exposed for
// tests.
double PlausibilityScore(std::string_view utf8);

}  // namespace postdesk::mime::internal
