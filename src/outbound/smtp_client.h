// smtp_client: delivers one message to one recipient over SMTP (RFC 5321):
// EHLO (HELO fallback), STARTTLS when the server offers it, PIPELINING of
// MAIL/RCPT/DATA when offered, SIZE, dot-stuffing, QUIT. Every read and write
// has a deadline. The result says what the remote server answered and at
// which stage, and whether the failure is temporary (4xx, connection
// trouble, timeout) or permanent (5xx).
// Input trusted: the message bytes are ours; replies from the server are
// bounded (line length, reply lines) and never interpreted beyond the code.
// Thread-safety: one call is one coroutine; no shared state.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>

namespace postdesk::outbound {

struct SmtpTarget {
  std::string host;  // name or address
  uint16_t port = 25;
};

struct SendOptions {
  std::string helo = "postdesk.localhost";
  uint32_t timeout_seconds = 60;   // per read/write
  bool starttls = true;            // use STARTTLS when offered (certificate not verified:
                                   // opportunistic, as MTAs do without DANE/MTA-STS)
};

struct SendResult {
  enum class Outcome { kSent, kTemporary, kPermanent };
  Outcome outcome = Outcome::kTemporary;
  int code = 0;             // SMTP reply code, 0 when none (connection trouble)
  std::string enhanced;     // "5.1.1" when the server gave one
  std::string text;         // reply text (lines joined by " "), or what went wrong
  std::string stage;        // connect | greeting | ehlo | starttls | mail | rcpt | data | dot
  std::string remote_host;  // "host:port" that answered
  bool sent() const { return outcome == Outcome::kSent; }
};

// Tries `targets` in order: a target that cannot be reached (no connection,
// greeting failure) passes to the next; a reply to the envelope or data is final.
boost::asio::awaitable<SendResult> SendMail(boost::asio::any_io_executor executor,
                                            std::vector<SmtpTarget> targets, SendOptions options,
                                            std::string mail_from, std::string rcpt_to,
                                            const std::string& message);

// Dot-stuffs `message` and makes sure it ends with CRLF (exposed for tests).
std::string DotStuff(const std::string& message);

}  // namespace postdesk::outbound
