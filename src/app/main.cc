// postdesk: the command line. Subcommands:
//   serve   -- the help desk: SMTP (and LMTP) intake, the REST API
//   ingest  -- the pipe door: one message on stdin, sysexits exit codes
//   dkim    -- our DKIM keys: keygen, enable (checks DNS first), disable, sign
//   doctor  -- the troubleshooter: domain, address, ticket, sender (one line per step)
//   spam    -- the spam filter: learn from files (mbox, maildir, .eml), check files
//   agent   -- the workspace's agents: add, password (from stdin), list
#include <CLI/CLI.hpp>
#include <spdlog/spdlog.h>

#include <iostream>

#include "app/agent_command.h"
#include "app/commands.h"
#include "app/dkim_command.h"
#include "app/doctor_command.h"
#include "app/spam_command.h"

int main(int argc, char** argv) {
  using postdesk::Config;
  CLI::App app{"postdesk -- the email help desk whose email never silently fails"};
  app.require_subcommand(1);

  Config config;
  std::string config_file;
  auto add_common = [&](CLI::App* sub) {
    sub->add_option("--config", config_file, "TOML file with the same keys as the flags");
    sub->add_option("--data", config.data_dir, "data directory (default ./var)");
    sub->add_option("--db", config.db_url, "database URL (default sqlite: inside --data)");
    sub->add_option("--domain", config.domain, "the help desk's mail domain (support@DOMAIN)");
    sub->add_option("--hostname", config.hostname, "our host name (EHLO, Message-IDs)");
    sub->add_option("--name", config.desk_name, "the help desk's name on outgoing mail");
  };

  auto* serve = app.add_subcommand("serve", "run the help desk");
  add_common(serve);
  serve->add_option("--smtp", config.smtp_listen, "SMTP listen HOST:PORT (port 0: any free)");
  serve->add_option("--lmtp", config.lmtp_listen, "LMTP listen HOST:PORT (default off)");
  serve->add_option("--http", config.http_listen, "HTTP listen HOST:PORT (port 0: any free)");
  serve->add_option("--relay", config.relay, "outbound smarthost HOST:PORT");
  serve->add_option("--language", config.language,
                    "the desk's language when it is created: en (default) or ja")
      ->check(CLI::IsMember({"en", "ja"}));
  serve->add_option("--admin-email", config.admin_email,
                    "the first admin's email address, created on first start (default admin@DOMAIN)");
  serve->add_option("--dns", config.dns, "DNS server HOST:PORT");
  serve->add_option("--max-message-bytes", config.max_message_bytes, "SMTP message size limit");
  serve->add_option("--idle-timeout", config.idle_timeout_seconds, "seconds per network read");
  serve->add_option("--inbound-authentication", config.inbound_authentication,
                    "what failing SPF/DKIM/DMARC does: off, flag or suspend")
      ->check(CLI::IsMember({"off", "flag", "suspend"}));
  serve->add_option("--trusted-arc-sealer", config.trusted_arc_sealers,
                    "ARC sealer domain whose results are trusted (repeatable)");
  serve->add_option("--trusted-relay", config.trusted_relays,
                    "client address or network (ADDR/BITS) whose X-Spam-* verdicts count (repeatable)");
  serve->add_flag("--reject-on-dmarc-reject", config.reject_on_dmarc_reject,
                  "refuse at SMTP time mail failing DMARC with p=reject");
  serve->add_option("--retry-first-delay", config.retry_first_delay_seconds,
                    "seconds before the first retry of a deferred delivery (doubles, max 1 h)");
  serve->add_option("--delivery-lifetime", config.delivery_lifetime_seconds,
                    "seconds a deferred delivery is retried before it fails");
  serve->add_option("--session-idle-seconds", config.session_idle_seconds,
                    "seconds a workspace session lasts without use (default 8 h)");
  serve->add_option("--login-lockout-seconds", config.login_lockout_seconds,
                    "seconds an account stays locked after too many wrong passwords (default 900)");

  postdesk::app::IngestArgs ingest_args;
  auto* ingest = app.add_subcommand("ingest", "store one message from stdin (pipe door)");
  add_common(ingest);
  ingest->add_option("--recipient", ingest_args.recipients, "envelope recipient (repeatable)")
      ->required();
  ingest->add_option("--sender", ingest_args.sender, "envelope sender");
  ingest->add_option("--dns", config.dns, "DNS server HOST:PORT");
  ingest->add_option("--inbound-authentication", config.inbound_authentication,
                     "what failing DKIM/DMARC does: off, flag or suspend")
      ->check(CLI::IsMember({"off", "flag", "suspend"}));

  std::string dkim_selector = "postdesk", dkim_algorithm = "rsa", dkim_file = "-";
  bool dkim_force = false;
  auto* dkim = app.add_subcommand("dkim", "the help desk's DKIM signing keys (for --domain)");
  dkim->require_subcommand(1);
  auto* dkim_keygen =
      dkim->add_subcommand("keygen", "make a key, store it in DATA/dkim, print its DNS record");
  add_common(dkim_keygen);
  dkim_keygen->add_option("--selector", dkim_selector, "DKIM selector (default postdesk)");
  dkim_keygen->add_option("--algorithm", dkim_algorithm, "rsa (2048 bits, default) or ed25519");
  dkim_keygen->add_flag("--force", dkim_force, "replace a stored key of the same selector");
  auto* dkim_sign = dkim->add_subcommand("sign", "sign a message with a stored key, print it");
  add_common(dkim_sign);
  dkim_sign->add_option("--selector", dkim_selector, "DKIM selector (default postdesk)");
  dkim_sign->add_option("file", dkim_file, "the message (default -, stdin)");
  bool dkim_enable_force = false;
  auto* dkim_enable = dkim->add_subcommand(
      "enable", "sign mail from --domain with a stored key, once DNS publishes its record");
  add_common(dkim_enable);
  dkim_enable->add_option("--selector", dkim_selector, "DKIM selector (default postdesk)");
  dkim_enable->add_option("--dns", config.dns, "DNS server HOST:PORT");
  dkim_enable->add_flag("--force", dkim_enable_force, "enable even when the record is missing");
  auto* dkim_disable = dkim->add_subcommand("disable", "stop signing with a stored key");
  add_common(dkim_disable);
  dkim_disable->add_option("--selector", dkim_selector, "DKIM selector (default postdesk)");

  // doctor: the troubleshooter; each case takes serve's flags.
  postdesk::app::DoctorArgs doctor_args;
  auto* doctor = app.add_subcommand("doctor", "check the email setup and say what to fix");
  doctor->require_subcommand(1);
  auto add_doctor = [&](const char* name, const char* help, const char* what) {
    auto* sub = doctor->add_subcommand(name, help);
    add_common(sub);
    sub->add_option("--dns", config.dns, "DNS server HOST:PORT");
    sub->add_flag("--json", doctor_args.json, "print the report as JSON");
    sub->add_option(what, doctor_args.target, what)->required();
    return sub;
  };
  auto* doctor_domain =
      add_doctor("domain", "SPF, DKIM, DMARC and MX of a domain we send or receive for", "DOMAIN");
  auto* doctor_address =
      add_doctor("address", "a support address: forwarding and its domain's checks", "ADDRESS");
  auto add_fix = [&](CLI::App* sub) {
    sub->add_flag("--fix", doctor_args.fix, "offer the fixes that are ours and apply those confirmed");
    sub->add_flag("--yes", doctor_args.yes, "with --fix: apply without asking");
  };
  auto* doctor_ticket = add_doctor("ticket", "reply not received: delivery, trigger, forwarding, "
                                             "sending domain, recipient side", "TICKET");
  doctor_ticket->add_option("--recipient", doctor_args.recipient, "only this recipient's email");
  doctor_ticket->add_option("--relay", config.relay, "outbound smarthost HOST:PORT (as serve)");
  add_fix(doctor_ticket);
  auto* doctor_sender = add_doctor("sender", "mail from EMAIL did not become a ticket: why", "EMAIL");
  add_fix(doctor_sender);

  // spam: bulk training and scoring by hand, on serve's store.
  postdesk::app::SpamArgs spam_args;
  auto* spam = app.add_subcommand("spam", "the spam filter: learn from files, check files");
  spam->require_subcommand(1);
  auto* spam_learn = spam->add_subcommand("learn", "learn messages (.eml, mbox, maildir) as spam or ham");
  add_common(spam_learn);
  spam_learn->add_flag("--spam", spam_args.spam, "learn them as spam");
  spam_learn->add_flag("--ham", spam_args.ham, "learn them as ham");
  spam_learn->add_option("FILE", spam_args.files, "message files, mbox files or maildirs")->required();
  auto* spam_check = spam->add_subcommand("check", "score messages: file, score, verdict per line");
  add_common(spam_check);
  spam_check->add_flag("--json", spam_args.json, "one JSON object per message, with the explanation");
  spam_check->add_option("FILE", spam_args.files, "message files, mbox files or maildirs")->required();

  // agent: the workspace's agents.
  postdesk::app::AgentArgs agent_args;
  auto* agent = app.add_subcommand("agent", "the workspace's agents: add, password, list");
  agent->require_subcommand(1);
  // Only the flags that find the store: --name here is the agent's.
  auto add_store_flags = [&](CLI::App* sub) {
    sub->add_option("--config", config_file, "TOML file with the same keys as the flags");
    sub->add_option("--data", config.data_dir, "data directory (default ./var)");
    sub->add_option("--db", config.db_url, "database URL (default sqlite: inside --data)");
  };
  auto* agent_add = agent->add_subcommand("add", "add an agent (or make a customer one)");
  add_store_flags(agent_add);
  agent_add->add_option("--email", agent_args.email, "their email address")->required();
  agent_add->add_option("--name", agent_args.name, "their name");
  agent_add->add_option("--role", agent_args.role, "agent (default) or admin")
      ->check(CLI::IsMember({"agent", "admin"}));
  auto* agent_password =
      agent->add_subcommand("password", "set an agent's password, read from standard input");
  add_store_flags(agent_password);
  agent_password->add_option("EMAIL", agent_args.email, "the agent's email")->required();
  auto* agent_list = agent->add_subcommand("list", "list the agents and admins");
  add_store_flags(agent_list);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int rc = app.exit(e);
    // sysexits: a pipe door misconfigured is EX_USAGE.
    return rc == 0 ? 0 : 64;
  }

  // Flags override the file: read the file first, then parse again over it.
  if (!config_file.empty()) {
    Config from_file;
    if (auto s = postdesk::LoadConfigFile(config_file, from_file); !s.ok()) {
      spdlog::error("{}", s.message());
      return 78;  // EX_CONFIG
    }
    config = from_file;
    app.parse(argc, argv);
  }

  spdlog::set_default_logger(spdlog::default_logger());
  if (serve->parsed()) return postdesk::app::Serve(config);
  if (ingest->parsed()) return postdesk::app::Ingest(config, ingest_args);
  if (dkim_keygen->parsed()) {
    return postdesk::app::DkimKeygen(config, config.domain, dkim_selector, dkim_algorithm,
                                     dkim_force);
  }
  if (dkim_sign->parsed()) {
    return postdesk::app::DkimSign(config, config.domain, dkim_selector, dkim_file);
  }
  if (dkim_enable->parsed()) {
    return postdesk::app::DkimEnable(config, config.domain, dkim_selector, dkim_enable_force);
  }
  if (dkim_disable->parsed()) {
    return postdesk::app::DkimDisable(config, config.domain, dkim_selector);
  }
  if (doctor_domain->parsed()) return postdesk::app::DoctorDomain(config, doctor_args);
  if (doctor_address->parsed()) return postdesk::app::DoctorAddress(config, doctor_args);
  if (doctor_ticket->parsed()) return postdesk::app::DoctorTicket(config, doctor_args);
  if (doctor_sender->parsed()) return postdesk::app::DoctorSender(config, doctor_args);
  if (agent_add->parsed()) return postdesk::app::AgentAdd(config, agent_args);
  if (agent_password->parsed()) {
    return postdesk::app::AgentPassword(config, agent_args, std::cin);
  }
  if (agent_list->parsed()) return postdesk::app::AgentList(config);
  if (spam_learn->parsed()) return postdesk::app::SpamLearn(config, spam_args);
  if (spam_check->parsed()) return postdesk::app::SpamCheck(config, spam_args);
  return 64;
}
