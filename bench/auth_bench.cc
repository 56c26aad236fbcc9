// auth_bench: how many sender-authentication checks one core does per second.
//
//   auth_bench [--seconds S] [--repeat R] [--size BYTES] [--export DIR] [--no-cares]
//              [--only CASE]
//
// Cases, each run on one thread (one io_context, coroutines co_spawned on it):
//   dkim-rsa       VerifyDkim of a message signed once with a generated rsa-2048 key
//   dkim-ed25519   the same with an ed25519 key
//   spf            spf::CheckMailFrom against a record with one include (2 TXT lookups)
//   dmarc          dmarc::Evaluate alone (p=reject, SPF and DKIM aligned)
//   full           SPF + DKIM (rsa-2048) + DMARC (p=reject), as intake runs them
//   full-cares     the same through dns::CaresResolver with a warm cache, its
//                  server being a small in-process UDP responder on 127.0.0.1
// DNS comes from a dns::MemoryZone (an in-memory zone: "warm" by nature).
// Each case runs for at least S seconds of thread CPU time, R times; the line
// gives the median rate per CPU second (per core), the best one, and the
// wall-clock rate of the median run (lower when the machine is busy).
//
// --export DIR writes the signed messages (dkim-rsa.eml, dkim-ed25519.eml) and
// the key records (keys.tsv: "name<TAB>TXT value") so an independent verifier
// can check the very same messages (bench/dkimpy_reference.py).
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <fstream>
#include <functional>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "auth/dkim.h"
#include "auth/dmarc.h"
#include "auth/spf.h"
#include "dns/cares_resolver.h"
#include "dns/memory_zone.h"

