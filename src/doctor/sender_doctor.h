// doctor/sender_doctor: `postdesk doctor sender EMAIL` -- "mail from X did
// not become a ticket" -- walked as five steps, each a finding
// (channel/finding.h) with its evidence and fix:
//
//   1.address         which addresses X wrote to (their tickets' recipient,
//                     their suspended mail's recipient, the recipients of
//                     their refused mail) and whether each is a support
//                     address; a warning when we have no trace of X at all.
//   2.forwarding      the forwarding status of each of those support
//                     addresses (of every unverified external one when
//                     there is no trace).
//   3.suspended       each suspended message of X (newest first): cause,
//                     the evidence that decided it, the spam verdict.
//   4.spf, 4.dmarc    the sender's domain: one valid SPF record, a DMARC
//                     policy (the sender side only: nothing about our include
//                     or our alignment, which are about mail we send).
//   4.authentication  our last authentication results for X (from their
//                     latest comment, else their latest suspended message).
//   5.refused         each refusal of X's mail at SMTP time (blocklist
//                     reject:, rate limit, DMARC reject, spam refuse) with
//                     its time and reason.
//   5.lists           whether X is on the allowlist or blocklist.
//
// Trust: EMAIL comes from the operator (CLI or API) and is validated; the
// stored evidence came from senders and is quoted only. DNS answers are
// untrusted and only parsed by the auth module's SPF/DMARC parsers.
// Thread-safety: DiagnoseSenderStored is pure over the caller's Tx;
// DiagnoseSender reads the store with Store::Read (blocking).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <boost/asio/awaitable.hpp>

#include "channel/finding.h"
#include "common/status.h"
#include "dns/resolver.h"
#include "doctor/fixes.h"
#include "doctor/ticket_doctor.h"
#include "store/store.h"

namespace postdesk::doctor {

struct SenderDoctorOptions {
  std::string email;                    // the sender, as the operator typed it
  std::string default_support_address;  // the configured default (Config)
  std::string desk_domain;              // our own domain (no forwarding needed)
  int64_t max_items = 10;               // suspended messages / refusals listed
};

struct SenderStored {
  std::vector<channel::Finding> addresses;       // step 1
  std::vector<channel::Finding> forwarding;      // step 2
  std::vector<channel::Finding> suspended;       // step 3
  std::vector<channel::Finding> authentication;  // 4.authentication
  std::vector<channel::Finding> refused;         // 5.refused
  std::vector<channel::Finding> lists;           // 5.lists
  std::vector<FixAction> fixes;
  std::string domain;  // the sender's domain, for 4.spf and 4.dmarc
};

// Invalid when `options.email` is not an address.
Result<SenderStored> DiagnoseSenderStored(store::Tx& tx, const SenderDoctorOptions& options);

// The sender side of a domain: 4.spf and 4.dmarc.
boost::asio::awaitable<std::vector<channel::Finding>> CheckSenderDomain(dns::Resolver& resolver,
                                                                        std::string domain);

// Every step, in order; the report's subject is "sender EMAIL".
boost::asio::awaitable<Result<Diagnosis>> DiagnoseSender(store::Store& store,
                                                         dns::Resolver& resolver,
                                                         SenderDoctorOptions options);

// DiagnoseSender through RunDiagnosis (ticket_doctor.h).
Result<Diagnosis> RunSenderDoctor(store::Store& store, const std::string& dns_server,
                                  const SenderDoctorOptions& options);

}  // namespace postdesk::doctor
