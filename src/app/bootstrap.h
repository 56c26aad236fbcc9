// First start of a data directory: creates the admin agent and writes its API
// token to DIR/admin-token and its sign-in password to DIR/admin-password
// (both mode 0600); later starts find them and do nothing.
// Every start makes sure the configured support addresses (support@<domain>)
// exist as recipient_addresses rows (the first one the default when there is
// none), leaving rows the API made alone.
// Thread-safety: call once, before serving.
#pragma once

#include <string>
#include <vector>

#include "common/config.h"
#include "common/status.h"
#include "store/store.h"

namespace postdesk::app {

// Creates DIR if needed. Returns the admin's user id.
Result<int64_t> Bootstrap(const Config& config, store::Store& store);

// Every support address in the store, the default first (what intake
// receives for).
Result<std::vector<std::string>> StoredSupportAddresses(store::Store& store);

// Opens the store the config names (SQLite only, for now).
Result<std::unique_ptr<store::Store>> OpenStore(const Config& config);
// The store `serve` uses; NotFound (never created) where there is none.
Result<std::unique_ptr<store::Store>> OpenExistingStore(const Config& config);

// Gives the first admin a sign-in password when they have none (a new desk,
// or one made before the workspace existed): a random one, written to
// DIR/admin-password (mode 0600). Returns the admin's email, and whether a
// password was made now.
Result<std::pair<std::string, bool>> EnsureAdminPassword(const Config& config,
                                                         store::Store& store, int64_t admin_id);

}  // namespace postdesk::app
