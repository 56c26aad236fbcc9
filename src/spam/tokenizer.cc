#include "spam/tokenizer.h"

#include <glib.h>
#include <libpsl.h>

#include <algorithm>
#include <cctype>
#include <unordered_map>
#include <unordered_set>

#include "common/strings.h"

namespace postdesk::spam {
namespace {

// Header fields that say nothing about the sender: the message's own claims
// about spam (trusted only from configured relays, elsewhere) and what a
// mailbox or a local delivery agent writes after delivery.
bool IgnoredField(std::string_view lower_name) {
  static const std::unordered_set<std::string_view> kIgnored = {"status",
                                                                "x-status",
                                                                "x-keywords",
                                                                "x-uid",
                                                                "content-length",
                                                                "lines",
                                                                "x-mozilla-status",
                                                                "x-mozilla-status2",
                                                                "x-evolution",
                                                                "x-imap",
                                                                "x-imapbase",
                                                                "delivered-to",
                                                                "x-original-to",
                                                                "x-virus-scanned",
                                                                "x-dspam-result",
                                                                "x-dspam-confidence",
                                                                "x-bogosity",
                                                                "x-rspamd-score",
                                                                "x-rspamd-action",
                                                                "x-rspamd-server",
                                                                "x-rspamd-queue-id",
                                                                "x-ham-report"};
  return lower_name.starts_with("x-spam") || kIgnored.contains(lower_name);
}

bool IsAsciiAlnum(unsigned char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

// Han, Hiragana, Katakana (full and half width), Hangul, and the marks that
// live inside Japanese words (々, ー).
bool IsCjk(uint32_t cp) {
  return (cp >= 0x3040 && cp <= 0x30FF) || (cp >= 0x31F0 && cp <= 0x31FF) ||
         (cp >= 0x3400 && cp <= 0x4DBF) || (cp >= 0x4E00 && cp <= 0x9FFF) ||
         (cp >= 0xF900 && cp <= 0xFAFF) || (cp >= 0xFF66 && cp <= 0xFF9F) ||
         (cp >= 0xAC00 && cp <= 0xD7AF) || (cp >= 0x1100 && cp <= 0x11FF) ||
         (cp >= 0x3130 && cp <= 0x318F) || cp == 0x3005 || (cp >= 0x20000 && cp <= 0x2FFFF);
}

// Decodes one code point at `i`; invalid bytes come back as U+FFFD (one byte).
uint32_t NextCodePoint(std::string_view s, size_t& i) {
  auto c = static_cast<unsigned char>(s[i]);
  if (c < 0x80) {
    ++i;
    return c;
  }
  int len = c >= 0xF0 && c < 0xF5 ? 4 : c >= 0xE0 ? 3 : c >= 0xC2 && c < 0xE0 ? 2 : 0;
  if (len == 0 || i + len > s.size()) {
    ++i;
    return 0xFFFD;
  }
  uint32_t cp = c & (len == 2 ? 0x1F : len == 3 ? 0x0F : 0x07);
  for (int k = 1; k < len; ++k) {
    auto cc = static_cast<unsigned char>(s[i + k]);
    if ((cc & 0xC0) != 0x80) {
      ++i;
      return 0xFFFD;
    }
    cp = (cp << 6) | (cc & 0x3F);
  }
  i += len;
  return cp;
}

void AppendUtf8(std::string& out, uint32_t cp) {
  char buf[8];
  int n = g_unichar_to_utf8(cp, buf);
  out.append(buf, static_cast<size_t>(n));
}

// Word state of TokenizeText.
class WordSplitter {
 public:
  WordSplitter(std::string_view prefix, const TokenizerLimits& limits, Tokens& out)
      : prefix_(prefix), limits_(limits), out_(out), run_(out.NewRun()) {}

  void Run(std::string_view text) {
    if (text.size() > limits_.max_text_bytes) text = text.substr(0, limits_.max_text_bytes);
    size_t i = 0;
    while (i < text.size() && !out_.full()) {
      uint32_t cp = NextCodePoint(text, i);
      if (cp < 0x80) {
        Ascii(static_cast<unsigned char>(cp));
        continue;
      }
      if (cp >= 0xFF01 && cp <= 0xFF5E) {  // fullwidth ASCII forms
        Ascii(static_cast<unsigned char>(cp - 0xFF01 + 0x21));
        continue;
      }
      if (IsCjk(cp)) {
        EndWord();
        Cjk(cp);
        continue;
      }
      EndCjk();
      if (g_unichar_isalnum(cp)) {
        Connect();
        AppendUtf8(word_, g_unichar_tolower(cp));
        has_letter_ = true;
        continue;
      }
      if (cp == 0x2019 && !word_.empty() && connector_ == 0) {  // ’ as in don’t
        connector_ = '\'';
        continue;
      }
      EndWord();
    }
    EndWord();
    EndCjk();
  }

 private:
  void Ascii(unsigned char c) {
    if (IsAsciiAlnum(c)) {
      EndCjk();
      Connect();
      if (c >= 'A' && c <= 'Z') c = static_cast<unsigned char>(c | 0x20);
      if (c >= 'a' && c <= 'z') has_letter_ = true;
      word_.push_back(static_cast<char>(c));
      return;
    }
    EndCjk();
    if ((c == '\'' || c == '.' || c == ',' || c == '-' || c == '_') && !word_.empty() &&
        connector_ == 0) {
      connector_ = static_cast<char>(c);
      return;
    }
    EndWord();
    if (c == '$') {
      dollar_ = true;
      return;
    }
    dollar_ = false;
    if (c == '!') {
      ++bangs_;
    } else {
      EndBangs();
    }
  }

  void Connect() {
    EndBangs();
    if (connector_ != 0) {
      word_.push_back(connector_);
      connector_ = 0;
    }
  }

  void EndBangs() {
    if (bangs_ == 0) return;
    out_.Add(prefix_, std::string_view("!!!").substr(0, std::min<size_t>(bangs_, 3)), run_);
    bangs_ = 0;
  }

  void EndWord() {
    connector_ = 0;
    if (word_.empty()) {
      EndBangs();
      return;
    }
    std::string_view w = word_;
    if (!has_letter_) {
      // A number: its digit count is what matters ("$1,000,000" -> "$num:7").
      size_t digits =
          std::count_if(w.begin(), w.end(), [](char c) { return c >= '0' && c <= '9'; });
      std::string t = dollar_ ? "$num:" : "num:";
      t += std::to_string(std::min<size_t>(digits, 12));
      out_.Add(prefix_, t, run_);
    } else if (w.size() > limits_.max_token_bytes) {
      // Long runs (encoded blobs, glued words): only a length class survives.
      std::string t = "long:" + std::to_string(std::min<size_t>(w.size() / 10 * 10, 200));
      out_.Add(prefix_, t, run_);
    } else if (w.size() >= 2 || dollar_) {
      if (dollar_) {
        out_.Add(prefix_, "$" + word_, run_);
      } else {
        out_.Add(prefix_, w, run_);
      }
    }
    word_.clear();
    has_letter_ = false;
    dollar_ = false;
    EndBangs();
  }

  void Cjk(uint32_t cp) {
    if (prev_cjk_ != 0) {
      std::string pair;
      AppendUtf8(pair, prev_cjk_);
      AppendUtf8(pair, cp);
      out_.Add(prefix_, pair, run_);
    }
    prev_cjk_ = cp;
    ++cjk_len_;
  }

  void EndCjk() {
    if (cjk_len_ == 1) {  // a lone character is its own token
      std::string one;
      AppendUtf8(one, prev_cjk_);
      out_.Add(prefix_, one, run_);
    }
    prev_cjk_ = 0;
    cjk_len_ = 0;
  }

  std::string_view prefix_;
  const TokenizerLimits& limits_;
  Tokens& out_;
  uint32_t run_;
  std::string word_;
  bool has_letter_ = false;
  bool dollar_ = false;
  char connector_ = 0;
  int bangs_ = 0;
  uint32_t prev_cjk_ = 0;
  int cjk_len_ = 0;
};

bool IsHostChar(unsigned char c) { return IsAsciiAlnum(c) || c == '.' || c == '-' || c == '_'; }

bool IsIpv4(std::string_view host) {
  if (host.empty()) return false;
  int dots = 0;
  for (char c : host) {
    if (c == '.') {
      ++dots;
    } else if (c < '0' || c > '9') {
      return false;
    }
  }
  return dots == 3;
}

// "a.b.c.d" -> "a.b.c" (the /24 a sender's address belongs to).
std::string_view Ipv4Prefix(std::string_view ip) { return ip.substr(0, ip.rfind('.')); }

// The host of the URL whose authority starts at `i`.
std::string HostAt(std::string_view text, size_t i) {
  size_t end = i;
  while (end < text.size() && end - i < 512) {
    char c = text[end];
    if (c == '/' || c == '?' || c == '#' || c == '\\' || c == '"' || c == '\'' || c == '<' ||
        c == '>' || c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == ')' || c == '(' ||
        c == ']' || c == '[' || c == '|' || c == ',' || c == ';') {
      break;
    }
    ++end;
  }
  std::string_view auth = text.substr(i, end - i);
  if (size_t at = auth.rfind('@'); at != std::string_view::npos) auth.remove_prefix(at + 1);
  if (size_t colon = auth.find(':'); colon != std::string_view::npos) auth = auth.substr(0, colon);
  while (!auth.empty() && auth.back() == '.') auth.remove_suffix(1);
  if (auth.empty() || auth.size() > 253) return "";
  std::string host;
  host.reserve(auth.size());
  for (char c : auth) {
    auto u = static_cast<unsigned char>(c);
    if (!IsHostChar(u)) return "";  // percent-encoded or otherwise obfuscated
    host.push_back(static_cast<char>(u >= 'A' && u <= 'Z' ? u | 0x20 : u));
  }
  if (host.find('.') == std::string::npos) return "";
  return host;
}

void AddHost(Tokens& out, std::string_view prefix, const std::string& host) {
  if (IsIpv4(host)) {
    out.Add(prefix, "ip");
    return;
  }
  out.Add(prefix, host);
  std::string reg = RegisteredDomain(host);
  if (reg != host) out.Add(prefix, reg);
}

void AddDomainOf(Tokens& out, std::string_view prefix, std::string_view email) {
  std::string_view d = EmailDomain(email);
  if (d.empty()) {
    out.Add(prefix, "none");
    return;
  }
  std::string lower = ToLower(d);
  if (lower.size() > 100) lower.resize(100);
  out.Add(prefix, RegisteredDomain(lower));
}

std::string Bucket(size_t n) {
  return n <= 3 ? std::to_string(n) : n <= 5 ? "4-5" : n <= 10 ? "6-10" : "many";
}

// Host names and IPv4 addresses that a Received field names.
void ReceivedTokens(std::string_view value, Tokens& out) {
  size_t i = 0;
  int found = 0;
  while (i < value.size() && found < 6) {
    while (i < value.size() && !IsHostChar(static_cast<unsigned char>(value[i]))) ++i;
    size_t start = i;
    while (i < value.size() && IsHostChar(static_cast<unsigned char>(value[i]))) ++i;
    std::string_view w = value.substr(start, i - start);
    while (!w.empty() && w.back() == '.') w.remove_suffix(1);
    if (w.size() < 4 || w.size() > 253 || w.find('.') == std::string_view::npos) continue;
    if (IsIpv4(w)) {
      out.Add("received:ip:", Ipv4Prefix(w));
      ++found;
      continue;
    }
    std::string host = ToLower(w);
    // Only names that end in letters (a TLD), not version numbers like 8.9.3.
    if (!std::isalpha(static_cast<unsigned char>(host.back()))) continue;
    out.Add("received:", RegisteredDomain(host));
    ++found;
  }
}

// The shape of a value: a run of digits becomes '9', of lower-case letters
// 'a', a word that starts in capitals 'A', other ASCII bytes stay, spaces
// collapse ("Microsoft Outlook Express 6.00.2600.0000" -> "A A A 9.9.9.9").
// Mail clients and bulk-mail tools differ in the shape of their version
// strings even where the values themselves rarely repeat.
std::string Shape(std::string_view value, size_t max = 40) {
  std::string out;
  for (char ch : value) {
    auto c = static_cast<unsigned char>(ch);
    char k = c >= '0' && c <= '9'   ? '9'
             : c >= 'a' && c <= 'z' ? 'a'
             : c >= 'A' && c <= 'Z' ? 'A'
             : c >= 0x80            ? 'u'
                                    : static_cast<char>(c);
    if (k == '\t') k = ' ';
    if (!out.empty() && out.back() == k &&
        (k == '9' || k == 'a' || k == 'A' || k == 'u' || k == ' '))
      continue;
    if (!out.empty() && k == 'a' && out.back() == 'A') {  // "Mon" is one capitalized word
      continue;
    }
    out.push_back(k);
    if (out.size() >= max) break;
  }
  return out;
}

// Typography of the subject, which case folding loses: words in capitals
// ("FREE", "ACT NOW") and runs of '!', '?' or '$'.
void SubjectShapeTokens(std::string_view subject, Tokens& out) {
  size_t caps_words = 0, words = 0;
  size_t i = 0;
  subject = subject.substr(0, 1000);
  while (i < subject.size()) {
    while (i < subject.size() && !IsAsciiAlnum(static_cast<unsigned char>(subject[i]))) ++i;
    size_t start = i;
    bool lower = false;
    size_t upper = 0;
    while (i < subject.size() && IsAsciiAlnum(static_cast<unsigned char>(subject[i]))) {
      char c = subject[i++];
      if (c >= 'a' && c <= 'z') lower = true;
      if (c >= 'A' && c <= 'Z') ++upper;
    }
    if (i == start) break;
    ++words;
    if (!lower && upper >= 2) {
      ++caps_words;
      if (i - start <= 20) out.Add("subject:caps:", subject.substr(start, i - start));
    }
  }
  if (words > 0) {
    out.Add("subject:caps-words:", caps_words == 0 ? "none" : caps_words == words ? "all" : "some");
  }
  for (char mark : {'!', '?', '$'}) {
    size_t run = 0, best = 0;
    for (char c : subject) {
      run = c == mark ? run + 1 : 0;
      best = std::max(best, run);
    }
    if (best >= 2) out.Add("subject:run:", std::string(std::min<size_t>(best, 3), mark));
  }
}

}  // namespace

std::vector<std::string> Tokens::Texts() const {
  std::vector<std::string> out;
  out.reserve(items_.size());
  for (size_t i = 0; i < items_.size(); ++i) out.emplace_back(text(i));
  return out;
}

bool Tokens::Contains(std::string_view token) const {
  for (size_t i = 0; i < items_.size(); ++i) {
    if (text(i) == token) return true;
  }
  return false;
}

void Tokens::Add(std::string_view prefix, std::string_view body, uint32_t run) {
  if (full() || body.empty()) return;
  Item item;
  item.offset = static_cast<uint32_t>(arena_.size());
  item.size = static_cast<uint32_t>(prefix.size() + body.size());
  item.run = run;
  arena_.append(prefix);
  arena_.append(body);
  items_.push_back(item);
}

std::string RegisteredDomain(std::string_view host) {
  // The same few hosts come back in every message (relays, list servers):
  // a small per-thread cache saves most public suffix lookups.
  thread_local std::unordered_map<std::string, std::string> cache;
  std::string h(host);
  if (auto it = cache.find(h); it != cache.end()) return it->second;
  const char* reg = psl_registrable_domain(psl_builtin(), h.c_str());
  std::string out = reg ? std::string(reg) : h;
  if (cache.size() >= 4096) cache.clear();
  cache.emplace(std::move(h), out);
  return out;
}

std::vector<std::string> UrlHosts(std::string_view text, size_t max) {
  std::vector<std::string> hosts;
  for (size_t i = 0; i < text.size() && hosts.size() < max; ++i) {
    char c = static_cast<char>(text[i] | 0x20);
    size_t authority = std::string_view::npos;
    if (c == 'h' && i + 7 < text.size()) {
      if (IStartsWith(text.substr(i), "http://"))
        authority = i + 7;
      else if (IStartsWith(text.substr(i), "https://"))
        authority = i + 8;
    } else if (c == 'w' && IStartsWith(text.substr(i), "www.") &&
               (i == 0 || !IsHostChar(static_cast<unsigned char>(text[i - 1]))) &&
               (i == 0 || text[i - 1] != '/')) {
      authority = i;
    }
    if (authority == std::string_view::npos) continue;
    std::string host = HostAt(text, authority);
    if (!host.empty() && std::find(hosts.begin(), hosts.end(), host) == hosts.end()) {
      hosts.push_back(std::move(host));
    }
    i = authority;
  }
  return hosts;
}

void TokenizeText(std::string_view utf8, std::string_view prefix, const TokenizerLimits& limits,
                  Tokens& out) {
  WordSplitter(prefix, limits, out).Run(utf8);
}

Tokens Tokenize(const mime::Message& m, const TokenizerLimits& limits) {
  Tokens out;
  out.set_limit(limits.max_tokens);

  // Field names present, and the fields that say who sent it and how.
  std::unordered_set<std::string> names;
  size_t received = 0;
  for (const auto& [raw_name, value] : m.headers) {
    if (out.full()) break;
    std::string name = ToLower(raw_name.substr(0, 40));
    if (IgnoredField(name)) continue;
    if (names.size() < 100 && names.insert(name).second) out.Add("header:", name);
    if (name == "received") {
      if (received++ < limits.max_received) ReceivedTokens(value, out);
    } else if (name == "x-mailer" || name == "user-agent") {
      TokenizeText(value.substr(0, 200), "x-mailer:", limits, out);
      out.Add("x-mailer:shape:", Shape(Trim(value)));
    } else if (name == "list-id" || name == "precedence") {
      out.Add(name + ":", ToLower(Trim(value).substr(0, 60)));
    } else if (name == "return-path") {
      std::string_view rp = Trim(value);
      if (!rp.empty() && rp.front() == '<') rp.remove_prefix(1);
      if (!rp.empty() && rp.back() == '>') rp.remove_suffix(1);
      AddDomainOf(out, "return-path:", rp);
    }
  }

  if (m.message_id.empty()) {
    out.Add("message-id:", "none");
  } else if (size_t at = m.message_id.rfind('@'); at == std::string::npos) {
    out.Add("message-id:", "nodomain");
  } else {
    AddDomainOf(out, "message-id:", m.message_id);
  }

  if (m.from.empty()) out.Add("from:", "none");
  for (size_t i = 0; i < m.from.size() && i < 2; ++i) {
    const auto& a = m.from[i];
    std::string email = NormalizeEmail(a.email);
    if (email.size() > 100) email.resize(100);
    out.Add("from:addr:", email.empty() ? "none" : email);
    AddDomainOf(out, "from:domain:", email);
    if (a.name.empty()) {
      out.Add("from:name:", "none");
    } else {
      TokenizeText(a.name.substr(0, 200), "from:name:", limits, out);
    }
  }
  out.Add("to:count:", Bucket(m.to.size() + m.cc.size()));
  for (size_t i = 0; i < m.to.size() && i < 4; ++i) {
    std::string email = NormalizeEmail(m.to[i].email);
    if (email.size() > 100) email.resize(100);
    out.Add("to:addr:", email.empty() ? "none" : email);
  }
  if (!m.reply_to.empty()) {
    std::string rd = RegisteredDomain(ToLower(EmailDomain(m.reply_to[0].email)));
    out.Add("reply-to:domain:", rd.empty() ? "none" : rd);
    std::string fd = m.from.empty() ? "" : RegisteredDomain(ToLower(EmailDomain(m.from[0].email)));
    if (rd != fd) out.Add("reply-to:", "other-domain");
  }

  for (size_t i = 0; i < m.attachments.size() && i < 16; ++i) {
    const auto& a = m.attachments[i];
    out.Add("attachment:", a.content_type.substr(0, 60));
    if (size_t dot = a.filename.rfind('.');
        dot != std::string::npos && a.filename.size() - dot <= 8) {
      out.Add("attachment:ext:", ToLower(a.filename.substr(dot + 1)));
    }
  }
  // The MIME structure as declared: each part's type with its charset and
  // transfer encoding, and the outline of the first few parts.
  std::string outline;
  for (size_t i = 0; i < m.parts.size() && i < 16; ++i) {
    const mime::PartShape& p = m.parts[i];
    const std::string_view type = std::string_view(p.content_type).substr(0, 60);
    out.Add("part:", std::string(type) + ";" + (p.charset.empty() ? "-" : p.charset));
    out.Add("part:cte:",
            std::string(type) + ";" + (p.transfer_encoding.empty() ? "-" : p.transfer_encoding));
    if (i < 4) outline += (i == 0 ? "" : "/") + std::string(type);
  }
  if (!outline.empty()) out.Add("parts:", outline);
  for (size_t i = 0; i < m.defects.size() && i < 8; ++i) {
    std::string d = m.defects[i].substr(0, 40);
    std::replace(d.begin(), d.end(), ' ', '-');
    out.Add("mime:", d);
  }

  // URL hosts from the text and from the HTML (hrefs, image sources).
  std::vector<std::string> hosts =
      UrlHosts(std::string_view(m.text_body).substr(0, limits.max_text_bytes), limits.max_urls);
  if (!m.html_body.empty()) {
    for (auto& h : UrlHosts(std::string_view(m.html_body).substr(0, limits.max_text_bytes),
                            limits.max_urls)) {
      if (std::find(hosts.begin(), hosts.end(), h) == hosts.end()) hosts.push_back(std::move(h));
    }
  }
  for (size_t i = 0; i < hosts.size() && i < limits.max_urls; ++i) AddHost(out, "url:", hosts[i]);

  if (Trim(m.subject).empty()) out.Add("subject:", "none");
  TokenizeText(m.subject.substr(0, 1000), "subject:", limits, out);
  SubjectShapeTokens(m.subject, out);
  out.Add("body:", m.html_body.empty() ? "text" : "html");
  TokenizeText(m.text_body, "", limits, out);
  return out;
}

}  // namespace postdesk::spam
