// compose: builds the emails postdesk sends -- multipart/alternative (text +
// HTML), UTF-8, RFC 2047 subjects and display names, our own Message-ID,
// In-Reply-To/References chaining the ticket's conversation, Reply-To the
// ticket's support address tagged with its encoded id, the reply delimiter
// and the encoded id in the body, and our loop header.
//
// Every value that reaches a header is checked or cleaned here: no CR, LF or
// NUL from any field ever reaches a header, and addresses must pass a
// whitelist. Thread-safety: pure functions.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace postdesk::outbound {

// The line agents' notifications start with; inbound replies are cut there.
inline constexpr std::string_view kReplyDelimiter = "##- Please type your reply above this line -##";

struct MailAddress {
  std::string name;   // display name, any UTF-8
  std::string email;  // addr-spec; validated
};

// A file sent with a notification (an agent's reply with attachments).
struct MailAttachment {
  std::string file_name;  // any UTF-8; sent as ASCII plus RFC 2231 when needed
  std::string content_type;
  std::string bytes;
};

struct Notification {
  MailAddress from;      // the support address, with the help desk's name
  MailAddress reply_to;  // usually support+id<ENCODED>@domain
  std::vector<MailAddress> to;
  std::string subject;
  std::string text_body;  // rendered, UTF-8
  std::string html_body;  // rendered, UTF-8; empty: derived from the text
  std::string encoded_id;  // e.g. K7Q2-9XWD; empty: not about a ticket
  std::string in_reply_to;              // Message-ID without brackets; may be empty
  std::vector<std::string> references;  // oldest first, without brackets
  std::string hostname;  // ours: in the Message-ID and the loop header
  int64_t date = 0;      // Unix seconds
  bool add_delimiter = true;  // the reply delimiter at the top of the body
  // Non-empty: the message is multipart/mixed, text and HTML first.
  std::vector<MailAttachment> attachments;
};

struct Composed {
  std::string message_id;  // without angle brackets
  std::string bytes;       // CRLF line ends
};

Result<Composed> ComposeNotification(const Notification& n);

// Helpers, exposed for tests and for other builders.
bool IsSafeAddress(std::string_view email);
std::string HeaderSafe(std::string_view value);          // CR/LF/NUL/controls -> space
std::string EncodeHeaderWord(std::string_view text);     // RFC 2047 when needed, folded
std::string FormatAddress(const MailAddress& address);   // "Name" <a@b> with encoding
std::string QuotedPrintable(std::string_view utf8);      // RFC 2045, CRLF line ends
std::string FormatRfc5322Date(int64_t unix_seconds);
// One attachment as a MIME body part (headers + base64), without its boundary.
std::string AttachmentPart(const MailAttachment& attachment);

}  // namespace postdesk::outbound
