// canon: splits a raw message into header fields and body, and applies the
// DKIM canonicalization algorithms of RFC 6376 section 3.4 ("simple" and
// "relaxed", for header fields and for the body). DKIM, ARC and anything else
// that hashes a message goes through here so that every signer and verifier
// sees the same bytes.
//
// Input trust: raw message bytes straight from the network. Nothing here
// assumes well-formed mail; a header line without a colon becomes a field with
// an empty name (which never matches an h= entry). Line ends may be CRLF or
// bare LF; both are normalised to CRLF before anything is hashed.
// Thread-safety: pure functions over values.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace postdesk::auth {

enum class Canon { kSimple, kRelaxed };

struct HeaderField {
  std::string name;  // text before the colon, trailing whitespace removed
  std::string raw;   // the whole field as written: name, colon, folded value, final CRLF
  // The value after the colon, with folding kept and without the final CRLF.
  std::string_view Value() const;
};

struct ParsedMessage {
  std::vector<HeaderField> headers;  // top to bottom, as in the message
  std::string body;                  // everything after the blank line, CRLF line ends
  bool has_body_separator = false;   // false when the message had no blank line
};

// Converts every bare LF into CRLF; CRLF stays as it is.
std::string NormalizeLineEnds(std::string_view raw);

// Splits `raw` (CRLF or LF line ends) into header fields and body.
ParsedMessage ParseMessage(std::string_view raw);

// Canonical form of one header field, ending in CRLF.
std::string CanonicalizeHeader(Canon canon, std::string_view raw_field);
inline std::string CanonicalizeHeader(Canon canon, const HeaderField& field) {
  return CanonicalizeHeader(canon, field.raw);
}

// Canonical form of a body (CRLF line ends expected; see NormalizeLineEnds).
std::string CanonicalizeBody(Canon canon, std::string_view body);

// "simple" / "relaxed"; parses one half of a c= value.
bool ParseCanon(std::string_view text, Canon* out);
const char* CanonName(Canon canon);

}  // namespace postdesk::auth
