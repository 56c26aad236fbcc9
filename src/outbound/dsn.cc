// outbound/dsn: see dsn.h. The parser works on the raw bytes with its own
// small MIME walker, because the mime module (rightly) turns
// message/delivery-status and text/rfc822-headers parts into attachments and
// a bounce needs exactly those parts as written. The mime module is used for
// charset conversion and HTML-to-text only.
//
// No std::regex: libstdc++'s engine recurses per input character and can
// overflow the stack on long hostile fields. Patterns are plain substrings
// (with a '*' gap) over lower-cased text.
#include "outbound/dsn.h"

#include "common/base64.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <cstdint>
#include <utility>

#include "mime/message.h"
#include <nlohmann/json.hpp>

namespace postdesk::outbound {
namespace {

// ---------------------------------------------------------------- text basics

char LowerChar(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c; }

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = LowerChar(c);
  return out;
}

bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f' || c == '\v'; }
bool IsDigit(char c) { return c >= '0' && c <= '9'; }
bool IsAlnum(char c) { return IsDigit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }

std::string_view Trim(std::string_view s) {
  while (!s.empty() && IsSpace(s.front())) s.remove_prefix(1);
  while (!s.empty() && IsSpace(s.back())) s.remove_suffix(1);
  return s;
}

bool IEquals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i)
    if (LowerChar(a[i]) != LowerChar(b[i])) return false;
  return true;
}

bool IStartsWith(std::string_view s, std::string_view prefix) {
  return s.size() >= prefix.size() && IEquals(s.substr(0, prefix.size()), prefix);
}

// Collapses runs of white space (including line breaks) into one space.
std::string Squeeze(std::string_view s, size_t cap = kMaxFieldBytes) {
  std::string out;
  bool space = false;
  for (char c : s) {
    if (IsSpace(c)) {
      space = !out.empty();
      continue;
    }
    if (space) out.push_back(' ');
    space = false;
    out.push_back(c);
    if (out.size() >= cap) break;
  }
  return out;
}

// Splits into lines without their terminators (LF, CRLF or lone CR).
std::vector<std::string_view> Lines(std::string_view s) {
  std::vector<std::string_view> out;
  size_t start = 0;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '\n' || s[i] == '\r') {
      out.push_back(s.substr(start, i - start));
      if (s[i] == '\r' && i + 1 < s.size() && s[i + 1] == '\n') ++i;
      start = i + 1;
    }
  }
  if (start < s.size()) out.push_back(s.substr(start));
  return out;
}

// Matches `pattern` (lower-case; '*' = any gap of at most 80 bytes) against
// lower-cased `text`.
bool Matches(std::string_view text, std::string_view pattern) {
  size_t star = pattern.find('*');
  if (star == std::string_view::npos) return text.find(pattern) != std::string_view::npos;
  std::string_view head = pattern.substr(0, star), tail = pattern.substr(star + 1);
  size_t pos = 0;
  while ((pos = text.find(head, pos)) != std::string_view::npos) {
    size_t after = pos + head.size();
    std::string_view window = text.substr(after, 80 + tail.size());
    if (tail.empty()) return true;
    if (Matches(window, tail)) return true;
    ++pos;
  }
  return false;
}

bool MatchesAny(std::string_view text, std::initializer_list<std::string_view> patterns) {
  for (std::string_view p : patterns)
    if (Matches(text, p)) return true;
  return false;
}

// Start of the line holding `pos`, looking back at most 1000 bytes (a
// hostile one-line body must not make every lookup scan it all).
size_t LineStart(std::string_view s, size_t pos) {
  size_t floor = pos > 1000 ? pos - 1000 : 0;
  for (size_t i = pos; i > floor; --i)
    if (s[i - 1] == '\n') return i;
  return floor;
}

// End of the line holding `pos` (at most 1000 bytes on).
size_t LineEnd(std::string_view s, size_t pos) {
  size_t ceil = std::min(s.size(), pos + 1000);
  for (size_t i = pos; i < ceil; ++i)
    if (s[i] == '\n') return i;
  return ceil;
}

// ------------------------------------------------------------------- headers

struct Headers {
  std::vector<std::pair<std::string, std::string>> fields;  // unfolded values

  std::string Get(std::string_view name) const {
    for (const auto& [n, v] : fields)
      if (IEquals(n, name)) return v;
    return {};
  }
  bool Has(std::string_view name) const {
    for (const auto& f : fields)
      if (IEquals(f.first, name)) return true;
    return false;
  }
};

// Parses a header block from the start of `s`; sets *body_start to the first
// byte after the blank line (or s.size()). Lines without a colon end the block
// unless they are the mbox "From " line at the very top.
Headers ParseHeaderBlock(std::string_view s, size_t* body_start) {
  Headers h;
  size_t pos = 0;
  bool first = true;
  while (pos < s.size()) {
    size_t eol = s.find('\n', pos);
    size_t next = eol == std::string_view::npos ? s.size() : eol + 1;
    std::string_view line = s.substr(pos, next - pos);
    while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) line.remove_suffix(1);
    if (line.empty()) {
      pos = next;
      break;
    }
    if (first && line.starts_with("From ")) {
      first = false;
      pos = next;
      continue;
    }
    first = false;
    if ((line[0] == ' ' || line[0] == '\t') && !h.fields.empty()) {
      std::string& v = h.fields.back().second;
      if (v.size() < kMaxFieldBytes) {
        v.push_back(' ');
        v.append(Trim(line).substr(0, kMaxFieldBytes));
      }
      pos = next;
      continue;
    }
    size_t colon = line.find(':');
    if (colon == std::string_view::npos || colon == 0 || colon > 76 ||
        Trim(line.substr(0, colon)).size() != colon) {
      break;  // not a header line: the body starts here
    }
    h.fields.emplace_back(std::string(line.substr(0, colon)),
                          std::string(Trim(line.substr(colon + 1)).substr(0, kMaxFieldBytes)));
    pos = next;
  }
  *body_start = pos;
  return h;
}

struct ParamValue {
  std::string value;  // lower-cased
  std::vector<std::pair<std::string, std::string>> params;
  std::string Param(std::string_view name) const {
    for (const auto& [n, v] : params)
      if (n == name) return v;
    return {};
  }
};

ParamValue ParseParams(std::string_view raw) {
  // Split on ';' outside double quotes.
  std::vector<std::string> pieces(1);
  bool quoted = false;
  for (size_t i = 0; i < raw.size(); ++i) {
    char c = raw[i];
    if (quoted && c == '\\' && i + 1 < raw.size()) {
      pieces.back().push_back(raw[++i]);
      continue;
    }
    if (c == '"') {
      quoted = !quoted;
      continue;
    }
    if (c == ';' && !quoted) {
      if (pieces.size() >= 64) break;
      pieces.emplace_back();
      continue;
    }
    pieces.back().push_back(c);
  }
  ParamValue out;
  std::string first(Trim(pieces[0]));
  // "text/plain charset=..." (a missing ';'): the type ends at white space.
  size_t space = first.find_first_of(" \t");
  if (space != std::string::npos) {
    pieces.insert(pieces.begin() + 1, first.substr(space + 1));
    first.resize(space);
  }
  out.value = Lower(first);
  for (size_t i = 1; i < pieces.size(); ++i) {
    std::string_view p = pieces[i];
    size_t eq = p.find('=');
    if (eq == std::string_view::npos) continue;
    out.params.emplace_back(Lower(Trim(p.substr(0, eq))), std::string(Trim(p.substr(eq + 1))));
  }
  return out;
}

// ----------------------------------------------------------------- decoding


std::string DecodeQuotedPrintable(std::string_view in) {
  auto hex = [](char c) -> int {
    if (IsDigit(c)) return c - '0';
    c = LowerChar(c);
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    return -1;
  };
  std::string out;
  out.reserve(in.size());
  for (size_t i = 0; i < in.size(); ++i) {
    char c = in[i];
    if (c != '=') {
      out.push_back(c);
      continue;
    }
    if (i + 1 < in.size() && (in[i + 1] == '\n' || in[i + 1] == '\r')) {  // soft break
      ++i;
      if (in[i] == '\r' && i + 1 < in.size() && in[i + 1] == '\n') ++i;
      continue;
    }
    if (i + 2 < in.size() && hex(in[i + 1]) >= 0 && hex(in[i + 2]) >= 0) {
      out.push_back(static_cast<char>(hex(in[i + 1]) * 16 + hex(in[i + 2])));
      i += 2;
      continue;
    }
    out.push_back(c);
  }
  return out;
}

