#include "http/server.h"

#include <spdlog/spdlog.h>

#include <atomic>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http.hpp>
#include <algorithm>
#include <chrono>
#include <exception>
#include <mutex>
#include <unordered_map>
#include <utility>

#include "common/strings.h"

namespace postdesk::http {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = asio::ip::tcp;
using boost::system::error_code;

namespace {

constexpr auto kTuple = asio::as_tuple(asio::use_awaitable);
// After an error response we stop reading requests but keep draining what
// the client is still sending for a moment, so our close does not turn into
// a TCP reset that destroys the response before the client reads it.
constexpr auto kLingerTime = std::chrono::seconds(2);
constexpr size_t kLingerBytes = 1024 * 1024;

struct Conn {
  explicit Conn(tcp::socket socket) : stream(std::move(socket)) {}
  beast::tcp_stream stream;
  // Both only touched on the connection's strand.
  bool waiting_for_request = false;
  bool stop_requested = false;
};

void LogCoroutineException(std::exception_ptr e) {
  if (!e) return;
  try {
    std::rethrow_exception(e);
  } catch (const std::exception& ex) {
    spdlog::error("http: connection coroutine failed: {}", ex.what());
  } catch (...) {
    spdlog::error("http: connection coroutine failed");
  }
}

bool IsTokenChar(char c) {
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) return true;
  return std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
}

bool IsValidHeaderName(std::string_view name) {
  if (name.empty()) return false;
  for (char c : name) {
    if (!IsTokenChar(c)) return false;
  }
  return true;
}

// Header values never carry CR, LF or NUL: whatever a handler puts in them,
// it cannot start a new header line.
std::string CleanHeaderValue(std::string_view value) {
  std::string out;
  out.reserve(value.size());
  for (char c : value) out.push_back((c == '\r' || c == '\n' || c == '\0') ? ' ' : c);
  return out;
}

// RFC 9112 6.1 and 6.3: a request's Transfer-Encoding must end in chunked
// and be read as chunked; anything else cannot be framed, so the request is
// refused and the connection closed (the body bytes would otherwise be read
// as the next request: request smuggling). We accept only "chunked" itself,
// only from HTTP/1.1, and never beside Content-Length. The reason, or "" when
// the framing is acceptable.
std::string FramingError(const bhttp::request_parser<bhttp::string_body>::value_type& header) {
  std::string codings;
  size_t te_fields = 0;
  for (const auto& field : header) {
    if (field.name() != bhttp::field::transfer_encoding) continue;
    ++te_fields;
    if (!codings.empty()) codings += ",";
    codings += std::string(field.value());
  }
  if (te_fields == 0) return "";
  if (header.version() < 11) return "Transfer-Encoding is not allowed in an HTTP/1.0 request";
  if (header.count(bhttp::field::content_length) != 0) {
    return "a request must not carry both Transfer-Encoding and Content-Length";
  }
  if (!IEquals(Trim(codings), "chunked")) {
    return "Transfer-Encoding '" + std::string(Trim(codings)).substr(0, 60) +
           "' is not supported; send 'chunked' or a Content-Length";
  }
  return "";
}

bool IsHttpParseError(const error_code& ec) {
  return ec.category() == bhttp::make_error_code(bhttp::error::bad_target).category();
}

}  // namespace

// Runs one request through the router on whatever executor it is spawned on
// (the arguments live in the coroutine frame, unlike a lambda's captures).
namespace {
asio::awaitable<Response> DispatchOn(const Router* router, Request request) {
  co_return router->Dispatch(std::move(request));
}
}  // namespace

class HttpServer::Impl : public std::enable_shared_from_this<Impl> {
 public:
  Impl(asio::io_context& io, HttpOptions options, Router& router)
      : io_(io),
        options_(std::move(options)),
        router_(router),
        acceptor_strand_(asio::make_strand(io)),
        acceptor_(acceptor_strand_),
        handlers_(std::max<size_t>(1, options_.handler_threads)) {}

  Status Listen();
  void Start();
  void Stop();
  uint16_t port() const { return port_; }
  size_t busy() const { return busy_.load(); }
  void Join() { handlers_.join(); }

