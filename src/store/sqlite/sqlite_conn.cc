#include "store/sqlite/sqlite_conn.h"

#include <sqlite3.h>

#include <utility>

namespace postdesk::store::sqlite {

Status SqliteStatus(int code, std::string_view what, std::string_view detail) {
  std::string msg(what);
  msg += ": ";
  msg += detail.empty() ? std::string_view(sqlite3_errstr(code)) : detail;
  switch (code & 0xff) {
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
    case SQLITE_IOERR:
    case SQLITE_FULL:
    case SQLITE_NOMEM:
    case SQLITE_PROTOCOL:
    case SQLITE_CANTOPEN:
    case SQLITE_INTERRUPT:
      return Status::Temporary(std::move(msg));
    case SQLITE_CONSTRAINT:
    case SQLITE_MISMATCH:
    case SQLITE_TOOBIG:
    case SQLITE_RANGE:
      return Status::Invalid(std::move(msg));
    default:
      return Status::Permanent(std::move(msg));
  }
}

// ---- Stmt ----

Stmt::Stmt(Stmt&& other) noexcept
    : conn_(std::exchange(other.conn_, nullptr)),
      stmt_(std::exchange(other.stmt_, nullptr)),
      owned_(other.owned_),
      bind_error_(std::move(other.bind_error_)) {}

Stmt& Stmt::operator=(Stmt&& other) noexcept {
  if (this != &other) {
    Release();
    conn_ = std::exchange(other.conn_, nullptr);
    stmt_ = std::exchange(other.stmt_, nullptr);
    owned_ = other.owned_;
    bind_error_ = std::move(other.bind_error_);
  }
  return *this;
}

Stmt::~Stmt() { Release(); }

void Stmt::Release() {
  if (stmt_ == nullptr) return;
  if (owned_) {
    sqlite3_finalize(stmt_);
  } else {
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
    conn_->Return(stmt_);
  }
  stmt_ = nullptr;
  conn_ = nullptr;
}

namespace {
Status BindResult(int rc, sqlite3* db) {
  if (rc == SQLITE_OK) return Status::Ok();
  return SqliteStatus(rc, "bind", sqlite3_errmsg(db));
}
}  // namespace

Stmt& Stmt::Bind(int index, int64_t value) {
  if (bind_error_.ok())
    bind_error_ = BindResult(sqlite3_bind_int64(stmt_, index, value), conn_->db());
  return *this;
}

Stmt& Stmt::Bind(int index, std::string_view text) {
  if (bind_error_.ok()) {
    bind_error_ = BindResult(
        sqlite3_bind_text64(stmt_, index, text.data(), text.size(), SQLITE_TRANSIENT, SQLITE_UTF8),
        conn_->db());
  }
  return *this;
}

Stmt& Stmt::BindBlob(int index, std::string_view bytes) {
  if (bind_error_.ok()) {
    // A zero-length blob must still be a BLOB, not NULL: pass a non-null pointer.
    const char* data = bytes.empty() ? "" : bytes.data();
    bind_error_ = BindResult(
        sqlite3_bind_blob64(stmt_, index, data, bytes.size(), SQLITE_TRANSIENT), conn_->db());
  }
  return *this;
}

Stmt& Stmt::BindNull(int index) {
  if (bind_error_.ok()) bind_error_ = BindResult(sqlite3_bind_null(stmt_, index), conn_->db());
  return *this;
}

Stmt& Stmt::Bind(int index, const std::optional<int64_t>& value) {
  return value ? Bind(index, *value) : BindNull(index);
}

Result<bool> Stmt::Step() {
  if (!bind_error_.ok()) return bind_error_;
  int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  return SqliteStatus(rc, "sqlite", sqlite3_errmsg(conn_->db()));
}

Status Stmt::Run() {
  while (true) {
    auto row = Step();
    if (!row.ok()) return row.status();
    if (!*row) return Status::Ok();
  }
}

int64_t Stmt::Int(int col) const { return sqlite3_column_int64(stmt_, col); }

std::optional<int64_t> Stmt::OptInt(int col) const {
  if (sqlite3_column_type(stmt_, col) == SQLITE_NULL) return std::nullopt;
  return sqlite3_column_int64(stmt_, col);
}

std::string Stmt::Text(int col) const {
  const unsigned char* p = sqlite3_column_text(stmt_, col);
  if (p == nullptr) return {};
  return std::string(reinterpret_cast<const char*>(p), sqlite3_column_bytes(stmt_, col));
}

std::string Stmt::Blob(int col) const {
  const void* p = sqlite3_column_blob(stmt_, col);
  if (p == nullptr) return {};
  return std::string(static_cast<const char*>(p), sqlite3_column_bytes(stmt_, col));
}

// ---- Conn ----

Result<std::unique_ptr<Conn>> Conn::Open(const std::string& path, int flags) {
  sqlite3* db = nullptr;
  int rc = sqlite3_open_v2(path.c_str(), &db, flags | SQLITE_OPEN_NOMUTEX, nullptr);
  if (rc != SQLITE_OK) {
    std::string detail = db ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
    sqlite3_close_v2(db);
    return SqliteStatus(rc, "open database", detail);
  }
  sqlite3_extended_result_codes(db, 1);
  return std::unique_ptr<Conn>(new Conn(db));
}

Conn::~Conn() {
  for (auto& [sql, cached] : cache_) sqlite3_finalize(cached.stmt);
  sqlite3_close_v2(db_);
}

Status Conn::Exec(std::string_view sql) {
  std::string text(sql);
  char* err = nullptr;
  int rc = sqlite3_exec(db_, text.c_str(), nullptr, nullptr, &err);
  if (rc == SQLITE_OK) return Status::Ok();
  std::string detail = err ? err : sqlite3_errmsg(db_);
  sqlite3_free(err);
  return SqliteStatus(rc, "sqlite", detail);
}

Result<std::string> Conn::QueryText(std::string_view sql) {
  auto stmt = Prepare(sql);
  if (!stmt.ok()) return stmt.status();
  auto row = stmt->Step();
  if (!row.ok()) return row.status();
  if (!*row) return Status::NotFound("no row");
  return stmt->Text(0);
}

Result<Stmt> Conn::Prepare(std::string_view sql) {
  std::string key(sql);
  auto it = cache_.find(key);
  if (it != cache_.end() && !it->second.in_use) {
    it->second.in_use = true;
    return Stmt(this, it->second.stmt, /*owned=*/false);
  }
  sqlite3_stmt* stmt = nullptr;
  int rc = sqlite3_prepare_v3(db_, key.data(), static_cast<int>(key.size()),
                              it == cache_.end() ? SQLITE_PREPARE_PERSISTENT : 0, &stmt, nullptr);
  if (rc != SQLITE_OK) {
    sqlite3_finalize(stmt);
    return SqliteStatus(rc, "prepare", sqlite3_errmsg(db_));
  }
  if (it != cache_.end()) return Stmt(this, stmt, /*owned=*/true);  // cached one is busy
  auto [pos, inserted] = cache_.emplace(std::move(key), Cached{stmt, true});
  by_stmt_[stmt] = &pos->second;
  return Stmt(this, stmt, /*owned=*/false);
}

void Conn::Return(sqlite3_stmt* stmt) {
  auto it = by_stmt_.find(stmt);
  if (it != by_stmt_.end()) it->second->in_use = false;
}

bool Conn::InTransaction() const { return sqlite3_get_autocommit(db_) == 0; }

int64_t Conn::LastInsertRowId() const { return sqlite3_last_insert_rowid(db_); }

}  // namespace postdesk::store::sqlite
