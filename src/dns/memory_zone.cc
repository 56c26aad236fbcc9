#include "dns/memory_zone.h"

#include <algorithm>

#include "dns/names.h"

namespace postdesk::dns {

namespace {
constexpr int kMaxCnameHops = 8;
}  // namespace

MemoryZone::Node& MemoryZone::NodeFor(std::string_view name) { return nodes_[NormalizeName(name)]; }

void MemoryZone::Add(std::string_view name, RrType type, std::string value, uint32_t ttl) {
  std::lock_guard<std::mutex> lock(mu_);
  if (type == RrType::kPTR || type == RrType::kCNAME) value = NormalizeName(value);
  NodeFor(name).records.push_back(Record{type, std::move(value), 0, ttl});
}

void MemoryZone::AddTxt(std::string_view name, const std::vector<std::string>& strings,
                        uint32_t ttl) {
  std::string joined;
  for (const auto& s : strings) joined += s;
  Add(name, RrType::kTXT, std::move(joined), ttl);
}

void MemoryZone::AddMx(std::string_view name, uint16_t preference, std::string exchange,
                       uint32_t ttl) {
  std::lock_guard<std::mutex> lock(mu_);
  NodeFor(name).records.push_back(Record{RrType::kMX, NormalizeName(exchange), preference, ttl});
}

void MemoryZone::AddName(std::string_view name) {
  std::lock_guard<std::mutex> lock(mu_);
  NodeFor(name);
}

void MemoryZone::SetTimeout(std::string_view name) {
  std::lock_guard<std::mutex> lock(mu_);
  NodeFor(name).timeout_all = true;
}

void MemoryZone::SetTimeout(std::string_view name, RrType type) {
  std::lock_guard<std::mutex> lock(mu_);
  NodeFor(name).timeout_types.insert(type);
}

void MemoryZone::set_negative_ttl(uint32_t ttl) {
  std::lock_guard<std::mutex> lock(mu_);
  negative_ttl_ = ttl;
}

bool MemoryZone::ExistsLocked(const std::string& name) const {
  auto it = nodes_.lower_bound(name);
  if (it != nodes_.end() && it->first == name) return true;
  // An empty non-terminal exists when some stored name ends in "." + name.
  const std::string suffix = "." + name;
  for (const auto& [owner, node] : nodes_) {
    if (owner.size() > suffix.size() &&
        owner.compare(owner.size() - suffix.size(), suffix.size(), suffix) == 0) {
      return true;
    }
  }
  return false;
}

Answer MemoryZone::LookupLocked(const std::string& qname, RrType type) const {
  Answer answer;
  if (!IsValidQueryName(qname)) {
    answer.rcode = Rcode::kFormError;
    answer.error = "invalid query name";
    return answer;
  }
  std::string name = qname;
  uint32_t ttl = UINT32_MAX;
  for (int hop = 0; hop <= kMaxCnameHops; ++hop) {
    auto it = nodes_.find(name);
    if (it != nodes_.end()) {
      const Node& node = it->second;
      if (node.timeout_all || node.timeout_types.count(type) > 0) {
        answer.rcode = Rcode::kTempError;
        answer.error = "timeout (simulated) for " + name;
        return answer;
      }
      for (const Record& r : node.records) {
        if (r.type != type) continue;
        ttl = std::min(ttl, r.ttl);
        if (type == RrType::kMX) {
          answer.mx.push_back(MxRecord{r.preference, r.value});
        } else {
          answer.records.push_back(r.value);
        }
      }
      if (!answer.records.empty() || !answer.mx.empty()) {
        answer.rcode = Rcode::kOk;
        answer.ttl = ttl;
        return answer;
      }
      if (type != RrType::kCNAME) {
        const Record* cname = nullptr;
        for (const Record& r : node.records) {
          if (r.type == RrType::kCNAME) cname = &r;
        }
        if (cname != nullptr) {
          ttl = std::min(ttl, cname->ttl);
          name = cname->value;
          continue;
        }
      }
    }
    answer.rcode = ExistsLocked(name) ? Rcode::kNoData : Rcode::kNxDomain;
    answer.ttl = negative_ttl_;
    return answer;
  }
  answer.rcode = Rcode::kTempError;
  answer.error = "CNAME chain too long or looping at " + qname;
  return answer;
}

Answer MemoryZone::Lookup(std::string_view name, RrType type) {
  std::lock_guard<std::mutex> lock(mu_);
  std::string normalized = NormalizeName(name);
  queries_.push_back(normalized + "/" + RrTypeName(type));
  return LookupLocked(normalized, type);
}

boost::asio::awaitable<Answer> MemoryZone::Query(std::string name, RrType type) {
  co_return Lookup(name, type);
}

std::vector<std::string> MemoryZone::queries() const {
  std::lock_guard<std::mutex> lock(mu_);
  return queries_;
}

size_t MemoryZone::query_count() const {
  std::lock_guard<std::mutex> lock(mu_);
  return queries_.size();
}

void MemoryZone::ClearQueries() {
  std::lock_guard<std::mutex> lock(mu_);
  queries_.clear();
}

}  // namespace postdesk::dns
