// Fuzz target: delivery reports -- RFC 3464 DSNs and the non-standard
// bounces of real mail servers (outbound/dsn).
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "mime/message.h"
#include "outbound/dsn.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const bool init = (postdesk::mime::InitMime(), true);
  (void)init;
  (void)postdesk::outbound::ParseBounce(std::string_view(reinterpret_cast<const char*>(data), size));
  return 0;
}
