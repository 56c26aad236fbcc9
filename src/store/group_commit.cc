#include "store/group_commit.h"

#include <exception>
#include <utility>
#include <vector>

namespace postdesk::store {

GroupCommitWriter::GroupCommitWriter(Store& store, size_t max_batch)
    : store_(store), max_batch_(max_batch == 0 ? 1 : max_batch), thread_([this] { Run(); }) {}

GroupCommitWriter::~GroupCommitWriter() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  thread_.join();
}

void GroupCommitWriter::Submit(TxFn fn, Done done) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (!stopping_) {
      pending_.emplace_back(std::move(fn), std::move(done));
      cv_.notify_one();
      return;
    }
  }
  // Too late: the writer may already have drained and left.
  if (done) done(Status::Temporary("store writer is shutting down"));
}

void GroupCommitWriter::Run() {
  std::vector<TxFn> fns;
  std::vector<Done> dones;
  while (true) {
    {
      std::unique_lock<std::mutex> lock(mu_);
      cv_.wait(lock, [this] { return stopping_ || !pending_.empty(); });
      if (pending_.empty()) return;  // stopping, and nothing left to drain
      // Everything that queued up while the previous batch was committing
      // goes into this one: that is where the grouping comes from.
      while (!pending_.empty() && fns.size() < max_batch_) {
        fns.push_back(std::move(pending_.front().first));
        dones.push_back(std::move(pending_.front().second));
        pending_.pop_front();
      }
    }
    std::vector<Status> results;
    try {
      results = store_.WriteBatch(fns);
    } catch (const std::exception& e) {
      results.assign(fns.size(), Status::Temporary(std::string("write batch threw: ") + e.what()));
    } catch (...) {
      results.assign(fns.size(), Status::Temporary("write batch threw"));
    }
    if (results.size() != fns.size()) {
      results.assign(fns.size(),
                     Status::Permanent("write batch returned the wrong number of results"));
    }
    for (size_t i = 0; i < dones.size(); ++i) {
      if (!dones[i]) continue;
      try {
        dones[i](std::move(results[i]));
      } catch (...) {
        // A completion must not take the writer down with it.
      }
    }
    fns.clear();
    dones.clear();
  }
}

}  // namespace postdesk::store
