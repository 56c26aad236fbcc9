#include "mime/header_decode.h"

#include "common/base64.h"

#include <algorithm>
#include <optional>

#include "common/strings.h"
#include "mime/charset.h"

namespace postdesk::mime::internal {
namespace {

constexpr size_t kMaxAddresses = 1000;
constexpr size_t kMaxIds = 1000;
constexpr size_t kMaxIdLength = 998;
constexpr size_t kMaxParams = 100;

bool IsWsp(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

bool NeedsCharset(std::string_view s) {
  for (char c : s) {
    if (static_cast<unsigned char>(c) >= 0x80 || c == '\x1b') return true;
  }
  return false;
}

std::string DecodeBytes(std::string_view bytes, std::string_view charset) {
  if (!NeedsCharset(bytes)) return SanitizeUtf8(bytes);
  return Decode(bytes, charset).text;
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::string DecodeQ(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c == '_') {
      out += ' ';
    } else if (c == '=' && i + 2 < text.size() && HexValue(text[i + 1]) >= 0 &&
               HexValue(text[i + 2]) >= 0) {
      out += static_cast<char>(HexValue(text[i + 1]) * 16 + HexValue(text[i + 2]));
      i += 2;
    } else {
      out += c;
    }
  }
  return out;
}


struct EncodedWord {
  size_t end = 0;  // index just past "?="
  std::string charset;
  std::string bytes;
};

// Parses an encoded word starting at s[pos] == '='.
std::optional<EncodedWord> ParseEncodedWord(std::string_view s, size_t pos) {
  if (pos + 1 >= s.size() || s[pos] != '=' || s[pos + 1] != '?') return std::nullopt;
  size_t cs_start = pos + 2;
  size_t q1 = s.find('?', cs_start);
  if (q1 == std::string_view::npos || q1 == cs_start || q1 - cs_start > 64) return std::nullopt;
  std::string_view charset = s.substr(cs_start, q1 - cs_start);
  if (std::any_of(charset.begin(), charset.end(),
                  [](char c) { return IsWsp(c) || c == '=' || c == '"'; })) {
    return std::nullopt;
  }
  if (q1 + 2 >= s.size() || s[q1 + 2] != '?') return std::nullopt;
  char enc = s[q1 + 1];
  if (enc != 'B' && enc != 'b' && enc != 'Q' && enc != 'q') return std::nullopt;
  size_t text_start = q1 + 3;
  size_t q2 = s.find('?', text_start);
  if (q2 == std::string_view::npos || q2 + 1 >= s.size() || s[q2 + 1] != '=') return std::nullopt;
  std::string_view text = s.substr(text_start, q2 - text_start);
  if (std::any_of(text.begin(), text.end(), IsWsp)) return std::nullopt;
  EncodedWord word;
  word.end = q2 + 2;
  word.charset = std::string(charset);
  if (auto star = word.charset.find('*'); star != std::string::npos) word.charset.resize(star);
  word.bytes = (enc == 'B' || enc == 'b') ? Base64DecodeLenient(text) : DecodeQ(text);
  return word;
}

// Control characters (including those smuggled in encoded words) become spaces.
std::string CleanControls(std::string s) {
  for (char& c : s) {
    unsigned char u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7F) c = ' ';
  }
  return s;
}

std::string TrimCopy(std::string_view s) { return std::string(Trim(s)); }

// Unquotes a quoted-string body: only \" and \\ are escapes (Windows paths in
// filenames keep their backslashes).
std::string Unescape(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '\\' && i + 1 < s.size() && (s[i + 1] == '"' || s[i + 1] == '\\')) ++i;
    out += s[i];
  }
  return out;
}

// Scanner for structured headers: tracks quotes, comments and angle brackets.
struct Scan {
  int comment_depth = 0;
  bool in_quote = false;
  bool in_angle = false;
  bool escape = false;

  // Feeds one character; returns true when it is at "top level" (a
  // structural character outside quotes, comments and brackets).
  bool Feed(char c) {
    if (escape) {
      escape = false;
      return false;
    }
    if (in_quote) {
      if (c == '\\') escape = true;
      if (c == '"') in_quote = false;
      return false;
    }
    if (comment_depth > 0) {
      if (c == '\\') escape = true;
      if (c == '(') ++comment_depth;
      if (c == ')') --comment_depth;
      return false;
    }
    if (in_angle) {
      if (c == '>') in_angle = false;
      return false;
    }
    if (c == '"') {
      in_quote = true;
      return false;
    }
    if (c == '(') {
      comment_depth = 1;
      return false;
    }
    if (c == '<') {
      in_angle = true;
      return false;
    }
    return true;
  }
};

