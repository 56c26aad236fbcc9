// channel/forwarding: proving that an external support address
// (support@customer.example) really forwards its mail to us.
//
//   StartForwardingCheck   sends a test email -- through the outbound queue,
//                          so its delivery is tracked per recipient -- from
//                          our default address to the external address,
//                          carrying a fresh secret token in the header
//                          X-Postdesk-Forwarding-Check and in the body; the
//                          address becomes "waiting".
//   ConsumeForwardingCheck called by intake for mail that carries that header
//                          when it comes back (to any support address or
//                          plus-address): a known token with the body intact
//                          makes the address "verified"; a known token whose
//                          body lost the token or was changed makes it
//                          "failed" ("came back altered"); either way the
//                          email is ours and becomes no ticket (true). An
//                          unknown token returns false: intake goes on as
//                          for any mail.
//   ExpireForwardingChecks the periodic check: a "waiting" address whose test
//                          email failed or bounced is "failed" at once with
//                          the SMTP reason ("not delivered: 550 ..."); one
//                          still waiting after the timeout is "failed" with
//                          what the delivery state tells ("delivered to
//                          <host> but never forwarded back", or "still not
//                          delivered (deferred: <reply>)").
// Every outcome is a system event (forwarding_check_sent, forwarding_verified,
// forwarding_failed; subject: the address) and the reason and fix are kept in
// the row's checks.forwarding.
//
// Trust: the returning email is untrusted: its token is compared in constant
// time against stored tokens and never reaches SQL or a header. Tokens are
// 256-bit random (NewToken); a token stays valid after verification so that
// a duplicate copy is still recognised, and is replaced by the next check.
// Thread-safety: the functions are pure over the caller's Tx;
// ForwardingWatcher's Start/Stop may be called from any thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <boost/asio/io_context.hpp>

#include "common/clock.h"
#include "common/status.h"
#include "mime/message.h"
#include "store/group_commit.h"
#include "store/store.h"

namespace postdesk::channel {

inline constexpr std::string_view kForwardingCheckHeader = "X-Postdesk-Forwarding-Check";

struct ForwardingOptions {
  std::string desk_name = "Support";  // display name on the test email (unless the Settings page saved one)
  std::string desk_default;  // the configured default address (when the store has none)
  std::string desk_domain;   // our own domain: its addresses need no forwarding
  std::string hostname;      // our Message-IDs and loop header
  int64_t timeout_seconds = 3600;
};

// Sends (again) the verification email of address `address_id` and sets it
// "waiting". Invalid for an address on our own domain (nothing to verify).
Result<store::RecipientAddress> StartForwardingCheck(store::Tx& tx, int64_t address_id,
                                                     const ForwardingOptions& options, int64_t now);

// The token in the message's X-Postdesk-Forwarding-Check header (trimmed),
// or nullopt when absent or not token-shaped (hex, at most 128 characters).
std::optional<std::string> ForwardingCheckToken(const mime::Message& message);

// See above. `token` is the header's value as intake read it.
Result<bool> ConsumeForwardingCheck(store::Tx& tx, const mime::Message& message,
                                    std::string_view token, int64_t now);

// See above. Returns the addresses it failed.
Result<std::vector<store::RecipientAddress>> ExpireForwardingChecks(store::Tx& tx, int64_t now,
                                                                    int64_t timeout_seconds);

// The text body of the verification email (what must come back unchanged).
std::string VerificationText(std::string_view address, std::string_view token);

// Runs ExpireForwardingChecks at Start() and then every `interval`, through
// the group-commit writer, only when some address is waiting.
class ForwardingWatcher {
 public:
  using OnFailed = std::function<void(const store::RecipientAddress&)>;

  ForwardingWatcher(boost::asio::io_context& io, store::Store& store,
                    store::GroupCommitWriter& writer, const Clock& clock, int64_t timeout_seconds,
                    std::chrono::milliseconds interval, OnFailed on_failed);
  ~ForwardingWatcher();
  ForwardingWatcher(const ForwardingWatcher&) = delete;
  ForwardingWatcher& operator=(const ForwardingWatcher&) = delete;

  void Start();
  void Stop();

 private:
  struct State;  // shared with pending timer and writer callbacks
  static void Tick(const std::shared_ptr<State>& st);
  static void Schedule(const std::shared_ptr<State>& st);
  std::shared_ptr<State> state_;
};

}  // namespace postdesk::channel
