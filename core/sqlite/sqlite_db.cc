#include "core/sqlite/sqlite_db.h"

#include <algorithm>
#include <chrono>
#include <thread>
#include <utility>
#include <vector>

#include <sqlite3.h>

namespace nmcp::sqlite {

namespace {

constexpr std::chrono::milliseconds kMaxOpenPause{50};

Error db_error(sqlite3* db, std::string_view what) {
  const int code = sqlite3_extended_errcode(db) & 0xff;
  const bool busy = code == SQLITE_BUSY || code == SQLITE_LOCKED;
  const bool damaged = code == SQLITE_CORRUPT || code == SQLITE_NOTADB;
  return Error{busy      ? ErrorCode::Unavailable
               : damaged ? ErrorCode::DataLoss
                         : ErrorCode::Internal,
               std::string(what) + ": " + sqlite3_errmsg(db),
               busy      ? "the database is busy; retry"
               : damaged ? "the database file is damaged; restore it from a backup"
                         : ""};
}

}  // namespace

Statement::~Statement() {
  if (stmt_ != nullptr) sqlite3_finalize(stmt_);
}

Statement::Statement(Statement&& other) noexcept
    : stmt_(std::exchange(other.stmt_, nullptr)),
      db_(other.db_),
      bind_status_(std::move(other.bind_status_)) {}

Statement& Statement::bind(int index, std::int64_t value) {
  if (sqlite3_bind_int64(stmt_, index, value) != SQLITE_OK && bind_status_) {
    bind_status_ = fail(db_error(db_, "bind"));
  }
  return *this;
}

Statement& Statement::bind(int index, double value) {
  if (sqlite3_bind_double(stmt_, index, value) != SQLITE_OK && bind_status_) {
    bind_status_ = fail(db_error(db_, "bind"));
  }
  return *this;
}

Statement& Statement::bind(int index, std::string_view value) {
  if (sqlite3_bind_text64(stmt_, index, value.data(), value.size(), SQLITE_TRANSIENT,
                          SQLITE_UTF8) != SQLITE_OK &&
      bind_status_) {
    bind_status_ = fail(db_error(db_, "bind"));
  }
  return *this;
}

Statement& Statement::bind_null(int index) {
  if (sqlite3_bind_null(stmt_, index) != SQLITE_OK && bind_status_) {
    bind_status_ = fail(db_error(db_, "bind"));
  }
  return *this;
}

Result<bool> Statement::step() {
  if (!bind_status_) return fail(bind_status_.error());
  const int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  return fail(db_error(db_, "step"));
}

void Statement::reset() {
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
  bind_status_ = ok();
}

Status Statement::run() {
  for (;;) {
    auto more = step();
    if (!more) return fail(more.error());
    if (!*more) return ok();
  }
}

std::int64_t Statement::column_int(int index) const { return sqlite3_column_int64(stmt_, index); }

double Statement::column_double(int index) const { return sqlite3_column_double(stmt_, index); }

std::string Statement::column_text(int index) const {
  const auto* text = sqlite3_column_text(stmt_, index);
  if (text == nullptr) return {};
  return {reinterpret_cast<const char*>(text),
          static_cast<std::size_t>(sqlite3_column_bytes(stmt_, index))};
}

bool Statement::column_is_null(int index) const {
  return sqlite3_column_type(stmt_, index) == SQLITE_NULL;
}

Result<std::unique_ptr<SqliteDb>> SqliteDb::open(const std::string& path, int busy_timeout_ms,
                                                 OpenMode mode) {
  sqlite3* raw = nullptr;
  const int flags = (mode == OpenMode::ReadOnly ? SQLITE_OPEN_READONLY
                                                : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE) |
                    SQLITE_OPEN_NOMUTEX;
  const int rc = sqlite3_open_v2(path.c_str(), &raw, flags, nullptr);
  std::unique_ptr<SqliteDb> db(new SqliteDb(raw));
  if (rc != SQLITE_OK) {
    return fail(ErrorCode::Unavailable,
                "cannot open the database " + path + ": " +
                    (raw != nullptr ? sqlite3_errmsg(raw) : "out of memory"),
                mode == OpenMode::ReadOnly ? "check that the file exists and is readable"
                                           : "check that the directory exists and is writable");
  }
  sqlite3_busy_timeout(raw, busy_timeout_ms);
  sqlite3_extended_result_codes(raw, 1);
  std::vector<const char*> pragmas;
  switch (mode) {
    case OpenMode::Shared:
      // WAL: readers never block the writer; NORMAL sync is durable across process crashes.
      pragmas = {"PRAGMA journal_mode=WAL", "PRAGMA synchronous=NORMAL", "PRAGMA foreign_keys=ON"};
      break;
    case OpenMode::Bulk:
      // Nothing reads the file before it is renamed into place; a crash leaves a temp file
      // that the next attempt overwrites, so durability comes from the rename, not a journal.
      pragmas = {"PRAGMA page_size=65536",   "PRAGMA journal_mode=OFF",
                 "PRAGMA synchronous=OFF",   "PRAGMA locking_mode=EXCLUSIVE",
                 "PRAGMA cache_size=-32768", "PRAGMA temp_store=MEMORY"};
      break;
    case OpenMode::ReadOnly:
      pragmas = {"PRAGMA query_only=ON"};
      break;
  }
  for (const char* pragma : pragmas) {
    // Switching a file to WAL needs a moment of exclusive access; when another process is
    // opening the same file at the same time SQLite reports busy without waiting, so wait here.
    const auto deadline =
        std::chrono::steady_clock::now() + std::chrono::milliseconds(busy_timeout_ms);
    for (auto pause = std::chrono::milliseconds(1);; pause = std::min(pause * 2, kMaxOpenPause)) {
      auto s = db->exec(pragma);
      if (s) break;
      if (s.error().code != ErrorCode::Unavailable || std::chrono::steady_clock::now() > deadline) {
        return fail(s.error());
      }
      std::this_thread::sleep_for(pause);
    }
  }
  return db;
}

SqliteDb::~SqliteDb() {
  if (db_ != nullptr) sqlite3_close_v2(db_);
}

Status SqliteDb::exec(std::string_view sql) {
  char* message = nullptr;
  const std::string text(sql);
  if (sqlite3_exec(db_, text.c_str(), nullptr, nullptr, &message) != SQLITE_OK) {
    Error e = db_error(db_, "exec");
    sqlite3_free(message);
    return fail(std::move(e));
  }
  return ok();
}

Result<Statement> SqliteDb::prepare(std::string_view sql) {
  sqlite3_stmt* stmt = nullptr;
  if (sqlite3_prepare_v2(db_, sql.data(), static_cast<int>(sql.size()), &stmt, nullptr) !=
      SQLITE_OK) {
    return fail(db_error(db_, "prepare"));
  }
  return Statement(stmt, db_);
}

int SqliteDb::changes() const { return sqlite3_changes(db_); }

Result<Transaction> Transaction::begin(SqliteDb& db) {
  if (auto s = db.exec("BEGIN IMMEDIATE"); !s) return fail(s.error());
  return Transaction(&db);
}

Transaction::~Transaction() {
  if (db_ != nullptr) (void)db_->exec("ROLLBACK");
}

Status Transaction::commit() {
  auto s = db_->exec("COMMIT");
  if (s) db_ = nullptr;
  return s;
}

}  // namespace nmcp::sqlite