// --------------------------------------------------------------- MIME walk

struct Part {
  Headers headers;
  std::string type;     // lower-case type/subtype; "text/plain" when absent
  std::string charset;  // as declared
  std::string body;     // transfer-decoded bytes
  bool inside_message = false;  // nested in a message/rfc822 part
};

struct Walk {
  std::vector<Part> leaves;
  int parts = 0;
};

void WalkEntity(std::string_view entity, int depth, bool inside_message, Walk* walk);

// A "--token" line that occurs at least twice at line starts: the boundary of
// a multipart body whose header lost or misstates it.
std::string GuessBoundary(std::string_view body, std::string_view not_this) {
  int tried = 0;
  for (std::string_view line : Lines(body.substr(0, 64 * 1024))) {
    line = Trim(line);
    if (line.size() < 12 || !line.starts_with("--") || line.find(' ') != std::string_view::npos)
      continue;
    std::string_view token = line.substr(2);
    if (token.ends_with("--")) token.remove_suffix(2);
    if (token == not_this || token.find_first_not_of("-=_") == std::string_view::npos) continue;
    if (++tried > 50) break;
    std::string needle = "\n--" + std::string(token);
    size_t first = body.find(needle);
    if (first != std::string_view::npos && body.find(needle, first + 1) != std::string_view::npos)
      return std::string(token);
  }
  return {};
}

// Splits a multipart body on `boundary`; tolerates a missing final boundary.
void WalkMultipart(std::string_view body, std::string_view boundary, int depth, bool inside,
                   Walk* walk) {
  std::string delim = "--" + std::string(boundary);
  size_t pos = 0;
  // Find the first delimiter at a line start.
  auto find_delim = [&](size_t from) -> size_t {
    while (true) {
      size_t p = body.find(delim, from);
      if (p == std::string_view::npos) return p;
      if (p == 0 || body[p - 1] == '\n' || body[p - 1] == '\r') return p;
      from = p + 1;
    }
  };
  size_t start = find_delim(pos);
  if (start == std::string_view::npos) {
    // A declared boundary that never occurs: some MTAs rewrite one but not
    // the other.
    std::string guessed = GuessBoundary(body, boundary);
    if (!guessed.empty()) {
      WalkMultipart(body, guessed, depth, inside, walk);
      return;
    }
    // No boundary line at all: treat the whole body as one text part.
    WalkEntity(std::string("Content-Type: text/plain\n\n") + std::string(body), depth + 1, inside,
               walk);
    return;
  }
  while (start != std::string_view::npos && walk->parts < 256) {
    size_t line_end = body.find('\n', start);
    if (body.substr(start + delim.size(), 2) == "--") return;  // closing delimiter
    if (line_end == std::string_view::npos) return;
    size_t content = line_end + 1;
    size_t next = find_delim(content);
    std::string_view part = body.substr(content, next == std::string_view::npos ? body.npos
                                                                                : next - content);
    WalkEntity(part, depth + 1, inside, walk);
    start = next;
  }
}

void WalkEntity(std::string_view entity, int depth, bool inside, Walk* walk) {
  if (depth > kMaxMimeDepth || walk->parts >= 256) return;
  ++walk->parts;
  size_t body_start = 0;
  Part part;
  part.headers = ParseHeaderBlock(entity, &body_start);
  part.inside_message = inside;
  std::string_view body = entity.substr(std::min(body_start, entity.size()));
  ParamValue ct = ParseParams(part.headers.Get("Content-Type"));
  part.type = ct.value.empty() || ct.value.find('/') == std::string::npos ? "text/plain" : ct.value;
  part.charset = ct.Param("charset");
  if (depth == 0 && !part.headers.Has("Content-Type") &&
      Lower(body.substr(0, 64 * 1024)).find("content-type: message/delivery-status") !=
          std::string::npos) {
    // MIME parts without MIME headers (some Sendmail set-ups).
    std::string guessed = GuessBoundary(body, "");
    if (!guessed.empty()) {
      part.type = "multipart/mixed";
      ct.params.emplace_back("boundary", guessed);
    }
  }
  if (part.type.starts_with("multipart/")) {
    std::string boundary = ct.Param("boundary");
    if (boundary.empty()) {
      part.type = "text/plain";
    } else {
      WalkMultipart(body, boundary, depth, inside, walk);
      return;
    }
  }
  std::string cte = Lower(Trim(part.headers.Get("Content-Transfer-Encoding")));
  if (cte == "base64") {
    part.body = Base64DecodeLenient(body);
  } else if (cte == "quoted-printable") {
    part.body = DecodeQuotedPrintable(body);
  } else {
    part.body = std::string(body);
  }
  bool message = part.type == "message/rfc822" || part.type == "message/global";
  walk->leaves.push_back(std::move(part));
  if (message) {
    // The returned message: its own text parts are the sender's, not the
    // bounce's, but are kept (flagged) for the Message-ID fallback.
    WalkEntity(walk->leaves.back().body, depth + 1, true, walk);
  }
}

// --------------------------------------------------------------- addresses

bool IsLocalChar(char c) {
  return IsAlnum(c) || std::string_view("!#$%&'*+/=?^_`{|}~.-").find(c) != std::string_view::npos;
}
bool IsDomainChar(char c) { return IsAlnum(c) || c == '.' || c == '-' || c == '_'; }

struct FoundAddress {
  std::string address;
  size_t begin = 0, end = 0;  // byte range in the scanned text
};

// Every addr-spec-looking token in `text`, in order.
std::vector<FoundAddress> FindAddresses(std::string_view text, size_t limit = 2000) {
  std::vector<FoundAddress> out;
  size_t pos = 0;
  while ((pos = text.find('@', pos)) != std::string_view::npos && out.size() < limit) {
    size_t b = pos;
    if (pos > 1 && text[pos - 1] == '"') {  // "quoted local part"@domain
      size_t from = pos >= 130 ? pos - 130 : 0;
      size_t q = text.substr(from, pos - 1 - from).rfind('"');
      if (q != std::string_view::npos) q += from;
      if (q != std::string_view::npos &&
          text.substr(q, pos - q).find_first_of(" \n\r\t<>") == std::string_view::npos)
        b = q;
    }
    if (b == pos)
      while (b > 0 && IsLocalChar(text[b - 1]) && pos - b < 128) --b;
    size_t e = pos + 1;
    while (e < text.size() && IsDomainChar(text[e]) && e - pos < 256) ++e;
    while (b < pos && (text[b] == '.' || text[b] == '\'' || text[b] == '/')) ++b;
    while (e > pos + 1 && (text[e - 1] == '.' || text[e - 1] == '-')) --e;
    std::string_view domain = text.substr(pos + 1, e - pos - 1);
    if (b < pos && !domain.empty() && domain.find('.') != std::string_view::npos &&
        IsAlnum(domain.front())) {
      out.push_back({std::string(text.substr(b, e - b)), b, e});
    }
    pos = e > pos ? e : pos + 1;
  }
  return out;
}

// "rfc822; <User@Example.COM>" -> "User@Example.COM".
std::string CleanAddressField(std::string_view v) {
  size_t semi = v.find(';');
  if (semi != std::string_view::npos && semi < 20) v = v.substr(semi + 1);
  v = Trim(v);
  auto found = FindAddresses(v, 1);
  if (!found.empty()) return found[0].address;
  std::string out(v);
  std::erase_if(out, [](char c) { return c == '<' || c == '>' || c == '"'; });
  return std::string(Trim(out));
}

std::string LocalPart(std::string_view addr) {
  size_t at = addr.rfind('@');
  return Lower(addr.substr(0, at == std::string_view::npos ? addr.size() : at));
}

bool IsDaemonLocalPart(std::string_view local) {
  static constexpr std::array<std::string_view, 10> kDaemons = {
      "mailer-daemon", "postmaster", "mail-daemon", "maildaemon", "mailerdaemon",
      "mailer_daemon", "double-bounce", "mdaemon", "mail.daemon", "post_master"};
  for (auto d : kDaemons)
    if (local == d) return true;
  return false;
}

// ------------------------------------------------------ status / reply codes

bool ValidCodePart(std::string_view s, size_t max_len) {
  return !s.empty() && s.size() <= max_len && std::all_of(s.begin(), s.end(), IsDigit);
}