namespace {

namespace asio = boost::asio;
using namespace postdesk;

constexpr char kFromDomain[] = "example.com";
constexpr char kClientIp[] = "198.51.100.25";  // authorized by the include
constexpr char kMailFrom[] = "bounces@example.com";
constexpr char kHelo[] = "mail.example.com";

[[noreturn]] void Die(const std::string& what) {
  fprintf(stderr, "auth_bench: %s\n", what.c_str());
  std::exit(1);
}

double ThreadCpuSeconds() {
  timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

double WallSeconds() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

// A customer's mail as a common client writes it: ~SIZE bytes, HTML and text.
std::string Message(size_t size) {
  std::string m =
      "From: Alice Customer <alice@example.com>\r\n"
      "To: Example Support <support@help.example>\r\n"
      "Subject: Re: my order #48213 never arrived\r\n"
      "Date: Fri, 27 Nov 2026 10:15:42 +0100\r\n"
      "Message-ID: <20261127101542.48213.alice@example.com>\r\n"
      "In-Reply-To: <ticket-48213@help.example>\r\n"
      "References: <ticket-48213@help.example>\r\n"
      "MIME-Version: 1.0\r\n"
      "Content-Type: multipart/alternative; boundary=\"b1\"\r\n"
      "\r\n"
      "--b1\r\n"
      "Content-Type: text/plain; charset=utf-8\r\n"
      "\r\n";
  const std::string line =
      "Hello, the parcel tracking page has said \"in transit\" for nine days now.\r\n";
  while (m.size() + line.size() < size / 2) m += line;
  m += "\r\n--b1\r\nContent-Type: text/html; charset=utf-8\r\n\r\n<html><body>\r\n";
  const std::string html = "<p>Hello, the parcel tracking page has said in transit.</p>\r\n";
  while (m.size() + html.size() < size) m += html;
  m += "</body></html>\r\n--b1--\r\n";
  return m;
}

template <typename T>
T RunSync(asio::io_context& io, asio::awaitable<T> aw) {
  std::optional<T> out;
  std::exception_ptr error;
  bool finished = false;
  asio::co_spawn(io, std::move(aw), [&](std::exception_ptr e, T value) {
    error = e;
    if (!e) out.emplace(std::move(value));
    finished = true;
  });
  // run_one, not run: the c-ares resolver may keep a socket watch pending.
  io.restart();
  while (!finished) io.run_one();
  if (error) std::rethrow_exception(error);
  return std::move(*out);
}

// The options are always spelled out: GCC 12 destroys a class-type default
// argument of a coroutine (`SpfOptions options = {}`) twice, which frees the
// string inside it twice. So every call passes a named object.
asio::awaitable<spf::SpfResult> Spf(dns::Resolver& r) {
  spf::SpfOptions options;
  co_return co_await spf::CheckMailFrom(r, kClientIp, kMailFrom, kHelo, options);
}

asio::awaitable<dmarc::DmarcResult> Dmarc(dns::Resolver& r, dmarc::DmarcInput in) {
  dmarc::DmarcOptions options;
  co_return co_await dmarc::Evaluate(r, std::move(in), options);
}

// One check; returns false when the result is not the expected pass.
using Check = std::function<asio::awaitable<bool>()>;

asio::awaitable<int64_t> Loop(Check check, int64_t n, std::function<void()> every_1000) {
  int64_t failures = 0;
  for (int64_t i = 0; i < n; ++i) {
    if (!co_await check()) ++failures;
    if (i % 1000 == 999 && every_1000) every_1000();
  }
  co_return failures;
}

struct Rate {
  double cpu_rate = 0;   // checks per thread-CPU second
  double wall_rate = 0;  // checks per wall second
};

// Runs `check` for at least `seconds` of CPU time; the rate of that run.
Rate Measure(asio::io_context& io, const Check& check, double seconds,
             const std::function<void()>& every_1000) {
  int64_t batch = 16, done = 0;
  const double c0 = ThreadCpuSeconds(), w0 = WallSeconds();
  double c1 = c0, w1 = w0;
  while (c1 - c0 < seconds) {
    int64_t failures = RunSync(io, Loop(check, batch, every_1000));
    if (failures != 0) Die("a check did not give the expected result during the run");
    done += batch;
    c1 = ThreadCpuSeconds();
    w1 = WallSeconds();
    if (batch < 4096) batch *= 2;
  }
  return {done / (c1 - c0), done / (w1 - w0)};
}

void Report(const char* name, const char* what, std::vector<Rate> runs) {
  std::sort(runs.begin(), runs.end(),
            [](const Rate& a, const Rate& b) { return a.cpu_rate < b.cpu_rate; });
  const Rate& median = runs[runs.size() / 2];
  printf("auth %-12s %10.0f checks/s per core (median of %zu; best %.0f; wall %.0f/s)  %s\n", name,
         median.cpu_rate, runs.size(), runs.back().cpu_rate, median.wall_rate, what);
  fflush(stdout);
}

// ------------------------------------------------ a UDP DNS responder for c-ares

void Put16(std::vector<uint8_t>& out, uint16_t v) {
  out.push_back(static_cast<uint8_t>(v >> 8));
  out.push_back(static_cast<uint8_t>(v));
}
void Put32(std::vector<uint8_t>& out, uint32_t v) {
  Put16(out, static_cast<uint16_t>(v >> 16));
  Put16(out, static_cast<uint16_t>(v));
}
void PutName(std::vector<uint8_t>& out, const std::string& name) {
  size_t start = 0;
  while (start < name.size()) {
    size_t dot = name.find('.', start);
    if (dot == std::string::npos) dot = name.size();
    out.push_back(static_cast<uint8_t>(dot - start));
    out.insert(out.end(), name.begin() + static_cast<long>(start),
               name.begin() + static_cast<long>(dot));
    start = dot + 1;
  }
  out.push_back(0);
}

// Answers questions from a MemoryZone: A, AAAA and TXT records, NXDOMAIN and
// NODATA with an SOA (for the negative TTL), SERVFAIL for a zone temperror.
class ZoneServer {
 public:
  explicit ZoneServer(dns::MemoryZone& zone) : zone_(zone) {
    fd_ = socket(AF_INET, SOCK_DGRAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (fd_ < 0 || bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) Die("bind UDP");
    socklen_t len = sizeof a;
    getsockname(fd_, reinterpret_cast<sockaddr*>(&a), &len);
    port_ = ntohs(a.sin_port);
    thread_ = std::thread([this] { Serve(); });
  }
  ~ZoneServer() {
    stop_ = true;
    shutdown(fd_, SHUT_RDWR);
    // A datagram to ourselves wakes a blocked recvfrom.
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(port_);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    int s = socket(AF_INET, SOCK_DGRAM, 0);
    sendto(s, "", 0, 0, reinterpret_cast<sockaddr*>(&a), sizeof a);
    close(s);
    thread_.join();
    close(fd_);
  }
  std::string address() const { return "127.0.0.1:" + std::to_string(port_); }
  uint64_t answered() const { return answered_.load(); }

 private:
  void Serve() {
    uint8_t buf[1500];
    while (!stop_) {
      sockaddr_in peer{};
      socklen_t plen = sizeof peer;
      ssize_t n = recvfrom(fd_, buf, sizeof buf, 0, reinterpret_cast<sockaddr*>(&peer), &plen);
      if (stop_) return;
      if (n < 17) continue;
      std::vector<uint8_t> out;
      if (!Answer(buf, static_cast<size_t>(n), out)) continue;
      sendto(fd_, out.data(), out.size(), 0, reinterpret_cast<sockaddr*>(&peer), plen);
      ++answered_;
    }
  }

  bool Answer(const uint8_t* q, size_t n, std::vector<uint8_t>& out) {
    size_t pos = 12;
    std::string qname;
    while (pos < n && q[pos] != 0) {
      size_t len = q[pos];
      if (len > 63 || pos + 1 + len > n) return false;
      if (!qname.empty()) qname += '.';
      qname.append(reinterpret_cast<const char*>(q + pos + 1), len);
      pos += 1 + len;
    }
    pos += 1;
    if (pos + 4 > n) return false;
    const uint16_t qtype = static_cast<uint16_t>(q[pos] << 8 | q[pos + 1]);
    const size_t question_end = pos + 4;
    std::optional<dns::RrType> type;
    if (qtype == 1) type = dns::RrType::kA;
    if (qtype == 28) type = dns::RrType::kAAAA;
    if (qtype == 16) type = dns::RrType::kTXT;

    dns::Answer a;
    if (type) {
      a = zone_.Lookup(qname, *type);
    } else {
      a.rcode = dns::Rcode::kNoData;
    }
    uint16_t rcode = 0;
    if (a.rcode == dns::Rcode::kNxDomain) rcode = 3;
    if (a.rcode == dns::Rcode::kTempError) rcode = 2;
    if (a.rcode == dns::Rcode::kFormError) rcode = 1;
    const bool positive = a.rcode == dns::Rcode::kOk;
    const bool negative = a.rcode == dns::Rcode::kNxDomain || a.rcode == dns::Rcode::kNoData;

    out.assign(q, q + 2);  // id
    Put16(out, static_cast<uint16_t>(0x8180 | rcode));
    Put16(out, 1);
    Put16(out, positive ? static_cast<uint16_t>(a.records.size()) : 0);
    Put16(out, negative ? 1 : 0);
    Put16(out, 0);
    out.insert(out.end(), q + 12, q + question_end);
    if (positive) {
      for (const std::string& value : a.records) {
        std::vector<uint8_t> rdata;
        if (qtype == 16) {
          for (size_t i = 0; i < value.size() || i == 0; i += 255) {
            const size_t len = std::min<size_t>(255, value.size() - i);
            rdata.push_back(static_cast<uint8_t>(len));
            rdata.insert(rdata.end(), value.begin() + static_cast<long>(i),
                         value.begin() + static_cast<long>(i + len));
            if (value.empty()) break;
          }
        } else {
          uint8_t addr[16];
          const int family = qtype == 1 ? AF_INET : AF_INET6;
          if (inet_pton(family, value.c_str(), addr) != 1) return false;
          rdata.assign(addr, addr + (qtype == 1 ? 4 : 16));
        }
        Put16(out, 0xC00C);  // the question's name
        Put16(out, qtype);
        Put16(out, 1);
        Put32(out, a.ttl);
        Put16(out, static_cast<uint16_t>(rdata.size()));
        out.insert(out.end(), rdata.begin(), rdata.end());
      }
    }
    if (negative) {
      std::vector<uint8_t> rdata;
      PutName(rdata, "ns.example.net");
      PutName(rdata, "hostmaster.example.net");
      for (uint32_t v : {1u, 3600u, 600u, 86400u, a.ttl}) Put32(rdata, v);
      Put16(out, 0xC00C);
      Put16(out, 6);
      Put16(out, 1);
      Put32(out, a.ttl);
      Put16(out, static_cast<uint16_t>(rdata.size()));
      out.insert(out.end(), rdata.begin(), rdata.end());
    }
    return true;
  }

  dns::MemoryZone& zone_;
  int fd_ = -1;
  uint16_t port_ = 0;
  std::atomic<bool> stop_{false};
  std::atomic<uint64_t> answered_{0};
  std::thread thread_;
};

}  // namespace

int main(int argc, char** argv) {
  double seconds = 1.0;
  int repeat = 3;
  size_t size = 4096;
  std::string export_dir;
  bool cares = true;
  std::string only;  // run one case (for profiling)
  for (int i = 1; i < argc; ++i) {
    std::string k = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) Die("missing value for " + k);
      return argv[++i];
    };
    if (k == "--seconds")
      seconds = std::atof(value().c_str());
    else if (k == "--repeat")
      repeat = std::max(1, std::atoi(value().c_str()));
    else if (k == "--size")
      size = static_cast<size_t>(std::atol(value().c_str()));
    else if (k == "--export")
      export_dir = value();
    else if (k == "--no-cares")
      cares = false;
    else if (k == "--only")
      only = value();
    else
      Die("usage: auth_bench [--seconds S] [--repeat R] [--size BYTES] [--export DIR] [--no-cares] "
          "[--only CASE]");
  }
  const int64_t now = static_cast<int64_t>(std::time(nullptr));

