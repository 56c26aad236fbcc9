#include "auth/dkim_internal.h"

#include <limits>

#include "common/strings.h"

namespace postdesk::auth::internal {
namespace {

bool IsFws(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }
bool IsAlpha(char c) { return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z'); }
bool IsDigit(char c) { return c >= '0' && c <= '9'; }

std::string_view TrimFws(std::string_view s) {
  while (!s.empty() && IsFws(s.front())) s.remove_prefix(1);
  while (!s.empty() && IsFws(s.back())) s.remove_suffix(1);
  return s;
}

bool IsValidTagName(std::string_view name) {
  if (name.empty() || !IsAlpha(name[0])) return false;
  for (char c : name) {
    if (!IsAlpha(c) && !IsDigit(c) && c != '_') return false;
  }
  return true;
}

// tag-value: VALCHAR (%x21-3A / %x3C-7E) with folding whitespace between
// runs; bytes over 0x7F are let through for internationalized identities.
bool IsValidTagValue(std::string_view v) {
  for (size_t i = 0; i < v.size(); ++i) {
    auto c = static_cast<unsigned char>(v[i]);
    if (c == ' ' || c == '\t' || c >= 0x80) continue;
    if (c == '\r') {
      if (i + 2 >= v.size() || v[i + 1] != '\n' || (v[i + 2] != ' ' && v[i + 2] != '\t'))
        return false;
      ++i;
      continue;
    }
    if (c < 0x21 || c == 0x3B || c > 0x7E) return false;
  }
  return true;
}

// Splits a colon-separated list (h=, q=, key h=/s=/t=), trimming each item.
std::vector<std::string> SplitColonList(std::string_view s) {
  std::vector<std::string> out;
  size_t start = 0;
  while (true) {
    size_t colon = s.find(':', start);
    std::string_view item =
        s.substr(start, colon == std::string_view::npos ? std::string_view::npos : colon - start);
    out.emplace_back(TrimFws(item));
    if (colon == std::string_view::npos) break;
    start = colon + 1;
  }
  return out;
}

void Fail(DkimResult* r, DkimStatus status, DkimReason reason, std::string detail) {
  r->status = status;
  r->reason = reason;
  r->detail = std::move(detail);
}

}  // namespace

std::optional<TagList> TagList::Parse(std::string_view text, std::string* error) {
  TagList list;
  size_t start = 0;
  while (start <= text.size()) {
    size_t semi = text.find(';', start);
    bool last = semi == std::string_view::npos;
    std::string_view spec = text.substr(start, last ? std::string_view::npos : semi - start);
    start = last ? text.size() + 1 : semi + 1;
    if (TrimFws(spec).empty()) {
      if (last) break;  // a trailing ';' is allowed
      *error = "empty tag (two semicolons in a row)";
      return std::nullopt;
    }
    size_t eq = spec.find('=');
    if (eq == std::string_view::npos) {
      *error = "tag without '=': " + std::string(TrimFws(spec).substr(0, 40));
      return std::nullopt;
    }
    std::string_view name = TrimFws(spec.substr(0, eq));
    std::string_view value = TrimFws(spec.substr(eq + 1));
    if (!IsValidTagName(name)) {
      *error = "invalid tag name '" + std::string(name.substr(0, 40)) + "'";
      return std::nullopt;
    }
    if (!IsValidTagValue(value)) {
      *error = "invalid character in the value of tag " + std::string(name);
      return std::nullopt;
    }
    if (list.Find(name) != nullptr) {
      *error = "tag " + std::string(name) + "= appears twice";
      return std::nullopt;
    }
    list.tags_.emplace_back(std::string(name), std::string(value));
  }
  return list;
}

const std::string* TagList::Find(std::string_view name) const {
  for (const auto& [k, v] : tags_) {
    if (k == name) return &v;
  }
  return nullptr;
}

std::string RemoveWhitespace(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (char c : s) {
    if (!IsFws(c)) out.push_back(c);
  }
  return out;
}

bool IsValidDomain(std::string_view d) {
  if (d.empty() || d.size() > 253) return false;
  size_t label = 0;
  for (size_t i = 0; i <= d.size(); ++i) {
    if (i == d.size() || d[i] == '.') {
      if (label == 0 || label > 63) return false;
      if (d[i - 1] == '-') return false;
      label = 0;
      continue;
    }
    char c = d[i];
    if (!IsAlpha(c) && !IsDigit(c) && c != '-' && c != '_') return false;
    if (label == 0 && c == '-') return false;
    ++label;
  }
  return true;
}

bool ParseDecimal(std::string_view s, size_t max_digits, uint64_t* out) {
  if (s.empty() || s.size() > max_digits) return false;
  uint64_t v = 0;
  for (char c : s) {
    if (!IsDigit(c)) return false;
    v = v * 10 + static_cast<uint64_t>(c - '0');
  }
  *out = v;
  return true;
}

bool ParseSignature(SigKind kind, std::string_view value, Signature* sig, DkimResult* result) {
  const char* what = kind == SigKind::kDkim ? "DKIM-Signature" : "ARC-Message-Signature";
  std::string error;
  auto tags = TagList::Parse(value, &error);
  if (!tags) {
    Fail(result, DkimStatus::kPermError, DkimReason::kSignatureSyntax,
         std::string(what) + " does not parse: " + error);
    return false;
  }
  // Copy what identifies the signature first, so even a broken one is reported with it.
  if (const auto* d = tags->Find("d")) result->domain = ToLower(*d);
  if (const auto* s = tags->Find("s")) result->selector = *s;
  if (const auto* a = tags->Find("a")) result->algorithm = *a;
  if (const auto* b = tags->Find("b")) result->header_b = RemoveWhitespace(*b).substr(0, 8);

  auto syntax = [&](std::string detail) {
    Fail(result, DkimStatus::kPermError, DkimReason::kSignatureSyntax,
         std::string(what) + ": " + detail);
    return false;
  };
  const char* required_dkim[] = {"v", "a", "b", "bh", "d", "h", "s"};
  const char* required_ams[] = {"i", "a", "b", "bh", "d", "h", "s"};
  for (const char* tag : kind == SigKind::kDkim ? required_dkim : required_ams) {
    if (tags->Find(tag) == nullptr)
      return syntax(std::string("required tag ") + tag + "= is missing");
  }
  if (kind == SigKind::kDkim && *tags->Find("v") != "1") {
    Fail(result, DkimStatus::kPermError, DkimReason::kUnsupportedVersion,
         "DKIM-Signature v=" + *tags->Find("v") + " is not version 1");
    return false;
  }
  if (kind == SigKind::kArcMessage) {
    uint64_t inst = 0;
    if (!ParseDecimal(*tags->Find("i"), 2, &inst) || inst < 1 || inst > 50) {
      return syntax("i= must be an instance number from 1 to 50");
    }
    sig->instance = static_cast<int>(inst);
  }

  sig->algorithm = *tags->Find("a");
  if (sig->algorithm == "rsa-sha256") {
    sig->key_type = KeyType::kRsa;
  } else if (sig->algorithm == "ed25519-sha256") {
    sig->key_type = KeyType::kEd25519;
  } else if (sig->algorithm == "rsa-sha1") {
    Fail(result, DkimStatus::kPolicy, DkimReason::kRsaSha1,
         "rsa-sha1 signatures are not accepted (RFC 8301)");
    return false;
  } else {
    Fail(result, DkimStatus::kPermError, DkimReason::kUnsupportedAlgorithm,
         "unsupported signing algorithm a=" + sig->algorithm.substr(0, 40));
    return false;
  }

  auto b = Base64Decode(*tags->Find("b"));
  if (!b || b->empty()) return syntax("b= is empty or not base64");
  sig->b = std::move(*b);
  auto bh = Base64Decode(*tags->Find("bh"));
  if (!bh || bh->empty()) return syntax("bh= is empty or not base64");
  sig->bh = std::move(*bh);

  if (const auto* c = tags->Find("c")) {
    std::string_view cv = *c;
    size_t slash = cv.find('/');
    std::string_view head = cv.substr(0, slash);
    std::string_view body = slash == std::string_view::npos ? "simple" : cv.substr(slash + 1);
    if (!ParseCanon(head, &sig->header_canon) || !ParseCanon(body, &sig->body_canon)) {
      return syntax("unknown canonicalization c=" + std::string(cv.substr(0, 40)));
    }
  }

  sig->domain = ToLower(*tags->Find("d"));
  if (!IsValidDomain(sig->domain)) return syntax("d= is not a domain name");
  sig->selector = *tags->Find("s");
  if (!IsValidDomain(sig->selector)) return syntax("s= is not a valid selector");

  sig->signed_headers.clear();
  for (auto& name : SplitColonList(*tags->Find("h"))) {
    if (name.empty()) return syntax("h= has an empty header field name");
    sig->signed_headers.push_back(ToLower(name));
  }
  bool from_signed = false;
  for (const auto& name : sig->signed_headers) from_signed |= name == "from";

  if (kind == SigKind::kDkim) {
    if (!from_signed) {
      Fail(result, DkimStatus::kPermError, DkimReason::kFromNotSigned,
           "h= does not include the From header field");
      return false;
    }
    sig->identity = "@" + sig->domain;
    if (const auto* i = tags->Find("i")) {
      size_t at = i->rfind('@');
      if (at == std::string::npos) return syntax("i= has no '@'");
      std::string idomain = ToLower(std::string_view(*i).substr(at + 1));
      bool within =
          idomain == sig->domain || (idomain.size() > sig->domain.size() &&
                                     idomain.compare(idomain.size() - sig->domain.size(),
                                                     std::string::npos, sig->domain) == 0 &&
                                     idomain[idomain.size() - sig->domain.size() - 1] == '.');
      if (!within) {
        result->identity = *i;
        Fail(result, DkimStatus::kPermError, DkimReason::kIdentityMismatch,
             "i= domain " + idomain + " is not d= " + sig->domain + " or a subdomain of it");
        return false;
      }
      sig->identity = *i;
    }
    result->identity = sig->identity;
    if (const auto* q = tags->Find("q")) {
      bool dns = false;
      for (const auto& method : SplitColonList(*q)) dns |= method == "dns/txt";
      if (!dns) {
        Fail(result, DkimStatus::kPermError, DkimReason::kUnsupportedQuery,
             "q= does not offer dns/txt");
        return false;
      }
    }
  }

  if (const auto* l = tags->Find("l")) {
    uint64_t len = 0;
    if (!ParseDecimal(*l, 18, &len)) return syntax("l= is not a number");
    sig->length = len;
    result->body_length = len;
  }
  uint64_t t = 0;
  if (const auto* ts = tags->Find("t")) {
    if (!ParseDecimal(*ts, 12, &t)) return syntax("t= is not a timestamp");
    sig->timestamp = static_cast<int64_t>(t);
    result->timestamp = sig->timestamp;
  }
  if (const auto* xs = tags->Find("x")) {
    uint64_t x = 0;
    if (!ParseDecimal(*xs, 12, &x)) return syntax("x= is not a timestamp");
    if (sig->timestamp && x < t) return syntax("x= is earlier than t=");
    sig->expiration = static_cast<int64_t>(x);
    result->expiration = sig->expiration;
  }
  return true;
}

static boost::asio::awaitable<KeyLookup> FetchKeyUncached(dns::Resolver& resolver,
                                                          std::string name);

KeyLookup ParseKeyRecord(std::string_view text) {
  KeyLookup out;
  auto fail = [&](DkimReason reason, std::string detail) {
    out.status = DkimStatus::kPermError;
    out.reason = reason;
    out.detail = std::move(detail);
    return out;
  };
  std::string error;
  auto tags = TagList::Parse(text, &error);
  if (!tags) return fail(DkimReason::kKeySyntax, "key record does not parse: " + error);
  if (const auto* v = tags->Find("v")) {
    if (tags->tags().front().first != "v" || *v != "DKIM1") {
      return fail(DkimReason::kKeySyntax, "key record v= is not DKIM1 as its first tag");
    }
  }
  if (const auto* k = tags->Find("k")) {
    if (*k == "rsa") {
      out.record.type = KeyType::kRsa;
    } else if (*k == "ed25519") {
      out.record.type = KeyType::kEd25519;
    } else {
      return fail(DkimReason::kKeySyntax, "key record has unknown key type k=" + k->substr(0, 40));
    }
  }
  if (const auto* h = tags->Find("h")) {
    bool sha256 = false;
    for (const auto& alg : SplitColonList(*h)) sha256 |= alg == "sha256";
    if (!sha256) return fail(DkimReason::kKeyHashNotAllowed, "key record h= does not allow sha256");
  }
  if (const auto* s = tags->Find("s")) {
    bool email = false;
    for (const auto& svc : SplitColonList(*s)) email |= svc == "*" || svc == "email";
    if (!email) return fail(DkimReason::kKeyServiceType, "key record s= is not for email");
  }
  if (const auto* t = tags->Find("t")) {
    for (const auto& flag : SplitColonList(*t)) {
      if (flag == "y") out.record.testing = true;
      if (flag == "s") out.record.strict = true;
    }
  }
  const auto* p = tags->Find("p");
  if (p == nullptr) return fail(DkimReason::kKeySyntax, "key record has no p=");
  std::string p64 = RemoveWhitespace(*p);
  if (p64.empty()) return fail(DkimReason::kKeyRevoked, "key has been revoked (empty p=)");
  auto der = Base64Decode(p64);
  if (!der) return fail(DkimReason::kKeySyntax, "key record p= is not base64");
  auto key = PublicKey::FromDnsBytes(out.record.type, *der);
  if (!key.ok()) return fail(DkimReason::kKeySyntax, "key record p=: " + key.status().message());
  out.record.key = *key;
  return out;
}

boost::asio::awaitable<KeyLookup> FetchKey(dns::Resolver& resolver, std::string selector,
                                           std::string domain, KeyCache* cache) {
  std::string name = ToLower(selector + "._domainkey." + domain);
  if (cache != nullptr) {
    auto hit = cache->find(name);
    if (hit != cache->end()) co_return hit->second;
  }
  KeyLookup found = co_await FetchKeyUncached(resolver, name);
  if (cache != nullptr) cache->emplace(name, found);
  co_return found;
}

static boost::asio::awaitable<KeyLookup> FetchKeyUncached(dns::Resolver& resolver,
                                                          std::string name) {
  dns::Answer answer = co_await resolver.Query(name, dns::RrType::kTXT);
  KeyLookup out;
  if (answer.temperror()) {
    out.status = DkimStatus::kTempError;
    out.reason = DkimReason::kDnsTempError;
    out.detail = "DNS lookup of " + name + " failed: " + answer.error;
    co_return out;
  }
  if (!answer.ok() || answer.records.empty()) {
    out.status = DkimStatus::kPermError;
    out.reason = DkimReason::kKeyNotFound;
    out.detail = "no key record at " + name;
    co_return out;
  }
  std::optional<KeyLookup> first;
  for (const auto& record : answer.records) {
    KeyLookup parsed = ParseKeyRecord(record);
    if (parsed.status == DkimStatus::kPass) co_return parsed;
    if (!first) first = std::move(parsed);
  }
  first->detail += " (" + name + ")";
  co_return *first;
}

std::string RemoveSignatureValue(std::string_view raw_field) {
  std::string out(raw_field);
  size_t colon = out.find(':');
  if (colon == std::string::npos) return out;
  size_t start = colon + 1;
  while (start < out.size()) {
    size_t semi = out.find(';', start);
    size_t end = semi == std::string::npos ? out.size() : semi;
    size_t eq = out.find('=', start);
    if (eq != std::string::npos && eq < end &&
        TrimFws(std::string_view(out).substr(start, eq - start)) == "b") {
      // Keep the final CRLF of the field when b= is the last tag.
      size_t erase_end = end;
      if (semi == std::string::npos && out.size() >= 2 &&
          out.compare(out.size() - 2, 2, "\r\n") == 0 && erase_end - 2 > eq) {
        erase_end -= 2;
      }
      out.erase(eq + 1, erase_end - (eq + 1));
      return out;
    }
    start = end + 1;
  }
  return out;
}

std::string HeaderHashInput(const ParsedMessage& msg, const std::vector<size_t>& candidates,
                            const std::vector<std::string>& names, Canon canon,
                            std::string_view signature_field) {
  // Bottom-up instances of each name among the candidates.
  std::map<std::string, std::vector<size_t>> instances;
  for (const auto& name : names) instances.emplace(name, std::vector<size_t>());
  for (auto it = candidates.rbegin(); it != candidates.rend(); ++it) {
    auto found = instances.find(ToLower(msg.headers[*it].name));
    if (found != instances.end()) found->second.push_back(*it);
  }
  std::map<std::string, size_t> used;
  std::string out;
  for (const auto& name : names) {
    size_t n = used[name]++;
    const auto& list = instances[name];
    if (n < list.size()) out += CanonicalizeHeader(canon, msg.headers[list[n]].raw);
  }
  std::string self = CanonicalizeHeader(canon, RemoveSignatureValue(signature_field));
  if (self.size() >= 2) self.resize(self.size() - 2);  // the signature field has no final CRLF
  out += self;
  return out;
}

std::optional<std::string> BodyHasher::Hash(Canon canon, std::optional<uint64_t> length) {
  auto it = canonical_.find(canon);
  if (it == canonical_.end()) it = canonical_.emplace(canon, CanonicalizeBody(canon, body_)).first;
  const std::string& text = it->second;
  uint64_t n = length.value_or(std::numeric_limits<uint64_t>::max());
  if (length && *length > text.size()) return std::nullopt;
  auto key = std::make_pair(canon, n);
  auto h = hashes_.find(key);
  if (h == hashes_.end()) {
    std::string_view covered = text;
    if (length) covered = covered.substr(0, *length);
    h = hashes_.emplace(key, Sha256(covered)).first;
  }
  return h->second;
}

boost::asio::awaitable<void> CheckSignature(dns::Resolver& resolver, const ParsedMessage& msg,
                                            const std::vector<size_t>& candidates,
                                            std::string_view signature_field, const Signature& sig,
                                            BodyHasher& body, DkimResult* result, KeyCache* cache) {
  KeyLookup key = co_await FetchKey(resolver, sig.selector, sig.domain, cache);
  if (key.status != DkimStatus::kPass) {
    Fail(result, key.status, key.reason, std::move(key.detail));
    co_return;
  }
  result->testing = key.record.testing;
  result->key_bits = key.record.key->bits();
  if (key.record.type != sig.key_type) {
    Fail(result, DkimStatus::kPermError, DkimReason::kKeyTypeMismatch,
         "a=" + sig.algorithm + " but the key record holds a " +
             (key.record.type == KeyType::kRsa ? "rsa" : "ed25519") + " key");
    co_return;
  }
  if (key.record.strict && !sig.identity.empty()) {
    std::string idomain =
        ToLower(std::string_view(sig.identity).substr(sig.identity.rfind('@') + 1));
    if (idomain != sig.domain) {
      Fail(result, DkimStatus::kPermError, DkimReason::kKeyStrictIdentity,
           "key record t=s forbids i= subdomain " + idomain);
      co_return;
    }
  }
  if (key.record.type == KeyType::kRsa && result->key_bits < kMinRsaBits) {
    Fail(result, DkimStatus::kPolicy, DkimReason::kWeakKey,
         std::to_string(result->key_bits) + "-bit RSA key is too short (RFC 8301 requires 1024)");
    co_return;
  }
  auto bh = body.Hash(sig.body_canon, sig.length);
  if (!bh) {
    Fail(result, DkimStatus::kFail, DkimReason::kBodyLengthExceeded,
         "l=" + std::to_string(*sig.length) + " is longer than the body");
    co_return;
  }
  if (*bh != sig.bh) {
    Fail(result, DkimStatus::kFail, DkimReason::kBodyHashMismatch,
         "body hash mismatch: the body was changed after signing");
    co_return;
  }
  std::string input =
      HeaderHashInput(msg, candidates, sig.signed_headers, sig.header_canon, signature_field);
  if (!key.record.key->Verify(input, sig.b)) {
    Fail(result, DkimStatus::kFail, DkimReason::kSignatureMismatch,
         "signature does not verify: signed header fields changed, or the key does not match");
    co_return;
  }
  result->status = DkimStatus::kPass;
  result->reason = DkimReason::kNone;
  result->detail.clear();
}

}  // namespace postdesk::auth::internal
