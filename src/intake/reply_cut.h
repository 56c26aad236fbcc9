// reply_cut: keeps only what the customer wrote in a reply. Cuts at our reply
// delimiter ("##- Please type your reply above this line -##") and at the
// quoted history mail clients append: "On <date>, <name> wrote:" (and its
// translations), Outlook's "-----Original Message-----" and "From: ... Sent:"
// blocks, forwarded-message separators in replies, and trailing "> " quotes.
// Never returns empty text for a non-empty input that has content before
// the cut; if the cut would leave nothing, the original text is kept.
// Thread-safety: pure.
#pragma once

#include <string>
#include <string_view>

namespace postdesk::intake {

std::string CutQuotedReply(std::string_view text);

}  // namespace postdesk::intake
