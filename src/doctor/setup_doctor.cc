#include "doctor/setup_doctor.h"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>
#include <exception>
#include <utility>

#include "channel/recipient_addresses.h"
#include "common/strings.h"
#include "dns/cares_resolver.h"
#include "dns/names.h"

namespace postdesk::doctor {

namespace {

using boost::asio::awaitable;
using channel::Finding;
using nlohmann::json;

std::string JsonString(const json& j, const char* key) {
  if (!j.is_object()) return "";
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : "";
}

}  // namespace

Result<std::string> ValidDomainArg(std::string_view domain) {
  std::string d = dns::NormalizeName(Trim(domain));
  auto bad = [&](const std::string& why) {
    return Status::Invalid("'" + SanitizeUtf8(domain) + "' is not a domain name: " + why);
  };
  if (d.empty()) return bad("empty");
  for (char c : d) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_')) {
      return bad("only letters, digits, '-', '_' and '.' are allowed");
    }
  }
  if (!dns::IsValidQueryName(d))
    return bad("empty label, a label over 63 or a name over 253 octets");
  if (d.find('.') == std::string::npos) return bad("it needs at least two labels");
  return d;
}

Result<std::string> ValidAddressArg(std::string_view address) {
  std::string a = NormalizeEmail(address);
  size_t at = a.rfind('@');
  if (at == std::string::npos || at == 0) {
    return Status::Invalid("'" + SanitizeUtf8(address) + "' is not an email address");
  }
  for (char c : a.substr(0, at)) {
    if (static_cast<unsigned char>(c) <= ' ' || c == '<' || c == '>' || c == '"' || c == 0x7f) {
      return Status::Invalid("'" + SanitizeUtf8(address) + "' is not an email address");
    }
  }
  auto d = ValidDomainArg(a.substr(at + 1));
  if (!d.ok()) return d.status();
  return a.substr(0, at + 1) + *d;
}

awaitable<channel::Report> DiagnoseDomain(dns::Resolver& resolver, std::string domain,
                                          channel::DomainCheckOptions options) {
  channel::Report report;
  report.subject = "domain " + domain;
  report.findings = co_await channel::CheckDomain(resolver, domain, std::move(options));
  co_return report;
}

Result<AddressFacts> LookUpAddress(store::Store& store, const std::string& email) {
  AddressFacts facts;
  Status s = store.Read([&](store::Tx& tx) {
    auto row = tx.FindRecipientAddressByEmail(email);
    if (row.ok()) {
      facts.found = true;
      facts.row = *row;
    } else if (row.status().kind() != ErrorKind::kNotFound) {
      return row.status();
    }
    auto def = channel::DefaultAddress(tx);
    if (def.ok()) {
      facts.default_address = *def;
    } else if (def.status().kind() != ErrorKind::kNotFound) {
      return def.status();
    }
    return Status::Ok();
  });
  if (!s.ok()) return s;
  return facts;
}

