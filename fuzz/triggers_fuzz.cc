// Fuzz target: trigger JSON (conditions, actions, their validation) and the
// placeholders of notification templates rendered over a ticket update.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "rules/placeholders.h"
#include "rules/trigger.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  (void)postdesk::rules::ParseTriggerText(in);
  if (size < 8192) {
    postdesk::rules::TicketUpdate update;
    update.ticket_id = 42;
    update.encoded_id = "K7Q2-9XWD";
    update.account_name = "Support";
    update.after.subject = "Printer {{ticket.id}} on fire";
    for (auto mode : {postdesk::rules::RenderMode::kText, postdesk::rules::RenderMode::kHtml}) {
      (void)postdesk::rules::RenderTemplate(in, update, mode);
    }
  }
  return 0;
}
