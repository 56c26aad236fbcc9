// auth/auth_results: the Authentication-Results header field of RFC 8601 --
// writing one safely, reading one (ours or an ARC-Authentication-Results an
// intermediary sealed), and removing the ones that claim to be ours.
//
// Writing: every value that may come from the network (addresses, domains,
// selectors, reasons) goes through PropertyValue or QuotedString, which drop
// control characters (so no CR/LF can end the field early) and quote what is
// not a plain token, so nothing a sender writes can add a result of its own.
//
// Reading: ParseAuthenticationResults is a tolerant parser of untrusted text
// (comments, quoted strings, unknown methods and properties); what it cannot
// read is skipped up to the next ';', never guessed at.
//
// Stripping: RFC 8601 section 5 -- a message that arrives already carrying a
// field with our authserv-id was forged (or looped); those fields are removed,
// every other byte of the message is kept as it was.
//
// Thread-safety: pure functions.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace postdesk::auth {

// One resinfo: "method=result reason=... ptype.property=value ...".
struct ResInfo {
  std::string method;  // lower-cased, without a "/version"
  std::string result;  // lower-cased
  std::string reason;  // the reason= value, unquoted
  // "ptype.property" lower-cased -> value (unquoted), in order.
  std::vector<std::pair<std::string, std::string>> properties;

  // The first value of `name` ("header.d", "smtp.mailfrom"), or empty.
  std::string Property(std::string_view name) const;
};

struct ParsedAuthResults {
  std::string authserv_id;  // as written (unquoted); empty when unreadable
  std::vector<ResInfo> results;
  bool no_results = false;  // "authserv-id; none"
};

// Parses a field value ("desk.example; spf=pass smtp.mailfrom=...; ...").
ParsedAuthResults ParseAuthenticationResults(std::string_view value);

// Just the authserv-id of a field value (skipping leading comments), or empty.
std::string AuthservIdOf(std::string_view value);

// `text` with control characters (CR, LF, TAB, NUL, DEL, ...) replaced by
// spaces and invalid UTF-8 repaired, as a quoted-string: "..." with '"' and
// '\' escaped. At most `max_bytes` of text are kept (cut on a UTF-8 boundary).
std::string QuotedString(std::string_view text, size_t max_bytes = 512);

// A pvalue (RFC 8601 section 2.2): `value` as is when it is a token, a domain
// name or local-part@domain of atoms; otherwise QuotedString(value).
std::string PropertyValue(std::string_view value);

// Text for inside a comment "( ... )": control characters become spaces,
// parentheses and backslashes are escaped.
std::string CommentText(std::string_view text, size_t max_bytes = 200);

// Folds a field value into a complete header field
// "Authentication-Results: <value>\r\n", breaking lines after the ';' that
// separate results (outside quotes and comments) so lines stay short.
std::string FoldAuthenticationResults(std::string_view value);

// Removes every Authentication-Results field of `raw_message`'s header whose
// authserv-id equals `authserv_id` (case-insensitively), including its folded
// continuation lines. Every other byte -- other fields, their order, the line
// ends (CRLF or LF), the body -- is returned unchanged.
std::string StripOurAuthenticationResults(std::string_view raw_message,
                                          std::string_view authserv_id);

}  // namespace postdesk::auth
