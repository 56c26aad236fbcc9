// IntakeService: the asynchronous front of the pipeline for the network
// doors. Prepare (parsing, and the reads it may block on: a sender's earlier
// mail, whether the sender is an agent) runs on the `blocking` pool when one
// is given, so an io thread serving SMTP sessions never waits on the
// database; Commit runs in the group-commit writer, batched with other
// messages; the completion fires after the commit, so a door acknowledges
// only what is durable. A refusal that needs no record (a sender's flood
// past its first refusals) completes at once.
// Thread-safety: Submit is thread-safe; `done` runs on the writer thread (or,
// for such a refusal, on the pool's or caller's) and must only post work.
#pragma once

#include <functional>
#include <memory>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/thread_pool.hpp>

#include "intake/pipeline.h"
#include "store/group_commit.h"

namespace postdesk::intake {

class IntakeService {
 public:
  using Done = std::function<void(Result<Outcome>)>;

  // With a resolver, each message is authenticated (a coroutine on
  // `executor`) between Prepare and Commit. Without `blocking`, Prepare
  // runs on the caller's thread.
  IntakeService(const Pipeline& pipeline, store::GroupCommitWriter& writer,
                boost::asio::any_io_executor executor = {}, dns::Resolver* resolver = nullptr,
                boost::asio::thread_pool* blocking = nullptr)
      : pipeline_(pipeline), writer_(writer), executor_(executor), resolver_(resolver),
        blocking_(blocking) {}

  void Submit(Inbound inbound, Done done);

  const Pipeline& pipeline() const { return pipeline_; }

 private:
  boost::asio::awaitable<void> AuthenticateThenCommit(std::shared_ptr<Prepared> prepared,
                                                      std::shared_ptr<Done> done);
  void Commit(std::shared_ptr<Prepared> prepared, Done done);
  // After Prepare: a refusal needing no record, or authenticate and commit.
  void Continue(std::shared_ptr<Prepared> prepared, Done done);

  const Pipeline& pipeline_;
  store::GroupCommitWriter& writer_;
  boost::asio::any_io_executor executor_;
  dns::Resolver* resolver_;
  boost::asio::thread_pool* blocking_;
};

}  // namespace postdesk::intake
