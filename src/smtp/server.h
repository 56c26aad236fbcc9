// The inbound SMTP/LMTP listener: accepts TCP connections and drives one
// Session per connection in a Boost.Asio C++20 coroutine.
//
// Every network read and write has a deadline (idle_timeout_seconds); the
// time a session may spend in commands is capped (session_timeout_seconds,
// DATA transfers not counted) and a DATA transfer must keep a minimum rate
// after a grace period, so a trickling client cannot hold a slot for ever.
// Open connections are capped in all and per client address (IPv6 by /64),
// and a connection's whole life is capped too. When most
// slots are taken the server is "under stress" (as Postfix) and every read
// gets the short stress_timeout_seconds instead. The session bounds the rest
// (see session.h). Errors are values (as_tuple); no exception leaves a session.
//
// Threads: the io_context may be run by several threads. Each connection runs
// on its own strand; Handler::Deliver's `done` may be called from any thread
// and is posted back to that strand. The Handler must outlive every session
// (in practice: keep it alive until io_context::run() has returned), and
// `done` must be called, and every copy of it destroyed, before the
// io_context is destroyed (it holds the connection's executor).
// Listen/Start are called once, before or while the io_context runs; Stop may
// be called from any thread; port() from any thread after Listen.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>

#include <boost/asio/io_context.hpp>

#include "common/config.h"
#include "common/status.h"
#include "smtp/handler.h"

namespace postdesk::smtp {

struct ServerOptions {
  std::string host = "127.0.0.1";
  uint16_t port = 0;  // 0: the kernel picks a free port; see Server::port()
  bool lmtp = false;
  std::string hostname = "postdesk.localhost";  // greeting and EHLO name
  uint64_t max_message_bytes = 25ull * 1024 * 1024;
  uint32_t max_recipients = 100;
  uint32_t max_line_bytes = 4096;
  uint32_t idle_timeout_seconds = 300;
  uint32_t max_connections = 200;
  // Per client address; 0: no limit (LMTP, where the client is our own MTA).
  uint32_t max_connections_per_client = 20;
  uint32_t session_timeout_seconds = 600;
  // However it spends it (several DATA transfers at the minimum rate), a
  // connection lives at most this long.
  uint32_t max_session_lifetime_seconds = 3600;
  uint32_t data_grace_seconds = 60;
  uint32_t min_data_bytes_per_second = 1024;
  // Under stress (at least stress_percent of max_connections open), reads
  // time out after stress_timeout_seconds.
  uint32_t stress_percent = 80;
  uint32_t stress_timeout_seconds = 10;
  // How long a session waits for Handler::Deliver's `done` before answering
  // 451 4.3.0 (the sender retries; a late commit is deduplicated downstream).
  uint32_t delivery_timeout_seconds = 600;
};

// Options from the runtime config; `listen` is "host:port" (smtp_listen or
// lmtp_listen).
Result<ServerOptions> ServerOptionsFromConfig(const Config& config, const std::string& listen,
                                              bool lmtp);

class Server {
 public:
  Server(boost::asio::io_context& io, ServerOptions options, Handler& handler);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Opens and binds the listening socket. Temporary on failure to bind.
  Status Listen();
  // The bound port (the chosen one when options.port was 0); 0 before Listen.
  uint16_t port() const { return port_.load(); }
  // Starts accepting (co_spawns the accept loop on the io_context).
  void Start();
  // Closes the listener and every open session (each gets 421 4.3.2 when it
  // can take it at once). Returns immediately; the work runs on the io_context.
  void Stop();
  // Open sessions right now.
  size_t active_sessions() const;

  struct Shared;

 private:
  boost::asio::io_context& io_;
  std::shared_ptr<Shared> shared_;
  std::atomic<uint16_t> port_{0};
};

}  // namespace postdesk::smtp
