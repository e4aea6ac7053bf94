#include "core/store/sqlite/store_file.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

#include "core/base/crypto.h"

namespace nmcp::store {

namespace {

using sqlite::OpenMode;
using sqlite::SqliteDb;

Result<int> read_version(SqliteDb& db) {
  auto st = db.prepare("PRAGMA user_version");
  if (!st) return fail(st.error());
  auto row = st->step();
  if (!row) return fail(row.error());
  return static_cast<int>(st->column_int(0));
}

Error damaged(const std::string& path, const Error& cause) {
  return Error{ErrorCode::DataLoss,
               "the task store " + path + " is damaged (" + cause.message + ")",
               damaged_store_hint(path)};
}

// Builds a complete store under a temporary name and links it to `path`. Losing the race to
// another process is fine: its store is as good as ours.
Status create_store_file(const std::string& path, const StoreSchema& schema, int busy_ms) {
  const std::string temp = path + ".new-" + random_hex(6);
  {
    auto db = SqliteDb::open(temp, busy_ms, OpenMode::Shared);
    if (!db) return fail(db.error());
    if (auto s = (*db)->exec(schema.ddl); !s) return s;
    if (auto s = (*db)->exec("PRAGMA user_version = " + std::to_string(schema.version)); !s) {
      return s;
    }
  }  // closed: the WAL is checkpointed and removed, the file is whole
  // SQLite gives its -wal and -shm files the database's mode, so this covers all three.
  (void)::chmod(temp.c_str(), 0600);
  const int rc = ::link(temp.c_str(), path.c_str());
  const int link_errno = errno;
  std::error_code ec;
  std::filesystem::remove(temp, ec);
  std::filesystem::remove(temp + "-wal", ec);
  std::filesystem::remove(temp + "-shm", ec);
  if (rc != 0 && link_errno != EEXIST) {
    return fail(ErrorCode::Unavailable,
                "cannot create the task store " + path + ": " + std::strerror(link_errno),
                "choose a writable --data-dir or --store path");
  }
  return ok();
}

}  // namespace

std::string damaged_store_hint(const std::string& path) {
  return "run 'admin_cli store check --store sqlite:" + path +
         "' for details; restore the file from a backup, or move it aside to start a fresh, "
         "empty store (its tasks are then gone)";
}

Result<std::unique_ptr<SqliteDb>> open_store_file(const std::string& path,
                                                  const StoreSchema& schema, IfMissing if_missing,
                                                  int busy_timeout_ms) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) {
    if (errno != ENOENT) {
      return fail(ErrorCode::PermissionDenied,
                  "cannot read the task store " + path + ": " + std::strerror(errno),
                  "check the permissions of the file and its directory");
    }
    if (if_missing == IfMissing::Refuse) {
      return fail(ErrorCode::NotFound, "there is no task store at " + path,
                  "nothing has run with this data directory yet; pass the servers' --data-dir "
                  "or --store");
    }
    if (auto s = create_store_file(path, schema, busy_timeout_ms); !s) return fail(s.error());
  } else if (!S_ISREG(st.st_mode)) {
    return fail(ErrorCode::InvalidArgument, "the task store " + path + " is not a file",
                "point --store at a file, or --data-dir at a directory");
  } else if (st.st_size == 0) {
    return fail(ErrorCode::DataLoss,
                "the task store " + path +
                    " exists but is empty (0 bytes): it was truncated or made by something else",
                "restore it from a backup, or remove it to start a fresh, empty store (every "
                "task it held is then gone; their results stay under results/)");
  }
  if (::access(path.c_str(), R_OK | W_OK) != 0) {
    return fail(ErrorCode::PermissionDenied,
                "cannot open the task store " + path + ": " + std::strerror(errno),
                "run as the user that owns it, or fix its permissions (the servers create it "
                "0600)");
  }
  auto db = SqliteDb::open(path, busy_timeout_ms, OpenMode::Shared);
  if (!db) {
    if (db.error().code == ErrorCode::DataLoss) return fail(damaged(path, db.error()));
    return fail(db.error());
  }
  auto version = read_version(**db);
  if (!version) {
    if (version.error().code == ErrorCode::DataLoss) return fail(damaged(path, version.error()));
    return fail(version.error());
  }
  if (*version == 0) {
    return fail(ErrorCode::FailedPrecondition,
                "the file " + path + " is a SQLite database but not a nessus-mcp task store",
                "point --store at another path; this file was left untouched");
  }
  if (*version > schema.version) {
    return fail(ErrorCode::FailedPrecondition,
                "the task store " + path + " was written by a newer nessus-mcp (schema " +
                    std::to_string(*version) + ")",
                "upgrade this binary or point --store at another file");
  }
  if (*version < schema.version) {
    if (auto s = (*db)->exec(schema.ddl); !s) return fail(s.error());
    if (auto s = (*db)->exec("PRAGMA user_version = " + std::to_string(schema.version)); !s) {
      return fail(s.error());
    }
  }
  return std::move(*db);
}

}  // namespace nmcp::store
