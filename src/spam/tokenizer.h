// spam/tokenizer: a decoded email -> the tokens the spam filter learns from.
//
// Header tokens carry their field name ("subject:free", "from:domain:example.com",
// "received:example.net", "header:list-id", "url:example.com", "body:html"), domains
// are also reduced to their registrable part (public suffix list), body words
// (of the text part, or of the text derived from HTML) are lower-cased, numbers are
// bucketed by length ("num:4"), over-long words become a length class, and CJK
// text (Han, Hiragana, Katakana, Hangul), which has no spaces, is split into
// overlapping character bigrams ("不在のお知らせ" -> 不在 在の のお お知 知ら らせ).
// Two kinds of token keep what lower-casing loses: the shape of the X-Mailer
// or User-Agent value ("x-mailer:shape:A A A 9.9.9.9") and the subject's
// typography (words in capitals "subject:caps:FREE", "subject:caps-words:all",
// runs of '!', '?' or '$' as "subject:run:!!!").
// Tokens keep their order inside a run (the subject, the body) so the model
// can pair neighbours (OSB features).
//
// Input trust: everything comes from the sender. The work is bounded: at most
// `max_tokens` tokens per message, `max_token_bytes` per token, `max_text_bytes`
// of each body scanned, `max_urls` URLs and `max_received` Received fields.
// Claims about spam made by the message itself (X-Spam-*) are ignored, as are
// fields a mailbox adds after delivery (Status, X-UID, ...).
// Thread-safety: pure functions over their arguments.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "mime/message.h"

namespace postdesk::spam {

struct TokenizerLimits {
  size_t max_tokens = 4000;
  size_t max_token_bytes = 40;
  size_t max_text_bytes = 256 * 1024;
  size_t max_urls = 64;
  size_t max_received = 8;
};

// The tokens of one message, in order, packed in one buffer.
class Tokens {
 public:
  struct Item {
    uint32_t offset = 0;
    uint32_t size = 0;
    // Items of the same non-zero run are neighbours in text; run 0 stands alone.
    uint32_t run = 0;
  };

  size_t size() const { return items_.size(); }
  bool full() const { return items_.size() >= limit_; }
  std::string_view text(size_t i) const {
    return std::string_view(arena_).substr(items_[i].offset, items_[i].size);
  }
  const Item& item(size_t i) const { return items_[i]; }
  // Every token's text, for tests and explanations.
  std::vector<std::string> Texts() const;
  bool Contains(std::string_view token) const;

  // Appends `prefix` + `body` as one token of `run` (no-op once full).
  void Add(std::string_view prefix, std::string_view body, uint32_t run = 0);
  // A fresh run id for a new stretch of neighbouring tokens.
  uint32_t NewRun() { return ++last_run_; }
  void set_limit(size_t limit) { limit_ = limit; }

 private:
  std::string arena_;
  std::vector<Item> items_;
  uint32_t last_run_ = 0;
  size_t limit_ = 4000;
};

// Tokens of a decoded message.
Tokens Tokenize(const mime::Message& message, const TokenizerLimits& limits = {});

// Words of free text appended to `out` as one run, each prefixed by `prefix`
// ("" for body text). Exposed for tests.
void TokenizeText(std::string_view utf8, std::string_view prefix, const TokenizerLimits& limits,
                  Tokens& out);

// The host of every http(s):// or www. URL in `text` (lower case, at most
// `max` of them, no duplicates).
std::vector<std::string> UrlHosts(std::string_view text, size_t max = 64);

// The registrable domain of `host` by the public suffix list ("a.b.example.co.uk"
// -> "example.co.uk"); `host` itself when it has none.
std::string RegisteredDomain(std::string_view host);

}  // namespace postdesk::spam
