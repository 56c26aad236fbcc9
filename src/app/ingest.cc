// `postdesk ingest`: the pipe door. Reads one message from stdin (bounded by
// the message size limit), runs the same intake pipeline as SMTP, and exits
// with a sysexits code an MTA understands. Exit 0 only after the commit.
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <iostream>

#include "app/bootstrap.h"
#include "app/commands.h"
#include "dns/cares_resolver.h"
#include "api/email_lists_api.h"
#include "intake/pipeline.h"
#include "spam/filter.h"

namespace postdesk::app {

std::vector<std::string> SupportAddressesOf(const Config& config) {
  return {config.DefaultSupportAddress()};
}

auth::AuthPolicy AuthPolicyOf(const Config& config, store::Store& store) {
  auth::AuthPolicy policy;
  policy.mode = config.inbound_authentication;
  policy.reject_on_dmarc_reject = config.reject_on_dmarc_reject;
  policy.trusted_arc_sealers = config.trusted_arc_sealers;
  policy.authserv_id = config.hostname;
  store::Store* st = &store;
  policy.is_agent = [st](std::string_view email) {
    bool staff = false;
    (void)st->Read([&](store::Tx& tx) {
      auto u = tx.FindUserByEmail(email);
      staff = u.ok() && store::IsActiveStaff(*u);
      return Status::Ok();
    });
    return staff;
  };
  return policy;
}

spam::FilterOptions SpamOptionsOf(const Config& config) {
  spam::FilterOptions options;
  options.suspend_at = config.spam_suspend_at;
  options.refuse_at = config.spam_refuse_at;
  return options;
}

Result<intake::PipelineOptions> PipelineOptionsOf(const Config& config, store::Store& store,
                                                  std::vector<std::string> support_addresses,
                                                  const tickets::DeskInfo& desk,
                                                  spam::Filter* spam) {
  intake::PipelineOptions options;
  options.support_addresses = std::move(support_addresses);
  options.hostname = config.hostname;
  options.desk = desk;
  options.auth = AuthPolicyOf(config, store);
  options.spam = spam;
  options.settings = desk.settings;
  auto screening = intake::ScreeningOptions::FromConfig(config);
  if (!screening.ok()) return screening.status();
  // The loop guard continues from the store: across restarts, and for
  // `ingest`, across its one-message processes.
  screening->rate_history = intake::SenderHistoryFrom(store, screening->rate);
  options.screening = std::move(screening).value();
  return options;
}

Result<std::shared_ptr<settings::LiveSettings>> LiveSettingsOf(const Config& config, store::Tx& tx) {
  auto defaults = settings::DeskSettings::FromConfig(config);
  auto stored = settings::Load(tx, defaults);
  if (!stored.ok()) return stored.status();
  for (const auto& [key, why] : stored->problems.items()) {
    spdlog::warn("settings: the saved {} does not apply ({}); the config's value does until the "
                 "Settings page changes or resets it", key, why.get<std::string>());
  }
  return std::make_shared<settings::LiveSettings>(stored->effective);
}

tickets::DeskInfo DeskOf(const Config& config, std::string base_url) {
  tickets::DeskInfo desk;
  desk.name = config.desk_name;
  desk.support_address = config.DefaultSupportAddress();
  desk.hostname = config.hostname;
  desk.bounce_domain = config.domain;
  desk.delivery_lifetime_seconds = config.delivery_lifetime_seconds;
  desk.base_url = base_url.empty() ? "http://" + config.http_listen : std::move(base_url);
  return desk;
}

int Ingest(const Config& config, const IngestArgs& args) {
  std::string bytes;
  char buf[65536];
  while (true) {
    ssize_t n = ::read(STDIN_FILENO, buf, sizeof buf);
    if (n < 0) {
      if (errno == EINTR) continue;
      spdlog::error("ingest: reading stdin: {}", strerror(errno));
      return kExitTempFail;
    }
    if (n == 0) break;
    bytes.append(buf, static_cast<size_t>(n));
    if (bytes.size() > config.max_message_bytes) {
      spdlog::error("ingest: message larger than {} bytes", config.max_message_bytes);
      return kExitDataErr;
    }
  }
  if (bytes.find_first_not_of(" \t\r\n") == std::string::npos) {
    spdlog::error("ingest: empty message");
    return kExitDataErr;
  }

  auto store = OpenStore(config);
  if (!store.ok()) {
    spdlog::error("ingest: {}", store.status().message());
    return kExitTempFail;
  }
  // The same screening as serve: the stored lists and spam model, and the
  // per-sender rate counted from the store.
  spam::Filter spam_filter(SpamOptionsOf(config));
  intake::EmailLists lists;
  std::shared_ptr<settings::LiveSettings> live;
  Status loaded = (*store)->Read([&](store::Tx& tx) {
    if (Status s = spam_filter.Load(tx); !s.ok()) return s;
    auto settings = LiveSettingsOf(config, tx);
    if (!settings.ok()) return settings.status();
    live = std::move(settings).value();
    auto l = api::LoadEmailLists(tx);
    if (l.ok()) lists = std::move(l).value();
    return l.status();
  });
  if (!loaded.ok()) {
    spdlog::error("ingest: {}", loaded.message());
    return loaded.kind() == ErrorKind::kTemporary ? kExitTempFail : kExitConfig;
  }
  tickets::DeskInfo desk = DeskOf(config);
  desk.spam_filter = &spam_filter;
  desk.settings = live;
  // What we receive for: the configured addresses (the first is the default)
  // and every support address the API added to the store.
  std::vector<std::string> addresses = SupportAddressesOf(config);
  if (auto stored = StoredSupportAddresses(**store); stored.ok()) {
    for (auto& a : *stored) {
      if (std::find(addresses.begin(), addresses.end(), a) == addresses.end()) addresses.push_back(a);
    }
  } else {
    spdlog::error("ingest: {}", stored.status().message());
    return kExitTempFail;
  }
  auto pipeline_options =
      PipelineOptionsOf(config, **store, std::move(addresses), desk, &spam_filter);
  if (!pipeline_options.ok()) {
    spdlog::error("ingest: {}", pipeline_options.status().message());
    return kExitConfig;
  }
  intake::Pipeline pipeline(std::move(pipeline_options).value());
  pipeline.email_lists().Set(std::move(lists));
  for (const auto& r : args.recipients) {
    if (!pipeline.Accepts(r)) {
      spdlog::error("ingest: {} is not a support address of this help desk", r);
      return kExitNoUser;
    }
  }
  // DKIM and DMARC need DNS; the pipe door has no SMTP client, so SPF is "none".
  boost::asio::io_context io;
  dns::CaresOptions dns_options;
  dns_options.server = config.dns;
  auto resolver = dns::CaresResolver::Create(io.get_executor(), dns_options);
  if (!resolver.ok()) {
    spdlog::error("ingest: --dns: {}", resolver.status().message());
    return kExitConfig;
  }

  mime::InitMime();
  intake::Inbound in;
  in.bytes = std::move(bytes);
  in.mail_from = args.sender;
  in.recipients = args.recipients;
  in.door = intake::Door::kPipe;
  auto result = pipeline.Process(**store, std::move(in), resolver->get(), &io);
  if (!result.ok()) {
    spdlog::error("ingest: {}", result.status().message());
    return kExitTempFail;
  }
  const auto& o = *result;
  // A policy refusal (blocklist reject:, spam score, DMARC) bounces as
  // "permission denied" (EX_NOPERM); a sender over its rate is told to retry.
  if (o.kind == intake::OutcomeKind::kRejected) {
    spdlog::error("ingest: refused: {}", o.cause);
    return kExitNoPerm;
  }
  if (o.kind == intake::OutcomeKind::kThrottled) {
    spdlog::error("ingest: try again later: {}", o.cause);
    return kExitTempFail;
  }
  int64_t ref = o.kind == intake::OutcomeKind::kSuspended ? o.suspended_id
                : o.kind == intake::OutcomeKind::kBounce  ? o.bounced_recipient_id
                                      : o.ticket_id;
  std::cout << intake::OutcomeKindName(o.kind) << " " << ref
            << (o.duplicate ? " duplicate" : "") << (o.cause.empty() ? "" : " " + o.cause)
            << "\n";
  return kExitOk;
}

}  // namespace postdesk::app
