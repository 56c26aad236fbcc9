// dkim_internal: the pieces DKIM verification and ARC share -- the strict
// tag=value list parser (RFC 6376 section 3.2), signature tag parsing for
// DKIM-Signature and ARC-Message-Signature, key record parsing and lookup
// (section 3.6), b= removal and the header/body hash inputs. Not a public
// API: only dkim.cc, arc.cc and their tests include it.
//
// Input trust: everything parsed here is untrusted network input.
// Thread-safety: pure functions, plus coroutines that only use the resolver
// they are given.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "auth/canon.h"
#include "auth/dkim.h"
#include "auth/dkim_crypto.h"
#include "dns/resolver.h"

namespace postdesk::auth::internal {

// A parsed tag-list: names in order of appearance, values with surrounding
// whitespace removed (internal folding kept).
class TagList {
 public:
  // Fails on an empty tag-spec (";;"), a bad tag name, a forbidden character
  // in a value, or a duplicated tag.
  static std::optional<TagList> Parse(std::string_view text, std::string* error);
  const std::string* Find(std::string_view name) const;
  const std::vector<std::pair<std::string, std::string>>& tags() const { return tags_; }

 private:
  std::vector<std::pair<std::string, std::string>> tags_;
};

std::string RemoveWhitespace(std::string_view s);
bool IsValidDomain(std::string_view d);
bool ParseDecimal(std::string_view s, size_t max_digits, uint64_t* out);

enum class SigKind { kDkim, kArcMessage };

struct Signature {
  std::string algorithm;
  KeyType key_type = KeyType::kRsa;
  std::string b;   // decoded
  std::string bh;  // decoded
  Canon header_canon = Canon::kSimple;
  Canon body_canon = Canon::kSimple;
  std::string domain;
  std::vector<std::string> signed_headers;  // lower case, in h= order
  std::string identity;
  std::optional<uint64_t> length;
  std::string selector;
  std::optional<int64_t> timestamp;
  std::optional<int64_t> expiration;
  int instance = 0;  // AMS i=
};

// Parses a DKIM-Signature or ARC-Message-Signature value. On failure fills
// result->status/reason/detail; in all cases copies what it could read (d=,
// s=, a=, b= prefix) into `result` so even a broken signature is reported
// with its domain.
bool ParseSignature(SigKind kind, std::string_view value, Signature* sig, DkimResult* result);

struct KeyRecord {
  KeyType type = KeyType::kRsa;
  std::shared_ptr<const PublicKey> key;
  bool testing = false;  // t=y
  bool strict = false;   // t=s
};

struct KeyLookup {
  DkimStatus status = DkimStatus::kPass;  // kPass means `record` is usable
  DkimReason reason = DkimReason::kNone;
  std::string detail;
  KeyRecord record;
};

// Parses one key record text ("v=DKIM1; k=rsa; p=...").
KeyLookup ParseKeyRecord(std::string_view text);

// Keys already looked up during one message's verification, so a chain of
// ARC sets (or several signatures) sealed with one key costs one query.
using KeyCache = std::map<std::string, KeyLookup>;

// Looks up selector._domainkey.domain and parses the first usable record.
boost::asio::awaitable<KeyLookup> FetchKey(dns::Resolver& resolver, std::string selector,
                                           std::string domain, KeyCache* cache = nullptr);

// Returns the header field with the value of its b= tag emptied, as the
// signature hash needs it (RFC 6376 section 3.7).
std::string RemoveSignatureValue(std::string_view raw_field);

// The header hash input: for each name in `names` the next unused instance
// from the bottom among `candidates` (indexes into msg.headers), canonicalized;
// then the signature field itself without b= and without its final CRLF.
std::string HeaderHashInput(const ParsedMessage& msg, const std::vector<size_t>& candidates,
                            const std::vector<std::string>& names, Canon canon,
                            std::string_view signature_field);

// Computes body hashes, remembering them per (canonicalization, length) so
// several signatures over one body hash it once.
class BodyHasher {
 public:
  explicit BodyHasher(const std::string& body) : body_(body) {}
  // Returns nullopt when `length` is longer than the canonical body.
  std::optional<std::string> Hash(Canon canon, std::optional<uint64_t> length);

 private:
  const std::string& body_;
  std::map<Canon, std::string> canonical_;
  std::map<std::pair<Canon, uint64_t>, std::string> hashes_;
};

// Fetches the key and checks body hash and signature of an already parsed
// signature; fills `result`. Shared by DKIM and the ARC-Message-Signature.
boost::asio::awaitable<void> CheckSignature(dns::Resolver& resolver, const ParsedMessage& msg,
                                            const std::vector<size_t>& candidates,
                                            std::string_view signature_field, const Signature& sig,
                                            BodyHasher& body, DkimResult* result,
                                            KeyCache* cache = nullptr);

}  // namespace postdesk::auth::internal
