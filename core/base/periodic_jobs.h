#pragma once
// PeriodicJobs: named jobs that each run every `period`, timed by an injected clock, on one
// thread (the shape of Redis's serverCron with run_with_period). Duties that recur (housekeeping,
// later schedules) register here instead of growing a timer of their own. run_due() is the
// whole scheduling rule and is what tests call with a ManualClock; start() runs it on a thread
// that sleeps until the next job is due. A job that throws is logged and runs again at its next
// period; a job that overruns delays the others (jobs are meant to be short, or to bound their
// own time).
//
// Timed by a MonotonicClock, periods hold however the wall clock is stepped; the Clock
// constructor is for duties whose period is a wall-clock matter (and for tests that already
// drive one ManualClock through a whole scenario).
//
// Thread-safety: add() before start(); wake() and stop() from any thread; run_due() from one
// thread at a time.

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "core/base/clock.h"
#include "core/base/monotonic_clock.h"

namespace nmcp {

class PeriodicJobs {
 public:
  explicit PeriodicJobs(const Clock& clock) : now_ms_([&clock] { return clock.now(); }) {}
  explicit PeriodicJobs(const MonotonicClock& clock)
      : now_ms_([&clock] { return clock.elapsed_ms(); }) {}
  ~PeriodicJobs();
  PeriodicJobs(const PeriodicJobs&) = delete;
  PeriodicJobs& operator=(const PeriodicJobs&) = delete;

  // The first run is due `first_after` from now (0: at the first run_due()).
  void add(std::string name, std::chrono::milliseconds period, std::function<void()> job,
           std::chrono::milliseconds first_after = std::chrono::milliseconds(0));

  // Runs every job due at the clock's time, in the order added; returns how long until the next
  // one is due.
  std::chrono::milliseconds run_due();
  // How many times a job has run (tests, metrics); 0 for an unknown name.
  std::uint64_t runs(const std::string& name) const;

  void start();
  void wake();  // run whatever is due now, without waiting
  void stop();  // waits for a running job to return

 private:
  struct Job {
    std::string name;
    std::int64_t period_ms;
    std::function<void()> fn;
    std::int64_t next_ms;
    std::uint64_t runs = 0;
  };
  const std::function<std::int64_t()> now_ms_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::vector<Job> jobs_;  // guarded by mu_ (fn called without it)
  bool stopping_ = false;  // guarded by mu_
  bool woken_ = false;     // guarded by mu_
  std::thread thread_;
};

}  // namespace nmcp
