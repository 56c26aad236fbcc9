#include "auth/spf.h"

#include <arpa/inet.h>

#include <algorithm>
#include <cstring>
#include <ctime>
#include <utility>

#include "dns/names.h"

namespace postdesk::spf {

namespace {

using boost::asio::awaitable;

// ------------------------------------------------------------ small helpers

char Lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }
bool IsAlpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool IsDigit(char c) { return c >= '0' && c <= '9'; }
bool IsAlnum(char c) { return IsAlpha(c) || IsDigit(c); }

std::string ToLower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = Lower(c);
  return out;
}

bool IEquals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (Lower(a[i]) != Lower(b[i])) return false;
  }
  return true;
}

bool IsAscii(std::string_view s) {
  return std::all_of(s.begin(), s.end(),
                     [](char c) { return static_cast<unsigned char>(c) < 0x80; });
}

// A client or network address; IPv4-mapped IPv6 addresses are IPv4.
struct Ip {
  bool v6 = false;
  std::array<uint8_t, 16> bytes{};  // IPv4 uses the first four
};

std::optional<Ip> ParseIp(std::string_view text) {
  std::string s(text);
  Ip ip;
  if (inet_pton(AF_INET, s.c_str(), ip.bytes.data()) == 1) return ip;
  if (inet_pton(AF_INET6, s.c_str(), ip.bytes.data()) != 1) return std::nullopt;
  static constexpr uint8_t kMapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
  if (std::memcmp(ip.bytes.data(), kMapped, 12) == 0) {
    std::memmove(ip.bytes.data(), ip.bytes.data() + 12, 4);
    std::fill(ip.bytes.begin() + 4, ip.bytes.end(), 0);
    return ip;
  }
  ip.v6 = true;
  return ip;
}

bool InNetwork(const Ip& ip, const std::array<uint8_t, 16>& net, int bits) {
  for (int i = 0; bits > 0; ++i, bits -= 8) {
    const uint8_t mask = bits >= 8 ? 0xff : static_cast<uint8_t>(0xff << (8 - bits));
    if ((ip.bytes[i] & mask) != (net[i] & mask)) return false;
  }
  return true;
}

const char kHex[] = "0123456789ABCDEF";

// %{i}: dotted quad, or 32 dot-separated nibbles for IPv6 (upper case, as
// the conformance suite expects; DNS does not care).
std::string DottedIp(const Ip& ip) {
  std::string out;
  if (!ip.v6) {
    for (int i = 0; i < 4; ++i) {
      if (i) out += '.';
      out += std::to_string(ip.bytes[i]);
    }
    return out;
  }
  for (int i = 0; i < 16; ++i) {
    if (i) out += '.';
    out += kHex[ip.bytes[i] >> 4];
    out += '.';
    out += kHex[ip.bytes[i] & 0xf];
  }
  return out;
}

// %{c}: the address as people write it.
std::string PrettyIp(const Ip& ip) {
  char buf[INET6_ADDRSTRLEN];
  inet_ntop(ip.v6 ? AF_INET6 : AF_INET, ip.bytes.data(), buf, sizeof buf);
  return buf;
}

std::string ReverseName(const Ip& ip) {
  std::string dotted = DottedIp(ip);
  std::string out;
  size_t end = dotted.size();
  while (true) {
    size_t dot = dotted.rfind('.', end - 1);
    size_t start = dot == std::string::npos ? 0 : dot + 1;
    if (!out.empty()) out += '.';
    out.append(dotted, start, end - start);
    if (dot == std::string::npos) break;
    end = dot;
  }
  return out + (ip.v6 ? ".ip6.arpa" : ".in-addr.arpa");
}

// -------------------------------------------------------- macro syntax

constexpr std::string_view kMacroLetters = "slodiphcrtv";
constexpr std::string_view kDelimiters = ".-+,/_=";

// One piece of a macro-string: a literal byte or an expand.
struct MacroToken {
  bool expand = false;
  char literal = 0;  // when !expand
  char escape = 0;   // '%', '_', '-' for the short forms; 0 for %{...}
  char letter = 0;   // as written (case tells URL-escaping)
  int digits = 0;    // 0: keep every part
  bool reverse = false;
  std::string delimiters;
};

