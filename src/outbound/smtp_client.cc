#include "outbound/smtp_client.h"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/connect.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/streambuf.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <chrono>
#include <optional>

#include "common/strings.h"

namespace postdesk::outbound {
namespace {

namespace asio = boost::asio;
using asio::ip::tcp;
using namespace asio::experimental::awaitable_operators;
constexpr auto kUse = asio::as_tuple(asio::use_awaitable);
constexpr size_t kMaxReplyLine = 4096;
constexpr int kMaxReplyLines = 100;

struct Reply {
  int code = 0;
  std::string enhanced;
  std::string text;
  std::vector<std::string> lines;
};

// One SMTP conversation over a plain or TLS stream.
class Conversation {
 public:
  Conversation(asio::any_io_executor ex, uint32_t timeout)
      : ex_(ex), socket_(ex), timeout_(std::chrono::seconds(timeout)) {}

  asio::awaitable<std::optional<std::string>> Connect(const SmtpTarget& t) {
    tcp::resolver resolver(ex_);
    auto [rerr, endpoints] = co_await resolver.async_resolve(t.host, std::to_string(t.port), kUse);
    if (rerr) co_return "cannot resolve " + t.host + ": " + rerr.message();
    asio::steady_timer timer(ex_, timeout_);
    auto result = co_await (asio::async_connect(socket_, endpoints, kUse) ||
                            timer.async_wait(kUse));
    if (result.index() == 1) co_return "connection timed out";
    auto [cerr, ep] = std::get<0>(result);
    if (cerr) co_return cerr.message();
    co_return std::nullopt;
  }

  asio::awaitable<bool> StartTls() {
    ssl_ctx_.emplace(asio::ssl::context::tls_client);
    ssl_ctx_->set_verify_mode(asio::ssl::verify_none);
    tls_.emplace(std::move(socket_), *ssl_ctx_);
    asio::steady_timer timer(ex_, timeout_);
    auto result = co_await (tls_->async_handshake(asio::ssl::stream_base::client, kUse) ||
                            timer.async_wait(kUse));
    if (result.index() == 1) co_return false;
    auto [err] = std::get<0>(result);
    co_return !err;
  }

  asio::awaitable<bool> Write(const std::string& data) {
    asio::steady_timer timer(ex_, timeout_);
    if (tls_) {
      auto r = co_await (asio::async_write(*tls_, asio::buffer(data), kUse) || timer.async_wait(kUse));
      co_return r.index() == 0 && !std::get<0>(std::get<0>(r));
    }
    auto r = co_await (asio::async_write(socket_, asio::buffer(data), kUse) || timer.async_wait(kUse));
    co_return r.index() == 0 && !std::get<0>(std::get<0>(r));
  }

  // Reads one reply (all its lines); code 0 on failure.
  asio::awaitable<Reply> Read() {
    Reply reply;
    for (int n = 0; n < kMaxReplyLines; ++n) {
      asio::steady_timer timer(ex_, timeout_);
      size_t got = 0;
      if (tls_) {
        auto r = co_await (asio::async_read_until(*tls_, buf_, "\r\n", kUse) || timer.async_wait(kUse));
        if (r.index() == 1 || std::get<0>(std::get<0>(r))) co_return Reply{0, "", "no reply (timeout or connection closed)", {}};
        got = std::get<1>(std::get<0>(r));
      } else {
        auto r = co_await (asio::async_read_until(socket_, buf_, "\r\n", kUse) || timer.async_wait(kUse));
        if (r.index() == 1 || std::get<0>(std::get<0>(r))) co_return Reply{0, "", "no reply (timeout or connection closed)", {}};
        got = std::get<1>(std::get<0>(r));
      }
      std::string line(asio::buffers_begin(buf_.data()), asio::buffers_begin(buf_.data()) + got);
      buf_.consume(got);
      line = line.substr(0, std::min(line.size() - 2, kMaxReplyLine));
      if (line.size() < 3 || !std::isdigit(static_cast<unsigned char>(line[0]))) {
        co_return Reply{0, "", "malformed reply: " + SanitizeUtf8(line.substr(0, 200)), {}};
      }
      int code = std::atoi(line.substr(0, 3).c_str());
      std::string text = line.size() > 4 ? line.substr(4) : "";
      reply.code = code;
      reply.lines.push_back(text);
      if (!reply.text.empty()) reply.text += " ";
      reply.text += SanitizeUtf8(text);
      if (line.size() == 3 || line[3] != '-') break;
    }
    // Enhanced status code at the start of the text: "5.1.1 ...".
    if (reply.text.size() >= 5 && (reply.text[0] >= '2' && reply.text[0] <= '5') &&
        reply.text[1] == '.') {
      size_t sp = reply.text.find(' ');
      std::string candidate = reply.text.substr(0, sp);
      if (candidate.find_first_not_of("0123456789.") == std::string::npos) reply.enhanced = candidate;
    }
    co_return reply;
  }

