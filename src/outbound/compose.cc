#include "outbound/compose.h"

#include <algorithm>
#include <cctype>
#include <ctime>

#include "common/base64.h"
#include "common/ids.h"
#include "common/strings.h"

namespace postdesk::outbound {
namespace {

constexpr size_t kMaxEncodedWordPayload = 45;  // bytes of UTF-8 per encoded-word (60 base64 chars)


bool IsPlainAscii(std::string_view s) {
  for (unsigned char c : s) {
    if (c < 0x20 || c > 0x7e) return false;
  }
  return true;
}

// Text to minimal HTML: escaped, paragraphs kept, line breaks as <br>.
std::string TextToHtml(std::string_view text) {
  std::string out = "<p>";
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\n') {
      if (i + 1 < text.size() && text[i + 1] == '\n') {
        out += "</p>\n<p>";
        while (i + 1 < text.size() && text[i + 1] == '\n') ++i;
      } else {
        out += "<br>\n";
      }
    } else if (text[i] != '\r') {
      out += HtmlEscape(text.substr(i, 1));
    }
  }
  return out + "</p>";
}

std::string Boundary() { return "=_postdesk_" + NewToken().substr(0, 24); }

std::string NormalizeNewlines(std::string_view s) {
  std::string out;
  for (char c : s) {
    if (c != '\r') out += c;
  }
  return out;
}

}  // namespace

bool IsSafeAddress(std::string_view email) {
  if (email.empty() || email.size() > 254) return false;
  size_t at = email.rfind('@');
  if (at == std::string_view::npos || at == 0 || at + 1 == email.size()) return false;
  for (unsigned char c : email) {
    // Printable ASCII (or UTF-8 for SMTPUTF8 local parts) without specials
    // that could end the address or the header.
    if (c <= 0x20 || c == 0x7f || c == '<' || c == '>' || c == '(' || c == ')' || c == ',' ||
        c == ';' || c == ':' || c == '\\' || c == '"' || c == '[' || c == ']') {
      return false;
    }
  }
  return email.find('@') == at;
}

std::string HeaderSafe(std::string_view value) {
  std::string out = SanitizeUtf8(value);
  for (auto& c : out) {
    unsigned char u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7f) c = ' ';
  }
  return out;
}

std::string EncodeHeaderWord(std::string_view text) {
  std::string safe = HeaderSafe(text);
  if (IsPlainAscii(safe) && safe.size() <= 900) return safe;
  // Split on UTF-8 character boundaries so no encoded-word holds half a character.
  std::string out;
  size_t i = 0;
  while (i < safe.size()) {
    size_t end = std::min(safe.size(), i + kMaxEncodedWordPayload);
    while (end < safe.size() && end > i && (static_cast<unsigned char>(safe[end]) & 0xC0) == 0x80) {
      --end;
    }
    if (!out.empty()) out += "\r\n ";
    out += "=?UTF-8?B?" + Base64Encode(std::string_view(safe).substr(i, end - i)) + "?=";
    i = end;
  }
  return out;
}

std::string FormatAddress(const MailAddress& a) {
  std::string name = HeaderSafe(a.name);
  if (name.empty()) return "<" + a.email + ">";
  bool needs_quotes = name.find_first_of("()<>[]:;@\\,.\"") != std::string::npos;
  if (!IsPlainAscii(name)) return EncodeHeaderWord(name) + " <" + a.email + ">";
  if (needs_quotes) {
    std::string q = "\"";
    for (char c : name) {
      if (c == '"' || c == '\\') q += '\\';
      q += c;
    }
    return q + "\" <" + a.email + ">";
  }
  return name + " <" + a.email + ">";
}

