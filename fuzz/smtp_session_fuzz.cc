// Fuzz target: the SMTP/LMTP session -- command parsing, the DATA reader
// (dot-unstuffing, line and size limits) and the reply state machine. The
// input is split into network reads by its own bytes, so read boundaries
// are fuzzed too; every delivery is answered, alternately 250 and 451.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "smtp/session.h"

namespace {

class Sink : public postdesk::smtp::Handler {
 public:
  postdesk::smtp::Reply CheckRecipient(const postdesk::smtp::Envelope&,
                                       std::string_view recipient) override {
    if (recipient.find("nobody") != std::string_view::npos) return {550, "5.1.1", "no such user"};
    return {};
  }
  void Deliver(postdesk::smtp::Envelope, std::string,
               std::function<void(std::vector<postdesk::smtp::Reply>)>) override {}
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  Sink sink;
  postdesk::smtp::SessionOptions options;
  options.lmtp = !in.empty() && (in[0] & 1);
  options.max_message_bytes = 64 * 1024;
  options.max_line_bytes = 600;
  postdesk::smtp::Session session(options, sink);
  session.Start();
  bool accept = true;
  size_t pos = 0;
  while (pos < in.size() && !session.closed()) {
    // A read ends after the next byte below 0x08 (or after 64 bytes).
    size_t end = pos;
    while (end < in.size() && end - pos < 64 && static_cast<unsigned char>(in[end]) >= 0x08) ++end;
    if (end < in.size()) ++end;
    session.Feed(in.substr(pos, end - pos));
    pos = end;
    (void)session.TakeOutput();
    while (auto delivery = session.TakeDelivery()) {
      std::vector<postdesk::smtp::Reply> replies(
          delivery->envelope.lmtp ? delivery->envelope.rcpt_to.size() : 1,
          accept ? postdesk::smtp::Reply{} : postdesk::smtp::Reply{451, "4.3.0", "try later"});
      accept = !accept;
      session.CompleteDelivery(std::move(replies));
      (void)session.TakeOutput();
    }
  }
  return 0;
}
