// HtmlToText: a single-pass scanner, linear in the input, that never builds a
// tree. Hostile markup (unclosed tags and comments, huge attributes, stray
// '<') only ever makes it drop or keep text, never loop or recurse.
#include <algorithm>
#include <string>
#include <string_view>
#include <vector>

#include "common/strings.h"
#include "mime/message.h"

namespace postdesk::mime {
namespace {

void AppendUtf8(char32_t cp, std::string* out) {
  if (cp == 0 || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) cp = 0xFFFD;
  if (cp < 0x80) {
    *out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    *out += static_cast<char>(0xC0 | (cp >> 6));
    *out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    *out += static_cast<char>(0xE0 | (cp >> 12));
    *out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    *out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    *out += static_cast<char>(0xF0 | (cp >> 18));
    *out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    *out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    *out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

struct NamedEntity {
  std::string_view name;
  char32_t cp;
};

// The entities mail actually carries; the full HTML5 table is not worth it.
constexpr NamedEntity kEntities[] = {
    {"amp", '&'},       {"lt", '<'},         {"gt", '>'},         {"quot", '"'},
    {"apos", '\''},     {"nbsp", ' '},       {"ensp", ' '},       {"emsp", ' '},
    {"thinsp", ' '},    {"shy", 0xAD},       {"zwnj", 0x200C},    {"zwj", 0x200D},
    {"copy", 0xA9},     {"reg", 0xAE},       {"trade", 0x2122},   {"hellip", 0x2026},
    {"mdash", 0x2014},  {"ndash", 0x2013},   {"lsquo", 0x2018},   {"rsquo", 0x2019},
    {"sbquo", 0x201A},  {"ldquo", 0x201C},   {"rdquo", 0x201D},   {"bdquo", 0x201E},
    {"laquo", 0xAB},    {"raquo", 0xBB},     {"lsaquo", 0x2039},  {"rsaquo", 0x203A},
    {"bull", 0x2022},   {"middot", 0xB7},    {"euro", 0x20AC},    {"pound", 0xA3},
    {"yen", 0xA5},      {"cent", 0xA2},      {"curren", 0xA4},    {"sect", 0xA7},
    {"para", 0xB6},     {"deg", 0xB0},       {"plusmn", 0xB1},    {"times", 0xD7},
    {"divide", 0xF7},   {"frac12", 0xBD},    {"frac14", 0xBC},    {"frac34", 0xBE},
    {"sup1", 0xB9},     {"sup2", 0xB2},      {"sup3", 0xB3},      {"micro", 0xB5},
    {"iexcl", 0xA1},    {"iquest", 0xBF},    {"dagger", 0x2020},  {"Dagger", 0x2021},
    {"permil", 0x2030}, {"larr", 0x2190},    {"rarr", 0x2192},    {"uarr", 0x2191},
    {"darr", 0x2193},   {"harr", 0x2194},    {"check", 0x2713},   {"hearts", 0x2665},
    {"Agrave", 0xC0},   {"Aacute", 0xC1},    {"Acirc", 0xC2},     {"Atilde", 0xC3},
    {"Auml", 0xC4},     {"Aring", 0xC5},     {"AElig", 0xC6},     {"Ccedil", 0xC7},
    {"Egrave", 0xC8},   {"Eacute", 0xC9},    {"Ecirc", 0xCA},     {"Euml", 0xCB},
    {"Igrave", 0xCC},   {"Iacute", 0xCD},    {"Icirc", 0xCE},     {"Iuml", 0xCF},
    {"ETH", 0xD0},      {"Ntilde", 0xD1},    {"Ograve", 0xD2},    {"Oacute", 0xD3},
    {"Ocirc", 0xD4},    {"Otilde", 0xD5},    {"Ouml", 0xD6},      {"Oslash", 0xD8},
    {"Ugrave", 0xD9},   {"Uacute", 0xDA},    {"Ucirc", 0xDB},     {"Uuml", 0xDC},
    {"Yacute", 0xDD},   {"THORN", 0xDE},     {"szlig", 0xDF},     {"agrave", 0xE0},
    {"aacute", 0xE1},   {"acirc", 0xE2},     {"atilde", 0xE3},    {"auml", 0xE4},
    {"aring", 0xE5},    {"aelig", 0xE6},     {"ccedil", 0xE7},    {"egrave", 0xE8},
    {"eacute", 0xE9},   {"ecirc", 0xEA},     {"euml", 0xEB},      {"igrave", 0xEC},
    {"iacute", 0xED},   {"icirc", 0xEE},     {"iuml", 0xEF},      {"eth", 0xF0},
    {"ntilde", 0xF1},   {"ograve", 0xF2},    {"oacute", 0xF3},    {"ocirc", 0xF4},
    {"otilde", 0xF5},   {"ouml", 0xF6},      {"oslash", 0xF8},    {"ugrave", 0xF9},
    {"uacute", 0xFA},   {"ucirc", 0xFB},     {"uuml", 0xFC},      {"yacute", 0xFD},
    {"thorn", 0xFE},    {"yuml", 0xFF},      {"OElig", 0x152},    {"oelig", 0x153},
    {"Scaron", 0x160},  {"scaron", 0x161},   {"Yuml", 0x178},     {"fnof", 0x192},
    {"circ", 0x2C6},    {"tilde", 0x2DC},    {"alpha", 0x3B1},    {"beta", 0x3B2},
    {"gamma", 0x3B3},   {"delta", 0x3B4},    {"pi", 0x3C0},       {"mu", 0x3BC},
    {"Omega", 0x3A9},   {"infin", 0x221E},   {"ne", 0x2260},      {"le", 0x2264},
    {"ge", 0x2265},     {"minus", 0x2212},
};

// Decodes the entity starting at s[i] == '&'. On success appends the text,
// sets *consumed and returns true.
bool DecodeEntity(std::string_view s, size_t i, std::string* out, size_t* consumed) {
  size_t j = i + 1;
  if (j < s.size() && s[j] == '#') {
    ++j;
    bool hex = j < s.size() && (s[j] == 'x' || s[j] == 'X');
    if (hex) ++j;
    size_t digits_start = j;
    char32_t cp = 0;
    while (j < s.size() && j - digits_start < 8) {
      char c = s[j];
      int v = c >= '0' && c <= '9'                ? c - '0'
              : hex && c >= 'a' && c <= 'f'       ? c - 'a' + 10
              : hex && c >= 'A' && c <= 'F'       ? c - 'A' + 10
                                                  : -1;
      if (v < 0) break;
      cp = cp * (hex ? 16 : 10) + v;
      ++j;
    }
    if (j == digits_start) return false;
    while (j < s.size() && ((s[j] >= '0' && s[j] <= '9') ||
                            (hex && std::isxdigit(static_cast<unsigned char>(s[j]))))) {
      ++j;  // absurdly long number
      cp = 0x110000;
    }
    if (j < s.size() && s[j] == ';') ++j;
    if (cp == 0xA0) cp = ' ';
    if (cp == 0xAD || cp == 0x200B || cp == 0xFEFF) {
      // soft hyphen, zero-width space, BOM: invisible
    } else {
      AppendUtf8(cp, out);
    }
    *consumed = j - i;
    return true;
  }
  size_t name_start = j;
  while (j < s.size() && j - name_start < 10 && std::isalnum(static_cast<unsigned char>(s[j]))) ++j;
  std::string_view name = s.substr(name_start, j - name_start);
  bool semicolon = j < s.size() && s[j] == ';';
  if (!semicolon) {
    // Legacy entities browsers accept without ';' even when glued to more
    // letters ("&lt3", "&ampx").
    for (std::string_view legacy : {"amp", "lt", "gt", "quot", "nbsp"}) {
      if (name.size() > legacy.size() && name.substr(0, legacy.size()) == legacy) {
        name = legacy;
        j = name_start + legacy.size();
        break;
      }
    }
  }
  for (const NamedEntity& e : kEntities) {
    if (e.name != name) continue;
    // Without ';' only the entities browsers accept that way.
    if (!semicolon && name != "amp" && name != "lt" && name != "gt" && name != "quot" &&
        name != "nbsp") {
      return false;
    }
    if (e.cp != 0xAD && e.cp != 0x200C && e.cp != 0x200D) AppendUtf8(e.cp, out);
    *consumed = j - i + (semicolon ? 1 : 0);
    return true;
  }
  return false;
}

std::string DecodeEntities(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size();) {
    size_t consumed = 0;
    if (s[i] == '&' && DecodeEntity(s, i, &out, &consumed)) {
      i += consumed;
    } else {
      out += s[i++];
    }
  }
  return out;
}

bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f'; }

// Collects output with whitespace collapsing and block breaks.
class TextBuilder {
 public:
  void Text(std::string_view decoded, bool pre) {
    for (char c : decoded) {
      if (pre) {
        if (c == '\r') continue;
        if (c == '\n') {
          FlushPendingBreaks();
          out_ += '\n';
          space_ = false;
          continue;
        }
        Emit(c);
        continue;
      }
      if (IsSpace(c)) {
        space_ = true;
      } else {
        Emit(c);
      }
    }
  }
  // Asks for at least `n` line breaks before the next text (1 = new line,
  // 2 = blank line).
  void Break(int n) { breaks_ = std::max(breaks_, n); }
  void Raw(std::string_view s) {
    for (char c : s) Emit(c);
  }
  size_t size() const { return out_.size(); }
  const std::string& str() const { return out_; }

  std::string Finish() {
    // Trim trailing spaces on every line and blank lines at both ends.
    std::string result;
    result.reserve(out_.size());
    size_t line_start = 0;
    while (line_start <= out_.size()) {
      size_t nl = out_.find('\n', line_start);
      std::string_view line = std::string_view(out_).substr(
          line_start, nl == std::string::npos ? std::string::npos : nl - line_start);
      while (!line.empty() && line.back() == ' ') line.remove_suffix(1);
      result.append(line);
      if (nl == std::string::npos) break;
      result += '\n';
      line_start = nl + 1;
    }
    size_t first = result.find_first_not_of('\n');
    if (first == std::string::npos) return "";
    size_t last = result.find_last_not_of('\n');
    // At most one blank line in a row.
    std::string collapsed;
    collapsed.reserve(last - first + 1);
    int newlines = 0;
    for (size_t k = first; k <= last; ++k) {
      newlines = result[k] == '\n' ? newlines + 1 : 0;
      if (newlines <= 2) collapsed += result[k];
    }
    return collapsed;
  }

 private:
  void FlushPendingBreaks() {
    if (breaks_ > 0 && !out_.empty()) {
      int have = 0;
      for (size_t k = out_.size(); k > 0 && out_[k - 1] == '\n' && have < 2; --k) ++have;
      for (int k = have; k < breaks_; ++k) out_ += '\n';
      space_ = false;
    }
    breaks_ = 0;
  }
  void Emit(char c) {
    FlushPendingBreaks();
    if (space_ && !out_.empty() && out_.back() != '\n' && out_.back() != ' ') out_ += ' ';
    space_ = false;
    out_ += c;
  }

  std::string out_;
  bool space_ = false;
  int breaks_ = 0;
};

struct Tag {
  std::string name;  // lower-case
  bool closing = false;
  std::string href, alt;
  size_t end = 0;  // index just past '>'
};

// Parses the tag at s[i] == '<'. Returns false when it is not a tag (a stray
// '<' in text).
bool ParseTag(std::string_view s, size_t i, Tag* tag) {
  size_t j = i + 1;
  if (j < s.size() && s[j] == '/') {
    tag->closing = true;
    ++j;
  }
  if (j >= s.size() || !std::isalpha(static_cast<unsigned char>(s[j]))) return false;
  size_t name_start = j;
  while (j < s.size() && (std::isalnum(static_cast<unsigned char>(s[j])) || s[j] == ':' ||
                          s[j] == '-')) {
    ++j;
  }
  tag->name = ToLower(s.substr(name_start, std::min<size_t>(j - name_start, 32)));
  // Attributes, honouring quotes; an unclosed quote runs to the end.
  while (j < s.size() && s[j] != '>') {
    while (j < s.size() && (IsSpace(s[j]) || s[j] == '/')) ++j;
    size_t attr_start = j;
    while (j < s.size() && !IsSpace(s[j]) && s[j] != '=' && s[j] != '>') ++j;
    std::string_view attr = s.substr(attr_start, j - attr_start);
    while (j < s.size() && IsSpace(s[j])) ++j;
    std::string_view value;
    if (j < s.size() && s[j] == '=') {
      ++j;
      while (j < s.size() && IsSpace(s[j])) ++j;
      if (j < s.size() && (s[j] == '"' || s[j] == '\'')) {
        char q = s[j++];
        size_t v_start = j;
        size_t close = s.find(q, j);
        j = close == std::string_view::npos ? s.size() : close;
        value = s.substr(v_start, j - v_start);
        if (j < s.size()) ++j;
      } else {
        size_t v_start = j;
        while (j < s.size() && !IsSpace(s[j]) && s[j] != '>') ++j;
        value = s.substr(v_start, j - v_start);
      }
    }
    if (attr.empty() && j < s.size() && s[j] != '>') ++j;  // junk such as a lone quote
    if (IEquals(attr, "href") && value.size() < 8192) tag->href = std::string(Trim(DecodeEntities(value)));
    if (IEquals(attr, "alt") && value.size() < 1024) tag->alt = std::string(Trim(DecodeEntities(value)));
  }
  tag->end = j < s.size() ? j + 1 : s.size();
  return true;
}

// Finds the case-insensitive `needle` at or after `from`; npos if absent.
size_t IFind(std::string_view s, std::string_view needle, size_t from) {
  if (needle.empty() || s.size() < needle.size()) return std::string_view::npos;
  for (size_t i = from; i + needle.size() <= s.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(s[i])) == needle[0] &&
        IEquals(s.substr(i, needle.size()), needle)) {
      return i;
    }
  }
  return std::string_view::npos;
}

bool OneOf(const std::string& name, std::initializer_list<std::string_view> names) {
  return std::find(names.begin(), names.end(), name) != names.end();
}

}  // namespace

