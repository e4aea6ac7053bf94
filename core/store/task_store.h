#pragma once
// The store contract: tasks, per-pool queues, leases, idempotency, capacity, the dead-letter
// queue and scanner health, split by who uses them so that each caller sees only its part:
//   TaskReader, TaskSubmitter   the MCP tools: read, submit, cancel (owner-scoped)
//   LeaseStore                  workers: claim, and hold leases while driving scans
//   TaskAdmin                   operators: dead letters, imports
//   ScannerStatusStore          workers write probe results; tools read them
//   LeaderLeases                singletons (housekeeping, schedules): one leader per role
//   RecordStore                 core's shared state other than tasks (schedules, quotas)
// TaskStore is all of them (what open_store() returns). Every operation is atomic on its own:
// it reads, checks and writes as one, so callers never check-then-act across calls. The rules
// an operation applies (which state changes are legal under which lease, failure counting,
// backoff, dead-lettering, credential erasure) are lifecycle.h's, the same on every backend.
//
// The queue is the set of queued tasks of a pool, oldest first; claiming moves one to running
// under a lease held by a worker. A lease that expires makes the task claimable again with its
// recorded step, instance and Nessus scan id, so the next worker re-attaches instead of
// starting over. Capacity is counted from the store (running tasks per instance), so every
// process sees the same utilisation.
//
// Errors every backend returns, which callers rely on (tests/contract checks them):
//   NotFound            no such task, or one the caller's OwnerScope does not admit
//   Conflict            an idempotency key reused for a different request
//   FailedPrecondition  the task's state or lease forbids the operation; for a LeaseStore
//                       call it means the lease is lost: stop working on the task
//   Unavailable         the store is busy or did not answer in time: retry later. A write it
//                       received may still have happened (Redis runs a timed-out command when
//                       it resumes), so every operation is safe to retry: the same outcome
//                       again, or FailedPrecondition when it already happened. A lease still
//                       held stays held.
//   InvalidArgument     a malformed argument (a cursor this store did not issue)
//   DataLoss            the store or a record in it is damaged; a task record that cannot be
//                       read is quarantined (TaskAdmin) and everything else carries on
//
// Thread-safety: implementations are safe to call from many threads and many processes.

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "core/base/result.h"
#include "core/store/leadership.h"
#include "core/store/lease.h"
#include "core/store/owner.h"
#include "core/store/records.h"
#include "core/store/scanner_status.h"
#include "core/store/store_types.h"

