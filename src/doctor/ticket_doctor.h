// doctor/ticket_doctor: `postdesk doctor ticket N` -- "the customer says our
// reply never arrived" -- walked as the guide's five steps, each a finding
// (channel/finding.h) with its evidence and fix:
//
//   1.delivery    per recipient address, its latest email of the ticket (or
//                 only --recipient): state, attempts, last SMTP code, status
//                 and reply, the remote host, the bounce diagnostic.
//   2.trigger     which trigger emailed the latest public comment to the
//                 recipient, or why none did: the standard notification
//                 triggers evaluated against that update (reconstructed from
//                 its audit): deleted, inactive, changed from the default, or
//                 which condition failed; plus defaults that are off now.
//   3.forwarding  the ticket's support address: ours, verified, or not
//                 verified so mail goes out as the default address.
//   4.<check>     SPF/DKIM/DMARC of the domain we send as
//                 (channel/domain_checks: 4.spf.record, 4.dmarc.alignment...).
//   5.bounce      the recipient side: bounce class (unknown user, mailbox
//                 full, blocked as spam, policy, DMARC/authentication...),
//   5.mx          whether the recipient domain's mail servers resolve (DNS
//                 only: nothing is contacted),
//   5.relay       with a relay configured, whether it answers (the only host
//                 the doctor ever connects to),
//   5.undeliverable  the recipient's address flagged undeliverable.
//
// The fixes that are ours (doctor/fixes.h) come with the findings.
//
// Trust: the store's rows are ours; replies and diagnostics in them came from
// remote servers and are quoted as evidence only (the report strips control
// characters). DNS answers are untrusted and go through the domain checks.
// Thread-safety: DiagnoseTicketStored is a pure function over the caller's
// Tx; DiagnoseTicket is a coroutine that reads the store with Store::Read
// (blocking: run it where blocking is allowed, e.g. the CLI's own loop).
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include <boost/asio/awaitable.hpp>
#include <nlohmann/json.hpp>

#include "channel/domain_checks.h"
#include "channel/finding.h"
#include "common/status.h"
#include "dns/resolver.h"
#include "doctor/fixes.h"
#include "store/store.h"

namespace postdesk::doctor {

// A report with the fixes its findings propose.
struct Diagnosis {
  channel::Report report;
  std::vector<FixAction> fixes;

  // Report::ToJson plus "fixes": [FixJson...].
  nlohmann::json ToJson() const;
};

// Whether the relay answers: its greeting, or why not (connection refused,
// timeout, a greeting that is not 220). Given "host:port".
using RelayProbe = std::function<boost::asio::awaitable<Result<std::string>>(std::string relay)>;

// Connects to `relay` ("host:port"), reads the greeting and says QUIT, each
// within `timeout_seconds`. The only connection the doctor ever makes.
boost::asio::awaitable<Result<std::string>> ProbeRelay(std::string relay, uint32_t timeout_seconds);

struct TicketDoctorOptions {
  int64_t ticket_id = 0;
  std::string recipient;  // --recipient: only this address ("" = every recipient)
  std::string default_support_address;  // the configured default (Config)
  std::string relay;      // "host:port"; "" = MX delivery
  // Domain-check options for a domain we send as (DKIM keys differ per
  // domain). Empty: default-constructed options.
  std::function<channel::DomainCheckOptions(const std::string& domain)> domain_options;
  RelayProbe probe_relay;  // empty: ProbeRelay with a 5 s timeout
};

// The store half: steps 1, 2, 3, 5.bounce and 5.undeliverable, plus what the
// network half needs.
struct TicketStored {
  std::vector<channel::Finding> delivery;   // step 1
  std::vector<channel::Finding> trigger;    // step 2
  std::vector<channel::Finding> forwarding; // step 3
  std::vector<channel::Finding> bounce;     // 5.bounce
  std::vector<channel::Finding> undeliverable;  // 5.undeliverable
  std::vector<FixAction> fixes;
  std::string sending_domain;                  // for step 4
  std::vector<std::string> recipient_domains;  // for 5.mx
};

// NotFound when the ticket does not exist.
Result<TicketStored> DiagnoseTicketStored(store::Tx& tx, const TicketDoctorOptions& options);

// Every step, in order; the report's subject is "ticket N".
boost::asio::awaitable<Result<Diagnosis>> DiagnoseTicket(store::Store& store,
                                                         dns::Resolver& resolver,
                                                         TicketDoctorOptions options);

// Runs `run` to completion on a private event loop with a c-ares resolver
// asking `dns_server` (as --dns; empty: the system's resolvers), for plain
// blocking callers (the CLI, the API's handlers). Temporary when the
// resolver cannot start or `run` throws.
using DiagnosisFn = std::function<boost::asio::awaitable<Result<Diagnosis>>(dns::Resolver&)>;
Result<Diagnosis> RunDiagnosis(const std::string& dns_server, const DiagnosisFn& run);

// DiagnoseTicket through RunDiagnosis.
Result<Diagnosis> RunTicketDoctor(store::Store& store, const std::string& dns_server,
                                  const TicketDoctorOptions& options);

// The recipient-side class of a failure, from the stored reason or, failing
// that, the DSN status and reply: "user_unknown", "mailbox_full", "blocked",
// "policy", "authentication", "host_unknown", "message_too_large", "expired",
// "suspended", "other". For people: BounceClassText.
std::string BounceClass(const store::OutboundRecipient& recipient);
std::string BounceClassText(std::string_view bounce_class);

}  // namespace postdesk::doctor
