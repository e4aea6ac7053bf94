#pragma once
// WorkerEngine: takes tasks from the store's pool queues and drives each one through its
// scan with ScanDriver, many at once without a thread per scan. One scheduler thread keeps a
// table of the tasks this process holds with the time each is next due; due steps run on a
// small thread pool and report when they want to run again (a poll interval, an export
// wait). The same thread runs three named periodic jobs (PeriodicJobs, on the engine's
// monotonic clock): "claim" takes new work while the store says a pool has capacity (wake()
// claims at once); "lease renewal" renews the lease of every task held (those in the middle
// of a step too, however long the step takes: a download of gigabytes keeps its lease); and
// "scanner probe" probes scanner health, publishing it to the store for tools that must not
// call Nessus. Instances are offered for claims only once a probe found them usable. A step
// that throws (out of memory included) counts as a failed attempt. Store timestamps come from
// the injected Clock, every interval from the injected MonotonicClock (EngineOptions::steady).
//
// A configuration reload (SIGHUP) swaps in a new registry; steps in flight finish with the
// one they started with. stop() stops claiming, lets running steps finish, and hands the
// leases of held tasks back to the queue so a restart (or another worker) resumes them.
//
// Thread-safety: wake() and stop() may be called from any thread.

#include <chrono>
#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "core/base/clock.h"
#include "core/base/monotonic_clock.h"
#include "core/base/periodic_jobs.h"
#include "core/base/result.h"
#include "core/base/thread_pool.h"
#include "core/config/config_holder.h"
#include "core/store/task_store.h"
#include "worker/engine/engine_options.h"
#include "worker/engine/scan_driver.h"

namespace nmcp::worker {

class WorkerEngine {
 public:
  WorkerEngine(EngineOptions options, store::TaskStore& store, config::ConfigHolder& config,
               const nmcp::Clock& clock = system_clock());
  ~WorkerEngine();
  WorkerEngine(const WorkerEngine&) = delete;
  WorkerEngine& operator=(const WorkerEngine&) = delete;

  // Builds the registry from the current configuration and starts the scheduler. Waits (up to
  // first_probe_wait) for the first health probe, so that the first tool calls already see
  // what is wrong with a scanner instead of "not checked yet".
  Status start(std::chrono::milliseconds first_probe_wait = std::chrono::seconds(3));
  // Looks for new work now (called after a submit in the same process).
  void wake();
  void stop();

  std::size_t active() const;
  const EngineOptions& options() const { return options_; }

 private:
  struct Held {
    store::Lease lease;
    std::int64_t due_ms = 0;  // on the monotonic clock
    bool in_flight = false;
    bool lost = false;  // a renewal found the lease gone while a step ran
  };
  struct ReloadHook;

  void run();
  void claim_work();
  void dispatch_due(std::int64_t now_ms);
  void renew_held();
  void start_probe();
  void probe();
  void run_step(const std::string& task_id, const store::Lease& lease);
  void on_config(std::shared_ptr<const config::ScannerConfig> config);
  ScannerSnapshot snapshot() const;
  std::chrono::milliseconds renew_every() const;
  std::map<std::string, std::vector<store::InstanceSlot>> offered_instances(
      const ScannerSnapshot& s) const;

  const EngineOptions options_;
  store::TaskStore& store_;
  const nmcp::Clock& clock_;
  const MonotonicClock& steady_;
  config::ConfigHolder& config_;
  ScanDriver driver_;
  ThreadPool pool_;
  std::shared_ptr<ReloadHook> reload_hook_;
  PeriodicJobs jobs_;  // claim, lease renewal, scanner probe; run by the scheduler thread

  mutable std::mutex mu_;
  std::condition_variable cv_;
  ScannerSnapshot scanners_;          // guarded by mu_
  std::map<std::string, Held> held_;  // guarded by mu_
  bool woken_ = false;                // guarded by mu_: claim now
  bool rescheduled_ = false;          // guarded by mu_: a step finished; recompute due times
  bool stopping_ = false;             // guarded by mu_
  bool probing_ = false;              // guarded by mu_
  bool probed_once_ = false;          // guarded by mu_
  std::thread scheduler_;
};

}  // namespace nmcp::worker
