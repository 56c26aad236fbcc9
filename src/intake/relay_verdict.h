// intake/relay_verdict: the spam verdict a scanner in front of us wrote into
// the header of a message it relayed -- SpamAssassin (X-Spam-Flag,
// X-Spam-Status) or Rspamd (X-Spam, X-Spamd-Result, X-Rspamd-Action).
//
// Anyone can write those fields, so a verdict counts only when the message
// came straight from a relay the operator trusts (config `trusted_relays`:
// client addresses or networks of the SMTP/LMTP doors, and "pipe" for
// `postdesk ingest`, whose caller is the local MTA). A field may occur more
// than once (a sender's forged copy beside the scanner's): the message is
// spam when any trusted-relay field says so -- a forged "No" never hides
// the scanner's "Yes", and a forged "Yes" only holds the forger's own mail.
//
// Input is untrusted mail; values are bounded copies. Thread-safety: pure
// functions and immutable objects.
#pragma once

#include <array>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "intake/door.h"
#include "mime/message.h"

namespace postdesk::intake {

// The doors' peers whose scanner verdicts we honour.
class TrustedRelays {
 public:
  // Entries: "127.0.0.1", "10.0.0.0/8", "::1", "2001:db8::/32", or "pipe".
  // Anything else is an error naming the entry.
  static Result<TrustedRelays> Parse(const std::vector<std::string>& entries);

  bool empty() const { return networks_.empty() && !pipe_; }
  // Whether mail that came through `door` ("smtp", "lmtp", "pipe", ...) from
  // `client_ip` (empty for the pipe) was handed over by a trusted relay.
  bool Trusts(Door door, std::string_view client_ip) const;

 private:
  struct Network {
    bool v6 = false;
    std::array<uint8_t, 16> address{};
    int prefix = 0;
  };
  std::vector<Network> networks_;
  bool pipe_ = false;
};

struct RelayVerdict {
  bool spam = false;
  std::string scanner;  // "spamassassin" | "rspamd"
  std::string field;    // the field that decided, e.g. "X-Spam-Status"
  std::string value;    // its value as written (at most 300 bytes)
  std::optional<double> score, threshold;
  std::vector<std::string> tests;  // rule or symbol names (at most 50)

  // {"spam":..,"scanner":..,"field":..,"value":..,"score":..,"threshold":..,"tests":[..]}
  nlohmann::json ToJson() const;
  // "SpamAssassin X-Spam-Status: Yes, score=7.3 required=5.0 ..." (short).
  std::string Describe() const;
};

// The scanner verdict in `m`'s header, if any field of a known scanner is
// there: the first field that says spam, else the first that says not.
std::optional<RelayVerdict> ReadRelayVerdict(const mime::Message& m);

}  // namespace postdesk::intake
