#include "app/doctor_command.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <ctime>
#include <utility>

#include "app/bootstrap.h"
#include "app/commands.h"
#include "channel/domain_checks.h"
#include "common/strings.h"
#include "doctor/sender_doctor.h"
#include "doctor/setup_doctor.h"
#include "doctor/ticket_doctor.h"
#include "http/router.h"

namespace postdesk::app {

namespace {

void Complain(const std::string& text) {
  std::fprintf(stderr, "postdesk doctor %s\n", text.c_str());
}

int Print(const channel::Report& report, bool json) {
  std::string out = json ? http::DumpJson(report.ToJson()) + "\n" : report.ToText();
  if (std::fwrite(out.data(), 1, out.size(), stdout) != out.size() || std::fflush(stdout) != 0) {
    return 74;  // EX_IOERR
  }
  return report.ExitStatus();
}

}  // namespace

int DoctorDomain(const Config& config, const DoctorArgs& args) {
  auto domain = doctor::ValidDomainArg(args.target);
  if (!domain.ok()) {
    Complain("domain: " + domain.status().message());
    return kExitDoctorUsage;
  }
  const std::string d = *domain;
  const channel::DomainCheckOptions options = channel::DomainCheckOptionsFor(config, d);
  doctor::ReportFn run = [&](dns::Resolver& resolver) {
    return doctor::DiagnoseDomain(resolver, d, options);
  };
  return Print(doctor::RunWithResolver(config.dns, "domain " + d, run), args.json);
}

int DoctorAddress(const Config& config, const DoctorArgs& args) {
  auto address = doctor::ValidAddressArg(args.target);
  if (!address.ok()) {
    Complain("address: " + address.status().message());
    return kExitDoctorUsage;
  }
  // Read what is there; never create a database where there is none.
  const std::string path = config.SqlitePath();
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) {
    Complain("address: no database at " + path +
             " (give the --data or --db that postdesk serve uses)");
    return kExitConfig;
  }
  auto store = store::OpenSqlite(path);
  if (!store.ok()) {
    Complain("address: " + store.status().message());
    return kExitConfig;
  }
  auto facts = doctor::LookUpAddress(**store, *address);
  if (!facts.ok()) {
    Complain("address: reading the store: " + facts.status().message());
    return facts.status().temporary() ? kExitTempFail : kExitConfig;
  }
  const std::string email = *address;
  const std::string domain(EmailDomain(email));
  const channel::DomainCheckOptions options = channel::DomainCheckOptionsFor(config, domain);
  const doctor::AddressFacts f = std::move(*facts);
  doctor::ReportFn run = [&](dns::Resolver& resolver) {
    return doctor::DiagnoseAddress(resolver, email, f, config.domain, options);
  };
  return Print(doctor::RunWithResolver(config.dns, "address " + email, run), args.json);
}

// ---------------------------------------------------- doctor ticket / sender

