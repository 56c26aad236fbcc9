#include "dns/resolver.h"

namespace postdesk::dns {

const char* RrTypeName(RrType type) {
  switch (type) {
    case RrType::kA:
      return "A";
    case RrType::kAAAA:
      return "AAAA";
    case RrType::kTXT:
      return "TXT";
    case RrType::kMX:
      return "MX";
    case RrType::kPTR:
      return "PTR";
    case RrType::kCNAME:
      return "CNAME";
    case RrType::kSPF:
      return "SPF";
  }
  return "?";
}

}  // namespace postdesk::dns