std::string HtmlToText(std::string_view html) {
  std::string input = SanitizeUtf8(html);
  std::string_view s = input;
  TextBuilder out;
  int pre_depth = 0;
  struct OpenLink {
    std::string href;
    size_t text_start;
  };
  std::vector<OpenLink> links;
  size_t i = 0;
  while (i < s.size()) {
    char c = s[i];
    if (c == '&') {
      std::string decoded;
      size_t consumed = 0;
      if (DecodeEntity(s, i, &decoded, &consumed)) {
        out.Text(decoded, pre_depth > 0);
        i += consumed;
      } else {
        out.Text("&", pre_depth > 0);
        ++i;
      }
      continue;
    }
    if (c != '<') {
      size_t next = s.find_first_of("<&", i);
      if (next == std::string_view::npos) next = s.size();
      out.Text(s.substr(i, next - i), pre_depth > 0);
      i = next;
      continue;
    }
    // Comments, doctype, processing instructions, CDATA.
    if (s.substr(i, 4) == "<!--") {
      size_t end = s.find("-->", i + 4);
      i = end == std::string_view::npos ? s.size() : end + 3;
      continue;
    }
    if (i + 1 < s.size() && (s[i + 1] == '!' || s[i + 1] == '?')) {
      size_t end = s.find('>', i);
      i = end == std::string_view::npos ? s.size() : end + 1;
      continue;
    }
    Tag tag;
    if (!ParseTag(s, i, &tag)) {
      out.Text("<", pre_depth > 0);
      ++i;
      continue;
    }
    i = tag.end;
    const std::string& name = tag.name;
    if (!tag.closing && OneOf(name, {"script", "style", "head", "title", "template", "noscript"})) {
      // Skip to the matching end tag; for <head>, a <body> also ends it.
      std::string end_tag = "</" + name;
      size_t end = IFind(s, end_tag, i);
      if (name == "head") end = std::min(end, IFind(s, "<body", i));
      if (end == std::string_view::npos) {
        i = s.size();
      } else {
        size_t gt = s.find('>', end);
        i = (name == "head" && IStartsWith(s.substr(end), "<body")) ? end
            : gt == std::string_view::npos                       ? s.size()
                                                                 : gt + 1;
      }
      continue;
    }
    if (name == "br") {
      // Emitted at once (not merged like block breaks): two <br>s make a
      // blank line.
      if (!tag.closing) out.Text("\n", true);
      continue;
    }
    if (OneOf(name, {"p", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "table", "ul", "ol",
                     "pre", "hr", "dl", "figure", "address"})) {
      out.Break(2);
      if (name == "pre") pre_depth = std::max(0, pre_depth + (tag.closing ? -1 : 1));
      if (name == "hr" && !tag.closing) {
        out.Raw("----");
        out.Break(2);
      }
      continue;
    }
    if (OneOf(name, {"div", "tr", "section", "article", "header", "footer", "nav", "aside", "main",
                     "center", "form", "fieldset", "dd", "dt", "caption", "tbody", "thead",
                     "tfoot", "body", "html", "legend", "details", "summary"})) {
      out.Break(1);
      continue;
    }
    if (name == "li") {
      out.Break(1);
      if (!tag.closing) out.Raw("- ");
      continue;
    }
    if (name == "td" || name == "th") {
      if (!tag.closing) out.Text(" ", false);
      continue;
    }
    if (name == "img" && !tag.closing) {
      if (!tag.alt.empty()) out.Text(tag.alt, false);
      continue;
    }
    if (name == "a") {
      if (!tag.closing) {
        if (links.size() < 64) links.push_back({tag.href, out.size()});
        continue;
      }
      if (links.empty()) continue;
      OpenLink link = std::move(links.back());
      links.pop_back();
      std::string_view href = link.href;
      if (href.empty() || href[0] == '#' || IStartsWith(href, "javascript:") ||
          IStartsWith(href, "cid:")) {
        continue;
      }
      std::string text = std::string(Trim(std::string_view(out.str()).substr(
          std::min(link.text_start, out.size()))));
      std::string_view bare = href;
      if (IStartsWith(bare, "mailto:")) bare.remove_prefix(7);
      if (text == href || text == bare) continue;
      // Also treat "example.com/x" vs "https://example.com/x" as the same.
      std::string_view no_scheme = href;
      if (size_t p = no_scheme.find("://"); p != std::string_view::npos) {
        no_scheme.remove_prefix(p + 3);
      }
      if (text == no_scheme || (text + "/") == no_scheme) continue;
      if (text.empty()) {
        out.Text(std::string(href), false);
      } else {
        out.Text(" (" + std::string(href) + ")", false);
      }
      continue;
    }
    // Any other tag (span, b, font, o:p, ...) is dropped, its text kept.
  }
  return SanitizeUtf8(out.Finish());
}

}  // namespace postdesk::mime
