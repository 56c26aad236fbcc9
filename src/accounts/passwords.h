// accounts/passwords: agents' sign-in passwords, hashed with argon2id
// (libsodium's crypto_pwhash_str: a random salt and the cost parameters are
// kept inside the hash string, so the cost can rise without a migration).
// Input trust: passwords come from the network; their length is bounded
// before hashing. Thread-safety: pure functions, safe from any thread.
#pragma once

#include <string>
#include <string_view>

#include "common/status.h"

namespace postdesk::accounts {

inline constexpr size_t kMinPasswordLength = 8;
inline constexpr size_t kMaxPasswordLength = 1024;

// Why `password` cannot be set ("" when it can): too short, too long, or
// with control characters.
std::string PasswordProblem(std::string_view password);
// The argon2id hash string. Invalid for a password PasswordProblem refuses;
// Temporary when the machine has no memory for the hash.
Result<std::string> HashPassword(std::string_view password);
// True when `password` matches `hash` (false for an empty or malformed hash).
bool VerifyPassword(std::string_view hash, std::string_view password);
// A random password for a first admin: 20 characters, ~119 bits.
std::string RandomPassword();

}  // namespace postdesk::accounts
