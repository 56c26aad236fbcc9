// Fuzz target: the sender-authentication parsers -- SPF and DMARC records,
// DKIM key records, DKIM-Signature / ARC-Message-Signature / ARC-Seal
// values and Authentication-Results fields. The first byte picks the parser.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "auth/auth_results.h"
#include "auth/dkim_internal.h"
#include "auth/dmarc.h"
#include "auth/spf.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  std::string_view in(reinterpret_cast<const char*>(data) + 1, size - 1);
  using namespace postdesk::auth;
  namespace dkim_internal = postdesk::auth::internal;
  switch (data[0] % 6) {
    case 0: (void)postdesk::spf::ParseSpfRecord(in); break;
    case 1: (void)postdesk::dmarc::ParseDmarcRecord(in); break;
    case 2: (void)dkim_internal::ParseKeyRecord(in); break;
    case 3:
    case 4: {
      dkim_internal::Signature sig;
      DkimResult result;
      (void)dkim_internal::ParseSignature(
          data[0] % 6 == 3 ? dkim_internal::SigKind::kDkim : dkim_internal::SigKind::kArcMessage, in,
          &sig, &result);
      break;
    }
    default: (void)ParseAuthenticationResults(in); break;
  }
  return 0;
}
