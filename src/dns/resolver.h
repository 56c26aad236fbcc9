// dns: the Resolver interface every DNS user (SPF, DKIM, DMARC, MX delivery,
// the doctor) goes through, so tests can serve any zone and make DNS fail.
//
// An Answer always says which of three things happened: records were found
// (kOk), the name or the type has no records (kNxDomain / kNoData -- "none"
// to SPF and DMARC), or the lookup itself failed (kTempError: timeout,
// SERVFAIL, refused -- "temperror"). Callers must never confuse the last with
// the first two. Thread-safety: implementations are safe to call from any
// coroutine on the io_context they were built for.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <boost/asio/awaitable.hpp>

namespace postdesk::dns {

// kSPF is the deprecated SPF RR type 99 (RFC 7208 section 3.1), asked only to
// warn that it is still published; its answers read like TXT.
enum class RrType { kA, kAAAA, kTXT, kMX, kPTR, kCNAME, kSPF };

enum class Rcode {
  kOk,         // at least one record of the asked type
  kNxDomain,   // the name does not exist
  kNoData,     // the name exists, no record of this type
  kTempError,  // timeout, SERVFAIL, REFUSED, network trouble: try again later
  kFormError,  // the question itself is invalid (e.g. a label over 63 bytes)
};

struct MxRecord {
  uint16_t preference = 0;
  std::string exchange;  // without the trailing dot
};

struct Answer {
  Rcode rcode = Rcode::kOk;
  // A/AAAA: addresses in text form ("192.0.2.1", "2001:db8::1");
  // TXT: each record's character-strings concatenated, one entry per record;
  // PTR/CNAME: names without the trailing dot. Empty for MX (see `mx`).
  std::vector<std::string> records;
  std::vector<MxRecord> mx;
  uint32_t ttl = 0;    // seconds, the smallest TTL of the answer (or the SOA minimum)
  std::string error;   // what went wrong, for kTempError / kFormError

  bool ok() const { return rcode == Rcode::kOk; }
  bool none() const { return rcode == Rcode::kNxDomain || rcode == Rcode::kNoData; }
  bool temperror() const { return rcode == Rcode::kTempError; }
};

const char* RrTypeName(RrType type);

class Resolver {
 public:
  virtual ~Resolver() = default;
  // `name` without a trailing dot; case-insensitive.
  virtual boost::asio::awaitable<Answer> Query(std::string name, RrType type) = 0;
};

}  // namespace postdesk::dns
