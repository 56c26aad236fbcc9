// Screening: pure checks over a parsed message and its envelope that say
// "this is not a person writing to support" -- automated mail (RFC 3834
// Auto-Submitted and the vendors' headers, out-of-office subjects in many
// languages), system and no-reply senders, mail to a no-reply address, the
// GTUBE test string, malicious patterns (executable attachments, script
// links and password forms in HTML) and too many recipients. Each check
// returns the Finding with the cause and the evidence that decided it; the
// pipeline picks among them (see Pipeline::Prepare for the order).
//
// Input is untrusted mail; nothing here allocates without bound beyond
// copies of header values. Thread-safety: pure functions.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "intake/causes.h"
#include "mime/message.h"

namespace postdesk::intake {

struct Finding {
  Cause cause;
  std::string reason;  // a sentence for people
  nlohmann::json
      evidence;  // what decided it, e.g. {"header": "Auto-Submitted", "value": "auto-replied"}
};

// The GTUBE test string (SpamAssassin's Generic Test for Unsolicited Bulk Email).
inline constexpr std::string_view kGtube =
    "XJS*C4JDBQADN1.NSBN3*2IDNEN*GTUBE-STANDARD-ANTI-UBE-TEST-EMAIL*C.34X";

// An out-of-office phrase the subject starts with (after "Re:"-like
// prefixes and brackets), in one of the languages we know, or "".
std::string OutOfOfficeSubject(std::string_view subject);

// Automated mail: auto_vacation when it is an out-of-office reply, else
// auto_mailer. Out-of-office subjects alone suffice (as Zendesk does).
std::optional<Finding> DetectAutomated(const mime::Message& m);

// A delivery failure report that the bounce parser could not tie to our
// mail (its subject, report type or Auto-Submitted says so): auto_delivery_failure.
std::optional<Finding> DetectDeliveryFailure(const mime::Message& m);

// mailer-daemon / postmaster senders: system_user; noreply senders: from_noreply.
std::optional<Finding> DetectSystemSender(std::string_view from_email);

// True for local parts such as noreply, no-reply, no_reply, donotreply,
// do-not-reply, noreply-dmarc (case-insensitive).
bool IsNoreplyLocalPart(std::string_view local_part);

// Mail addressed (envelope) to one of our addresses with a no-reply local part.
std::optional<Finding> DetectToNoreply(const std::vector<std::string>& recipients);

// The GTUBE string in the raw bytes or the decoded bodies.
std::optional<Finding> DetectGtube(const mime::Message& m, std::string_view raw);

// Executable or disguised attachments, javascript:/data: links and
// password forms in the HTML body.
std::optional<Finding> DetectMaliciousPatterns(const mime::Message& m);

// More distinct To/Cc addresses than `limit` (0 = no limit).
std::optional<Finding> DetectTooManyRecipients(const mime::Message& m, size_t limit);

}  // namespace postdesk::intake
