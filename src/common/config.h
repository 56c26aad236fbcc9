// Runtime configuration of `postdesk serve` and the other subcommands: every
// key can come from the TOML file given by --config and be overridden by a flag.
// Thread-safety: a plain value, read-only once the server starts.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/status.h"

namespace postdesk {

struct Config {
  std::string data_dir = "var";
  std::string db_url;          // empty: sqlite:<data_dir>/postdesk.db
  std::string smtp_listen = "127.0.0.1:2525";
  std::string lmtp_listen;     // empty: LMTP off
  std::string http_listen = "127.0.0.1:8080";
  std::string domain = "support.localhost";
  std::string relay;           // empty: MX delivery
  std::string dns;             // empty: system resolver
  std::string hostname = "postdesk.localhost";  // our EHLO name / authserv-id
  std::string desk_name = "Support";             // display name on our mail
  std::string admin_email;  // the first admin's address; empty: admin@<domain>

  // Bounds on everything that comes from the network.
  uint64_t max_message_bytes = 25ull * 1024 * 1024;
  uint32_t max_recipients = 100;
  uint32_t max_line_bytes = 4096;  // RFC 5321 says 512 for commands; we are lenient
  uint32_t idle_timeout_seconds = 300;
  uint32_t max_connections = 200;

  // Sender authentication of inbound mail: off | flag | suspend; refuse at
  // SMTP time mail failing DMARC whose domain asks for p=reject; ARC sealers
  // (d= domains) whose results we trust for forwarded mail.
  std::string inbound_authentication = "flag";
  bool reject_on_dmarc_reject = false;
  std::vector<std::string> trusted_arc_sealers;

  // Outbound delivery retries: first delay (doubling up to an hour) and lifetime.
  int64_t retry_first_delay_seconds = 60;
  int64_t delivery_lifetime_seconds = 5 * 24 * 3600;

  std::string SqlitePath() const;  // resolves db_url / data_dir
  std::string DefaultSupportAddress() const { return "support@" + domain; }
};

// Reads `path` (TOML) into `config`; keys not present keep their values.
Status LoadConfigFile(const std::string& path, Config& config);

// Parses "host:port" (IPv6 as "[::1]:25"). Port 0 is allowed.
Status ParseHostPort(const std::string& s, std::string& host, uint16_t& port);

}  // namespace postdesk
