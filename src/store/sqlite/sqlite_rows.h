// store/sqlite/sqlite_rows: the small helpers every SqliteTx source file
// uses to run statements and read rows: one row or NotFound, every row, the
// id of an INSERT ... RETURNING, errors prefixed with what was being done.
// Internal to the SQLite backend.
#pragma once

#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "common/status.h"
#include "store/sqlite/sqlite_conn.h"

namespace postdesk::store::sqlite {

// Prefixes an error with what was being done, keeping its kind.
inline Status Context(const Status& s, std::string_view what) {
  if (s.ok()) return s;
  std::string msg(what);
  msg += ": ";
  msg += s.message();
  switch (s.kind()) {
    case ErrorKind::kTemporary:
      return Status::Temporary(std::move(msg));
    case ErrorKind::kNotFound:
      return Status::NotFound(std::move(msg));
    case ErrorKind::kInvalid:
      return Status::Invalid(std::move(msg));
    case ErrorKind::kPermanent:
      break;
  }
  return Status::Permanent(std::move(msg));
}

inline Status CheckPage(int64_t offset, int64_t limit) {
  if (offset < 0 || limit < 0) return Status::Invalid("offset and limit must not be negative");
  return Status::Ok();
}

// The pieces of a statement (or a message) joined.
template <typename... Pieces>
std::string Sql(std::string_view first, const Pieces&... rest) {
  std::string out(first);
  (out.append(std::string_view(rest)), ...);
  return out;
}

// Runs a prepared statement expected to yield exactly one row and reads it;
// NotFound (with `what`) when there is none.
template <typename T, typename Reader>
Result<T> One(Stmt& stmt, Reader read, std::string_view what) {
  auto row = stmt.Step();
  if (!row.ok()) return Context(row.status(), what);
  if (!*row) return Status::NotFound(std::string(what) + ": not found");
  return read(stmt);
}

// Runs a prepared statement to completion, reading every row.
template <typename T, typename Reader>
Result<std::vector<T>> All(Stmt& stmt, Reader read, std::string_view what) {
  std::vector<T> out;
  while (true) {
    auto row = stmt.Step();
    if (!row.ok()) return Context(row.status(), what);
    if (!*row) return out;
    out.push_back(read(stmt));
  }
}

// A WHERE clause built from optional filters, and its parameters in order.
struct SqlFilter {
  std::string where = " WHERE 1 = 1";
  std::vector<std::variant<int64_t, std::string>> params;

  // " AND <column> IN (?, ...)" over `values` (nothing when empty).
  template <typename T>
  void In(std::string_view column, const std::vector<T>& values) {
    if (values.empty()) return;
    where += " AND ";
    where += column;
    where += " IN (";
    for (size_t i = 0; i < values.size(); ++i) {
      where += i ? ", ?" : "?";
      params.emplace_back(values[i]);
    }
    where += ")";
  }

  // Binds every parameter from index 1; returns the next free index.
  int BindAll(Stmt& stmt) const {
    int index = 1;
    for (const auto& p : params) {
      if (const auto* i = std::get_if<int64_t>(&p)) {
        stmt.Bind(index++, *i);
      } else {
        stmt.Bind(index++, std::string_view(std::get<std::string>(p)));
      }
    }
    return index;
  }
};

// For INSERT ... RETURNING id.
inline Result<int64_t> ReturningId(Stmt& stmt, std::string_view what) {
  return One<int64_t>(
      stmt, [](const Stmt& s) { return s.Int(0); }, what);
}

}  // namespace postdesk::store::sqlite
