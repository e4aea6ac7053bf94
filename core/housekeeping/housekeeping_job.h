#pragma once
// HousekeepingJob: housekeeping as a periodic job that exactly one process runs at a time,
// across every server and worker sharing a store. tick() (registered on a PeriodicJobs runner,
// every 30 s) takes or renews the store's "housekeeping" leader lease; the holder runs a
// Housekeeper once per configured interval. A process that loses the lease stops at its next
// tick; the term (2 min) is longer than a run's time bound, so two runs never overlap. Each run
// writes one log line with its counts, and its report is kept for metrics.
//
// Thread-safety: tick() from one thread (the runner); last() and leading() from any thread.

#include <atomic>
#include <mutex>
#include <optional>
#include <string>

#include "core/base/clock.h"
#include "core/config/config_holder.h"
#include "core/housekeeping/housekeeper.h"
#include "core/store/leader_term.h"
#include "core/store/task_store.h"

namespace nmcp::housekeeping {

inline constexpr const char* kLeaderRole = "housekeeping";
inline constexpr std::chrono::seconds kTickPeriod{30};
inline constexpr std::chrono::minutes kLeaderTerm{2};

// Totals since the process started (for /metrics).
struct Totals : Counts {
  std::uint64_t runs = 0;
};

class HousekeepingJob {
 public:
  // `base` carries the data dir, the scanner clean-up and the cache hook; the policy and scan
  // timeout are read from the configuration at each run.
  HousekeepingJob(store::TaskStore& store, config::ConfigHolder& config, const Clock& clock,
                  std::string holder, Options base);
  ~HousekeepingJob();

  void tick();
  void resign();  // on shutdown: another process may take over at once
  bool leading() const { return term_.leading(); }
  Totals totals() const;

 private:
  store::TaskStore& store_;
  config::ConfigHolder& config_;
  const Clock& clock_;
  const std::string holder_;
  const Options base_;
  Housekeeper housekeeper_;
  store::LeaderTerm term_;
  task::Millis last_run_ = 0;  // tick() thread only
  mutable std::mutex mu_;
  Totals totals_;  // guarded by mu_
};

}  // namespace nmcp::housekeeping
