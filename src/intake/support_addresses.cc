#include "intake/support_addresses.h"

#include <algorithm>

#include "common/ids.h"
#include "common/strings.h"

namespace postdesk::intake {
namespace {

// "local+tag@domain" -> "local@domain" (lower case).
std::string WithoutTag(std::string_view address) {
  std::string a = NormalizeEmail(address);
  size_t at = a.rfind('@');
  if (at == std::string::npos) return a;
  size_t plus = a.find('+');
  if (plus == std::string::npos || plus > at) return a;
  return a.substr(0, plus) + a.substr(at);
}

}  // namespace

SupportAddresses::SupportAddresses(std::vector<std::string> addresses) {
  for (auto& a : addresses) addresses_.push_back(NormalizeEmail(a));
}

bool SupportAddresses::Contains(std::string_view address) const {
  return Canonical(address).has_value();
}

std::optional<std::string> SupportAddresses::Canonical(std::string_view address) const {
  std::string bare = WithoutTag(address);
  if (std::find(addresses_.begin(), addresses_.end(), bare) == addresses_.end()) {
    return std::nullopt;
  }
  return bare;
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
