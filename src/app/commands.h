// The subcommands, each a function from configuration to an exit status.
#pragma once

#include <string>
#include <vector>

#include "common/config.h"
#include "spam/filter.h"
#include "auth/authenticate.h"
#include "intake/pipeline.h"
#include "store/store.h"
#include "tickets/updates.h"

namespace postdesk::app {

struct IngestArgs {
  std::vector<std::string> recipients;
  std::string sender;
};

// Exit statuses of `ingest` (sysexits.h), as an MTA's pipe transport reads them.
inline constexpr int kExitOk = 0;
inline constexpr int kExitDataErr = 65;   // unusable input: never retry
inline constexpr int kExitNoUser = 67;    // not a support address
inline constexpr int kExitTempFail = 75;  // try again later
inline constexpr int kExitNoPerm = 77;    // refused by policy (list, spam, DMARC)
inline constexpr int kExitConfig = 78;

int Serve(const Config& config);
int Ingest(const Config& config, const IngestArgs& args);

// The support addresses a configuration receives for (default first).
std::vector<std::string> SupportAddressesOf(const Config& config);

// The sender-authentication policy of a configuration; `store` tells agents apart.
auth::AuthPolicy AuthPolicyOf(const Config& config, store::Store& store);

// The spam filter's thresholds of a configuration (the verdicts serve gives).
spam::FilterOptions SpamOptionsOf(const Config& config);
// The intake pipeline serve and ingest run: receiving for `support_addresses`
// (default first), screening with the config's limits and trusted relays,
// the loop guard counting from `store`, scoring with `spam`, following the
// admin's settings when `desk.settings` is set. Fails on a
// malformed trusted_relays entry.
Result<intake::PipelineOptions> PipelineOptionsOf(const Config& config, store::Store& store,
                                                  std::vector<std::string> support_addresses,
                                                  const tickets::DeskInfo& desk,
                                                  spam::Filter* spam);

// The admin's settings in force: the config's values with what the Settings
// page saved over them. A saved value that no longer applies is logged and
// the config's value applies; a store failure is returned.
Result<std::shared_ptr<settings::LiveSettings>> LiveSettingsOf(const Config& config, store::Tx& tx);

// Who we are on outgoing mail; `base_url` defaults to the configured HTTP address.
tickets::DeskInfo DeskOf(const Config& config, std::string base_url = "");

}  // namespace postdesk::app
