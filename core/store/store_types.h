#pragma once
// The values that cross the store contract (task_store.h): what a claim offers, what a step
// records, how a list is filtered and paged, what the queue statistics say. Plain values;
// thread-safe to copy.

#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/store/instance_choice.h"
#include "core/store/lease_timing.h"
#include "core/store/owner.h"
#include "core/task/task.h"

namespace nmcp::store {

using task::Millis;
using task::Task;

// Consecutive failures of one task before it is dead-lettered, unless a worker says otherwise
// (nessus-worker --max-failures).
inline constexpr int kDefaultMaxFailures = 5;

struct SubmitResult {
  Task task;
  bool created = false;  // false: an existing task with the same owner, key and request hash
};

struct ClaimRequest {
  std::string worker;
  // Pools this worker serves, each with the instances it can reach right now.
  std::map<std::string, std::vector<InstanceSlot>> pools;
  Millis now = 0;
  Millis lease_ms = kDefaultLease.count();
  // Taking over an expired lease counts a failed attempt; this many dead-letter the task.
  int max_failures = kDefaultMaxFailures;
  // Whether this worker holds the key that opens inline credentials; a task carrying them is
  // left for a worker that does.
  bool opens_inline_credentials = false;
  // A scan started longer ago than this is taken even when its instance is not offered (it
  // is unreachable), so the worker ends it timed_out instead of leaving it queued forever.
  // 0: no limit.
  Millis scan_timeout_ms = 0;
  // Pools outside their scan window: no scan of theirs is launched (tasks not yet launched
  // stay queued); launched ones are still taken, to be paused, stopped or let run.
  std::set<std::string> closed_pools;
};

// What a worker records after a step succeeds. Unset fields stay as they are.
struct StepUpdate {
  std::optional<task::Step> step;
  std::optional<int> nessus_scan_id;
  std::optional<int> export_file_id;
  std::optional<std::string> nessus_status;
  std::optional<double> progress;
  std::optional<bool> window_paused;
  std::optional<nlohmann::json> validation;
  std::optional<nlohmann::json> summary;
  bool clear_export = false;       // forget export_file_id (the export expired or was bad)
  bool erase_credentials = false;  // the scan exists: drop the sealed inline credentials
  bool step_succeeded = true;      // resets the consecutive-failure count
};

struct TaskQuery {
  explicit TaskQuery(OwnerScope scope) : owner(std::move(scope)) {}
  OwnerScope owner;  // tenants see only their own tasks
  std::optional<task::State> state;
  std::string pool;
  std::string name_contains;  // case-insensitive
  // Extra test applied while paging (e.g. CIDR-aware target matching), so pages stay full.
  std::function<bool(const Task&)> predicate;
  bool dead_lettered_only = false;
  std::optional<Millis> created_since;  // only tasks created at or after
  std::size_t limit = 20;
  std::string cursor;  // opaque, from the previous page
};

// The kinds of finished task housekeeping keeps for different lengths of time. A dead letter is
// its own kind (counted from when it was dead-lettered), whatever its state.
enum class FinishedKind { Completed, Failed, Cancelled, TimedOut, DeadLetter };
inline constexpr FinishedKind kFinishedKinds[] = {FinishedKind::Completed, FinishedKind::Failed,
                                                  FinishedKind::Cancelled, FinishedKind::TimedOut,
                                                  FinishedKind::DeadLetter};
const char* to_string(FinishedKind kind);

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

// A stored record that could not be read back as a task: moved aside so that it stalls
// nothing (claims, lists and admin commands go on without it), kept for an operator to show,
// export and delete.
struct QuarantinedRecord {
  std::string id;
  std::string reason;
  Millis quarantined_at = 0;
  std::string record;  // the stored text, as found
};

// What admin_cli store check reports.
struct StoreCheck {
  bool ok = true;
  std::vector<std::string> problems;  // damage found (empty when ok)
  long long tasks = 0;
  long long quarantined = 0;
};

struct RetryDecision {
  Millis not_before = 0;  // when the task may be claimed again
  int max_failures =
      kDefaultMaxFailures;  // reaching this many consecutive failures dead-letters the task
  // Recorded in the same write (e.g. forget a bad export), without resetting the failures.
  std::optional<StepUpdate> update;
};

}  // namespace nmcp::store