// Display-name text: quoted strings unquoted, comments dropped (returned in
// `comment`), then encoded words decoded.
std::string DisplayName(std::string_view raw, std::string* comment) {
  std::string text;
  for (size_t i = 0; i < raw.size(); ++i) {
    char c = raw[i];
    if (c == '"') {
      size_t j = i + 1;
      std::string body;
      for (; j < raw.size() && raw[j] != '"'; ++j) {
        if (raw[j] == '\\' && j + 1 < raw.size()) ++j;
        body += raw[j];
      }
      text += body;
      i = j;
    } else if (c == '(') {
      int depth = 1;
      size_t j = i + 1;
      std::string body;
      for (; j < raw.size() && depth > 0; ++j) {
        if (raw[j] == '\\' && j + 1 < raw.size()) {
          body += raw[++j];
          continue;
        }
        if (raw[j] == '(') ++depth;
        if (raw[j] == ')' && --depth == 0) break;
        body += raw[j];
      }
      if (comment && comment->empty()) *comment = body;
      i = j;
    } else {
      text += c;
    }
  }
  std::string decoded = DecodeHeaderText(text, "UTF-8");
  // Outlook's 'Name' quoting.
  if (decoded.size() >= 2 && decoded.front() == '\'' && decoded.back() == '\'') {
    decoded = decoded.substr(1, decoded.size() - 2);
  }
  return TrimCopy(decoded);
}

std::string StripWsp(std::string_view s) {
  std::string out;
  for (char c : s) {
    if (!IsWsp(c)) out += c;
  }
  return out;
}

void AddMailbox(std::string_view segment, std::vector<Address>* out) {
  std::string_view seg = Trim(segment);
  if (seg.empty()) return;
  // The last top-level angle address wins.
  Scan scan;
  size_t angle = std::string_view::npos;
  for (size_t i = 0; i < seg.size(); ++i) {
    if (seg[i] == '<' && !scan.in_quote && scan.comment_depth == 0 && !scan.in_angle) angle = i;
    scan.Feed(seg[i]);
  }
  Address address;
  if (angle != std::string_view::npos) {
    size_t close = seg.find('>', angle);
    std::string_view inside =
        seg.substr(angle + 1, close == std::string_view::npos ? std::string_view::npos
                                                              : close - angle - 1);
    std::string email = StripWsp(inside);
    // Obsolete source route "@a,@b:user@host".
    if (!email.empty() && email[0] == '@') {
      if (size_t colon = email.find(':'); colon != std::string::npos) email = email.substr(colon + 1);
    }
    if (email.size() > 7 && IStartsWith(email, "mailto:")) email = email.substr(7);
    address.email = email;
    std::string comment;
    address.name = DisplayName(seg.substr(0, angle), &comment);
    if (address.name.empty() && !comment.empty()) address.name = DecodeHeaderText(comment, "UTF-8");
  } else {
    std::string comment;
    std::string bare;
    // Split off comments; what remains is the address (or a broken
    // "Name user@host" without brackets).
    Scan s2;
    for (char c : seg) {
      bool before = s2.comment_depth > 0;
      s2.Feed(c);
      bool after = s2.comment_depth > 0;
      if (!before && after) {
        comment.clear();  // the last comment is the likeliest name
      } else if (before && after) {
        comment += c;
      } else if (!before && !after) {
        bare += c;
      }  // the comment's own parentheses are dropped
    }
    std::vector<std::string> words;
    for (const std::string& w : Split(bare, ' ')) {
      std::string t = StripWsp(w);
      if (!t.empty()) words.push_back(t);
    }
    if (words.empty()) return;
    auto at = std::find_if(words.begin(), words.end(),
                           [](const std::string& w) { return w.find('@') != std::string::npos; });
    if (at != words.end()) {
      address.email = *at;
      std::string rest;
      for (auto it = words.begin(); it != words.end(); ++it) {
        if (it == at) continue;
        if (!rest.empty()) rest += ' ';
        rest += *it;
      }
      address.name = rest.empty() ? DecodeHeaderText(comment, "UTF-8") : DisplayName(rest, nullptr);
    } else if (words.size() == 1) {
      address.email = words[0];
      address.name = DecodeHeaderText(comment, "UTF-8");
    } else {
      return;  // a phrase without an address
    }
  }
  address.email = CleanControls(SanitizeUtf8(address.email));
  if (address.email.size() > 998) address.email.resize(998);
  address.email = SanitizeUtf8(address.email);
  if (address.email.empty() && address.name.empty()) return;
  out->push_back(std::move(address));
}

