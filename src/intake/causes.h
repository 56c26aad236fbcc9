// Suspension causes, with the ids and names the Zendesk Support API
// enumerates for suspended tickets. The set is open: later stages (spam,
// authentication, lists) add theirs here. Thread-safety: constants.
#pragma once

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
inline constexpr Cause kCauseFailedEmailAuthentication{26, "failed_email_authentication"};
inline constexpr Cause kCauseFromNoreply{27, "from_noreply"};

}  // namespace postdesk::intake