 private:
  asio::awaitable<void> AcceptLoop(std::shared_ptr<Impl> self);
  asio::awaitable<void> Session(std::shared_ptr<Impl> self, std::shared_ptr<Conn> conn,
                                bool overloaded);
  asio::awaitable<error_code> Write(beast::tcp_stream& stream, Response res, unsigned version,
                                    bool close, bool head);
  asio::awaitable<void> LingeringClose(beast::tcp_stream& stream, beast::flat_buffer& buffer);
  std::chrono::seconds Timeout() const {
    return std::chrono::seconds(options_.idle_timeout_seconds);
  }

  asio::io_context& io_;
  HttpOptions options_;
  Router& router_;
  asio::strand<asio::io_context::executor_type> acceptor_strand_;
  tcp::acceptor acceptor_;
  uint16_t port_ = 0;
  std::atomic<bool> stopping_{false};
  std::atomic<uint32_t> active_{0};
  std::atomic<size_t> busy_{0};  // handlers running on handlers_
  std::mutex mu_;
  std::unordered_map<Conn*, std::weak_ptr<Conn>> conns_;  // guarded by mu_
  // Where handlers run (last member: joined first, while the rest is alive).
  asio::thread_pool handlers_;
};

Status HttpServer::Impl::Listen() {
  error_code ec;
  asio::ip::address address = asio::ip::make_address(options_.host, ec);
  if (ec) {
    // A name, not a literal address: resolve it once, at start-up.
    tcp::resolver resolver(io_);
    auto results = resolver.resolve(options_.host, std::to_string(options_.port), ec);
    if (ec || results.empty()) {
      return Status::Permanent("http: cannot resolve listen host '" + options_.host +
                               "': " + ec.message());
    }
    address = results.begin()->endpoint().address();
  }
  tcp::endpoint endpoint(address, options_.port);
  acceptor_.open(endpoint.protocol(), ec);
  if (!ec) acceptor_.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) acceptor_.bind(endpoint, ec);
  if (!ec) acceptor_.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    error_code ignored;
    acceptor_.close(ignored);
    return Status::Permanent("http: cannot listen on " + options_.host + ":" +
                             std::to_string(options_.port) + ": " + ec.message());
  }
  port_ = acceptor_.local_endpoint(ec).port();
  return Status::Ok();
}

void HttpServer::Impl::Start() {
  asio::co_spawn(acceptor_strand_, AcceptLoop(shared_from_this()), LogCoroutineException);
}

void HttpServer::Impl::Stop() {
  stopping_ = true;
  auto self = shared_from_this();
  asio::post(acceptor_strand_, [self] {
    error_code ignored;
    self->acceptor_.close(ignored);
  });
  std::lock_guard lock(mu_);
  for (auto& [ptr, weak] : conns_) {
    std::shared_ptr<Conn> conn = weak.lock();
    if (!conn) continue;
    asio::post(conn->stream.get_executor(), [conn] {
      conn->stop_requested = true;
      // Idle (or still sending its header): close now. Busy: the session
      // closes after writing the response it is working on.
      if (conn->waiting_for_request) conn->stream.cancel();
    });
  }
}

asio::awaitable<void> HttpServer::Impl::AcceptLoop(std::shared_ptr<Impl> self) {
  while (!stopping_) {
    tcp::socket socket(asio::make_strand(io_));
    auto [ec] = co_await acceptor_.async_accept(socket, kTuple);
    if (ec) {
      if (ec == asio::error::operation_aborted || !acceptor_.is_open()) break;
      // E.g. out of file descriptors: back off instead of spinning.
      spdlog::warn("http: accept failed: {}", ec.message());
      asio::steady_timer timer(acceptor_strand_, std::chrono::milliseconds(100));
      co_await timer.async_wait(kTuple);
      continue;
    }
    bool overloaded = active_.fetch_add(1) >= options_.max_connections;
    auto conn = std::make_shared<Conn>(std::move(socket));
    {
      std::lock_guard lock(mu_);
      conns_[conn.get()] = conn;
    }
    asio::co_spawn(conn->stream.get_executor(), Session(self, conn, overloaded),
                   LogCoroutineException);
  }
}

