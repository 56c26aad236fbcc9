#include "app/smtp_door.h"

namespace postdesk::app {

smtp::Reply SmtpDoor::CheckRecipient(const smtp::Envelope&, std::string_view recipient) {
  if (intake_.pipeline().Accepts(recipient)) return {250, "2.1.5", "Ok"};
  return {550, "5.1.1", "<" + std::string(recipient) + ">: no such support address here"};
}

smtp::Reply SmtpDoor::ReplyFor(const Result<intake::Outcome>& result) {
  if (!result.ok()) {
    if (result.status().temporary()) {
      return {451, "4.3.0", "Temporary failure storing the message, try again later"};
    }
    return {554, "5.3.0", "Message could not be stored: " + result.status().message()};
  }
  const intake::Outcome& o = *result;
  if (o.kind == "rejected") return {550, "5.7.1", "Message refused: " + o.cause};  // cause: the policy's reason
  std::string what = o.kind == "bounce"      ? "delivery report recorded"
                     : o.kind == "suspended" ? "held for review (" + o.cause + ")"
                     : o.kind == "comment" ? "added to ticket " + std::to_string(o.ticket_id)
                                           : "ticket " + std::to_string(o.ticket_id) + " created";
  if (o.duplicate) what = "already received";
  return {250, "2.0.0", "Ok: " + what};
}

void SmtpDoor::Deliver(smtp::Envelope envelope, std::string data,
                       std::function<void(std::vector<smtp::Reply>)> done) {
  intake::Inbound in;
  in.bytes = std::move(data);
  in.mail_from = envelope.mail_from;
  in.recipients = envelope.rcpt_to;
  in.door = envelope.lmtp ? "lmtp" : "smtp";
  in.client_ip = envelope.client_ip;
  in.helo = envelope.helo;
  size_t n = envelope.rcpt_to.size();
  intake_.Submit(std::move(in), [this, n, done = std::move(done)](Result<intake::Outcome> r) {
    if (r.ok() && r->notifications > 0 && on_mail_queued_) on_mail_queued_();
    done(std::vector<smtp::Reply>(n, ReplyFor(r)));
  });
}

}  // namespace postdesk::app
