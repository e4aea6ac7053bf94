#pragma once
// Opening the embedded store's SQLite file safely. A store file is never created in place: a
// fresh one is built under a temporary name with its schema and version, then linked to its
// path (link fails if another process won the race, whose file is then used). So the file at
// the path is either absent or a complete store, and anything else found there is refused with
// what was found and how to recover, instead of being taken for a new, empty store:
//   - a zero-length file (truncated, or created by something else),
//   - a SQLite file that is not a nessus-mcp store (no version stamp),
//   - a store written by a newer version,
//   - a damaged file (SQLite reports corruption).
// IfMissing::Refuse never creates anything (read-only admin commands).
//
// Thread-safety: each call is independent; concurrent openers in many processes are safe.

#include <memory>
#include <string>

#include "core/base/result.h"
#include "core/sqlite/sqlite_db.h"
#include "core/store/open_store.h"

namespace nmcp::store {

struct StoreSchema {
  const char* ddl;  // CREATE statements, applied to a fresh file and on upgrades
  int version;      // stamped in PRAGMA user_version
};

Result<std::unique_ptr<sqlite::SqliteDb>> open_store_file(const std::string& path,
                                                          const StoreSchema& schema,
                                                          IfMissing if_missing,
                                                          int busy_timeout_ms);

// The hint every "damaged store" error carries.
std::string damaged_store_hint(const std::string& path);

}  // namespace nmcp::store
