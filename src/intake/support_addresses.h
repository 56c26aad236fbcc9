// Which addresses are ours. A support address accepts plus-addressing
// (support+anything@domain); the tag "id<ENCODED-ID>" names a ticket.
// The set comes from the store's recipient_addresses (the default first) and
// is replaced whenever the API changes them, while SMTP sessions read it.
// Input is untrusted envelope/header text; nothing here touches storage.
// Thread-safety: every method may be called from any thread; Replace swaps
// the whole set at once, so a reader sees the old set or the new one.
#pragma once

#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace postdesk::intake {

class SupportAddresses {
 public:
  // `addresses` default first; normalised here.
  explicit SupportAddresses(std::vector<std::string> addresses);

  // Installs a new set (default first). An empty set is ignored: the desk
  // always keeps a default address. Returns false when ignored.
  bool Replace(std::vector<std::string> addresses);

  // True for a support address, with or without a +tag (case-insensitive).
  bool Contains(std::string_view address) const;
  // The support address without its +tag, normalised; nullopt if not ours.
  std::optional<std::string> Canonical(std::string_view address) const;
  // The encoded ticket id in a "support+id<ENCODED>@domain" recipient.
  static std::optional<std::string> TicketTag(std::string_view address);
  // "local+tag@domain" -> "local@domain", normalised (lower case).
  static std::string WithoutTag(std::string_view address);

  std::vector<std::string> all() const;
  std::string default_address() const;  // "" only when built with an empty set

 private:
  using Set = std::vector<std::string>;  // normalised, default first
  std::shared_ptr<const Set> Snapshot() const;

  mutable std::mutex mu_;  // guards the pointer only; a Set is immutable
  std::shared_ptr<const Set> addresses_;
};

}  // namespace postdesk::intake
