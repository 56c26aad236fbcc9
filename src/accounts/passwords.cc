#include "accounts/passwords.h"

#include <sodium.h>

#include <string>

namespace postdesk::accounts {

std::string PasswordProblem(std::string_view password) {
  if (password.size() < kMinPasswordLength) {
    return "a password needs at least " + std::to_string(kMinPasswordLength) + " characters";
  }
  if (password.size() > kMaxPasswordLength) {
    return "a password may have at most " + std::to_string(kMaxPasswordLength) + " characters";
  }
  for (unsigned char c : password) {
    if (c < 0x20 || c == 0x7f) return "a password must not contain control characters";
  }
  return "";
}

Result<std::string> HashPassword(std::string_view password) {
  if (std::string problem = PasswordProblem(password); !problem.empty()) {
    return Status::Invalid(problem);
  }
  if (sodium_init() < 0) return Status::Permanent("libsodium failed to initialise");
  char out[crypto_pwhash_STRBYTES];
  if (crypto_pwhash_str(out, password.data(), password.size(), crypto_pwhash_OPSLIMIT_INTERACTIVE,
                        crypto_pwhash_MEMLIMIT_INTERACTIVE) != 0) {
    return Status::Temporary("not enough memory to hash the password");
  }
  return std::string(out);
}

bool VerifyPassword(std::string_view hash, std::string_view password) {
  if (hash.empty() || hash.size() >= crypto_pwhash_STRBYTES || password.size() > kMaxPasswordLength) {
    return false;
  }
  if (sodium_init() < 0) return false;
  std::string terminated(hash);  // crypto_pwhash_str_verify reads a C string
  return crypto_pwhash_str_verify(terminated.c_str(), password.data(), password.size()) == 0;
}

std::string RandomPassword() {
  // No 0/O/1/l/I: a password read off a file and typed by hand.
  static constexpr std::string_view kAlphabet =
      "abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
  if (sodium_init() < 0) return "";
  std::string out;
  for (int i = 0; i < 20; ++i) {
    out += kAlphabet[randombytes_uniform(static_cast<uint32_t>(kAlphabet.size()))];
  }
  return out;
}

}  // namespace postdesk::accounts
