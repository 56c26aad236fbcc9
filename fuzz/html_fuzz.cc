// Fuzz target: the HTML sanitizer (an HTML5 parser, then the allowlist
// rebuild, URL and style checks, and the hazard notes).
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "html/sanitize.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  (void)postdesk::html::Sanitize(std::string_view(reinterpret_cast<const char*>(data), size));
  return 0;
}
