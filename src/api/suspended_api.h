// api/suspended_api: the suspended tickets API in the Zendesk Support API's
// shapes, plus our extensions: why a message was held (`/explain`), its raw
// `.eml` until it is purged, and "delete as spam".
//
//   GET    /api/v2/suspended_tickets            sort_by, sort_order, cause, author_email,
//                                               cursor pages (page[size], page[after],
//                                               page[before]) or offset pages (page, per_page)
//   GET    /api/v2/suspended_tickets/{id}
//   GET    /api/v2/suspended_tickets/{id}/explain   cause, evidence, spam verdict, auth results
//   GET    /api/v2/suspended_tickets/{id}/raw       the message as received (message/rfc822)
//   DELETE /api/v2/suspended_tickets/{id}           204; ?spam=true learns it as spam first
//   DELETE /api/v2/suspended_tickets/destroy_many?ids=1,2   204; up to 100 ids; ids already
//                                               gone are skipped (deleting is idempotent)
//   PUT    /api/v2/suspended_tickets/{id}/recover          {"ticket": [ticket]}
//   PUT    /api/v2/suspended_tickets/recover_many?ids=1,2  {"tickets": [...]}; 422 with
//                                               "suspended_tickets" naming the failures
//
// Recovering runs the stored message through the pipeline again as if it had
// passed every check (threading and triggers as for new mail: a reply to an
// existing ticket becomes a comment on it), keeping the original requester
// unless `requester=me` (query or JSON body) makes the recovering agent the
// requester. In the same transaction the suspended row and its raw message
// are deleted, the spam filter learns the message as ham, and a
// `suspended_recovered` system event records who recovered it.
//
// Input trust: ids are parsed by a whitelist; cursors are opaque to clients
// but untrusted here (decoded strictly, bound to the sort and filter they were
// made for); the raw download is served as an attachment, never rendered.
// Thread-safety: handlers may run on any number of threads; they share the
// thread-safe Store, the immutable Pipeline and the thread-safe Filter.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "http/router.h"
#include "settings/desk_settings.h"
#include "store/store.h"

namespace postdesk::intake {
class Pipeline;
}
namespace postdesk::spam {
class Filter;
}

namespace postdesk::api {

struct SuspendedApiOptions {
  std::string base_url = "http://127.0.0.1:8080";
  const intake::Pipeline* pipeline = nullptr;  // recovering needs it (null: 503)
  spam::Filter* filter = nullptr;              // learning and `spam_now`; null: none
  int64_t retention_days = 14;                 // shown as the raw message's purge time
  // When set, its suspended_retention_days replaces retention_days.
  std::shared_ptr<const settings::LiveSettings> settings;
  std::function<void()> on_mail_queued;        // wakes the outbound queue
};

// The read routes (list and show); RegisterReadApi calls this.
void RegisterSuspendedReadApi(http::Router& router, store::Store& store, std::string base_url);

// Every other route (explain, raw, delete, destroy_many, recover, recover_many).
void RegisterSuspendedApi(http::Router& router, store::Store& store, SuspendedApiOptions options);

// The suspension cause with this Zendesk id or name ("spam", "0"), if known.
struct CauseInfo {
  int id;
  std::string_view name;
  std::string_view description;  // what it means, for people
};
std::optional<CauseInfo> FindCause(std::string_view id_or_name);

}  // namespace postdesk::api
