// Suspension causes, with the ids and names the Zendesk Support API
// enumerates for suspended tickets ("Cause of suspension reference"). Only
// the causes that apply to email are here; causes about accounts, sign-up
// and web forms (unverified 2, unknown_author 10, signup_required 12,
// disabled 15, server_lock 17, unserviceable_account 18, ...) never arise.
// Every suspension also records its evidence (what decided it) as JSON.
// Thread-safety: constants.
#pragma once

#include <optional>
#include <string_view>

namespace postdesk::intake {

struct Cause {
  int id;
  std::string_view name;
  friend bool operator==(const Cause&, const Cause&) = default;
};

inline constexpr Cause kCauseSpam{0, "spam"};
inline constexpr Cause kCauseNotOnAllowlist{1, "not_on_whitelist"};
inline constexpr Cause kCauseAutoMailer{3, "auto_mailer"};
inline constexpr Cause kCauseLoop{4, "loop"};
inline constexpr Cause kCauseUnknownUserUpdate{5, "unknown_user_update"};
inline constexpr Cause kCauseOtherUserUpdate{6, "other_user_update"};
inline constexpr Cause kCauseAutoDeliveryFailure{7, "auto_delivery_failure"};
inline constexpr Cause kCauseAutoVacation{8, "auto_vacation"};
inline constexpr Cause kCauseSystemUser{9, "system_user"};
inline constexpr Cause kCauseBlank{11, "blank"};
inline constexpr Cause kCauseBlocklisted{13, "blocklisted"};
inline constexpr Cause kCauseBackscatter{14, "backscatter"};
inline constexpr Cause kCauseToNoreply{16, "to_noreply"};
inline constexpr Cause kCauseUnprocessableEmail{19, "unprocessable_email"};
inline constexpr Cause kCauseFromSupportAddress{22, "from_support_address"};
inline constexpr Cause kCauseContentProcessorTimedOut{24, "content_processor_timed_out"};
inline constexpr Cause kCauseFailedEmailAuthentication{26, "failed_email_authentication"};
inline constexpr Cause kCauseFromNoreply{27, "from_noreply"};
inline constexpr Cause kCauseMaliciousPatternDetected{29, "malicious_pattern_detected"};
// Id 30 is the reference's "too many recipients" cause; only the start of
// its name (number_recipients_e...) could be confirmed, the ending is ours.
inline constexpr Cause kCauseTooManyRecipients{30, "number_recipients_exceeded"};

inline constexpr Cause kAllCauses[] = {
    kCauseSpam,
    kCauseNotOnAllowlist,
    kCauseAutoMailer,
    kCauseLoop,
    kCauseUnknownUserUpdate,
    kCauseOtherUserUpdate,
    kCauseAutoDeliveryFailure,
    kCauseAutoVacation,
    kCauseSystemUser,
    kCauseBlank,
    kCauseBlocklisted,
    kCauseBackscatter,
    kCauseToNoreply,
    kCauseUnprocessableEmail,
    kCauseFromSupportAddress,
    kCauseContentProcessorTimedOut,
    kCauseFailedEmailAuthentication,
    kCauseFromNoreply,
    kCauseMaliciousPatternDetected,
    kCauseTooManyRecipients,
};

// The cause with this name or id (for API filters), if it is one of ours.
constexpr std::optional<Cause> CauseByName(std::string_view name) {
  for (const auto& c : kAllCauses) {
    if (c.name == name) return c;
  }
  return std::nullopt;
}
constexpr std::optional<Cause> CauseById(int id) {
  for (const auto& c : kAllCauses) {
    if (c.id == id) return c;
  }
  return std::nullopt;
}

}  // namespace postdesk::intake
