#pragma once
// The series a worker exposes, declared once: scan steps by step, step failures, finished tasks
// by pool and state, scan durations, credential validation outcomes, and Nessus requests by
// endpoint class and outcome with their latency. Labels are bounded: pools, steps, states and
// endpoint classes come from fixed sets or the configuration, never a task id or a target.
//
// Thread-safety: the functions may be called from any thread.

#include <string>

#include "core/metrics/metrics.h"
#include "core/task/task.h"
#include "scanners/nessus/request_observer.h"

namespace nmcp::worker {

void describe_worker_metrics(metrics::Registry& r);
void count_step(metrics::Registry* r, task::Step step);
void count_step_failure(metrics::Registry* r, task::Step step);
// A task the worker finished (its final record).
void count_finished(metrics::Registry* r, const task::Task& t);
// The index step's credential verdict: success, partial, failed (of an authenticated scan).
void count_validation(metrics::Registry* r, const std::string& outcome);
scanners::RequestObserver request_observer(metrics::Registry* r);

}  // namespace nmcp::worker
