#pragma once
// The estate on SQLite (embedded mode: one file in the data directory): the tables, and the
// EstateTx primitives fold_scan runs on (scan_fold.h), each fold one IMMEDIATE transaction, so
// that it is atomic against a crash and against other processes folding. Rules live in
// scan_fold.cc and below it; this file is storage only.
//
// Thread-safety: one connection, serialised by the object's mutex; other processes coordinate
// through SQLite's locks.

#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "core/base/result.h"
#include "core/estate/scan_fold.h"

namespace nmcp::sqlite {
class SqliteDb;
}

namespace nmcp::estate {

// One finding of the estate with its asset and its history, as stored.
struct EstateFindingRow {
  std::int64_t id = 0;
  std::int64_t asset = 0;
  HostIdentifiers asset_ids;
  int plugin_id = 0;
  std::string plugin_name;
  int port = 0;
  std::string protocol;
  int severity = 0;
  FindingState state = FindingState::Open;
  std::int64_t first_seen = 0;
  std::int64_t last_seen = 0;
  std::optional<std::int64_t> fixed_at;
  int reopened = 0;
  std::optional<std::int64_t> not_rechecked_since;
  std::string not_rechecked_reason;
  std::vector<StateChange> changes;
};

class SqliteEstate {
 public:
  static Result<std::unique_ptr<SqliteEstate>> open(const std::string& path);
  ~SqliteEstate();
  SqliteEstate(const SqliteEstate&) = delete;
  SqliteEstate& operator=(const SqliteEstate&) = delete;

  // Folds one completed scan of `scan.tenant` in one transaction; a scan already folded is
  // reported as such and changes nothing.
  Result<FoldReport> fold(const ScanFold& scan);

  // Whether the tenant's scan is folded in already.
  Result<bool> folded(const std::string& tenant, const std::string& scan_id);
  // Where the feed of completed scans (core/estate_feed) goes on from: a finish time, ms.
  Result<std::int64_t> feed_position();
  Status set_feed_position(std::int64_t position);

  // Every finding of the tenant, by asset then identity.
  Result<std::vector<EstateFindingRow>> findings(const std::string& tenant);
  // The tenant's live assets (merged ones are gone).
  Result<std::vector<KnownAsset>> assets(const std::string& tenant);

 private:
  explicit SqliteEstate(std::unique_ptr<sqlite::SqliteDb> db);
  std::mutex mu_;
  std::unique_ptr<sqlite::SqliteDb> db_;  // guarded by mu_
};

}  // namespace nmcp::estate
