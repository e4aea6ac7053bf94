#pragma once
// Settings of the worker engine. Defaults suit production; tests and benchmarks shorten the
// intervals. Plain value.

#include <chrono>
#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/audit/audit_log.h"
#include "core/base/monotonic_clock.h"
#include "core/base/secret_box.h"
#include "core/metrics/metrics.h"
#include "core/readiness/deployment_check.h"
#include "core/store/lease_timing.h"
#include "core/store/store_types.h"

namespace nmcp::worker {

struct EngineOptions {
  std::string worker_id;           // unique per process: host-pid-random
  std::vector<std::string> pools;  // pools to serve; empty: every pool in the configuration
  std::string data_dir = "data";   // results go to <data_dir>/results/<task_id>/
  std::size_t threads = 4;         // step jobs run here; scans wait between steps, not on threads
  std::size_t max_active = 5000;   // tasks this process drives at once
  std::chrono::milliseconds lease = store::kDefaultLease;
  std::chrono::milliseconds claim_interval{2'000};  // idle look for work (wake() is immediate)
  std::chrono::milliseconds probe_interval{30'000};
  // Scan status polling; unset: the configuration's defaults.poll_interval_seconds.
  std::optional<std::chrono::milliseconds> poll_interval;
  std::chrono::milliseconds export_poll{1'000};
  std::chrono::milliseconds backoff_base{2'000};
  std::chrono::milliseconds backoff_cap{300'000};
  int max_failures = store::kDefaultMaxFailures;  // failures in a row before dead-lettering
  // Opens inline credentials sealed at submit; null when inline credentials are off.
  std::shared_ptr<const SecretBox> secrets;
  // Where the engine counts scan steps, outcomes and Nessus requests (worker_metrics.h names
  // the series); null: not counted.
  metrics::Registry* metrics = nullptr;
  // Where scan window actions (paused, resumed, stopped at the close) are recorded; may be null.
  std::shared_ptr<audit::AuditLog> audit;
  // Whether this process may claim at all (its clock near the store's, its results directory
  // the store's); null: always.
  const readiness::DeploymentCheck* deployment = nullptr;
  // Times the engine's periodic jobs, step due times and the scanner registry's back-offs;
  // null: steady_ms(). Wall-clock times (store timestamps, windows) come from the Clock.
  const MonotonicClock* steady = nullptr;
};

inline const MonotonicClock& steady_of(const EngineOptions& o) {
  return o.steady != nullptr ? *o.steady : steady_ms();
}

// The scanner registry's notion of now: the engine's monotonic clock as a steady_clock time
// point (with steady_ms() it is steady_clock::now(); the registry only compares its own points).
inline std::chrono::steady_clock::time_point registry_now(const EngineOptions& o) {
  return std::chrono::steady_clock::time_point(
      std::chrono::milliseconds(steady_of(o).elapsed_ms()));
}

// host-pid-<8 hex>
std::string make_worker_id();

}  // namespace nmcp::worker
