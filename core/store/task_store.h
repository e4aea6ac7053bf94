#pragma once
// TaskStore: the one contract for tasks, per-pool queues, leases, idempotency, capacity and the
// dead-letter queue. The SQLite backend implements it now; a Redis backend must pass the same
// behavioural suite (tests/contract/). Every operation is atomic on its own: each one reads,
// checks and writes inside a single transaction (SQLite: BEGIN IMMEDIATE; Redis: one Lua
// script), so callers never do check-then-act across calls.
//
// The queue is the set of queued tasks of a pool, oldest first; claiming moves one to running
// under a lease held by a worker. A lease that expires makes the task claimable again with its
// recorded step, instance and Nessus scan id, so the next worker re-attaches instead of
// starting over. Capacity is counted from the store (running tasks per instance), so every
// process sees the same utilisation.
//
// Thread-safety: implementations are safe to call from many threads and many processes.

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/base/result.h"
#include "core/store/instance_choice.h"
#include "core/task/task.h"

namespace nmcp::store {

using task::Millis;
using task::Task;

struct SubmitResult {
  Task task;
  bool created = false;  // false: an existing task with the same owner, key and request hash
};

struct ClaimRequest {
  std::string worker;
  // Pools this worker serves, each with the instances it can reach right now.
  std::map<std::string, std::vector<InstanceSlot>> pools;
  Millis now = 0;
  Millis lease_ms = 60'000;
};

// What a worker records after a step succeeds. Unset fields stay as they are.
struct StepUpdate {
  std::optional<task::Step> step;
  std::optional<int> nessus_scan_id;
  std::optional<int> export_file_id;
  std::optional<std::string> nessus_status;
  std::optional<double> progress;
  std::optional<nlohmann::json> validation;
  std::optional<nlohmann::json> summary;
  bool clear_export = false;       // forget export_file_id (the export expired or was bad)
  bool erase_credentials = false;  // the scan exists: drop the sealed inline credentials
  bool step_succeeded = true;      // resets the consecutive-failure count
};

struct TaskQuery {
  std::string owner;  // required: tenants see only their own tasks (empty: every owner, admin)
  std::optional<task::State> state;
  std::string pool;
  std::string name_contains;  // case-insensitive
  // Extra test applied while paging (e.g. CIDR-aware target matching), so pages stay full.
  std::function<bool(const Task&)> predicate;
  bool dead_lettered_only = false;
  std::size_t limit = 20;
  std::string cursor;  // opaque, from the previous page
};

struct TaskPage {
  std::vector<Task> tasks;
  std::string next_cursor;  // empty on the last page
};

struct QueueStats {
  std::string pool;
  int queued = 0;  // waiting, including those in backoff
  int running = 0;
  int dead_letters = 0;
  std::optional<Millis> oldest_queued_at;
};

struct RetryDecision {
  Millis not_before = 0;  // when the task may be claimed again
  int max_failures = 5;   // reaching this many consecutive failures dead-letters the task
};

class TaskStore {
 public:
  virtual ~TaskStore() = default;

  // "sqlite:/path/to/file" and the like, without secrets.
  virtual std::string describe() const = 0;
  // Reachable and usable (for /ready and admin_cli).
  virtual Status ping() = 0;

  // Inserts a queued task. With an idempotency key: the same owner, key and request hash return
  // the existing task (created = false); the same key with another hash is Conflict. Concurrent
  // duplicates create exactly one task.
  virtual Result<SubmitResult> submit(Task task) = 0;
  // Records a scan that already finished elsewhere (admin_cli import): stored completed, never
  // queued or claimed. Its results must be in place before it is recorded.
  virtual Result<Task> import_completed(Task task) = 0;
  virtual Result<Task> get(const std::string& id) = 0;
  virtual Result<TaskPage> list(const TaskQuery& query) = 0;

  // Takes the oldest claimable task of the offered pools, or nullopt. Claimable: queued and due,
  // or running with an expired lease. A task with a recorded Nessus scan goes only to its own
  // instance; a fresh one to the least utilised offered instance with a free slot.
  virtual Result<std::optional<Task>> claim(const ClaimRequest& request) = 0;
  // Extends the lease; fails (FailedPrecondition) when the caller no longer holds it. The
  // returned task shows cancel_requested.
  virtual Result<Task> renew(const std::string& id, const std::string& worker, Millis now,
                             Millis lease_until) = 0;
  virtual Result<Task> record(const std::string& id, const std::string& worker,
                              const StepUpdate& update, Millis now, Millis lease_until) = 0;
  // running -> completed | failed | cancelled | timed_out.
  virtual Result<Task> finish(const std::string& id, const std::string& worker, task::State to,
                              const task::TaskError& error, Millis now) = 0;
  // A transient failure: back to queued until decision.not_before, or, after max_failures
  // consecutive failures, failed and dead-lettered with the error.
  virtual Result<Task> retry_later(const std::string& id, const std::string& worker,
                                   const task::TaskError& error, const RetryDecision& decision,
                                   Millis now) = 0;
  // A permanent failure: failed and dead-lettered at once.
  virtual Result<Task> dead_letter(const std::string& id, const std::string& worker,
                                   const task::TaskError& error, Millis now) = 0;
  // Gives the lease back without counting a failure (a worker shutting down).
  virtual Result<Task> release(const std::string& id, const std::string& worker, Millis now) = 0;

  // Queued: cancelled at once. Running: cancel_requested, the worker stops the Nessus scan.
  // `owner` empty means any owner (admin_cli).
  virtual Result<Task> request_cancel(const std::string& id, const std::string& owner,
                                      Millis now) = 0;

  virtual Result<std::map<std::string, int>> running_per_instance() = 0;
  virtual Result<std::vector<QueueStats>> queue_stats() = 0;
  // 1 = next to run; 0 when the task is not queued.
  virtual Result<int> queue_position(const std::string& id) = 0;
  // Mean run time of the pool's recent completed scans, or nullopt without history.
  virtual Result<std::optional<Millis>> typical_duration(const std::string& pool) = 0;

  // Dead-lettered -> queued with failures reset; the task runs again from its recorded step.
  virtual Result<Task> retry_dead_letter(const std::string& id, Millis now) = 0;
  // Deletes dead-lettered tasks (of one pool, or all when empty) dead-lettered before `before`.
  virtual Result<int> purge_dead_letters(const std::string& pool, Millis before) = 0;

  // Scanner health as last probed by a worker, for tools that must not call Nessus.
  virtual Status put_scanner_status(const std::string& instance, const nlohmann::json& status,
                                    Millis now) = 0;
  virtual Result<std::map<std::string, nlohmann::json>> scanner_statuses() = 0;
};

// Exponential backoff with full jitter: a uniform delay in [base/2, min(cap, base*2^failures)].
Millis backoff_delay(int failures, Millis base, Millis cap, double unit_random);

}  // namespace nmcp::store
