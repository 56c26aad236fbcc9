#include "html/sanitize.h"

#include <gumbo.h>

#include <algorithm>
#include <iterator>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "common/strings.h"

namespace postdesk::html {

namespace {

// Elements rebuilt as they are (their allowed attributes only).
const std::set<std::string, std::less<>>& KeptElements() {
  static const std::set<std::string, std::less<>> k = {
      "a",      "abbr",   "address", "article", "aside",   "b",       "bdi",     "bdo",
      "big",    "blockquote", "br",  "caption", "center",  "cite",    "code",    "col",
      "colgroup", "dd",   "del",     "details", "dfn",     "div",     "dl",      "dt",
      "em",     "figcaption", "figure", "font", "footer",  "h1",      "h2",      "h3",
      "h4",     "h5",     "h6",      "header",  "hr",      "i",       "img",     "ins",
      "kbd",    "li",     "main",    "mark",    "nav",     "ol",      "p",       "pre",
      "q",      "rp",     "rt",      "ruby",    "s",       "samp",    "section", "small",
      "span",   "strike", "strong",  "sub",     "summary", "sup",     "table",   "tbody",
      "td",     "tfoot",  "th",      "thead",   "time",    "tr",      "tt",      "u",
      "ul",     "var",    "wbr"};
  return k;
}

// Elements dropped with everything inside them.
const std::set<std::string, std::less<>>& DroppedElements() {
  static const std::set<std::string, std::less<>> k = {
      "script", "style",   "head",    "title",    "iframe",   "frame",    "frameset",
      "object", "embed",   "applet",  "noembed",  "noframes", "template",
      "svg",    "math",    "textarea", "select",  "button",   "input",    "option",
      "optgroup", "datalist", "meta",  "link",    "base",     "xmp",      "plaintext",
      "audio",  "video",   "source",  "track",    "canvas",   "map",      "area",
      "param",  "dialog",  "keygen",  "output",   "progress", "meter",    "image",
      "menu",   "menuitem"};
  return k;
}

bool IsVoid(std::string_view tag) {
  return tag == "br" || tag == "hr" || tag == "img" || tag == "wbr" || tag == "col";
}

// Attributes kept on any kept element (values still checked where needed).
bool IsAllowedAttribute(std::string_view tag, std::string_view name) {
  static const std::set<std::string, std::less<>> kGlobal = {
      "title",   "lang",    "dir",     "align",  "valign",  "width",       "height",
      "bgcolor", "color",   "border",  "cellpadding", "cellspacing", "colspan", "rowspan",
      "face",    "size",    "class",   "style",  "alt",     "nowrap",      "hspace",
      "vspace",  "summary", "abbr",    "scope",  "headers", "span",        "datetime",
      "start",   "reversed"};
  if (kGlobal.contains(name)) return true;
  if (name == "type") return tag == "ol" || tag == "ul" || tag == "li";
  if (name == "href") return tag == "a";
  if (name == "src") return tag == "img";
  if (name == "open") return tag == "details";
  return false;
}

// The value as a browser reads a URL's scheme: control characters and
// spaces (anywhere: browsers drop tabs and newlines inside URLs) removed,
// lower case.
std::string UrlForScheme(std::string_view value) {
  std::string out;
  for (char c : value) {
    unsigned char u = static_cast<unsigned char>(c);
    if (u <= 0x20 || u == 0x7f) continue;
    out += static_cast<char>(u >= 'A' && u <= 'Z' ? u - 'A' + 'a' : u);
  }
  return out;
}

std::string SchemeOf(std::string_view normalized) {
  size_t colon = normalized.find(':');
  if (colon == std::string_view::npos) return "";
  size_t stop = normalized.find_first_of("/?#");
  if (stop != std::string_view::npos && stop < colon) return "";
  return std::string(normalized.substr(0, colon));
}

bool IsScriptUrl(std::string_view value) {
  std::string u = UrlForScheme(value);
  std::string scheme = SchemeOf(u);
  return scheme == "javascript" || scheme == "vbscript" || scheme == "livescript" ||
         u.starts_with("data:text/html") || u.starts_with("data:image/svg") ||
         u.starts_with("data:application/xhtml");
}

bool IsSafeLink(std::string_view value) {
  std::string u = UrlForScheme(value);
  if (u.starts_with("#")) return true;
  std::string scheme = SchemeOf(u);
  return scheme == "http" || scheme == "https" || scheme == "mailto" || scheme == "tel";
}

bool IsSafeImageData(std::string_view normalized) {
  for (std::string_view prefix : {"data:image/png;", "data:image/jpeg;", "data:image/jpg;",
                                  "data:image/gif;", "data:image/webp;"}) {
    if (normalized.starts_with(prefix)) return true;
  }
  return false;
}

void Escape(std::string_view s, bool attribute, std::string& out) {
  for (char c : s) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        if (attribute) {
          out += "&quot;";
        } else {
          out += c;
        }
        break;
      case '\0':
        break;
      default:
        out += c;
    }
  }
}