// Parses "C.S.D" at `pos` (C in `classes`); returns its length or 0.
size_t StatusAt(std::string_view text, size_t pos, std::string_view classes) {
  if (pos + 5 > text.size()) return 0;
  if (classes.find(text[pos]) == std::string_view::npos || text[pos + 1] != '.') return 0;
  if (!IsDigit(text[pos + 2]) || text[pos + 3] != '.') return 0;
  size_t e = pos + 4;
  while (e < text.size() && IsDigit(text[e]) && e - pos < 7) ++e;
  if (e == pos + 4) return 0;
  return e - pos;
}

bool WordBoundaryBefore(std::string_view t, size_t pos) {
  return pos == 0 || !(IsAlnum(t[pos - 1]) || t[pos - 1] == '_');
}
bool WordBoundaryAfter(std::string_view t, size_t end) {
  return end >= t.size() || !(IsAlnum(t[end]) || t[end] == '_');
}

// An IPv4 address or version number around a code ("10.5.1.1") disqualifies it.
bool LooksLikeDottedNumber(std::string_view t, size_t pos, size_t end) {
  if (end + 1 < t.size() && t[end] == '.' && IsDigit(t[end + 1])) return true;
  if (pos >= 2 && t[pos - 1] == '.' && IsDigit(t[pos - 2])) return true;
  return false;
}

std::string FindStatusIn(std::string_view text, std::string_view classes) {
  // Pass 1: "(#5.5.1)"; pass 2: "550 5.1.1" / "550-5.1.1"; pass 3: bare.
  for (int pass = 1; pass <= 3; ++pass) {
    for (size_t i = 0; i + 5 <= text.size(); ++i) {
      size_t len = StatusAt(text, i, classes);
      if (len == 0) continue;
      size_t end = i + len;
      bool ok = false;
      if (pass == 1) {
        ok = i >= 1 && text[i - 1] == '#';
      } else if (pass == 2) {
        size_t j = i;
        if (j >= 1 && text[j - 1] == '#') --j;
        ok = j >= 4 && (text[j - 1] == ' ' || text[j - 1] == '-') && IsDigit(text[j - 2]) &&
             IsDigit(text[j - 3]) && IsDigit(text[j - 4]) && WordBoundaryBefore(text, j - 4) &&
             WordBoundaryAfter(text, end);
      } else {
        ok = WordBoundaryBefore(text, i) && WordBoundaryAfter(text, end);
      }
      if (!ok) continue;
      if (LooksLikeDottedNumber(text, i, end)) continue;
      return std::string(text.substr(i, len));
    }
  }
  return {};
}

// First SMTP reply code (4xx/5xx, or 2xx) standing as a word.
int FindReplyCode(std::string_view text) {
  for (size_t i = 0; i + 3 <= text.size(); ++i) {
    char c = text[i];
    if (c != '4' && c != '5') continue;
    if (!IsDigit(text[i + 1]) || !IsDigit(text[i + 2])) continue;
    if (text[i + 1] > '5') continue;
    if (!WordBoundaryBefore(text, i) || !WordBoundaryAfter(text, i + 3)) continue;
    if (i > 0 && (text[i - 1] == '.' || text[i - 1] == '#' || text[i - 1] == ':')) continue;
    if (i + 3 < text.size() && (text[i + 3] == '.' || text[i + 3] == '@' || text[i + 3] == ':'))
      continue;
    return (c - '0') * 100 + (text[i + 1] - '0') * 10 + (text[i + 2] - '0');
  }
  return 0;
}

// A status whose subject and detail are single non-zero digits is specific
// enough to override the Status field ("5.0.0" loses to "550 5.1.1" in the
// diagnostic).
bool IsSpecificStatus(std::string_view s) {
  return s.size() == 5 && (s[0] == '4' || s[0] == '5') && s[2] >= '1' && s[2] <= '9' &&
         s[4] >= '1' && s[4] <= '9';
}

bool IsWellFormedStatus(std::string_view s) {
  if (s.size() < 5 || (s[0] != '2' && s[0] != '4' && s[0] != '5') || s[1] != '.') return false;
  size_t dot = s.find('.', 2);
  if (dot == std::string_view::npos) return false;
  return ValidCodePart(s.substr(2, dot - 2), 3) && ValidCodePart(s.substr(dot + 1), 3);
}

// --------------------------------------------------------------- reasons

struct ReasonRule {
  std::string_view detail;
  std::vector<std::string_view> patterns;
};

// Ordered: the first rule with a matching pattern wins, so the specific
// wording comes before the general.
const std::vector<ReasonRule>& Rules() {
  static const std::vector<ReasonRule> kRules = {
      {"expired",
       {"retry timeout exceeded", "retry time not reached for any host", "delivery time expired",
        "message expired", "has been delayed", "could not be delivered for",
        "was not delivered within", "message timed out", "too long in queue",
        "queue lifetime", "maximum time in queue", "delivery expired",
        "not delivered after", "message could not be delivered within", "unable to deliver message after",
        "delivery attempts will continue", "did not accept our requests to connect", "delivery failed * attempts", "have been failing for",
        "i'm not going to try again", "retry period", "message has been in the queue too long",
        "timeout waiting for", "could not be delivered in the time", "delivery failed for"}},
      {"networkerror", {"host not found, try again"}},
      {"hostunknown", {"host or domain name not found"}},
      {"blocked", {"spamhaus", "dnsbl", "blacklisted by", "is listed at", "listed in rbl"}},
      {"notaccept", {"no mx record found", "no smtp service", "null mx"}},
      {"spamdetected", {"blacklisted url", "spam content"}},
      {"mesgtoobig",
       {"message too large", "message too big", "message is too large", "message is too big",
        "message size exceeds", "exceeds the maximum size", "exceeds maximum message size",
        "size limit", "message length exceeds", "message exceeds", "exceeded maximum message size",
        "mail size", "too large for", "message file too big", "line limit exceeded", "email is too large"}},
      {"exceedlimit", {"exceeds recipients limit", "exceeded the fixed limit"}},
      {"mailboxfull",
       {"mailbox full", "mailbox is full", "mailbox was full", "quota exceeded", "over quota",
        "overquota", "exceeded storage", "exceeded their storage", "mailbox exceeds",
        "insufficient disk", "is over quota", "over the allowed quota", "mailbox size limit",
        "disk quota", "account is full", "user is over", "full mailbox", "storage limit",
        "mailbox would exceed", "out of storage", "quota full", "exceeding its mailbox",
        "mailfolder is full", "no space left", "recipient's mailbox is full", "mailbox quota",
        "over their quota", "has exceeded the maximum", "is full", "mailbox has exceeded",
        "not enough storage", "exceeded its quota", "quota exceed"}},
      {"suspend",
       {"account disabled", "mailbox disabled", "account has been disabled", "is disabled",
        "has been disabled", "suspended", "account is locked", "mailbox is inactive",
        "account is inactive", "inactive account", "account inactive", "deactivated",
        "not active", "account expired", "mailbox unavailable or inactive", "is frozen",
        "recipient is no longer", "temporarily disabled", "account has been closed"}},
      {"securityerror",
       {"spf", "dkim", "dmarc", "authentication required", "authentication failed",
        "not authenticated", "unauthenticated", "must be authenticated", "sender policy framework",
        "sender id", "starttls", "tls required", "encryption required"}},
      {"norelaying",
       {"relay access denied", "relaying denied", "not permitted to relay", "relay not permitted",
        "unable to relay", "relaying not allowed", "relay denied", "we do not relay",
        "no relaying", "relaying to", "not allowed to relay", "relay prohibited",
        "we don't relay"}},
      {"hostunknown",
       {"host unknown", "unknown host", "unrouteable address", "domain may not exist", "domain not found", "no such domain", "host not found",
        "name or service not known", "unrouteable mail domain", "domain does not exist",
        "no mx record", "nxdomain", "host or domain name not found", "domain name not found",
        "unknown domain", "domain is not", "mail for * loops back", "no route to host",
        "all relevant mx records point to non-existent hosts", "invalid domain",
        "domain isn't in my list", "unroutable", "address could not be found",
        "domain lookup failed", "dns lookup", "not a valid domain", "no mail hosts",
        "recipient domain", "bad destination host"}},
      {"userunknown",
       {"user unknown", "unknown user", "no such user", "user not found", "no mailbox here",
        "invalid recipient", "recipient unknown", "unknown recipient", "no such recipient",
        "mailbox not found", "does not exist", "doesn't exist", "not a valid mailbox",
        "no such mailbox", "invalid final delivery userid", "account does not exist", "address not found",
        "invalid mailbox", "unknown local part", "recipient not found", "user doesn't have",
        "user does not have", "bad destination mailbox", "unknown address", "no such address",
        "address unknown", "not our customer", "no users here", "not listed in",
        "mailbox unavailable", "mailbox not available", "invalid address", "no account by that name",
        "recipient rejected", "address rejected", "unknown or illegal alias", "not exist",
        "no such account", "is not a known user", "user invalid", "no mailbox by that name",
        "account not found", "couldn't find", "could not be found", "is unknown",
        "addressee unknown", "no such person", "was not found", "undeliverable address",
        "invalid user", "mailbox does not", "unknown mailbox", "no such local user",
        "user reject", "destination address rejected", "unknown to address",
        "not a registered user", "recipient address rejected", "not have an account",
        "ディレクトリのリストにありません", "存在しません"}},
      {"expired", {"connection timed out", "host not reachable"}},
      {"notaccept",
       {"does not accept mail", "doesn't accept mail", "not accepting mail", "null mx",
        "accepts no mail", "not accept any mail", "this domain does not receive mail"}},
      {"virusdetected", {"virus", "malware", "infected", "trojan"}},
      {"spamdetected",
       {"spam", "unsolicited", "junk mail", "bulk mail", "message content rejected",
        "content filter", "suspicious"}},
      {"blocked",
       {"blacklist", "blocklist", "block list", "black list", "blocked", "spamhaus", "rbl",
        "dnsbl", "client host rejected", "access denied", "poor reputation", "reputation",
        "not allowed to send", "ip address", "reverse dns", "rdns", "invalid ip", "ptr record",
        "your host", "listed at", "listed in", "connection refused", "refused to talk",
        "denied by", "banned", "not accepted from", "rejected by * policy"}},
      {"rejected",
       {"sender rejected", "sender address rejected", "domain of sender address",
        "sender verify failed", "rejected sender", "you do not have permission to post",
        "not allowed to post", "not a member", "sender is not", "mail from", "sender denied",
        "sender domain", "sender unknown", "bad sender", "from address", "return path",
        "envelope sender", "sender address", "only accepts mail from", "permission to post"}},
      {"policyviolation",
       {"policy", "prohibited", "not permitted", "content rejected", "rejected due to",
        "message rejected", "not allowed", "restricted"}},
      {"filtered",
       {"filtered", "filter", "rejected by recipient", "refused by", "has restricted",
        "not authorized", "does not accept email", "delivery not authorized",
        "message refused", "rejected by the recipient"}},
      {"toomanyconn",
       {"too many connections", "too many concurrent", "rate limit", "too many messages",
        "too many recipients", "too many errors", "too much mail", "try again later",
        "throttl"}},
      {"networkerror",
       {"connection timed out", "could not connect", "connect to", "lost connection",
        "network", "mail loop", "loops back to myself", "too many hops", "hop count exceeded",
        "conversation with", "connection reset", "timed out", "routing loop", "loop detected"}},
      {"systemerror",
       {"system error", "internal error", "local configuration error", "server error",
        "configuration error", "temporary failure", "server is busy", "local error",
        "service unavailable", "system failure", "resources"}},
      {"syntaxerror",
       {"syntax error", "command unrecognized", "unrecognized command", "command not recognized",
        "bad command"}},
      {"mailererror",
       {"mailer error", "command failed", "exit code", "command died", "procmail",
        "unknown mailer", "pipe to", "x-unix"}},
  };
  return kRules;
}

