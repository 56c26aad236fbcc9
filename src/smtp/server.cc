#include "smtp/server.h"

#include <algorithm>
#include <chrono>
#include <exception>
#include <map>
#include <mutex>
#include <optional>
#include <utility>
#include <vector>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <spdlog/spdlog.h>

#include "smtp/session.h"

namespace postdesk::smtp {

namespace asio = boost::asio;
using asio::awaitable;
using tcp = asio::ip::tcp;
using std::chrono::seconds;

namespace {

constexpr auto kUseTuple = asio::as_tuple(asio::use_awaitable);
constexpr size_t kReadChunk = 64 * 1024;
constexpr auto kShutdownWrite = seconds(2);  // for the final 421 when stopping

class Connection;

}  // namespace

struct Server::Shared {
  Shared(asio::io_context& io, ServerOptions o, Handler& h)
      : io(io), options(std::move(o)), handler(h), acceptor(asio::make_strand(io)) {}

  asio::io_context& io;
  const ServerOptions options;
  Handler& handler;
  tcp::acceptor acceptor;  // on its own strand

  std::mutex mu;  // guards connections, next_id, stopping (for registration)
  std::map<uint64_t, std::weak_ptr<Connection>> connections;
  std::map<std::string, uint32_t> per_client;  // open connections per address
  uint64_t next_id = 0;
  std::atomic<bool> stopping{false};
  std::atomic<size_t> active{0};
};

namespace {

// What the per-client limit counts: an IPv4 address, or an IPv6 /64 (one
// host holds a whole /64).
std::string ClientGroup(const std::string& peer) {
  boost::system::error_code ec;
  auto address = asio::ip::make_address(peer, ec);
  if (ec || !address.is_v6() || address.to_v6().is_v4_mapped()) return peer;
  auto bytes = address.to_v6().to_bytes();
  std::fill(bytes.begin() + 8, bytes.end(), 0);
  return asio::ip::address_v6(bytes).to_string() + "/64";
}

void LogException(std::exception_ptr e, const char* where) {
  if (!e) return;
  try {
    std::rethrow_exception(e);
  } catch (const std::exception& x) {
    spdlog::error("smtp: {}: unexpected exception: {}", where, x.what());
  } catch (...) {
    spdlog::error("smtp: {}: unexpected exception", where);
  }
}

// One client connection. Everything here runs on the socket's strand.
class Connection : public std::enable_shared_from_this<Connection> {
 public:
  Connection(std::shared_ptr<Server::Shared> shared, tcp::socket socket, uint64_t id,
             std::string peer)
      : shared_(std::move(shared)),
        socket_(std::move(socket)),
        deadline_(socket_.get_executor()),
        delivery_wait_(socket_.get_executor()),
        id_(id),
        peer_(std::move(peer)),
        session_(MakeSessionOptions(shared_->options, peer_), shared_->handler) {}

  tcp::socket& socket() { return socket_; }

  // Called on the strand by Server::Stop.
  void StopFromServer() {
    stopping_ = true;
    boost::system::error_code ignored;
    socket_.cancel(ignored);  // a pending read/write ends; a pending delivery is awaited
  }

  awaitable<void> Run() {
    auto self = shared_from_this();
    try {
      co_await Loop();
    } catch (const std::exception& e) {
      spdlog::error("smtp: session {} ({}): {}", id_, peer_, e.what());
    }
    boost::system::error_code ignored;
    socket_.shutdown(tcp::socket::shutdown_both, ignored);
    socket_.close(ignored);
    deadline_.cancel();
    {
      std::lock_guard lock(shared_->mu);
      shared_->connections.erase(id_);
      auto it = shared_->per_client.find(ClientGroup(peer_));
      if (it != shared_->per_client.end() && --it->second == 0) shared_->per_client.erase(it);
    }
    shared_->active.fetch_sub(1);
    spdlog::debug("smtp: session {} ({}) closed", id_, peer_);
  }

 private:
  static SessionOptions MakeSessionOptions(const ServerOptions& o, const std::string& peer) {
    SessionOptions s;
    s.hostname = o.hostname;
    s.client_ip = peer;
    s.lmtp = o.lmtp;
    s.max_message_bytes = o.max_message_bytes;
    s.max_recipients = o.max_recipients;
    s.max_line_bytes = o.max_line_bytes;
    return s;
  }

  seconds IdleTimeout() const { return seconds(std::max<uint32_t>(1, shared_->options.idle_timeout_seconds)); }

  bool UnderStress() const {
    const ServerOptions& o = shared_->options;
    return uint64_t{shared_->active.load()} * 100 >= uint64_t{o.max_connections} * o.stress_percent;
  }

