#include "auth/dkim_crypto.h"

#include <mutex>
#include <unordered_map>

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <array>

namespace postdesk::auth {
namespace {

constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

int Base64Value(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '+') return 62;
  if (c == '/') return 63;
  return -1;
}

std::string OpenSslError(const char* what) {
  unsigned long code = ERR_get_error();
  ERR_clear_error();
  std::string out = what;
  if (code != 0) {
    char buf[256];
    ERR_error_string_n(code, buf, sizeof buf);
    out += ": ";
    out += buf;
  }
  return out;
}

EVP_PKEY* AsPkey(void* p) { return static_cast<EVP_PKEY*>(p); }

}  // namespace

std::string Base64Encode(std::string_view bytes) {
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  size_t i = 0;
  auto at = [&](size_t k) { return static_cast<unsigned char>(bytes[k]); };
  for (; i + 3 <= bytes.size(); i += 3) {
    uint32_t v = (at(i) << 16) | (at(i + 1) << 8) | at(i + 2);
    out += kAlphabet[(v >> 18) & 63];
    out += kAlphabet[(v >> 12) & 63];
    out += kAlphabet[(v >> 6) & 63];
    out += kAlphabet[v & 63];
  }
  size_t left = bytes.size() - i;
  if (left == 1) {
    uint32_t v = at(i) << 16;
    out += kAlphabet[(v >> 18) & 63];
    out += kAlphabet[(v >> 12) & 63];
    out += "==";
  } else if (left == 2) {
    uint32_t v = (at(i) << 16) | (at(i + 1) << 8);
    out += kAlphabet[(v >> 18) & 63];
    out += kAlphabet[(v >> 12) & 63];
    out += kAlphabet[(v >> 6) & 63];
    out += '=';
  }
  return out;
}

std::optional<std::string> Base64Decode(std::string_view text) {
  std::string out;
  out.reserve(text.size() * 3 / 4);
  uint32_t acc = 0;
  int nbits = 0;
  int digits = 0;
  int padding = 0;
  for (char c : text) {
    if (c == ' ' || c == '\t' || c == '\r' || c == '\n') continue;
    if (c == '=') {
      ++padding;
      continue;
    }
    if (padding > 0) return std::nullopt;  // data after padding
    int v = Base64Value(c);
    if (v < 0) return std::nullopt;
    ++digits;
    acc = (acc << 6) | static_cast<uint32_t>(v);
    nbits += 6;
    if (nbits >= 8) {
      nbits -= 8;
      out.push_back(static_cast<char>((acc >> nbits) & 0xff));
    }
  }
  if ((digits + padding) % 4 != 0 || padding > 2) return std::nullopt;
  if (padding > 0 && (digits % 4) + padding != 4) return std::nullopt;
  return out;
}

std::string Sha256(std::string_view data) {
  std::array<unsigned char, EVP_MAX_MD_SIZE> md{};
  unsigned int len = 0;
  EVP_Digest(data.data(), data.size(), md.data(), &len, EVP_sha256(), nullptr);
  return std::string(reinterpret_cast<const char*>(md.data()), len);
}

// ---- PublicKey ----

PublicKey::~PublicKey() { EVP_PKEY_free(AsPkey(pkey_)); }

namespace {

// Decoding a key from its DNS bytes costs more than verifying with it
// (OpenSSL 3 sets up a decoder each time), and the same few keys sign most
// mail: parsed keys are kept by their bytes. Keys are immutable and each
// Verify makes its own context, so sharing them across threads is safe.
class ParsedKeyCache {
 public:
  std::shared_ptr<const PublicKey> Find(KeyType type, std::string_view der) {
    std::lock_guard lock(mu_);
    auto it = keys_.find(Key(type, der));
    return it == keys_.end() ? nullptr : it->second;
  }
  void Add(KeyType type, std::string_view der, std::shared_ptr<const PublicKey> key) {
    std::lock_guard lock(mu_);
    if (keys_.size() >= kMaxKeys) keys_.clear();
    keys_.emplace(Key(type, der), std::move(key));
  }

