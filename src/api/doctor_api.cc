#include "api/doctor_api.h"

#include <spdlog/spdlog.h>

#include <ctime>
#include <memory>
#include <string>
#include <utility>

#include "api/present.h"
#include "channel/domain_checks.h"
#include "common/strings.h"
#include "doctor/sender_doctor.h"
#include "doctor/setup_doctor.h"
#include "doctor/fixes.h"
#include "doctor/ticket_doctor.h"
#include "outbound/compose.h"

namespace postdesk::api {

namespace {

http::Response Invalid(const Status& s) {
  return http::ErrorResponse(422, "InvalidValue", s.message());
}

}  // namespace

void RegisterDoctorApi(http::Router& router, store::Store& store, Config config,
                       std::function<void()> on_mail_queued) {
  auto cfg = std::make_shared<const Config>(std::move(config));
  store::Store* st = &store;

  router.Get("/api/v2/doctor/domain/{domain}", [cfg](const http::Request& req) {
    auto domain = doctor::ValidDomainArg(req.Param("domain"));
    if (!domain.ok()) return Invalid(domain.status());
    const channel::DomainCheckOptions options = channel::DomainCheckOptionsFor(*cfg, *domain);
    const std::string d = *domain;
    doctor::ReportFn run = [&](dns::Resolver& resolver) {
      return doctor::DiagnoseDomain(resolver, d, options);
    };
    channel::Report report = doctor::RunWithResolver(cfg->dns, "domain " + d, run);
    return http::JsonResponse(200, report.ToJson());
  }, http::kAdminOnly);

  router.Get("/api/v2/doctor/address/{address}", [cfg, st](const http::Request& req) {
    auto address = doctor::ValidAddressArg(req.Param("address"));
    if (!address.ok()) return Invalid(address.status());
    auto facts = doctor::LookUpAddress(*st, *address);
    if (!facts.ok()) return StoreError(facts.status());
    const std::string email = *address;
    const std::string domain(EmailDomain(email));
    const channel::DomainCheckOptions options = channel::DomainCheckOptionsFor(*cfg, domain);
    const doctor::AddressFacts f = *facts;
    doctor::ReportFn run = [&](dns::Resolver& resolver) {
      return doctor::DiagnoseAddress(resolver, email, f, cfg->domain, options);
    };
    channel::Report report = doctor::RunWithResolver(cfg->dns, "address " + email, run);
    return http::JsonResponse(200, report.ToJson());
  }, http::kAdminOnly);

  // doctor ticket / sender: the same JSON as --json, with the fixes offered
  // (applying them is the CLI's --fix; these routes change nothing).
  auto diagnosis_response = [](const Result<doctor::Diagnosis>& d) {
    if (d.ok()) return http::JsonResponse(200, d->ToJson());
    if (d.status().kind() == ErrorKind::kNotFound) {
      return http::ErrorResponse(404, "RecordNotFound", d.status().message());
    }
    if (d.status().kind() == ErrorKind::kInvalid) return Invalid(d.status());
    return StoreError(d.status());
  };

  router.Get("/api/v2/doctor/ticket/{id}", [cfg, st, diagnosis_response](const http::Request& req) {
    std::string id(req.Param("id"));
    if (id.empty() || id.size() > 18 || id.find_first_not_of("0123456789") != std::string::npos ||
        std::stoll(id) <= 0) {
      return Invalid(Status::Invalid("\"" + id + "\" is not a ticket id"));
    }
    doctor::TicketDoctorOptions options;
    options.ticket_id = std::stoll(id);
    if (std::string_view r = req.Query("recipient"); !r.empty()) {
      auto recipient = doctor::ValidAddressArg(r);
      if (!recipient.ok()) return Invalid(recipient.status());
      options.recipient = *recipient;
    }
    options.default_support_address = cfg->DefaultSupportAddress();
    options.relay = cfg->relay;
    options.domain_options = [cfg](const std::string& domain) {
      return channel::DomainCheckOptionsFor(*cfg, domain);
    };
    return diagnosis_response(doctor::RunTicketDoctor(*st, cfg->dns, options));
  });

  router.Get("/api/v2/doctor/sender/{email}",
             [cfg, st, diagnosis_response](const http::Request& req) {
               auto email = doctor::ValidAddressArg(req.Param("email"));
               if (!email.ok()) return Invalid(email.status());
               doctor::SenderDoctorOptions options;
               options.email = *email;
               options.default_support_address = cfg->DefaultSupportAddress();
               options.desk_domain = cfg->domain;
               return diagnosis_response(doctor::RunSenderDoctor(*st, cfg->dns, options));
             });

  router.Add(
      "POST", "/api/v2/doctor/fixes",
      [cfg, st, on_mail_queued](const http::Request& req) {
        http::Response error;
        auto body = ParseJsonBody(req, error);
        if (!body) return error;
        auto fix = doctor::FixFromJson(body->value("fix", nlohmann::json()));
        if (!fix.ok()) return Invalid(fix.status());
        // The client's words reach the log and the doctor_fix event: one line each.
        fix->step = outbound::HeaderSafe(fix->step.substr(0, 100));
        fix->summary = outbound::HeaderSafe(fix->summary.substr(0, 300));
        std::string subject = outbound::HeaderSafe(body->value("subject", std::string()));
        if (subject.empty() || subject.size() > 300) {
          return Invalid(Status::Invalid("subject: the report's subject, e.g. \"ticket:7\""));
        }
        doctor::FixContext context;
        context.forwarding = {cfg->desk_name, cfg->DefaultSupportAddress(), cfg->domain,
                              cfg->hostname, cfg->forwarding_timeout_seconds};
        context.actor_id = req.user->id;
        Result<std::string> done = Status::Temporary("not run");
        Status s = st->Write([&](store::Tx& tx) {
          done = doctor::ApplyFix(tx, *fix, context, subject,
                                  static_cast<int64_t>(std::time(nullptr)));
          return done.status();
        });
        if (!s.ok()) {
          if (s.kind() == ErrorKind::kNotFound) {
            return http::ErrorResponse(404, "RecordNotFound",
                                       "what this fix repairs is gone: " + s.message());
          }
          if (s.kind() == ErrorKind::kInvalid) return Invalid(s);
          return StoreError(s);
        }
        spdlog::info("doctor fix by {} on {}: {}", req.user->email, subject, *done);
        if (fix->kind == doctor::FixKind::kResendForwardingVerification && on_mail_queued) {
          on_mail_queued();
        }
        return http::JsonResponse(200, {{"result", *done}, {"fix", doctor::FixJson(*fix)}});
      },
      http::kAdminOnly);
}

}  // namespace postdesk::api
