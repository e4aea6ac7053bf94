#pragma once
// WorkerEngine: takes tasks from the store's pool queues and drives each one through its
// scan with ScanDriver, many at once without a thread per scan. One scheduler thread keeps a
// table of the tasks this process holds with the time each is next due; due steps run on a
// small thread pool and report when they want to run again (a poll interval, an export
// wait). The scheduler also claims new work while the store says a pool has capacity, renews
// leases of tasks waiting between steps, and probes scanner health, publishing it to the store
// for tools that must not call Nessus.
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

#include "core/base/result.h"
#include "core/base/thread_pool.h"
#include "core/config/config_holder.h"
#include "core/store/task_store.h"
#include "worker/engine/engine_options.h"
#include "worker/engine/scan_driver.h"

namespace nmcp::worker {

class WorkerEngine {
 public:
  WorkerEngine(EngineOptions options, store::TaskStore& store, config::ConfigHolder& config);
  ~WorkerEngine();
  WorkerEngine(const WorkerEngine&) = delete;
  WorkerEngine& operator=(const WorkerEngine&) = delete;

  // Builds the registry from the current configuration and starts the scheduler.
  Status start();
  // Looks for new work now (called after a submit in the same process).
  void wake();
  void stop();

  std::size_t active() const;
  const EngineOptions& options() const { return options_; }

 private:
  using Clock = std::chrono::steady_clock;
  struct Held {
    Clock::time_point due;
    Clock::time_point renew_due;
    bool in_flight = false;
  };
  struct ReloadHook;

  void run();
  void claim_work(Clock::time_point now);
  void dispatch_due(Clock::time_point now);
  void renew_waiting(Clock::time_point now);
  void probe();
  void run_step(const std::string& task_id);
  void on_config(std::shared_ptr<const config::ScannerConfig> config);
  ScannerSnapshot snapshot() const;
  std::map<std::string, std::vector<store::InstanceSlot>> offered_instances(
      const ScannerSnapshot& s, Clock::time_point now) const;

  const EngineOptions options_;
  store::TaskStore& store_;
  config::ConfigHolder& config_;
  ScanDriver driver_;
  ThreadPool pool_;
  std::shared_ptr<ReloadHook> reload_hook_;

  mutable std::mutex mu_;
  std::condition_variable cv_;
  ScannerSnapshot scanners_;          // guarded by mu_
  std::map<std::string, Held> held_;  // guarded by mu_
  bool woken_ = false;                // guarded by mu_: claim now
  bool rescheduled_ = false;          // guarded by mu_: a step finished; recompute due times
  bool stopping_ = false;             // guarded by mu_
  bool probing_ = false;              // guarded by mu_
  Clock::time_point next_probe_{};    // scheduler thread only
  Clock::time_point next_claim_{};    // scheduler thread only
  std::thread scheduler_;
};

}  // namespace nmcp::worker
