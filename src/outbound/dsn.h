// outbound/dsn: a returned message (bounce) -> which recipients failed, with
// what DSN status, and why.
//
// Reads RFC 3464 delivery status notifications (multipart/report with a
// message/delivery-status part) and the non-standard bounces that MTAs and
// mail providers still send (Postfix, Sendmail, Exim, qmail, Exchange and
// Office 365, Gmail, Yahoo, Courier, Notes, ...), recognised by their sender,
// subject and body wording. When a bounce states no DSN status code, one is
// inferred the way the reference parser (Sisimai) does: from the reason the
// text gives, as a pseudo code "5.0.9NN" / "4.0.9NN" (flagged
// `status_inferred`). Auto-replies (RFC 3834), feedback reports (RFC 5965)
// and ordinary mail are not bounces: ParseBounce() returns nullopt for them.
//
// Trusts nothing: the input is mail from the internet. Any byte sequence is
// accepted; sizes are bounded (only the first kMaxScanBytes are examined,
// fields and recipient counts are capped); no exceptions, no recursion deeper
// than kMaxMimeDepth. Thread-safety: ParseBounce() is a pure function, safe to
// call from any thread.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace postdesk::outbound {

inline constexpr std::size_t kMaxScanBytes = 4 << 20;   // bytes of a bounce examined
inline constexpr std::size_t kMaxFieldBytes = 4096;     // per diagnostic / field value
inline constexpr std::size_t kMaxRecipients = 500;      // per bounce
inline constexpr int kMaxMimeDepth = 8;

// Why delivery failed, coarsely: what a help desk acts on.
enum class BounceReason {
  kUserUnknown,      // no such mailbox
  kMailboxFull,      // over quota
  kBlocked,          // rejected as spam, sending IP blocked or blacklisted
  kPolicy,           // policy violation, content or sender rejected
  kAuthentication,   // SPF / DKIM / DMARC failure
  kHostUnknown,      // recipient domain or host not found
  kMessageTooLarge,  // message exceeds a size limit
  kExpired,          // gave up retrying: delivery time expired
  kSuspended,        // mailbox disabled or suspended
  kOther,
};

// "user_unknown", "mailbox_full", "blocked", "policy", "authentication",
// "host_unknown", "message_too_large", "expired", "suspended", "other".
std::string_view BounceReasonName(BounceReason reason);

// RFC 3464 section 2.3.3 Action values.
enum class DsnAction { kFailed, kDelayed, kDelivered, kRelayed, kExpanded };

// "failed", "delayed", "delivered", "relayed", "expanded".
std::string_view DsnActionName(DsnAction action);

struct BouncedRecipient {
  std::string final_recipient;     // addr-spec as reported (Final-Recipient or the text)
  std::string original_recipient;  // Original-Recipient / X-Actual-Recipient; may be empty
  DsnAction action = DsnAction::kFailed;
  std::string status;            // DSN status code, e.g. "5.1.1"; never empty
  bool status_inferred = false;  // true when `status` was not stated but inferred
  int smtp_reply_code = 0;       // e.g. 550, when the diagnostic shows one; else 0
  std::string remote_mta;        // Remote-MTA (without the "dns;" type), or from the text
  std::string diagnostic_type;   // "smtp", "X-Postfix", ...; empty for non-standard bounces
  std::string diagnostic;        // Diagnostic-Code text or the bounce's error text, unfolded
  BounceReason reason = BounceReason::kOther;
  std::string reason_detail;     // finer reason name, e.g. "filtered", "rejected", "onhold"
};

struct Bounce {
  // True for an RFC 3464 multipart/report with a message/delivery-status part.
  bool standard = false;
  std::string reporting_mta;        // Reporting-MTA (without "dns;"), or the bounce's sender host
  std::string original_message_id;  // Message-ID of the returned message, without <>; may be empty
  std::string original_sender;      // envelope sender of the returned message when visible
                                    // (X-Original-Envelope-From / Return-Path of the returned
                                    // headers); may be empty
  std::string original_from;        // From: address of the returned message; may be empty
  // Addresses this bounce was delivered to (To, X-Original-To, Delivered-To,
  // Envelope-To), in that order and de-duplicated: the VERP return path
  // ("bounces+TOKEN@domain") shows up here.
  std::vector<std::string> bounce_recipients;
  std::string subject;  // the bounce's own Subject, decoded
  std::vector<BouncedRecipient> recipients;  // never empty
};

// Parses `raw` (RFC 5322 bytes, LF or CRLF). nullopt when the message is not
// a bounce (ordinary mail, an auto-reply, a feedback report) or when no
// failed recipient can be found in it.
std::optional<Bounce> ParseBounce(std::string_view raw);

// Exposed for tests: the DSN status code stated in `text` ("550 5.1.1 ...",
// "(#5.5.0)", "5.7.1"); empty when there is none.
std::string FindStatusCode(std::string_view text);

// Exposed for tests: classifies an error text (and the status code, which may
// be empty) into a fine reason name (the reference parser's vocabulary:
// "userunknown", "mailboxfull", "filtered", ...; "undefined" when nothing fits).
std::string ClassifyReasonDetail(std::string_view text, std::string_view status);

// The coarse reason for a fine reason name (as ClassifyReasonDetail returns).
BounceReason CoarseReason(std::string_view detail, std::string_view text);

}  // namespace postdesk::outbound