std::vector<Finding> AddressFindings(const AddressFacts& facts, const std::string& email,
                                     const std::string& desk_domain) {
  std::vector<Finding> out;
  const std::string def =
      facts.default_address.empty() ? "the default support address" : facts.default_address;
  if (!facts.found) {
    out.push_back(channel::Problem(
        "address", "Support address",
        email + " is not a support address: mail to it is refused (550 5.1.1) and never "
                "becomes a ticket",
        "add it with POST /api/v2/recipient_addresses {\"recipient_address\": {\"email\": \"" +
            email + "\"}}" +
            (channel::IsOwnDomain(email, desk_domain)
                 ? std::string()
                 : ", forward its mail to " + def + " and verify the forwarding") +
            "; or tell customers to write to " + def,
        json{{"support_address", false}}));
    return out;
  }
  const store::RecipientAddress& a = facts.row;
  const bool own = channel::IsOwnDomain(a.email, desk_domain);
  json details = {{"support_address", true},
                  {"id", a.id},
                  {"default", a.is_default},
                  {"forwarding_status", a.forwarding_status}};
  out.push_back(channel::Ok("address", "Support address",
                            a.email + " is a support address (id " + std::to_string(a.id) +
                                (a.is_default ? ", the default" : "") +
                                (own ? ", on the desk's own domain" : ", external") + ")",
                            details));

  const json check = channel::Checks(a).value("forwarding", json::object());
  // The stored texts may name the address as "{id}": say which.
  auto with_id = [&](std::string text) {
    for (size_t p; (p = text.find("{id}")) != std::string::npos;) {
      text.replace(p, 4, std::to_string(a.id));
    }
    return text;
  };
  const std::string reason = with_id(JsonString(check, "reason"));
  const std::string fix = with_id(JsonString(check, "fix"));
  const std::string title = "Forwarding";
  const std::string verify = "PUT /api/v2/recipient_addresses/" + std::to_string(a.id) +
                             "/verify with {\"type\": \"forwarding\"}";
  if (own) {
    out.push_back(channel::Ok("forwarding", title,
                              a.email + " is on " + desk_domain +
                                  ": its mail comes to us directly (see mx), nothing to forward",
                              details));
  } else if (a.forwarding_status == channel::kStatusVerified) {
    out.push_back(channel::Ok(
        "forwarding", title,
        "forwarding from " + a.email + " to us is verified" + (reason.empty() ? "" : ": " + reason),
        details));
  } else if (a.forwarding_status == channel::kStatusWaiting) {
    out.push_back(channel::Warning(
        "forwarding", title,
        "a verification email was sent to " + a.email +
            "; waiting for it to come back by "
            "forwarding" +
            (reason.empty() ? "" : " (" + reason + ")"),
        fix.empty() ? "make sure " + a.email + " forwards its mail to " + def +
                          "; the check fails with the reason if the email does not come back"
                    : fix,
        details));
  } else if (a.forwarding_status == channel::kStatusFailed) {
    out.push_back(channel::Problem(
        "forwarding", title,
        "forwarding verification of " + a.email + " failed" + (reason.empty() ? "" : ": " + reason),
        fix.empty() ? "forward " + a.email + "'s mail to " + def + ", then " + verify : fix,
        details));
  } else {
    out.push_back(channel::Warning(
        "forwarding", title,
        "forwarding from " + a.email +
            " is not verified: mail that reaches us for it becomes "
            "tickets, but we do not send as " +
            a.email + " (replies go out from " + def + ")",
        fix.empty() ? "forward " + a.email + "'s mail to " + def + ", then " + verify : fix,
        details));
  }
  return out;
}

awaitable<channel::Report> DiagnoseAddress(dns::Resolver& resolver, std::string email,
                                           AddressFacts facts, std::string desk_domain,
                                           channel::DomainCheckOptions options) {
  channel::Report report;
  report.subject = "address " + email;
  report.findings = AddressFindings(facts, email, desk_domain);
  const std::string domain(EmailDomain(email));
  report.Append(co_await channel::CheckDomain(resolver, domain, std::move(options)));
  co_return report;
}

channel::Report RunWithResolver(const std::string& dns_server, const std::string& subject,
                                const ReportFn& run) {
  boost::asio::io_context io;
  dns::CaresOptions dns_options;
  dns_options.server = dns_server;
  auto resolver = dns::CaresResolver::Create(io.get_executor(), dns_options);
  auto failed = [&](const std::string& why) {
    channel::Report r;
    r.subject = subject;
    r.Add(channel::TempError("dns", "DNS resolver", "anything", why));
    return r;
  };
  if (!resolver.ok()) return failed(resolver.status().message());
  dns::Resolver* res = resolver->get();
  auto future = boost::asio::co_spawn(io, run(*res), boost::asio::use_future);
  io.run();
  try {
    return future.get();
  } catch (const std::exception& e) {
    return failed(e.what());
  }
}

namespace {

// The DKIM findings of one key of ours, as a report (arguments by value: a
// coroutine must not keep references to its caller's locals).
boost::asio::awaitable<channel::Report> DkimRecordReport(dns::Resolver& resolver,
                                                         std::string domain,
                                                         channel::DomainCheckOptions options) {
  channel::Report report;
  report.subject = "dkim " + domain;
  report.findings = co_await channel::CheckDkim(resolver, domain, std::move(options));
  co_return report;
}

}  // namespace

channel::Finding DkimKeyPublished(const std::string& dns_server, const std::string& desk_domain,
                                  const channel::StoredKey& key) {
  channel::DomainCheckOptions options;
  options.desk_domain = dns::NormalizeName(desk_domain);
  options.dkim_keys.push_back({key.selector, key.public_key_base64, key.algorithm, key.enabled});
  const std::string subject = "dkim " + key.domain;
  ReportFn run = [domain = key.domain, options](dns::Resolver& resolver) {
    return DkimRecordReport(resolver, domain, options);
  };
  channel::Report report = RunWithResolver(dns_server, subject, run);
  if (report.findings.empty()) {
    return channel::TempError("dkim." + key.selector, "DKIM record", "DNS",
                              "the DNS check gave no answer");
  }
  return report.findings.front();
}

}  // namespace postdesk::doctor
