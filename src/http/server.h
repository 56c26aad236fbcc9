// http/server: an HTTP/1.1 server on Boost.Beast, one C++20 coroutine per
// connection, that hands every request to a Router.
//
// Bounds (everything from the network is bounded): request header block
// 16 KiB (431 beyond), body `max_body_bytes` (413 JSON, connection closed),
// one deadline of `idle_timeout_seconds` for reading each request's header
// block (covers keep-alive idle time and slow senders) and another for its
// body and for each write, at most `max_connections` open connections (503
// JSON beyond). Keep-alive follows HTTP/1.1 rules. Every response gets the
// security headers (nosniff, frame denial, CSP, no-referrer, no-store)
// unless the handler set its own value for that header.
//
// Handlers run on a pool of `handler_threads` threads of the server's own,
// not on the io_context's threads: a slow handler (a DNS check of the
// doctor, a large store read) holds one of those and delays only its own
// connection, never the other connections or the SMTP doors that share the
// io_context. More slow requests than pool threads queue for a thread.
//
// Thread-safety: Listen() and Start() once, from one thread, before the
// io_context runs; Stop() and busy_handlers() may be called from any thread;
// Join() once, at the end. The server must
// outlive the io_context's run() (it is captured by the coroutines).
#pragma once

#include <boost/asio/io_context.hpp>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "common/status.h"
#include "http/router.h"

namespace postdesk::http {

struct HttpOptions {
  std::string host = "127.0.0.1";
  uint16_t port = 0;  // 0: pick a free port; see port()
  size_t max_body_bytes = 10 * 1024 * 1024;
  uint32_t idle_timeout_seconds = 60;
  uint32_t max_connections = 500;
  size_t max_header_bytes = 16 * 1024;
  size_t handler_threads = 8;  // see above
};

class HttpServer {
 public:
  HttpServer(boost::asio::io_context& io, HttpOptions options, Router& router);
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // Binds and listens. Permanent error when the address is bad or in use.
  Status Listen();
  // The bound port (useful with port 0); 0 before Listen().
  uint16_t port() const;
  // Starts accepting (on the io_context given to the constructor).
  void Start();
  // Stops accepting, closes idle connections, and lets in-flight requests
  // finish their response before their connection closes.
  void Stop();
  // Requests whose handler is running now (for a graceful stop's wait).
  size_t busy_handlers() const;
  // Waits for running handlers and ends the handler threads. Call after the
  // io_context has stopped and before anything the handlers use goes away.
  void Join();

 private:
  class Impl;
  std::shared_ptr<Impl> impl_;
};

}  // namespace postdesk::http
