#include <arpa/inet.h>
#include <gtest/gtest.h>

#include <atomic>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/udp.hpp>
#include <boost/asio/use_future.hpp>
#include <future>
#include <map>
#include <mutex>
#include <thread>

#include "dns/cares_resolver.h"
#include "dns/memory_zone.h"
#include "dns/names.h"
#include "dns/wire.h"

namespace postdesk::dns {
namespace {

namespace asio = boost::asio;

// Drives `io` until the coroutine made by `make` has finished.
template <typename Make>
auto RunCoroutine(asio::io_context& io, Make make) {
  auto fut = asio::co_spawn(io, make(), asio::use_future);
  io.restart();
  while (fut.wait_for(std::chrono::seconds(0)) != std::future_status::ready) {
    io.run_one_for(std::chrono::milliseconds(50));
  }
  return fut.get();
}

Answer Ask(asio::io_context& io, Resolver& r, std::string name, RrType type) {
  return RunCoroutine(io, [&]() { return r.Query(name, type); });
}

// ---------------------------------------------------------------- MemoryZone

TEST(MemoryZone, AnswersRecordsCaseInsensitively) {
  MemoryZone zone;
  zone.Add("Mail.Example.COM.", RrType::kA, "192.0.2.1", 120);
  zone.Add("mail.example.com", RrType::kA, "192.0.2.2", 60);
  zone.Add("mail.example.com", RrType::kAAAA, "2001:db8::1");
  Answer a = zone.Lookup("MAIL.example.com", RrType::kA);
  ASSERT_EQ(a.rcode, Rcode::kOk);
  EXPECT_EQ(a.records, (std::vector<std::string>{"192.0.2.1", "192.0.2.2"}));
  EXPECT_EQ(a.ttl, 60u);
  EXPECT_EQ(zone.Lookup("mail.example.com.", RrType::kAAAA).records,
            std::vector<std::string>{"2001:db8::1"});
}

TEST(MemoryZone, NxDomainNoDataAndEmptyNonTerminals) {
  MemoryZone zone;
  zone.set_negative_ttl(42);
  zone.Add("a.b.example.com", RrType::kA, "192.0.2.1");
  Answer nx = zone.Lookup("nope.example.com", RrType::kA);
  EXPECT_EQ(nx.rcode, Rcode::kNxDomain);
  EXPECT_TRUE(nx.none());
  EXPECT_EQ(nx.ttl, 42u);
  EXPECT_EQ(zone.Lookup("a.b.example.com", RrType::kTXT).rcode, Rcode::kNoData);
  // b.example.com has no records but a name below it: it exists.
  EXPECT_EQ(zone.Lookup("b.example.com", RrType::kA).rcode, Rcode::kNoData);
  EXPECT_EQ(zone.Lookup("example.com", RrType::kA).rcode, Rcode::kNoData);
  EXPECT_EQ(zone.Lookup("xb.example.com", RrType::kA).rcode, Rcode::kNxDomain);
  zone.AddName("empty.example.org");
  EXPECT_EQ(zone.Lookup("empty.example.org", RrType::kA).rcode, Rcode::kNoData);
}

TEST(MemoryZone, TxtMxAndPtr) {
  MemoryZone zone;
  zone.AddTxt("example.com", {"v=spf1 ", "ip4:192.0.2.0/24", " -all"});
  zone.Add("example.com", RrType::kTXT, "other");
  zone.AddMx("example.com", 10, "MX1.example.com.");
  zone.AddMx("example.com", 20, "mx2.example.com");
  zone.Add("1.2.0.192.in-addr.arpa", RrType::kPTR, "Host.Example.com.");
  Answer txt = zone.Lookup("example.com", RrType::kTXT);
  EXPECT_EQ(txt.records, (std::vector<std::string>{"v=spf1 ip4:192.0.2.0/24 -all", "other"}));
  Answer mx = zone.Lookup("example.com", RrType::kMX);
  ASSERT_EQ(mx.mx.size(), 2u);
  EXPECT_EQ(mx.mx[0].preference, 10);
  EXPECT_EQ(mx.mx[0].exchange, "mx1.example.com");
  EXPECT_TRUE(mx.records.empty());
  EXPECT_EQ(zone.Lookup("1.2.0.192.in-addr.arpa", RrType::kPTR).records,
            std::vector<std::string>{"host.example.com"});
}

TEST(MemoryZone, ChasesCnamesAndStopsLoops) {
  MemoryZone zone;
  zone.Add("alias.example.com", RrType::kCNAME, "Middle.example.com");
  zone.Add("middle.example.com", RrType::kCNAME, "target.example.net", 30);
  zone.Add("target.example.net", RrType::kA, "192.0.2.9", 100);
  Answer a = zone.Lookup("alias.example.com", RrType::kA);
  ASSERT_EQ(a.rcode, Rcode::kOk);
  EXPECT_EQ(a.records, std::vector<std::string>{"192.0.2.9"});
  EXPECT_EQ(a.ttl, 30u);
  // Asking for the CNAME itself does not chase.
  EXPECT_EQ(zone.Lookup("alias.example.com", RrType::kCNAME).records,
            std::vector<std::string>{"middle.example.com"});
  // The target's type is missing: no data at the end of the chain.
  EXPECT_EQ(zone.Lookup("alias.example.com", RrType::kMX).rcode, Rcode::kNoData);
  zone.Add("dangling.example.com", RrType::kCNAME, "gone.example.com");
  EXPECT_EQ(zone.Lookup("dangling.example.com", RrType::kA).rcode, Rcode::kNxDomain);
  zone.Add("loop1.example.com", RrType::kCNAME, "loop2.example.com");
  zone.Add("loop2.example.com", RrType::kCNAME, "loop1.example.com");
  EXPECT_EQ(zone.Lookup("loop1.example.com", RrType::kA).rcode, Rcode::kTempError);
}

TEST(MemoryZone, TimeoutsPerNameAndPerType) {
  MemoryZone zone;
  zone.Add("slow.example.com", RrType::kA, "192.0.2.1");
  zone.SetTimeout("slow.example.com");
  zone.Add("half.example.com", RrType::kA, "192.0.2.2");
  zone.SetTimeout("HALF.example.com", RrType::kTXT);
  EXPECT_TRUE(zone.Lookup("slow.example.com", RrType::kA).temperror());
  EXPECT_TRUE(zone.Lookup("half.example.com", RrType::kTXT).temperror());
  EXPECT_TRUE(zone.Lookup("half.example.com", RrType::kA).ok());
  // A timeout on the CNAME target shows through the alias.
  zone.Add("via.example.com", RrType::kCNAME, "slow.example.com");
  EXPECT_TRUE(zone.Lookup("via.example.com", RrType::kA).temperror());
}

TEST(MemoryZone, RejectsNamesDnsCannotCarry) {
  MemoryZone zone;
  EXPECT_EQ(zone.Lookup(std::string(64, 'a') + ".example.com", RrType::kA).rcode,
            Rcode::kFormError);
  EXPECT_EQ(zone.Lookup("a..example.com", RrType::kA).rcode, Rcode::kFormError);
  EXPECT_EQ(zone.Lookup("", RrType::kA).rcode, Rcode::kFormError);
  EXPECT_EQ(zone.Lookup(std::string(63, 'a') + ".example.com", RrType::kA).rcode, Rcode::kNxDomain);
}

TEST(MemoryZone, QueryIsAwaitableAndLogged) {
  asio::io_context io;
  MemoryZone zone;
  zone.Add("example.com", RrType::kA, "192.0.2.1");
  Answer a = Ask(io, zone, "Example.com", RrType::kA);
  EXPECT_TRUE(a.ok());
  Ask(io, zone, "x.example.com", RrType::kMX);
  EXPECT_EQ(zone.queries(), (std::vector<std::string>{"example.com/A", "x.example.com/MX"}));
  zone.ClearQueries();
  EXPECT_EQ(zone.query_count(), 0u);
}

TEST(Names, NormalizeAndValidate) {
  EXPECT_EQ(NormalizeName("ExAmple.COM."), "example.com");
  EXPECT_TRUE(IsValidQueryName("a.b"));
  EXPECT_FALSE(IsValidQueryName("a."));
  EXPECT_FALSE(IsValidQueryName(".a"));
  EXPECT_FALSE(IsValidQueryName(std::string(254, 'a')));
}

// ------------------------------------------------- a tiny UDP DNS responder

// Answers from a fixed table on 127.0.0.1 (port chosen by the kernel), on its
// own thread, and counts the questions it receives per name.
class FakeDnsServer {
 public:
  enum class Mode { kAnswer, kServFail, kRefused, kDrop };

