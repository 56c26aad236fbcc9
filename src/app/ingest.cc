// `postdesk ingest`: the pipe door. Reads one message from stdin (bounded by
// the message size limit), runs the same intake pipeline as SMTP, and exits
// with a sysexits code an MTA understands. Exit 0 only after the commit.
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <cstring>
#include <iostream>

#include "app/bootstrap.h"
#include "app/commands.h"
#include "intake/pipeline.h"

namespace postdesk::app {

std::vector<std::string> SupportAddressesOf(const Config& config) {
  return {config.DefaultSupportAddress()};
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

  intake::Pipeline pipeline({SupportAddressesOf(config), config.hostname, nullptr, DeskOf(config)});
  for (const auto& r : args.recipients) {
    if (!pipeline.Accepts(r)) {
      spdlog::error("ingest: {} is not a support address of this help desk", r);
      return kExitNoUser;
    }
  }

  auto store = OpenStore(config);
  if (!store.ok()) {
    spdlog::error("ingest: {}", store.status().message());
    return kExitTempFail;
  }

  mime::InitMime();
  intake::Inbound in;
  in.bytes = std::move(bytes);
  in.mail_from = args.sender;
  in.recipients = args.recipients;
  in.door = "pipe";
  auto result = pipeline.Process(**store, std::move(in));
  if (!result.ok()) {
    spdlog::error("ingest: {}", result.status().message());
    return kExitTempFail;
  }
  const auto& o = *result;
  int64_t ref = o.kind == "suspended" ? o.suspended_id
                : o.kind == "bounce"  ? o.bounced_recipient_id
                                      : o.ticket_id;
  std::cout << o.kind << " " << ref
            << (o.duplicate ? " duplicate" : "") << (o.cause.empty() ? "" : " " + o.cause)
            << "\n";
  return kExitOk;
}

}  // namespace postdesk::app
