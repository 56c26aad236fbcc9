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
  // The SPF include customers' domains must carry for our mail to pass SPF;
  // empty: _spf.<domain> (see SpfInclude()).
  std::string spf_include;
  // The desk's language when it is created ("en" or "ja"): its default
  // triggers and their emails. An existing desk keeps the one it has.
  std::string language = "en";

  // Bounds on everything that comes from the network.
  uint64_t max_message_bytes = 25ull * 1024 * 1024;
  uint32_t max_recipients = 100;
  uint32_t max_line_bytes = 4096;  // RFC 5321 says 512 for commands; we are lenient
  uint32_t idle_timeout_seconds = 300;
  uint32_t max_connections = 200;
  // SMTP only: connections per client address; seconds a session may spend
  // in commands; the rate a DATA transfer must keep after a minute.
  uint32_t max_connections_per_client = 20;
  uint32_t session_timeout_seconds = 600;
  uint32_t min_data_bytes_per_second = 1024;

  // Sender authentication of inbound mail: off | flag | suspend; refuse at
  // SMTP time mail failing DMARC whose domain asks for p=reject; ARC sealers
  // (d= domains) whose results we trust for forwarded mail.
  std::string inbound_authentication = "flag";
  bool reject_on_dmarc_reject = false;
  std::vector<std::string> trusted_arc_sealers;
  // Relays whose spam scanner verdicts (SpamAssassin's X-Spam-Status,
  // Rspamd's X-Spamd-Result, ...) we honour: client addresses or networks
  // of the SMTP/LMTP doors, and "pipe" for `postdesk ingest`.
  std::vector<std::string> trusted_relays;

  // Outbound delivery retries: first delay (doubling up to an hour) and lifetime.
  int64_t retry_first_delay_seconds = 60;
  int64_t delivery_lifetime_seconds = 5 * 24 * 3600;

  // Suspended mail (the row and its raw message) is purged this many days
  // after it arrived; 0 keeps it forever.
  int64_t suspended_retention_days = 14;

  // How long an external support address may stay "waiting" for its
  // forwarding verification email to come back before it is "failed".
  int64_t forwarding_timeout_seconds = 3600;

  // Inbound screening. Per sender (From) and hour: the first
  // rate_accept_per_hour are accepted, the next rate_suspend_per_hour
  // suspended (loop), the rest refused with 451; allowlisted senders get
  // allowlist_rate_multiplier times both (rate_accept_per_hour = 0 turns the
  // guard off, e.g. for load tests from one sender). More distinct To/Cc
  // addresses than max_header_recipients suspend (0: no limit).
  int64_t rate_accept_per_hour = 20;
  int64_t rate_suspend_per_hour = 20;
  int64_t allowlist_rate_multiplier = 10;
  int64_t max_header_recipients = 50;
  // The spam filter's thresholds: suspend at >= spam_suspend_at, refuse at
  // SMTP (550 5.7.1) at >= spam_refuse_at (above 1: never refuse).
  double spam_suspend_at = 0.9;
  double spam_refuse_at = 0.99;

  // The workspace: sessions end after session_idle_seconds without use;
  // login_failures_per_account wrong passwords within a quarter hour lock
  // that account out of sign-in for login_lockout_seconds (per client
  // address: five times as many).
  int64_t session_idle_seconds = 8 * 3600;
  int64_t login_failures_per_account = 20;
  int64_t login_lockout_seconds = 900;

  std::string SqlitePath() const;  // resolves db_url / data_dir
  std::string DefaultSupportAddress() const { return "support@" + domain; }
  std::string SpfInclude() const { return spf_include.empty() ? "_spf." + domain : spf_include; }
};

// Reads `path` (TOML) into `config`; keys not present keep their values.
Status LoadConfigFile(const std::string& path, Config& config);

// Parses "host:port" (IPv6 as "[::1]:25"). Port 0 is allowed.
Status ParseHostPort(const std::string& s, std::string& host, uint16_t& port);

}  // namespace postdesk
