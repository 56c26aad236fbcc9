#include "auth/dkim.h"

#include <algorithm>
#include <map>
#include <set>

#include "auth/canon.h"
#include "auth/dkim_crypto.h"
#include "auth/dkim_internal.h"
#include "common/strings.h"

namespace postdesk::auth {

using internal::BodyHasher;
using internal::SigKind;
using internal::Signature;

const char* DkimStatusName(DkimStatus status) {
  switch (status) {
    case DkimStatus::kPass:
      return "pass";
    case DkimStatus::kFail:
      return "fail";
    case DkimStatus::kNeutral:
      return "neutral";
    case DkimStatus::kTempError:
      return "temperror";
    case DkimStatus::kPermError:
      return "permerror";
    case DkimStatus::kPolicy:
      return "policy";
  }
  return "permerror";
}

const char* DkimReasonName(DkimReason reason) {
  switch (reason) {
    case DkimReason::kNone:
      return "none";
    case DkimReason::kSignatureSyntax:
      return "signature syntax error";
    case DkimReason::kUnsupportedVersion:
      return "unsupported version";
    case DkimReason::kUnsupportedAlgorithm:
      return "unsupported algorithm";
    case DkimReason::kRsaSha1:
      return "rsa-sha1 not accepted";
    case DkimReason::kFromNotSigned:
      return "From not signed";
    case DkimReason::kIdentityMismatch:
      return "i= not within d=";
    case DkimReason::kUnsupportedQuery:
      return "unsupported query method";
    case DkimReason::kExpired:
      return "signature expired";
    case DkimReason::kBodyLengthExceeded:
      return "l= exceeds body length";
    case DkimReason::kKeyNotFound:
      return "key not found";
    case DkimReason::kDnsTempError:
      return "DNS temporary error";
    case DkimReason::kKeySyntax:
      return "key syntax error";
    case DkimReason::kKeyRevoked:
      return "key revoked";
    case DkimReason::kKeyTypeMismatch:
      return "key type mismatch";
    case DkimReason::kKeyHashNotAllowed:
      return "hash not allowed by key";
    case DkimReason::kKeyServiceType:
      return "key not for email";
    case DkimReason::kKeyStrictIdentity:
      return "key forbids subdomain identity";
    case DkimReason::kWeakKey:
      return "weak key";
    case DkimReason::kBodyHashMismatch:
      return "body hash mismatch";
    case DkimReason::kSignatureMismatch:
      return "signature mismatch";
    case DkimReason::kTooManySignatures:
      return "too many signatures";
  }
  return "unknown";
}

std::string DkimResult::AuthResultsItem() const {
  std::string out = "dkim=";
  out += DkimStatusName(status);
  std::vector<std::string> notes;
  if (key_bits > 0 && status == DkimStatus::kPass)
    notes.push_back(std::to_string(key_bits) + "-bit key");
  if (status != DkimStatus::kPass) notes.push_back(DkimReasonName(reason));
  if (body_length) notes.push_back("l=" + std::to_string(*body_length) + ", body partly unsigned");
  if (testing) notes.push_back("key in testing mode");
  if (!notes.empty()) {
    out += " (";
    for (size_t i = 0; i < notes.size(); ++i) out += (i ? "; " : "") + notes[i];
    out += ")";
  }
  if (!domain.empty()) out += " header.d=" + domain;
  if (!identity.empty()) out += " header.i=" + identity;
  if (!selector.empty()) out += " header.s=" + selector;
  if (!algorithm.empty()) out += " header.a=" + algorithm;
  if (!header_b.empty()) out += " header.b=" + header_b;
  return out;
}

boost::asio::awaitable<std::vector<DkimResult>> VerifyDkim(dns::Resolver& resolver,
                                                           std::string_view raw_message,
                                                           int64_t now) {
  ParsedMessage msg = ParseMessage(raw_message);
  BodyHasher body(msg.body);
  internal::KeyCache keys;
  std::vector<DkimResult> results;
  for (size_t idx = 0; idx < msg.headers.size(); ++idx) {
    if (!IEquals(msg.headers[idx].name, "DKIM-Signature")) continue;
    DkimResult r;
    Signature sig;
    bool parsed = internal::ParseSignature(SigKind::kDkim, msg.headers[idx].Value(), &sig, &r);
    if (results.size() >= kMaxDkimSignatures) {
      r.status = DkimStatus::kNeutral;
      r.reason = DkimReason::kTooManySignatures;
      r.detail = "not checked: more than " + std::to_string(kMaxDkimSignatures) + " signatures";
    } else if (parsed && sig.expiration && now > *sig.expiration) {
      r.status = DkimStatus::kFail;
      r.reason = DkimReason::kExpired;
      r.detail = "signature expired (x=" + std::to_string(*sig.expiration) + ")";
    } else if (parsed) {
      std::vector<size_t> candidates;
      candidates.reserve(msg.headers.size());
      for (size_t j = 0; j < msg.headers.size(); ++j) {
        if (j != idx) candidates.push_back(j);
      }
      co_await internal::CheckSignature(resolver, msg, candidates, msg.headers[idx].raw, sig, body,
                                        &r, &keys);
    }
    results.push_back(std::move(r));
  }
  co_return results;
}

const char* DkimAlgorithmName(DkimAlgorithm algorithm) {
  return algorithm == DkimAlgorithm::kRsaSha256 ? "rsa-sha256" : "ed25519-sha256";
}

const std::vector<std::string>& DefaultSignedHeaders() {
  static const std::vector<std::string> kHeaders = {
      "from",
      "reply-to",
      "subject",
      "date",
      "to",
      "cc",
      "message-id",
      "in-reply-to",
      "references",
      "mime-version",
      "content-type",
      "content-transfer-encoding",
      "list-unsubscribe",
      "list-unsubscribe-post",
  };
  return kHeaders;
}

namespace {

// Header fields whose extra copies would change what a reader sees; they get
// one more h= entry than they occur, so added copies break the signature.
bool Oversigned(const std::string& name) {
  static const std::set<std::string> kNames = {
      "from", "reply-to",   "subject",      "date",         "to",
      "cc",   "message-id", "mime-version", "content-type", "content-transfer-encoding"};
  return kNames.count(name) > 0;
}

// Appends `piece` to a folded header, starting a new line before it when
// the current line would pass 76 columns.
void AppendFolded(std::string* out, size_t* column, std::string_view piece, bool space_before) {
  if (*column + piece.size() + (space_before ? 1 : 0) > 76 && *column > 1) {
    *out += "\r\n\t";
    *column = 1;
  } else if (space_before) {
    *out += ' ';
    ++*column;
  }
  *out += piece;
  *column += piece.size();
}

}  // namespace

Result<std::string> SignDkim(std::string_view raw_message, const SigningKey& key,
                             const std::vector<std::string>& headers_to_sign, int64_t now) {
  std::string domain = ToLower(key.domain);
  if (!internal::IsValidDomain(domain))
    return Status::Invalid("signing domain is not a domain name");
  if (!internal::IsValidDomain(key.selector)) return Status::Invalid("selector is not valid");
  auto pkey = PrivateKey::FromPem(key.private_key_pem);
  if (!pkey.ok()) return pkey.status();
  KeyType want = key.algorithm == DkimAlgorithm::kRsaSha256 ? KeyType::kRsa : KeyType::kEd25519;
  if ((*pkey)->type() != want) {
    return Status::Invalid(std::string("private key does not match ") +
                           DkimAlgorithmName(key.algorithm));
  }
  if (want == KeyType::kRsa && (*pkey)->bits() < kMinRsaBits) {
    return Status::Invalid("RSA signing key is shorter than 1024 bits");
  }

  ParsedMessage msg = ParseMessage(raw_message);
  std::map<std::string, size_t> counts;
  for (const auto& h : msg.headers) ++counts[ToLower(h.name)];
  std::vector<std::string> wanted;
  for (const auto& n : headers_to_sign.empty() ? DefaultSignedHeaders() : headers_to_sign) {
    std::string name = ToLower(Trim(n));
    if (name.empty() || name.find(':') != std::string::npos) {
      return Status::Invalid("invalid header field name to sign: " + n);
    }
    if (std::find(wanted.begin(), wanted.end(), name) == wanted.end()) wanted.push_back(name);
  }
  if (std::find(wanted.begin(), wanted.end(), "from") == wanted.end())
    wanted.insert(wanted.begin(), "from");
  if (counts["from"] == 0) return Status::Invalid("message has no From header field");

  std::vector<std::string> names;
  for (const auto& name : wanted) {
    size_t present = counts.count(name) ? counts[name] : 0;
    size_t n = present + (Oversigned(name) ? 1 : 0);
    if (n == 0 && !headers_to_sign.empty()) n = 1;  // a requested absent field: sign its absence
    for (size_t i = 0; i < n; ++i) names.push_back(name);
  }

  BodyHasher body(msg.body);
  std::string bh = Base64Encode(*body.Hash(Canon::kRelaxed, std::nullopt));

  std::string header = "DKIM-Signature:";
  size_t column = header.size();
  for (std::string piece :
       {std::string("v=1;"), std::string("a=") + DkimAlgorithmName(key.algorithm) + ";",
        std::string("c=relaxed/relaxed;"), "d=" + domain + ";", "s=" + key.selector + ";",
        "t=" + std::to_string(now) + ";"}) {
    AppendFolded(&header, &column, piece, true);
  }
  AppendFolded(&header, &column, "h=", true);
  for (size_t i = 0; i < names.size(); ++i) {
    AppendFolded(&header, &column, names[i] + (i + 1 < names.size() ? ":" : ";"), false);
  }
  AppendFolded(&header, &column, "bh=" + bh + ";", true);
  AppendFolded(&header, &column, "b=", true);

  std::vector<size_t> candidates(msg.headers.size());
  for (size_t i = 0; i < candidates.size(); ++i) candidates[i] = i;
  std::string input =
      internal::HeaderHashInput(msg, candidates, names, Canon::kRelaxed, header + "\r\n");
  auto sig = (*pkey)->Sign(input);
  if (!sig.ok()) return sig.status();
  std::string b = Base64Encode(*sig);
  for (size_t pos = 0; pos < b.size();) {
    size_t room = column < 76 ? 76 - column : 0;
    if (room < 8) {
      header += "\r\n\t";
      column = 1;
      room = 75;
    }
    std::string_view chunk = std::string_view(b).substr(pos, room);
    header += chunk;
    column += chunk.size();
    pos += chunk.size();
  }
  header += "\r\n";
  return header;
}

Result<GeneratedKey> GenerateKey(DkimAlgorithm algorithm) {
  KeyType type = algorithm == DkimAlgorithm::kRsaSha256 ? KeyType::kRsa : KeyType::kEd25519;
  auto key = PrivateKey::Generate(type, 2048);
  if (!key.ok()) return key.status();
  GeneratedKey out;
  out.private_key_pem = (*key)->ToPem();
  out.dns_txt = std::string("v=DKIM1; k=") + (type == KeyType::kRsa ? "rsa" : "ed25519") +
                "; p=" + (*key)->PublicKeyBase64();
  if (out.private_key_pem.empty() || out.dns_txt.size() < 20) {
    return Status::Permanent("could not export the generated key");
  }
  return out;
}

}  // namespace postdesk::auth
