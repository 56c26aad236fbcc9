#include "dns/wire.h"

#include <arpa/inet.h>

#include <algorithm>
#include <vector>

#include "dns/names.h"

namespace postdesk::dns {

namespace {

constexpr uint16_t kTypeA = 1;
constexpr uint16_t kTypeCname = 5;
constexpr uint16_t kTypeSoa = 6;
constexpr uint16_t kTypePtr = 12;
constexpr uint16_t kTypeMx = 15;
constexpr uint16_t kTypeTxt = 16;
constexpr uint16_t kTypeSpf = 99;  // deprecated, RFC 7208 section 3.1
constexpr uint16_t kTypeAaaa = 28;
constexpr uint16_t kClassIn = 1;
constexpr int kMaxChain = 16;

struct Rr {
  std::string owner;
  uint16_t type = 0;
  uint16_t klass = 0;
  uint32_t ttl = 0;
  size_t rdata = 0;  // offset of the rdata in the message
  uint16_t rdlength = 0;
};

class Reader {
 public:
  explicit Reader(std::span<const uint8_t> msg) : msg_(msg) {}

  bool U16(size_t& pos, uint16_t& out) const {
    if (pos + 2 > msg_.size()) return false;
    out = static_cast<uint16_t>(msg_[pos] << 8 | msg_[pos + 1]);
    pos += 2;
    return true;
  }
  bool U32(size_t& pos, uint32_t& out) const {
    uint16_t hi, lo;
    if (!U16(pos, hi) || !U16(pos, lo)) return false;
    out = static_cast<uint32_t>(hi) << 16 | lo;
    return true;
  }

  // Reads a possibly compressed name at `pos`; advances `pos` past the name
  // as it appears in place. Labels are joined with '.', lower-cased.
  bool Name(size_t& pos, std::string& out) const {
    out.clear();
    size_t p = pos;
    bool jumped = false;
    int jumps = 0;
    while (true) {
      if (p >= msg_.size()) return false;
      uint8_t len = msg_[p];
      if ((len & 0xC0) == 0xC0) {
        if (p + 1 >= msg_.size() || ++jumps > 64) return false;
        size_t target = static_cast<size_t>(len & 0x3F) << 8 | msg_[p + 1];
        if (!jumped) pos = p + 2;
        jumped = true;
        p = target;
        continue;
      }
      if ((len & 0xC0) != 0) return false;
      if (len == 0) {
        if (!jumped) pos = p + 1;
        break;
      }
      if (p + 1 + len > msg_.size()) return false;
      if (!out.empty()) out += '.';
      out.append(reinterpret_cast<const char*>(&msg_[p + 1]), len);
      if (out.size() > 255) return false;
      p += 1 + len;
    }
    out = NormalizeName(out);
    return true;
  }

  bool ReadRr(size_t& pos, Rr& rr) const {
    if (!Name(pos, rr.owner)) return false;
    if (!U16(pos, rr.type) || !U16(pos, rr.klass) || !U32(pos, rr.ttl) || !U16(pos, rr.rdlength)) {
      return false;
    }
    if (pos + rr.rdlength > msg_.size()) return false;
    rr.rdata = pos;
    pos += rr.rdlength;
    if (rr.ttl > 0x7FFFFFFF) rr.ttl = 0;  // RFC 2181 section 8
    return true;
  }

  std::span<const uint8_t> Bytes(size_t pos, size_t n) const { return msg_.subspan(pos, n); }

