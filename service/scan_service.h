#pragma once
// The scans' use cases, for every front door: submit and its dry run, one task and its status
// view, a listing, cancelling, and re-indexing a finished task's export. Each returns a typed
// view (task_status.h, Submission) with one JSON rendering, or an Error whose Action the front
// door words. Tenants see only their own tasks (another's is "no task"); operators see all.
//
// Thread-safety: a ScanService holds only its Services; every call may run concurrently.

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "core/base/result.h"
#include "core/scans/check_targets.h"
#include "core/scans/submit_scan.h"
#include "service/services.h"
#include "service/task_status.h"

namespace nmcp::service {

// What a submit answered: the task (created now, or the one an earlier call with the same key
// created), its place in the queue, and why it cannot start yet when it cannot.
struct Submission {
  scans::Submitted submitted;
  QueuePlace queue;
  nlohmann::json window;  // the pool's scan window when the task waits for it; null otherwise
  nlohmann::json to_json() const;
};

struct TaskFilter {
  std::string owner;  // operators: only this tenant's tasks (empty: every tenant's)
  std::optional<task::State> state;
  std::string pool;
  std::string name_contains;
  std::string target;  // one address, CIDR, range or host name the targets overlap
  std::optional<task::Millis> created_since;
  std::size_t limit = 20;
  std::string cursor;
};

struct TaskList {
  std::vector<task::Task> tasks;
  std::string next_cursor;  // empty on the last page
  // Rows (task_status.h's task_row) and the cursor, null when there is no more.
  nlohmann::json to_json() const;
};

struct Reindexed {
  task::Task task;  // as stored afterwards, with the new summary and validation
  std::uint64_t findings = 0;
  std::uint64_t hosts = 0;
  std::string index_file;
  nlohmann::json to_json() const;
};

// An export from elsewhere to keep as a completed task agents can query.
struct ImportRequest {
  std::string file;
  std::string owner;   // empty: the tenant without a key (stdio)
  std::string pool;    // empty: "imported"
  std::string name;    // empty: the scan's own name, else the file's
  bool force = false;  // import a file imported before as a new task
};

struct Imported {
  task::Task task;
  bool created = false;  // false: the same file was imported by the same owner before
  nlohmann::json to_json() const;
};

class ScanService {
 public:
  explicit ScanService(Services s) : s_(std::move(s)) {}

  // The caller's rights (pools, kinds of scan) and tenant apply; `request.owner`, the trace and
  // the key's limits are taken from the caller.
  Result<Submission> submit(const Caller& caller, scans::ScanRequest request) const;
  // Every check a submit makes, the pool's window and the quota's decision, storing nothing.
  Result<scans::TargetCheck> dry_run(const Caller& caller, const std::string& pool,
                                     const std::string& targets) const;

  // InvalidArgument for a malformed id; NotFound (Action::ListTasks) for no such task.
  Result<task::Task> find(const Caller& caller, const std::string& id) const;
  Result<TaskStatus> status(const Caller& caller, const std::string& id) const;
  // The status view of a task already read.
  TaskStatus status_of(task::Task t) const;
  // The views of a page of tasks, reading the configuration, the scanner health and the queue
  // figures once for the page (an operator's listing).
  std::vector<TaskStatus> statuses_of(std::vector<task::Task> tasks) const;
  Result<TaskList> list(const Caller& caller, const TaskFilter& filter) const;
  // A queued task is cancelled at once, a running one is stopped by its worker.
  Result<task::Task> cancel(const Caller& caller, const std::string& id) const;
  // Rebuilds a finished task's findings index from its export on the worker's path and stores
  // the summary and credential outcome it gives, so that the status, the hosts and the findings
  // agree afterwards. Operators only.
  Result<Reindexed> reindex(const Caller& caller, const std::string& id) const;

  // Copies the export into a new task's results folder, indexes it, then records the task
  // completed: a refused file leaves neither a task nor files behind. The same file imported
  // again by the same owner is the same task (its content's digest is the idempotency key)
  // unless `force`. Operators only.
  Result<Imported> import_export(const Caller& caller, const ImportRequest& request) const;

  // When housekeeping deletes `t` with its results: nullopt while it has not finished, or when
  // housekeeping is off (nothing deletes it).
  std::optional<task::Millis> kept_until(const task::Task& t) const;

  // The live configuration; FailedPrecondition when none is loaded.
  Result<std::shared_ptr<const config::ScannerConfig>> configuration() const;

 private:
  // What the views of one call read at most once: the configuration, the scanner health, the
  // queue figures, each pool's typical duration.
  struct Snapshot {
    std::shared_ptr<const config::ScannerConfig> config;
    std::optional<std::map<std::string, store::ScannerStatus>> health;
    bool health_read = false;
    std::optional<std::vector<store::QueueStats>> stats;
    bool stats_read = false;
    std::map<std::string, std::optional<task::Millis>> typical;
  };
  Snapshot snapshot() const;
  const std::map<std::string, store::ScannerStatus>* health(Snapshot& snap) const;
  // The pool's readiness from the snapshot's health; nullopt when no health is known.
  std::optional<readiness::PoolReadiness> readiness_of(const config::PoolConfig& pool,
                                                       Snapshot& snap) const;
  QueuePlace queue_place(const task::Task& t, const readiness::PoolReadiness* ready,
                         Snapshot& snap) const;
  TaskStatus status_in(task::Task t, Snapshot& snap) const;
  void audit_refusal(const Caller& caller, const std::string& subject, const Error& why) const;

  Services s_;
};

// InvalidArgument unless `id` looks like a task id.
Status check_task_id(const std::string& id);

}  // namespace nmcp::service
