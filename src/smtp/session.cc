#include "smtp/session.h"

#include <algorithm>
#include <cstring>
#include <utility>

#include "common/strings.h"

namespace postdesk::smtp {

namespace {

constexpr uint32_t kMinLineBytes = 512;  // RFC 5321 4.5.3.1.4, CRLF included
constexpr size_t kMaxPathBytes = 254;    // RFC 5321 4.5.3.1.3 (256 with brackets)
constexpr size_t kMaxHeloBytes = 255;

bool IsAscii(std::string_view s) {
  return std::all_of(s.begin(), s.end(),
                     [](char c) { return static_cast<unsigned char>(c) < 0x80; });
}

// "x.y.z" with 1..3 digits in each of the last two parts (RFC 3463).
bool ValidEnhanced(std::string_view e) {
  if (e.size() < 5 || e[1] != '.' || e[0] < '2' || e[0] > '5') return false;
  size_t dot = e.find('.', 2);
  if (dot == std::string_view::npos) return false;
  auto digits = [](std::string_view s) {
    return !s.empty() && s.size() <= 3 &&
           std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
  };
  return digits(e.substr(2, dot - 2)) && digits(e.substr(dot + 1));
}

// Replies come from the handler, which we trust less than our own code: only
// 2xx/4xx/5xx make sense as a final answer, and the enhanced code must agree.
Reply Normalize(Reply r) {
  int cls = r.code / 100;
  if (r.code < 200 || r.code > 599 || cls == 3) {
    return Reply{451, "4.3.0", "Error: internal error"};
  }
  if (!ValidEnhanced(r.enhanced) || r.enhanced[0] - '0' != cls) {
    r.enhanced = std::to_string(cls) + ".0.0";
  }
  if (r.text.empty()) r.text = cls == 2 ? "Ok" : "Error";
  return r;
}

// Parses "<path> params..." (leading spaces already skipped). On success sets
// `path` (brackets removed, source route dropped) and `params`.
bool SplitPath(std::string_view s, std::string_view& path, std::string_view& params) {
  if (s.empty() || s.front() != '<') return false;
  size_t close = s.find('>');
  if (close == std::string_view::npos) return false;
  path = s.substr(1, close - 1);
  params = s.substr(close + 1);
  if (!params.empty() && params.front() != ' ') return false;
  // A source route "@a,@b:user@host" is accepted and ignored (RFC 5321 4.1.2).
  if (!path.empty() && path.front() == '@') {
    size_t colon = path.find(':');
    if (colon == std::string_view::npos) return false;
    path.remove_prefix(colon + 1);
  }
  return true;
}

std::vector<std::string_view> SplitParams(std::string_view s) {
  std::vector<std::string_view> out;
  size_t i = 0;
  while (i < s.size()) {
    while (i < s.size() && s[i] == ' ') ++i;
    size_t j = i;
    while (j < s.size() && s[j] != ' ') ++j;
    if (j > i) out.push_back(s.substr(i, j - i));
    i = j;
  }
  return out;
}

// Checks an address taken from a path. Returns an error reply, or nullopt.
std::optional<Reply> CheckAddress(std::string_view addr, bool smtputf8, bool is_sender) {
  const char* bad = is_sender ? "5.1.7" : "5.1.3";
  std::string kind = is_sender ? "sender" : "recipient";
  if (addr.size() > kMaxPathBytes) {
    return Reply{501, bad, "Error: " + kind + " address too long"};
  }
  for (char c : addr) {
    auto u = static_cast<unsigned char>(c);
    if (u <= 0x20 || u == 0x7f) return Reply{501, bad, "Error: bad " + kind + " address syntax"};
  }
  if (!IsAscii(addr)) {
    if (!smtputf8) {
      return Reply{553, "5.6.7", "Error: non-ASCII " + kind + " address requires SMTPUTF8"};
    }
    if (!IsValidUtf8(addr)) return Reply{501, bad, "Error: bad " + kind + " address syntax"};
  }
  if (!is_sender && IEquals(addr, "postmaster")) return std::nullopt;
  size_t at = addr.rfind('@');
  if (at == std::string_view::npos || at == 0 || at + 1 == addr.size()) {
    return Reply{501, bad, "Error: bad " + kind + " address syntax"};
  }
  return std::nullopt;
}

bool ParseDecimal(std::string_view s, uint64_t& out) {
  if (s.empty() || s.size() > 20) return false;
  uint64_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
    uint64_t d = static_cast<uint64_t>(c - '0');
    if (v > (UINT64_MAX - d) / 10) return false;
    v = v * 10 + d;
  }
  out = v;
  return true;
}

}  // namespace