std::string Snippet(std::string_view s) { return SanitizeUtf8(s.substr(0, 80)); }

// style="...": declarations that can load or run nothing, re-serialized.
std::string SanitizeStyle(std::string_view css) {
  // Comments could split a keyword ("ur/**/l("): removed first.
  std::string flat;
  for (size_t i = 0; i < css.size(); ++i) {
    if (css.compare(i, 2, "/*") == 0) {
      size_t end = css.find("*/", i + 2);
      if (end == std::string_view::npos) break;
      i = end + 1;
      continue;
    }
    flat += css[i];
  }
  std::string out;
  int kept = 0;
  for (const std::string& decl : Split(flat, ';')) {
    size_t colon = decl.find(':');
    if (colon == std::string::npos) continue;
    std::string name = ToLower(Trim(std::string_view(decl).substr(0, colon)));
    std::string value(Trim(std::string_view(decl).substr(colon + 1)));
    if (name.empty() || value.empty() || ++kept > 64) continue;
    bool name_ok = std::all_of(name.begin(), name.end(),
                               [](char c) { return (c >= 'a' && c <= 'z') || c == '-'; });
    std::string lower = UrlForScheme(value);
    bool value_ok = lower.find('\\') == std::string::npos && lower.find('<') == std::string::npos;
    for (std::string_view bad : {"url(", "expression", "javascript", "vbscript", "@import",
                                 "behavior", "binding", "image-set(", "image(", "element("}) {
      if (lower.find(bad) != std::string::npos) value_ok = false;
    }
    if (!name_ok || !value_ok) continue;
    if (!out.empty()) out += "; ";
    out += name + ": " + value;
  }
  return out;
}

class Builder {
 public:
  Builder(const SanitizeOptions& options, Sanitized& result) : options_(options), result_(result) {}

  void Run(const GumboNode* root) {
    struct Frame {
      const GumboNode* node;
      size_t next_child;
      bool emit;          // false inside a dropped element: look for hazards only
      std::string close;  // the end tag to write after the children
    };
    std::vector<Frame> stack;
    Open(root, true, stack);
    while (!stack.empty()) {
      Frame& top = stack.back();
      const GumboVector* children = Children(top.node);
      if (!children || top.next_child >= children->length) {
        if (top.emit) out() += top.close;
        stack.pop_back();
        continue;
      }
      const auto* child = static_cast<const GumboNode*>(children->data[top.next_child++]);
      bool emit = top.emit;
      switch (child->type) {
        case GUMBO_NODE_TEXT:
        case GUMBO_NODE_WHITESPACE:
        case GUMBO_NODE_CDATA:
          if (emit) Escape(child->v.text.text, false, out());
          break;
        case GUMBO_NODE_ELEMENT:
        case GUMBO_NODE_TEMPLATE:
          Open(child, emit, stack);
          break;
        default:  // comments, the document
          break;
      }
    }
  }

 private:
  template <typename Stack>
  void Open(const GumboNode* node, bool emit, Stack& stack) {
    if (node->type == GUMBO_NODE_DOCUMENT) {
      stack.push_back({node, 0, emit, ""});
      return;
    }
    const GumboElement& el = node->v.element;
    std::string tag = TagName(el);
    bool foreign = el.tag_namespace != GUMBO_NAMESPACE_HTML;
    NoteHazards(tag, el);
    bool dropped = foreign || node->type == GUMBO_NODE_TEMPLATE || DroppedElements().contains(tag);
    bool kept = !dropped && KeptElements().contains(tag);
    std::string close;
    if (emit && kept) {
      out() += "<" + tag;
      WriteAttributes(tag, el);
      out() += ">";
      if (tag == "pre") out() += "\n";  // a leading newline would be eaten by the parser
      if (!IsVoid(tag)) close = "</" + tag + ">";
    }
    stack.push_back({node, 0, emit && !dropped, std::move(close)});
  }

  static const GumboVector* Children(const GumboNode* node) {
    if (node->type == GUMBO_NODE_DOCUMENT) return &node->v.document.children;
    if (node->type == GUMBO_NODE_ELEMENT || node->type == GUMBO_NODE_TEMPLATE) {
      return &node->v.element.children;
    }
    return nullptr;
  }

  static std::string TagName(const GumboElement& el) {
    if (el.tag != GUMBO_TAG_UNKNOWN) return gumbo_normalized_tagname(el.tag);
    GumboStringPiece piece = el.original_tag;
    gumbo_tag_from_original_text(&piece);
    return ToLower(std::string_view(piece.data, piece.length));
  }

