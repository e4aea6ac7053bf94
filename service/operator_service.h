#pragma once
// What operators do to the store and the queues (admin_cli): the queues at a glance, the store's
// health and its quarantined records, the dead-letter queue, moving to another store, and
// adopting a results directory. Every call acts for an operator (every tenant); the rules it
// applies are core's (lifecycle, migrate), the same as everywhere.
//
// Thread-safety: an OperatorService holds only its Services; calls may run concurrently.

#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/base/result.h"
#include "core/housekeeping/housekeeper.h"
#include "core/store/migrate.h"
#include "service/services.h"

namespace nmcp::service {

struct QueueOverview {
  std::string store;  // the store's description (never a password)
  std::vector<store::QueueStats> pools;
  std::map<std::string, int> running_per_instance;
  nlohmann::json to_json() const;
};

struct StoreHealth {
  std::string store;
  store::StoreCheck check;
  nlohmann::json to_json() const;
};

struct Migration {
  std::string from;
  std::string to;
  store::MigrationReport report;
  nlohmann::json to_json(const std::string& results_dir) const;
};

class OperatorService {
 public:
  explicit OperatorService(Services s) : s_(std::move(s)) {}

  Result<QueueOverview> queues() const;
  Result<StoreHealth> check_store() const;
  Result<std::vector<store::QuarantinedRecord>> quarantined() const;
  Status delete_quarantined(const std::string& id) const;

  // NotFound naming the known pools when `pool` is neither configured nor has tasks; an empty
  // pool is every pool.
  Status check_known_pool(const std::string& pool) const;
  // Dead-lettered tasks (of one pool, or all), newest first, at most `limit`.
  Result<std::vector<task::Task>> dead_letters(const std::string& pool, std::size_t limit) const;
  Result<task::Task> retry_dead_letter(const std::string& id) const;
  // Deletes the dead letters (of one pool, or all) dead-lettered at least `age` ago.
  Result<int> purge_dead_letters(const std::string& pool, task::Millis age) const;

  // Copies every task and the schedules and quota use to the store `to_spec` (created when
  // missing) from this store, or from `from_spec` when given; the source must be idle.
  Result<Migration> migrate(const std::optional<std::string>& from_spec,
                            const std::string& to_spec) const;
  // Makes <data_dir>/results the results directory of this store.
  Status adopt_results_dir() const;

  // One housekeeping pass to the end (core/housekeeping), as its elected leader: finished tasks
  // past their retention with their results, orphaned files, stuck tasks. FailedPrecondition
  // naming the holder when another process runs it now. A dry run changes nothing and needs no
  // lease. `scanners` deletes Nessus scans when the policy says so (may be null).
  struct HousekeepingRun {
    bool dry_run = false;
    std::size_t max_listed = 50;
    std::string holder;  // who runs it, as the leader lease names it
    housekeeping::ScannerCleanup* scanners = nullptr;
  };
  Result<housekeeping::Report> housekeep(const HousekeepingRun& run) const;

 private:
  Result<store::TaskStore*> whole_store() const;

  Services s_;
};

}  // namespace nmcp::service
