// dns/cares_resolver: the production Resolver, c-ares driven from the Asio
// loop. c-ares sockets are watched with Asio descriptors and its timeouts
// with an Asio timer, all on one strand, so no thread is spent waiting on DNS
// and the channel (not thread-safe in c-ares) is only ever touched from that
// strand. Each query has a per-try timeout and a number of tries; answers are
// parsed by dns/wire (so kNxDomain and kNoData stay apart and the SOA gives
// the negative TTL) and kept in a TTL-respecting cache. Temporary errors are
// never cached.
//
// Input: DNS responses from the network, untrusted (see dns/wire.h).
// Thread-safety: Query may be called from coroutines on any executor; its
// work runs on the resolver's strand and the coroutine resumes on its own
// executor. Destroy the resolver only when no Query is running (e.g. after
// the io_context has stopped); queries still in flight then end kTempError.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include "common/clock.h"
#include "common/status.h"
#include "dns/resolver.h"

namespace postdesk::dns {

struct CaresOptions {
  // "HOST:PORT", "HOST" (port 53), "[V6]:PORT"; HOST must be an IP address.
  // Empty: the servers of the system's resolv.conf.
  std::string server;
  std::chrono::milliseconds timeout{2000};  // per try
  int tries = 2;
  bool cache = true;
  size_t cache_max_entries = 10000;
  uint32_t negative_ttl = 60;    // when a negative answer carries no SOA
  uint32_t max_ttl = 86400;      // cap on what the cache keeps
  const Clock* clock = nullptr;  // cache expiry; null means the system clock
};

class CaresResolver final : public Resolver {
 public:
  struct Stats {
    uint64_t queries = 0;     // calls to Query
    uint64_t cache_hits = 0;  // answered from the cache
    uint64_t sent = 0;        // questions handed to c-ares
  };

  // Fails (kInvalid) on a bad `server`, or when c-ares cannot start.
  static Result<std::unique_ptr<CaresResolver>> Create(boost::asio::any_io_executor executor,
                                                       CaresOptions options = {});
  ~CaresResolver() override;
  CaresResolver(const CaresResolver&) = delete;
  CaresResolver& operator=(const CaresResolver&) = delete;

  boost::asio::awaitable<Answer> Query(std::string name, RrType type) override;

  Stats stats() const;
  void ClearCache();

  class Impl;

 private:
  explicit CaresResolver(std::shared_ptr<Impl> impl);
  std::shared_ptr<Impl> impl_;
};

}  // namespace postdesk::dns
