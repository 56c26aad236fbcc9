#include "intake/support_addresses.h"

#include <algorithm>

#include "common/ids.h"
#include "common/strings.h"

namespace postdesk::intake {
namespace {

std::vector<std::string> Normalized(std::vector<std::string> addresses) {
  std::vector<std::string> out;
  for (auto& a : addresses) {
    std::string n = NormalizeEmail(a);
    if (!n.empty() && std::find(out.begin(), out.end(), n) == out.end()) out.push_back(std::move(n));
  }
  return out;
}

}  // namespace

std::string SupportAddresses::WithoutTag(std::string_view address) {
  std::string a = NormalizeEmail(address);
  size_t at = a.rfind('@');
  if (at == std::string::npos) return a;
  size_t plus = a.find('+');
  if (plus == std::string::npos || plus > at) return a;
  return a.substr(0, plus) + a.substr(at);
}

SupportAddresses::SupportAddresses(std::vector<std::string> addresses)
    : addresses_(std::make_shared<const Set>(Normalized(std::move(addresses)))) {}

bool SupportAddresses::Replace(std::vector<std::string> addresses) {
  auto next = std::make_shared<const Set>(Normalized(std::move(addresses)));
  if (next->empty()) return false;
  std::lock_guard lock(mu_);
  addresses_ = std::move(next);
  return true;
}

std::shared_ptr<const SupportAddresses::Set> SupportAddresses::Snapshot() const {
  std::lock_guard lock(mu_);
  return addresses_;
}

bool SupportAddresses::Contains(std::string_view address) const {
  return Canonical(address).has_value();
}

std::optional<std::string> SupportAddresses::Canonical(std::string_view address) const {
  std::string bare = WithoutTag(address);
  auto set = Snapshot();
  if (std::find(set->begin(), set->end(), bare) == set->end()) return std::nullopt;
  return bare;
}

std::vector<std::string> SupportAddresses::all() const { return *Snapshot(); }

std::string SupportAddresses::default_address() const {
  auto set = Snapshot();
  return set->empty() ? std::string() : set->front();
}

std::optional<std::string> SupportAddresses::TicketTag(std::string_view address) {
  std::string_view local = EmailLocalPart(address);
  size_t plus = local.find('+');
  if (plus == std::string_view::npos) return std::nullopt;
  std::string_view tag = local.substr(plus + 1);
  if (!IStartsWith(tag, "id")) return std::nullopt;
  tag.remove_prefix(2);
  if (!LooksLikeEncodedId(tag)) return std::nullopt;
  return NormalizeEncodedId(tag);
}

}  // namespace postdesk::intake
