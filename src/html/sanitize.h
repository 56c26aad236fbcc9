// html/sanitize: customer HTML made inert. The mail's HTML is parsed by an
// HTML5 parser (gumbo: the tree a browser would build, so markup that hides
// from substring checks -- java&#x09;script:, type = "password", unclosed
// tags, <noscript> mutations -- is seen as the browser would see it) and
// rebuilt from an allowlist of elements and attributes:
//  - kept: text formatting, lists, tables, links (http, https, mailto, tel,
//    #fragment) and images (http, https, cid: via a resolver, data:image);
//  - dropped with their content: script, style, head, title, iframe, object,
//    embed, applet, template, svg, math, frames, form controls;
//  - unwrapped (content kept): every other element, form and noscript among
//    them (noscript's content is what a reader without scripts should see;
//    the element itself never reaches the output, so a browser cannot parse
//    its content differently from us);
//  - attributes: a short allowlist; style only with declarations that load
//    nothing and run nothing; links get rel="noopener noreferrer nofollow".
// Comments and doctype are dropped. The output is serialized by us, every
// text and attribute escaped, so what the browser parses is what we built.
// Along the way it notes the hazards that only an attack needs (a script
// element, an event handler, a script URL, a password field), which intake
// turns into a malicious_pattern_detected suspension.
//
// Input trust: none; any bytes (invalid UTF-8 is replaced). The parser's
// memory is an arena freed at once (gumbo's own free recurses down the
// tree). HTML over kMaxParsedBytes, or nested deeper than kMaxNesting
// (the parser's work grows with depth times elements), is not parsed: its
// escaped text comes out instead, with an "uncheckable" hazard.
// Thread-safety: pure functions.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace postdesk::html {

inline constexpr size_t kMaxNesting = 512;
inline constexpr size_t kMaxParsedBytes = 4 * 1024 * 1024;

enum class HazardKind { kScriptElement, kEventHandler, kScriptUrl, kPasswordField, kUncheckable };
std::string_view HazardName(HazardKind kind);  // "script_element", ...

struct Hazard {
  HazardKind kind;
  std::string where;    // the element (and attribute), e.g. "a href"
  std::string snippet;  // at most 80 bytes of the offending value
};

struct Sanitized {
  std::string html;
  std::vector<Hazard> hazards;
  bool flattened = false;  // too big or too deep: the text only, escaped
};

struct SanitizeOptions {
  // Maps an inline image's Content-ID (without "cid:") to the URL that
  // serves it; "" drops the image. Unset: cid: images are dropped.
  std::function<std::string(std::string_view content_id)> resolve_cid;
};

Sanitized Sanitize(std::string_view html, const SanitizeOptions& options = {});

// How deeply `html` nests elements, estimated generously by a scan that
// keeps its own stack of open elements (no parse); it stops counting once
// past `stop_above`.
size_t EstimatedNesting(std::string_view html, size_t stop_above = SIZE_MAX);

}  // namespace postdesk::html
