#include "intake/relay_verdict.h"

#include <arpa/inet.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cstring>

#include "common/strings.h"

namespace postdesk::intake {
namespace {

constexpr size_t kMaxValue = 300;
constexpr size_t kMaxTests = 50;

bool ParseAddress(std::string_view text, bool* v6, std::array<uint8_t, 16>* out) {
  std::string s(text);
  out->fill(0);
  if (inet_pton(AF_INET, s.c_str(), out->data()) == 1) {
    *v6 = false;
    return true;
  }
  if (inet_pton(AF_INET6, s.c_str(), out->data()) == 1) {
    *v6 = true;
    return true;
  }
  return false;
}

bool SamePrefix(const std::array<uint8_t, 16>& a, const std::array<uint8_t, 16>& b, int bits) {
  int full = bits / 8;
  if (std::memcmp(a.data(), b.data(), static_cast<size_t>(full)) != 0) return false;
  int rest = bits % 8;
  if (rest == 0) return true;
  uint8_t mask = static_cast<uint8_t>(0xFF << (8 - rest));
  return (a[static_cast<size_t>(full)] & mask) == (b[static_cast<size_t>(full)] & mask);
}

std::optional<double> Number(std::string_view s) {
  s = Trim(s);
  size_t end = 0;
  while (end < s.size() && (std::isdigit(static_cast<unsigned char>(s[end])) || s[end] == '.' ||
                            (end == 0 && (s[end] == '-' || s[end] == '+')))) {
    ++end;
  }
  if (end == 0) return std::nullopt;
  std::string text(s.substr(s[0] == '+' ? 1 : 0, end - (s[0] == '+' ? 1 : 0)));
  try {
    size_t used = 0;
    double v = std::stod(text, &used);
    if (used == 0) return std::nullopt;
    return v;
  } catch (...) {
    return std::nullopt;
  }
}

// The value of `key=` in a SpamAssassin status ("score=7.3 required=5.0"),
// up to the next blank; "" when absent.
std::string_view KeyValue(std::string_view value, std::string_view key) {
  for (size_t at = 0; (at = value.find(key, at)) != std::string_view::npos; at += key.size()) {
    bool starts_word = at == 0 || value[at - 1] == ' ' || value[at - 1] == '\t' ||
                       value[at - 1] == ',';
    if (!starts_word || at + key.size() >= value.size() || value[at + key.size()] != '=') continue;
    std::string_view rest = value.substr(at + key.size() + 1);
    return rest.substr(0, rest.find_first_of(" \t"));
  }
  return {};
}

// A rule or symbol name as scanners write them (BAYES_99, R_SPF_FAIL):
// letters, digits, '_', '-', '.', at most 60; anything else is no name.
bool IsRuleName(std::string_view name) {
  if (name.empty() || name.size() > 60) return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' || c == '.';
  });
}

// "tests=A,B,\tC autolearn=no" -> {A, B, C}: the list may have been folded.
std::vector<std::string> SpamAssassinTests(std::string_view value) {
  std::vector<std::string> tests;
  size_t at = value.find("tests=");
  if (at == std::string_view::npos) return tests;
  std::string_view rest = value.substr(at + 6);
  while (!rest.empty() && tests.size() < kMaxTests) {
    rest = Trim(rest);
    size_t end = rest.find_first_of(", \t");
    std::string_view name = rest.substr(0, end);
    if (!IsRuleName(name)) break;  // the next key=, or not a rule name
    tests.emplace_back(name);
    if (end == std::string_view::npos) break;
    // Past the separators; a blank without a comma ends the list.
    size_t next = rest.find_first_not_of(" \t", end);
    if (next == std::string_view::npos) break;
    if (rest[end] != ',' && rest[next] != ',') break;
    rest = rest.substr(next);
    if (!rest.empty() && rest[0] == ',') rest.remove_prefix(1);
  }
  return tests;
}

bool YesWord(std::string_view word) {
  return IEquals(word, "yes") || IEquals(word, "true");
}

std::string FirstWord(std::string_view value) {
  value = Trim(value);
  return std::string(value.substr(0, value.find_first_of(",; \t")));
}