 private:
  std::span<const uint8_t> msg_;
};

Answer Broken(const char* why) {
  Answer a;
  a.rcode = Rcode::kTempError;
  a.error = std::string("malformed DNS response: ") + why;
  return a;
}

// Decodes one record's rdata into `answer`; false when it is malformed.
bool Decode(const Reader& reader, const Rr& rr, Answer& answer) {
  auto data = reader.Bytes(rr.rdata, rr.rdlength);
  switch (rr.type) {
    case kTypeA:
    case kTypeAaaa: {
      const size_t n = rr.type == kTypeA ? 4 : 16;
      if (data.size() != n) return false;
      char buf[INET6_ADDRSTRLEN];
      if (inet_ntop(rr.type == kTypeA ? AF_INET : AF_INET6, data.data(), buf, sizeof buf) ==
          nullptr) {
        return false;
      }
      answer.records.emplace_back(buf);
      return true;
    }
    case kTypeTxt:
    case kTypeSpf: {
      std::string text;
      size_t i = 0;
      while (i < data.size()) {
        size_t len = data[i];
        if (i + 1 + len > data.size()) return false;
        text.append(reinterpret_cast<const char*>(&data[i + 1]), len);
        i += 1 + len;
      }
      answer.records.push_back(std::move(text));
      return true;
    }
    case kTypeMx: {
      size_t pos = rr.rdata;
      MxRecord mx;
      if (!reader.U16(pos, mx.preference) || !reader.Name(pos, mx.exchange)) return false;
      answer.mx.push_back(std::move(mx));
      return true;
    }
    case kTypePtr:
    case kTypeCname: {
      size_t pos = rr.rdata;
      std::string name;
      if (!reader.Name(pos, name)) return false;
      answer.records.push_back(std::move(name));
      return true;
    }
    default:
      return true;
  }
}

}  // namespace

uint16_t RrTypeCode(RrType type) {
  switch (type) {
    case RrType::kA:
      return kTypeA;
    case RrType::kAAAA:
      return kTypeAaaa;
    case RrType::kTXT:
      return kTypeTxt;
    case RrType::kMX:
      return kTypeMx;
    case RrType::kPTR:
      return kTypePtr;
    case RrType::kCNAME:
      return kTypeCname;
    case RrType::kSPF:
      return kTypeSpf;
  }
  return 0;
}

Answer ParseResponse(std::span<const uint8_t> message, std::string_view qname, RrType type,
                     uint32_t negative_ttl) {
  Reader reader(message);
  size_t pos = 0;
  uint16_t id, flags, qdcount, ancount, nscount, arcount;
  if (!reader.U16(pos, id) || !reader.U16(pos, flags) || !reader.U16(pos, qdcount) ||
      !reader.U16(pos, ancount) || !reader.U16(pos, nscount) || !reader.U16(pos, arcount)) {
    return Broken("short header");
  }
  if ((flags & 0x8000) == 0) return Broken("not a response");
  const int rcode = flags & 0x000F;
  for (int i = 0; i < qdcount; ++i) {
    std::string name;
    uint16_t t, c;
    if (!reader.Name(pos, name) || !reader.U16(pos, t) || !reader.U16(pos, c)) {
      return Broken("bad question");
    }
  }
  std::vector<Rr> answers, authority;
  for (int i = 0; i < ancount; ++i) {
    Rr rr;
    if (!reader.ReadRr(pos, rr)) return Broken("bad answer record");
    answers.push_back(std::move(rr));
  }
  for (int i = 0; i < nscount; ++i) {
    Rr rr;
    if (!reader.ReadRr(pos, rr)) break;  // authority is only used for the TTL
    authority.push_back(std::move(rr));
  }

  Answer answer;
  switch (rcode) {
    case 0:
    case 3:
      break;
    case 2:
      answer.rcode = Rcode::kTempError;
      answer.error = "SERVFAIL";
      return answer;
    case 5:
      answer.rcode = Rcode::kTempError;
      answer.error = "REFUSED";
      return answer;
    default:
      answer.rcode = Rcode::kTempError;
      answer.error = "DNS rcode " + std::to_string(rcode);
      return answer;
  }

  const uint16_t want = RrTypeCode(type);
  std::string name = NormalizeName(qname);
  uint32_t ttl = UINT32_MAX;
  for (int hop = 0; hop < kMaxChain; ++hop) {
    bool found = false;
    for (const Rr& rr : answers) {
      if (rr.klass != kClassIn || rr.type != want || rr.owner != name) continue;
      if (!Decode(reader, rr, answer)) return Broken("bad rdata");
      ttl = std::min(ttl, rr.ttl);
      found = true;
    }
    if (found || type == RrType::kCNAME) break;
    const Rr* cname = nullptr;
    for (const Rr& rr : answers) {
      if (rr.klass == kClassIn && rr.type == kTypeCname && rr.owner == name) cname = &rr;
    }
    if (cname == nullptr) break;
    size_t p = cname->rdata;
    std::string target;
    if (!reader.Name(p, target)) return Broken("bad CNAME");
    ttl = std::min(ttl, cname->ttl);
    name = std::move(target);
  }

  if (!answer.records.empty() || !answer.mx.empty()) {
    answer.rcode = Rcode::kOk;
    answer.ttl = ttl;
    return answer;
  }
  answer.rcode = rcode == 3 ? Rcode::kNxDomain : Rcode::kNoData;
  answer.ttl = negative_ttl;
  for (const Rr& rr : authority) {
    if (rr.type != kTypeSoa) continue;
    size_t p = rr.rdata;
    std::string mname, rname;
    uint32_t serial, refresh, retry, expire, minimum;
    if (reader.Name(p, mname) && reader.Name(p, rname) && reader.U32(p, serial) &&
        reader.U32(p, refresh) && reader.U32(p, retry) && reader.U32(p, expire) &&
        reader.U32(p, minimum)) {
      answer.ttl = std::min(rr.ttl, minimum);
    }
    break;
  }
  return answer;
}

}  // namespace postdesk::dns
