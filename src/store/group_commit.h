// GroupCommitWriter: the single writer in front of a Store. Callers Submit a
// transaction callback and a completion; a dedicated thread takes everything
// pending, runs it as one Store::WriteBatch (one commit, one fsync), and then
// calls each completion with that callback's Status -- so an SMTP session
// answers 250 only after its message is durable, while throughput is not one
// fsync per message. Thread-safety: Submit is thread-safe; completions run on
// the writer thread and must be short (post elsewhere for real work).
#pragma once

#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>

#include "store/store.h"

namespace postdesk::store {

class GroupCommitWriter {
 public:
  using Done = std::function<void(Status)>;

  explicit GroupCommitWriter(Store& store, size_t max_batch = 256);
  ~GroupCommitWriter();  // drains what is pending, then joins
  GroupCommitWriter(const GroupCommitWriter&) = delete;
  GroupCommitWriter& operator=(const GroupCommitWriter&) = delete;

  void Submit(TxFn fn, Done done);

 private:
  void Run();

  Store& store_;
  size_t max_batch_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::pair<TxFn, Done>> pending_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace postdesk::store