// One field as a verdict, or nullopt when the field is not a scanner's.
std::optional<RelayVerdict> FieldVerdict(std::string_view name, std::string_view value) {
  RelayVerdict v;
  v.field = std::string(name);
  v.value = SanitizeUtf8(std::string(Trim(value).substr(0, kMaxValue)));
  if (IEquals(name, "X-Spam-Status")) {
    // SpamAssassin: "Yes, score=7.3 required=5.0 tests=... version=..."
    // (older versions write hits=). Rspamd can write the same form.
    v.scanner = "spamassassin";
    v.spam = YesWord(FirstWord(value));
    std::string_view score = KeyValue(value, "score");
    if (score.empty()) score = KeyValue(value, "hits");
    v.score = Number(score);
    v.threshold = Number(KeyValue(value, "required"));
    v.tests = SpamAssassinTests(value);
    return v;
  }
  if (IEquals(name, "X-Spam-Flag")) {
    v.scanner = "spamassassin";
    v.spam = YesWord(FirstWord(value));
    return v;
  }
  if (IEquals(name, "X-Spamd-Result")) {
    // Rspamd: "default: True [12.40 / 15.00]; SYMBOL(1.00)[options]; ..."
    v.scanner = "rspamd";
    std::string_view rest = Trim(value);
    if (size_t colon = rest.find(':'); colon != std::string_view::npos && colon < 40) {
      rest = Trim(rest.substr(colon + 1));
    }
    v.spam = YesWord(FirstWord(rest));
    if (size_t open = rest.find('['); open != std::string_view::npos) {
      std::string_view inside = rest.substr(open + 1, rest.find(']', open) - open - 1);
      size_t slash = inside.find('/');
      v.score = Number(inside.substr(0, slash));
      if (slash != std::string_view::npos) v.threshold = Number(inside.substr(slash + 1));
    }
    for (const std::string& item : Split(value, ';')) {
      if (v.tests.size() >= kMaxTests) break;
      std::string_view symbol = Trim(item);
      symbol = symbol.substr(0, symbol.find('('));
      if (!IsRuleName(symbol)) continue;
      v.tests.emplace_back(symbol);
    }
    return v;
  }
  if (IEquals(name, "X-Spam")) {
    v.scanner = "rspamd";
    v.spam = YesWord(FirstWord(value));
    return v;
  }
  if (IEquals(name, "X-Rspamd-Action")) {
    std::string action = ToLower(Trim(value));
    v.scanner = "rspamd";
    v.spam = action == "reject" || action == "add header" || action == "rewrite subject";
    return v;
  }
  return std::nullopt;
}

}  // namespace

Result<TrustedRelays> TrustedRelays::Parse(const std::vector<std::string>& entries) {
  TrustedRelays out;
  for (const std::string& raw : entries) {
    std::string_view entry = Trim(raw);
    if (IEquals(entry, "pipe")) {
      out.pipe_ = true;
      continue;
    }
    Network n;
    std::string_view address = entry;
    std::optional<int> prefix;
    if (size_t slash = entry.find('/'); slash != std::string_view::npos) {
      address = entry.substr(0, slash);
      std::string_view digits = entry.substr(slash + 1);
      int p = -1;
      auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), p);
      if (ec != std::errc() || end != digits.data() + digits.size() || digits.empty()) {
        return Status::Invalid("trusted_relays: bad prefix length in \"" + raw + "\"");
      }
      prefix = p;
    }
    if (!ParseAddress(address, &n.v6, &n.address)) {
      return Status::Invalid("trusted_relays: \"" + raw +
                             "\" is neither an IP address, a network (address/bits) nor \"pipe\"");
    }
    const int max_bits = n.v6 ? 128 : 32;
    n.prefix = prefix.value_or(max_bits);
    if (n.prefix < 0 || n.prefix > max_bits) {
      return Status::Invalid("trusted_relays: prefix length out of range in \"" + raw + "\"");
    }
    out.networks_.push_back(n);
  }
  return out;
}

bool TrustedRelays::Trusts(Door door, std::string_view client_ip) const {
  if (door == Door::kPipe) return pipe_;
  if (door != Door::kSmtp && door != Door::kLmtp) return false;  // the API and recovered mail: never
  bool v6 = false;
  std::array<uint8_t, 16> address{};
  if (client_ip.empty() || !ParseAddress(client_ip, &v6, &address)) return false;
  if (v6) {
    // An IPv4 client seen through an IPv6 socket: ::ffff:a.b.c.d.
    static constexpr uint8_t kMapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xFF, 0xFF};
    if (std::memcmp(address.data(), kMapped, 12) == 0) {
      std::memmove(address.data(), address.data() + 12, 4);
      std::fill(address.begin() + 4, address.end(), 0);
      v6 = false;
    }
  }
  for (const Network& n : networks_) {
    if (n.v6 == v6 && SamePrefix(n.address, address, n.prefix)) return true;
  }
  return false;
}

nlohmann::json RelayVerdict::ToJson() const {
  nlohmann::json j = {{"spam", spam}, {"scanner", scanner}, {"field", field}, {"value", value}};
  if (score) j["score"] = *score;
  if (threshold) j["threshold"] = *threshold;
  if (!tests.empty()) j["tests"] = tests;
  return j;
}

std::string RelayVerdict::Describe() const {
  std::string who = scanner == "rspamd" ? "Rspamd" : "SpamAssassin";
  std::string shown = value.size() > 120 ? value.substr(0, 120) + "..." : value;
  return who + " " + field + ": " + shown;
}

std::optional<RelayVerdict> ReadRelayVerdict(const mime::Message& m) {
  // Per side, the first field with a score, else the first field.
  std::optional<RelayVerdict> spam, ham;
  for (const auto& [name, value] : m.headers) {
    std::optional<RelayVerdict> v = FieldVerdict(name, value);
    if (!v) continue;
    std::optional<RelayVerdict>& side = v->spam ? spam : ham;
    if (!side || (!side->score && v->score)) side = std::move(v);
  }
  return spam ? spam : ham;
}

}  // namespace postdesk::intake