namespace nmcp::store {

class TaskReader {
 public:
  virtual ~TaskReader() = default;
  virtual Result<Task> get(const std::string& id, const OwnerScope& scope) = 0;
  virtual Result<TaskPage> list(const TaskQuery& query) = 0;
  // The task `owner` created with idempotency key `key`, if it still exists.
  virtual Result<std::optional<Task>> find_keyed(const std::string& owner,
                                                 const std::string& key) = 0;
  // 1 = next to run; 0 when the task is not queued.
  virtual Result<int> queue_position(const std::string& id) = 0;
  // Mean run time of the pool's recent completed scans, or nullopt without history.
  virtual Result<std::optional<Millis>> typical_duration(const std::string& pool) = 0;
  virtual Result<std::vector<QueueStats>> queue_stats() = 0;
  virtual Result<std::map<std::string, int>> running_per_instance() = 0;
};

class TaskSubmitter {
 public:
  virtual ~TaskSubmitter() = default;
  // Inserts a queued task. With an idempotency key: the same owner, key and request hash return
  // the existing task (created = false); the same key with another hash is Conflict. Concurrent
  // duplicates create exactly one task.
  virtual Result<SubmitResult> submit(Task task) = 0;
  // Queued: cancelled at once. Running: cancel_requested, the worker stops the Nessus scan.
  // `key_pools`: the caller's key may act only in these pools (PermissionDenied otherwise).
  virtual Result<Task> request_cancel(
      const std::string& id, const OwnerScope& scope, Millis now,
      const std::optional<std::set<std::string>>& key_pools = std::nullopt) = 0;
};

class LeaseStore {
 public:
  virtual ~LeaseStore() = default;
  // Takes the oldest claimable task of the offered pools, or nullopt. Claimable: queued and due,
  // or running with an expired lease that another worker held. A task with a recorded Nessus
  // scan goes only to its own instance; a fresh one to the least utilised offered instance with
  // a free slot. The task returned carries its new lease (lease_of()).
  virtual Result<std::optional<Task>> claim(const ClaimRequest& request) = 0;
  // Extends the lease. The returned task shows cancel_requested.
  virtual Result<Task> renew(const std::string& id, const Lease& lease, Millis now,
                             Millis lease_until) = 0;
  virtual Result<Task> record(const std::string& id, const Lease& lease, const StepUpdate& update,
                              Millis now, Millis lease_until) = 0;
  // running -> completed | failed | cancelled | timed_out.
  virtual Result<Task> finish(const std::string& id, const Lease& lease, task::State to,
                              const task::TaskError& error, Millis now) = 0;
  // A transient failure: back to queued until decision.not_before, or, after max_failures
  // consecutive failures, failed and dead-lettered with the error.
  virtual Result<Task> retry_later(const std::string& id, const Lease& lease,
                                   const task::TaskError& error, const RetryDecision& decision,
                                   Millis now) = 0;
  // A permanent failure: failed and dead-lettered at once.
  virtual Result<Task> dead_letter(const std::string& id, const Lease& lease,
                                   const task::TaskError& error, Millis now) = 0;
  // Gives the lease back without counting a failure (a worker shutting down).
  virtual Result<Task> release(const std::string& id, const Lease& lease, Millis now) = 0;
  // The scanner asked to come back later: queued until `until`, no failure counted.
  virtual Result<Task> back_off(const std::string& id, const Lease& lease, Millis until,
                                Millis now) = 0;
};

class TaskAdmin {
 public:
  virtual ~TaskAdmin() = default;
  // Dead-lettered -> queued with failures reset; the task runs again from its recorded step.
  virtual Result<Task> retry_dead_letter(const std::string& id, Millis now) = 0;
  // Deletes dead-lettered tasks (of one pool, or all when empty) dead-lettered before `before`.
  virtual Result<int> purge_dead_letters(const std::string& pool, Millis before) = 0;
  // A finished task's summary and credential outcome replaced by a new index of its export
  // (lifecycle::replace_results). Returns the task as stored.
  virtual Result<Task> replace_results(const std::string& id, const nlohmann::json& summary,
                                       const nlohmann::json& validation, Millis now) = 0;
  // Records a scan that already finished elsewhere (admin_cli import): stored completed, never
  // queued or claimed. Its results must be in place before it is recorded. With an idempotency
  // key its owner already used, nothing is stored and that task is returned (created = false).
  virtual Result<SubmitResult> import_completed(Task task) = 0;

  // Stores `task` as it is, with its state, history and dead-letter membership (a store
  // migration). A task whose id is already there is left alone: Copied::Already when the two
  // are the same, Copied::Differs when not. FailedPrecondition for a running task; Conflict
  // when its owner's idempotency key names another task here.
  enum class Copied { New, Already, Differs };
  virtual Result<Copied> copy_in(const Task& task) = 0;
  // Marks a task of this store as moved to `destination` (lifecycle::mark_moved): it never runs
  // here again. Returns the marked task; FailedPrecondition for a running one.
  virtual Result<Task> mark_moved(const std::string& id, const std::string& destination,
                                  Millis now) = 0;