  // Keys, signatures and the zone.
  auto rsa = auth::GenerateKey(auth::DkimAlgorithm::kRsaSha256);
  auto ed = auth::GenerateKey(auth::DkimAlgorithm::kEd25519Sha256);
  if (!rsa.ok() || !ed.ok()) Die("key generation failed");
  const std::string body = Message(size);
  auto sign = [&](const auth::GeneratedKey& key, auth::DkimAlgorithm alg, const char* selector) {
    auth::SigningKey sk{kFromDomain, selector, alg, key.private_key_pem};
    auto header = auth::SignDkim(body, sk, {}, now);
    if (!header.ok()) Die("signing failed: " + header.status().message());
    return *header + body;
  };
  const std::string rsa_msg = sign(*rsa, auth::DkimAlgorithm::kRsaSha256, "rsa2048");
  const std::string ed_msg = sign(*ed, auth::DkimAlgorithm::kEd25519Sha256, "ed");

  dns::MemoryZone zone;
  zone.Add("rsa2048._domainkey.example.com", dns::RrType::kTXT, rsa->dns_txt, 3600);
  zone.Add("ed._domainkey.example.com", dns::RrType::kTXT, ed->dns_txt, 3600);
  zone.Add("example.com", dns::RrType::kTXT,
           "v=spf1 ip4:192.0.2.0/24 ip6:2001:db8:1::/48 include:_spf.mailhost.example ~all", 3600);
  zone.Add("example.com", dns::RrType::kTXT, "google-site-verification=bench-0123456789", 3600);
  zone.Add("_spf.mailhost.example", dns::RrType::kTXT,
           "v=spf1 ip4:198.51.100.0/24 ip4:203.0.113.0/24 ip6:2001:db8:2::/48 -all", 3600);
  zone.Add("_dmarc.example.com", dns::RrType::kTXT,
           "v=DMARC1; p=reject; rua=mailto:dmarc@example.com; adkim=r; aspf=r", 3600);
  zone.Add("example.com", dns::RrType::kA, "192.0.2.10", 3600);

