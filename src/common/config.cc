#include "common/config.h"

#include <toml++/toml.h>

namespace postdesk {

std::string Config::SqlitePath() const {
  if (db_url.empty()) return data_dir + "/postdesk.db";
  if (db_url.rfind("sqlite:", 0) == 0) return db_url.substr(7);
  return db_url;
}

Status LoadConfigFile(const std::string& path, Config& c) {
  toml::table t;
  try {
    t = toml::parse_file(path);
  } catch (const toml::parse_error& e) {
    return Status::Invalid("config " + path + ": " + std::string(e.description()));
  }
  auto str = [&](const char* key, std::string& out) {
    if (auto v = t[key].value<std::string>()) out = *v;
  };
  auto num = [&](const char* key, auto& out) {
    if (auto v = t[key].value<int64_t>()) out = static_cast<std::decay_t<decltype(out)>>(*v);
  };
  str("data", c.data_dir);
  str("db", c.db_url);
  str("smtp", c.smtp_listen);
  str("lmtp", c.lmtp_listen);
  str("http", c.http_listen);
  str("domain", c.domain);
  str("relay", c.relay);
  str("dns", c.dns);
  str("hostname", c.hostname);
  str("name", c.desk_name);
  str("admin_email", c.admin_email);
  str("spf_include", c.spf_include);
  num("max_message_bytes", c.max_message_bytes);
  num("max_recipients", c.max_recipients);
  num("max_line_bytes", c.max_line_bytes);
  num("idle_timeout_seconds", c.idle_timeout_seconds);
  num("max_connections", c.max_connections);
  num("max_connections_per_client", c.max_connections_per_client);
  num("session_timeout_seconds", c.session_timeout_seconds);
  num("min_data_bytes_per_second", c.min_data_bytes_per_second);
  num("retry_first_delay_seconds", c.retry_first_delay_seconds);
  str("inbound_authentication", c.inbound_authentication);
  if (auto v = t["reject_on_dmarc_reject"].value<bool>()) c.reject_on_dmarc_reject = *v;
  if (auto* arr = t["trusted_arc_sealers"].as_array()) {
    c.trusted_arc_sealers.clear();
    for (auto& item : *arr) {
      if (auto s = item.value<std::string>()) c.trusted_arc_sealers.push_back(*s);
    }
  }
  if (auto* arr = t["trusted_relays"].as_array()) {
    c.trusted_relays.clear();
    for (auto& item : *arr) {
      auto s = item.value<std::string>();
      if (!s) return Status::Invalid("config " + path + ": trusted_relays holds strings");
      c.trusted_relays.push_back(*s);
    }
  }
  num("delivery_lifetime_seconds", c.delivery_lifetime_seconds);
  num("rate_accept_per_hour", c.rate_accept_per_hour);
  num("rate_suspend_per_hour", c.rate_suspend_per_hour);
  num("allowlist_rate_multiplier", c.allowlist_rate_multiplier);
  num("max_header_recipients", c.max_header_recipients);
  if (c.rate_accept_per_hour < 0 || c.rate_suspend_per_hour < 0 || c.allowlist_rate_multiplier < 1 ||
      c.max_header_recipients < 0) {
    return Status::Invalid("config " + path + ": rate_accept_per_hour, rate_suspend_per_hour and "
                           "max_header_recipients must be >= 0, allowlist_rate_multiplier >= 1");
  }
  for (auto [key, out] : {std::pair{"spam_suspend_at", &c.spam_suspend_at},
                          std::pair{"spam_refuse_at", &c.spam_refuse_at}}) {
    if (auto v = t[key].value<double>()) *out = *v;
  }
  if (!(c.spam_suspend_at > 0 && c.spam_suspend_at <= c.spam_refuse_at)) {
    return Status::Invalid("config " + path + ": need 0 < spam_suspend_at <= spam_refuse_at");
  }
  num("suspended_retention_days", c.suspended_retention_days);
  if (c.suspended_retention_days < 0) {
    return Status::Invalid("config " + path + ": suspended_retention_days must be 0 (keep "
                           "forever) or a number of days");
  }
  num("forwarding_timeout_seconds", c.forwarding_timeout_seconds);
  str("language", c.language);
  if (c.language != "en" && c.language != "ja") {
    return Status::Invalid("config " + path + ": language must be \"en\" or \"ja\"");
  }
  num("session_idle_seconds", c.session_idle_seconds);
  num("login_failures_per_account", c.login_failures_per_account);
  num("login_lockout_seconds", c.login_lockout_seconds);
  return Status::Ok();
}

Status ParseHostPort(const std::string& s, std::string& host, uint16_t& port) {
  size_t colon = s.rfind(':');
  if (colon == std::string::npos) return Status::Invalid("expected HOST:PORT, got '" + s + "'");
  host = s.substr(0, colon);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  std::string p = s.substr(colon + 1);
  if (p.empty() || p.size() > 5 || p.find_first_not_of("0123456789") != std::string::npos) {
    return Status::Invalid("bad port in '" + s + "'");
  }
  unsigned long v = std::stoul(p);
  if (v > 65535) return Status::Invalid("port out of range in '" + s + "'");
  port = static_cast<uint16_t>(v);
  return Status::Ok();
}

}  // namespace postdesk
