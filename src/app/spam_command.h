// `postdesk spam learn --spam|--ham FILE...` and `postdesk spam check [--json]
// FILE...`: bulk training of the spam filter and scoring by hand, on the store
// that `serve` uses (same --data/--config/--db).
//
// Inputs: a single message file (.eml), an mbox file (split on "From " lines,
// ">From " unescaped), or a maildir directory (its cur/ and new/). `check`
// prints one line per message: the file (file:N for the N-th message of an
// mbox), the score with 4 decimals and the verdict; with --json one JSON
// object per line with the explanation. Learning goes through the learn
// cache, so learning the same files again changes nothing. A running `serve`
// loaded its model at start and does not see what `spam learn` adds until it
// restarts.
//
// Input trust: files are the operator's, messages in them are untrusted mail
// (bounded by max_message_bytes each). Exit statuses (sysexits.h): 0 ok, 64
// usage, 65 a message too large to use (the others are still done), 66 an
// input that cannot be read (the others are still done), 75 the store is busy
// or failing (try again). Thread-safety: for main().
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "common/config.h"
#include "common/status.h"

namespace postdesk::app {

struct SpamArgs {
  bool spam = false;  // learn: as spam
  bool ham = false;   // learn: as ham
  bool json = false;  // check: one JSON object per line
  std::vector<std::string> files;
};

// Calls `fn(label, raw)` for every message in `path` (file, mbox or maildir),
// in order. NotFound/Permanent when `path` cannot be read; Invalid for a
// message over `max_bytes` (reported through `oversized`, the rest go on).
Status ForEachMessage(const std::string& path, size_t max_bytes,
                      const std::function<Status(const std::string& label, std::string raw)>& fn,
                      const std::function<void(const std::string& label)>& oversized);

int SpamLearn(const Config& config, const SpamArgs& args);
int SpamCheck(const Config& config, const SpamArgs& args);

}  // namespace postdesk::app
