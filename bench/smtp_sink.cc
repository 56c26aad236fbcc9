// smtp_sink: a fast SMTP sink for the outbound benchmark, built on postdesk's
// own smtp::Server. It accepts every recipient and completes every DATA at
// once (nothing is stored), counts the messages and remembers when the first
// and the last one arrived.
//
//   smtp_sink [--port P] [--expect N] [--threads T]
//
// Prints "port N" on stdout as soon as it listens, and this line when the
// --expect'th message arrives and again when it ends on SIGTERM/SIGINT:
//   sink: COUNT messages (BYTES bytes), first FIRST last LAST (Unix seconds), RATE msg/s
//   first->last
// Listens on 127.0.0.1 only.
#include <spdlog/spdlog.h>

#include <algorithm>
#include <atomic>
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "smtp/handler.h"
#include "smtp/server.h"

namespace {

double NowSeconds() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

class SinkHandler : public postdesk::smtp::Handler {
 public:
  explicit SinkHandler(uint64_t expect) : expect_(expect) {}

  postdesk::smtp::Reply CheckRecipient(const postdesk::smtp::Envelope&, std::string_view) override {
    return {};
  }

  void Deliver(postdesk::smtp::Envelope envelope, std::string data,
               std::function<void(std::vector<postdesk::smtp::Reply>)> done) override {
    const double now = NowSeconds();
    uint64_t n;
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (count_ == 0) first_ = now;
      last_ = now;
      n = ++count_;
      bytes_ += data.size();
    }
    done(std::vector<postdesk::smtp::Reply>(envelope.rcpt_to.size()));
    if (expect_ != 0 && n == expect_) Print();
  }

  void Print() {
    std::lock_guard<std::mutex> lock(mu_);
    const double span = last_ - first_;
    printf(
        "sink: %llu messages (%llu bytes), first %.6f last %.6f (Unix seconds), %.0f msg/s "
        "first->last\n",
        static_cast<unsigned long long>(count_), static_cast<unsigned long long>(bytes_), first_,
        last_, span > 0 ? static_cast<double>(count_ - 1) / span : 0.0);
    fflush(stdout);
  }

 private:
  const uint64_t expect_;
  std::mutex mu_;
  uint64_t count_ = 0;
  uint64_t bytes_ = 0;
  double first_ = 0;
  double last_ = 0;
};

}  // namespace

int main(int argc, char** argv) {
  int port = 0;
  uint64_t expect = 0;
  int threads = 1;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string k = argv[i];
    if (k == "--port")
      port = std::atoi(argv[i + 1]);
    else if (k == "--expect")
      expect = std::strtoull(argv[i + 1], nullptr, 10);
    else if (k == "--threads")
      threads = std::max(1, std::atoi(argv[i + 1]));
    else {
      fprintf(stderr, "usage: smtp_sink [--port P] [--expect N] [--threads T]\n");
      return 64;
    }
  }
  spdlog::set_level(spdlog::level::warn);

  boost::asio::io_context io;
  SinkHandler handler(expect);
  postdesk::smtp::ServerOptions options;
  options.host = "127.0.0.1";
  options.port = static_cast<uint16_t>(port);
  options.hostname = "sink.localhost";
  options.max_connections = 1000;
  postdesk::smtp::Server server(io, options, handler);
  if (auto s = server.Listen(); !s.ok()) {
    fprintf(stderr, "smtp_sink: %s\n", s.message().c_str());
    return 75;
  }
  printf("port %u\n", server.port());
  fflush(stdout);
  server.Start();

  boost::asio::signal_set signals(io, SIGINT, SIGTERM);
  signals.async_wait([&io](const boost::system::error_code&, int) { io.stop(); });

  std::vector<std::thread> pool;
  for (int i = 1; i < threads; ++i) pool.emplace_back([&io] { io.run(); });
  io.run();
  io.stop();
  for (auto& t : pool) t.join();
  handler.Print();
  // Sessions still open are abandoned with the process; nothing is stored.
  std::_Exit(0);
}