// Tokenizes `s`; false with `error` set on a syntax error. `spaces` allows
// SP (explain-string); `exp_letters` allows c, r and t.
bool Tokenize(std::string_view s, bool spaces, bool exp_letters, std::vector<MacroToken>* out,
              std::string* error) {
  for (size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    if (c != '%') {
      const auto u = static_cast<unsigned char>(c);
      if (u > 0x7e || u < 0x20 || (u == 0x20 && !spaces)) {
        *error = "invalid character in macro-string";
        return false;
      }
      MacroToken t;
      t.literal = c;
      out->push_back(std::move(t));
      continue;
    }
    if (i + 1 >= s.size()) {
      *error = "'%' at the end of a macro-string";
      return false;
    }
    const char n = s[++i];
    if (n == '%' || n == '_' || n == '-') {
      MacroToken t;
      t.expand = true;
      t.escape = n;
      out->push_back(std::move(t));
      continue;
    }
    if (n != '{') {
      *error = std::string("invalid macro '%") + n + "'";
      return false;
    }
    size_t close = s.find('}', i);
    if (close == std::string_view::npos) {
      *error = "unterminated macro '%{'";
      return false;
    }
    std::string_view body = s.substr(i + 1, close - i - 1);
    i = close;
    MacroToken t;
    t.expand = true;
    if (body.empty() || kMacroLetters.find(Lower(body[0])) == std::string_view::npos) {
      *error = "unknown macro letter in '%{" + std::string(body) + "}'";
      return false;
    }
    t.letter = body[0];
    const char lower = Lower(t.letter);
    if (!exp_letters && (lower == 'c' || lower == 'r' || lower == 't')) {
      *error = std::string("macro '%{") + t.letter + "}' is only allowed in explanations";
      return false;
    }
    size_t j = 1;
    std::string digits;
    while (j < body.size() && IsDigit(body[j])) digits += body[j++];
    if (!digits.empty()) {
      if (digits.size() > 3 || std::stoi(digits) == 0) {
        *error = "invalid digit transformer in '%{" + std::string(body) + "}'";
        return false;
      }
      t.digits = std::stoi(digits);
    }
    if (j < body.size() && Lower(body[j]) == 'r') {
      t.reverse = true;
      ++j;
    }
    for (; j < body.size(); ++j) {
      if (kDelimiters.find(body[j]) == std::string_view::npos) {
        *error = "invalid delimiter in '%{" + std::string(body) + "}'";
        return false;
      }
      t.delimiters += body[j];
    }
    out->push_back(std::move(t));
  }
  return true;
}

// toplabel of RFC 7208 section 12: LDH, alphanumeric at both ends, and not
// all digits (unless it has a hyphen).
bool IsTopLabel(std::string_view label) {
  if (label.empty() || !IsAlnum(label.front()) || !IsAlnum(label.back())) return false;
  bool alpha = false, hyphen = false;
  for (char c : label) {
    if (IsAlpha(c)) {
      alpha = true;
    } else if (c == '-') {
      hyphen = true;
    } else if (!IsDigit(c)) {
      return false;
    }
  }
  return alpha || hyphen;
}

// domain-spec = macro-string domain-end;
// domain-end = ( "." toplabel [ "." ] ) / macro-expand
bool ValidDomainSpec(std::string_view spec, std::string* error) {
  if (spec.empty()) {
    *error = "empty domain-spec";
    return false;
  }
  std::vector<MacroToken> tokens;
  if (!Tokenize(spec, false, false, &tokens, error)) return false;
  if (tokens.back().expand) return true;
  size_t end = tokens.size();
  if (!tokens[end - 1].expand && tokens[end - 1].literal == '.') --end;
  std::string label;
  size_t i = end;
  while (i > 0 && !tokens[i - 1].expand && tokens[i - 1].literal != '.') {
    label.insert(label.begin(), tokens[i - 1].literal);
    --i;
  }
  if (i == 0 || tokens[i - 1].expand || !IsTopLabel(label)) {
    *error = "domain-spec '" + std::string(spec) + "' does not end in a valid top label";
    return false;
  }
  return true;
}

bool ValidMacroString(std::string_view s, std::string* error) {
  std::vector<MacroToken> tokens;
  return Tokenize(s, false, true, &tokens, error);
}

// ip4-cidr-length / ip6-cidr-length digits: "0" or no leading zero.
std::optional<int> ParseCidrDigits(std::string_view d, int max) {
  if (d.empty() || d.size() > 3) return std::nullopt;
  if (!std::all_of(d.begin(), d.end(), IsDigit)) return std::nullopt;
  if (d.size() > 1 && d[0] == '0') return std::nullopt;
  int v = std::stoi(std::string(d));
  if (v > max) return std::nullopt;
  return v;
}

// Dotted quad with no leading zeros (ip4-network).
bool ParseIp4Strict(std::string_view s, std::array<uint8_t, 16>* out) {
  int part = 0;
  size_t start = 0;
  for (int k = 0; k < 4; ++k) {
    size_t dot = s.find('.', start);
    if ((k < 3) != (dot != std::string_view::npos)) return false;
    std::string_view q = s.substr(start, k < 3 ? dot - start : std::string_view::npos);
    if (q.empty() || q.size() > 3 || !std::all_of(q.begin(), q.end(), IsDigit)) return false;
    if (q.size() > 1 && q[0] == '0') return false;
    part = std::stoi(std::string(q));
    if (part > 255) return false;
    (*out)[k] = static_cast<uint8_t>(part);
    start = dot + 1;
  }
  return true;
}

