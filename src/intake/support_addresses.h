// Which addresses are ours. A support address accepts plus-addressing
// (support+anything@domain); the tag "id<ENCODED-ID>" names a ticket.
// Input is untrusted envelope/header text; nothing here touches storage.
// Thread-safety: immutable after construction.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace postdesk::intake {

class SupportAddresses {
 public:
  explicit SupportAddresses(std::vector<std::string> addresses);

  // True for a support address, with or without a +tag (case-insensitive).
  bool Contains(std::string_view address) const;
  // The support address without its +tag, normalised; nullopt if not ours.
  std::optional<std::string> Canonical(std::string_view address) const;
  // The encoded ticket id in a "support+id<ENCODED>@domain" recipient.
  static std::optional<std::string> TicketTag(std::string_view address);

  const std::vector<std::string>& all() const { return addresses_; }
  const std::string& default_address() const { return addresses_.front(); }

 private:
  std::vector<std::string> addresses_;  // normalised
};

}  // namespace postdesk::intake
