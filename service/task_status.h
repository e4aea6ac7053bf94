#pragma once
// The one view of a task, for every front door: get_scan_status and admin_cli task show --json
// render the same fields with the same values (never the idempotency hash, the worker's lease,
// or anything secret; ISO 8601 times; null for what is not there), and list rows are its first
// fields. A queued task carries its place in the queue, the wait estimate and why it waits
// (core/readiness/queue_wait.h); an unfinished one its pool's scan window.
//
// Pure functions over values; thread-safe.

#include <optional>

#include <nlohmann/json.hpp>

#include "core/readiness/queue_wait.h"
#include "core/task/task.h"

namespace nmcp::service {

struct QueuePlace {
  int position = 0;  // 1: next
  std::optional<long long> wait_seconds;
};

struct TaskStatus {
  task::Task task;
  std::optional<QueuePlace> queue;            // queued tasks
  std::optional<readiness::Waiting> waiting;  // queued tasks, when the pool is configured
  nlohmann::json window;                      // unfinished tasks of a pool with a window
  // The one rendering, the same for every front door (it names no tool and no command).
  nlohmann::json to_json() const;
};

// Seconds until a poll is likely to show something new (0: it has finished).
int poll_after_seconds(const task::Task& t);
// The short row of a task list: the view's first fields.
nlohmann::json task_row(const task::Task& t);
// A time as the views print it; null for none.
nlohmann::json time_or_null(std::optional<task::Millis> t);

}  // namespace nmcp::service