std::string PercentDecode(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size() && HexValue(s[i + 1]) >= 0 && HexValue(s[i + 2]) >= 0) {
      out += static_cast<char>(HexValue(s[i + 1]) * 16 + HexValue(s[i + 2]));
      i += 2;
    } else {
      out += s[i];
    }
  }
  return out;
}

}  // namespace

std::string Unfold(std::string_view raw) {
  std::string out;
  out.reserve(raw.size());
  for (char c : raw) {
    if (c != '\r' && c != '\n') out += c;
  }
  return out;
}

std::string DecodeHeaderText(std::string_view raw, std::string_view charset8bit) {
  std::string s = Unfold(raw);
  std::string out;
  out.reserve(s.size());
  // Pending run of encoded words in one charset, joined as bytes.
  std::string run_charset, run_bytes;
  bool in_run = false;
  auto flush_run = [&] {
    if (!in_run) return;
    out += Decode(run_bytes, run_charset).text;
    run_bytes.clear();
    run_charset.clear();
    in_run = false;
  };
  size_t literal_start = 0;
  size_t i = 0;
  while (i < s.size()) {
    size_t pos = s.find("=?", i);
    if (pos == std::string::npos) break;
    std::optional<EncodedWord> word = ParseEncodedWord(s, pos);
    if (!word) {
      i = pos + 1;
      continue;
    }
    std::string_view literal = std::string_view(s).substr(literal_start, pos - literal_start);
    bool only_space = std::all_of(literal.begin(), literal.end(), IsWsp);
    if (!(in_run && only_space)) {
      flush_run();
      out += DecodeBytes(literal, charset8bit);
    }
    if (in_run && !IEquals(run_charset, word->charset)) flush_run();
    in_run = true;
    run_charset = word->charset;
    run_bytes += word->bytes;
    i = literal_start = word->end;
  }
  flush_run();
  out += DecodeBytes(std::string_view(s).substr(literal_start), charset8bit);
  return TrimCopy(CleanControls(SanitizeUtf8(out)));
}

std::vector<Address> ParseAddressList(std::string_view raw, std::string_view charset8bit) {
  std::string s = Unfold(raw);
  // Raw 8-bit (and ISO-2022-JP escapes) to UTF-8 first: the escapes' bytes
  // could otherwise pass for quotes, commas and brackets.
  if (NeedsCharset(s)) s = Decode(s, charset8bit).text;
  std::vector<Address> out;
  Scan scan;
  size_t start = 0;
  for (size_t i = 0; i < s.size() && out.size() < kMaxAddresses; ++i) {
    char c = s[i];
    if (!scan.Feed(c)) continue;
    if (c == ',' || c == ';') {
      AddMailbox(std::string_view(s).substr(start, i - start), &out);
      start = i + 1;
    } else if (c == ':') {
      // Group name "Team: a@x, b@y;" -- drop the name. A colon in a bare
      // address segment before any '@' can only be a group.
      std::string_view before = std::string_view(s).substr(start, i - start);
      if (before.find('@') == std::string_view::npos) start = i + 1;
    }
  }
  if (out.size() < kMaxAddresses) AddMailbox(std::string_view(s).substr(start), &out);
  return out;
}

std::vector<std::string> ParseMessageIds(std::string_view raw) {
  std::string s = SanitizeUtf8(Unfold(raw));
  std::vector<std::string> ids;
  auto add = [&](std::string id) {
    id = CleanControls(std::move(id));
    id = StripWsp(id);
    if (id.empty() || ids.size() >= kMaxIds) return;
    if (id.size() > kMaxIdLength) id.resize(kMaxIdLength);
    ids.push_back(SanitizeUtf8(id));
  };
  bool bracketed = false;
  size_t i = 0;
  while (i < s.size()) {
    size_t open = s.find('<', i);
    if (open == std::string::npos) break;
    size_t close = s.find('>', open + 1);
    if (close == std::string::npos) {
      add(s.substr(open + 1));
      bracketed = true;
      break;
    }
    add(s.substr(open + 1, close - open - 1));
    bracketed = true;
    i = close + 1;
  }
  if (bracketed) return ids;
  // No brackets at all: take the words that look like ids.
  std::vector<std::string> words;
  for (std::string w : Split(s, ' ')) {
    for (char& c : w) {
      if (c == '\t' || c == ',') c = ' ';
    }
    for (const std::string& part : Split(w, ' ')) {
      if (!Trim(part).empty()) words.push_back(std::string(Trim(part)));
    }
  }
  for (const std::string& w : words) {
    if (w.find('@') != std::string::npos) add(w);
  }
  if (ids.empty() && words.size() == 1) add(words[0]);
  return ids;
}