 private:
  static constexpr size_t kMaxKeys = 1024;
  static std::string Key(KeyType type, std::string_view der) {
    return std::string(1, type == KeyType::kEd25519 ? 'e' : 'r') + std::string(der);
  }
  std::mutex mu_;
  std::unordered_map<std::string, std::shared_ptr<const PublicKey>> keys_;
};

ParsedKeyCache& KeyCache() {
  static ParsedKeyCache cache;
  return cache;
}

}  // namespace

Result<std::shared_ptr<const PublicKey>> PublicKey::FromDnsBytes(KeyType type,
                                                                 std::string_view der) {
  if (auto cached = KeyCache().Find(type, der)) return cached;
  auto parsed = Parse(type, der);
  if (parsed.ok()) KeyCache().Add(type, der, *parsed);
  return parsed;
}

Result<std::shared_ptr<const PublicKey>> PublicKey::Parse(KeyType type, std::string_view der) {
  std::shared_ptr<PublicKey> key(new PublicKey());
  key->type_ = type;
  EVP_PKEY* pkey = nullptr;
  const auto* p = reinterpret_cast<const unsigned char*>(der.data());
  if (type == KeyType::kEd25519) {
    if (der.size() != 32) return Status::Invalid("ed25519 public key is not 32 bytes");
    pkey = EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, nullptr, p, der.size());
    if (pkey == nullptr) return Status::Invalid(OpenSslError("bad ed25519 public key"));
    key->bits_ = 256;
  } else {
    pkey = d2i_PUBKEY(nullptr, &p, static_cast<long>(der.size()));
    if (pkey == nullptr) {  // some publish the bare PKCS#1 RSAPublicKey
      ERR_clear_error();
      p = reinterpret_cast<const unsigned char*>(der.data());
      pkey = d2i_PublicKey(EVP_PKEY_RSA, nullptr, &p, static_cast<long>(der.size()));
    }
    if (pkey == nullptr) return Status::Invalid(OpenSslError("public key does not parse"));
    if (EVP_PKEY_base_id(pkey) != EVP_PKEY_RSA) {
      EVP_PKEY_free(pkey);
      return Status::Invalid("public key is not an RSA key");
    }
    key->bits_ = EVP_PKEY_get_bits(pkey);
  }
  key->pkey_ = pkey;
  return std::shared_ptr<const PublicKey>(std::move(key));
}

bool PublicKey::Verify(std::string_view data, std::string_view signature) const {
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  if (ctx == nullptr) return false;
  bool ok = false;
  const auto* sig = reinterpret_cast<const unsigned char*>(signature.data());
  if (type_ == KeyType::kEd25519) {
    std::string digest = Sha256(data);
    if (EVP_DigestVerifyInit(ctx, nullptr, nullptr, nullptr, AsPkey(pkey_)) == 1) {
      ok = EVP_DigestVerify(ctx, sig, signature.size(),
                            reinterpret_cast<const unsigned char*>(digest.data()),
                            digest.size()) == 1;
    }
  } else {
    if (EVP_DigestVerifyInit(ctx, nullptr, EVP_sha256(), nullptr, AsPkey(pkey_)) == 1) {
      ok = EVP_DigestVerify(ctx, sig, signature.size(),
                            reinterpret_cast<const unsigned char*>(data.data()), data.size()) == 1;
    }
  }
  EVP_MD_CTX_free(ctx);
  ERR_clear_error();
  return ok;
}

// ---- PrivateKey ----

PrivateKey::~PrivateKey() { EVP_PKEY_free(AsPkey(pkey_)); }

