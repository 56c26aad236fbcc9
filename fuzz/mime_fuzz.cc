// Fuzz target: MIME parsing of a whole message (structure, transfer
// encodings, charsets, the text and HTML bodies) and the header decoders
// (RFC 2047 words, address lists, Message-IDs, RFC 2231 parameters).
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "mime/charset.h"
#include "mime/header_decode.h"
#include "mime/message.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const bool init = (postdesk::mime::InitMime(), true);
  (void)init;
  std::string_view in(reinterpret_cast<const char*>(data), size);
  postdesk::mime::Message m = postdesk::mime::Parse(in);
  (void)m;
  if (size < 4096) {
    (void)postdesk::mime::internal::DecodeHeaderText(in, "iso-2022-jp");
    (void)postdesk::mime::internal::ParseAddressList(in, "shift_jis");
    (void)postdesk::mime::internal::ParseMessageIds(in);
    (void)postdesk::mime::internal::ParseParamHeader(in, "utf-8");
    (void)postdesk::mime::internal::Decode(in, in.size() > 12 ? in.substr(0, 12) : "euc-jp");
    (void)postdesk::mime::internal::DetectCharset(in);
  }
  return 0;
}
