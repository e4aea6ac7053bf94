#pragma once
// A thin RAII wrapper over the sqlite3 C API for core's SQLite backends (the task store and the
// findings index): a connection, prepared statements with typed binding and reading, and errors
// as values. sqlite3 types appear only in this adapter (forward-declared here, used in
// sqlite_db.cc).
//
// Thread-safety: one SqliteDb and its statements belong to one thread at a time; the store
// serialises access with its own mutex. Separate connections (processes) coordinate through
// SQLite's locks and the busy timeout.

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "core/base/result.h"

struct sqlite3;
struct sqlite3_stmt;

namespace nmcp::sqlite {

class Statement {
 public:
  Statement(sqlite3_stmt* stmt, sqlite3* db) : stmt_(stmt), db_(db) {}
  ~Statement();
  Statement(Statement&& other) noexcept;
  Statement& operator=(Statement&&) = delete;
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;

  // Parameters are 1-based, as in SQL.
  Statement& bind(int index, std::int64_t value);
  Statement& bind(int index, int value) { return bind(index, static_cast<std::int64_t>(value)); }
  Statement& bind(int index, double value);
  Statement& bind(int index, std::string_view value);
  Statement& bind_null(int index);

  // true: a row is available; false: done.
  Result<bool> step();
  // Ready to run again with new bindings (a prepared statement reused in a loop).
  void reset();
  // Runs to completion, ignoring rows.
  Status run();

  // Columns are 0-based.
  std::int64_t column_int(int index) const;
  double column_double(int index) const;
  std::string column_text(int index) const;
  bool column_is_null(int index) const;

 private:
  sqlite3_stmt* stmt_;
  sqlite3* db_;
  Status bind_status_;  // the first binding error, reported by step()
};

enum class OpenMode {
  Shared,    // created if missing; WAL, synchronous=NORMAL: many processes read and write
  Bulk,      // a fresh file one writer fills and then publishes by rename: no journal, no sync
  ReadOnly,  // an existing file that nobody writes any more
};

class SqliteDb {
 public:
  // Opens the file in `mode`, with a busy timeout for other processes.
  static Result<std::unique_ptr<SqliteDb>> open(const std::string& path, int busy_timeout_ms,
                                                OpenMode mode = OpenMode::Shared);
  ~SqliteDb();
  SqliteDb(const SqliteDb&) = delete;
  SqliteDb& operator=(const SqliteDb&) = delete;

  Status exec(std::string_view sql);
  Result<Statement> prepare(std::string_view sql);
  int changes() const;

 private:
  explicit SqliteDb(sqlite3* db) : db_(db) {}
  sqlite3* db_;
};

// A transaction that rolls back unless committed. BEGIN IMMEDIATE takes the write lock up front,
// so a read-check-write inside it is atomic against every other connection.
class Transaction {
 public:
  static Result<Transaction> begin(SqliteDb& db);
  ~Transaction();
  Transaction(Transaction&& other) noexcept : db_(other.db_) { other.db_ = nullptr; }
  Transaction& operator=(Transaction&&) = delete;
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;
  Status commit();

 private:
  explicit Transaction(SqliteDb* db) : db_(db) {}
  SqliteDb* db_;
};

}  // namespace nmcp::sqlite
