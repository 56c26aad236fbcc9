// The contract between the inbound SMTP/LMTP server and the rest of postdesk.
//
// The server parses and bounds the protocol and never looks inside a message;
// the Handler decides which recipients exist and makes a message durable.
// Thread-safety: a Handler is called from several sessions at once (possibly on
// several threads) and must be thread-safe.
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace postdesk::smtp {

// An SMTP reply: code, enhanced status code (RFC 3463, without the class
// prefix check) and text. Example: {250, "2.0.0", "Ok: queued as 42"}.
struct Reply {
  int code = 250;
  std::string enhanced = "2.0.0";
  std::string text = "Ok";
  bool positive() const { return code >= 200 && code < 400; }
  bool temporary() const { return code >= 400 && code < 500; }
};

struct Envelope {
  std::string client_ip;
  std::string helo;            // EHLO/HELO/LHLO argument
  std::string mail_from;       // reverse-path without brackets; "" for the null sender
  std::vector<std::string> rcpt_to;  // forward-paths without brackets, as accepted
  bool lmtp = false;
  bool smtputf8 = false;
  bool body_8bit = false;      // BODY=8BITMIME
};

class Handler {
 public:
  virtual ~Handler() = default;
  // Called at RCPT TO. Return 250 to accept, e.g. 550 5.1.1 for an address
  // that is not a support address (we are never an open relay).
  virtual Reply CheckRecipient(const Envelope& envelope, std::string_view recipient) = 0;
  // Called after the end of DATA with the exact message bytes (dot-unstuffed,
  // CRLF line ends as received). `done` must be called exactly once, from any
  // thread, with one Reply per envelope recipient, only after the message is
  // committed (durable before acknowledged).
  virtual void Deliver(Envelope envelope, std::string data,
                       std::function<void(std::vector<Reply>)> done) = 0;
};

}  // namespace postdesk::smtp
