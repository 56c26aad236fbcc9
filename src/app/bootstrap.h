// First start of a data directory: creates the admin agent and writes its API
// token to DIR/admin-token (mode 0600); later starts find both and do nothing.
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

}  // namespace postdesk::app
