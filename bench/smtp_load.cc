// smtp_load: pushes N messages over M parallel SMTP connections to a running
// postdesk and reports messages/second and the DATA->250 latency (the time
// from sending the end-of-data dot to receiving the reply, which includes the
// durable commit). Each message has a unique Message-ID and body, so none is
// taken for a redelivery.
//
//   smtp_load --port P [--messages N] [--connections M] [--size BYTES] [--to ADDR]
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

namespace {

using Clock = std::chrono::steady_clock;

struct Args {
  int port = 2525;
  int messages = 2000;
  int connections = 8;
  int size = 4096;
  std::string to = "support@support.example";
};

class Conn {
 public:
  explicit Conn(int port) {
    fd_ = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(static_cast<uint16_t>(port));
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (connect(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
      perror("connect");
      std::exit(1);
    }
    int one = 1;
    setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  }
  ~Conn() { close(fd_); }

  void Send(const std::string& s) {
    size_t off = 0;
    while (off < s.size()) {
      ssize_t n = write(fd_, s.data() + off, s.size() - off);
      if (n <= 0) {
        perror("write");
        std::exit(1);
      }
      off += static_cast<size_t>(n);
    }
  }

  // Reads one (possibly multi-line) reply; returns its code.
  int Reply() {
    while (true) {
      size_t eol;
      while ((eol = buf_.find("\r\n")) == std::string::npos) {
        char tmp[4096];
        ssize_t n = read(fd_, tmp, sizeof tmp);
        if (n <= 0) {
          fprintf(stderr, "connection closed\n");
          std::exit(1);
        }
        buf_.append(tmp, static_cast<size_t>(n));
      }
      std::string line = buf_.substr(0, eol);
      buf_.erase(0, eol + 2);
      if (line.size() < 4 || line[3] != '-') return std::atoi(line.substr(0, 3).c_str());
    }
  }

  void Expect(int want, const char* what) {
    int got = Reply();
    if (got != want) {
      fprintf(stderr, "%s: expected %d, got %d\n", what, want, got);
      std::exit(1);
    }
  }

 private:
  int fd_;
  std::string buf_;
};

std::string Message(int conn, int i, int size) {
  std::string m = "From: load" + std::to_string(conn) + "@customer.test\r\nTo: support\r\n"
                  "Subject: load " + std::to_string(conn) + "-" + std::to_string(i) +
                  "\r\nMessage-ID: <load-" + std::to_string(conn) + "-" + std::to_string(i) + "-" +
                  std::to_string(Clock::now().time_since_epoch().count()) +
                  "@customer.test>\r\n\r\n";
  std::string line = "The quick brown fox jumps over the lazy dog, message " +
                     std::to_string(i) + ".\r\n";
  while (static_cast<int>(m.size()) + static_cast<int>(line.size()) < size) m += line;
  return m;
}

}  // namespace

int main(int argc, char** argv) {
  Args a;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string k = argv[i];
    if (k == "--port") a.port = std::atoi(argv[i + 1]);
    else if (k == "--messages") a.messages = std::atoi(argv[i + 1]);
    else if (k == "--connections") a.connections = std::atoi(argv[i + 1]);
    else if (k == "--size") a.size = std::atoi(argv[i + 1]);
    else if (k == "--to") a.to = argv[i + 1];
  }
  std::vector<std::vector<double>> latencies(a.connections);
  std::atomic<int> next{0};
  auto start = Clock::now();
  std::vector<std::thread> threads;
  for (int c = 0; c < a.connections; ++c) {
    threads.emplace_back([&, c] {
      Conn conn(a.port);
      conn.Expect(220, "greeting");
      conn.Send("EHLO load.test\r\n");
      conn.Expect(250, "EHLO");
      for (int i = next++; i < a.messages; i = next++) {
        std::string body = Message(c, i, a.size);
        // Pipelined envelope, as real MTAs send it.
        conn.Send("MAIL FROM:<load@customer.test>\r\nRCPT TO:<" + a.to + ">\r\nDATA\r\n");
        conn.Expect(250, "MAIL");
        conn.Expect(250, "RCPT");
        conn.Expect(354, "DATA");
        conn.Send(body);
        auto t0 = Clock::now();
        conn.Send(".\r\n");
        conn.Expect(250, "end of data");
        latencies[c].push_back(std::chrono::duration<double, std::milli>(Clock::now() - t0).count());
      }
      conn.Send("QUIT\r\n");
      conn.Reply();
    });
  }
  for (auto& t : threads) t.join();
  double seconds = std::chrono::duration<double>(Clock::now() - start).count();
  std::vector<double> all;
  for (auto& v : latencies) all.insert(all.end(), v.begin(), v.end());
  std::sort(all.begin(), all.end());
  auto pct = [&](double p) { return all.empty() ? 0 : all[static_cast<size_t>(p * (all.size() - 1))]; };
  printf("smtp: %zu messages of %d bytes over %d connections in %.2f s: %.0f msg/s, "
         "DATA->250 p50 %.2f ms p99 %.2f ms\n",
         all.size(), a.size, a.connections, seconds, all.size() / seconds, pct(0.5), pct(0.99));
  return 0;
}
