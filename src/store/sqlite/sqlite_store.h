// SqliteStore: the Store interface over one SQLite file in WAL mode.
//
// One writer connection behind a mutex runs Write/WriteBatch as BEGIN
// IMMEDIATE ... COMMIT with synchronous=FULL, so a transaction that returned
// ok is on disk (survives kill -9 and power loss as far as fsync does). Reads
// take a connection from a small pool of read-only connections and see a
// consistent snapshot while the writer works. A ":memory:" database has no
// separate readers: reads then share the writer connection and its lock.
//
// Trust: callers are our own modules; every value is bound as a parameter.
// Exceptions thrown by callbacks are caught here and become a Status.
// Thread-safety: all public methods are thread-safe.
#pragma once

#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "store/sqlite/sqlite_conn.h"
#include "store/store.h"

namespace postdesk::store::sqlite {

struct SqliteOptions {
  int max_readers = 4;
  int busy_timeout_ms = 5000;
};

class SqliteStore final : public Store {
 public:
  static Result<std::unique_ptr<SqliteStore>> Open(const std::string& path,
                                                   SqliteOptions options = {});
  ~SqliteStore() override;

  Status Write(const TxFn& fn) override;
  std::vector<Status> WriteBatch(const std::vector<TxFn>& fns) override;
  Status Read(const TxFn& fn) override;

  // How many schema steps this Open applied (0 for an up-to-date file).
  int migrations_applied() const { return migrations_applied_; }

 private:
  SqliteStore(std::string path, SqliteOptions options, std::unique_ptr<Conn> writer);
  Result<std::unique_ptr<Conn>> OpenReader();
  Status ConfigureConn(Conn& conn, bool writer);

  const std::string path_;
  const SqliteOptions options_;
  const bool in_memory_;
  int migrations_applied_ = 0;

  std::mutex write_mu_;
  std::unique_ptr<Conn> writer_;  // guarded by write_mu_

  std::mutex read_mu_;
  std::condition_variable read_cv_;
  std::vector<std::unique_ptr<Conn>> idle_readers_;  // guarded by read_mu_
  int open_readers_ = 0;                             // guarded by read_mu_
};

}  // namespace postdesk::store::sqlite
