#pragma once
// The task state machine, enforced here and nowhere else. Every backend calls check_transition
// before it writes a new state, so no code path (worker, tool, admin_cli, housekeeping) can
// take a shortcut such as queued -> timed_out.
//
//   queued  -> running      a worker claimed it
//   queued  -> cancelled    cancelled before any worker took it
//   queued  -> failed       failed before running (scope re-check, dead-lettered while waiting)
//   running -> queued       lease expired or a transient error: retry later from the same step
//   running -> completed | failed | cancelled | timed_out
//   failed  -> queued       only for a dead-lettered task that an operator retries
//
// Pure functions; thread-safe.

#include "core/base/result.h"
#include "core/task/task.h"

namespace nmcp::task {

bool can_transition(State from, State to, bool dead_lettered);
Status check_transition(const Task& task, State to);

}  // namespace nmcp::task