  // How long the next read may wait, and which limit that is: the idle (or
  // stress) timeout, the session's time in commands, or the DATA rate.
  std::pair<std::chrono::steady_clock::duration, const char*> NextReadLimit() {
    using clock = std::chrono::steady_clock;
    const ServerOptions& o = shared_->options;
    const auto now = clock::now();
    if (session_.in_data() && !in_data_) {
      in_data_ = true;
      data_start_ = now;
      data_bytes_ = 0;
    } else if (!session_.in_data() && in_data_) {
      in_data_ = false;
      session_deadline_ += now - data_start_;  // a transfer does not use up the session
    }
    bool stressed = UnderStress();
    clock::duration wait = stressed ? seconds(std::max<uint32_t>(1, o.stress_timeout_seconds))
                                    : clock::duration(IdleTimeout());
    const char* why = stressed ? "idle timeout under stress" : "idle timeout";
    clock::time_point limit;
    const char* limit_why;
    if (in_data_) {
      uint64_t allowed = o.data_grace_seconds + data_bytes_ / std::max<uint32_t>(1, o.min_data_bytes_per_second);
      limit = data_start_ + seconds(allowed);
      limit_why = "DATA slower than the minimum rate";
    } else {
      limit = session_deadline_;
      limit_why = "session time limit";
    }
    // Whatever it does, a connection ends after max_session_lifetime_seconds.
    if (lifetime_deadline_ < limit) {
      limit = lifetime_deadline_;
      limit_why = "connection lifetime limit";
    }
    if (limit - now < wait) {
      wait = std::max<clock::duration>(limit - now, clock::duration::zero());
      why = limit_why;
    }
    return {wait, why};
  }

  awaitable<void> Loop() {
    std::vector<char> buf(kReadChunk);
    session_.Start();
    for (;;) {
      if (session_.HasOutput()) {
        std::string out = session_.TakeOutput();
        Arm(stopping_ ? std::min<seconds>(kShutdownWrite, IdleTimeout()) : IdleTimeout());
        auto [ec, n] = co_await asio::async_write(socket_, asio::buffer(out), kUseTuple);
        Disarm();
        if (ec) {
          spdlog::debug("smtp: session {} write: {}", id_, timed_out_ ? "timeout" : ec.message());
          co_return;
        }
      }
      if (session_.closed()) co_return;
      if (auto request = session_.TakeDelivery()) {
        auto replies = co_await Deliver(std::move(*request));
        session_.CompleteDelivery(std::move(replies));
        continue;
      }
      if (stopping_) {
        session_.Shutdown();
        continue;
      }
      auto [wait, why] = NextReadLimit();
      Arm(wait);
      auto [ec, n] = co_await socket_.async_read_some(asio::buffer(buf), kUseTuple);
      Disarm();
      if (timed_out_ || (!ec && wait == std::chrono::steady_clock::duration::zero())) {
        spdlog::info("smtp: session {} ({}): {}{}", id_, peer_, why,
                     session_.in_data() ? " in DATA" : "");
        timed_out_ = false;
        session_.Timeout();
        continue;
      }
      if (in_data_) data_bytes_ += n;
      if (ec) {
        if (stopping_) continue;
        spdlog::debug("smtp: session {} read: {}", id_, ec.message());
        co_return;
      }
      session_.Feed(std::string_view(buf.data(), n));
    }
  }

