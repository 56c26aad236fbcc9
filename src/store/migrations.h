// migrations: the schema, as numbered steps applied in order, shared by every
// backend.
//
// The SQL is written once in a portable subset (INTEGER/BIGINT/TEXT, standard
// constraints, no backend-only functions); the two things SQLite and
// PostgreSQL spell differently -- an auto-numbered primary key and a byte
// string column -- are placeholders ({id_pk}, {blob}) filled by a Dialect.
//
// The applied steps are recorded in `schema_migrations` (one row per step), so
// re-opening an up-to-date database applies nothing, and a database written by
// a newer postdesk (a version above the newest step known here) is refused
// rather than guessed at. Steps are append-only: never edit a released step,
// add a new one.
//
// Thread-safety: the step list is immutable; ApplyMigrations must be given a
// connection nobody else is using.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace postdesk::store {

struct Dialect {
  std::string_view name;         // "sqlite" | "postgresql"
  std::string_view id_pk;        // auto-numbered 64-bit primary key column type
  std::string_view blob;         // byte string column type
  std::string_view begin_write;  // starts a transaction that will write
};

const Dialect& SqliteDialect();
const Dialect& PostgresDialect();

struct Migration {
  int version = 0;
  std::string_view name;
  std::vector<std::string_view> statements;  // with {id_pk}/{blob} placeholders
};

// Every step, oldest first; versions are 1, 2, 3... without gaps.
const std::vector<Migration>& Migrations();
int LatestSchemaVersion();

// `sql` with the dialect's spellings substituted.
std::string RenderSql(std::string_view sql, const Dialect& dialect);

// What ApplyMigrations needs from a connection. Implemented by each backend.
class SchemaConn {
 public:
  virtual ~SchemaConn() = default;
  virtual Status Exec(std::string_view sql) = 0;
  // The highest recorded version, 0 when none.
  virtual Result<int64_t> MaxVersion() = 0;
  virtual Status RecordVersion(int version, std::string_view name, int64_t applied_at) = 0;
};

// Brings the schema to LatestSchemaVersion() in one transaction. Returns how
// many steps it applied (0 when already current). A database whose version
// is newer than this build is refused with a Permanent error.
Result<int> ApplyMigrations(SchemaConn& conn, const Dialect& dialect, int64_t now);

}  // namespace postdesk::store
