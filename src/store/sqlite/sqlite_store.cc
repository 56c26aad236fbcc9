#include "store/sqlite/sqlite_store.h"

#include <sqlite3.h>

#include <ctime>
#include <exception>
#include <new>
#include <utility>

#include "common/strings.h"
#include "store/migrations.h"
#include "store/sqlite/sqlite_tx.h"

namespace postdesk::store {

Result<std::unique_ptr<Store>> OpenSqlite(const std::string& path) {
  auto store = sqlite::SqliteStore::Open(path);
  if (!store.ok()) return store.status();
  return std::unique_ptr<Store>(std::move(store).value());
}

namespace sqlite {

namespace {

// Runs a caller's callback; nothing it throws may cross the Store boundary.
Status RunCallback(const TxFn& fn, Tx& tx) {
  try {
    return fn(tx);
  } catch (const std::bad_alloc&) {
    return Status::Temporary("transaction callback ran out of memory");
  } catch (const std::exception& e) {
    return Status::Permanent(std::string("transaction callback threw: ") + e.what());
  } catch (...) {
    return Status::Permanent("transaction callback threw a non-standard exception");
  }
}

// SQLite can end a transaction on its own (IO error, out of memory, disk
// full); the writes made so far are then gone, and callers must hear so.
Status LostTransaction() {
  return Status::Temporary("SQLite rolled the transaction back after an error");
}

class SqliteSchemaConn final : public SchemaConn {
 public:
  explicit SqliteSchemaConn(Conn& conn) : conn_(conn) {}
  Status Exec(std::string_view sql) override { return conn_.Exec(sql); }
  Result<int64_t> MaxVersion() override {
    auto stmt = conn_.Prepare("SELECT COALESCE(MAX(version), 0) FROM schema_migrations");
    if (!stmt.ok()) return stmt.status();
    auto row = stmt->Step();
    if (!row.ok()) return row.status();
    return *row ? stmt->Int(0) : 0;
  }
  Status RecordVersion(int version, std::string_view name, int64_t applied_at) override {
    auto stmt =
        conn_.Prepare("INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)");
    if (!stmt.ok()) return stmt.status();
    return stmt->Bind(1, int64_t{version}).Bind(2, name).Bind(3, applied_at).Run();
  }