// Fine reason from a specific status code, when the text says nothing usable.
std::string_view DetailFromStatus(std::string_view status) {
  if (status.size() < 5) return {};
  std::string_view tail = status.substr(2);
  struct Pair {
    std::string_view code, detail;
  };
  static constexpr std::array<Pair, 24> kMap = {{
      {"1.1", "userunknown"}, {"1.0", "userunknown"},  {"1.2", "hostunknown"},
      {"1.3", "userunknown"}, {"1.6", "hasmoved"},     {"1.8", "rejected"},
      {"1.7", "rejected"},    {"2.1", "suspend"},      {"2.2", "mailboxfull"},
      {"2.3", "mesgtoobig"},  {"2.4", "systemerror"},  {"3.1", "systemfull"},
      {"3.4", "mesgtoobig"},  {"4.4", "hostunknown"},  {"4.6", "networkerror"},
      {"4.7", "expired"},     {"4.1", "networkerror"}, {"4.2", "networkerror"},
      {"5.3", "toomanyconn"}, {"6.0", "contenterror"}, {"7.1", "blocked"},
      {"7.26", "securityerror"}, {"7.23", "securityerror"}, {"7.7", "securityerror"},
  }};
  for (const auto& p : kMap)
    if (tail == p.code) return p.detail;
  return {};
}

// The pseudo status code for a fine reason (the reference parser's
// X.0.9NN convention, so inferred codes agree with it).
std::string PseudoStatus(std::string_view detail, bool temporary) {
  struct Pair {
    std::string_view detail;
    int code;
  };
  static constexpr std::array<Pair, 27> kCodes = {{
      {"blocked", 971},       {"contenterror", 960}, {"exceedlimit", 923},
      {"expired", 947},       {"filtered", 910},     {"hasmoved", 916},
      {"hostunknown", 912},   {"mailboxfull", 922},  {"mailererror", 939},
      {"mesgtoobig", 934},    {"networkerror", 944}, {"norelaying", 909},
      {"notaccept", 932},     {"onhold", 901},       {"policyviolation", 972},
      {"rejected", 918},      {"securityerror", 970}, {"spamdetected", 980},
      {"suspend", 921},       {"systemerror", 930},  {"systemfull", 931},
      {"syntaxerror", 902},   {"toomanyconn", 945},  {"userunknown", 911},
      {"undefined", 900},     {"virusdetected", 971}, {"delivered", 0},
  }};
  // Reasons that are never temporary in that convention.
  static constexpr std::array<std::string_view, 8> kPermanentOnly = {
      "exceedlimit", "hasmoved", "hostunknown", "mailererror",
      "mesgtoobig",  "norelaying", "suspend",   "userunknown"};
  bool temp = temporary && std::find(kPermanentOnly.begin(), kPermanentOnly.end(), detail) ==
                               kPermanentOnly.end();
  for (const auto& p : kCodes) {
    if (p.detail == detail && p.code > 0)
      return std::string(temp ? "4" : "5") + ".0." + std::to_string(p.code);
  }
  return temp ? "4.0.900" : "5.0.900";
}

// --------------------------------------------------------- DSN field blocks

struct RawRecipient {
  std::string final_recipient, original_recipient, action, status, remote_mta, diag_type,
      diagnostic;
};

struct DsnFields {
  std::string reporting_mta;
  std::string original_sender;  // X-Postfix-Sender and the like
  std::vector<RawRecipient> recipients;
};

std::string StripType(std::string_view v) {
  size_t semi = v.find(';');
  if (semi != std::string_view::npos && semi < 20) v = v.substr(semi + 1);
  return std::string(Trim(v));
}