  void NoteHazards(const std::string& tag, const GumboElement& el) {
    if (tag == "script") result_.hazards.push_back({HazardKind::kScriptElement, tag, ""});
    for (unsigned i = 0; i < el.attributes.length; ++i) {
      const auto* a = static_cast<const GumboAttribute*>(el.attributes.data[i]);
      std::string name = ToLower(a->name);
      std::string_view value = a->value;
      if (name.starts_with("on")) {
        result_.hazards.push_back({HazardKind::kEventHandler, tag + " " + name, Snippet(value)});
      } else if ((name == "href" || name == "src" || name == "action" || name == "formaction" ||
                  name == "xlink:href" || name == "background" || name == "data" ||
                  name == "poster" || name == "lowsrc" || name == "dynsrc") &&
                 IsScriptUrl(value)) {
        result_.hazards.push_back({HazardKind::kScriptUrl, tag + " " + name, Snippet(value)});
      } else if (tag == "input" && name == "type" && ToLower(Trim(value)) == "password") {
        result_.hazards.push_back({HazardKind::kPasswordField, "input type", Snippet(value)});
      }
    }
  }

  void WriteAttributes(const std::string& tag, const GumboElement& el) {
    for (unsigned i = 0; i < el.attributes.length; ++i) {
      const auto* a = static_cast<const GumboAttribute*>(el.attributes.data[i]);
      std::string name = ToLower(a->name);
      std::string value = a->value;
      if (!IsAllowedAttribute(tag, name) || value.size() > 8192) continue;
      if (name == "href" && !IsSafeLink(value)) continue;
      if (name == "src") {
        std::string u = UrlForScheme(value);
        std::string scheme = SchemeOf(u);
        if (scheme == "cid") {
          value = options_.resolve_cid ? options_.resolve_cid(std::string_view(value).substr(
                                             value.find(':') + 1))
                                       : "";
          if (value.empty()) continue;
        } else if (scheme != "http" && scheme != "https" && !IsSafeImageData(u)) {
          continue;
        }
      }
      if (name == "style") {
        value = SanitizeStyle(value);
        if (value.empty()) continue;
      }
      out() += " " + name + "=\"";
      Escape(value, true, out());
      out() += "\"";
    }
    if (tag == "a") out() += " rel=\"noopener noreferrer nofollow\" target=\"_blank\"";
  }

  std::string& out() { return result_.html; }

  const SanitizeOptions& options_;
  Sanitized& result_;
};

// Elements that never have content (the parser opens nothing for them).
bool IsVoidElement(std::string_view tag) {
  static const std::set<std::string, std::less<>> k = {
      "area", "base", "br", "col", "embed", "hr", "img", "input", "keygen", "link", "meta",
      "param", "source", "track", "wbr", "image", "frame", "basefont", "bgsound"};
  return k.contains(tag);
}

// Elements a sibling of the same name closes (<p>a<p>b is two paragraphs).
bool IsImplicitlyClosed(std::string_view tag) {
  static const std::set<std::string, std::less<>> k = {
      "p", "li", "td", "th", "tr", "dt", "dd", "option", "optgroup", "rb", "rp", "rt", "rtc"};
  return k.contains(tag);
}

// Where the search for an open p, li, td... to close stops.
bool IsScopeBoundary(std::string_view tag) {
  static const std::set<std::string, std::less<>> k = {
      "table", "td", "th", "caption", "ul", "ol", "dl", "select", "button", "object",
      "template", "applet", "marquee", "html"};
  return k.contains(tag);
}

// The parser's memory, freed all at once: gumbo frees its tree recursively,
// which hostile nesting could turn into a stack overflow, so it never frees
// anything itself (its deallocator does nothing) and the arena goes at the
// end. Chunks of 1 MiB; a larger request gets a chunk of its own.
class Arena {
 public:
  static void* Allocate(void* self, size_t size) { return static_cast<Arena*>(self)->Take(size); }
  static void Release(void*, void*) {}

 private:
  void* Take(size_t size) {
    size = (size + 15) & ~size_t{15};
    if (size > kChunk / 4) {
      chunks_.push_back(std::make_unique<char[]>(size));
      return chunks_.back().get();
    }
    if (chunks_.empty() || used_ + size > kChunk) {
      chunks_.push_back(std::make_unique<char[]>(kChunk));
      current_ = chunks_.back().get();
      used_ = 0;
    }
    void* p = current_ + used_;
    used_ += size;
    return p;
  }
  static constexpr size_t kChunk = 1 << 20;
  std::vector<std::unique_ptr<char[]>> chunks_;
  char* current_ = nullptr;
  size_t used_ = 0;
};

}  // namespace

