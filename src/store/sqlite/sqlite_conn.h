// sqlite_conn: a thin, exception-free layer over the SQLite C API -- one
// connection with a cache of prepared statements, and a statement handle
// that resets itself when it goes out of scope.
//
// Every value reaches SQL as a bound parameter; SQL text here is always a
// literal from this module. Error codes become Status kinds in one place
// (SqliteStatus): BUSY/LOCKED/IO/FULL -> Temporary, CONSTRAINT -> Invalid,
// everything else -> Permanent.
//
// Thread-safety: a Conn and its statements belong to one thread at a time;
// the owner (SqliteStore) serialises access with its own locks, which is why
// connections are opened in SQLite's multi-thread (NOMUTEX) mode.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "common/status.h"

struct sqlite3;
struct sqlite3_stmt;

namespace postdesk::store::sqlite {

// Maps an SQLite result code (primary or extended) to a Status; `what` says
// what was being done and is prefixed to SQLite's own message.
Status SqliteStatus(int code, std::string_view what, std::string_view detail);

class Conn;

// A prepared statement borrowed from a Conn's cache (or owned, when the cached
// one is already in use by an enclosing loop). Reset and unbound on
// destruction so the next user starts clean.
class Stmt {
 public:
  Stmt() = default;
  Stmt(Stmt&& other) noexcept;
  Stmt& operator=(Stmt&& other) noexcept;
  Stmt(const Stmt&) = delete;
  Stmt& operator=(const Stmt&) = delete;
  ~Stmt();

  // Parameters are 1-based, as in SQLite.
  Stmt& Bind(int index, int64_t value);
  Stmt& Bind(int index, std::string_view text);       // as TEXT
  Stmt& BindBlob(int index, std::string_view bytes);  // as BLOB (NULs kept)
  Stmt& BindNull(int index);
  Stmt& Bind(int index, const std::optional<int64_t>& value);
  Stmt& BindBool(int index, bool value) { return Bind(index, int64_t{value ? 1 : 0}); }

  // Steps once: true when a row is ready, false when done.
  Result<bool> Step();
  // Steps to completion, for statements that return no rows.
  Status Run();

  // Resets the statement and gives it back to its connection now, instead of
  // at destruction; the handle is empty afterwards.
  void Finish() { Release(); }

  // Columns are 0-based, as in SQLite.
  int64_t Int(int col) const;
  std::optional<int64_t> OptInt(int col) const;  // NULL -> nullopt
  std::string Text(int col) const;               // NULL -> ""
  std::string Blob(int col) const;               // exact bytes, NULs included
  bool Bool(int col) const { return Int(col) != 0; }

 private:
  friend class Conn;
  Stmt(Conn* conn, sqlite3_stmt* stmt, bool owned) : conn_(conn), stmt_(stmt), owned_(owned) {}
  void Release();

  Conn* conn_ = nullptr;
  sqlite3_stmt* stmt_ = nullptr;
  bool owned_ = false;
  Status bind_error_;  // first bind failure, reported by Step()
};

class Conn {
 public:
  // `flags` are sqlite3_open_v2 flags; NOMUTEX is added.
  static Result<std::unique_ptr<Conn>> Open(const std::string& path, int flags);
  ~Conn();
  Conn(const Conn&) = delete;
  Conn& operator=(const Conn&) = delete;

  // Runs SQL without parameters or results (DDL, PRAGMA, BEGIN/COMMIT...).
  Status Exec(std::string_view sql);
  // Runs a statement returning one text value (e.g. PRAGMA journal_mode=WAL).
  Result<std::string> QueryText(std::string_view sql);
  // A ready-to-bind statement for `sql`, prepared once per connection.
  Result<Stmt> Prepare(std::string_view sql);

  // True while a transaction is open (SQLite may roll one back on its own
  // after IO or memory errors; callers check this).
  bool InTransaction() const;
  int64_t LastInsertRowId() const;
  sqlite3* db() { return db_; }

 private:
  explicit Conn(sqlite3* db) : db_(db) {}
  friend class Stmt;
  void Return(sqlite3_stmt* stmt);

  struct Cached {
    sqlite3_stmt* stmt = nullptr;
    bool in_use = false;
  };
  sqlite3* db_ = nullptr;
  std::unordered_map<std::string, Cached> cache_;
  std::unordered_map<sqlite3_stmt*, Cached*> by_stmt_;
};

}  // namespace postdesk::store::sqlite
