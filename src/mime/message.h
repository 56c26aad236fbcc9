// mime: raw message bytes -> a decoded Message (over GMime).
//
// Trusts nothing in its input: any byte sequence gives a Message (possibly
// with `defects`), never a crash or an exception. Every text field comes out
// as valid UTF-8: declared charsets are converted, undeclared or wrong ones are
// detected (UTF-8, ISO-2022-JP, Shift_JIS, EUC-JP, GB18030, Big5,
// windows-125x), and bytes that fit no charset become U+FFFD -- text is never
// dropped. Thread-safety: Parse() is thread-safe after InitMime() has run once.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace postdesk::mime {

struct Address {
  std::string name;   // decoded display name, UTF-8 (may be empty)
  std::string email;  // addr-spec as written (not lower-cased); empty for groups
};

struct Attachment {
  std::string filename;      // decoded (RFC 2047/2231), UTF-8; "attachment-N" when absent
  std::string content_type;  // lower-case "type/subtype"
  std::string content_id;    // without angle brackets; empty when absent
  bool is_inline = false;    // Content-Disposition: inline, or referenced by cid:
  std::string data;          // decoded bytes
};

// One MIME part's shape as its headers declared it (multiparts included).
struct PartShape {
  std::string content_type;       // lower-case "type/subtype"
  std::string charset;            // declared charset, lower-case; empty when none
  std::string transfer_encoding;  // Content-Transfer-Encoding, lower-case; empty when none
  int depth = 0;                  // 0 for the message's own body
};

struct Message {
  // Header fields, decoded to UTF-8, unfolded, in order; names as written.
  std::vector<std::pair<std::string, std::string>> headers;

  std::string message_id;                // without angle brackets; empty when absent
  std::vector<std::string> in_reply_to;  // ids without angle brackets
  std::vector<std::string> references;   // ids without angle brackets, in order
  std::vector<Address> from, to, cc, reply_to;
  std::string subject;  // decoded UTF-8, unfolded
  int64_t date = 0;     // Unix seconds from Date:, 0 when absent/unparsable

  std::string text_body;  // text/plain part, or text derived from HTML when only HTML
  std::string html_body;  // the text/html part as sent (UTF-8), empty when none
  std::vector<Attachment> attachments;  // includes inline images and nested message/rfc822
                                        // parts (as .eml attachments)

  std::vector<std::string> defects;  // what was wrong with the input, for the audit
  std::vector<PartShape> parts;      // every part walked, in tree order (the root first)

  // First header value named `name` (case-insensitive), if any.
  std::optional<std::string> Header(std::string_view name) const;
};

// Must be called once per process before Parse (idempotent, thread-safe).
void InitMime();

// Parses `raw` (RFC 5322 bytes, CRLF or LF line ends). Never fails: broken
// input yields a best-effort Message with `defects` filled in.
Message Parse(std::string_view raw);

// Converts `bytes` declared as `charset` (may be empty or wrong) to UTF-8.
std::string ToUtf8(std::string_view bytes, std::string_view charset);

// Plain text from HTML: drops script/style, keeps paragraph and line breaks,
// decodes entities, keeps link targets as "text (url)".
std::string HtmlToText(std::string_view html);

}  // namespace postdesk::mime
