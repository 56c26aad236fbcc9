// SmtpDoor: the SMTP/LMTP server's Handler, wiring it to the intake pipeline.
// Accepts RCPT only for support addresses (never an open relay) and turns an
// intake outcome into the SMTP reply: refused by policy (blocklist reject:,
// spam score, DMARC) -> 550 5.7.1, too many from one sender -> 451 4.7.1,
// each once per recipient (LMTP). Thread-safety: thread-safe (stateless
// apart from the thread-safe IntakeService).
#pragma once

#include "intake/service.h"
#include "smtp/handler.h"

namespace postdesk::app {

class SmtpDoor final : public smtp::Handler {
 public:
  // `on_mail_queued` runs after a message whose triggers queued email.
  SmtpDoor(intake::IntakeService& intake, std::function<void()> on_mail_queued = {})
      : intake_(intake), on_mail_queued_(std::move(on_mail_queued)) {}

  smtp::Reply CheckRecipient(const smtp::Envelope& envelope, std::string_view recipient) override;
  void Deliver(smtp::Envelope envelope, std::string data,
               std::function<void(std::vector<smtp::Reply>)> done) override;

  // The reply for an intake result (shared with tests).
  static smtp::Reply ReplyFor(const Result<intake::Outcome>& result);

 private:
  intake::IntakeService& intake_;
  std::function<void()> on_mail_queued_;
};

}  // namespace postdesk::app