std::string QuotedPrintable(std::string_view utf8) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  size_t line_len = 0;
  auto emit = [&](std::string_view piece) {
    if (line_len + piece.size() > 75) {
      out += "=\r\n";
      line_len = 0;
    }
    out += piece;
    line_len += piece.size();
  };
  for (size_t i = 0; i < utf8.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(utf8[i]);
    if (c == '\r') continue;
    if (c == '\n') {
      out += "\r\n";
      line_len = 0;
      continue;
    }
    bool at_line_end = i + 1 == utf8.size() || utf8[i + 1] == '\n' || utf8[i + 1] == '\r';
    bool literal = (c >= 33 && c <= 126 && c != '=') || ((c == ' ' || c == '\t') && !at_line_end);
    // A leading dot stays literal but encoded, so no line is ever "." alone.
    if (c == '.' && line_len == 0) literal = false;
    if (literal) {
      char s[1] = {static_cast<char>(c)};
      emit(std::string_view(s, 1));
    } else {
      char s[3] = {'=', kHex[c >> 4], kHex[c & 15]};
      emit(std::string_view(s, 3));
    }
  }
  return out;
}

std::string FormatRfc5322Date(int64_t unix_seconds) {
  std::time_t t = static_cast<std::time_t>(unix_seconds);
  std::tm tm{};
  gmtime_r(&t, &tm);
  static constexpr const char* kDays[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
  static constexpr const char* kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                            "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  char buf[64];
  std::snprintf(buf, sizeof buf, "%s, %02d %s %04d %02d:%02d:%02d +0000", kDays[tm.tm_wday],
                tm.tm_mday, kMonths[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour, tm.tm_min,
                tm.tm_sec);
  return buf;
}

std::string AttachmentPart(const MailAttachment& a) {
  // The type is ours to trust only when it is a plain type/subtype token.
  std::string type = ToLower(Trim(a.content_type));
  bool type_ok = !type.empty() && type.size() < 100 && type.find('/') != std::string::npos &&
                 std::all_of(type.begin(), type.end(), [](char c) {
                   return std::isalnum(static_cast<unsigned char>(c)) || c == '/' || c == '.' ||
                          c == '+' || c == '-';
                 });
  if (!type_ok) type = "application/octet-stream";
  std::string name = HeaderSafe(a.file_name.empty() ? "attachment" : a.file_name);
  std::string ascii;
  for (char c : name) {
    unsigned char u = static_cast<unsigned char>(c);
    ascii += (u < 0x20 || u >= 0x7f || c == '"' || c == '\\') ? '_' : c;
  }
  std::string part;
  if (ascii == name) {
    part = "Content-Type: " + type + "; name=\"" + ascii + "\"\r\n";
    part += "Content-Disposition: attachment; filename=\"" + ascii + "\"";
  } else {
    // A UTF-8 name: RFC 2231 in the disposition (what current clients
    // read), an RFC 2047 word in the type's name for older ones.
    // Encoded words of at most 75 characters: 45 bytes of UTF-8 each, cut
    // between characters.
    std::string words;
    for (size_t at = 0; at < name.size();) {
      size_t n = std::min<size_t>(45, name.size() - at);
      while (at + n < name.size() && (static_cast<unsigned char>(name[at + n]) & 0xC0) == 0x80) --n;
      if (!words.empty()) words += " ";
      words += "=?UTF-8?B?" + Base64Encode(name.substr(at, n)) + "?=";
      at += n;
    }
    part = "Content-Type: " + type + ";\r\n name=\"" + words + "\"\r\n";
    part += "Content-Disposition: attachment";
    std::string encoded;
    static constexpr char kHex[] = "0123456789ABCDEF";
    for (unsigned char u : name) {
      if (std::isalnum(u) || u == '.' || u == '-' || u == '_') {
        encoded += static_cast<char>(u);
      } else {
        encoded += '%';
        encoded += kHex[u >> 4];
        encoded += kHex[u & 15];
      }
    }
    part += ";\r\n filename*=UTF-8''" + encoded;
  }
  part += "\r\nContent-Transfer-Encoding: base64\r\n\r\n";
  std::string b64 = Base64Encode(a.bytes);
  for (size_t i = 0; i < b64.size(); i += 76) part += b64.substr(i, 76) + "\r\n";
  return part;
}

Result<Composed> ComposeNotification(const Notification& n) {
  if (!IsSafeAddress(n.from.email)) return Status::Invalid("unsafe From address");
  if (!n.reply_to.email.empty() && !IsSafeAddress(n.reply_to.email)) {
    return Status::Invalid("unsafe Reply-To address");
  }
  if (n.to.empty()) return Status::Invalid("no recipient");
  for (const auto& a : n.to) {
    if (!IsSafeAddress(a.email)) return Status::Invalid("unsafe recipient address");
  }
  auto safe_id = [](std::string_view id) {
    return !id.empty() && id.size() < 250 && IsSafeAddress(id);
  };
  if (!n.hostname.empty() && !IsSafeAddress("x@" + n.hostname)) {
    return Status::Invalid("unsafe hostname");
  }

  Composed c;
  std::string id = NewMessageId(n.hostname);  // "<...@host>"
  c.message_id = id.substr(1, id.size() - 2);

  std::string text = NormalizeNewlines(SanitizeUtf8(n.text_body));
  std::string html = n.html_body.empty() ? TextToHtml(text) : SanitizeUtf8(n.html_body);
  if (n.add_delimiter) {
    text = std::string(kReplyDelimiter) + "\n\n" + text;
    html = "<div style=\"color:#b5b5b5\">" + std::string(kReplyDelimiter) + "</div>\n" + html;
  }
  if (!n.encoded_id.empty()) {
    std::string ref = "[" + HeaderSafe(n.encoded_id) + "]";
    text += "\n\n" + ref + "\n";
    html += "\n<div style=\"color:#ffffff;font-size:1px\">" + HtmlEscape(ref) + "</div>\n";
  }
  std::string html_doc = "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"></head><body>\n" +
                         html + "\n</body></html>\n";

  std::string to;
  for (const auto& a : n.to) {
    if (!to.empty()) to += ",\r\n ";
    to += FormatAddress(a);
  }
  std::string boundary = Boundary();
  std::string h;
  h += "From: " + FormatAddress(n.from) + "\r\n";
  if (!n.reply_to.email.empty()) h += "Reply-To: " + FormatAddress(n.reply_to) + "\r\n";
  h += "To: " + to + "\r\n";
  h += "Subject: " + EncodeHeaderWord(n.subject) + "\r\n";
  h += "Date: " + FormatRfc5322Date(n.date) + "\r\n";
  h += "Message-ID: <" + c.message_id + ">\r\n";
  if (safe_id(n.in_reply_to)) h += "In-Reply-To: <" + n.in_reply_to + ">\r\n";
  std::string refs;
  for (const auto& r : n.references) {
    if (!safe_id(r)) continue;
    refs += refs.empty() ? "References: <" : "\r\n <";
    refs += r + ">";
  }
  if (!refs.empty()) h += refs + "\r\n";
  h += "MIME-Version: 1.0\r\n";
  std::string alternative_type = "multipart/alternative; boundary=\"" + boundary + "\"";
  std::string mixed = n.attachments.empty() ? "" : Boundary();
  h += "Content-Type: " + (mixed.empty() ? alternative_type
                                          : "multipart/mixed; boundary=\"" + mixed + "\"") +
       "\r\n";
  h += "X-Postdesk-Loop: " + n.hostname + "\r\n";
  h += "Auto-Submitted: auto-generated\r\n";
  h += "X-Auto-Response-Suppress: All\r\n";

  std::string body;
  if (!mixed.empty()) body += "--" + mixed + "\r\nContent-Type: " + alternative_type + "\r\n\r\n";
  body += "--" + boundary + "\r\n";
  body += "Content-Type: text/plain; charset=UTF-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n";
  body += QuotedPrintable(text) + "\r\n";
  body += "--" + boundary + "\r\n";
  body += "Content-Type: text/html; charset=UTF-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n";
  body += QuotedPrintable(html_doc) + "\r\n";
  body += "--" + boundary + "--\r\n";
  if (!mixed.empty()) {
    for (const auto& a : n.attachments) body += "--" + mixed + "\r\n" + AttachmentPart(a);
    body += "--" + mixed + "--\r\n";
  }
  c.bytes = h + "\r\n" + body;
  return c;
}

}  // namespace postdesk::outbound
