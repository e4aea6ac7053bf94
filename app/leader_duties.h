#pragma once
// LeaderDuties: every long-running binary (nessus-mcp, nessus-worker) starts one. It runs the
// deployment's singleton duties on one PeriodicJobs thread: housekeeping
// (housekeeping::HousekeepingJob) and schedule firing (recurring::ScheduleFiringJob), and on the
// embedded store the estate's feed of completed scans (estate_feed::EstateFeed). Each keeps
// its own leader lease in the store, so whichever process holds it does the work and the others
// wait their turn; stop() resigns both so another process can take over at once. A process
// whose DeploymentCheck finds it unfit (its clock away from the store's, a results directory the
// store does not name) leads neither and resigns what it led; the same runner refreshes that
// check (and the process's presence) at every renewal interval. A composition-root helper: it
// wires core/housekeeping to the scanners (worker::NessusCleanup).
//
// Thread-safety: start() and stop() from the owning thread; totals() from any thread.

#include <functional>
#include <memory>
#include <string>

#include "core/audit/audit_log.h"
#include "core/base/clock.h"
#include "core/base/periodic_jobs.h"
#include "core/config/config_holder.h"
#include "core/estate/sqlite_estate.h"
#include "core/estate_feed/estate_feed.h"
#include "core/housekeeping/housekeeping_job.h"
#include "core/readiness/deployment_check.h"
#include "core/recurring/schedule_firing_job.h"
#include "core/store/task_store.h"
#include "worker/engine/nessus_cleanup.h"

namespace nmcp::app {

class LeaderDuties {
 public:
  // `audit` (may be null) receives each scheduled submit's decision. `deployment` (may be
  // null: always fit) is refreshed every `refresh_every` and asked before each turn of leading.
  LeaderDuties(store::TaskStore& store, config::ConfigHolder& config, std::string data_dir,
               std::string holder, std::shared_ptr<audit::AuditLog> audit = nullptr,
               std::function<void(const std::string&)> on_deleted = {},
               const Clock& clock = system_clock(),
               readiness::DeploymentCheck* deployment = nullptr,
               std::chrono::milliseconds refresh_every = std::chrono::seconds(20));
  ~LeaderDuties();
  // Also folds every completed scan into the estate (<data_dir>/estate.db, core/estate_feed),
  // as a job of the process that leads housekeeping. Only on the embedded SQLite store: a
  // team's store needs the estate's PostgreSQL engine (a SQLite file on a shared volume is not
  // safe). Call before start(); a file that does not open is logged and the feed stays off.
  void fold_estate(bool embedded_store);
  void start();
  void stop();
  housekeeping::Totals totals() const { return housekeeping_.totals(); }
  bool leading() const { return housekeeping_.leading(); }
  recurring::FiringReport schedule_totals() const { return schedules_.totals(); }
  bool firing_schedules() const { return schedules_.leading(); }

 private:
  worker::NessusCleanup cleanup_;
  std::shared_ptr<audit::AuditLog> audit_;
  quota::QuotaLedger quotas_;  // a schedule's runs count against its tenant's quotas
  bool fit() const { return deployment_ == nullptr || deployment_->may_take_work(); }

  readiness::DeploymentCheck* deployment_;
  store::TaskStore& store_;
  const std::string data_dir_;
  std::unique_ptr<estate::SqliteEstate> estate_;   // set by fold_estate()
  std::unique_ptr<estate_feed::EstateFeed> feed_;  // reads estate_; destroyed first
  housekeeping::HousekeepingJob housekeeping_;
  recurring::ScheduleFiringJob schedules_;
  PeriodicJobs jobs_;
  bool started_ = false;
};

}  // namespace nmcp::app
