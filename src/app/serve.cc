// `postdesk serve`: wires the store, the group-commit writer, the intake
// pipeline, the SMTP/LMTP server and the HTTP API onto one io_context run by
// one thread per core; stops gracefully on SIGINT/SIGTERM.
#include <fmt/ranges.h>
#include <spdlog/spdlog.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/thread_pool.hpp>
#include <atomic>
#include <fstream>
#include <functional>
#include <nlohmann/json.hpp>
#include <thread>

#include "accounts/sessions.h"
#include "api/agents_api.h"
#include "api/directory_api.h"
#include "api/auth.h"
#include "api/health_api.h"
#include "api/macros_api.h"
#include "api/ticket_fields_api.h"
#include "api/ticket_lists_api.h"
#include "api/dkim_api.h"
#include "api/doctor_api.h"
#include "api/session_api.h"
#include "api/settings_api.h"
#include "api/uploads_api.h"
#include "api/views_api.h"
#include "api/read_api.h"
#include "api/suspended_api.h"
#include "api/recipient_addresses_api.h"
#include "api/triggers_api.h"
#include "api/write_api.h"
#include "api/email_lists_api.h"
#include "dns/cares_resolver.h"
#include "outbound/mx.h"
#include "outbound/queue.h"
#include "app/bootstrap.h"
#include "app/commands.h"
#include "channel/dkim_keys.h"
#include "app/smtp_door.h"
#include "channel/forwarding.h"
#include "channel/recipient_addresses.h"
#include "http/server.h"
#include "intake/retention.h"
#include "intake/service.h"
#include "smtp/server.h"
#include "spam/filter.h"
#include "tickets/updates.h"
#include "webui/workspace.h"

namespace postdesk::app {
namespace {

Status WritePortsFile(const std::string& dir, const nlohmann::json& ports) {
  std::string path = dir + "/ports.json", tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::trunc);
    out << ports.dump() << "\n";
    if (!out) return Status::Permanent("cannot write " + tmp);
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) return Status::Permanent("cannot write " + path);
  return Status::Ok();
}

}  // namespace

