#include "intake/service.h"

#include <spdlog/spdlog.h>

#include <boost/asio/post.hpp>

#include "common/spawn.h"

namespace postdesk::intake {

void IntakeService::Submit(Inbound inbound, Done done) {
  if (blocking_ == nullptr) {
    Continue(std::make_shared<Prepared>(pipeline_.Prepare(std::move(inbound))), std::move(done));
    return;
  }
  // In shared state: a pool task must be copyable.
  auto work = std::make_shared<std::pair<Inbound, Done>>(std::move(inbound), std::move(done));
  boost::asio::post(*blocking_, [this, work] {
    // Nothing may escape a pool task (it would end the process).
    std::shared_ptr<Prepared> prepared;
    try {
      prepared = std::make_shared<Prepared>(pipeline_.Prepare(std::move(work->first)));
    } catch (...) {
      const std::string what = ExceptionText(std::current_exception());
      spdlog::error("intake: preparing a message failed: {}", what);
      work->second(Status::Temporary("internal error: " + what));
      return;
    }
    try {
      Continue(std::move(prepared), std::move(work->second));
    } catch (...) {
      // `done` may be consumed already: the sender's timeout answers it.
      spdlog::error("intake: handing a prepared message on failed: {}",
                    ExceptionText(std::current_exception()));
    }
  });
}

void IntakeService::Continue(std::shared_ptr<Prepared> prepared, Done done) {
  // A refusal with nothing to write (a flood past its first refusals) never
  // reaches the writer: a flood cannot slow everyone else's commits.
  if (prepared->refusal && !prepared->refusal->record_event) {
    Outcome o;
    o.kind = prepared->refusal->temporary ? OutcomeKind::kThrottled : OutcomeKind::kRejected;
    o.cause = prepared->refusal->reason;
    done(std::move(o));
    return;
  }
  if (resolver_ && executor_) {
    // If authentication throws, the sender hears 451 now (and retries),
    // rather than after the session's delivery timeout, and nothing is
    // committed without its checks.
    auto pending = std::make_shared<Done>(std::move(done));
    Spawn(executor_, AuthenticateThenCommit(std::move(prepared), pending),
          "intake: authenticating a message", [pending](const std::string& error) {
            if (*pending) (*pending)(Status::Temporary("internal error while authenticating: " + error));
          });
  } else {
    Commit(std::move(prepared), std::move(done));
  }
}

boost::asio::awaitable<void> IntakeService::AuthenticateThenCommit(std::shared_ptr<Prepared> prepared,
                                                                   std::shared_ptr<Done> done) {
  co_await pipeline_.Authenticate(*resolver_, *prepared);
  Commit(std::move(prepared), std::exchange(*done, nullptr));
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
