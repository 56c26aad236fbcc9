// Small string helpers shared by every module. Thread-safety: pure functions.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace postdesk {

std::string ToLower(std::string_view s);
std::string_view Trim(std::string_view s);
bool IEquals(std::string_view a, std::string_view b);
bool IStartsWith(std::string_view s, std::string_view prefix);
std::vector<std::string> Split(std::string_view s, char sep);

// `<` `>` `&` `"` `'` escaped for HTML text and attribute values.
std::string HtmlEscape(std::string_view s);

// Email address helpers. Addresses compare case-insensitively here (the local
// part is case-sensitive in theory; no mail system we meet treats it so).
std::string NormalizeEmail(std::string_view email);
std::string_view EmailDomain(std::string_view email);
std::string_view EmailLocalPart(std::string_view email);

// Replaces every byte sequence that is not valid UTF-8 with U+FFFD and drops NULs.
std::string SanitizeUtf8(std::string_view s);
bool IsValidUtf8(std::string_view s);

}  // namespace postdesk