// Strips a trailing dual-cidr-length from `rest` (a, mx).
bool TakeDualCidr(std::string_view* rest, Mechanism* m, std::string* error) {
  auto trailing_digits = [](std::string_view s) {
    size_t n = 0;
    while (n < s.size() && IsDigit(s[s.size() - 1 - n])) ++n;
    return n;
  };
  std::string_view s = *rest;
  size_t n = trailing_digits(s);
  if (n > 0 && s.size() >= n + 2 && s[s.size() - n - 1] == '/' && s[s.size() - n - 2] == '/') {
    auto v = ParseCidrDigits(s.substr(s.size() - n), 128);
    if (!v) {
      *error = "invalid IPv6 CIDR length";
      return false;
    }
    m->cidr6 = *v;
    s.remove_suffix(n + 2);
    n = trailing_digits(s);
  }
  if (n > 0 && s.size() >= n + 1 && s[s.size() - n - 1] == '/') {
    auto v = ParseCidrDigits(s.substr(s.size() - n), 32);
    if (!v) {
      *error = "invalid IPv4 CIDR length";
      return false;
    }
    m->cidr4 = *v;
    s.remove_suffix(n + 1);
  }
  *rest = s;
  return true;
}

// Parses `rest` as [":" domain-spec] (optional) or ":" domain-spec (required).
bool TakeDomainSpec(std::string_view rest, bool required, Mechanism* m, std::string* error) {
  if (rest.empty()) {
    if (required) *error = "missing domain-spec";
    return !required;
  }
  if (rest[0] != ':') {
    *error = "unexpected text after the mechanism name";
    return false;
  }
  rest.remove_prefix(1);
  if (!ValidDomainSpec(rest, error)) return false;
  m->domain_spec = std::string(rest);
  return true;
}

bool ParseDirective(std::string_view term, Mechanism* m, std::string* error) {
  std::string_view rest = term;
  switch (rest[0]) {
    case '+':
      m->qualifier = Qualifier::kPass;
      rest.remove_prefix(1);
      break;
    case '-':
      m->qualifier = Qualifier::kFail;
      rest.remove_prefix(1);
      break;
    case '~':
      m->qualifier = Qualifier::kSoftFail;
      rest.remove_prefix(1);
      break;
    case '?':
      m->qualifier = Qualifier::kNeutral;
      rest.remove_prefix(1);
      break;
    default:
      break;
  }
  size_t name_end = rest.find_first_of(":/");
  const std::string name = ToLower(rest.substr(0, name_end));
  rest.remove_prefix(name_end == std::string_view::npos ? rest.size() : name_end);
  if (name == "all") {
    m->kind = MechanismKind::kAll;
    if (!rest.empty()) {
      *error = "'all' takes no argument";
      return false;
    }
    return true;
  }
  if (name == "include" || name == "exists") {
    m->kind = name == "include" ? MechanismKind::kInclude : MechanismKind::kExists;
    return TakeDomainSpec(rest, true, m, error);
  }
  if (name == "a" || name == "mx") {
    m->kind = name == "a" ? MechanismKind::kA : MechanismKind::kMx;
    if (!TakeDualCidr(&rest, m, error)) return false;
    return TakeDomainSpec(rest, false, m, error);
  }
  if (name == "ptr") {
    m->kind = MechanismKind::kPtr;
    return TakeDomainSpec(rest, false, m, error);
  }
  if (name == "ip4" || name == "ip6") {
    const bool v6 = name == "ip6";
    m->kind = v6 ? MechanismKind::kIp6 : MechanismKind::kIp4;
    if (rest.empty() || rest[0] != ':') {
      *error = "missing address";
      return false;
    }
    rest.remove_prefix(1);
    std::string_view addr = rest;
    size_t slash = v6 ? rest.find('/') : rest.rfind('/');
    if (slash != std::string_view::npos) {
      addr = rest.substr(0, slash);
      auto bits = ParseCidrDigits(rest.substr(slash + 1), v6 ? 128 : 32);
      if (!bits) {
        *error = v6 ? "invalid IPv6 CIDR length" : "invalid IPv4 CIDR length";
        return false;
      }
      (v6 ? m->cidr6 : m->cidr4) = *bits;
    }
    if (v6) {
      std::string a(addr);
      if (a.empty() || inet_pton(AF_INET6, a.c_str(), m->network.data()) != 1) {
        *error = "invalid IPv6 address";
        return false;
      }
    } else if (!ParseIp4Strict(addr, &m->network)) {
      *error = "invalid IPv4 address";
      return false;
    }
    return true;
  }
  *error = "unknown mechanism '" + name + "'";
  return false;
}

bool IsDnsMechanism(MechanismKind k) {
  return k == MechanismKind::kInclude || k == MechanismKind::kA || k == MechanismKind::kMx ||
         k == MechanismKind::kPtr || k == MechanismKind::kExists;
}

