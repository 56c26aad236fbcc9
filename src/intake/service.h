// IntakeService: the asynchronous front of the pipeline for the network
// doors. Prepare runs on the caller's thread; Commit runs in the group-commit
// writer, batched with other messages; the completion fires after the commit,
// so a door acknowledges only what is durable. Thread-safety: Submit is
// thread-safe; `done` runs on the writer thread and must only post work.
#pragma once

#include <functional>

#include "intake/pipeline.h"
#include "store/group_commit.h"

namespace postdesk::intake {

class IntakeService {
 public:
  IntakeService(const Pipeline& pipeline, store::GroupCommitWriter& writer)
      : pipeline_(pipeline), writer_(writer) {}

  void Submit(Inbound inbound, std::function<void(Result<Outcome>)> done);

  const Pipeline& pipeline() const { return pipeline_; }

 private:
  const Pipeline& pipeline_;
  store::GroupCommitWriter& writer_;
};

}  // namespace postdesk::intake