// Reads RFC 3464 fields from `text` (a message/delivery-status body, or text
// that quotes one). A new recipient starts at each Final-Recipient (or at an
// Original-Recipient when the current one already has one), so reports that
// lack the blank lines between groups still parse.
DsnFields ParseDsnFields(std::string_view text) {
  DsnFields out;
  // Parse line by line; blank lines separate groups but are not required.
  std::vector<std::pair<std::string, std::string>> fields;
  std::vector<std::string_view> lines = Lines(text);
  for (size_t i = 0; i < lines.size(); ++i) {
    std::string_view line = lines[i];
    if (Trim(line).empty()) {
      fields.emplace_back("", "");  // group separator
      continue;
    }
    if ((line[0] == ' ' || line[0] == '\t') && !fields.empty() && !fields.back().first.empty()) {
      std::string& v = fields.back().second;
      if (v.size() < kMaxFieldBytes) {
        v.push_back(' ');
        v.append(Trim(line).substr(0, kMaxFieldBytes));
      }
      continue;
    }
    size_t colon = line.find(':');
    if (colon == std::string_view::npos || colon == 0 || colon > 40 ||
        Trim(line.substr(0, colon)).size() != colon) {
      continue;
    }
    fields.emplace_back(Lower(line.substr(0, colon)),
                        std::string(Trim(line.substr(colon + 1)).substr(0, kMaxFieldBytes)));
  }
  // Group the fields (blank lines separate groups). A group that names a
  // recipient is a per-recipient group, whatever order its fields come in;
  // one that holds a second Final-Recipient starts another recipient there.
  std::vector<std::vector<std::pair<std::string, std::string>*>> groups(1);
  for (auto& f : fields) {
    if (f.first.empty()) {
      if (!groups.back().empty()) groups.emplace_back();
      continue;
    }
    groups.back().push_back(&f);
  }
  for (const auto& group : groups) {
    bool names_recipient = false;
    for (const auto* f : group)
      names_recipient = names_recipient || f->first == "final-recipient" ||
                        f->first == "original-recipient" || f->first == "x-actual-recipient";
    RawRecipient* cur = nullptr;
    for (const auto* f : group) {
      const std::string& name = f->first;
      const std::string& value = f->second;
      if (name == "reporting-mta") {
        out.reporting_mta = StripType(value);
        continue;
      }
      if (name == "x-postfix-sender" || name == "x-original-envelope-from") {
        out.original_sender = CleanAddressField(value);
        continue;
      }
      if (!names_recipient) continue;
      bool is_final = name == "final-recipient";
      bool is_original = name == "original-recipient";
      bool start = cur == nullptr || (is_final && !cur->final_recipient.empty()) ||
                   (is_original && !cur->original_recipient.empty());
      if (start) {
        if (out.recipients.size() >= kMaxRecipients) break;
        out.recipients.emplace_back();
        cur = &out.recipients.back();
      }
      if (is_final) {
        cur->final_recipient = CleanAddressField(value);
      } else if (is_original || name == "x-actual-recipient") {
        if (cur->original_recipient.empty()) cur->original_recipient = CleanAddressField(value);
      } else if (name == "action") {
        cur->action = Lower(Trim(std::string_view(value).substr(0, value.find_first_of(" ;("))));
      } else if (name == "status") {
        cur->status = std::string(Trim(std::string_view(value).substr(0, value.find_first_of(" ;("))));
      } else if (name == "remote-mta") {
        cur->remote_mta = StripType(value);
      } else if (name == "diagnostic-code") {
        size_t semi = value.find(';');
        if (semi != std::string::npos && semi < 20) {
          cur->diag_type = std::string(Trim(std::string_view(value).substr(0, semi)));
          cur->diagnostic = Squeeze(std::string_view(value).substr(semi + 1));
        } else {
          cur->diagnostic = Squeeze(value);
        }
      }
    }
  }
  // Drop groups without any address.
  std::erase_if(out.recipients, [](const RawRecipient& r) {
    return r.final_recipient.find('@') == std::string::npos &&
           r.original_recipient.find('@') == std::string::npos;
  });
  return out;
}

// ------------------------------------------------------- bounce recognition

bool SubjectSaysBounce(std::string_view lower_subject) {
  return MatchesAny(lower_subject,
                    {"undeliver", "undelivered", "delivery status notification", "delivery failure",
                     "delivery failed", "failure notice", "returned mail", "mail delivery",
                     "non-delivery", "nondelivery", "not delivered", "could not be delivered",
                     "delivery notification", "returned to sender", "delivery problem",
                     "delivery report", "delivery has failed", "failed delivery", "mail failure",
                     "error sending message", "message not delivered", "delivery error",
                     "warning: could not send", "delayed mail", "delivery delayed",
                     "delivery incomplete", "rejected:", "nicht zustellbar", "unzustellbar",
                     "no se puede entregar", "non remis", "unable to deliver", "mail could not",
                     "message you sent", "your message", "returned", "bounce", "problem with your",
                     "error", "delivery final failure", "notice", "fail", "permanent",
                     "エラー", "不達", "配信できません", "送信できません", "返送", "未配達"});
}

bool SubjectSaysAutoReply(std::string_view lower_subject) {
  return MatchesAny(lower_subject, {"out of office", "out of the office", "auto-reply",
                                    "autoreply", "auto reply", "automatic reply", "vacation",
                                    "abwesenheit", "autosvar", "absence", "on leave",
                                    "away from"});
}

// Lines that start the returned copy of the original message in a
// non-standard bounce.
bool IsOriginalMessageMarker(std::string_view lower_line) {
  std::string_view t = Trim(lower_line);
  if (t.empty()) return false;
  return MatchesAny(t,
                    {"this is a copy of the message", "below this line is a copy",
                     "original message follows", "original message --", "original message -",
                     "--- original message", "original message headers", "header of the original",
                     "headers of the original", "copy of the original", 
                     "unsent message below", "message header follows", "original mail follows",
                     "rfc822 message follows", 
                     "original email", "message headers follow", "start of original",
                     "headers of your message", "your message reads", "first part of the message",
                     "content-type: message/rfc822", "unsent message follows",
                     "- returned message -",
                     "original message is attached"}) &&
         !MatchesAny(t, {"could not be delivered", "was not delivered", "you sent could"});
}


// ----------------------------------------------------- Amazon SES (JSON)