std::string FormatReply(const Reply& reply) {
  std::string out = std::to_string(reply.code);
  if (!reply.enhanced.empty()) {
    out += ' ';
    out += reply.enhanced;
  }
  out += ' ';
  for (char c : reply.text) out += (c == '\r' || c == '\n' || c == '\0') ? ' ' : c;
  out += "\r\n";
  return out;
}

Session::Session(SessionOptions options, Handler& handler)
    : options_(std::move(options)), handler_(handler) {
  options_.max_line_bytes = std::max(options_.max_line_bytes, kMinLineBytes);
  if (options_.max_errors == 0) options_.max_errors = 1;
  if (options_.hostname.empty()) options_.hostname = "postdesk.localhost";
  envelope_.client_ip = options_.client_ip;
  envelope_.lmtp = options_.lmtp;
}

void Session::Start() {
  Send(220, "", options_.hostname + (options_.lmtp ? " LMTP postdesk" : " ESMTP postdesk"));
}

void Session::Feed(std::string_view bytes) {
  if (state_ == State::kClosed) return;
  input_.append(bytes.data(), bytes.size());
  Process();
}

std::string Session::TakeOutput() { return std::exchange(output_, std::string()); }

std::optional<DeliveryRequest> Session::TakeDelivery() {
  return std::exchange(delivery_, std::nullopt);
}

void Session::CompleteDelivery(std::vector<Reply> replies) {
  if (state_ != State::kAwaitingDelivery) return;
  delivery_.reset();
  state_ = State::kCommand;
  const size_t n = envelope_.rcpt_to.size();
  for (auto& r : replies) r = Normalize(std::move(r));
  const Reply missing{451, "4.3.0", "Error: no delivery status"};
  if (options_.lmtp) {
    // RFC 2033 4.2: one reply per accepted recipient, in RCPT order.
    for (size_t i = 0; i < n; ++i) {
      const Reply& r = i < replies.size() ? replies[i] : missing;
      output_ += FormatReply(r);
    }
  } else {
    // One answer for all: a temporary failure wins over success so that the
    // sender retries (downstream drops the duplicates for the others).
    const Reply* chosen = nullptr;
    if (replies.size() < n || replies.empty()) {
      chosen = &missing;
    } else {
      auto first = [&](auto pred) -> const Reply* {
        for (const auto& r : replies) {
          if (pred(r)) return &r;
        }
        return nullptr;
      };
      if (!(chosen = first([](const Reply& r) { return r.temporary(); }))) {
        if (!(chosen = first([](const Reply& r) { return !r.positive(); }))) {
          chosen = &replies.front();
        }
      }
    }
    output_ += FormatReply(*chosen);
  }
  ResetTransaction();
  Process();
}

void Session::Timeout() {
  if (state_ == State::kClosed) return;
  Close421("4.4.2", "Error: timeout exceeded");
}

void Session::Shutdown() {
  if (state_ == State::kClosed) return;
  Close421("4.3.2", "Service shutting down");
}

void Session::Process() {
  for (;;) {
    const State before = state_;
    const size_t pos = input_pos_;
    if (state_ == State::kCommand) {
      ProcessCommandInput();
    } else if (state_ == State::kData) {
      ProcessDataInput();
    } else {
      break;
    }
    if (state_ == before && input_pos_ == pos) break;
  }
  if (state_ == State::kClosed) {
    input_.clear();
    input_.shrink_to_fit();
    input_pos_ = 0;
  } else if (input_pos_ > 0) {
    input_.erase(0, input_pos_);
    input_pos_ = 0;
  }
}

void Session::ProcessCommandInput() {
  const size_t max = options_.max_line_bytes;
  while (state_ == State::kCommand && input_pos_ < input_.size()) {
    const char* p = input_.data() + input_pos_;
    const size_t avail = input_.size() - input_pos_;
    if (discarding_line_) {
      const void* nl = std::memchr(p, '\n', avail);
      if (!nl) {
        input_pos_ = input_.size();
        return;
      }
      input_pos_ += static_cast<const char*>(nl) - p + 1;
      discarding_line_ = false;
      continue;
    }
    const void* nl = std::memchr(p, '\n', std::min(avail, max));
    if (!nl) {
      if (avail < max) return;  // wait for the rest of the line
      SendError(500, "5.5.2", "Error: line too long");
      discarding_line_ = true;
      input_pos_ += max;
      continue;
    }
    size_t len = static_cast<const char*>(nl) - p;
    input_pos_ += len + 1;
    // CRLF is the terminator; a bare LF is tolerated for commands (never for
    // the end of data, which is what matters for smuggling).
    if (len > 0 && p[len - 1] == '\r') --len;
    HandleCommand(std::string_view(p, len));
  }
}