asio::awaitable<error_code> HttpServer::Impl::Write(beast::tcp_stream& stream, Response res,
                                                    unsigned version, bool close, bool head) {
  bhttp::response<bhttp::string_body> out;
  out.version(version);
  out.result(static_cast<unsigned>(res.status));
  out.reason(StatusReason(res.status));
  out.set(bhttp::field::server, "postdesk");
  if (!res.content_type.empty()) {
    out.set(bhttp::field::content_type, CleanHeaderValue(res.content_type));
  }
  for (const auto& [name, value] : res.headers) {
    if (!IsValidHeaderName(name)) {
      spdlog::warn("http: dropping response header with invalid name");
      continue;
    }
    out.insert(name, CleanHeaderValue(value));
  }
  static const std::pair<const char*, const char*> kSecurityHeaders[] = {
      {"X-Content-Type-Options", "nosniff"},
      {"X-Frame-Options", "DENY"},
      {"Content-Security-Policy", "default-src 'none'; frame-ancestors 'none'; sandbox"},
      {"Referrer-Policy", "no-referrer"},
      {"Cache-Control", "no-store"},
      {"Cross-Origin-Resource-Policy", "same-origin"},
  };
  for (const auto& [name, value] : kSecurityHeaders) {
    if (!res.HasHeader(name)) out.set(name, value);
  }
  out.keep_alive(!close);
  if (head) {
    // HEAD: the GET response's headers, Content-Length included, no body.
    out.set(bhttp::field::content_length, std::to_string(res.body.size()));
  } else {
    out.body() = std::move(res.body);
    out.prepare_payload();
  }
  stream.expires_after(Timeout());
  auto [ec, n] = co_await bhttp::async_write(stream, out, kTuple);
  co_return ec;
}

asio::awaitable<void> HttpServer::Impl::LingeringClose(beast::tcp_stream& stream,
                                                       beast::flat_buffer& buffer) {
  error_code ec;
  stream.socket().shutdown(tcp::socket::shutdown_send, ec);
  if (!ec) {
    stream.expires_after(kLingerTime);
    size_t drained = 0;
    char scratch[16 * 1024];
    while (drained < kLingerBytes) {
      auto [rec, n] = co_await stream.async_read_some(asio::buffer(scratch), kTuple);
      if (rec) break;
      drained += n;
    }
  }
  stream.socket().close(ec);
}