// Amazon SES bounce notifications delivered by e-mail (through SNS) carry
// the bounce as JSON: {"notificationType":"Bounce","bounce":{
// "bouncedRecipients":[{"emailAddress","action","status","diagnosticCode"}]}}.
// Returns false when `text` is not such a notification.
bool ParseSesJson(std::string_view text, std::vector<RawRecipient>* out, bool* not_bounce) {
  size_t open = text.find('{');
  if (open == std::string_view::npos || text.find("\"notificationType\"") == std::string_view::npos)
    return false;
  size_t close = text.rfind('}');
  if (close == std::string_view::npos || close < open) return false;
  // Mail transport folds the long JSON lines ("\n " inserted anywhere, even
  // inside strings); undo that, then drop the remaining line breaks, which
  // JSON allows only between tokens.
  std::string body;
  std::string_view src = text.substr(open, close - open + 1);
  for (size_t i = 0; i < src.size(); ++i) {
    if (src[i] == '\r') continue;
    if (src[i] == '\n') {
      if (i + 1 < src.size() && src[i + 1] == ' ') ++i;
      continue;
    }
    body.push_back(src[i]);
  }
  nlohmann::json j = nlohmann::json::parse(body, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return false;
  if (j.contains("Message") && j["Message"].is_string()) {  // raw SNS envelope
    nlohmann::json inner = nlohmann::json::parse(j["Message"].get<std::string>(), nullptr, false);
    if (!inner.is_discarded() && inner.is_object()) j = std::move(inner);
  }
  auto str = [](const nlohmann::json& o, const char* key) -> std::string {
    auto it = o.find(key);
    return it != o.end() && it->is_string() ? it->get<std::string>().substr(0, kMaxFieldBytes)
                                            : std::string();
  };
  std::string type = str(j, "notificationType");
  if (type.empty()) type = str(j, "eventType");
  if (type != "Bounce") {
    *not_bounce = true;  // Complaint, Delivery, ...
    return true;
  }
  auto b = j.find("bounce");
  if (b == j.end() || !b->is_object()) return false;
  auto list = b->find("bouncedRecipients");
  if (list == b->end() || !list->is_array()) return false;
  for (const auto& r : *list) {
    if (!r.is_object() || out->size() >= kMaxRecipients) continue;
    RawRecipient rr;
    rr.final_recipient = CleanAddressField(str(r, "emailAddress"));
    rr.action = Lower(str(r, "action"));
    rr.status = str(r, "status");
    rr.diagnostic = Squeeze(str(r, "diagnosticCode"));
    size_t semi = rr.diagnostic.find(';');
    if (semi != std::string::npos && semi < 20) {
      rr.diag_type = std::string(Trim(std::string_view(rr.diagnostic).substr(0, semi)));
      rr.diagnostic = std::string(Trim(std::string_view(rr.diagnostic).substr(semi + 1)));
    }
    if (rr.final_recipient.find('@') != std::string::npos) out->push_back(std::move(rr));
  }
  return true;
}

// ------------------------------------------------------------- assembly

std::string FirstHeaderAddress(const Headers& h, std::string_view name) {
  std::string v = h.Get(name);
  auto found = FindAddresses(v, 1);
  return found.empty() ? std::string() : found[0].address;
}

void AddUnique(std::vector<std::string>* list, std::string_view addr) {
  if (addr.empty()) return;
  for (const auto& a : *list)
    if (IEquals(a, addr)) return;
  list->emplace_back(addr);
}

DsnAction ActionFrom(std::string_view a, std::string_view status) {
  if (a == "delayed") return DsnAction::kDelayed;
  if (a == "delivered") return DsnAction::kDelivered;
  if (a == "relayed") return DsnAction::kRelayed;
  if (a == "expanded") return DsnAction::kExpanded;
  if (a == "failed") return DsnAction::kFailed;
  if (!status.empty() && status[0] == '2') return DsnAction::kDelivered;
  if (!status.empty() && status[0] == '4') return DsnAction::kDelayed;
  return DsnAction::kFailed;
}

bool TextSaysTemporary(std::string_view lower) {
  return MatchesAny(lower, {"temporary", "temporarily", "try again", "will retry",
                            "will be retried", "still trying", "delayed", "deferred",
                            "not yet been delivered", "warning:"});
}

bool TextSaysPermanent(std::string_view lower) {
  return MatchesAny(lower, {"permanent", "permanently", "giving up", "given up", "i've given up",
                            "will not be retried", "failed permanently"});
}

// Which family of MTA wrote a non-standard bounce, where that changes how
// its text is read.
enum class Family { kOther, kDsn, kExim, kGoogleGroups, kUserUnknownVendor };

// Prefers the first specific code ("5.7.1") over a general one ("5.1.0")
// that precedes it: AmazonSES and others prefix their own general code.
std::string BestStatus(std::string_view text) {
  std::string first = FindStatusCode(text);
  if (first.empty() || IsSpecificStatus(first)) return first;
  size_t at = text.find(first);
  std::string later = at == std::string_view::npos ? "" : FindStatusCode(text.substr(at + first.size()));
  return IsSpecificStatus(later) ? later : first;
}

// Permanent or temporary, when no status code says so: the first code in the
// text, else its wording; permanent when nothing tells.
bool SaysTemporary(std::string_view text, int reply_code) {
  std::string code = FindStatusCode(text);
  if (!code.empty()) return code[0] == '4';
  if (reply_code != 0) return reply_code < 500;
  std::string lower = Lower(text);
  if (lower.find("temporar") != std::string::npos || lower.find("persistent") != std::string::npos)
    return true;
  return false;
}

// Fills status, reply code, reason for one recipient. `context` is extra
// text (the notice) used when the diagnostic alone says nothing.
void Finish(BouncedRecipient* r, std::string_view field_status, std::string_view context,
            Family family = Family::kOther) {
  std::string text = r->diagnostic;
  if (text.size() < 8 && !context.empty()) text = std::string(context.substr(0, kMaxFieldBytes));
  std::string diag_status = BestStatus(text);
  std::string status = IsWellFormedStatus(field_status) ? std::string(field_status) : "";
  if (!diag_status.empty() && (status.empty() || IsSpecificStatus(diag_status) ||
                               (status.size() >= 5 && status.substr(1) == ".0.0" &&
                                diag_status[0] == status[0])))
    status = diag_status;
  r->smtp_reply_code = FindReplyCode(text);
  std::string lower = Lower(text);
  r->reason_detail = ClassifyReasonDetail(text, status);
  if (r->reason_detail == "undefined" && !context.empty() && text != context)
    r->reason_detail = ClassifyReasonDetail(context.substr(0, kMaxFieldBytes), status);
  if (family == Family::kExim) {
    // Exim names the SMTP stage that failed.
    if (lower.find("after mail from") != std::string::npos) r->reason_detail = "onhold";
    if (lower.find("after helo") != std::string::npos || lower.find("after ehlo") != std::string::npos)
      r->reason_detail = "blocked";
  } else if (family == Family::kGoogleGroups) {
    r->reason_detail = "rejected";  // not a member / no permission to post
  }
  // "User unknown" with no status code, said after the recipient was
  // accepted (not at RCPT), is a filter's verdict: the reference says
  // "filtered". Exchange's and Sendmail's reports name the stage.
  if (status.empty() && r->reason_detail == "userunknown" && family != Family::kUserUnknownVendor &&
      family != Family::kDsn &&
      lower.find("rcpt") == std::string::npos && lower.find("msexch") == std::string::npos)
    r->reason_detail = "filtered";
  // A diagnostic that fits no known wording: the reference calls it "onhold".
  if (r->reason_detail == "undefined" && !Trim(r->diagnostic).empty()) r->reason_detail = "onhold";
  if (status.empty()) {
    bool temporary = SaysTemporary(text, r->smtp_reply_code);
    if (family == Family::kExim && r->smtp_reply_code == 0 &&
        (r->reason_detail == "expired" || r->reason_detail == "mailboxfull"))
      temporary = true;
    status = PseudoStatus(r->reason_detail, temporary);
    r->status_inferred = true;
  }
  r->status = status;
  // A stated, unambiguous status code says more than the wording around it
  // ("Giving up on 192.0.2.1" under "550 5.1.1 unknown user").
  if (!r->status_inferred && status.size() >= 5) {
    static constexpr std::array<std::string_view, 8> kClear = {
        ".1.1", ".1.2", ".2.2", ".3.4", ".2.3", ".4.7", ".7.26", ".7.23"};
    std::string_view by_code = DetailFromStatus(status);
    for (auto tail : kClear) {
      if (std::string_view(status).substr(1) == tail && !by_code.empty() &&
          !(by_code == "userunknown" && r->reason_detail == "suspend")) {
        r->reason_detail = std::string(by_code);
        break;
      }
    }
  }
  r->reason = CoarseReason(r->reason_detail, lower);
}

}  // namespace

// ================================================================ public API

std::string_view BounceReasonName(BounceReason reason) {
  switch (reason) {
    case BounceReason::kUserUnknown: return "user_unknown";
    case BounceReason::kMailboxFull: return "mailbox_full";
    case BounceReason::kBlocked: return "blocked";
    case BounceReason::kPolicy: return "policy";
    case BounceReason::kAuthentication: return "authentication";
    case BounceReason::kHostUnknown: return "host_unknown";
    case BounceReason::kMessageTooLarge: return "message_too_large";
    case BounceReason::kExpired: return "expired";
    case BounceReason::kSuspended: return "suspended";
    case BounceReason::kOther: return "other";
  }
  return "other";
}

std::string_view DsnActionName(DsnAction action) {
  switch (action) {
    case DsnAction::kFailed: return "failed";
    case DsnAction::kDelayed: return "delayed";
    case DsnAction::kDelivered: return "delivered";
    case DsnAction::kRelayed: return "relayed";
    case DsnAction::kExpanded: return "expanded";
  }
  return "failed";
}

std::string FindStatusCode(std::string_view text) {
  text = text.substr(0, kMaxScanBytes);
  return FindStatusIn(text, "45");
}

std::string ClassifyReasonDetail(std::string_view text, std::string_view status) {
  std::string lower = Lower(text.substr(0, 4 * kMaxFieldBytes));
  for (const auto& rule : Rules()) {
    for (std::string_view p : rule.patterns) {
      if (Matches(lower, p)) return std::string(rule.detail);
    }
  }
  std::string_view from_status = DetailFromStatus(status);
  if (!from_status.empty()) return std::string(from_status);
  return "undefined";
}

BounceReason CoarseReason(std::string_view detail, std::string_view text) {
  std::string lower = Lower(text.substr(0, 4 * kMaxFieldBytes));
  if (detail == "userunknown" || detail == "hasmoved") return BounceReason::kUserUnknown;
  if (detail == "mailboxfull" || detail == "systemfull") return BounceReason::kMailboxFull;
  if (detail == "hostunknown" || detail == "notaccept") return BounceReason::kHostUnknown;
  if (detail == "mesgtoobig" || detail == "exceedlimit") return BounceReason::kMessageTooLarge;
  if (detail == "expired") return BounceReason::kExpired;
  if (detail == "suspend") return BounceReason::kSuspended;
  if (detail == "blocked" || detail == "spamdetected") return BounceReason::kBlocked;
  if (detail == "securityerror") {
    if (MatchesAny(lower, {"spf", "dkim", "dmarc", "authenticat", "sender id"}))
      return BounceReason::kAuthentication;
    return BounceReason::kPolicy;
  }
  if (detail == "policyviolation" || detail == "contenterror" || detail == "rejected" ||
      detail == "filtered" || detail == "virusdetected" || detail == "norelaying")
    return BounceReason::kPolicy;
  return BounceReason::kOther;
}