ParamHeader ParseParamHeader(std::string_view raw, std::string_view charset8bit) {
  std::string s = Unfold(raw);
  ParamHeader result;
  size_t i = 0;
  // Value: up to the first ';'.
  size_t semi = s.find(';');
  result.value = ToLower(Trim(std::string_view(s).substr(0, semi)));
  // Drop comments and any junk after whitespace in the value itself.
  if (size_t cut = result.value.find_first_of(" \t("); cut != std::string::npos) {
    result.value.resize(cut);
  }
  if (semi == std::string::npos) return result;
  i = semi + 1;

  struct Section {
    bool extended = false;
    std::string value;
  };
  struct Param {
    std::string plain;
    bool has_plain = false;
    std::map<int, Section> sections;  // RFC 2231; -1 for "name*="
  };
  std::map<std::string, Param> params;
  std::vector<std::string> order;
  while (i < s.size() && params.size() < kMaxParams) {
    while (i < s.size() && (IsWsp(s[i]) || s[i] == ';')) ++i;
    size_t name_start = i;
    while (i < s.size() && s[i] != '=' && s[i] != ';') ++i;
    if (i >= s.size() || s[i] == ';') continue;
    std::string name = ToLower(Trim(std::string_view(s).substr(name_start, i - name_start)));
    ++i;  // '='
    while (i < s.size() && IsWsp(s[i])) ++i;
    std::string value;
    if (i < s.size() && s[i] == '"') {
      size_t j = i + 1;
      while (j < s.size() && s[j] != '"') {
        if (s[j] == '\\' && j + 1 < s.size()) ++j;
        ++j;
      }
      value = Unescape(std::string_view(s).substr(i + 1, std::min(j, s.size()) - i - 1));
      i = j + 1;
      // Anything up to the next ';' after a closing quote is junk.
      while (i < s.size() && s[i] != ';') ++i;
    } else {
      size_t j = s.find(';', i);
      if (j == std::string::npos) j = s.size();
      value = TrimCopy(std::string_view(s).substr(i, j - i));
      i = j;
    }
    if (name.empty()) continue;
    std::string base = name;
    int index = -2;  // plain
    bool extended = false;
    if (size_t star = name.find('*'); star != std::string::npos) {
      base = name.substr(0, star);
      std::string rest = name.substr(star + 1);
      extended = !rest.empty() && rest.back() == '*';
      if (extended) rest.pop_back();
      if (rest.empty()) {
        index = -1;
        extended = true;
      } else if (rest.size() <= 3 && std::all_of(rest.begin(), rest.end(),
                                                           [](char c) { return c >= '0' && c <= '9'; })) {
        index = std::stoi(rest);
      } else {
        continue;
      }
    }
    if (!params.count(base)) order.push_back(base);
    Param& p = params[base];
    if (index == -2) {
      if (!p.has_plain) {
        p.plain = value;
        p.has_plain = true;
      }
    } else if (!p.sections.count(index)) {
      p.sections[index] = Section{extended, value};
    }
  }
  for (const std::string& base : order) {
    const Param& p = params[base];
    std::string decoded;
    if (!p.sections.empty()) {
      std::string charset;
      std::string bytes;
      bool first = true;
      for (const auto& [index, section] : p.sections) {
        std::string_view v = section.value;
        if (first && section.extended) {
          // charset'language'value
          size_t q1 = v.find('\'');
          size_t q2 = q1 == std::string_view::npos ? q1 : v.find('\'', q1 + 1);
          if (q2 != std::string_view::npos) {
            charset = std::string(v.substr(0, q1));
            v = v.substr(q2 + 1);
          }
        }
        first = false;
        bytes += section.extended ? PercentDecode(v) : std::string(v);
      }
      if (bytes.find("=?") != std::string::npos) {
        decoded = DecodeHeaderText(bytes, charset.empty() ? charset8bit : charset);
      } else {
        decoded = CleanControls(DecodeBytes(bytes, charset.empty() ? charset8bit : charset));
      }
    } else {
      decoded = DecodeHeaderText(p.plain, charset8bit);
    }
    result.params[base] = TrimCopy(decoded);
  }
  return result;
}

}  // namespace postdesk::mime::internal