asio::awaitable<void> HttpServer::Impl::Session(std::shared_ptr<Impl> self,
                                                std::shared_ptr<Conn> conn, bool overloaded) {
  struct Guard {
    Impl* impl;
    Conn* conn;
    ~Guard() {
      impl->active_.fetch_sub(1);
      std::lock_guard lock(impl->mu_);
      impl->conns_.erase(conn);
    }
  } guard{this, conn.get()};

  beast::tcp_stream& stream = conn->stream;
  beast::flat_buffer buffer;
  error_code ec;
  std::string remote;
  {
    auto endpoint = stream.socket().remote_endpoint(ec);
    if (!ec) remote = endpoint.address().to_string();
  }

  if (overloaded) {
    Response res = ErrorResponse(503, "TooManyConnections",
                                 "The server has too many open connections. Retry in a "
                                 "few seconds.");
    res.AddHeader("Retry-After", "5");
    co_await Write(stream, std::move(res), 11, true, false);
    co_await LingeringClose(stream, buffer);
    co_return;
  }

  while (true) {
    if (stopping_ || conn->stop_requested) break;
    bhttp::request_parser<bhttp::string_body> parser;
    parser.header_limit(static_cast<uint32_t>(options_.max_header_bytes));
    parser.body_limit(options_.max_body_bytes);

    conn->waiting_for_request = true;
    stream.expires_after(Timeout());
    auto [hec, hn] = co_await bhttp::async_read_header(stream, buffer, parser, kTuple);
    conn->waiting_for_request = false;

    std::optional<Response> refusal;
    if (hec) {
      if (hec == bhttp::error::end_of_stream || hec == bhttp::error::partial_message ||
          !IsHttpParseError(hec)) {
        break;  // peer closed, timed out, or we were stopped
      } else if (hec == bhttp::error::header_limit) {
        refusal = ErrorResponse(431, "RequestHeaderFieldsTooLarge",
                                "The request's headers exceed " +
                                    std::to_string(options_.max_header_bytes) +
                                    " bytes. Send fewer or shorter headers.");
      } else if (hec == bhttp::error::body_limit) {
        refusal = ErrorResponse(413, "PayloadTooLarge",
                                "The request body exceeds the limit of " +
                                    std::to_string(options_.max_body_bytes) + " bytes.");
      } else {
        refusal = ErrorResponse(400, "InvalidRequest",
                                "The request is not valid HTTP/1.1: " + hec.message() + ".");
      }
    }

    if (!refusal) {
      if (std::string why = FramingError(parser.get()); !why.empty()) {
        refusal = ErrorResponse(400, "InvalidRequest", "The request's framing is ambiguous: " +
                                                           why + ".");
      }
    }

    if (!refusal && !parser.is_done()) {
      const auto& header = parser.get();
      if (IEquals(std::string_view(header[bhttp::field::expect]), "100-continue")) {
        static constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";
        stream.expires_after(Timeout());
        auto [wec, wn] = co_await asio::async_write(
            stream, asio::buffer(kContinue.data(), kContinue.size()), kTuple);
        if (wec) break;
      }
      stream.expires_after(Timeout());
      auto [bec, bn] = co_await bhttp::async_read(stream, buffer, parser, kTuple);
      if (bec == bhttp::error::body_limit) {
        refusal = ErrorResponse(413, "PayloadTooLarge",
                                "The request body exceeds the limit of " +
                                    std::to_string(options_.max_body_bytes) + " bytes.");
      } else if (bec && IsHttpParseError(bec) && bec != bhttp::error::partial_message &&
                 bec != bhttp::error::end_of_stream) {
        refusal =
            ErrorResponse(400, "InvalidRequest",
                          "The request body is not valid HTTP/1.1 framing: " + bec.message() + ".");
      } else if (bec) {
        break;
      }
    }

    if (refusal) {
      refusal->close = true;
      co_await Write(stream, std::move(*refusal), 11, true, false);
      co_await LingeringClose(stream, buffer);
      co_return;
    }

    bhttp::request<bhttp::string_body> msg = parser.release();
    unsigned version = msg.version();
    bool keep_alive = msg.keep_alive();
    bool head = msg.method() == bhttp::verb::head;

    Request req;
    req.method = std::string(msg.method_string());
    req.target = std::string(msg.target());
    req.remote_address = remote;
    for (const auto& field : msg) {
      std::string name = ToLower(field.name_string());
      auto [it, inserted] = req.headers.emplace(name, std::string(field.value()));
      if (!inserted) {
        it->second += ", ";
        it->second += field.value();
      }
    }
    req.body = std::move(msg.body());

    // Off the io threads; the task holds only the router (never this
    // server), and Join() waits for it before the router goes away.
    ++busy_;
    Response res = co_await asio::co_spawn(handlers_.get_executor(),
                                           DispatchOn(&router_, std::move(req)), asio::use_awaitable);
    --busy_;
    bool close = !keep_alive || res.close || stopping_ || conn->stop_requested;
    error_code wec = co_await Write(stream, std::move(res), version, close, head);
    if (wec || close) break;
  }

  stream.socket().shutdown(tcp::socket::shutdown_send, ec);
  stream.socket().close(ec);
}

HttpServer::HttpServer(asio::io_context& io, HttpOptions options, Router& router)
    : impl_(std::make_shared<Impl>(io, std::move(options), router)) {}

HttpServer::~HttpServer() = default;

Status HttpServer::Listen() { return impl_->Listen(); }
uint16_t HttpServer::port() const { return impl_->port(); }
void HttpServer::Start() { impl_->Start(); }
void HttpServer::Stop() { impl_->Stop(); }
size_t HttpServer::busy_handlers() const { return impl_->busy(); }
void HttpServer::Join() { impl_->Join(); }

}  // namespace postdesk::http
