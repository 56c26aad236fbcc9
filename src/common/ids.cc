#include "common/ids.h"

#include <openssl/evp.h>
#include <sodium.h>

#include <array>
#include <cctype>
#include <stdexcept>

namespace postdesk {
namespace {

constexpr std::string_view kCrockford = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

void EnsureSodium() {
  static const int init = sodium_init();
  if (init < 0) throw std::runtime_error("libsodium failed to initialise");
}

std::string Hex(const unsigned char* data, size_t n) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out(n * 2, '0');
  for (size_t i = 0; i < n; ++i) {
    out[2 * i] = kDigits[data[i] >> 4];
    out[2 * i + 1] = kDigits[data[i] & 15];
  }
  return out;
}

}  // namespace

std::string NewEncodedId() {
  EnsureSodium();
  std::string out;
  for (int i = 0; i < 8; ++i) {
    if (i == 4) out += '-';
    out += kCrockford[randombytes_uniform(32)];
  }
  return out;
}

bool LooksLikeEncodedId(std::string_view s) {
  if (s.size() != 9 || s[4] != '-') return false;
  for (size_t i = 0; i < s.size(); ++i) {
    if (i == 4) continue;
    char c = static_cast<char>(std::toupper(static_cast<unsigned char>(s[i])));
    if (kCrockford.find(c) == std::string_view::npos) return false;
  }
  return true;
}

std::string NormalizeEncodedId(std::string_view s) {
  std::string out(s);
  for (auto& c : out) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

std::string NewToken() {
  EnsureSodium();
  std::array<unsigned char, 32> buf;
  randombytes_buf(buf.data(), buf.size());
  return Hex(buf.data(), buf.size());
}

std::string NewMessageId(std::string_view domain) {
  EnsureSodium();
  std::array<unsigned char, 16> buf;
  randombytes_buf(buf.data(), buf.size());
  return "<" + Hex(buf.data(), buf.size()) + "@" + std::string(domain) + ">";
}

std::string Sha256Hex(std::string_view bytes) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(bytes.data(), bytes.size(), md, &len, EVP_sha256(), nullptr);
  return Hex(md, len);
}

}  // namespace postdesk
