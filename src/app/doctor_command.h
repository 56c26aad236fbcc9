// `postdesk doctor domain DOMAIN` and `postdesk doctor address ADDR`: the
// setup checks of doctor/setup_doctor printed one line per step
//   ok|warning|problem  <step>: <evidence> — fix: <what to do>
// or, with --json, the report as JSON (the same the API returns).
//
// They take serve's --data, --config, --db and --dns flags and work whether
// or not a server runs: `doctor domain` needs only DNS (and DATA/dkim for our
// keys); `doctor address` also reads the store (SQLite in WAL mode, so a
// running server is no obstacle), and never creates one.
//
// Exit status: 0 nothing is a problem (warnings allowed); 1 something is a
// problem; 75 every problem is a DNS lookup that failed temporarily (run it
// again later); 64 a malformed domain or address; 78 the store cannot be
// opened (no database in --data) or the configuration is wrong.
// Input trust: the arguments come from the command line and are validated
// before any lookup. Thread-safety: for main().
#pragma once

#include <string>

#include "common/config.h"

namespace postdesk::app {

struct DoctorArgs {
  std::string target;  // the domain or the address
  bool json = false;
  // doctor ticket / sender:
  std::string recipient;  // --recipient: the one address to diagnose (ticket)
  bool fix = false;       // --fix: offer the fixes that are ours to make
  bool yes = false;       // --yes: apply them without asking
};

inline constexpr int kExitDoctorUsage = 64;
inline constexpr int kExitDoctorNoInput = 66;  // EX_NOINPUT: no such ticket

int DoctorDomain(const Config& config, const DoctorArgs& args);
int DoctorAddress(const Config& config, const DoctorArgs& args);

// `postdesk doctor ticket N [--recipient EMAIL]` ("reply not received") and
// `postdesk doctor sender EMAIL` ("mail from X did not become a ticket"):
// doctor/ticket_doctor and doctor/sender_doctor, printed as above. With
// --fix, each fix that is ours (doctor/fixes) is shown and applied when the
// operator answers y to "Apply? [y/N]" on a terminal, or at once with --yes;
// without a terminal and without --yes nothing is changed and each fix is
// only listed. The dialogue goes to stderr (stdout stays one line per step,
// or the JSON, which then also lists "applied"). The exit status is the
// report's, as found before any fix (run the doctor again to see the
// result); a fix that fails to apply makes it 1. 66: no such ticket.
int DoctorTicket(const Config& config, const DoctorArgs& args);
int DoctorSender(const Config& config, const DoctorArgs& args);

}  // namespace postdesk::app