namespace {

// Prints the report, then offers (and applies) the fixes; returns the exit status.
int FinishCase(const Config& config, const DoctorArgs& args, store::Store& store,
               doctor::Diagnosis diagnosis, const std::string& event_subject) {
  int status = diagnosis.report.ExitStatus();
  if (!args.json) {
    std::string text = diagnosis.report.ToText();
    if (std::fwrite(text.data(), 1, text.size(), stdout) != text.size() ||
        std::fflush(stdout) != 0) {
      return 74;  // EX_IOERR
    }
  }
  nlohmann::json applied = nlohmann::json::array();
  if (!args.fix && !diagnosis.fixes.empty()) {
    std::fprintf(stderr, "%zu fix%s ours to make: run again with --fix to apply %s\n",
                 diagnosis.fixes.size(), diagnosis.fixes.size() == 1 ? " is" : "es are",
                 diagnosis.fixes.size() == 1 ? "it" : "them");
  }
  if (args.fix) {
    doctor::FixContext context;
    context.forwarding.desk_name = config.desk_name;
    context.forwarding.desk_default = config.DefaultSupportAddress();
    context.forwarding.desk_domain = config.domain;
    context.forwarding.hostname = config.hostname;
    context.forwarding.timeout_seconds = config.forwarding_timeout_seconds;
    const bool tty = ::isatty(STDIN_FILENO) == 1;
    if (diagnosis.fixes.empty()) std::fprintf(stderr, "nothing to fix that is ours to fix\n");
    for (const doctor::FixAction& fix : diagnosis.fixes) {
      nlohmann::json entry = doctor::FixJson(fix);
      std::fprintf(stderr, "fix %s: %s\n", fix.step.c_str(), fix.summary.c_str());
      bool apply = args.yes;
      if (!apply && tty) {
        std::fprintf(stderr, "Apply? [y/N] ");
        std::fflush(stderr);
        char line[64] = {0};
        if (std::fgets(line, sizeof line, stdin) != nullptr) {
          std::string answer = ToLower(Trim(line));
          apply = answer == "y" || answer == "yes";
        }
      }
      if (!apply) {
        std::fprintf(stderr, "  not applied%s\n",
                     tty || args.yes ? "" : " (no terminal to ask on: give --yes to apply)");
        entry["result"] = "not applied";
        applied.push_back(std::move(entry));
        continue;
      }
      Result<std::string> done = Status::Temporary("not run");
      Status s = store.Write([&](store::Tx& tx) {
        done = doctor::ApplyFix(tx, fix, context, event_subject,
                                static_cast<int64_t>(std::time(nullptr)));
        return done.ok() ? Status::Ok() : done.status();
      });
      if (!s.ok()) {
        std::fprintf(stderr, "  failed: %s\n", s.message().c_str());
        entry["error"] = s.message();
        status = channel::kExitReportProblem;
      } else {
        std::fprintf(stderr, "  done: %s\n", done->c_str());
        entry["result"] = *done;
      }
      applied.push_back(std::move(entry));
    }
  }
  if (args.json) {
    nlohmann::json j = diagnosis.ToJson();
    if (args.fix) j["applied"] = applied;
    std::string out = http::DumpJson(j) + "\n";
    if (std::fwrite(out.data(), 1, out.size(), stdout) != out.size() || std::fflush(stdout) != 0) {
      return 74;
    }
  }
  return status;
}

}  // namespace

int DoctorTicket(const Config& config, const DoctorArgs& args) {
  const std::string& n = args.target;
  if (n.empty() || n.size() > 18 || n.find_first_not_of("0123456789") != std::string::npos ||
      std::stoll(n) <= 0) {
    Complain("ticket: \"" + n + "\" is not a ticket number");
    return kExitDoctorUsage;
  }
  if (!args.recipient.empty()) {
    auto r = doctor::ValidAddressArg(args.recipient);
    if (!r.ok()) {
      Complain("ticket: --recipient: " + r.status().message());
      return kExitDoctorUsage;
    }
  }
  auto store = OpenExistingStore(config);
  if (!store.ok()) {
    Complain("ticket: " + store.status().message());
    return kExitConfig;
  }
  doctor::TicketDoctorOptions options;
  options.ticket_id = std::stoll(n);
  options.recipient = args.recipient;
  options.default_support_address = config.DefaultSupportAddress();
  options.relay = config.relay;
  options.domain_options = [config](const std::string& domain) {
    return channel::DomainCheckOptionsFor(config, domain);
  };
  auto diagnosis = doctor::RunTicketDoctor(**store, config.dns, options);
  if (!diagnosis.ok()) {
    Complain("ticket: " + diagnosis.status().message());
    if (diagnosis.status().kind() == ErrorKind::kNotFound) return kExitDoctorNoInput;
    return diagnosis.status().temporary() ? kExitTempFail : kExitConfig;
  }
  return FinishCase(config, args, **store, std::move(*diagnosis), "ticket:" + n);
}

int DoctorSender(const Config& config, const DoctorArgs& args) {
  auto address = doctor::ValidAddressArg(args.target);
  if (!address.ok()) {
    Complain("sender: " + address.status().message());
    return kExitDoctorUsage;
  }
  auto store = OpenExistingStore(config);
  if (!store.ok()) {
    Complain("sender: " + store.status().message());
    return kExitConfig;
  }
  doctor::SenderDoctorOptions options;
  options.email = *address;
  options.default_support_address = config.DefaultSupportAddress();
  options.desk_domain = config.domain;
  auto diagnosis = doctor::RunSenderDoctor(**store, config.dns, options);
  if (!diagnosis.ok()) {
    Complain("sender: " + diagnosis.status().message());
    if (diagnosis.status().kind() == ErrorKind::kInvalid) return kExitDoctorUsage;
    return diagnosis.status().temporary() ? kExitTempFail : kExitConfig;
  }
  return FinishCase(config, args, **store, std::move(*diagnosis), *address);
}

}  // namespace postdesk::app