  // Hands the message to the handler and waits (without blocking the strand)
  // for `done`, which may fire on any thread.
  awaitable<std::vector<Reply>> Deliver(DeliveryRequest request) {
    const uint64_t my_delivery = ++delivery_seq_;
    delivered_.reset();
    auto self = shared_from_this();
    auto called = std::make_shared<std::atomic<bool>>(false);
    auto executor = socket_.get_executor();
    // `done` holds the connection weakly: the handler may keep its copy of
    // `done` alive on another thread after the io_context is gone, and the
    // connection (its timers and socket) must only ever be destroyed on an
    // io thread. While we wait, this coroutine's `self` keeps it alive.
    std::weak_ptr<Connection> weak = self;
    auto done = [weak, called, executor, my_delivery](std::vector<Reply> replies) {
      if (called->exchange(true)) return;  // exactly once, whatever the handler does
      asio::post(executor, [weak, my_delivery, replies = std::move(replies)]() mutable {
        auto self = weak.lock();
        if (!self || self->delivery_seq_ != my_delivery) return;  // we stopped waiting
        self->delivered_ = std::move(replies);
        self->delivery_wait_.cancel();
      });
    };
    const size_t bytes = request.data.size();
    const size_t rcpts = request.envelope.rcpt_to.size();
    const std::string from = request.envelope.mail_from;
    try {
      shared_->handler.Deliver(std::move(request.envelope), std::move(request.data), done);
    } catch (const std::exception& e) {
      spdlog::error("smtp: session {}: Deliver threw: {}", id_, e.what());
      if (!called->exchange(true)) co_return std::vector<Reply>{Reply{451, "4.3.0", "Error: internal error"}};
    } catch (...) {
      spdlog::error("smtp: session {}: Deliver threw", id_);
      if (!called->exchange(true)) co_return std::vector<Reply>{Reply{451, "4.3.0", "Error: internal error"}};
    }
    delivery_wait_.expires_after(seconds(std::max<uint32_t>(1, shared_->options.delivery_timeout_seconds)));
    while (!delivered_) {
      auto [ec] = co_await delivery_wait_.async_wait(kUseTuple);
      if (!ec) break;  // the deadline passed
    }
    ++delivery_seq_;  // a late `done` is ignored from now on
    if (!delivered_) {
      spdlog::warn("smtp: session {} ({}): no commit after {}s; answering 451", id_, peer_,
                   shared_->options.delivery_timeout_seconds);
      co_return std::vector<Reply>{Reply{451, "4.3.0", "Error: timeout waiting for storage"}};
    }
    spdlog::info("smtp: session {} ({}): message from <{}>, {} recipient(s), {} bytes: {} {}", id_,
                 peer_, from, rcpts, bytes, delivered_->empty() ? 0 : delivered_->front().code,
                 delivered_->empty() ? "" : delivered_->front().text);
    co_return std::move(*std::exchange(delivered_, std::nullopt));
  }

  void Arm(std::chrono::steady_clock::duration d) {
    const uint64_t gen = ++deadline_gen_;
    timed_out_ = false;
    deadline_.expires_after(d);
    deadline_.async_wait([self = shared_from_this(), gen](boost::system::error_code ec) {
      if (ec || gen != self->deadline_gen_) return;
      self->timed_out_ = true;
      boost::system::error_code ignored;
      self->socket_.cancel(ignored);
    });
  }

  void Disarm() {
    ++deadline_gen_;
    deadline_.cancel();
  }

