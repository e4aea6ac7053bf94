#pragma once
// HousekeepingService: every long-running binary (nessus-mcp, nessus-worker) starts one. It runs
// housekeeping::HousekeepingJob on a PeriodicJobs thread, so whichever process holds the store's
// housekeeping lease does the work and the others wait their turn; stop() resigns the lease so
// another process can take over at once. A composition-root helper: it wires core/housekeeping
// to the scanners (worker::NessusCleanup).
//
// Thread-safety: start() and stop() from the owning thread; totals() from any thread.

#include <functional>
#include <memory>
#include <string>

#include "core/base/clock.h"
#include "core/base/periodic_jobs.h"
#include "core/config/config_holder.h"
#include "core/housekeeping/housekeeping_job.h"
#include "core/store/task_store.h"
#include "worker/engine/nessus_cleanup.h"

namespace nmcp::app {

class HousekeepingService {
 public:
  HousekeepingService(store::TaskStore& store, config::ConfigHolder& config, std::string data_dir,
                      std::string holder, std::function<void(const std::string&)> on_deleted = {},
                      const Clock& clock = system_clock());
  ~HousekeepingService();
  void start();
  void stop();
  housekeeping::Totals totals() const { return job_.totals(); }
  bool leading() const { return job_.leading(); }

 private:
  worker::NessusCleanup cleanup_;
  housekeeping::HousekeepingJob job_;
  PeriodicJobs jobs_;
  bool started_ = false;
};

}  // namespace nmcp::app
