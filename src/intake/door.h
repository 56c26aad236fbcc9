// intake/door: which way an email came in. It decides what runs: mail we
// stored ourselves (recovered from the suspended queue) skips the trace
// header, screening and authentication, and only the SMTP/LMTP doors (and
// the pipe, when trusted) may carry a scanner verdict we honour. An enum, so
// that a misspelt door cannot compile; its name appears only where it is
// stored (raw_messages.door, audits) and shown.
// Thread-safety: plain values.
#pragma once

#include <string_view>

namespace postdesk::intake {

enum class Door {
  kSmtp,
  kLmtp,
  kPipe,       // `postdesk ingest`, run by the local MTA
  kApi,        // created through the API
  kRecovered,  // bytes we stored ourselves, recovered from the suspended queue
};

constexpr std::string_view DoorName(Door door) {
  switch (door) {
    case Door::kSmtp: return "smtp";
    case Door::kLmtp: return "lmtp";
    case Door::kPipe: return "pipe";
    case Door::kApi: return "api";
    case Door::kRecovered: return "recovered";
  }
  return "unknown";
}

}  // namespace postdesk::intake
