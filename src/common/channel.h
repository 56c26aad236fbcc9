// common/channel: the way a ticket, comment or update came in -- Zendesk's
// "via" channel -- as a value. Strings exist only at the edges (JSON, SQL,
// the trigger condition language).
// Thread-safety: plain values and pure functions.
#pragma once

#include <optional>
#include <string_view>

namespace postdesk {

// The values are Zendesk's via ids: web_form = 0, email = 4, web_service
// (the API) = 5. kSystem is the desk itself (the audits of delivery reports);
// no ticket is created through it and it has no Zendesk id.
enum class Channel { kSystem = -1, kWeb = 0, kEmail = 4, kApi = 5 };

// "email" (also "mail"), "web" (also "web_form"), "api" (also
// "web_service"), "system"; anything else is nullopt.
inline std::optional<Channel> ParseChannel(std::string_view name) {
  if (name == "email" || name == "mail") return Channel::kEmail;
  if (name == "web" || name == "web_form") return Channel::kWeb;
  if (name == "api" || name == "web_service") return Channel::kApi;
  if (name == "system") return Channel::kSystem;
  return std::nullopt;
}

// The store's and the API's spelling: "email" | "web" | "api" | "system".
inline std::string_view ChannelName(Channel channel) {
  switch (channel) {
    case Channel::kWeb:
      return "web";
    case Channel::kApi:
      return "api";
    case Channel::kSystem:
      return "system";
    case Channel::kEmail:
      break;
  }
  return "email";
}

}  // namespace postdesk