  FakeDnsServer() : socket_(io_, asio::ip::udp::endpoint(asio::ip::make_address("127.0.0.1"), 0)) {
    Receive();
    thread_ = std::thread([this] { io_.run(); });
  }
  ~FakeDnsServer() {
    io_.stop();
    thread_.join();
  }

  uint16_t port() const { return socket_.local_endpoint().port(); }
  std::string address() const { return "127.0.0.1:" + std::to_string(port()); }

  void AddA(const std::string& name, const std::string& ip, uint32_t ttl = 300) {
    std::vector<uint8_t> rdata(4);
    inet_pton(AF_INET, ip.c_str(), rdata.data());
    Add(name, 1, ttl, rdata);
  }
  void AddAaaa(const std::string& name, const std::string& ip, uint32_t ttl = 300) {
    std::vector<uint8_t> rdata(16);
    inet_pton(AF_INET6, ip.c_str(), rdata.data());
    Add(name, 28, ttl, rdata);
  }
  void AddTxt(const std::string& name, const std::vector<std::string>& strings,
              uint32_t ttl = 300) {
    std::vector<uint8_t> rdata;
    for (const auto& s : strings) {
      rdata.push_back(static_cast<uint8_t>(s.size()));
      rdata.insert(rdata.end(), s.begin(), s.end());
    }
    Add(name, 16, ttl, rdata);
  }
  void AddMx(const std::string& name, uint16_t pref, const std::string& exchange) {
    std::vector<uint8_t> rdata{static_cast<uint8_t>(pref >> 8), static_cast<uint8_t>(pref)};
    auto n = EncodeName(exchange);
    rdata.insert(rdata.end(), n.begin(), n.end());
    Add(name, 15, 300, rdata);
  }
  void AddName(const std::string& name, uint16_t type, const std::string& target,
               uint32_t ttl = 300) {
    Add(name, type, ttl, EncodeName(target));
  }
  void SetMode(const std::string& name, Mode mode) {
    std::lock_guard<std::mutex> lock(mu_);
    modes_[name] = mode;
  }
  void SetSoa(uint32_t ttl, uint32_t minimum) {
    std::lock_guard<std::mutex> lock(mu_);
    soa_ttl_ = ttl;
    soa_minimum_ = minimum;
  }
  int count(const std::string& name) {
    std::lock_guard<std::mutex> lock(mu_);
    return counts_[name];
  }

