// Fuzz target: allowlist / blocklist entries and their evaluation for a
// sender. Input: "ALLOWLIST\0BLOCKLIST\0SENDER".
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "intake/email_lists.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  size_t a = in.find('\0');
  std::string_view allow = in.substr(0, a);
  std::string_view rest = a == std::string_view::npos ? std::string_view() : in.substr(a + 1);
  size_t b = rest.find('\0');
  std::string_view block = rest.substr(0, b);
  std::string_view sender = b == std::string_view::npos ? "ann@customer.example" : rest.substr(b + 1);
  auto lists = postdesk::intake::EmailLists::Parse(allow, block);
  if (lists.ok()) {
    (void)lists->Check(sender);
    auto again = postdesk::intake::EmailLists::FromJson(lists->ToJson());
    (void)again;
  }
  return 0;
}
