// dkim: DKIM signature verification (RFC 6376 with RFC 8301's algorithm and
// key-size rules and RFC 8463's Ed25519), DKIM signing, and key generation.
//
// Verification gives one DkimResult per DKIM-Signature header field, in the
// order they appear, each with a status that maps onto Authentication-Results
// (pass / fail / neutral / temperror / permerror / policy) and a reason
// precise enough for a person to act on (the doctor and the suspended-ticket
// view show it).
//
// Input trust: the message and every DNS answer are untrusted network input;
// they are parsed strictly and bounded (at most kMaxDkimSignatures signatures
// are checked, later ones get "neutral"). Signing keys are trusted
// configuration. Time comes in as a parameter so expiry is testable.
// Thread-safety: free functions without shared state; the coroutines run on
// whatever executor awaits them and use only the resolver they are given.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "dns/resolver.h"

namespace postdesk::auth {

inline constexpr size_t kMaxDkimSignatures = 16;
inline constexpr int kMinRsaBits = 1024;  // RFC 8301 section 3.2

// Authentication-Results values of RFC 8601 section 2.7.1.
enum class DkimStatus { kPass, kFail, kNeutral, kTempError, kPermError, kPolicy };

enum class DkimReason {
  kNone,                  // pass
  kSignatureSyntax,       // permerror: a tag is missing, duplicated or malformed
  kUnsupportedVersion,    // permerror: v= is not 1
  kUnsupportedAlgorithm,  // permerror: a= names an algorithm we do not know
  kRsaSha1,               // policy: rsa-sha1 is no longer acceptable (RFC 8301)
  kFromNotSigned,         // permerror: h= does not include From
  kIdentityMismatch,      // permerror: i= is not within d=
  kUnsupportedQuery,      // permerror: q= does not offer dns/txt
  kExpired,               // fail: x= is in the past
  kBodyLengthExceeded,    // fail: l= is longer than the body
  kKeyNotFound,           // permerror: no key record at selector._domainkey.domain
  kDnsTempError,          // temperror: the key lookup failed; try again later
  kKeySyntax,             // permerror: the key record does not parse
  kKeyRevoked,            // permerror: the key record has an empty p=
  kKeyTypeMismatch,       // permerror: k= does not match a=
  kKeyHashNotAllowed,     // permerror: key h= excludes sha256
  kKeyServiceType,        // permerror: key s= excludes email
  kKeyStrictIdentity,     // permerror: key t=s, but i= is a subdomain of d=
  kWeakKey,               // policy: RSA key under 1024 bits (RFC 8301)
  kBodyHashMismatch,      // fail: the body changed after signing
  kSignatureMismatch,     // fail: the signed header fields changed, or wrong key
  kTooManySignatures,     // neutral: not checked, over kMaxDkimSignatures
};

const char* DkimStatusName(DkimStatus status);  // "pass", "fail", ...
const char* DkimReasonName(DkimReason reason);  // "body hash mismatch", ...

struct DkimResult {
  DkimStatus status = DkimStatus::kPermError;
  DkimReason reason = DkimReason::kSignatureSyntax;
  std::string detail;     // a sentence for people; empty on pass
  std::string domain;     // d=
  std::string selector;   // s=
  std::string algorithm;  // a= as written
  std::string identity;   // i=, or "@" + d= when absent
  std::string header_b;   // first 8 characters of b= (RFC 6008 header.b)
  int key_bits = 0;       // when a key was found
  bool testing = false;   // the key record says t=y: the domain is testing DKIM
  // Set when the signature has l=: only this many body octets are covered and
  // anything appended after them is unsigned. Reported, never silently passed.
  std::optional<uint64_t> body_length;
  std::optional<int64_t> timestamp;   // t=
  std::optional<int64_t> expiration;  // x=

  bool pass() const { return status == DkimStatus::kPass; }
  // One Authentication-Results resinfo, e.g.
  // "dkim=pass (2048-bit key) header.d=example.com header.s=sel header.b=AbCdEfGh".
  std::string AuthResultsItem() const;
};

// Verifies every DKIM-Signature of `raw_message` (CRLF or LF line ends).
// `now` is Unix seconds, used for x=. `raw_message` must stay alive until the
// returned awaitable completes. A message without signatures gives an empty
// vector (Authentication-Results "dkim=none").
boost::asio::awaitable<std::vector<DkimResult>> VerifyDkim(dns::Resolver& resolver,
                                                           std::string_view raw_message,
                                                           int64_t now);

enum class DkimAlgorithm { kRsaSha256, kEd25519Sha256 };
const char* DkimAlgorithmName(DkimAlgorithm algorithm);  // "rsa-sha256", "ed25519-sha256"

struct SigningKey {
  std::string domain;    // d=
  std::string selector;  // s=
  DkimAlgorithm algorithm = DkimAlgorithm::kRsaSha256;
  std::string private_key_pem;  // PKCS#8 or traditional PEM (Ed25519 also as a base64 seed)
};

// The header fields signed when the caller does not name any. From, Subject,
// To, Cc, Reply-To, Date, Message-ID, MIME-Version and Content-Type are also
// oversigned (listed once more than they occur), so nobody can add another
// instance later without breaking the signature.
const std::vector<std::string>& DefaultSignedHeaders();

// Signs `raw_message` (CRLF or LF line ends) with relaxed/relaxed
// canonicalization and returns the complete "DKIM-Signature: ..." header
// field, folded, ending in CRLF, to be prepended to the message as is.
// `headers_to_sign` empty means DefaultSignedHeaders(); From is always signed.
Result<std::string> SignDkim(std::string_view raw_message, const SigningKey& key,
                             const std::vector<std::string>& headers_to_sign, int64_t now);

struct GeneratedKey {
  std::string private_key_pem;
  std::string dns_txt;  // "v=DKIM1; k=rsa; p=..." for selector._domainkey.domain
};

// RSA keys are 2048 bits; Ed25519 keys publish the raw 32-byte public key (RFC 8463).
Result<GeneratedKey> GenerateKey(DkimAlgorithm algorithm);

}  // namespace postdesk::auth
