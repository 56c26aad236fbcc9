// Identifiers made from randomness: ticket encoded ids, API tokens, our own
// Message-IDs. Thread-safety: all functions are thread-safe (libsodium RNG).
#pragma once

#include <string>
#include <string_view>

namespace postdesk {

// A ticket's public reference, e.g. "K7Q2-9XWD": 8 Crockford base32 symbols,
// random (40 bits), so it cannot be guessed from the ticket number.
std::string NewEncodedId();
// True when `s` has the shape of an encoded id (case-insensitive).
bool LooksLikeEncodedId(std::string_view s);
// Canonical form of an encoded id: upper case.
std::string NormalizeEncodedId(std::string_view s);

// 32 random bytes, hex encoded.
std::string NewToken();

// A Message-ID for mail we send: "<random@domain>" (with angle brackets).
std::string NewMessageId(std::string_view domain);

// Lower-case hex SHA-256 of `bytes`.
std::string Sha256Hex(std::string_view bytes);

}  // namespace postdesk
