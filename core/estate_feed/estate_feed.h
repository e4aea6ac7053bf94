#pragma once
// EstateFeed: every completed scan folded into the estate once, whatever order scans finish in
// (issue 26). tick() reads the task store's completed tasks from the estate's feed position on
// (TaskStore::finished_since, oldest first), folds each one's findings index
// (core/findings/estate_input.h, core/estate/scan_fold.h) and moves the position on. A task
// already folded is recognised before its index is opened; a task whose index is gone
// (housekeeping deleted it, an import without results) is passed over and counted. The position
// is inclusive and the fold idempotent, so a crash anywhere (mid-fold: the fold's transaction
// rolls back; after it: the position lags) loses and doubles nothing. Meant as a named job on a
// PeriodicJobs runner; tests call tick() directly.
//
// Thread-safety: one tick() at a time; the estate and the store serialise their own access.

#include <cstddef>
#include <set>
#include <string>

#include "core/base/result.h"
#include "core/estate/sqlite_estate.h"
#include "core/store/task_store.h"

namespace nmcp::estate_feed {

struct FeedTick {
  int folded = 0;
  int already = 0;     // folded before (a position that lagged, a second process)
  int no_results = 0;  // no findings index to fold
  int unreadable = 0;  // an index that does not open: passed over (and logged)
  int failed = 0;      // a fold that failed (the estate busy, a full disk): retried next tick
};

class EstateFeed {
 public:
  // `estate` and `store` must outlive the feed. `batch`: tasks read per store call.
  EstateFeed(store::TaskStore& store, estate::SqliteEstate& estate, std::string data_dir,
             std::size_t batch = 50);

  // Folds what finished since the last tick (at most `max_tasks`, so a tick stays short).
  Result<FeedTick> tick(std::size_t max_tasks = 500);

 private:
  store::TaskStore& store_;
  estate::SqliteEstate& estate_;
  const std::string data_dir_;
  const std::size_t batch_;
  // The tasks already handled that finished exactly at the position (which is inclusive).
  std::set<std::string> handled_at_position_;
};

}  // namespace nmcp::estate_feed
