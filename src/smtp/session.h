// The inbound ESMTP (RFC 5321) / LMTP (RFC 2033) protocol state machine.
//
// A Session does no I/O: the server feeds it the bytes it read and sends the
// text it produced. When a message's end of data is seen the session hands
// out a delivery request (TakeDelivery) and stops consuming input until
// CompleteDelivery is called with the handler's replies, so that pipelined
// commands behind a DATA are never answered before that DATA's reply.
//
// Trust: every byte fed in comes from the network. Command lines, message
// size, recipients per message and errors per session are bounded; memory
// stays below max_message_bytes plus one command line plus one fed chunk.
// The only end of data is CRLF "." CRLF; a lone "." between bare LFs (or a
// bare LF on either side) stays part of the message (SMTP smuggling).
//
// The Handler's CheckRecipient is called synchronously from Feed; Deliver is
// not called here (the caller does it with the request from TakeDelivery).
//
// Thread-safety: none; one session is driven by one strand at a time.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "smtp/handler.h"

namespace postdesk::smtp {

struct SessionOptions {
  std::string hostname = "postdesk.localhost";
  std::string client_ip;
  bool lmtp = false;
  uint64_t max_message_bytes = 25ull * 1024 * 1024;
  uint32_t max_recipients = 100;
  uint32_t max_line_bytes = 4096;  // raised to 512 (RFC 5321 4.5.3.1.4) if lower
  uint32_t max_errors = 20;        // error replies before "421 too many errors"
  uint32_t max_junk_commands = 100;  // NOOP/RSET/VRFY/HELP before they count as errors
};

// A message whose end of data was seen, to pass to Handler::Deliver.
struct DeliveryRequest {
  Envelope envelope;
  std::string data;
};

// "250 2.0.0 Ok\r\n"; CR and LF in the text are replaced so a handler's
// text cannot inject reply lines. An empty `enhanced` omits the code.
std::string FormatReply(const Reply& reply);

class Session {
 public:
  Session(SessionOptions options, Handler& handler);

  // Queues the 220 greeting. Call once, first.
  void Start();

  // Consumes network bytes. Stops early (keeping the rest buffered) while a
  // delivery is pending or once the session is closed.
  void Feed(std::string_view bytes);

  // Reply text produced so far; the caller sends it before anything else.
  std::string TakeOutput();
  bool HasOutput() const { return !output_.empty(); }

  // A message to deliver, once, after its end of data was fed.
  std::optional<DeliveryRequest> TakeDelivery();
  bool delivery_pending() const { return state_ == State::kAwaitingDelivery; }

  // The handler's replies (one per envelope recipient). Emits the DATA
  // reply(s) and resumes processing of buffered input.
  void CompleteDelivery(std::vector<Reply> replies);

  // The read deadline passed: queues "421 4.4.2 ... timeout exceeded" and closes.
  void Timeout();
  // The server is shutting down: queues a 421 4.3.2 and closes.
  void Shutdown();

  // After the output is sent, the connection must be closed.
  bool closed() const { return state_ == State::kClosed; }
  // True while in DATA (the caller may want to log a timeout differently).
  bool in_data() const { return state_ == State::kData; }
  // Bytes fed but not yet consumed (bounded; see the header comment).
  size_t buffered_bytes() const { return input_.size() - input_pos_; }

 private:
  enum class State { kCommand, kData, kAwaitingDelivery, kClosed };
  enum class DataState { kLineStart, kDot, kDotCr, kMid, kMidCr };

  void Process();
  void ProcessCommandInput();
  void ProcessDataInput();
  void HandleCommand(std::string_view line);
  void EndOfData();

  void CmdHelo(std::string_view verb, std::string_view arg);
  void CmdMail(std::string_view arg);
  void CmdRcpt(std::string_view arg);
  void CmdData(std::string_view arg);

  void AppendData(std::string_view bytes);
  void ResetTransaction();
  void Send(int code, std::string_view enhanced, std::string_view text);
  void SendError(int code, std::string_view enhanced, std::string_view text);
  void CountJunk();
  void Close421(std::string_view enhanced, std::string_view text);

  SessionOptions options_;
  Handler& handler_;
  State state_ = State::kCommand;
  std::string input_;
  size_t input_pos_ = 0;
  bool discarding_line_ = false;  // inside an over-long command line
  std::string output_;
  uint32_t errors_ = 0;
  uint32_t junk_ = 0;

  bool greeted_ = false;
  bool esmtp_ = false;  // EHLO/LHLO (extensions usable) rather than HELO
  bool in_transaction_ = false;
  Envelope envelope_;
  uint64_t declared_size_ = 0;

  DataState data_state_ = DataState::kLineStart;
  std::string data_;
  bool data_too_big_ = false;
  std::optional<DeliveryRequest> delivery_;
};

}  // namespace postdesk::smtp