  std::shared_ptr<Server::Shared> shared_;
  tcp::socket socket_;
  asio::steady_timer deadline_;
  asio::steady_timer delivery_wait_;
  const uint64_t id_;
  const std::string peer_;
  Session session_;
  uint64_t deadline_gen_ = 0;
  bool timed_out_ = false;
  bool stopping_ = false;
  uint64_t delivery_seq_ = 0;
  std::optional<std::vector<Reply>> delivered_;
  std::chrono::steady_clock::time_point session_deadline_ =
      std::chrono::steady_clock::now() +
      seconds(std::max<uint32_t>(1, shared_->options.session_timeout_seconds));
  const std::chrono::steady_clock::time_point lifetime_deadline_ =
      std::chrono::steady_clock::now() +
      seconds(std::max<uint32_t>(1, shared_->options.max_session_lifetime_seconds));
  bool in_data_ = false;
  std::chrono::steady_clock::time_point data_start_;
  uint64_t data_bytes_ = 0;
};

awaitable<void> RejectBusy(tcp::socket socket, std::string hostname, std::string why) {
  std::string msg = FormatReply(Reply{421, "4.7.0", hostname + " Error: " + why});
  // A fresh socket's send buffer takes these few bytes at once.
  co_await asio::async_write(socket, asio::buffer(msg), kUseTuple);
  boost::system::error_code ignored;
  socket.shutdown(tcp::socket::shutdown_both, ignored);
  socket.close(ignored);
}

awaitable<void> AcceptLoop(std::shared_ptr<Server::Shared> s) {
  asio::steady_timer backoff(s->acceptor.get_executor());
  for (;;) {
    auto [ec, socket] = co_await s->acceptor.async_accept(
        asio::any_io_executor(asio::make_strand(s->io)), kUseTuple);
    if (s->stopping.load()) co_return;
    if (ec) {
      if (ec == asio::error::operation_aborted || !s->acceptor.is_open()) co_return;
      // Out of descriptors and the like: do not spin.
      spdlog::warn("smtp: accept: {}", ec.message());
      backoff.expires_after(std::chrono::milliseconds(100));
      co_await backoff.async_wait(kUseTuple);
      continue;
    }
    boost::system::error_code peer_ec;
    auto remote = socket.remote_endpoint(peer_ec);
    std::string peer = peer_ec ? std::string("unknown") : remote.address().to_string();
    std::string refusal;
    if (s->active.load() >= s->options.max_connections) {
      refusal = "too many connections";
    } else if (s->options.max_connections_per_client != 0) {
      std::lock_guard lock(s->mu);
      auto it = s->per_client.find(ClientGroup(peer));
      if (it != s->per_client.end() && it->second >= s->options.max_connections_per_client) {
        refusal = "too many connections from your address";
      }
    }
    if (!refusal.empty()) {
      spdlog::info("smtp: refusing {}: {}", peer, refusal);
      auto ex = socket.get_executor();
      asio::co_spawn(ex, RejectBusy(std::move(socket), s->options.hostname, refusal),
                     [](std::exception_ptr e) { LogException(e, "reject"); });
      continue;
    }
    socket.set_option(tcp::no_delay(true), peer_ec);
    std::shared_ptr<Connection> conn;
    {
      std::lock_guard lock(s->mu);
      if (s->stopping.load()) co_return;
      ++s->per_client[ClientGroup(peer)];
      const uint64_t id = ++s->next_id;
      conn = std::make_shared<Connection>(s, std::move(socket), id, peer);
      s->connections[id] = conn;
      s->active.fetch_add(1);
      spdlog::debug("smtp: session {} from {}", id, peer);
    }
    auto ex = conn->socket().get_executor();
    asio::co_spawn(ex, conn->Run(), [](std::exception_ptr e) { LogException(e, "session"); });
  }
}

}  // namespace

Result<ServerOptions> ServerOptionsFromConfig(const Config& config, const std::string& listen,
                                              bool lmtp) {
  ServerOptions o;
  if (Status st = ParseHostPort(listen, o.host, o.port); !st.ok()) return st;
  o.lmtp = lmtp;
  o.hostname = config.hostname;
  o.max_message_bytes = config.max_message_bytes;
  o.max_recipients = config.max_recipients;
  o.max_line_bytes = config.max_line_bytes;
  o.idle_timeout_seconds = config.idle_timeout_seconds;
  o.max_connections = config.max_connections;
  // LMTP's client is our own MTA, which opens as many as it likes.
  o.max_connections_per_client = lmtp ? 0 : config.max_connections_per_client;
  o.session_timeout_seconds = config.session_timeout_seconds;
  o.min_data_bytes_per_second = config.min_data_bytes_per_second;
  return o;
}

Server::Server(asio::io_context& io, ServerOptions options, Handler& handler)
    : io_(io), shared_(std::make_shared<Shared>(io, std::move(options), handler)) {}

Server::~Server() { Stop(); }

Status Server::Listen() {
  const ServerOptions& o = shared_->options;
  boost::system::error_code ec;
  std::string host = o.host == "localhost" ? "127.0.0.1" : o.host;
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  auto address = asio::ip::make_address(host, ec);
  if (ec) return Status::Invalid("smtp: bad listen address '" + o.host + "': " + ec.message());
  tcp::endpoint endpoint(address, o.port);
  tcp::acceptor& a = shared_->acceptor;
  a.open(endpoint.protocol(), ec);
  if (!ec) a.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) a.bind(endpoint, ec);
  if (!ec) a.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    boost::system::error_code ignored;
    a.close(ignored);
    return Status::Temporary("smtp: cannot listen on " + o.host + ":" + std::to_string(o.port) +
                             ": " + ec.message());
  }
  auto local = a.local_endpoint(ec);
  port_ = ec ? 0 : local.port();
  spdlog::info("smtp: {} listening on {}:{}", o.lmtp ? "LMTP" : "SMTP", host, port_.load());
  return Status::Ok();
}

void Server::Start() {
  asio::co_spawn(shared_->acceptor.get_executor(), AcceptLoop(shared_),
                 [](std::exception_ptr e) { LogException(e, "accept loop"); });
}

void Server::Stop() {
  auto s = shared_;
  std::vector<std::shared_ptr<Connection>> open;
  {
    std::lock_guard lock(s->mu);
    if (s->stopping.exchange(true)) return;
    for (auto& [id, weak] : s->connections) {
      if (auto c = weak.lock()) open.push_back(std::move(c));
    }
  }
  asio::post(s->acceptor.get_executor(), [s] {
    boost::system::error_code ignored;
    s->acceptor.close(ignored);
  });
  for (auto& c : open) {
    asio::post(c->socket().get_executor(), [c] { c->StopFromServer(); });
  }
}

size_t Server::active_sessions() const { return shared_->active.load(); }

}  // namespace postdesk::smtp
