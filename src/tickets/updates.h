// tickets/updates: the one way a ticket changes, whoever changes it (an
// email through intake, an agent through the API). The caller writes its own
// change (new ticket, comment, fields) in a transaction and hands it here;
// Commit then, in the same transaction:
//   1. runs the active triggers over the update (rules module),
//   2. applies their ticket changes,
//   3. builds each notification email (outbound/compose) and queues it, one
//      recipient row per address, each with its own VERP envelope token,
//   4. writes the update's single audit: the caller's events, the triggers'
//      Change events and one Notification event per email (rel: trigger).
// So an update and the mail it causes commit together or not at all.
// Trust: the Update is built by our own code; user-supplied text reaches
// mail headers only through outbound/compose, which cleans it.
// Thread-safety: pure functions over the caller's Tx.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/clock.h"
#include "common/status.h"
#include "rules/defaults.h"
#include "rules/ticket_update.h"
#include "rules/trigger.h"
#include "settings/desk_settings.h"
#include "store/store.h"

namespace postdesk::spam {
class Filter;
}

namespace postdesk::tickets {

struct DeskInfo {
  std::string name = "Support";  // display name on our mail
  std::string support_address;   // default support address
  std::string hostname;          // our Message-IDs and loop header
  std::string bounce_domain;     // VERP envelope senders
  std::string base_url;          // e.g. http://127.0.0.1:8080, for ticket links
  int64_t delivery_lifetime_seconds = 5 * 24 * 3600;
  // When set, an agent's public comment on a ticket that came by email
  // teaches it the ticket's first email as ham (once: the learn cache).
  spam::Filter* spam_filter = nullptr;
  // The admin's settings in force; when set, its desk_name replaces `name`.
  std::shared_ptr<const settings::LiveSettings> settings;

  std::string DisplayName() const { return settings ? settings->Get()->desk_name : name; }
};

struct Update {
  bool created = false;
  store::Ticket before;  // as it was (ignored when created)
  store::Ticket ticket;  // as the caller wrote it (id set)
  std::optional<store::Comment> comment;  // the comment this update added (id set)
  store::User actor;
  Channel via = Channel::kEmail;
  nlohmann::json events = nlohmann::json::array();  // the caller's own events
  nlohmann::json metadata = nlohmann::json::object();
  // Addresses that already have this update's text: the author and the
  // To/Cc of an incoming email. On a comment update they get no
  // requester-and-CCs copy of it (the acknowledgement of a new ticket still goes).
  std::vector<std::string> already_received;
  // False: no trigger runs (e.g. marking a ticket as spam must not mail the spammer).
  bool run_triggers = true;
};

struct UpdateResult {
  int64_t audit_id = 0;
  store::Ticket ticket;  // after the triggers' changes
  std::vector<int64_t> outbound_message_ids;
  std::vector<std::string> fired_triggers;  // titles, in firing order
};

Result<UpdateResult> Commit(store::Tx& tx, const DeskInfo& desk, Update update, int64_t now);

// What the trigger engine sees of `update` (step 1 of Commit): the ticket
// before and after, the actor, the users and groups rules may name, the
// comment history. Also how a macro is previewed against a ticket.
Result<rules::TicketUpdate> RulesViewOf(store::Tx& tx, const DeskInfo& desk, const Update& update);

// A stored ticket and user as the trigger engine sees them (an undeliverable
// address is no address).
rules::TicketState StateOf(const store::Ticket& ticket);
rules::UserInfo InfoOf(const store::User& user);
// The desk's groups (deleted ones too: a ticket may still be in one) with
// their members, as the trigger engine sees them.
Result<std::vector<rules::GroupInfo>> GroupsOf(store::Tx& tx);

// Creates the standard default triggers, in `language`, unless that was done
// before (an existing desk keeps its triggers and its language).
Status SeedDefaultTriggers(store::Tx& tx, int64_t now,
                           rules::Language language = rules::Language::kEnglish);
// The language the desk's default triggers were made in (English when the
// desk predates the setting or it cannot be read).
rules::Language DeskLanguage(store::Tx& tx);
// Changes it (the Settings page): the standard triggers offered for restore
// and compared with follow; existing triggers are not rewritten.
Status SetDeskLanguage(store::Tx& tx, rules::Language language);

// A trigger as stored and back (the row's columns win over its JSON).
store::TriggerRow TriggerToRow(const rules::Trigger& trigger);
Result<rules::Trigger> TriggerFromRow(const store::TriggerRow& row);

}  // namespace postdesk::tickets
