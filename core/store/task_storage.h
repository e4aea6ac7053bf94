#pragma once
// What a store backend provides: storage and atomicity, and no rule of the task lifecycle.
// LifecycleStore (lifecycle_store.h) turns any TaskStorage into a TaskStore by applying
// lifecycle.h inside these primitives:
//   insert / insert_unique   a new task, atomically against the owner's idempotency keys
//   mutate                   one atomic read-modify-write of one task
//   claim                    one atomic pass over the claimable tasks, judged by a planner
//   indexed reads            lists, statistics, queue positions, without loading every task
//   mutate_leader            one atomic read-modify-write of a leader record
//   mutate_record            one atomic read-modify-write of a record (records.h)
// Each backend documents how it makes them atomic (SQLite: BEGIN IMMEDIATE; Redis: see its
// phase document).
//
// Thread-safety: implementations are safe to call from many threads and many processes.

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/base/result.h"
#include "core/store/leadership.h"
#include "core/store/lifecycle.h"
#include "core/store/records.h"
#include "core/store/scanner_status.h"
#include "core/store/store_types.h"

namespace nmcp::store {

class TaskStorage {
 public:
  // Claimable candidates one claim examines at most (oldest first, across the offered pools):
  // a long run of tasks no offered instance can take stops the search there.
  static constexpr int kClaimScanLimit = 256;

  virtual ~TaskStorage() = default;

  virtual std::string describe() const = 0;
  virtual Status ping() = 0;
  // Requests sent to a networked store since it was opened (nullopt: an embedded one).
  virtual std::optional<std::uint64_t> round_trips() const { return std::nullopt; }
  // The store server's own clock now, in Unix milliseconds; nullopt for a store on this host's
  // disk, whose processes all read this host's clock.
  virtual Result<std::optional<Millis>> server_time() { return std::optional<Millis>(); }

  // Inserts `t`. When it has an idempotency key that its owner already used, inserts nothing and
  // returns that task instead. Atomic: concurrent duplicates insert one task.
  virtual Result<std::optional<Task>> insert_unique(const Task& t) = 0;
  // Inserts `t`; AlreadyExists when its id does.
  virtual Status insert(const Task& t) = 0;
  virtual Result<std::optional<Task>> load(const std::string& id) = 0;
  // The id of the task `owner` created with idempotency key `key`, if any.
  virtual Result<std::optional<std::string>> keyed_task_id(const std::string& owner,
                                                           const std::string& key) = 0;
  // Runs `change` on the stored task and writes the result if it returns ok, atomically (no
  // other write to the task in between). NotFound when there is no such task; the error of
  // `change` otherwise.
  virtual Result<Task> mutate(const std::string& id,
                              const std::function<Status(Task&)>& change) = 0;
  // Atomically: counts running tasks per instance, planner.begin(counts), then offers
  // planner.consider() the claimable tasks of the request's pools, oldest first (at most
  // kClaimScanLimit), writing every task it Takes or Buries; returns the one it Took.
  virtual Result<std::optional<Task>> claim(lifecycle::ClaimPlanner& planner) = 0;

  virtual Result<TaskPage> list(const TaskQuery& query) = 0;
  virtual Result<std::vector<QueueStats>> queue_stats() = 0;
  virtual Result<std::map<std::string, int>> running_per_instance() = 0;
  // Queued tasks of t's pool ahead of t (older, or as old with a smaller id).
  virtual Result<int> queued_ahead(const Task& t) = 0;
  virtual Result<std::optional<Millis>> typical_duration(const std::string& pool) = 0;
  // Deletes the tasks lifecycle::purgeable_dead_letter(t, pool, before) names; returns how many.
  virtual Result<int> purge_dead_letters(const std::string& pool, Millis before) = 0;

  // The indexed forms of housekeeping's reads (lifecycle::finished_kind_is; a running task's
  // lease_until), oldest first.
  virtual Result<std::vector<Task>> finished_before(FinishedKind kind, Millis before,
                                                    std::size_t limit) = 0;
  virtual Result<std::vector<Task>> expired_running(Millis before, std::size_t limit) = 0;
  // Tasks of `kind` that finished at or after `since`, oldest first (the estate's feed).
  virtual Result<std::vector<Task>> finished_since(FinishedKind kind, Millis since,
                                                   std::size_t limit) = 0;
  // Atomically per task: loads each task and, if `decide` returns true for it, deletes it with
  // its idempotency key and index entries (a missing or unreadable one is passed over). Returns
  // the ids it deleted.
  virtual Result<std::vector<std::string>> remove_many_if(
      const std::vector<std::string>& ids, const std::function<bool(const Task&)>& decide) = 0;

  // Records that did not read back as tasks are moved aside by every read that meets them.
  virtual Result<std::vector<QuarantinedRecord>> quarantined() = 0;
  virtual Status delete_quarantined(const std::string& id) = 0;
  virtual Result<StoreCheck> check() = 0;

  virtual Status put_scanner_status(const ScannerStatus& status) = 0;
  virtual Result<std::map<std::string, ScannerStatus>> scanner_statuses() = 0;

  // What `change` decides about a leader record: an error (nothing written), nullopt (nothing
  // to write) or the record to store.
  using LeaderChange =
      std::function<Result<std::optional<Leadership>>(const std::optional<Leadership>&)>;
  // Runs `change` on the role's record (nullopt when never written) and stores what it returns,
  // atomically; returns the record as it stands afterwards.
  virtual Result<std::optional<Leadership>> mutate_leader(const std::string& role,
                                                          const LeaderChange& change) = 0;
  virtual Result<std::optional<Leadership>> load_leader(const std::string& role) = 0;

  // Records (records.h; names already validated). mutate_record runs `change` on the stored
  // body and applies its edit atomically; returns the body afterwards (nullopt: none).
  virtual Result<std::optional<std::string>> mutate_record(const std::string& kind,
                                                           const std::string& key,
                                                           const RecordChange& change) = 0;
  virtual Result<std::optional<std::string>> load_record(const std::string& kind,
                                                         const std::string& key) = 0;
  // Every record of a kind, by key.
  virtual Result<std::vector<Record>> list_records(const std::string& kind) = 0;
};

}  // namespace nmcp::store