  void Close() {
    boost::system::error_code ec;
    if (tls_) {
      tls_->lowest_layer().close(ec);
    } else {
      socket_.close(ec);
    }
  }

 private:
  asio::any_io_executor ex_;
  tcp::socket socket_;
  std::optional<asio::ssl::context> ssl_ctx_;
  std::optional<asio::ssl::stream<tcp::socket>> tls_;
  asio::streambuf buf_{64 * 1024};
  std::chrono::seconds timeout_;
};

SendResult Temporary(std::string stage, std::string text, std::string host) {
  SendResult r;
  r.outcome = SendResult::Outcome::kTemporary;
  r.stage = std::move(stage);
  r.text = std::move(text);
  r.remote_host = std::move(host);
  return r;
}

SendResult FromReply(const Reply& reply, std::string stage, std::string host) {
  SendResult r;
  r.code = reply.code;
  r.enhanced = reply.enhanced;
  r.text = reply.code == 0 ? reply.text : std::to_string(reply.code) + " " + reply.text;
  r.stage = std::move(stage);
  r.remote_host = std::move(host);
  r.outcome = reply.code >= 200 && reply.code < 400 ? SendResult::Outcome::kSent
              : reply.code >= 500                  ? SendResult::Outcome::kPermanent
                                                   : SendResult::Outcome::kTemporary;
  return r;
}

bool HasExtension(const Reply& ehlo, std::string_view name) {
  for (size_t i = 1; i < ehlo.lines.size(); ++i) {
    std::string_view l = ehlo.lines[i];
    if (IStartsWith(l, name) && (l.size() == name.size() || l[name.size()] == ' ')) return true;
  }
  return false;
}

// One attempt against one server. nullopt: server unusable, try the next one.
asio::awaitable<std::optional<SendResult>> TryTarget(asio::any_io_executor ex, const SmtpTarget& t,
                                                     const SendOptions& o,
                                                     const std::string& mail_from,
                                                     const std::string& rcpt,
                                                     const std::string& stuffed,
                                                     SendResult& last_failure) {
  std::string host = t.host + ":" + std::to_string(t.port);
  Conversation c(ex, o.timeout_seconds);
  if (auto err = co_await c.Connect(t)) {
    last_failure = Temporary("connect", *err, host);
    co_return std::nullopt;
  }
  Reply greeting = co_await c.Read();
  if (greeting.code != 220) {
    last_failure = greeting.code == 0 ? Temporary("greeting", greeting.text, host)
                                      : FromReply(greeting, "greeting", host);
    if (last_failure.outcome == SendResult::Outcome::kSent) {
      last_failure.outcome = SendResult::Outcome::kTemporary;
    }
    c.Close();
    co_return std::nullopt;
  }
  auto ehlo = [&]() -> asio::awaitable<Reply> {
    if (!co_await c.Write("EHLO " + o.helo + "\r\n")) co_return Reply{0, "", "write failed", {}};
    Reply r = co_await c.Read();
    if (r.code == 250) co_return r;
    if (!co_await c.Write("HELO " + o.helo + "\r\n")) co_return Reply{0, "", "write failed", {}};
    co_return co_await c.Read();
  };
  Reply hello = co_await ehlo();
  if (hello.code != 250) co_return hello.code == 0 ? Temporary("ehlo", hello.text, host)
                                                   : FromReply(hello, "ehlo", host);
  if (o.starttls && HasExtension(hello, "STARTTLS")) {
    if (!co_await c.Write("STARTTLS\r\n")) co_return Temporary("starttls", "write failed", host);
    Reply go = co_await c.Read();
    if (go.code == 220) {
      if (!co_await c.StartTls()) co_return Temporary("starttls", "TLS handshake failed", host);
      hello = co_await ehlo();
      if (hello.code != 250) co_return hello.code == 0 ? Temporary("ehlo", hello.text, host)
                                                       : FromReply(hello, "ehlo", host);
    }
  }
  std::string mail = "MAIL FROM:<" + mail_from + ">";
  if (HasExtension(hello, "SIZE")) mail += " SIZE=" + std::to_string(stuffed.size());
  mail += "\r\n";
  std::string rcpt_cmd = "RCPT TO:<" + rcpt + ">\r\n";
  bool pipelining = HasExtension(hello, "PIPELINING");

  Reply mail_reply, rcpt_reply, data_reply;
  if (pipelining) {
    if (!co_await c.Write(mail + rcpt_cmd + "DATA\r\n")) co_return Temporary("mail", "write failed", host);
    mail_reply = co_await c.Read();
    rcpt_reply = co_await c.Read();
    data_reply = co_await c.Read();
  } else {
    if (!co_await c.Write(mail)) co_return Temporary("mail", "write failed", host);
    mail_reply = co_await c.Read();
    if (mail_reply.code == 250) {
      if (!co_await c.Write(rcpt_cmd)) co_return Temporary("rcpt", "write failed", host);
      rcpt_reply = co_await c.Read();
      if (rcpt_reply.code == 250 || rcpt_reply.code == 251) {
        if (!co_await c.Write("DATA\r\n")) co_return Temporary("data", "write failed", host);
        data_reply = co_await c.Read();
      }
    }
  }
  if (mail_reply.code != 250) {
    co_await c.Write("QUIT\r\n");
    co_return mail_reply.code == 0 ? Temporary("mail", mail_reply.text, host)
                                   : FromReply(mail_reply, "mail", host);
  }
  if (rcpt_reply.code != 250 && rcpt_reply.code != 251) {
    co_await c.Write("QUIT\r\n");
    co_return rcpt_reply.code == 0 ? Temporary("rcpt", rcpt_reply.text, host)
                                   : FromReply(rcpt_reply, "rcpt", host);
  }
  if (data_reply.code != 354) {
    co_await c.Write("QUIT\r\n");
    co_return data_reply.code == 0 ? Temporary("data", data_reply.text, host)
                                   : FromReply(data_reply, "data", host);
  }
  if (!co_await c.Write(stuffed + ".\r\n")) co_return Temporary("dot", "write failed", host);
  Reply done = co_await c.Read();
  co_await c.Write("QUIT\r\n");
  c.Close();
  co_return done.code == 0 ? Temporary("dot", done.text, host) : FromReply(done, "dot", host);
}

}  // namespace

std::string DotStuff(const std::string& message) {
  std::string out;
  out.reserve(message.size() + 64);
  bool line_start = true;
  for (size_t i = 0; i < message.size(); ++i) {
    char ch = message[i];
    if (line_start && ch == '.') out += '.';
    if (ch == '\n' && (out.empty() || out.back() != '\r')) out += '\r';
    out += ch;
    line_start = ch == '\n';
  }
  if (out.size() < 2 || out.compare(out.size() - 2, 2, "\r\n") != 0) out += "\r\n";
  return out;
}

asio::awaitable<SendResult> SendMail(asio::any_io_executor executor, std::vector<SmtpTarget> targets,
                                     SendOptions options, std::string mail_from,
                                     std::string rcpt_to, const std::string& message) {
  std::string stuffed = DotStuff(message);
  SendResult last = Temporary("connect", "no mail server to try", "");
  for (const auto& t : targets) {
    auto r = co_await TryTarget(executor, t, options, mail_from, rcpt_to, stuffed, last);
    if (r) co_return *r;
  }
  co_return last;
}

}  // namespace postdesk::outbound