void Session::ProcessDataInput() {
  const char* p = input_.data();
  const size_t end = input_.size();
  size_t i = input_pos_;
  while (i < end && state_ == State::kData) {
    switch (data_state_) {
      case DataState::kLineStart:
        if (p[i] == '.') {
          data_state_ = DataState::kDot;
          ++i;
        } else {
          data_state_ = DataState::kMid;
        }
        break;
      case DataState::kDot:
        if (p[i] == '\r') {
          data_state_ = DataState::kDotCr;
          ++i;
        } else if (p[i] == '\n') {
          // "." + bare LF is not an end of data and is not stuffing either:
          // keep the bytes so that downstream sees what was sent.
          AppendData(".\n");
          data_state_ = DataState::kMid;
          ++i;
        } else {
          data_state_ = DataState::kMid;  // dot-unstuffing: drop the dot
        }
        break;
      case DataState::kDotCr:
        if (p[i] == '\n') {
          input_pos_ = i + 1;
          EndOfData();
          return;
        }
        AppendData("\r");  // ".\r" + something else: unstuff, keep the CR
        data_state_ = DataState::kMidCr;
        break;
      case DataState::kMid: {
        const void* cr = std::memchr(p + i, '\r', end - i);
        const size_t stop = cr ? static_cast<const char*>(cr) - p : end;
        AppendData(std::string_view(p + i, stop - i));
        i = stop;
        if (cr) {
          AppendData("\r");
          data_state_ = DataState::kMidCr;
          ++i;
        }
        break;
      }
      case DataState::kMidCr:
        if (p[i] == '\n') {
          AppendData("\n");
          data_state_ = DataState::kLineStart;
          ++i;
        } else {
          data_state_ = DataState::kMid;
        }
        break;
    }
  }
  input_pos_ = i;
}

void Session::AppendData(std::string_view bytes) {
  if (data_too_big_) return;
  if (data_.size() + bytes.size() > options_.max_message_bytes) {
    // Keep reading to the end of data, but hold nothing more in memory.
    data_too_big_ = true;
    data_.clear();
    data_.shrink_to_fit();
    return;
  }
  data_.append(bytes.data(), bytes.size());
}

void Session::EndOfData() {
  state_ = State::kCommand;
  if (data_too_big_) {
    Send(552, "5.3.4", "Error: message exceeds fixed maximum message size");
    ResetTransaction();
    return;
  }
  delivery_ = DeliveryRequest{envelope_, std::exchange(data_, std::string())};
  state_ = State::kAwaitingDelivery;
}

void Session::HandleCommand(std::string_view line) {
  for (char c : line) {
    auto u = static_cast<unsigned char>(c);
    if ((u < 0x20 && c != '\t') || u == 0x7f) {
      SendError(500, "5.5.2", "Error: invalid character in command");
      return;
    }
  }
  size_t sp = line.find(' ');
  std::string_view verb = line.substr(0, sp);
  std::string_view arg = sp == std::string_view::npos ? std::string_view() : Trim(line.substr(sp + 1));
  if (verb.empty()) {
    SendError(500, "5.5.2", "Error: bad syntax");
    return;
  }
  auto is = [&](std::string_view v) { return IEquals(verb, v); };
  // Web requests and proxies talking to the SMTP port: hang up at once.
  if (is("GET") || is("POST") || is("HEAD") || is("PUT") || is("CONNECT")) {
    Close421("4.7.0", "Error: this is an SMTP server");
    return;
  }
  const bool address_command = is("MAIL") || is("RCPT");
  if (!address_command && !IsAscii(line)) {
    if (!IsAscii(verb)) {
      SendError(500, "5.5.1", "Error: command not recognized");
    } else {
      SendError(501, "5.5.2", "Error: non-ASCII characters not allowed here");
    }
    return;
  }

  if (is("EHLO") || is("HELO") || is("LHLO")) {
    CmdHelo(verb, arg);
  } else if (is("MAIL")) {
    CmdMail(arg);
  } else if (is("RCPT")) {
    CmdRcpt(arg);
  } else if (is("DATA")) {
    CmdData(arg);
  } else if (is("RSET")) {
    if (!arg.empty()) {
      SendError(501, "5.5.4", "Syntax: RSET");
      return;
    }
    ResetTransaction();
    Send(250, "2.0.0", "Ok");
    CountJunk();
  } else if (is("NOOP")) {
    Send(250, "2.0.0", "Ok");
    CountJunk();
  } else if (is("QUIT")) {
    Send(221, "2.0.0", "Bye");
    state_ = State::kClosed;
  } else if (is("HELP")) {
    Send(214, "2.0.0",
         options_.lmtp ? "Commands: LHLO MAIL RCPT DATA RSET NOOP QUIT HELP VRFY"
                       : "Commands: EHLO HELO MAIL RCPT DATA RSET NOOP QUIT HELP VRFY");
    CountJunk();
  } else if (is("VRFY")) {
    if (arg.empty()) {
      SendError(501, "5.5.4", "Syntax: VRFY address");
      return;
    }
    Send(252, "2.0.0", "Cannot VRFY user, but will accept message and attempt delivery");
    CountJunk();
  } else if (is("EXPN") || is("ETRN") || is("TURN") || is("BDAT") || is("STARTTLS") ||
             is("AUTH")) {
    SendError(502, "5.5.1", "Error: command not implemented");
  } else {
    SendError(500, "5.5.1", "Error: command not recognized");
  }
}

