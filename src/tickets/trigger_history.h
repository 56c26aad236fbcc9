// tickets/trigger_history: every change of a trigger, recorded in the same
// transaction as the change (who, when, the trigger before and after), so
// an admin can see why "Notify requester..." went quiet and who did it.
// Callers: the triggers API (create, update, update_many, delete, restore)
// and the doctor's fixes (author 0 when run from the command line).
// Thread-safety: pure functions over the caller's Tx.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "common/status.h"
#include "store/store.h"

namespace postdesk::tickets {

enum class TriggerChange { kCreate, kUpdate, kActivate, kDeactivate, kReorder, kDelete, kRestore };

// "create", "update", "activate", "deactivate", "reorder", "delete", "restore".
std::string_view TriggerChangeName(TriggerChange change);

// What an edit of `before` into `after` is: switching on or off wins over
// any edit, an edit of title, conditions or actions over a move (all the
// fields edited are in the two snapshots). nullopt: nothing changed.
std::optional<TriggerChange> ClassifyTriggerEdit(const store::TriggerRow& before,
                                                const store::TriggerRow& after);

// Records the change. `before`/`after` are the rows (nullopt: did not exist).
Status RecordTriggerChange(store::Tx& tx, int64_t author_id, TriggerChange change,
                           const std::optional<store::TriggerRow>& before,
                           const std::optional<store::TriggerRow>& after, int64_t now);

}  // namespace postdesk::tickets