std::string UrlEscape(std::string_view s) {
  std::string out;
  for (char c : s) {
    if (IsAlnum(c) || c == '-' || c == '.' || c == '_' || c == '~') {
      out += c;
    } else {
      const auto u = static_cast<unsigned char>(c);
      out += '%';
      out += kHex[u >> 4];
      out += kHex[u & 0xf];
    }
  }
  return out;
}

}  // namespace

// ------------------------------------------------------------------ names

const char* VerdictName(Verdict verdict) {
  switch (verdict) {
    case Verdict::kNone:
      return "none";
    case Verdict::kNeutral:
      return "neutral";
    case Verdict::kPass:
      return "pass";
    case Verdict::kFail:
      return "fail";
    case Verdict::kSoftFail:
      return "softfail";
    case Verdict::kTempError:
      return "temperror";
    case Verdict::kPermError:
      return "permerror";
  }
  return "?";
}

std::optional<Verdict> ParseVerdict(std::string_view name) {
  for (Verdict v : {Verdict::kNone, Verdict::kNeutral, Verdict::kPass, Verdict::kFail,
                    Verdict::kSoftFail, Verdict::kTempError, Verdict::kPermError}) {
    if (IEquals(name, VerdictName(v))) return v;
  }
  return std::nullopt;
}

const char* MechanismName(MechanismKind kind) {
  switch (kind) {
    case MechanismKind::kAll:
      return "all";
    case MechanismKind::kInclude:
      return "include";
    case MechanismKind::kA:
      return "a";
    case MechanismKind::kMx:
      return "mx";
    case MechanismKind::kPtr:
      return "ptr";
    case MechanismKind::kIp4:
      return "ip4";
    case MechanismKind::kIp6:
      return "ip6";
    case MechanismKind::kExists:
      return "exists";
  }
  return "?";
}

// ---------------------------------------------------------------- parsing

bool IsSpfRecord(std::string_view txt) {
  return txt.size() >= 6 && IEquals(txt.substr(0, 6), "v=spf1") &&
         (txt.size() == 6 || txt[6] == ' ');
}

ParsedSpf ParseSpfRecord(std::string_view text) {
  ParsedSpf out;
  auto fail = [&out](size_t offset, std::string_view term, std::string message) {
    out.error = SpfSyntaxError{offset, std::string(term), std::move(message)};
    return out;
  };
  for (size_t i = 0; i < text.size(); ++i) {
    if (static_cast<unsigned char>(text[i]) >= 0x80) {
      return fail(i, "", "the record is not 7-bit ASCII");
    }
  }
  if (!IsSpfRecord(text)) return fail(0, "", "the record does not start with 'v=spf1'");
  size_t pos = 6;
  while (pos < text.size()) {
    while (pos < text.size() && text[pos] == ' ') ++pos;
    if (pos >= text.size()) break;
    const size_t start = pos;
    const size_t end = std::min(text.find(' ', pos), text.size());
    const std::string_view term = text.substr(start, end - start);
    pos = end;
    for (char c : term) {
      const auto u = static_cast<unsigned char>(c);
      if (u < 0x21 || u > 0x7e) {
        return fail(start, term, "terms must be separated by spaces only");
      }
    }
    // modifier = name "=" macro-string; name = ALPHA *( ALPHA / DIGIT / "-" / "_" / "." )
    size_t n = 0;
    if (IsAlpha(term[0])) {
      n = 1;
      while (n < term.size() &&
             (IsAlnum(term[n]) || term[n] == '-' || term[n] == '_' || term[n] == '.')) {
        ++n;
      }
    }
    std::string error;
    if (n > 0 && n < term.size() && term[n] == '=') {
      Modifier mod{ToLower(term.substr(0, n)), std::string(term.substr(n + 1)), start};
      if (mod.name == "redirect" || mod.name == "exp") {
        auto& slot = mod.name == "redirect" ? out.record.redirect : out.record.exp;
        if (slot) return fail(start, term, "'" + mod.name + "=' appears more than once");
        if (!ValidDomainSpec(mod.value, &error)) return fail(start, term, error);
        if (mod.name == "redirect") ++out.record.dns_terms;
        slot = std::move(mod);
      } else {
        if (!ValidMacroString(mod.value, &error)) return fail(start, term, error);
        out.record.unknown_modifiers.push_back(std::move(mod));
      }
      continue;
    }
    Mechanism m;
    m.text = std::string(term);
    m.offset = start;
    if (!ParseDirective(term, &m, &error)) return fail(start, term, error);
    if (IsDnsMechanism(m.kind)) ++out.record.dns_terms;
    out.record.mechanisms.push_back(std::move(m));
  }
  return out;
}

// ------------------------------------------------------- macro expansion

bool UsesPtrMacro(std::string_view spec) {
  std::vector<MacroToken> tokens;
  std::string error;
  if (!Tokenize(spec, true, true, &tokens, &error)) return false;
  return std::any_of(tokens.begin(), tokens.end(),
                     [](const MacroToken& t) { return t.expand && Lower(t.letter) == 'p'; });
}