void Session::CmdHelo(std::string_view verb, std::string_view arg) {
  const bool lhlo = IEquals(verb, "LHLO");
  const bool helo = IEquals(verb, "HELO");
  if (lhlo != options_.lmtp) {
    if (options_.lmtp) {
      SendError(500, "5.5.1", "Error: this is LMTP, use LHLO");
    } else {
      SendError(500, "5.5.1", "Error: command not recognized");
    }
    return;
  }
  std::string_view name = arg.substr(0, arg.find(' '));
  if (name.empty()) {
    SendError(501, "5.5.4", std::string("Syntax: ") + ToLower(verb) + " hostname");
    return;
  }
  if (name.size() > kMaxHeloBytes) {
    SendError(501, "5.5.4", "Error: hostname too long");
    return;
  }
  ResetTransaction();
  greeted_ = true;
  esmtp_ = !helo;
  envelope_.helo = std::string(name);
  if (helo) {
    Send(250, "", options_.hostname);
    return;
  }
  output_ += "250-" + options_.hostname + "\r\n";
  output_ += "250-PIPELINING\r\n";
  output_ += "250-SIZE " + std::to_string(options_.max_message_bytes) + "\r\n";
  output_ += "250-8BITMIME\r\n";
  output_ += "250-ENHANCEDSTATUSCODES\r\n";
  output_ += "250 SMTPUTF8\r\n";
}

void Session::CmdMail(std::string_view arg) {
  if (!greeted_) {
    SendError(503, "5.5.1", options_.lmtp ? "Error: send LHLO first" : "Error: send HELO/EHLO first");
    return;
  }
  if (in_transaction_) {
    SendError(503, "5.5.1", "Error: nested MAIL command");
    return;
  }
  std::string_view path, params;
  if (!IStartsWith(arg, "FROM:") || !SplitPath(Trim(arg.substr(5)), path, params)) {
    SendError(501, "5.5.4", "Syntax: MAIL FROM:<address>");
    return;
  }
  auto list = SplitParams(params);
  if (!list.empty() && !esmtp_) {
    SendError(555, "5.5.4", "Error: MAIL parameters need EHLO");
    return;
  }
  bool seen_size = false, seen_body = false, smtputf8 = false, body_8bit = false;
  uint64_t size = 0;
  for (std::string_view p : list) {
    size_t eq = p.find('=');
    std::string_view key = p.substr(0, eq);
    std::string_view value = eq == std::string_view::npos ? std::string_view() : p.substr(eq + 1);
    const bool has_value = eq != std::string_view::npos;
    if (IEquals(key, "SIZE")) {
      if (seen_size || !ParseDecimal(value, size)) {
        SendError(501, "5.5.4", "Error: bad SIZE parameter");
        return;
      }
      seen_size = true;
    } else if (IEquals(key, "BODY")) {
      if (seen_body) {
        SendError(501, "5.5.4", "Error: duplicate BODY parameter");
        return;
      }
      seen_body = true;
      if (IEquals(value, "8BITMIME")) {
        body_8bit = true;
      } else if (!IEquals(value, "7BIT")) {
        SendError(501, "5.5.4", "Error: unsupported BODY value");
        return;
      }
    } else if (IEquals(key, "SMTPUTF8") && !has_value) {
      if (smtputf8) {
        SendError(501, "5.5.4", "Error: duplicate SMTPUTF8 parameter");
        return;
      }
      smtputf8 = true;
    } else {
      SendError(555, "5.5.4", "Error: unsupported MAIL parameter");
      return;
    }
  }
  if (!IsAscii(params)) {
    SendError(501, "5.5.4", "Error: non-ASCII MAIL parameter");
    return;
  }
  if (!path.empty()) {
    if (auto err = CheckAddress(path, smtputf8, /*is_sender=*/true)) {
      SendError(err->code, err->enhanced, err->text);
      return;
    }
  }
  if (seen_size && size > options_.max_message_bytes) {
    Send(552, "5.3.4", "Error: message size exceeds fixed limit");
    return;
  }
  in_transaction_ = true;
  declared_size_ = size;
  envelope_.mail_from = std::string(path);
  envelope_.smtputf8 = smtputf8;
  envelope_.body_8bit = body_8bit;
  envelope_.rcpt_to.clear();
  Send(250, "2.1.0", "Ok");
}