  // Housekeeping's reads and writes. Finished tasks of one kind that finished (a dead letter:
  // was dead-lettered) before `before`, oldest first, at most `limit`.
  virtual Result<std::vector<Task>> finished_before(FinishedKind kind, Millis before,
                                                    std::size_t limit) = 0;
  // Finished tasks of one kind that finished at or after `since`, oldest first, at most
  // `limit`: how the estate (core/estate) learns of scans to fold in, whatever order they end.
  virtual Result<std::vector<Task>> finished_since(FinishedKind kind, Millis since,
                                                   std::size_t limit) = 0;
  // Deletes each task's record, its idempotency key and every index entry, atomically per task
  // (one transaction or script for the batch where the backend allows), only if the stored task
  // is finished and `still_due` holds for it (it may have been retried since it was read).
  // Returns the ids it deleted. Their result files are the caller's to remove.
  virtual Result<std::vector<std::string>> delete_finished(
      const std::vector<std::string>& ids, const std::function<bool(const Task&)>& still_due) = 0;
  // Running tasks whose lease expired before `before`, oldest expiry first, at most `limit`.
  virtual Result<std::vector<Task>> expired_running(Millis before, std::size_t limit) = 0;
  // A running task nobody can finish -> timed_out (lifecycle::time_out_stuck). FailedPrecondition
  // when it is not stuck (any more).
  virtual Result<Task> time_out_stuck(const std::string& id, Millis now,
                                      Millis lease_expired_before, Millis scan_timeout_ms) = 0;

  // Records that could not be read as tasks, newest first.
  virtual Result<std::vector<QuarantinedRecord>> quarantined() = 0;
  // Deletes a quarantined record; NotFound when there is none with this id.
  virtual Status delete_quarantined(const std::string& id) = 0;
  // Checks the store's integrity and reads every record (unreadable ones are quarantined).
  virtual Result<StoreCheck> check() = 0;
};

class ScannerStatusStore {
 public:
  virtual ~ScannerStatusStore() = default;
  virtual Status put_scanner_status(const ScannerStatus& status) = 0;
  virtual Result<std::map<std::string, ScannerStatus>> scanner_statuses() = 0;
};

// One leader per role across every process of a deployment (leadership.h has the rules).
class LeaderLeases {
 public:
  virtual ~LeaderLeases() = default;
  // Leads `role` until now + ttl_ms when nobody holds it, or extends the term when `holder`
  // already does; nullopt when another holder leads. InvalidArgument for a bad name or term.
  virtual Result<std::optional<Leadership>> try_lead(const std::string& role,
                                                     const std::string& holder, Millis now,
                                                     Millis ttl_ms) = 0;
  // Extends the term of `mine`; FailedPrecondition when it no longer leads (expired or taken).
  virtual Result<Leadership> renew_lead(const Leadership& mine, Millis now, Millis ttl_ms) = 0;
  // Gives the role up at once (a clean shutdown); nothing happens when `mine` no longer leads.
  virtual Status resign(const Leadership& mine, Millis now) = 0;
  // The role's record (nullopt: never led); held_at() says whether anyone leads now.
  virtual Result<std::optional<Leadership>> leader(const std::string& role) = 0;
};

// Named documents of one kind with an atomic read-modify-write (records.h). InvalidArgument for
// a bad kind, key or body; the change's own error otherwise.
class RecordStore {
 public:
  virtual ~RecordStore() = default;
  virtual Result<std::optional<std::string>> load_record(const std::string& kind,
                                                         const std::string& key) = 0;
  virtual Result<std::vector<Record>> list_records(const std::string& kind) = 0;
  // Applies change's edit to the record atomically; the body afterwards (nullopt: none).
  virtual Result<std::optional<std::string>> mutate_record(const std::string& kind,
                                                           const std::string& key,
                                                           const RecordChange& change) = 0;
};

class TaskStore : public TaskReader,
                  public TaskSubmitter,
                  public LeaseStore,
                  public TaskAdmin,
                  public ScannerStatusStore,
                  public LeaderLeases,
                  public RecordStore {
 public:
  // "sqlite:/path/to/file" and the like, without secrets.
  virtual std::string describe() const = 0;
  // Reachable and usable (for /ready and admin_cli).
  virtual Status ping() = 0;
  // Requests sent to a networked store (Redis) since it was opened, for benchmarks and
  // metrics; nullopt for the embedded SQLite store.
  virtual std::optional<std::uint64_t> round_trips() const = 0;
  // The clock every process of this store is judged against (lease terms, due times), in Unix
  // milliseconds: the server's (Redis TIME); nullopt for a store on this host's disk (SQLite),
  // whose processes share this host's clock (clock_offset.h).
  virtual Result<std::optional<Millis>> server_time() = 0;
};

}  // namespace nmcp::store