std::optional<Bounce> ParseBounce(std::string_view raw) {
  mime::InitMime();
  raw = raw.substr(0, kMaxScanBytes);
  size_t body_start = 0;
  Headers top = ParseHeaderBlock(raw, &body_start);
  if (top.fields.empty()) return std::nullopt;

  Bounce bounce;
  {
    // The mime module decodes the bounce's own header fields (RFC 2047).
    std::string head(raw.substr(0, body_start));
    head.append("\n");
    mime::Message m = mime::Parse(head);
    bounce.subject = m.subject;
  }
  std::string lower_subject = Lower(bounce.subject);
  std::string from = FirstHeaderAddress(top, "From");
  std::string return_path = top.Get("Return-Path");
  bool from_daemon = IsDaemonLocalPart(LocalPart(from)) ||
                     Lower(top.Get("From")).find("mail delivery") != std::string::npos ||
                     Lower(top.Get("From")).find("mailer-daemon") != std::string::npos;
  bool null_sender = Trim(return_path) == "<>";

  for (auto name : {"To", "X-Original-To", "Delivered-To", "Envelope-To", "X-Envelope-To"}) {
    for (const auto& [n, v] : top.fields) {
      if (!IEquals(n, name)) continue;
      for (const auto& a : FindAddresses(v, 20)) AddUnique(&bounce.bounce_recipients, a.address);
    }
  }

  Walk walk;
  WalkEntity(raw, 0, false, &walk);
  ParamValue top_ct = ParseParams(top.Get("Content-Type"));

  // Feedback reports (RFC 5965) are complaints, not bounces.
  if (top_ct.value == "multipart/report" && Lower(top_ct.Param("report-type")) == "feedback-report")
    return std::nullopt;
  for (const auto& p : walk.leaves)
    if (!p.inside_message && p.type == "message/feedback-report") return std::nullopt;

  // The bounce's own explanation, and the returned original message.
  std::string notice;
  std::string original_headers;
  bool have_original_part = false;
  for (const auto& p : walk.leaves) {
    if (p.inside_message) continue;
    if (p.type == "message/rfc822" || p.type == "message/global" ||
        p.type == "text/rfc822-headers" || p.type == "message/rfc822-headers" ||
        p.type == "message/global-headers") {
      if (!have_original_part) original_headers = p.body;
      have_original_part = true;
    } else if (p.type == "text/plain" || p.type == "text/html" || p.type == "text/enriched") {
      std::string text = mime::ToUtf8(p.body, p.charset);
      if (p.type == "text/html") {
        // Prefer the plain alternative when there is one.
        if (!notice.empty()) continue;
        text = mime::HtmlToText(text);
      }
      if (notice.size() < kMaxScanBytes) {
        if (!notice.empty()) notice.push_back('\n');
        notice.append(text);
      }
    }
  }
  // Cut the notice at the start of the quoted original message.
  {
    std::vector<std::string_view> lines = Lines(notice);
    size_t cut = std::string::npos;
    for (std::string_view line : lines) {
      size_t at = static_cast<size_t>(line.data() - notice.data());
      if (at > 0 && IsOriginalMessageMarker(Lower(line.substr(0, 200)))) {
        cut = at;
        break;
      }
    }
    if (cut != std::string::npos) {
      if (!have_original_part) original_headers = notice.substr(cut);
      notice.resize(cut);
    }
  }

  // Original message: Message-ID, From, envelope sender.
  std::string original_to;
  {
    std::string_view oh = original_headers;
    // Skip a marker line and blank lines before the returned headers.
    size_t first = oh.find(':');
    size_t line_start = first == std::string_view::npos ? 0 : oh.rfind('\n', first);
    if (line_start != std::string_view::npos && first != std::string_view::npos &&
        line_start < first)
      oh = oh.substr(line_start + 1);
    size_t unused = 0;
    Headers orig = ParseHeaderBlock(oh, &unused);
    std::string mid = orig.Get("Message-ID");
    if (mid.empty()) {
      // Quoted headers inside running text: look for the line anywhere.
      for (std::string_view src : {std::string_view(original_headers), std::string_view(notice)}) {
        for (std::string_view line : Lines(src)) {
          std::string_view t = Trim(line);
          if (IStartsWith(t, "message-id:")) {
            mid = std::string(Trim(t.substr(11)));
            break;
          }
        }
        if (!mid.empty()) break;
      }
    }
    if (!mid.empty()) {
      size_t lt = mid.find('<'), gt = mid.find('>', lt == std::string::npos ? 0 : lt);
      if (lt != std::string::npos && gt != std::string::npos) mid = mid.substr(lt + 1, gt - lt - 1);
      bounce.original_message_id = std::string(Trim(mid)).substr(0, 998);
    }
    bounce.original_from = FirstHeaderAddress(orig, "From");
    original_to = orig.Get("To");
    bounce.original_sender = FirstHeaderAddress(orig, "Return-Path");
    if (bounce.original_sender.empty())
      bounce.original_sender = FirstHeaderAddress(orig, "X-Original-Envelope-From");
  }

  // 1. RFC 3464 message/delivery-status parts.
  DsnFields dsn;
  bool dsn_part = false;
  for (const auto& p : walk.leaves) {
    if (p.inside_message) continue;
    if (p.type == "message/delivery-status" || p.type == "message/global-delivery-status") {
      DsnFields f = ParseDsnFields(p.body);
      dsn_part = true;
      if (dsn.reporting_mta.empty()) dsn.reporting_mta = f.reporting_mta;
      if (dsn.original_sender.empty()) dsn.original_sender = f.original_sender;
      for (auto& r : f.recipients)
        if (dsn.recipients.size() < kMaxRecipients) dsn.recipients.push_back(std::move(r));
    }
  }
  // 2. Amazon SES notifications (JSON in the text).
  if (dsn.recipients.empty()) {
    bool not_bounce = false;
    if (ParseSesJson(notice, &dsn.recipients, &not_bounce) && not_bounce) return std::nullopt;
  }
  // 3. DSN fields quoted in the text of a non-standard bounce.
  if (dsn.recipients.empty()) {
    std::string lower_text = Lower(notice);
    if (lower_text.find("final-recipient:") != std::string::npos ||
        lower_text.find("original-recipient:") != std::string::npos) {
      DsnFields f = ParseDsnFields(notice);
      if (dsn.reporting_mta.empty()) dsn.reporting_mta = f.reporting_mta;
      for (auto& r : f.recipients) dsn.recipients.push_back(std::move(r));
    }
  }

  bool auto_submitted = IStartsWith(Trim(top.Get("Auto-Submitted")), "auto-replied");
  bool bounce_subject = SubjectSaysBounce(lower_subject);
  bool looks_auto_reply = SubjectSaysAutoReply(lower_subject) || top.Has("X-Autoreply") ||
                          top.Has("X-Autorespond") ||
                          (auto_submitted && !from_daemon && !bounce_subject);
  if (dsn.recipients.empty() && looks_auto_reply && !from_daemon) return std::nullopt;

  bounce.standard = dsn_part && top_ct.value == "multipart/report";
  bounce.reporting_mta = dsn.reporting_mta;
  if (!dsn.original_sender.empty()) bounce.original_sender = dsn.original_sender;

  const std::string lower_notice = Lower(notice);
  for (auto& rr : dsn.recipients) {
    BouncedRecipient r;
    r.final_recipient = rr.final_recipient.find('@') != std::string::npos ? rr.final_recipient
                                                                           : rr.original_recipient;
    r.original_recipient = rr.original_recipient;
    r.remote_mta = rr.remote_mta;
    r.diagnostic_type = rr.diag_type;
    r.diagnostic = rr.diagnostic;
    r.action = ActionFrom(rr.action, rr.status);
    // No Diagnostic-Code: the text part often says what happened to this
    // recipient; take the paragraph that names it.
    std::string context;
    if (r.diagnostic.empty()) {
      size_t at = r.final_recipient.empty() ? std::string::npos
                                            : lower_notice.find(Lower(r.final_recipient));
      if (at != std::string::npos) {
        size_t end = notice.find("\n\n", at);
        context = Squeeze(std::string_view(notice).substr(at, end == std::string::npos
                                                                  ? std::string::npos
                                                                  : end - at));
      }
    }
    Finish(&r, rr.status, context, Family::kDsn);
    bounce.recipients.push_back(std::move(r));
  }

  // 4. Non-standard bounce: recipients named in the notice text.
  if (bounce.recipients.empty()) {
    if (!(from_daemon || null_sender || bounce_subject)) return std::nullopt;
    std::vector<std::string> exclude;
    AddUnique(&exclude, from);
    for (const auto& a : bounce.bounce_recipients) AddUnique(&exclude, a);
    AddUnique(&exclude, bounce.original_from);
    AddUnique(&exclude, bounce.original_sender);
    AddUnique(&exclude, FirstHeaderAddress(top, "Reply-To"));
    AddUnique(&exclude, FirstHeaderAddress(top, "Sender"));

    struct Candidate {
      std::string address;
      size_t pos;
      bool strong;
    };
    std::vector<Candidate> candidates;
    for (const auto& fa : FindAddresses(notice)) {
      if (IsDaemonLocalPart(LocalPart(fa.address))) continue;
      bool excluded = false;
      for (const auto& e : exclude) excluded = excluded || IEquals(e, fa.address);
      // Where does it stand? Find its line.
      size_t ls = LineStart(notice, fa.begin);
      size_t le = LineEnd(notice, fa.end);
      std::string_view line = Trim(std::string_view(notice).substr(ls, le - ls));
      std::string_view before = std::string_view(notice).substr(ls, fa.begin - ls);
      std::string_view after = std::string_view(notice).substr(fa.end, le - fa.end);
      std::string lb = Lower(Trim(before));
      std::string_view ta = Trim(after);
      // Message-ID-looking tokens are not recipients.
      if (lb.ends_with("message-id: <") || lb.ends_with("message-id:<")) continue;
      // Layouts that name the failed recipient: "<addr>:" or the address
      // alone on its line (qmail, Postfix, Exim, Gmail), "addr..."
      // (Sendmail), "RCPT TO:<addr>". These win even when the address is
      // also the bounce's own recipient (mail to oneself, forwarding).
      bool layout = (lb.empty() || lb == "<" || lb == "\"" || lb == "*" || lb == "-" ||
                     lb == "<<<") &&
                    (ta.empty() || ta == ">" || ta.starts_with(">:") || ta.starts_with(":") ||
                     ta.starts_with("...") || ta.starts_with(">...") || ta.starts_with("> ") ||
                     ta.starts_with(" (") || ta.starts_with("("));
      layout = layout || line.size() == fa.address.size() || line == "<" + fa.address + ">";
      // Sendmail V5: "554 <addr>... 550 Host unknown".
      if (lb.size() == 5 && IsDigit(lb[0]) && IsDigit(lb[1]) && IsDigit(lb[2]) && lb[3] == ' ' &&
          lb[4] == '<' && ta.starts_with(">..."))
        layout = true;
      bool labelled = lb.empty() || lb.ends_with("rcpt to:<") || lb.ends_with("rcpt to: <") ||
                      lb.ends_with("rcpt to:") || lb.ends_with("recipient:") ||
                      lb.ends_with("recipient: <") || lb.ends_with("address:") ||
                      lb.ends_with("address: <") || lb.ends_with("recipients:") ||
                      lb.ends_with("to:") || lb.ends_with("to: <") || lb.ends_with("to <");
      if (excluded && !layout) continue;
      candidates.push_back({fa.address, fa.begin, layout || labelled});
    }
    std::vector<Candidate> picked;
    // Exim and Google name the failed recipients in a header.
    std::vector<std::string> from_header_list;
    for (const auto& [n, v] : top.fields) {
      if (!IEquals(n, "X-Failed-Recipients")) continue;
      for (const auto& a : FindAddresses(v, kMaxRecipients)) {
        bool dup = false;
        for (const auto& p : picked) dup = dup || IEquals(p.address, a.address);
        if (dup) continue;
        size_t at = lower_notice.find(Lower(a.address));
        picked.push_back({a.address, at == std::string::npos ? std::string::npos : at, true});
        from_header_list.push_back(a.address);
      }
    }
    for (const auto& c : candidates) {
      if (!c.strong || !from_header_list.empty()) continue;
      bool dup = false;
      for (const auto& p : picked) dup = dup || IEquals(p.address, c.address);
      if (!dup) picked.push_back(c);
    }
    if (picked.empty() && bounce_subject) {
      for (const auto& c : candidates) {
        picked.push_back(c);
        break;
      }
    }
    if (picked.empty()) {
      // The notice names nobody (old Sendmail, some gateways): the returned
      // message's To: is who it was for.
      for (const auto& a : FindAddresses(original_to, kMaxRecipients)) {
        bool dup = false;
        for (const auto& p : picked) dup = dup || IEquals(p.address, a.address);
        if (!dup && !IsDaemonLocalPart(LocalPart(a.address)))
          picked.push_back({a.address, std::string::npos, true});
      }
    }
    if (picked.empty()) return std::nullopt;
    Family family = Family::kOther;
    if (lower_notice.find("smtp error from remote mail server") != std::string::npos ||
        lower_notice.find("this message was created automatically by mail delivery software") !=
            std::string::npos ||
        Lower(top.Get("X-Mailer")).find("exim") != std::string::npos)
      family = Family::kExim;
    // Exim-based providers that word their reports their own way.
    std::string from_domain = Lower(from.substr(from.rfind('@') + 1));
    if (from_domain.ends_with("mail.ru") || from_domain.ends_with("gmx.net") ||
        from_domain.ends_with("gmx.de") || from_domain.ends_with("gmx.com"))
      family = Family::kOther;
    // Providers whose reports the reference reads as "user unknown" even
    // without a stage: IMail, McAfee, Domino/Notes, Verizon, InterScan.
    {
      std::string mailer = Lower(top.Get("X-Mailer"));
      std::string lower_raw_head = Lower(raw.substr(0, body_start));
      if (family == Family::kOther &&
          (mailer.find("smtp32") != std::string::npos || mailer.find("imail") != std::string::npos ||
           Lower(raw.substr(0, 64 * 1024)).find("mcafee") != std::string::npos ||
           lower_raw_head.find("interscan") != std::string::npos ||
           lower_notice.find("domino directory") != std::string::npos ||
           lower_notice.find("lotus") != std::string::npos ||
           lower_notice.find("- failure reasons") != std::string::npos ||
           lower_raw_head.find("vtext.com") != std::string::npos ||
           lower_raw_head.find("vzwpix.com") != std::string::npos))
        family = Family::kUserUnknownVendor;
    }
    bool all_groups = true;
    for (const auto& p : picked) all_groups = all_groups && Lower(p.address).ends_with("@googlegroups.com");
    if (all_groups && top.Has("X-Failed-Recipients")) family = Family::kGoogleGroups;
    const bool notice_says_delayed =
        TextSaysTemporary(lower_notice) && !TextSaysPermanent(lower_notice);
    // Lotus Notes puts the reason above the list of addresses.
    const bool notice_reason_first = lower_notice.find("- failure reasons") != std::string::npos;
    for (size_t i = 0; i < picked.size() && i < kMaxRecipients; ++i) {
      BouncedRecipient r;
      r.final_recipient = picked[i].address;
      bool reason_first = notice_reason_first;
      if (picked[i].pos == std::string::npos || reason_first) {
        r.diagnostic = Squeeze(notice);
      } else {
        // From the address's line to where the next recipient is named.
        size_t end = notice.size();
        for (const auto& other : picked)
          if (other.pos > picked[i].pos && other.pos < end) end = other.pos;
        size_t ls = LineStart(notice, picked[i].pos);
        if (end < notice.size()) {
          size_t other_ls = LineStart(notice, end);
          if (other_ls > ls) end = other_ls;
        }
        r.diagnostic = Squeeze(std::string_view(notice).substr(ls, end - ls));
      }
      r.action = notice_says_delayed ? DsnAction::kDelayed : DsnAction::kFailed;
      Finish(&r, "", notice, family);
      bounce.recipients.push_back(std::move(r));
    }
  }

  if (bounce.recipients.empty()) return std::nullopt;
  bool any_failure = false;
  for (const auto& r : bounce.recipients)
    any_failure = any_failure || r.action == DsnAction::kFailed || r.action == DsnAction::kDelayed;
  if (!any_failure) return std::nullopt;
  if (bounce.reporting_mta.empty()) {
    size_t at = from.rfind('@');
    if (at != std::string::npos) bounce.reporting_mta = from.substr(at + 1);
  }
  return bounce;
}

}  // namespace postdesk::outbound