Result<std::shared_ptr<const PrivateKey>> PrivateKey::FromPem(std::string_view pem) {
  std::shared_ptr<PrivateKey> key(new PrivateKey());
  EVP_PKEY* pkey = nullptr;
  if (pem.find("-----BEGIN") != std::string_view::npos) {
    BIO* bio = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
    if (bio == nullptr) return Status::Permanent("out of memory");
    pkey = PEM_read_bio_PrivateKey(bio, nullptr, nullptr, nullptr);
    BIO_free(bio);
    if (pkey == nullptr) return Status::Invalid(OpenSslError("private key does not parse"));
  } else {
    auto seed = Base64Decode(pem);
    if (!seed || seed->size() != 32)
      return Status::Invalid("private key is neither PEM nor a base64 ed25519 seed");
    pkey = EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, nullptr,
                                        reinterpret_cast<const unsigned char*>(seed->data()), 32);
    if (pkey == nullptr) return Status::Invalid(OpenSslError("bad ed25519 seed"));
  }
  int id = EVP_PKEY_base_id(pkey);
  if (id == EVP_PKEY_RSA) {
    key->type_ = KeyType::kRsa;
  } else if (id == EVP_PKEY_ED25519) {
    key->type_ = KeyType::kEd25519;
  } else {
    EVP_PKEY_free(pkey);
    return Status::Invalid("private key is neither RSA nor Ed25519");
  }
  key->bits_ = EVP_PKEY_get_bits(pkey);
  key->pkey_ = pkey;
  return std::shared_ptr<const PrivateKey>(std::move(key));
}

Result<std::string> PrivateKey::Sign(std::string_view data) const {
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  if (ctx == nullptr) return Status::Permanent("out of memory");
  std::string digest;
  const EVP_MD* md = EVP_sha256();
  std::string_view input = data;
  if (type_ == KeyType::kEd25519) {
    digest = Sha256(data);
    input = digest;
    md = nullptr;
  }
  std::string sig;
  size_t len = 0;
  bool ok = EVP_DigestSignInit(ctx, nullptr, md, nullptr, AsPkey(pkey_)) == 1 &&
            EVP_DigestSign(ctx, nullptr, &len, reinterpret_cast<const unsigned char*>(input.data()),
                           input.size()) == 1;
  if (ok) {
    sig.resize(len);
    ok = EVP_DigestSign(ctx, reinterpret_cast<unsigned char*>(sig.data()), &len,
                        reinterpret_cast<const unsigned char*>(input.data()), input.size()) == 1;
    sig.resize(len);
  }
  EVP_MD_CTX_free(ctx);
  if (!ok) return Status::Permanent(OpenSslError("signing failed"));
  return sig;
}

std::string PrivateKey::PublicKeyBase64() const {
  if (type_ == KeyType::kEd25519) {
    unsigned char raw[32];
    size_t len = sizeof raw;
    if (EVP_PKEY_get_raw_public_key(AsPkey(pkey_), raw, &len) != 1) return {};
    return Base64Encode(std::string_view(reinterpret_cast<const char*>(raw), len));
  }
  unsigned char* der = nullptr;
  int len = i2d_PUBKEY(AsPkey(pkey_), &der);
  if (len <= 0) return {};
  std::string out = Base64Encode(std::string_view(reinterpret_cast<const char*>(der), len));
  OPENSSL_free(der);
  return out;
}

std::string PrivateKey::ToPem() const {
  BIO* bio = BIO_new(BIO_s_mem());
  if (bio == nullptr) return {};
  std::string out;
  if (PEM_write_bio_PrivateKey(bio, AsPkey(pkey_), nullptr, nullptr, 0, nullptr, nullptr) == 1) {
    char* data = nullptr;
    long len = BIO_get_mem_data(bio, &data);
    out.assign(data, static_cast<size_t>(len));
  }
  BIO_free(bio);
  return out;
}

Result<std::shared_ptr<const PrivateKey>> PrivateKey::Generate(KeyType type, int rsa_bits) {
  EVP_PKEY* pkey = type == KeyType::kEd25519
                       ? EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519")
                       : EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", static_cast<size_t>(rsa_bits));
  if (pkey == nullptr) return Status::Permanent(OpenSslError("key generation failed"));
  std::shared_ptr<PrivateKey> key(new PrivateKey());
  key->type_ = type;
  key->bits_ = EVP_PKEY_get_bits(pkey);
  key->pkey_ = pkey;
  return std::shared_ptr<const PrivateKey>(std::move(key));
}

}  // namespace postdesk::auth
