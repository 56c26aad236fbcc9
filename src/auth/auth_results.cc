#include "auth/auth_results.h"

#include <cctype>

#include "common/strings.h"

namespace postdesk::auth {

namespace {

bool IsWsp(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

// RFC 2045 tspecials, which a token may not contain.
bool IsTspecial(char c) {
  switch (c) {
    case '(':
    case ')':
    case '<':
    case '>':
    case '@':
    case ',':
    case ';':
    case ':':
    case '\\':
    case '"':
    case '/':
    case '[':
    case ']':
    case '?':
    case '=':
      return true;
    default:
      return false;
  }
}

bool IsTokenChar(char c) {
  const auto u = static_cast<unsigned char>(c);
  return u > 0x20 && u < 0x7f && !IsTspecial(c);
}

// RFC 5322 atext.
bool IsAtext(char c) {
  const auto u = static_cast<unsigned char>(c);
  if (std::isalnum(u)) return true;
  return std::string_view("!#$%&'*+-/=?^_`{|}~").find(c) != std::string_view::npos;
}

bool IsDomainName(std::string_view s) {
  if (s.empty() || s.size() > 253 || s.front() == '.' || s.back() == '.') return false;
  char prev = 0;
  for (char c : s) {
    const auto u = static_cast<unsigned char>(c);
    if (!(std::isalnum(u) || c == '-' || c == '_' || c == '.')) return false;
    if (c == '.' && prev == '.') return false;
    prev = c;
  }
  return true;
}

bool IsDotAtom(std::string_view s) {
  if (s.empty() || s.front() == '.' || s.back() == '.') return false;
  char prev = 0;
  for (char c : s) {
    if (c == '.') {
      if (prev == '.') return false;
    } else if (!IsAtext(c)) {
      return false;
    }
    prev = c;
  }
  return true;
}

// Valid UTF-8 with every control character (C0 and DEL) turned into a space.
std::string CleanText(std::string_view text, size_t max_bytes) {
  std::string s = SanitizeUtf8(text);
  for (char& c : s) {
    const auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7f) c = ' ';
  }
  if (s.size() > max_bytes) {
    size_t cut = max_bytes;
    // Do not cut a multi-byte character in half.
    while (cut > 0 && (static_cast<unsigned char>(s[cut]) & 0xC0) == 0x80) --cut;
    s.resize(cut);
  }
  return s;
}

// A cursor over a field value that knows RFC 5322 comments and quoted strings.
class Scanner {
 public:
  explicit Scanner(std::string_view s) : s_(s) {}

  bool done() const { return p_ >= s_.size(); }
  char peek() const { return done() ? '\0' : s_[p_]; }
  void advance() { ++p_; }

  // Skips whitespace and (nested) comments.
  void SkipCfws() {
    while (!done()) {
      if (IsWsp(s_[p_])) {
        ++p_;
      } else if (s_[p_] == '(') {
        int depth = 0;
        while (!done()) {
          char c = s_[p_++];
          if (c == '\\') {
            if (!done()) ++p_;
          } else if (c == '(') {
            ++depth;
          } else if (c == ')') {
            if (--depth == 0) break;
          }
        }
      } else {
        return;
      }
    }
  }

  // A quoted-string (when at '"') or a run of characters up to whitespace, a
  // comment, ';' or -- when `stop_at_equals` -- '='.
  std::string Word(bool stop_at_equals) {
    std::string out;
    if (peek() == '"') {
      ++p_;
      while (!done() && s_[p_] != '"') {
        if (s_[p_] == '\\' && p_ + 1 < s_.size()) ++p_;
        if (s_[p_] != '\r' && s_[p_] != '\n') out.push_back(s_[p_]);
        ++p_;
      }
      if (!done()) ++p_;  // closing quote
      return out;
    }
    while (!done()) {
      char c = s_[p_];
      if (IsWsp(c) || c == '(' || c == ';' || c == '"' || (stop_at_equals && c == '=')) break;
      out.push_back(c);
      ++p_;
    }
    return out;
  }

  void SkipPastSemicolon() {
    bool quoted = false;
    while (!done()) {
      char c = s_[p_++];
      if (quoted) {
        if (c == '\\' && !done())
          ++p_;
        else if (c == '"')
          quoted = false;
      } else if (c == '"') {
        quoted = true;
      } else if (c == '(') {
        --p_;
        SkipCfws();
      } else if (c == ';') {
        return;
      }
    }
  }