 private:
  struct Rr {
    std::string owner;
    uint16_t type;
    uint32_t ttl;
    std::vector<uint8_t> rdata;
  };

  static std::vector<uint8_t> EncodeName(const std::string& name) {
    std::vector<uint8_t> out;
    size_t start = 0;
    while (start < name.size()) {
      size_t dot = name.find('.', start);
      if (dot == std::string::npos) dot = name.size();
      out.push_back(static_cast<uint8_t>(dot - start));
      out.insert(out.end(), name.begin() + start, name.begin() + dot);
      start = dot + 1;
    }
    out.push_back(0);
    return out;
  }
  static void Put16(std::vector<uint8_t>& out, uint16_t v) {
    out.push_back(static_cast<uint8_t>(v >> 8));
    out.push_back(static_cast<uint8_t>(v));
  }
  static void Put32(std::vector<uint8_t>& out, uint32_t v) {
    Put16(out, static_cast<uint16_t>(v >> 16));
    Put16(out, static_cast<uint16_t>(v));
  }
  static void PutRr(std::vector<uint8_t>& out, const Rr& rr) {
    auto n = EncodeName(rr.owner);
    out.insert(out.end(), n.begin(), n.end());
    Put16(out, rr.type);
    Put16(out, 1);
    Put32(out, rr.ttl);
    Put16(out, static_cast<uint16_t>(rr.rdata.size()));
    out.insert(out.end(), rr.rdata.begin(), rr.rdata.end());
  }

  void Add(const std::string& name, uint16_t type, uint32_t ttl, std::vector<uint8_t> rdata) {
    std::lock_guard<std::mutex> lock(mu_);
    rrs_.push_back(Rr{name, type, ttl, std::move(rdata)});
  }