int Serve(const Config& config) {
  auto store = OpenStore(config);
  if (!store.ok()) {
    spdlog::error("{}", store.status().message());
    return kExitConfig;
  }
  auto admin = Bootstrap(config, **store);
  if (!admin.ok()) {
    spdlog::error("first start: {}", admin.status().message());
    return kExitConfig;
  }
  // Before ports.json exists: whoever waits for it may read the password.
  auto admin_password = EnsureAdminPassword(config, **store, *admin);
  if (!admin_password.ok()) {
    spdlog::error("admin password: {}", admin_password.status().message());
    return kExitConfig;
  }
  mime::InitMime();

  boost::asio::io_context io;
  nlohmann::json ports;

  // HTTP first: its port makes the base URL that ticket links use.
  http::HttpOptions http_options;
  if (auto s = ParseHostPort(config.http_listen, http_options.host, http_options.port); !s.ok()) {
    spdlog::error("--http: {}", s.message());
    return kExitConfig;
  }
  http::Router router;
  http::HttpServer http_server(io, http_options, router);
  if (auto s = http_server.Listen(); !s.ok()) {
    spdlog::error("HTTP: {}", s.message());
    return kExitConfig;
  }
  ports["http"] = http_server.port();
  std::string base_url = "http://" + (http_options.host.find(':') != std::string::npos
                                          ? "[" + http_options.host + "]"
                                          : http_options.host) +
                         ":" + std::to_string(http_server.port());

  tickets::DeskInfo desk = DeskOf(config, base_url);

  // The learning spam filter: its whole model loaded once, then scored in
  // Prepare (outside the writer) and taught by agents' decisions.
  spam::Filter spam_filter(SpamOptionsOf(config));
  if (auto s = (*store)->Read([&](store::Tx& tx) { return spam_filter.Load(tx); }); !s.ok()) {
    spdlog::error("spam filter: {}", s.message());
    return kExitConfig;
  }
  desk.spam_filter = &spam_filter;

  // The admin's settings (the Settings page) over the config's values: read
  // on each use by the pipeline, the notifications and the purge.
  const auto setting_defaults = settings::DeskSettings::FromConfig(config);
  std::shared_ptr<settings::LiveSettings> live_settings;
  if (auto s = (*store)->Read([&](store::Tx& tx) -> Status {
        auto loaded = LiveSettingsOf(config, tx);
        if (!loaded.ok()) return loaded.status();
        live_settings = std::move(loaded).value();
        return Status::Ok();
      });
      !s.ok()) {
    spdlog::error("settings: {}", s.message());
    return kExitConfig;
  }
  desk.settings = live_settings;

  store::GroupCommitWriter writer(**store);
  // Work that blocks (store reads waiting for a reader connection, parsing
  // and screening a message, DKIM signing) runs here, never on the io
  // threads that serve SMTP and HTTP sessions. Joined before anything its
  // tasks use is destroyed (see the end of this function).
  boost::asio::thread_pool blocking(4);
  SystemClock clock;
  outbound::QueueOptions queue_options;
  queue_options.relay = config.relay;
  queue_options.helo = config.hostname;
  queue_options.bounce_domain = config.domain;
  queue_options.retry.first_delay_seconds = config.retry_first_delay_seconds;
  queue_options.retry.lifetime_seconds = config.delivery_lifetime_seconds;
  dns::CaresOptions dns_options;
  dns_options.server = config.dns;
  auto resolver = dns::CaresResolver::Create(io.get_executor(), dns_options);
  if (!resolver.ok()) {
    spdlog::error("--dns: {}", resolver.status().message());
    return kExitConfig;
  }
  dns::Resolver* dns_resolver = resolver->get();
  // DKIM-sign mail From each domain with an enabled key (the Email page or
  // postdesk dkim keygen + enable, once DNS publishes the record); the keys
  // are read again every 10 s and after the API changes them.
  channel::DkimSigner dkim_signer(config.data_dir);
  std::vector<std::string> dkim_errors;
  dkim_signer.Reload(&dkim_errors);
  for (const auto& e : dkim_errors) spdlog::error("DKIM key: {}", e);
  auto log_signing = [&dkim_signer, &config] {
    auto signing = dkim_signer.Signing();
    for (const auto& [domain, selector] : signing) {
      spdlog::info("outbound mail from {} is DKIM-signed (selector {})", domain, selector);
    }
    if (signing.empty()) {
      spdlog::warn("outbound mail is not DKIM-signed: no enabled key (the Email page, or "
                   "postdesk dkim keygen --domain {}, then postdesk dkim enable --domain {})",
                   config.domain, config.domain);
    }
  };
  log_signing();
  queue_options.blocking = &blocking;
  queue_options.sign = [&dkim_signer](const std::string& message) { return dkim_signer.Sign(message); };
  outbound::OutboundQueue queue(io, **store, writer, queue_options, clock,
                                [dns_resolver](std::string domain) {
                                  return outbound::MxTargets(*dns_resolver, std::move(domain));
                                });

  // What we receive for: every support address in the store (bootstrap put
  // the configured ones there), reloaded whenever the API changes them.
  auto stored_addresses = StoredSupportAddresses(**store);
  if (!stored_addresses.ok() || stored_addresses->empty()) {
    spdlog::error("support addresses: {}", stored_addresses.ok() ? "none in the store"
                                                                 : stored_addresses.status().message());
    return kExitConfig;
  }
  auto pipeline_options =
      PipelineOptionsOf(config, **store, *stored_addresses, desk, &spam_filter);
  if (!pipeline_options.ok()) {
    spdlog::error("serve: {}", pipeline_options.status().message());
    return kExitConfig;
  }
  intake::Pipeline pipeline(std::move(pipeline_options).value());
  if (auto s = (*store)->Read([&](store::Tx& tx) {
        auto lists = api::LoadEmailLists(tx);
        if (lists.ok()) pipeline.email_lists().Set(std::move(lists).value());
        return lists.status();
      });
      !s.ok()) {
    spdlog::error("email lists: {}", s.message());
    return kExitConfig;
  }
  intake::IntakeService intake(pipeline, writer, io.get_executor(), dns_resolver, &blocking);
  SmtpDoor door(intake, [&queue] { queue.Wake(); });

  auto smtp_options = smtp::ServerOptionsFromConfig(config, config.smtp_listen, false);
  if (!smtp_options.ok()) {
    spdlog::error("--smtp: {}", smtp_options.status().message());
    return kExitConfig;
  }
  smtp::Server smtp_server(io, *smtp_options, door);
  if (auto s = smtp_server.Listen(); !s.ok()) {
    spdlog::error("SMTP: {}", s.message());
    return kExitConfig;
  }
  ports["smtp"] = smtp_server.port();

  std::unique_ptr<smtp::Server> lmtp_server;
  if (!config.lmtp_listen.empty()) {
    auto lmtp_options = smtp::ServerOptionsFromConfig(config, config.lmtp_listen, true);
    if (!lmtp_options.ok()) {
      spdlog::error("--lmtp: {}", lmtp_options.status().message());
      return kExitConfig;
    }
    lmtp_server = std::make_unique<smtp::Server>(io, *lmtp_options, door);
    if (auto s = lmtp_server->Listen(); !s.ok()) {
      spdlog::error("LMTP: {}", s.message());
      return kExitConfig;
    }
    ports["lmtp"] = lmtp_server->port();
  }

  // The workspace: sign-in sessions (cookie + CSRF) beside API tokens.
  accounts::SessionOptions session_options;
  session_options.idle_seconds = config.session_idle_seconds;
  session_options.throttle.account_failures = config.login_failures_per_account;
  session_options.throttle.address_failures = 5 * config.login_failures_per_account;
  session_options.throttle.lockout_seconds = config.login_lockout_seconds;
  accounts::Sessions sessions(**store, clock, session_options);
  router.SetAuthHook(api::MakeAuthHook(**store, &sessions));
  // Secure once we are served over TLS (the cookie then never travels in clear).
  api::RegisterSessionApi(router, sessions, {.secure_cookie = base_url.starts_with("https:")});
  api::RegisterViewsApi(router, **store, base_url);
  api::RegisterTicketListsApi(router, **store, base_url);
  api::RegisterUploadsApi(router, **store, base_url);
  api::RegisterAgentsApi(router, **store, base_url);
  api::RegisterDirectoryApi(router, **store, base_url);
  api::RegisterHealthApi(router, **store, clock);
  webui::RegisterWorkspace(router);

  api::RegisterReadApi(router, **store, {base_url});
  api::WriteApiOptions write_options;
  write_options.desk = desk;
  write_options.support_addresses = SupportAddressesOf(config);
  write_options.base_url = base_url;
  write_options.on_mail_queued = [&queue] { queue.Wake(); };
  api::RegisterWriteApi(router, **store, write_options);
  api::RegisterTriggersApi(router, **store, base_url);
  api::RegisterMacrosApi(router, **store, desk, base_url);
  api::RegisterTicketFieldsApi(router, **store, base_url);
  api::SuspendedApiOptions suspended_options;
  suspended_options.base_url = base_url;
  suspended_options.pipeline = &pipeline;
  suspended_options.filter = &spam_filter;
  suspended_options.settings = live_settings;
  suspended_options.on_mail_queued = [&queue] { queue.Wake(); };
  api::RegisterSuspendedApi(router, **store, suspended_options);
  // Suspended mail older than suspended_retention_days is purged (at start, then hourly).
  intake::RetentionTask retention(io.get_executor(), writer, clock,
                                  {.settings = live_settings});
  api::RegisterDoctorApi(router, **store, config, [&queue] { queue.Wake(); });
  api::RegisterEmailListsApi(router, **store, {[&pipeline](intake::EmailLists lists) {
                               pipeline.email_lists().Set(std::move(lists));
                             }});
  api::RegisterSettingsApi(router, **store, {setting_defaults, live_settings});
  api::RegisterDkimApi(router, config, [&] {
    if (dkim_signer.Reload()) log_signing();
  });
  api::RecipientAddressesApiOptions address_options;
  address_options.base_url = base_url;
  address_options.forwarding = {config.desk_name, config.DefaultSupportAddress(), config.domain,
                                config.hostname, config.forwarding_timeout_seconds};
  address_options.on_mail_queued = [&queue] { queue.Wake(); };
  address_options.on_addresses_changed = [&pipeline, st = store->get()] {
    auto all = StoredSupportAddresses(*st);
    if (!all.ok()) {
      spdlog::error("support addresses not reloaded: {}", all.status().message());
    } else if (pipeline.addresses().Replace(*all)) {
      spdlog::info("support addresses: {}", fmt::join(*all, ", "));
    }
  };
  address_options.check_domain = [&config](const std::string& domain, bool spf_only) {
    return channel::RunDomainChecks(config.dns, domain, channel::DomainCheckOptionsFor(config, domain),
                                    spf_only);
  };
  api::RegisterRecipientAddressesApi(router, **store, address_options);
  // Fails forwarding checks that never came back (at start, then every 2 s).
  channel::ForwardingWatcher forwarding_watcher(
      io, **store, writer, clock, config.forwarding_timeout_seconds, std::chrono::seconds(2),
      [](const store::RecipientAddress& a) {
        spdlog::warn("forwarding of {} failed: {}", a.email,
                     channel::Checks(a)["forwarding"].value("reason", std::string()));
      });

  // What other processes changed reaches this one, checked every 10 s: what
  // `postdesk spam learn` taught the store (two counts, and a reload only
  // when they moved), settings saved through another node's API, DKIM keys
  // switched by `postdesk dkim`. The timer is on a strand, re-armed by its own
  // handler and cancelled by the signal's; the reads and file scans run on
  // the blocking pool, never on an io thread.
  auto refresh_strand = boost::asio::make_strand(io);
  boost::asio::steady_timer refresh_timer(refresh_strand);
  std::atomic<bool> stopping{false};
  std::function<void()> refresh_from_others = [&] {
    if (stopping) return;
    refresh_timer.expires_after(std::chrono::seconds(10));
    refresh_timer.async_wait([&](const boost::system::error_code& ec) {
      if (ec) return;
      boost::asio::post(blocking, [&] {
        if (dkim_signer.Reload()) log_signing();
        auto before = spam_filter.learned();
        Status s = (*store)->Read([&](store::Tx& tx) -> Status {
          auto reloaded = spam_filter.RefreshFrom(tx);
          if (!reloaded.ok()) return reloaded.status();
          if (*reloaded) {
            auto now = spam_filter.learned();
            spdlog::info("spam filter reloaded: {} spam and {} ham learned (was {} and {})",
                         now.first, now.second, before.first, before.second);
          }
          return Status::Ok();
        });
        if (!s.ok()) spdlog::warn("spam filter not reloaded: {}", s.message());
        auto changed = live_settings->ReloadFrom(**store, setting_defaults);
        if (!changed.ok()) {
          spdlog::warn("settings not reloaded: {}", changed.status().message());
        } else if (*changed) {
          spdlog::info("settings reloaded: {}", live_settings->Get()->ToJson().dump());
        }
        boost::asio::post(refresh_strand, [&] { refresh_from_others(); });
      });
    });
  };

  if (auto s = WritePortsFile(config.data_dir, ports); !s.ok()) {
    spdlog::error("{}", s.message());
    return kExitConfig;
  }

  smtp_server.Start();
  if (lmtp_server) lmtp_server->Start();
  http_server.Start();
  queue.Start();
  retention.Start();
  forwarding_watcher.Start();
  refresh_from_others();
  spdlog::info("postdesk serving {}: smtp {} http {}{} data {}", config.DefaultSupportAddress(),
               ports["smtp"].get<int>(), ports["http"].get<int>(),
               lmtp_server ? " lmtp " + std::to_string(ports["lmtp"].get<int>()) : "",
               config.data_dir);
  if (admin_password.ok()) {
    spdlog::info("workspace: {}/ -- sign in as {}{}", base_url, admin_password->first,
                 admin_password->second
                     ? " with the password in " + config.data_dir + "/admin-password"
                     : "");
  }

  // Stop accepting, let sessions finish what is committed and say 421, and
  // give stragglers a grace period before the loop is stopped outright.
  boost::asio::signal_set signals(io, SIGINT, SIGTERM);
  boost::asio::steady_timer grace(io);
  std::chrono::steady_clock::time_point deadline;
  std::function<void()> stop_when_idle = [&] {
    size_t open = smtp_server.active_sessions() +
                  (lmtp_server ? lmtp_server->active_sessions() : 0) +
                  http_server.busy_handlers();
    if (open == 0 || std::chrono::steady_clock::now() >= deadline) {
      io.stop();
      return;
    }
    grace.expires_after(std::chrono::milliseconds(50));
    grace.async_wait([&](const boost::system::error_code&) { stop_when_idle(); });
  };
  signals.async_wait([&](const boost::system::error_code&, int signo) {
    spdlog::info("signal {}: stopping", signo);
    smtp_server.Stop();
    if (lmtp_server) lmtp_server->Stop();
    http_server.Stop();
    queue.Stop();
    retention.Stop();
    forwarding_watcher.Stop();
    stopping = true;
    boost::asio::post(refresh_strand, [&refresh_timer] { refresh_timer.cancel(); });
    deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    stop_when_idle();
  });

  unsigned threads = std::max(1u, std::thread::hardware_concurrency());
  std::vector<std::thread> pool;
  for (unsigned i = 1; i < threads; ++i) pool.emplace_back([&] { io.run(); });
  io.run();
  for (auto& t : pool) t.join();
  // A handler still running (past the grace period) finishes before the
  // pipeline, store and router it uses are destroyed.
  http_server.Join();
  blocking.join();  // every task it still had (io has stopped: their completions go nowhere)
  spdlog::info("stopped");
  return kExitOk;
}

}  // namespace postdesk::app