  if (!export_dir.empty()) {
    std::ofstream(export_dir + "/dkim-rsa.eml", std::ios::binary) << rsa_msg;
    std::ofstream(export_dir + "/dkim-ed25519.eml", std::ios::binary) << ed_msg;
    std::ofstream keys(export_dir + "/keys.tsv", std::ios::binary);
    keys << "rsa2048._domainkey.example.com\t" << rsa->dns_txt << "\n"
         << "ed._domainkey.example.com\t" << ed->dns_txt << "\n";
  }

  asio::io_context io;
  auto dkim_check = [&](dns::Resolver& r, const std::string& msg) -> Check {
    return [&r, &msg, now]() -> asio::awaitable<bool> {
      auto results = co_await auth::VerifyDkim(r, msg, now);
      co_return results.size() == 1 && results[0].pass();
    };
  };
  auto spf_check = [&](dns::Resolver& r) -> Check {
    return [&r]() -> asio::awaitable<bool> {
      auto res = co_await Spf(r);
      co_return res.verdict == spf::Verdict::kPass;
    };
  };
  auto dmarc_check = [&](dns::Resolver& r) -> Check {
    return [&r]() -> asio::awaitable<bool> {
      dmarc::DmarcInput in;
      in.from_addresses = {"alice@example.com"};
      in.spf = {true, kFromDomain, ""};
      in.dkim = {{true, kFromDomain}};
      auto m = co_await Dmarc(r, std::move(in));
      co_return m.verdict == dmarc::Verdict::kPass;
    };
  };
  auto full_check = [&](dns::Resolver& r) -> Check {
    return [&r, &rsa_msg, now]() -> asio::awaitable<bool> {
      auto s = co_await Spf(r);
      auto d = co_await auth::VerifyDkim(r, rsa_msg, now);
      dmarc::DmarcInput in;
      in.from_addresses = {"alice@example.com"};
      in.spf = {s.verdict == spf::Verdict::kPass, kFromDomain, ""};
      for (const auto& one : d) in.dkim.push_back({one.pass(), one.domain});
      auto m = co_await Dmarc(r, std::move(in));
      co_return s.verdict == spf::Verdict::kPass&& d.size() == 1 && d[0].pass() &&
          m.verdict == dmarc::Verdict::kPass;
    };
  };