 private:
  std::string_view s_;
  size_t p_ = 0;
};

}  // namespace

std::string ResInfo::Property(std::string_view name) const {
  for (const auto& [k, v] : properties) {
    if (k == name) return v;
  }
  return "";
}

std::string AuthservIdOf(std::string_view value) {
  Scanner sc(value);
  sc.SkipCfws();
  return sc.Word(false);
}

ParsedAuthResults ParseAuthenticationResults(std::string_view value) {
  ParsedAuthResults out;
  Scanner sc(value);
  sc.SkipCfws();
  out.authserv_id = sc.Word(false);
  sc.SkipCfws();
  // An optional authres-version after the authserv-id.
  while (std::isdigit(static_cast<unsigned char>(sc.peek()))) sc.advance();
  sc.SkipCfws();
  if (sc.peek() != ';') {
    // "authserv-id; none" spelled without results, or unreadable: no results.
    out.no_results = true;
    return out;
  }
  sc.advance();
  while (true) {
    sc.SkipCfws();
    if (sc.done()) break;
    if (sc.peek() == ';') {
      sc.advance();
      continue;
    }
    ResInfo info;
    std::string method = ToLower(sc.Word(true));
    if (size_t slash = method.find('/'); slash != std::string::npos) method.resize(slash);
    sc.SkipCfws();
    if (method == "none" && (sc.done() || sc.peek() == ';')) {
      out.no_results = out.results.empty();
      continue;
    }
    if (method.empty() || sc.peek() != '=') {
      sc.SkipPastSemicolon();
      continue;
    }
    sc.advance();
    sc.SkipCfws();
    info.method = std::move(method);
    info.result = ToLower(sc.Word(false));
    bool ok = !info.result.empty();
    while (ok) {
      sc.SkipCfws();
      if (sc.done() || sc.peek() == ';') break;
      std::string name = ToLower(sc.Word(true));
      sc.SkipCfws();
      if (name.empty() || sc.peek() != '=') {
        ok = false;
        break;
      }
      sc.advance();
      sc.SkipCfws();
      // A value may itself contain '=' (base64 in header.b), so only
      // whitespace, a comment or ';' ends it.
      std::string v = sc.Word(false);
      if (name == "reason") {
        info.reason = std::move(v);
      } else {
        info.properties.emplace_back(std::move(name), std::move(v));
      }
    }
    if (!ok) {
      sc.SkipPastSemicolon();
      continue;  // a resinfo we cannot read is not half-believed
    }
    out.results.push_back(std::move(info));
  }
  return out;
}

std::string QuotedString(std::string_view text, size_t max_bytes) {
  std::string clean = CleanText(text, max_bytes);
  std::string out = "\"";
  for (char c : clean) {
    if (c == '"' || c == '\\') out.push_back('\\');
    out.push_back(c);
  }
  out.push_back('"');
  return out;
}

std::string PropertyValue(std::string_view value) {
  bool token = !value.empty();
  for (char c : value) token = token && IsTokenChar(c);
  if (token || IsDomainName(value)) return std::string(value);
  if (size_t at = value.rfind('@'); at != std::string_view::npos) {
    std::string_view local = value.substr(0, at);
    std::string_view domain = value.substr(at + 1);
    if ((local.empty() || IsDotAtom(local)) && IsDomainName(domain)) return std::string(value);
  }
  return QuotedString(value, 320);
}

std::string CommentText(std::string_view text, size_t max_bytes) {
  std::string clean = CleanText(text, max_bytes);
  std::string out;
  for (char c : clean) {
    if (c == '(' || c == ')' || c == '\\') out.push_back('\\');
    out.push_back(c);
  }
  return out;
}

std::string FoldAuthenticationResults(std::string_view value) {
  std::string out = "Authentication-Results: ";
  bool quoted = false;
  int depth = 0;
  for (size_t i = 0; i < value.size(); ++i) {
    char c = value[i];
    if (c == '\r' || c == '\n') continue;  // never from our own writer; never let one through
    out.push_back(c);
    if (c == '\\' && (quoted || depth > 0) && i + 1 < value.size()) {
      out.push_back(value[++i]);
      continue;
    }
    if (quoted) {
      if (c == '"') quoted = false;
    } else if (c == '"' && depth == 0) {
      quoted = true;
    } else if (c == '(') {
      ++depth;
    } else if (c == ')' && depth > 0) {
      --depth;
    } else if (c == ';' && depth == 0) {
      while (i + 1 < value.size() && (value[i + 1] == ' ' || value[i + 1] == '\t')) ++i;
      if (i + 1 < value.size()) out += "\r\n\t";
    }
  }
  out += "\r\n";
  return out;
}

std::string StripOurAuthenticationResults(std::string_view raw_message,
                                          std::string_view authserv_id) {
  std::string out;
  out.reserve(raw_message.size());
  size_t pos = 0;
  // The header section: fields until the first empty line.
  size_t field_start = std::string_view::npos;
  auto flush = [&](size_t end) {
    if (field_start == std::string_view::npos) return;
    std::string_view field = raw_message.substr(field_start, end - field_start);
    field_start = std::string_view::npos;
    size_t colon = field.find(':');
    if (colon != std::string_view::npos) {
      std::string_view name = field.substr(0, colon);
      while (!name.empty() && (name.back() == ' ' || name.back() == '\t')) name.remove_suffix(1);
      if (IEquals(name, "Authentication-Results")) {
        std::string id = AuthservIdOf(field.substr(colon + 1));
        if (!id.empty() && IEquals(id, authserv_id)) return;  // ours, so forged: drop it
      }
    }
    out.append(field);
  };
  while (pos < raw_message.size()) {
    size_t nl = raw_message.find('\n', pos);
    size_t end = nl == std::string_view::npos ? raw_message.size() : nl + 1;
    std::string_view line = raw_message.substr(pos, end - pos);
    if (line == "\n" || line == "\r\n") {
      flush(pos);
      out.append(raw_message.substr(pos));  // the blank line and the body, untouched
      return out;
    }
    const bool continuation = line[0] == ' ' || line[0] == '\t';
    if (!continuation || field_start == std::string_view::npos) {
      flush(pos);
      field_start = pos;
    }
    pos = end;
  }
  flush(raw_message.size());
  return out;
}

}  // namespace postdesk::auth
