// Threading: does an inbound email continue an existing ticket?
//
// A reply joins its ticket when (in this order) its recipient is
// support+id<ENCODED-ID>@..., its In-Reply-To/References name a Message-ID the
// ticket sent or received, or its subject/body holds "[ENCODED-ID]". Encoded
// ids are random, so quoting a bare ticket number never attaches anything.
// Who may update the ticket is the pipeline's decision, not this module's.
// Thread-safety: pure functions plus reads through the caller's Tx.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "mime/message.h"
#include "store/store.h"

namespace postdesk::intake {

struct ThreadMatch {
  store::Ticket ticket;
  std::string how;  // "plus_address" | "in_reply_to" | "references" | "encoded_id" | "subject"
  std::string evidence;  // the recipient, Message-ID or encoded id that matched
};

// Encoded ids written as "[XXXX-XXXX]" in `text`, normalised, in order.
std::vector<std::string> FindEncodedIds(std::string_view text);

// "Re: Fwd: AW: 回复: Hello" -> "Hello".
std::string StripReplyPrefixes(std::string_view subject);

// The key tickets are matched on by subject: no reply prefixes, lower case.
std::string SubjectKey(std::string_view subject);

Result<std::optional<ThreadMatch>> FindThread(store::Tx& tx, const mime::Message& message,
                                              const std::vector<std::string>& recipients);

// The fallback when FindThread finds nothing: a subject with a reply or
// forward prefix ("Re: Help") from the requester of a ticket "Help" that is
// not closed and was updated within `window` seconds continues that ticket,
// so a client that drops threading headers does not split the conversation.
Result<std::optional<ThreadMatch>> FindThreadBySubject(store::Tx& tx, int64_t requester_id,
                                                       std::string_view subject, int64_t now,
                                                       int64_t window);

}  // namespace postdesk::intake
