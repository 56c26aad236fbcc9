// doctor/fixes: the repairs `postdesk doctor ... --fix` may make because they
// are ours to make (issue 6 item 5): re-activate a deactivated default
// notification trigger, restore a deleted or changed one as shipped, re-send
// a support address's forwarding verification email, clear a user's
// undeliverable flag. The ticket and sender doctors propose them (a FixAction
// beside the finding it answers); the command asks before applying each.
//
// Every applied fix is recorded as a system event (kind "doctor_fix", subject
// the doctor's subject, e.g. "ticket:7" or the sender's address) saying what
// was changed and from what. No ticket audit is written: none of these fixes
// changes a ticket (a trigger or a user is desk-wide), and an audit is a
// ticket update that would run the triggers.
//
// Trust: a FixAction is built by the doctors from stored rows; ApplyFix
// re-reads the row and re-checks that the fix is still needed, so a stale
// action (applied twice, or by two operators at once) changes nothing.
// Thread-safety: pure functions over the caller's Tx.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "channel/forwarding.h"
#include "common/status.h"
#include "rules/trigger.h"
#include "store/store.h"

namespace postdesk::doctor {

enum class FixKind {
  kActivateTrigger,               // id: trigger id
  kRestoreTrigger,                // key: default trigger key (deleted or changed)
  kResendForwardingVerification,  // id: recipient address id
  kClearUndeliverable,            // id: user id
};

// "activate_trigger", "restore_trigger", "resend_forwarding_verification",
// "clear_undeliverable".
std::string_view FixKindName(FixKind kind);

struct FixAction {
  FixKind kind = FixKind::kActivateTrigger;
  std::string step;     // the finding it answers, e.g. "2.trigger"
  std::string summary;  // one line for the prompt, e.g. "re-activate trigger 12 \"...\""
  int64_t id = 0;       // trigger, recipient address or user id (see FixKind)
  std::string key;      // default trigger key (kRestoreTrigger)
};

bool SameFix(const FixAction& a, const FixAction& b);

// Whether a stored default trigger still has its shipped title, conditions
// and actions (`active` aside: that is a state, not a change).
bool SameAsShipped(const rules::Trigger& stored, const rules::Trigger& shipped);
// Appends `fix` unless the same fix is already there.
void AddFix(std::vector<FixAction>& fixes, FixAction fix);

nlohmann::json FixJson(const FixAction& fix);
// The fix FixJson printed (its "fix" kind, "id", "key", "step", "summary"),
// read back for the API. Invalid when the kind is unknown or its target
// missing. ApplyFix re-checks everything against the store.
Result<FixAction> FixFromJson(const nlohmann::json& j);

// What a fix needs to know about the desk: how to send a forwarding
// verification email (the desk's name, default address, domain, hostname).
struct FixContext {
  channel::ForwardingOptions forwarding;
  int64_t actor_id = 0;  // who applies it (0: the command line); in the trigger's history
};

// Applies `fix` in `tx` and records it as a doctor_fix system event about
// `subject`. Returns what was done, for the operator ("re-activated ...").
// NotFound when the row is gone; a fix no longer needed returns what was
// seen ("already active") and records nothing.
Result<std::string> ApplyFix(store::Tx& tx, const FixAction& fix, const FixContext& context,
                             std::string_view subject, int64_t now);

}  // namespace postdesk::doctor
