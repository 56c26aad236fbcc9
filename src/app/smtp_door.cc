#include "app/smtp_door.h"

namespace postdesk::app {
namespace {

// Reply text made of printable ASCII only, bounded: a refusal's reason may
// quote the sender's address, which came from the message.
std::string ReplyText(std::string_view text) {
  std::string out;
  for (unsigned char c : text.substr(0, 300)) out += (c >= 0x20 && c < 0x7f) ? static_cast<char>(c) : '?';
  return out;
}

}  // namespace

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
  // Refusals: nothing was kept. The reason (a policy's words, a list entry,
  // a score) is ours, never the peer's text.
  using intake::OutcomeKind;
  std::string what;
  switch (o.kind) {
    case OutcomeKind::kRejected:
      return {550, "5.7.1", ReplyText("Message refused: " + o.cause)};
    case OutcomeKind::kThrottled:
      return {451, "4.7.1", ReplyText("Too many messages, try again later: " + o.cause)};
    case OutcomeKind::kBounce:
    case OutcomeKind::kBackscatter:
      what = "delivery report recorded";
      break;
    case OutcomeKind::kVerification:
      what = "forwarding verification received";
      break;
    case OutcomeKind::kSuspended:
      what = "held for review (" + o.cause + ")";
      break;
    case OutcomeKind::kComment:
      what = "added to ticket " + std::to_string(o.ticket_id);
      break;
    case OutcomeKind::kTicket:
      what = "ticket " + std::to_string(o.ticket_id) + " created";
      break;
  }
  if (o.duplicate) what = "already received";
  return {250, "2.0.0", "Ok: " + what};
}

void SmtpDoor::Deliver(smtp::Envelope envelope, std::string data,
                       std::function<void(std::vector<smtp::Reply>)> done) {
  intake::Inbound in;
  in.bytes = std::move(data);
  in.mail_from = envelope.mail_from;
  in.recipients = envelope.rcpt_to;
  in.door = envelope.lmtp ? intake::Door::kLmtp : intake::Door::kSmtp;
  in.client_ip = envelope.client_ip;
  in.helo = envelope.helo;
  size_t n = envelope.rcpt_to.size();
  intake_.Submit(std::move(in), [this, n, done = std::move(done)](Result<intake::Outcome> r) {
    if (r.ok() && r->notifications > 0 && on_mail_queued_) on_mail_queued_();
    done(std::vector<smtp::Reply>(n, ReplyFor(r)));
  });
}

}  // namespace postdesk::app