void Session::CmdRcpt(std::string_view arg) {
  if (!in_transaction_) {
    SendError(503, "5.5.1", "Error: need MAIL command");
    return;
  }
  std::string_view path, params;
  if (!IStartsWith(arg, "TO:") || !SplitPath(Trim(arg.substr(3)), path, params)) {
    SendError(501, "5.5.4", "Syntax: RCPT TO:<address>");
    return;
  }
  if (!SplitParams(params).empty()) {
    SendError(555, "5.5.4", "Error: unsupported RCPT parameter");
    return;
  }
  if (path.empty()) {
    SendError(501, "5.1.3", "Error: empty recipient address");
    return;
  }
  if (auto err = CheckAddress(path, envelope_.smtputf8, /*is_sender=*/false)) {
    SendError(err->code, err->enhanced, err->text);
    return;
  }
  if (envelope_.rcpt_to.size() >= options_.max_recipients) {
    // RFC 5321 4.5.3.1.10: a temporary failure; not counted as a client error
    // because a well-behaved pipelining client may run into it.
    Send(452, "4.5.3", "Error: too many recipients");
    return;
  }
  Reply r;
  try {
    r = Normalize(handler_.CheckRecipient(envelope_, path));
  } catch (...) {
    r = Reply{451, "4.3.0", "Error: internal error"};
  }
  if (r.code / 100 == 2) {
    envelope_.rcpt_to.emplace_back(path);
    Send(r.code, r.enhanced, r.text);
  } else {
    SendError(r.code, r.enhanced, r.text);
  }
}

void Session::CmdData(std::string_view arg) {
  if (!arg.empty()) {
    SendError(501, "5.5.4", "Syntax: DATA");
    return;
  }
  if (!in_transaction_) {
    SendError(503, "5.5.1", "Error: need MAIL command");
    return;
  }
  if (envelope_.rcpt_to.empty()) {
    // RFC 5321 3.3: 554 when no recipient was accepted (503 would also do).
    SendError(554, "5.5.1", "Error: no valid recipients");
    return;
  }
  // 3xx has no enhanced status code class (RFC 3463).
  Send(354, "", "End data with <CR><LF>.<CR><LF>");
  state_ = State::kData;
  data_state_ = DataState::kLineStart;
  data_.clear();
  data_too_big_ = false;
}

void Session::ResetTransaction() {
  in_transaction_ = false;
  declared_size_ = 0;
  envelope_.mail_from.clear();
  envelope_.rcpt_to.clear();
  envelope_.smtputf8 = false;
  envelope_.body_8bit = false;
  data_.clear();
  data_too_big_ = false;
}

void Session::Send(int code, std::string_view enhanced, std::string_view text) {
  output_ += FormatReply(Reply{code, std::string(enhanced), std::string(text)});
}

void Session::SendError(int code, std::string_view enhanced, std::string_view text) {
  Send(code, enhanced, text);
  if (++errors_ >= options_.max_errors) Close421("4.7.0", "Error: too many errors");
}

void Session::CountJunk() {
  if (++junk_ > options_.max_junk_commands && ++errors_ >= options_.max_errors) {
    Close421("4.7.0", "Error: too many errors");
  }
}

void Session::Close421(std::string_view enhanced, std::string_view text) {
  Send(421, enhanced, options_.hostname + " " + std::string(text));
  state_ = State::kClosed;
  delivery_.reset();
  data_.clear();
  data_.shrink_to_fit();
}

}  // namespace postdesk::smtp