std::string ExpandMacros(std::string_view spec, const MacroContext& ctx, MacroUse use,
                         std::string* error) {
  const bool exp = use == MacroUse::kExplanation;
  std::vector<MacroToken> tokens;
  std::string err;
  if (!Tokenize(spec, exp, exp, &tokens, &err)) {
    if (error) *error = err;
    return "";
  }
  const std::optional<Ip> ip = ParseIp(ctx.ip);
  std::string out;
  for (const MacroToken& t : tokens) {
    if (!t.expand) {
      out += t.literal;
      continue;
    }
    if (t.escape == '%') {
      out += '%';
      continue;
    }
    if (t.escape == '_') {
      out += ' ';
      continue;
    }
    if (t.escape == '-') {
      out += "%20";
      continue;
    }
    std::string value;
    switch (Lower(t.letter)) {
      case 's':
        value = ctx.sender;
        break;
      case 'l':
        value = ctx.local_part;
        break;
      case 'o':
        value = ctx.sender_domain;
        break;
      case 'd':
        value = ctx.domain;
        break;
      case 'i':
        value = ip ? DottedIp(*ip) : ctx.ip;
        break;
      case 'p':
        value = ctx.validated_name;
        break;
      case 'v':
        value = (ip && ip->v6) ? "ip6" : "in-addr";
        break;
      case 'h':
        value = ctx.helo;
        break;
      case 'c':
        value = ip ? PrettyIp(*ip) : ctx.ip;
        break;
      case 'r':
        value = ctx.receiver;
        break;
      case 't':
        value = std::to_string(ctx.timestamp);
        break;
    }
    if (t.digits > 0 || t.reverse || !t.delimiters.empty()) {
      const std::string delims = t.delimiters.empty() ? "." : t.delimiters;
      std::vector<std::string> parts(1);
      for (char c : value) {
        if (delims.find(c) != std::string::npos) {
          parts.emplace_back();
        } else {
          parts.back() += c;
        }
      }
      if (t.reverse) std::reverse(parts.begin(), parts.end());
      size_t first = 0;
      if (t.digits > 0 && static_cast<size_t>(t.digits) < parts.size()) {
        first = parts.size() - static_cast<size_t>(t.digits);
      }
      value.clear();
      for (size_t k = first; k < parts.size(); ++k) {
        if (k > first) value += '.';
        value += parts[k];
      }
    }
    if (IsAlpha(t.letter) && t.letter >= 'A' && t.letter <= 'Z') value = UrlEscape(value);
    out += value;
  }
  if (!exp) {
    if (!out.empty() && out.back() == '.') out.pop_back();
    // Section 7.3: drop labels from the left until the name fits.
    while (out.size() > 253) {
      size_t dot = out.find('.');
      if (dot == std::string::npos) break;
      out.erase(0, dot + 1);
    }
  }
  return out;
}

// --------------------------------------------------------------- checking

namespace {

struct Outcome {
  Verdict verdict = Verdict::kNone;
  std::string reason;
  std::string explanation;
  bool explanation_is_default = false;
  std::string matched_term;
  std::string matched_in;
};

Outcome Make(Verdict v, std::string reason) {
  Outcome o;
  o.verdict = v;
  o.reason = std::move(reason);
  return o;
}

bool IsError(const Outcome& o) {
  return o.verdict == Verdict::kTempError || o.verdict == Verdict::kPermError;
}

Verdict FromQualifier(Qualifier q) {
  switch (q) {
    case Qualifier::kPass:
      return Verdict::kPass;
    case Qualifier::kFail:
      return Verdict::kFail;
    case Qualifier::kSoftFail:
      return Verdict::kSoftFail;
    case Qualifier::kNeutral:
      return Verdict::kNeutral;
  }
  return Verdict::kNeutral;
}

// A domain check_host() can start from (section 4.3): a valid DNS name of
// at least two labels, not a domain literal.
bool IsCheckableDomain(std::string_view d) {
  if (d.empty() || d.front() == '[') return false;
  if (!dns::IsValidQueryName(d)) return false;
  return d.find('.') != std::string_view::npos;
}

class Checker {
 public:
  Checker(dns::Resolver& resolver, const SpfOptions& options, Ip ip, MacroContext base)
      : resolver_(resolver), options_(options), ip_(ip), base_(std::move(base)) {}

  int dns_terms() const { return dns_terms_; }
  int void_lookups() const { return voids_; }

