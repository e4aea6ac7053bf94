#pragma once
// DeploymentCheck: whether this process may take work from the store it shares with others.
// Two things make a process unfit although everything else works:
//   - its clock is further from the store's than the lease rules tolerate
//     (store::LeaseTiming::max_clock_offset): it would take over live tasks and leadership, or
//     start every scan late;
//   - its results directory is not the one the store's other processes share
//     (results_marker.h): it would complete scans whose results nobody can read.
// refresh() measures both and announces the process (store/presence.h); it runs at start and
// at every renewal interval on the leader duties' runner. Workers ask may_take_work() before
// claiming, leader duties before leading, and /ready and /metrics report it. A verdict that
// changes is logged once, with the reason.
//
// Thread-safety: refresh() from one thread at a time; everything else from any thread.

#include <mutex>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "core/base/clock.h"
#include "core/readiness/results_marker.h"
#include "core/store/clock_offset.h"
#include "core/store/task_store.h"

namespace nmcp::readiness {

class DeploymentCheck {
 public:
  struct Options {
    std::string holder;    // this process's id in the presence records
    std::string data_dir;  // whose results/ must be the store's
    task::Millis lease_ms = store::kDefaultLease.count();
  };
  DeploymentCheck(store::TaskStore& store, Options options, const Clock& clock = system_clock());

  void refresh();
  // ok while this process may claim tasks and lead; FailedPrecondition naming every reason.
  Status may_take_work() const;
  // For /ready: {"clock": {...}, "results_dir": {...}}.
  nlohmann::json report() const;
  std::optional<task::Millis> clock_offset() const;
  std::optional<bool> results_shared() const;
  task::Millis clock_bound() const { return bound_; }
  // A clean stop: the presence record goes at once.
  void withdraw();

 private:
  store::TaskStore& store_;
  const Options options_;
  const Clock& clock_;
  const task::Millis bound_;
  mutable std::mutex mu_;
  std::optional<store::ClockReading> clock_reading_;  // guarded by mu_
  std::optional<ResultsBinding> results_;             // guarded by mu_
  std::string verdict_;                               // guarded by mu_: last reasons, logged
};

}  // namespace nmcp::readiness