  // MemoryZone keeps every question it was asked; keep that list short.
  auto clear = [&zone] { zone.ClearQueries(); };
  auto run = [&](const char* name, const char* what, const Check& check,
                 const std::function<void()>& every) {
    if (!only.empty() && only != name) return;
    if (!RunSync(io, check())) Die(std::string(name) + ": the check does not pass");
    std::vector<Rate> runs;
    for (int i = 0; i < repeat; ++i) runs.push_back(Measure(io, check, seconds, every));
    Report(name, what, runs);
  };

  run("dkim-rsa", "VerifyDkim, rsa-sha256 2048-bit, relaxed/relaxed, MemoryZone",
      dkim_check(zone, rsa_msg), clear);
  run("dkim-ed25519", "VerifyDkim, ed25519-sha256, relaxed/relaxed, MemoryZone",
      dkim_check(zone, ed_msg), clear);
  run("spf", "spf::CheckMailFrom, record with ip4/ip6 + one include, pass, MemoryZone",
      spf_check(zone), clear);
  run("dmarc", "dmarc::Evaluate, p=reject, SPF and DKIM aligned, MemoryZone", dmarc_check(zone),
      clear);
  run("full", "SPF + DKIM rsa-2048 + DMARC p=reject, all pass, MemoryZone", full_check(zone),
      clear);

  if (cares && (only.empty() || only == "full-cares")) {
    ZoneServer server(zone);
    dns::CaresOptions options;
    options.server = server.address();
    auto resolver = dns::CaresResolver::Create(io.get_executor(), options);
    if (!resolver.ok()) Die("c-ares: " + resolver.status().message());
    dns::CaresResolver& r = **resolver;
    // Warm the cache, then check that the measured runs never leave it.
    if (!RunSync(io, full_check(r)())) Die("full-cares: the check does not pass");
    const uint64_t sent_before = r.stats().sent;
    run("full-cares", "the same through CaresResolver with a warm cache", full_check(r), {});
    const auto stats = r.stats();
    if (stats.sent != sent_before) {
      printf("auth full-cares: note: %llu questions went to the DNS server during the runs\n",
             static_cast<unsigned long long>(stats.sent - sent_before));
    }
  }
  return 0;
}