  void Receive() {
    socket_.async_receive_from(asio::buffer(buf_), peer_,
                               [this](boost::system::error_code ec, size_t n) {
                                 if (ec) return;
                                 Handle(n);
                                 Receive();
                               });
  }

  void Handle(size_t n) {
    if (n < 12) return;
    // The question: uncompressed labels after the header.
    size_t pos = 12;
    std::string qname;
    while (pos < n && buf_[pos] != 0) {
      size_t len = buf_[pos];
      if (!qname.empty()) qname += '.';
      qname.append(reinterpret_cast<const char*>(&buf_[pos + 1]), len);
      pos += 1 + len;
    }
    pos += 1;
    if (pos + 4 > n) return;
    const uint16_t qtype = static_cast<uint16_t>(buf_[pos] << 8 | buf_[pos + 1]);
    const size_t question_end = pos + 4;

    std::lock_guard<std::mutex> lock(mu_);
    counts_[qname]++;
    Mode mode = modes_.count(qname) ? modes_[qname] : Mode::kAnswer;
    if (mode == Mode::kDrop) return;

    std::vector<Rr> answer;
    std::string name = qname;
    bool exists = false;
    for (int hop = 0; hop < 8; ++hop) {
      const Rr* cname = nullptr;
      bool found = false;
      for (const Rr& rr : rrs_) {
        if (rr.owner != name) continue;
        exists = true;
        if (rr.type == qtype) {
          answer.push_back(rr);
          found = true;
        } else if (rr.type == 5) {
          cname = &rr;
        }
      }
      if (found || cname == nullptr) break;
      answer.push_back(*cname);
      name.clear();
      for (size_t i = 0; i < cname->rdata.size() && cname->rdata[i] != 0;) {
        size_t len = cname->rdata[i];
        if (!name.empty()) name += '.';
        name.append(reinterpret_cast<const char*>(&cname->rdata[i + 1]), len);
        i += 1 + len;
      }
      exists = false;
    }
    uint16_t rcode = 0;
    if (mode == Mode::kServFail) rcode = 2;
    if (mode == Mode::kRefused) rcode = 5;
    bool found_type = false;
    for (const Rr& rr : answer) found_type |= rr.type == qtype;
    if (rcode == 0 && !found_type && !exists) rcode = 3;

    std::vector<uint8_t> out(buf_.begin(), buf_.begin() + 2);  // id
    Put16(out, static_cast<uint16_t>(0x8180 | rcode));
    Put16(out, 1);
    const bool negative = rcode == 0 ? !found_type : rcode == 3;
    Put16(out, rcode == 0 || rcode == 3 ? static_cast<uint16_t>(answer.size()) : 0);
    Put16(out, negative ? 1 : 0);
    Put16(out, 0);
    out.insert(out.end(), buf_.begin() + 12, buf_.begin() + question_end);
    if (rcode == 0 || rcode == 3) {
      for (const Rr& rr : answer) PutRr(out, rr);
    }
    if (negative) {
      Rr soa{"example.com", 6, soa_ttl_, {}};
      auto m = EncodeName("ns.example.com");
      auto r = EncodeName("hostmaster.example.com");
      soa.rdata.insert(soa.rdata.end(), m.begin(), m.end());
      soa.rdata.insert(soa.rdata.end(), r.begin(), r.end());
      for (uint32_t v : {1u, 3600u, 600u, 86400u}) Put32(soa.rdata, v);
      Put32(soa.rdata, soa_minimum_);
      PutRr(out, soa);
    }
    socket_.send_to(asio::buffer(out), peer_);
  }

  asio::io_context io_;
  asio::ip::udp::socket socket_;
  asio::ip::udp::endpoint peer_;
  std::array<uint8_t, 4096> buf_{};
  std::thread thread_;
  std::mutex mu_;
  std::vector<Rr> rrs_;
  std::map<std::string, Mode> modes_;
  std::map<std::string, int> counts_;
  uint32_t soa_ttl_ = 3600;
  uint32_t soa_minimum_ = 5;
};

class CaresResolverTest : public ::testing::Test {
 protected:
  void SetUp() override {
    server_.AddA("a.example.com", "192.0.2.1", 120);
    server_.AddA("a.example.com", "192.0.2.2", 60);
    server_.AddAaaa("a.example.com", "2001:db8::5");
    server_.AddTxt("txt.example.com", {"v=spf1 ", "ip4:192.0.2.0/24", " -all"});
    server_.AddTxt("txt.example.com", {"second"});
    server_.AddMx("example.com", 10, "mx1.example.com");
    server_.AddMx("example.com", 20, "mx2.example.com");
    server_.AddName("1.2.0.192.in-addr.arpa", 12, "host.example.com");
    server_.AddName("alias.example.com", 5, "a.example.com", 30);
    server_.SetMode("broken.example.com", FakeDnsServer::Mode::kServFail);
    server_.SetMode("refused.example.com", FakeDnsServer::Mode::kRefused);
    server_.SetMode("silent.example.com", FakeDnsServer::Mode::kDrop);
  }

