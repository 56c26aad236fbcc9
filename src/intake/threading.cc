#include "intake/threading.h"

#include <array>

#include "common/ids.h"
#include "common/strings.h"
#include "intake/support_addresses.h"

namespace postdesk::intake {

std::vector<std::string> FindEncodedIds(std::string_view text) {
  std::vector<std::string> ids;
  for (size_t pos = text.find('['); pos != std::string_view::npos;
       pos = text.find('[', pos + 1)) {
    if (pos + 10 < text.size() && text[pos + 10] == ']') {
      std::string_view candidate = text.substr(pos + 1, 9);
      if (LooksLikeEncodedId(candidate)) ids.push_back(NormalizeEncodedId(candidate));
    }
  }
  return ids;
}

std::string StripReplyPrefixes(std::string_view subject) {
  // Reply and forward markers of common mail clients, in several languages.
  static constexpr std::array<std::string_view, 16> kPrefixes = {
      "re:", "fw:", "fwd:", "aw:", "wg:", "sv:", "vs:", "vl:", "tr:", "rv:", "antw:", "odp:",
      "回复:", "转发:", "答复:", "返信:"};
  std::string_view s = Trim(subject);
  bool stripped = true;
  while (stripped) {
    stripped = false;
    for (std::string_view p : kPrefixes) {
      if (IStartsWith(s, p)) {
        s = Trim(s.substr(p.size()));
        stripped = true;
      }
    }
    // Full-width colon variants ("Re：", "回复：").
    for (std::string_view p : {std::string_view("re\xEF\xBC\x9A"), std::string_view("回复："),
                               std::string_view("答复："), std::string_view("转发：")}) {
      if (IStartsWith(s, p)) {
        s = Trim(s.substr(p.size()));
        stripped = true;
      }
    }
    // Bracketed counters such as "Re[2]:".
    if (IStartsWith(s, "re[")) {
      size_t close = s.find("]:");
      if (close != std::string_view::npos && close < 8) {
        s = Trim(s.substr(close + 2));
        stripped = true;
      }
    }
  }
  return std::string(s);
}

namespace {

// Looks up `message_id` in the ticket index; NotFound is "no match".
Result<std::optional<store::Ticket>> TicketByMessageId(store::Tx& tx, const std::string& id) {
  auto t = tx.FindTicketByMessageId(id);
  if (t.ok()) return std::optional<store::Ticket>(std::move(t).value());
  if (t.status().kind() == ErrorKind::kNotFound) return std::optional<store::Ticket>();
  return t.status();
}

Result<std::optional<store::Ticket>> TicketByEncodedId(store::Tx& tx, const std::string& id) {
  auto t = tx.FindTicketByEncodedId(id);
  if (t.ok()) return std::optional<store::Ticket>(std::move(t).value());
  if (t.status().kind() == ErrorKind::kNotFound) return std::optional<store::Ticket>();
  return t.status();
}

}  // namespace

std::string SubjectKey(std::string_view subject) { return ToLower(StripReplyPrefixes(subject)); }

Result<std::optional<ThreadMatch>> FindThreadBySubject(store::Tx& tx, int64_t requester_id,
                                                       std::string_view subject, int64_t now,
                                                       int64_t window) {
  using Match = std::optional<ThreadMatch>;
  std::string key = SubjectKey(subject);
  if (key.empty() || StripReplyPrefixes(subject) == Trim(subject)) return Match();
  auto t = tx.FindRecentTicketBySubject(requester_id, key, now - window);
  if (t.ok()) return Match(ThreadMatch{std::move(t).value(), "subject", std::string(subject)});
  if (t.status().kind() == ErrorKind::kNotFound) return Match();
  return t.status();
}

Result<std::optional<ThreadMatch>> FindThread(store::Tx& tx, const mime::Message& message,
                                              const std::vector<std::string>& recipients) {
  using Match = std::optional<ThreadMatch>;
  for (const auto& rcpt : recipients) {
    if (auto tag = SupportAddresses::TicketTag(rcpt)) {
      auto t = TicketByEncodedId(tx, *tag);
      if (!t.ok()) return t.status();
      if (*t) return Match(ThreadMatch{std::move(**t), "plus_address", rcpt});
    }
  }
  for (const auto& id : message.in_reply_to) {
    auto t = TicketByMessageId(tx, id);
    if (!t.ok()) return t.status();
    if (*t) return Match(ThreadMatch{std::move(**t), "in_reply_to", id});
  }
  // Newest reference first: it is the closest ancestor.
  for (auto it = message.references.rbegin(); it != message.references.rend(); ++it) {
    auto t = TicketByMessageId(tx, *it);
    if (!t.ok()) return t.status();
    if (*t) return Match(ThreadMatch{std::move(**t), "references", *it});
  }
  for (const auto& text : {message.subject, message.text_body}) {
    for (const auto& id : FindEncodedIds(text)) {
      auto t = TicketByEncodedId(tx, id);
      if (!t.ok()) return t.status();
      if (*t) return Match(ThreadMatch{std::move(**t), "encoded_id", id});
    }
  }
  return Match();
}

}  // namespace postdesk::intake