  awaitable<Outcome> Check(std::string domain) {
    domain = dns::NormalizeName(domain);
    if (!IsCheckableDomain(domain)) {
      co_return Make(Verdict::kNone, "'" + domain + "' is not a valid domain name");
    }
    dns::Answer txt = co_await resolver_.Query(domain, dns::RrType::kTXT);
    if (txt.temperror()) {
      co_return Make(Verdict::kTempError,
                     "DNS error looking up the SPF record of " + domain + ": " + txt.error);
    }
    if (!txt.ok()) co_return Make(Verdict::kNone, "no SPF record at " + domain);
    std::vector<std::string> records;
    for (const auto& r : txt.records) {
      if (IsSpfRecord(r)) records.push_back(r);
    }
    if (records.empty()) co_return Make(Verdict::kNone, "no SPF record at " + domain);
    if (records.size() > 1) {
      co_return Make(Verdict::kPermError,
                     domain + " publishes " + std::to_string(records.size()) + " SPF records");
    }
    ParsedSpf parsed = ParseSpfRecord(records[0]);
    if (!parsed.ok()) {
      const SpfSyntaxError& e = *parsed.error;
      std::string where = e.term.empty() ? "" : " in term '" + e.term + "'";
      co_return Make(Verdict::kPermError, "syntax error in the SPF record of " + domain +
                                              " at offset " + std::to_string(e.offset) + where +
                                              ": " + e.message);
    }
    co_return co_await Evaluate(parsed.record, domain);
  }

 private:
  awaitable<Outcome> Evaluate(const SpfRecord& record, const std::string& domain) {
    for (const Mechanism& m : record.mechanisms) {
      if (IsDnsMechanism(m.kind)) {
        if (++dns_terms_ > options_.max_dns_terms) {
          co_return Make(Verdict::kPermError,
                         "more than " + std::to_string(options_.max_dns_terms) +
                             " DNS-querying terms (at '" + m.text + "' in " + domain + ")");
        }
      }
      std::string target = domain;
      if (!m.domain_spec.empty()) {
        std::optional<Outcome> err;
        target = co_await Expand(m.domain_spec, domain, &err);
        if (err) co_return *err;
      }
      std::optional<Outcome> result = co_await Match(m, target, domain);
      if (!result) continue;                                     // no match
      if (result->verdict != Verdict::kPass) co_return *result;  // an error
      Outcome o;
      o.verdict = FromQualifier(m.qualifier);
      o.matched_term = m.text;
      o.matched_in = domain;
      o.reason = "'" + m.text + "' matched in the SPF record of " + domain;
      if (o.verdict == Verdict::kFail) co_await Explain(record, domain, &o);
      co_return o;
    }
    if (record.redirect) {
      if (++dns_terms_ > options_.max_dns_terms) {
        co_return Make(Verdict::kPermError, "more than " + std::to_string(options_.max_dns_terms) +
                                                " DNS-querying terms (at redirect= in " + domain +
                                                ")");
      }
      std::optional<Outcome> err;
      std::string target = co_await Expand(record.redirect->value, domain, &err);
      if (err) co_return *err;
      Outcome sub = co_await Check(target);
      if (sub.verdict == Verdict::kNone) {
        co_return Make(Verdict::kPermError,
                       "redirect=" + target + " in " + domain + " leads to no SPF record");
      }
      if (sub.matched_term.empty() && !IsError(sub)) {
        sub.reason = "via redirect from " + domain + ": " + sub.reason;
      }
      co_return sub;
    }
    co_return Make(Verdict::kNeutral,
                   "no term matched in the SPF record of " + domain + " (default neutral)");
  }

