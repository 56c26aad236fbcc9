// store/faulty_store: a Store that fails (or reads slowly) on demand, for
// tests of what the doors do when the disk or the database does (LevelDB's
// fault-injecting Env, for our Store). Writes run on the real store and are then refused
// at the commit, so a test also sees that nothing half-written remains.
// Thread-safety: as the wrapped store; the fault switches take a mutex.
#pragma once

#include <chrono>
#include <mutex>
#include <thread>
#include <vector>

#include "store/store.h"

namespace postdesk::store {

class FaultyStore final : public Store {
 public:
  explicit FaultyStore(Store& inner) : inner_(inner) {}

  // Every write (and batch) from now on fails with `status`; Ok heals.
  void FailWrites(Status status) {
    std::lock_guard lock(mu_);
    write_failure_ = std::move(status);
  }
  void FailReads(Status status) {
    std::lock_guard lock(mu_);
    read_failure_ = std::move(status);
  }

  Status Write(const TxFn& fn) override {
    Status fail = WriteFailure();
    return inner_.Write([&](Tx& tx) {
      Status s = fn(tx);
      return s.ok() ? fail : s;  // a failing commit: everything rolls back
    });
  }
  std::vector<Status> WriteBatch(const std::vector<TxFn>& fns) override {
    Status fail = WriteFailure();
    if (fail.ok()) return inner_.WriteBatch(fns);
    // The commit itself fails: every submission gets the failure and the
    // whole batch rolls back.
    (void)inner_.Write([&](Tx& tx) {
      for (const auto& fn : fns) (void)fn(tx);
      return fail;
    });
    return std::vector<Status>(fns.size(), fail);
  }
  // Every read from now on first waits this long (a busy database).
  void SlowReads(std::chrono::milliseconds delay) {
    std::lock_guard lock(mu_);
    read_delay_ = delay;
  }

  Status Read(const TxFn& fn) override {
    Status fail = ReadFailure();
    if (!fail.ok()) return fail;
    std::chrono::milliseconds delay;
    {
      std::lock_guard lock(mu_);
      delay = read_delay_;
    }
    if (delay.count() > 0) std::this_thread::sleep_for(delay);
    return inner_.Read(fn);
  }

 private:
  Status WriteFailure() {
    std::lock_guard lock(mu_);
    return write_failure_;
  }
  Status ReadFailure() {
    std::lock_guard lock(mu_);
    return read_failure_;
  }

  Store& inner_;
  std::mutex mu_;
  Status write_failure_;
  Status read_failure_;
  std::chrono::milliseconds read_delay_{0};
};

}  // namespace postdesk::store
