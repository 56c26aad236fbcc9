// common/utf8: counting characters of UTF-8 text (lengths users see, as
// opposed to bytes). Thread-safety: pure functions.
#pragma once

#include <cstddef>
#include <string_view>

namespace postdesk {

// How many code points `s` holds (continuation bytes are not counted).
inline size_t CodePoints(std::string_view s) {
  size_t n = 0;
  for (unsigned char c : s) n += (c & 0xC0) != 0x80;
  return n;
}

}  // namespace postdesk
