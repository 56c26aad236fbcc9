// dns/memory_zone: an in-memory zone that implements Resolver, for tests and
// for the doctor's dry runs. Records are added per name and type; a name (or
// one type at a name) can be made to time out, which answers kTempError, so
// callers' temperror paths are testable without a network.
//
// Semantics follow a recursive resolver's view of real DNS: names compare
// case-insensitively, a CNAME is chased (at most 8 hops; a loop answers
// kTempError as resolvers answer SERVFAIL), a name that only has names below
// it exists (empty non-terminal: kNoData, not kNxDomain), and names that
// cannot be sent as a question answer kFormError.
//
// Input: the test's own data, trusted. Thread-safety: every method locks an
// internal mutex, so a zone may be shared by coroutines on several threads.
#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "dns/resolver.h"

namespace postdesk::dns {

class MemoryZone final : public Resolver {
 public:
  MemoryZone() = default;
  MemoryZone(const MemoryZone&) = delete;
  MemoryZone& operator=(const MemoryZone&) = delete;

  // Adds one record. `value` is the text form: an address for A/AAAA, the
  // whole (already concatenated) text for TXT, a name for PTR/CNAME. For MX
  // use AddMx. `ttl` is reported in answers.
  void Add(std::string_view name, RrType type, std::string value, uint32_t ttl = 300);
  // A TXT record given as its character-strings; they are concatenated.
  void AddTxt(std::string_view name, const std::vector<std::string>& strings, uint32_t ttl = 300);
  void AddMx(std::string_view name, uint16_t preference, std::string exchange, uint32_t ttl = 300);
  // Makes the name exist without records (answers kNoData).
  void AddName(std::string_view name);

  // Every question about `name` (any type) answers kTempError.
  void SetTimeout(std::string_view name);
  // Only questions of `type` about `name` answer kTempError.
  void SetTimeout(std::string_view name, RrType type);

  // TTL reported with kNxDomain / kNoData answers (the "SOA minimum").
  void set_negative_ttl(uint32_t ttl);

  boost::asio::awaitable<Answer> Query(std::string name, RrType type) override;

  // The same answer, synchronously (and recorded like a query).
  Answer Lookup(std::string_view name, RrType type);

  // Every question asked so far, in order, as "name/TYPE" (name normalised).
  std::vector<std::string> queries() const;
  size_t query_count() const;
  void ClearQueries();

 private:
  struct Record {
    RrType type;
    std::string value;
    uint16_t preference = 0;
    uint32_t ttl = 300;
  };
  struct Node {
    std::vector<Record> records;
    bool timeout_all = false;
    std::set<RrType> timeout_types;
  };

  Answer LookupLocked(const std::string& name, RrType type) const;
  bool ExistsLocked(const std::string& name) const;
  Node& NodeFor(std::string_view name);

  mutable std::mutex mu_;
  std::map<std::string, Node> nodes_;
  uint32_t negative_ttl_ = 300;
  std::vector<std::string> queries_;
};

}  // namespace postdesk::dns
