// PeriodicJobs on a ManualClock: each job runs when its period has passed, in the order added;
// a clock that jumps gives one run, not a burst; a job that throws runs again next period.
#include "core/base/periodic_jobs.h"

#include <stdexcept>
#include <string>
#include <vector>

#include <doctest/doctest.h>

using namespace nmcp;
using std::chrono::milliseconds;

TEST_CASE("periodic jobs: run when due, in order, one run after a jump") {
  ManualClock clock(1000);
  PeriodicJobs jobs(clock);
  std::vector<std::string> ran;
  jobs.add("fast", milliseconds(100), [&] { ran.push_back("fast"); });
  jobs.add(
      "slow", milliseconds(1000), [&] { ran.push_back("slow"); }, milliseconds(500));

  CHECK(jobs.run_due() == milliseconds(100));
  CHECK(ran == std::vector<std::string>{"fast"});
  clock.advance(99);
  CHECK(jobs.run_due() == milliseconds(1));
  CHECK(ran.size() == 1);
  clock.advance(401);  // t = 1500: both due
  jobs.run_due();
  CHECK(ran == std::vector<std::string>{"fast", "fast", "slow"});
  clock.advance(60'000);  // a jump: each runs once
  jobs.run_due();
  CHECK(jobs.runs("fast") == 3);
  CHECK(jobs.runs("slow") == 2);
  CHECK(jobs.runs("unknown") == 0);
}

TEST_CASE("periodic jobs: a job that throws is logged and runs again") {
  ManualClock clock(0);
  PeriodicJobs jobs(clock);
  int calls = 0;
  jobs.add("flaky", milliseconds(10), [&] {
    ++calls;
    throw std::runtime_error("boom");
  });
  jobs.run_due();
  clock.advance(10);
  jobs.run_due();
  CHECK(calls == 2);
}

TEST_CASE("periodic jobs: the thread runs what is due and stops") {
  ManualClock clock(0);
  PeriodicJobs jobs(clock);
  std::atomic<int> calls{0};
  jobs.add("once", milliseconds(3'600'000), [&] { ++calls; });
  jobs.start();
  for (int i = 0; i < 2000 && calls.load() == 0; ++i) {
    std::this_thread::sleep_for(milliseconds(1));  // waits for the thread's first turn only
  }
  jobs.stop();
  CHECK(calls.load() == 1);
}

TEST_CASE("periodic jobs on a monotonic clock: periods ignore the wall clock") {
  ManualMonotonic steady;
  PeriodicJobs jobs(steady);
  int runs = 0;
  jobs.add(
      "reaper", milliseconds(7500), [&] { ++runs; }, milliseconds(7500));
  CHECK(jobs.run_due() == milliseconds(7500));
  CHECK(runs == 0);
  steady.advance(7499);
  jobs.run_due();
  CHECK(runs == 0);
  steady.advance(1);
  CHECK(jobs.run_due() == milliseconds(7500));
  CHECK(runs == 1);
}
