// dkim_crypto: the OpenSSL side of DKIM and ARC -- base64, SHA-256, public
// keys from DNS key records, private keys from PEM, RSA PKCS#1 v1.5 and
// Ed25519 signatures (RFC 6376, RFC 8463), and key generation.
//
// Input trust: signatures and public key bytes come from the network and are
// only ever handed to OpenSSL's parsers; private keys come from configuration.
// No OpenSSL error escapes as an exception or abort: every failure is a value.
// Thread-safety: pure functions; keys are immutable once built.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "common/status.h"

namespace postdesk::auth {

enum class KeyType { kRsa, kEd25519 };

// Standard base64. Decoding skips whitespace (FWS inside b= / bh= / p=) and
// refuses anything else outside the alphabet, and bad padding.
std::string Base64Encode(std::string_view bytes);
std::optional<std::string> Base64Decode(std::string_view text);

std::string Sha256(std::string_view data);  // 32 raw bytes

class PublicKey {
 public:
  // `der` is the decoded p= value: SubjectPublicKeyInfo or PKCS#1
  // RSAPublicKey for RSA, the raw 32-byte key for Ed25519.
  // Parsed keys are cached process-wide by their bytes (bounded).
  static Result<std::shared_ptr<const PublicKey>> FromDnsBytes(KeyType type, std::string_view der);
  ~PublicKey();

  KeyType type() const { return type_; }
  int bits() const { return bits_; }
  // Checks `signature` over `data` (the header hash input, not yet hashed):
  // RSA: PKCS#1 v1.5 with SHA-256; Ed25519: Ed25519 over SHA-256(data).
  bool Verify(std::string_view data, std::string_view signature) const;

 private:
  PublicKey() = default;
  static Result<std::shared_ptr<const PublicKey>> Parse(KeyType type, std::string_view der);
  KeyType type_ = KeyType::kRsa;
  int bits_ = 0;
  void* pkey_ = nullptr;  // EVP_PKEY*
};

class PrivateKey {
 public:
  // PEM: PKCS#8 or traditional RSA. For Ed25519 also accepts the 32-byte seed
  // in base64 (the form dkimpy's tools use).
  static Result<std::shared_ptr<const PrivateKey>> FromPem(std::string_view pem);
  ~PrivateKey();

  KeyType type() const { return type_; }
  int bits() const { return bits_; }
  Result<std::string> Sign(std::string_view data) const;
  // The p= value for the key record (base64 of SPKI DER, or of the raw Ed25519 key).
  std::string PublicKeyBase64() const;
  std::string ToPem() const;

  static Result<std::shared_ptr<const PrivateKey>> Generate(KeyType type, int rsa_bits = 2048);

 private:
  PrivateKey() = default;
  KeyType type_ = KeyType::kRsa;
  int bits_ = 0;
  void* pkey_ = nullptr;  // EVP_PKEY*
};

}  // namespace postdesk::auth