  // nullopt: no match. A kPass Outcome: match. An error Outcome: stop.
  awaitable<std::optional<Outcome>> Match(const Mechanism& m, const std::string& target,
                                          const std::string& domain) {
    const Outcome match = Make(Verdict::kPass, "");
    switch (m.kind) {
      case MechanismKind::kAll:
        co_return match;
      case MechanismKind::kIp4:
        if (ip_.v6 || !InNetwork(ip_, m.network, m.cidr4)) co_return std::nullopt;
        co_return match;
      case MechanismKind::kIp6:
        if (!ip_.v6 || !InNetwork(ip_, m.network, m.cidr6)) co_return std::nullopt;
        co_return match;
      case MechanismKind::kInclude: {
        Outcome sub = co_await Check(target);
        switch (sub.verdict) {
          case Verdict::kPass:
            co_return match;
          case Verdict::kFail:
          case Verdict::kSoftFail:
          case Verdict::kNeutral:
            co_return std::nullopt;
          case Verdict::kNone:
            co_return Make(Verdict::kPermError, "'" + m.text + "' in " + domain +
                                                    ": the included domain has no SPF record");
          case Verdict::kTempError:
          case Verdict::kPermError:
            sub.reason = "in '" + m.text + "' of " + domain + ": " + sub.reason;
            sub.explanation.clear();
            co_return sub;
        }
        co_return std::nullopt;
      }
      case MechanismKind::kA: {
        std::optional<Outcome> err;
        bool hit = co_await AddressMatch(target, ip_.v6 ? m.cidr6 : m.cidr4, m, domain, &err);
        if (err) co_return err;
        if (hit) co_return match;
        co_return std::nullopt;
      }
      case MechanismKind::kMx: {
        dns::Answer mx = co_await resolver_.Query(target, dns::RrType::kMX);
        if (mx.temperror()) co_return DnsError(m, domain, target, mx);
        if (mx.none()) {
          if (auto e = CountVoid(m, domain)) co_return e;
          co_return std::nullopt;
        }
        if (!mx.ok()) co_return std::nullopt;
        if (static_cast<int>(mx.mx.size()) > options_.max_mx_names) {
          co_return Make(Verdict::kPermError, "'" + m.text + "' in " + domain + ": " + target +
                                                  " has " + std::to_string(mx.mx.size()) +
                                                  " MX records (limit " +
                                                  std::to_string(options_.max_mx_names) + ")");
        }
        std::vector<dns::MxRecord> hosts = mx.mx;
        std::stable_sort(hosts.begin(), hosts.end(),
                         [](const auto& a, const auto& b) { return a.preference < b.preference; });
        for (const auto& host : hosts) {
          std::optional<Outcome> err;
          bool hit =
              co_await AddressMatch(host.exchange, ip_.v6 ? m.cidr6 : m.cidr4, m, domain, &err);
          if (err) co_return err;
          if (hit) co_return match;
        }
        co_return std::nullopt;
      }
      case MechanismKind::kPtr: {
        std::optional<Outcome> err;
        std::vector<std::string> names = co_await ValidatedNames(&m, domain, &err);
        if (err) co_return err;
        const std::string suffix = dns::NormalizeName(target);
        for (const auto& n : names) {
          if (n == suffix || n.ends_with("." + suffix)) {
            co_return match;
          }
        }
        co_return std::nullopt;
      }
      case MechanismKind::kExists: {
        dns::Answer a = co_await resolver_.Query(target, dns::RrType::kA);
        if (a.temperror()) co_return DnsError(m, domain, target, a);
        if (a.ok()) co_return match;
        if (a.none()) {
          if (auto e = CountVoid(m, domain)) co_return e;
        }
        co_return std::nullopt;
      }
    }
    co_return std::nullopt;
  }

  // Looks up the addresses of `name` of the client's family and compares.
  awaitable<bool> AddressMatch(const std::string& name, int bits, const Mechanism& m,
                               const std::string& domain, std::optional<Outcome>* err) {
    if (!dns::IsValidQueryName(dns::NormalizeName(name))) co_return false;
    dns::Answer a = co_await resolver_.Query(name, ip_.v6 ? dns::RrType::kAAAA : dns::RrType::kA);
    if (a.temperror()) {
      *err = DnsError(m, domain, name, a);
      co_return false;
    }
    if (a.none()) {
      *err = CountVoid(m, domain);
      co_return false;
    }
    for (const auto& text : a.records) {
      auto addr = ParseIp(text);
      if (addr && addr->v6 == ip_.v6 && InNetwork(ip_, addr->bytes, bits)) co_return true;
    }
    co_return false;
  }

  // The client's validated host names (section 5.5): PTR names, at most
  // max_ptr_names of them, whose forward lookup gives the client address.
  // DNS errors skip a name. With `m` set, void lookups count against the
  // limit (the ptr mechanism); without it (the p macro) they do not.
  awaitable<std::vector<std::string>> ValidatedNames(const Mechanism* m, const std::string& domain,
                                                     std::optional<Outcome>* err) {
    std::vector<std::string> out;
    dns::Answer ptr = co_await resolver_.Query(ReverseName(ip_), dns::RrType::kPTR);
    if (ptr.none() && m != nullptr) *err = CountVoid(*m, domain);
    if (!ptr.ok() || *err) co_return out;
    const size_t n = std::min(ptr.records.size(), static_cast<size_t>(options_.max_ptr_names));
    for (size_t i = 0; i < n; ++i) {
      const std::string name = dns::NormalizeName(ptr.records[i]);
      if (!dns::IsValidQueryName(name)) continue;
      dns::Answer a = co_await resolver_.Query(name, ip_.v6 ? dns::RrType::kAAAA : dns::RrType::kA);
      if (a.none() && m != nullptr) {
        *err = CountVoid(*m, domain);
        if (*err) co_return out;
      }
      if (!a.ok()) continue;
      for (const auto& text : a.records) {
        auto addr = ParseIp(text);
        if (addr && addr->v6 == ip_.v6 && addr->bytes == ip_.bytes) {
          out.push_back(name);
          break;
        }
      }
    }
    co_return out;
  }

  std::optional<Outcome> CountVoid(const Mechanism& m, const std::string& domain) {
    if (++voids_ > options_.max_void_lookups) {
      return Make(Verdict::kPermError, "more than " + std::to_string(options_.max_void_lookups) +
                                           " void DNS lookups (at '" + m.text + "' in " + domain +
                                           ")");
    }
    return std::nullopt;
  }

  Outcome DnsError(const Mechanism& m, const std::string& domain, const std::string& name,
                   const dns::Answer& a) {
    return Make(Verdict::kTempError, "DNS error looking up " + name + " for '" + m.text + "' in " +
                                         domain + ": " + a.error);
  }