  std::unique_ptr<CaresResolver> Make(bool cache = true, int tries = 1) {
    CaresOptions options;
    options.server = server_.address();
    options.timeout = std::chrono::milliseconds(300);
    options.tries = tries;
    options.cache = cache;
    options.clock = &clock_;
    auto r = CaresResolver::Create(io_.get_executor(), options);
    EXPECT_TRUE(r.ok()) << r.status().message();
    return std::move(r).value();
  }

  FakeDnsServer server_;
  FakeClock clock_;
  asio::io_context io_;
};

TEST_F(CaresResolverTest, ParsesEveryRecordType) {
  auto r = Make(false);
  Answer a = Ask(io_, *r, "A.Example.com", RrType::kA);
  ASSERT_EQ(a.rcode, Rcode::kOk) << a.error;
  EXPECT_EQ(a.records, (std::vector<std::string>{"192.0.2.1", "192.0.2.2"}));
  EXPECT_EQ(a.ttl, 60u);
  EXPECT_EQ(Ask(io_, *r, "a.example.com", RrType::kAAAA).records,
            std::vector<std::string>{"2001:db8::5"});
  EXPECT_EQ(Ask(io_, *r, "txt.example.com", RrType::kTXT).records,
            (std::vector<std::string>{"v=spf1 ip4:192.0.2.0/24 -all", "second"}));
  Answer mx = Ask(io_, *r, "example.com", RrType::kMX);
  ASSERT_EQ(mx.mx.size(), 2u);
  EXPECT_EQ(mx.mx[1].preference, 20);
  EXPECT_EQ(mx.mx[1].exchange, "mx2.example.com");
  EXPECT_EQ(Ask(io_, *r, "1.2.0.192.in-addr.arpa", RrType::kPTR).records,
            std::vector<std::string>{"host.example.com"});
  Answer viac = Ask(io_, *r, "alias.example.com", RrType::kA);
  EXPECT_EQ(viac.records, (std::vector<std::string>{"192.0.2.1", "192.0.2.2"}));
  EXPECT_EQ(viac.ttl, 30u);
}

TEST_F(CaresResolverTest, NxDomainAndNoDataStayApart) {
  auto r = Make(false);
  Answer nx = Ask(io_, *r, "missing.example.com", RrType::kA);
  EXPECT_EQ(nx.rcode, Rcode::kNxDomain);
  EXPECT_EQ(nx.ttl, 5u);  // min(SOA TTL, SOA minimum)
  EXPECT_EQ(Ask(io_, *r, "txt.example.com", RrType::kA).rcode, Rcode::kNoData);
}

TEST_F(CaresResolverTest, ServerFailuresAreTempErrors) {
  auto r = Make(false);
  EXPECT_EQ(Ask(io_, *r, "broken.example.com", RrType::kA).rcode, Rcode::kTempError);
  EXPECT_EQ(Ask(io_, *r, "refused.example.com", RrType::kTXT).rcode, Rcode::kTempError);
}

TEST_F(CaresResolverTest, SilenceTimesOutAsTempError) {
  auto r = Make(true, 2);
  auto start = std::chrono::steady_clock::now();
  Answer a = Ask(io_, *r, "silent.example.com", RrType::kA);
  auto took = std::chrono::steady_clock::now() - start;
  EXPECT_EQ(a.rcode, Rcode::kTempError);
  EXPECT_FALSE(a.error.empty());
  EXPECT_LT(took, std::chrono::seconds(5));
  EXPECT_EQ(server_.count("silent.example.com"), 2);  // two tries
  // Temporary errors are not cached: asking again asks the server again.
  Ask(io_, *r, "silent.example.com", RrType::kA);
  EXPECT_EQ(server_.count("silent.example.com"), 4);
}

TEST_F(CaresResolverTest, CachesPositiveAnswersForTheirTtl) {
  auto r = Make();
  EXPECT_TRUE(Ask(io_, *r, "a.example.com", RrType::kA).ok());
  Answer again = Ask(io_, *r, "A.EXAMPLE.COM", RrType::kA);
  EXPECT_TRUE(again.ok());
  EXPECT_EQ(again.records.size(), 2u);
  EXPECT_EQ(server_.count("a.example.com"), 1);
  EXPECT_EQ(r->stats().cache_hits, 1u);
  EXPECT_EQ(r->stats().sent, 1u);
  clock_.Advance(61);  // past the smallest TTL
  EXPECT_TRUE(Ask(io_, *r, "a.example.com", RrType::kA).ok());
  EXPECT_EQ(server_.count("a.example.com"), 2);
}

TEST_F(CaresResolverTest, CachesNegativeAnswersForTheSoaMinimum) {
  auto r = Make();
  EXPECT_EQ(Ask(io_, *r, "missing.example.com", RrType::kA).rcode, Rcode::kNxDomain);
  EXPECT_EQ(Ask(io_, *r, "missing.example.com", RrType::kA).rcode, Rcode::kNxDomain);
  EXPECT_EQ(server_.count("missing.example.com"), 1);
  clock_.Advance(6);
  EXPECT_EQ(Ask(io_, *r, "missing.example.com", RrType::kA).rcode, Rcode::kNxDomain);
  EXPECT_EQ(server_.count("missing.example.com"), 2);
}

TEST_F(CaresResolverTest, ServFailIsNotCached) {
  auto r = Make();
  Ask(io_, *r, "broken.example.com", RrType::kA);
  Ask(io_, *r, "broken.example.com", RrType::kA);
  EXPECT_EQ(server_.count("broken.example.com"), 2);
}

TEST_F(CaresResolverTest, InvalidNamesAreNotSent) {
  auto r = Make();
  EXPECT_EQ(Ask(io_, *r, std::string(64, 'x') + ".example.com", RrType::kA).rcode,
            Rcode::kFormError);
  EXPECT_EQ(r->stats().sent, 0u);
}

TEST_F(CaresResolverTest, ManyConcurrentQueries) {
  auto r = Make(false);
  auto results = RunCoroutine(io_, [&]() -> asio::awaitable<std::vector<Rcode>> {
    std::vector<Rcode> out;
    for (int i = 0; i < 20; ++i) {
      Answer a = co_await r->Query(i % 2 ? "a.example.com" : "missing.example.com", RrType::kA);
      out.push_back(a.rcode);
    }
    co_return out;
  });
  for (int i = 0; i < 20; ++i) EXPECT_EQ(results[i], i % 2 ? Rcode::kOk : Rcode::kNxDomain);
}

TEST(CaresResolverCreate, RejectsBadServerAddresses) {
  asio::io_context io;
  EXPECT_FALSE(CaresResolver::Create(io.get_executor(), {.server = "dns.example.com:53"}).ok());
  EXPECT_FALSE(CaresResolver::Create(io.get_executor(), {.server = "[::1:53"}).ok());
  EXPECT_TRUE(CaresResolver::Create(io.get_executor(), {.server = "127.0.0.1:5353"}).ok());
  EXPECT_TRUE(CaresResolver::Create(io.get_executor(), {.server = "[::1]:5353"}).ok());
  EXPECT_TRUE(CaresResolver::Create(io.get_executor(), {}).ok());  // resolv.conf
}

TEST(Wire, RejectsTruncatedAndLoopingMessages) {
  std::vector<uint8_t> shortmsg{0, 1, 0x81};
  EXPECT_EQ(ParseResponse(shortmsg, "a.example", RrType::kA, 60).rcode, Rcode::kTempError);
  // Header + a question whose name is a pointer to itself.
  std::vector<uint8_t> loop{0, 1, 0x81, 0x80, 0, 1, 0, 0, 0, 0, 0, 0, 0xC0, 12, 0, 1, 0, 1};
  EXPECT_EQ(ParseResponse(loop, "a.example", RrType::kA, 60).rcode, Rcode::kTempError);
}

}  // namespace
}  // namespace postdesk::dns
