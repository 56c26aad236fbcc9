#include "intake/service.h"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>

namespace postdesk::intake {

void IntakeService::Submit(Inbound inbound, Done done) {
  auto prepared = std::make_shared<Prepared>(pipeline_.Prepare(std::move(inbound)));
  // A refusal with nothing to write (a flood past its first refusals) never
  // reaches the writer: a flood cannot slow everyone else's commits.
  if (prepared->refusal && !prepared->refusal->record_event) {
    Outcome o;
    o.kind = prepared->refusal->temporary ? "throttled" : "rejected";
    o.cause = prepared->refusal->reason;
    done(std::move(o));
    return;
  }
  if (resolver_ && executor_) {
    boost::asio::co_spawn(executor_, AuthenticateThenCommit(std::move(prepared), std::move(done)),
                          boost::asio::detached);
  } else {
    Commit(std::move(prepared), std::move(done));
  }
}

boost::asio::awaitable<void> IntakeService::AuthenticateThenCommit(std::shared_ptr<Prepared> prepared,
                                                                   Done done) {
  co_await pipeline_.Authenticate(*resolver_, *prepared);
  Commit(std::move(prepared), std::move(done));
}

void IntakeService::Commit(std::shared_ptr<Prepared> prepared, Done done) {
  auto result = std::make_shared<Result<Outcome>>(Status::Temporary("not committed"));
  writer_.Submit(
      [this, prepared, result](store::Tx& tx) {
        *result = pipeline_.Commit(tx, *prepared);
        return result->status();
      },
      [result, done = std::move(done)](Status committed) {
        if (!committed.ok()) {
          done(committed);
        } else {
          done(std::move(*result));
        }
      });
}

}  // namespace postdesk::intake
