#include "intake/service.h"

#include <memory>

namespace postdesk::intake {

void IntakeService::Submit(Inbound inbound, std::function<void(Result<Outcome>)> done) {
  auto prepared = std::make_shared<Prepared>(pipeline_.Prepare(std::move(inbound)));
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