 private:
  Conn& conn_;
};

}  // namespace

SqliteStore::SqliteStore(std::string path, SqliteOptions options, std::unique_ptr<Conn> writer)
    : path_(std::move(path)),
      options_(options),
      in_memory_(path_ == ":memory:"),
      writer_(std::move(writer)) {}

SqliteStore::~SqliteStore() {
  // Readers first, so the writer's close can checkpoint and remove the WAL.
  {
    std::lock_guard<std::mutex> lock(read_mu_);
    idle_readers_.clear();
  }
  std::lock_guard<std::mutex> lock(write_mu_);
  writer_.reset();
}

Status SqliteStore::ConfigureConn(Conn& conn, bool writer) {
  sqlite3_busy_timeout(conn.db(), options_.busy_timeout_ms);
  if (!writer) return conn.Exec("PRAGMA query_only = ON");
  auto mode = conn.QueryText("PRAGMA journal_mode = WAL");
  if (!mode.ok()) return mode.status();
  if (!in_memory_ && ToLower(*mode) != "wal") {
    return Status::Permanent("database could not switch to WAL mode (got " + *mode + ")");
  }
  // FULL: in WAL mode every commit fsyncs the WAL, so an acknowledged write
  // survives a crash or power loss. Do not lower this.
  if (Status s = conn.Exec("PRAGMA synchronous = FULL"); !s.ok()) return s;
  return conn.Exec("PRAGMA foreign_keys = ON");
}

Result<std::unique_ptr<SqliteStore>> SqliteStore::Open(const std::string& path,
                                                       SqliteOptions options) {
  if (path.empty()) return Status::Invalid("empty database path");
  if (options.max_readers < 1) options.max_readers = 1;
  auto writer = Conn::Open(path, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
  if (!writer.ok()) {
    // A path we cannot open is a configuration problem, not a passing one.
    return Status::Permanent("cannot open database " + path + ": " + writer.status().message());
  }
  std::unique_ptr<SqliteStore> store(new SqliteStore(path, options, std::move(writer).value()));
  if (Status s = store->ConfigureConn(*store->writer_, /*writer=*/true); !s.ok()) {
    return Status::Permanent("cannot configure database " + path + ": " + s.message());
  }
  SqliteSchemaConn schema(*store->writer_);
  auto applied = ApplyMigrations(schema, SqliteDialect(), static_cast<int64_t>(std::time(nullptr)));
  if (!applied.ok()) {
    return Status::Permanent("database " + path + ": " + applied.status().message());
  }
  store->migrations_applied_ = *applied;
  return store;
}

Result<std::unique_ptr<Conn>> SqliteStore::OpenReader() {
  auto conn = Conn::Open(path_, SQLITE_OPEN_READONLY);
  if (!conn.ok()) return conn.status();
  if (Status s = ConfigureConn(**conn, /*writer=*/false); !s.ok()) return s;
  return conn;
}

Status SqliteStore::Write(const TxFn& fn) {
  std::lock_guard<std::mutex> lock(write_mu_);
  Conn& conn = *writer_;
  if (Status s = conn.Exec("BEGIN IMMEDIATE"); !s.ok()) return s;
  SqliteTx tx(conn);
  Status result = RunCallback(fn, tx);
  if (!conn.InTransaction()) return result.ok() ? LostTransaction() : result;
  if (!result.ok()) {
    (void)conn.Exec("ROLLBACK");
    return result;
  }
  if (Status s = conn.Exec("COMMIT"); !s.ok()) {
    if (conn.InTransaction()) (void)conn.Exec("ROLLBACK");
    return s;
  }
  return Status::Ok();
}

std::vector<Status> SqliteStore::WriteBatch(const std::vector<TxFn>& fns) {
  std::vector<Status> results;
  if (fns.empty()) return results;
  std::lock_guard<std::mutex> lock(write_mu_);
  Conn& conn = *writer_;
  if (Status s = conn.Exec("BEGIN IMMEDIATE"); !s.ok()) return std::vector<Status>(fns.size(), s);
  SqliteTx tx(conn);
  results.reserve(fns.size());
  for (const TxFn& fn : fns) {
    if (Status s = conn.Exec("SAVEPOINT batch_item"); !s.ok()) {
      results.push_back(s);
    } else {
      Status r = RunCallback(fn, tx);
      if (!conn.InTransaction()) {
        // Everything before this fn went with the transaction.
        return std::vector<Status>(fns.size(), LostTransaction());
      }
      if (r.ok()) {
        r = conn.Exec("RELEASE batch_item");
      }
      if (!r.ok() && conn.InTransaction()) {
        // ROLLBACK TO keeps the savepoint open; RELEASE then pops it.
        Status undo = conn.Exec("ROLLBACK TO batch_item");
        if (undo.ok()) undo = conn.Exec("RELEASE batch_item");
        if (!undo.ok() || !conn.InTransaction()) {
          // We cannot tell what the transaction now holds: give it all up.
          if (conn.InTransaction()) (void)conn.Exec("ROLLBACK");
          return std::vector<Status>(fns.size(),
                                     Status::Temporary("batch rollback failed: " + undo.message()));
        }
      }
      results.push_back(std::move(r));
    }
  }
  if (Status s = conn.Exec("COMMIT"); !s.ok()) {
    if (conn.InTransaction()) (void)conn.Exec("ROLLBACK");
    return std::vector<Status>(fns.size(), s);
  }
  return results;
}

Status SqliteStore::Read(const TxFn& fn) {
  if (in_memory_) {
    // One private database per connection: reads must use the writer's.
    std::lock_guard<std::mutex> lock(write_mu_);
    Conn& conn = *writer_;
    if (Status s = conn.Exec("PRAGMA query_only = ON"); !s.ok()) return s;
    Status result = conn.Exec("BEGIN");
    if (result.ok()) {
      SqliteTx tx(conn);
      result = RunCallback(fn, tx);
    }
    if (conn.InTransaction()) (void)conn.Exec("ROLLBACK");  // reads never commit anything
    (void)conn.Exec("PRAGMA query_only = OFF");
    return result;
  }

  std::unique_ptr<Conn> conn;
  {
    std::unique_lock<std::mutex> lock(read_mu_);
    read_cv_.wait(lock,
                  [&] { return !idle_readers_.empty() || open_readers_ < options_.max_readers; });
    if (!idle_readers_.empty()) {
      conn = std::move(idle_readers_.back());
      idle_readers_.pop_back();
    } else {
      ++open_readers_;  // reserve the slot, open outside the lock
    }
  }
  auto give_back = [&](bool keep) {
    std::lock_guard<std::mutex> lock(read_mu_);
    if (keep && conn) {
      idle_readers_.push_back(std::move(conn));
    } else {
      conn.reset();
      --open_readers_;
    }
    read_cv_.notify_one();
  };
  if (!conn) {
    auto opened = OpenReader();
    if (!opened.ok()) {
      give_back(false);
      return opened.status();
    }
    conn = std::move(opened).value();
  }

  if (Status s = conn->Exec("BEGIN"); !s.ok()) {
    give_back(!conn->InTransaction());
    return s;
  }
  Status result;
  {
    SqliteTx tx(*conn);
    result = RunCallback(fn, tx);
  }
  Status end = conn->InTransaction() ? conn->Exec("COMMIT") : Status::Ok();
  if (!end.ok() && conn->InTransaction()) (void)conn->Exec("ROLLBACK");
  give_back(!conn->InTransaction());
  return result;
}

}  // namespace sqlite
}  // namespace postdesk::store