  // Expands a domain-spec with <domain> = `domain`.
  awaitable<std::string> Expand(const std::string& spec, const std::string& domain,
                                std::optional<Outcome>* err, MacroUse use = MacroUse::kDomainSpec) {
    MacroContext ctx = base_;
    ctx.domain = domain;
    if (UsesPtrMacro(spec)) ctx.validated_name = co_await ValidatedName(domain);
    std::string error;
    std::string out = ExpandMacros(spec, ctx, use, &error);
    if (!error.empty()) {
      *err = Make(Verdict::kPermError, "macro error in '" + spec + "' (" + domain + "): " + error);
    }
    co_return out;
  }

  // %{p} (section 7.3): the validated name equal to <domain>, else one
  // ending in it, else any; "unknown" when there is none.
  awaitable<std::string> ValidatedName(const std::string& domain) {
    std::optional<Outcome> ignored;
    std::vector<std::string> names = co_await ValidatedNames(nullptr, domain, &ignored);
    if (names.empty()) co_return "unknown";
    for (const auto& n : names) {
      if (n == domain) co_return n;
    }
    for (const auto& n : names) {
      if (n.size() > domain.size() && n.ends_with("." + domain)) co_return n;
    }
    co_return names.front();
  }

  // Section 6.2: the explanation for a fail from this record.
  awaitable<void> Explain(const SpfRecord& record, const std::string& domain, Outcome* o) {
    o->explanation = options_.default_explanation;
    o->explanation_is_default = true;
    if (!record.exp) co_return;
    std::optional<Outcome> err;
    std::string target = co_await Expand(record.exp->value, domain, &err);
    if (err || !dns::IsValidQueryName(target)) co_return;
    dns::Answer txt = co_await resolver_.Query(target, dns::RrType::kTXT);
    if (!txt.ok() || txt.records.size() != 1 || !IsAscii(txt.records[0])) co_return;
    std::string text = co_await Expand(txt.records[0], domain, &err, MacroUse::kExplanation);
    if (err) co_return;
    o->explanation = std::move(text);
    o->explanation_is_default = false;
  }

  dns::Resolver& resolver_;
  const SpfOptions& options_;
  Ip ip_;
  MacroContext base_;
  int dns_terms_ = 0;
  int voids_ = 0;
};

}  // namespace

awaitable<SpfResult> CheckHost(dns::Resolver& resolver, std::string ip, std::string domain,
                               std::string sender, std::string helo, SpfOptions options) {
  SpfResult result;
  result.domain = dns::NormalizeName(domain);
  std::optional<Ip> client = ParseIp(ip);
  if (!client) {
    result.verdict = Verdict::kPermError;
    result.reason = "'" + ip + "' is not an IP address";
    co_return result;
  }
  MacroContext base;
  const size_t at = sender.rfind('@');
  if (at == std::string::npos) {
    base.local_part = "postmaster";
    base.sender_domain = sender.empty() ? domain : sender;
  } else {
    base.local_part = sender.substr(0, at);
    base.sender_domain = sender.substr(at + 1);
    if (base.local_part.empty()) base.local_part = "postmaster";
  }
  base.sender = base.local_part + "@" + base.sender_domain;
  base.ip = ip;
  base.helo = helo;
  base.receiver = options.receiver;
  base.timestamp =
      options.timestamp ? *options.timestamp : static_cast<int64_t>(std::time(nullptr));

  Checker checker(resolver, options, *client, std::move(base));
  Outcome o = co_await checker.Check(domain);
  result.verdict = o.verdict;
  result.reason = std::move(o.reason);
  if (o.verdict == Verdict::kFail) {
    result.explanation = std::move(o.explanation);
    result.explanation_is_default = o.explanation_is_default;
  }
  result.matched_term = std::move(o.matched_term);
  result.matched_in = std::move(o.matched_in);
  result.dns_terms = checker.dns_terms();
  result.void_lookups = checker.void_lookups();
  co_return result;
}

awaitable<SpfResult> CheckMailFrom(dns::Resolver& resolver, std::string ip, std::string mail_from,
                                   std::string helo, SpfOptions options) {
  if (mail_from.empty()) {
    co_return co_await CheckHelo(resolver, std::move(ip), std::move(helo), std::move(options));
  }
  const size_t at = mail_from.rfind('@');
  std::string domain = at == std::string::npos ? mail_from : mail_from.substr(at + 1);
  co_return co_await CheckHost(resolver, std::move(ip), std::move(domain), std::move(mail_from),
                               std::move(helo), std::move(options));
}

awaitable<SpfResult> CheckHelo(dns::Resolver& resolver, std::string ip, std::string helo,
                               SpfOptions options) {
  std::string sender = "postmaster@" + helo;
  std::string domain = helo;
  co_return co_await CheckHost(resolver, std::move(ip), std::move(domain), std::move(sender),
                               std::move(helo), std::move(options));
}

}  // namespace postdesk::spf