std::string_view HazardName(HazardKind kind) {
  switch (kind) {
    case HazardKind::kScriptElement:
      return "script_element";
    case HazardKind::kEventHandler:
      return "event_handler";
    case HazardKind::kScriptUrl:
      return "script_url";
    case HazardKind::kPasswordField:
      return "password_field";
    case HazardKind::kUncheckable:
      return "uncheckable_html";
  }
  return "unknown";
}

size_t EstimatedNesting(std::string_view html, size_t stop_above) {
  // A stack of open elements roughly as the parser keeps it: an end tag
  // closes only an element it names, "/>" closes only void ones (HTML
  // ignores it on the others), a p, li, td... closes the open one of its
  // kind. It errs deep where markup is odd; the parser's memory is an arena
  // either way, so an error costs time, never the stack.
  std::vector<std::string> open;
  size_t deepest = 0;
  size_t i = 0;
  while ((i = html.find('<', i)) != std::string_view::npos) {
    ++i;
    if (i >= html.size()) break;
    char c = html[i];
    if (c == '!') {
      if (html.compare(i, 3, "!--") == 0) {
        // A comment ends at "-->" or "--!>" (also "<!-->" and "<!--->").
        size_t from = i + 3;
        if (html.compare(from, 1, ">") == 0 || html.compare(from, 2, "->") == 0) {
          i = from;
          continue;
        }
        size_t a = html.find("-->", from), b = html.find("--!>", from);
        size_t end = std::min(a, b);
        if (end == std::string_view::npos) break;  // the rest is a comment
        i = end + 3;
        continue;
      }
      size_t end = html.find('>', i);  // doctype or bogus comment
      if (end == std::string_view::npos) break;
      i = end;
      continue;
    }
    bool closing = c == '/';
    size_t name_at = closing ? i + 1 : i;
    size_t name_end = name_at;
    while (name_end < html.size() &&
           (std::isalnum(static_cast<unsigned char>(html[name_end])) || html[name_end] == '-')) {
      ++name_end;
    }
    if (name_end == name_at) continue;  // "<" as text
    std::string name = ToLower(html.substr(name_at, name_end - name_at));
    size_t end = html.find('>', name_end);
    if (end == std::string_view::npos) break;
    i = end;
    if (closing) {
      auto it = std::find(open.rbegin(), open.rend(), name);
      if (it != open.rend()) open.erase(std::next(it).base(), open.end());
      continue;
    }
    if (name == "script" || name == "style" || name == "textarea" || name == "title" ||
        name == "xmp" || name == "plaintext") {  // raw text up to the end tag
      size_t close = html.find("</", end);
      while (close != std::string_view::npos &&
             ToLower(html.substr(close + 2, name.size())) != name) {
        close = html.find("</", close + 2);
      }
      if (close == std::string_view::npos) break;
      i = close;
      continue;
    }
    if (IsVoidElement(name)) continue;
    if (IsImplicitlyClosed(name)) {
      // A new p, li, td... closes the open one of its kind within its scope.
      for (size_t k = open.size(); k-- > 0;) {
        if (open[k] == name) {
          open.resize(k);
          break;
        }
        if (IsScopeBoundary(open[k])) break;
      }
    }
    open.push_back(std::move(name));
    deepest = std::max(deepest, open.size());
    if (deepest > stop_above) break;
  }
  return deepest;
}

Sanitized Sanitize(std::string_view html, const SanitizeOptions& options) {
  Sanitized result;
  std::string text = SanitizeUtf8(html);
  if (text.size() > kMaxParsedBytes || EstimatedNesting(text, kMaxNesting) > kMaxNesting) {
    // Too big or too deep to parse in reasonable time: the text, escaped,
    // and a hazard (padding must not be a way past the checks).
    result.flattened = true;
    result.hazards.push_back({HazardKind::kUncheckable, "html",
                              text.size() > kMaxParsedBytes ? "larger than the parser takes"
                                                            : "nested too deeply to check"});
    std::string plain;
    bool in_tag = false;
    for (char c : text) {
      if (c == '<') in_tag = true;
      if (!in_tag) plain += c;
      if (c == '>') in_tag = false;
    }
    result.html = "<pre>\n";
    Escape(plain, false, result.html);
    result.html += "</pre>";
    return result;
  }
  Arena arena;
  GumboOptions parse_options = kGumboDefaultOptions;
  parse_options.allocator = &Arena::Allocate;
  parse_options.deallocator = &Arena::Release;
  parse_options.userdata = &arena;
  GumboOutput* output = gumbo_parse_with_options(&parse_options, text.data(), text.size());
  if (!output) return result;
  Builder(options, result).Run(output->document);
  return result;  // the arena frees the tree

}

}  // namespace postdesk::html
