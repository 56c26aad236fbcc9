#include "auth/arc.h"

#include <map>
#include <optional>

#include "auth/canon.h"
#include "auth/dkim_crypto.h"
#include "auth/dkim_internal.h"
#include "common/strings.h"

namespace postdesk::auth {

using internal::BodyHasher;
using internal::SigKind;
using internal::Signature;
using internal::TagList;

namespace {

constexpr int kMaxArcSets = 50;

enum class ArcField { kResults, kMessage, kSeal };

const char* FieldName(ArcField f) {
  switch (f) {
    case ArcField::kResults:
      return "ARC-Authentication-Results";
    case ArcField::kMessage:
      return "ARC-Message-Signature";
    case ArcField::kSeal:
      return "ARC-Seal";
  }
  return "";
}

bool IsFws(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

// Reads "i=N;" at the start of an ARC-Authentication-Results value; returns
// the instance (0 when malformed) and leaves the rest in *rest.
int ParseAarInstance(std::string_view v, std::string_view* rest) {
  size_t p = 0;
  auto skip = [&] {
    while (p < v.size() && IsFws(v[p])) ++p;
  };
  skip();
  if (p >= v.size() || v[p] != 'i') return 0;
  ++p;
  skip();
  if (p >= v.size() || v[p] != '=') return 0;
  ++p;
  skip();
  size_t start = p;
  while (p < v.size() && v[p] >= '0' && v[p] <= '9') ++p;
  uint64_t n = 0;
  if (!internal::ParseDecimal(v.substr(start, p - start), 2, &n)) return 0;
  skip();
  if (p >= v.size() || v[p] != ';') return 0;
  *rest = v.substr(p + 1);
  return (n >= 1 && n <= kMaxArcSets) ? static_cast<int>(n) : 0;
}

int ParseTagInstance(std::string_view value, std::optional<TagList>* tags, std::string* error) {
  *tags = TagList::Parse(value, error);
  if (!*tags) return 0;
  const std::string* i = (*tags)->Find("i");
  uint64_t n = 0;
  if (i == nullptr) {
    *error = "no i= tag";
    return 0;
  }
  if (!internal::ParseDecimal(*i, 2, &n) || n < 1 || n > kMaxArcSets) {
    *error = "i= is not an instance number from 1 to 50";
    return 0;
  }
  return static_cast<int>(n);
}

struct SetIndexes {
  std::optional<size_t> field[3];  // by ArcField
};

struct SealCheck {
  bool ok = false;
  std::string detail;
};

// Checks the ARC-Seal of instance `i`: its tags, its key, and its signature
// over every ARC set from 1 to i.
boost::asio::awaitable<SealCheck> CheckSeal(dns::Resolver& resolver, const ParsedMessage& msg,
                                            const std::vector<SetIndexes>& sets, int i,
                                            ArcSetInfo* info, internal::KeyCache* keys) {
  SealCheck out;
  const HeaderField& field = msg.headers[*sets[i].field[static_cast<int>(ArcField::kSeal)]];
  std::string error;
  auto tags = TagList::Parse(field.Value(), &error);
  if (!tags) {
    out.detail = "ARC-Seal does not parse: " + error;
    co_return out;
  }
  for (const char* tag : {"i", "a", "b", "cv", "d", "s"}) {
    if (tags->Find(tag) == nullptr) {
      out.detail = std::string("ARC-Seal has no ") + tag + "= tag";
      co_return out;
    }
  }
  if (tags->Find("h") != nullptr) {
    out.detail = "ARC-Seal must not have an h= tag";
    co_return out;
  }
  const std::string& a = *tags->Find("a");
  KeyType type;
  if (a == "rsa-sha256") {
    type = KeyType::kRsa;
  } else if (a == "ed25519-sha256") {
    type = KeyType::kEd25519;
  } else {
    out.detail = "ARC-Seal algorithm a=" + a.substr(0, 40) + " is not accepted";
    co_return out;
  }
  auto b = Base64Decode(*tags->Find("b"));
  if (!b || b->empty()) {
    out.detail = "ARC-Seal b= is empty or not base64";
    co_return out;
  }
  std::string domain = ToLower(*tags->Find("d"));
  const std::string& selector = *tags->Find("s");
  if (!internal::IsValidDomain(domain) || !internal::IsValidDomain(selector)) {
    out.detail = "ARC-Seal d= or s= is not a valid name";
    co_return out;
  }
  if (const auto* t = tags->Find("t")) {
    uint64_t ts = 0;
    if (!internal::ParseDecimal(*t, 12, &ts)) {
      out.detail = "ARC-Seal t= is not a timestamp";
      co_return out;
    }
  }
  internal::KeyLookup key = co_await internal::FetchKey(resolver, selector, domain, keys);
  if (key.status != DkimStatus::kPass) {
    out.detail = "ARC-Seal key: " + key.detail;
    co_return out;
  }
  if (key.record.type != type) {
    out.detail = "ARC-Seal a= does not match the key type";
    co_return out;
  }
  if (type == KeyType::kRsa && key.record.key->bits() < kMinRsaBits) {
    out.detail = "ARC-Seal key is " + std::to_string(key.record.key->bits()) +
                 " bits, under the 1024 minimum";
    co_return out;
  }
  std::string input;
  for (int j = 1; j <= i; ++j) {
    for (ArcField f : {ArcField::kResults, ArcField::kMessage, ArcField::kSeal}) {
      const HeaderField& h = msg.headers[*sets[j].field[static_cast<int>(f)]];
      if (j == i && f == ArcField::kSeal) {
        std::string self =
            CanonicalizeHeader(Canon::kRelaxed, internal::RemoveSignatureValue(h.raw));
        self.resize(self.size() - 2);
        input += self;
      } else {
        input += CanonicalizeHeader(Canon::kRelaxed, h.raw);
      }
    }
  }
  if (!key.record.key->Verify(input, *b)) {
    out.detail = "ARC-Seal signature does not verify";
    co_return out;
  }
  info->seal_valid = true;
  out.ok = true;
  co_return out;
}

}  // namespace

const char* ArcStatusName(ArcStatus status) {
  switch (status) {
    case ArcStatus::kNone:
      return "none";
    case ArcStatus::kPass:
      return "pass";
    case ArcStatus::kFail:
      return "fail";
  }
  return "fail";
}

std::string ArcResult::AuthResultsItem() const {
  std::string out = std::string("arc=") + ArcStatusName(status);
  if (status == ArcStatus::kNone) return out;
  out += " (i=" + std::to_string(instances);
  if (status == ArcStatus::kPass) {
    out += "; oldest-pass=" + std::to_string(oldest_pass);
    std::string sealers;
    for (const auto& s : sets) sealers += (sealers.empty() ? "" : ", ") + s.seal_domain;
    if (!sealers.empty()) out += "; sealed by " + sealers;
  } else if (!reason.empty()) {
    out += "; " + reason;
  }
  out += ")";
  return out;
}

boost::asio::awaitable<ArcResult> VerifyArc(dns::Resolver& resolver, std::string_view raw_message,
                                            int64_t now) {
  ArcResult result;
  ParsedMessage msg = ParseMessage(raw_message);
  auto fail = [&](std::string reason, int instance) {
    result.status = ArcStatus::kFail;
    result.reason = std::move(reason);
    result.failed_instance = instance;
    result.oldest_pass = 0;
  };

  // 1. Collect the ARC header fields and their instances.
  struct Found {
    ArcField field;
    int instance;
  };
  std::map<size_t, Found> arc_fields;  // header index -> what it is
  std::vector<SetIndexes> sets(kMaxArcSets + 1);
  std::vector<std::string> aar_rest(kMaxArcSets + 1);
  bool any = false;
  std::string structure_error;
  int structure_instance = 0;
  int n = 0;
  for (size_t idx = 0; idx < msg.headers.size(); ++idx) {
    const std::string& name = msg.headers[idx].name;
    ArcField field;
    if (IEquals(name, "ARC-Seal")) {
      field = ArcField::kSeal;
    } else if (IEquals(name, "ARC-Message-Signature")) {
      field = ArcField::kMessage;
    } else if (IEquals(name, "ARC-Authentication-Results")) {
      field = ArcField::kResults;
    } else {
      continue;
    }
    any = true;
    int instance = 0;
    std::string error;
    std::string_view rest;
    if (field == ArcField::kResults) {
      instance = ParseAarInstance(msg.headers[idx].Value(), &rest);
      if (instance == 0) error = "does not start with a valid \"i=N;\"";
    } else {
      std::optional<TagList> tags;
      instance = ParseTagInstance(msg.headers[idx].Value(), &tags, &error);
    }
    if (instance == 0) {
      if (structure_error.empty()) structure_error = std::string(FieldName(field)) + " " + error;
      continue;
    }
    auto& slot = sets[instance].field[static_cast<int>(field)];
    if (slot.has_value()) {
      if (structure_error.empty()) {
        structure_error =
            std::string("two ") + FieldName(field) + " fields with i=" + std::to_string(instance);
        structure_instance = instance;
      }
      continue;
    }
    slot = idx;
    arc_fields[idx] = Found{field, instance};
    if (field == ArcField::kResults) aar_rest[instance] = std::string(rest);
    n = std::max(n, instance);
  }
  if (!any) co_return result;  // cv=none
  result.instances = n;

  // 2. A chain its last sealer already declared failed stays failed.
  if (n > 0 && sets[n].field[static_cast<int>(ArcField::kSeal)]) {
    std::string error;
    auto tags = TagList::Parse(
        msg.headers[*sets[n].field[static_cast<int>(ArcField::kSeal)]].Value(), &error);
    if (tags && tags->Find("cv") && *tags->Find("cv") == "fail") {
      fail("the newest ARC-Seal says cv=fail", n);
      co_return result;
    }
  }

  // 3. Structure: sets 1..N complete, unique, cv= none for 1 and pass after.
  if (!structure_error.empty()) {
    fail(structure_error, structure_instance);
    co_return result;
  }
  if (n == 0) {
    fail("no usable ARC set", 0);
    co_return result;
  }
  for (int i = 1; i <= n; ++i) {
    for (ArcField f : {ArcField::kResults, ArcField::kMessage, ArcField::kSeal}) {
      if (!sets[i].field[static_cast<int>(f)]) {
        fail(std::string("ARC set ") + std::to_string(i) + " has no " + FieldName(f), i);
        co_return result;
      }
    }
    std::string error;
    auto seal = TagList::Parse(
        msg.headers[*sets[i].field[static_cast<int>(ArcField::kSeal)]].Value(), &error);
    if (!seal) {
      fail("ARC-Seal i=" + std::to_string(i) + " does not parse: " + error, i);
      co_return result;
    }
    const std::string* cv = seal->Find("cv");
    const char* want = i == 1 ? "none" : "pass";
    if (cv == nullptr || *cv != want) {
      fail("ARC-Seal i=" + std::to_string(i) + " must have cv=" + want, i);
      co_return result;
    }
    ArcSetInfo info;
    info.instance = i;
    info.seal_cv = *cv;
    if (const auto* d = seal->Find("d")) info.seal_domain = ToLower(*d);
    if (const auto* s = seal->Find("s")) info.seal_selector = *s;
    std::string_view rest = aar_rest[i];
    rest = Trim(rest);
    info.auth_results = std::string(rest);
    info.authserv_id = std::string(rest.substr(0, rest.find_first_of("; \t\r\n")));
    result.sets.push_back(std::move(info));
  }

  // 4 and 5. AMS of the newest set must verify; older ones give oldest-pass.
  BodyHasher body(msg.body);
  internal::KeyCache keys;
  for (int i = n; i >= 1; --i) {
    size_t ams_idx = *sets[i].field[static_cast<int>(ArcField::kMessage)];
    size_t seal_idx = *sets[i].field[static_cast<int>(ArcField::kSeal)];
    DkimResult r;
    Signature sig;
    ArcSetInfo& info = result.sets[i - 1];
    info.message_checked = true;
    bool ok =
        internal::ParseSignature(SigKind::kArcMessage, msg.headers[ams_idx].Value(), &sig, &r);
    info.message_domain = r.domain;
    if (ok) {
      for (const auto& h : sig.signed_headers) {
        if (h == "arc-seal") {
          ok = false;
          r.detail = "ARC-Message-Signature must not sign ARC-Seal";
        }
      }
    }
    if (ok) {
      // The message as it was when set i was added: no newer ARC fields,
      // and neither this AMS nor this seal.
      std::vector<size_t> candidates;
      for (size_t j = 0; j < msg.headers.size(); ++j) {
        auto it = arc_fields.find(j);
        if (j == ams_idx || j == seal_idx) continue;
        if (it != arc_fields.end() && it->second.instance > i) continue;
        candidates.push_back(j);
      }
      co_await internal::CheckSignature(resolver, msg, candidates, msg.headers[ams_idx].raw, sig,
                                        body, &r, &keys);
      ok = r.status == DkimStatus::kPass;
    }
    info.message_valid = ok;
    if (!ok) {
      if (i == n) {
        fail("ARC-Message-Signature i=" + std::to_string(i) + ": " + r.detail, i);
        co_return result;
      }
      break;
    }
    result.oldest_pass = i;
  }

  // 6. Every seal, newest first.
  for (int i = n; i >= 1; --i) {
    ArcSetInfo& info = result.sets[i - 1];
    info.seal_checked = true;
    SealCheck check = co_await CheckSeal(resolver, msg, sets, i, &info, &keys);
    if (!check.ok) {
      fail("ARC-Seal i=" + std::to_string(i) + ": " + check.detail, i);
      co_return result;
    }
  }
  result.status = ArcStatus::kPass;
  co_return result;
}

}  // namespace postdesk::auth
