#pragma once
// One housekeeping run: deletes finished tasks past their retention with everything that
// belongs to them, removes orphaned result files, ends stuck tasks timed_out, and (when on)
// deletes on Nessus the scans this server created. Every deletion goes through the store
// contract, so both backends do the same.
//
// Order, so that a crash anywhere leaves nothing a tool would show half-deleted and nothing a
// later run cannot finish: the Nessus scan (if any) first, then the task's record with its
// idempotency key and index entries in one atomic store write (from then on no tool sees the
// task), then its results directory, renamed aside first. A crash after the record leaves a
// directory without a task (removed by the orphan pass after the grace period: its files were
// last written when the task finished) or one renamed `.deleting-<id>` (removed by the next run
// at once).
//
// A run is bounded: at most `max_run` of work and `batch` tasks per store read, so it never holds
// the store for long; what is left waits for the next run. Exactly one process should run it at
// a time (see housekeeping_job.h).
//
// Thread-safety: a Housekeeper is used from one thread at a time.

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/base/clock.h"
#include "core/base/result.h"
#include "core/base/side_effect_gate.h"
#include "core/config/scanner_config.h"
#include "core/store/task_store.h"

namespace nmcp::housekeeping {

// What housekeeping needs of the scanners; implemented where Nessus is known (worker/). Each
// call's requests pass `gate` (core/base/side_effect_gate.h), which housekeeping builds to
// confirm, right before each request, that the task is still finished as it read it.
class ScannerCleanup {
 public:
  virtual ~ScannerCleanup() = default;
  // Deletes the Nessus scan `t` created and recorded (only if the scan on the scanner is still
  // the one this task created). NotFound when it is already gone.
  virtual Status delete_scan(const task::Task& t, SideEffectGate& gate) = 0;
  // Stops the Nessus scan of a task that housekeeping has ended.
  virtual Status stop_scan(const task::Task& t, SideEffectGate& gate) = 0;
};

struct Options {
  config::Housekeeping policy;
  std::chrono::minutes scan_timeout{24 * 60};
  std::string data_dir;  // results live under <data_dir>/results
  bool dry_run = false;
  std::size_t batch = 200;
  std::chrono::milliseconds max_run{30'000};
  std::size_t max_listed = 1000;  // items named in the report (counts are always complete)
  ScannerCleanup* scanners = nullptr;
  // Called after a task is deleted (the in-process findings index cache forgets it).
  std::function<void(const std::string& task_id)> on_deleted;
};

// What one or more runs did.
struct Counts {
  std::map<std::string, std::uint64_t> tasks_deleted;  // by kind (completed, dead_letter, ...)
  std::uint64_t orphans_removed = 0;
  std::uint64_t stuck_timed_out = 0;
  std::uint64_t nessus_scans_deleted = 0;
  std::uint64_t bytes_freed = 0;
  std::uint64_t errors = 0;
  std::uint64_t total_tasks_deleted() const;
  void add(const Counts& other);
};

struct Report : Counts {
  bool dry_run = false;
  bool finished = true;               // false: the time bound stopped it; the next run continues
  std::vector<nlohmann::json> items;  // {what, id or path, kind, bytes}, at most max_listed
  std::vector<std::string> problems;  // what failed, for the log
  nlohmann::json to_json() const;
};

class Housekeeper {
 public:
  Housekeeper(store::TaskStore& store, const Clock& clock) : store_(store), clock_(clock) {}
  Result<Report> run(const Options& options);

 private:
  struct Run;
  store::TaskStore& store_;
  const Clock& clock_;
  std::size_t orphan_cursor_ = 0;  // where the last run's directory walk stopped
};

}  // namespace nmcp::housekeeping
