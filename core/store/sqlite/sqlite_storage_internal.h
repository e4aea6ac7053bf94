#pragma once
// The SQLite task storage's class, shared by its two files: sqlite_task_storage.cc (tasks,
// queues, housekeeping reads) and sqlite_shared_state.cc (scanner health, leader leases,
// records, the integrity check and the quarantine). Internal to core/store. Thread-safe: every
// method takes the one mutex.

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "core/base/clock.h"
#include "core/sqlite/sqlite_db.h"
#include "core/store/task_storage.h"

namespace nmcp::store::sqlite_detail {

using nlohmann::json;
using sqlite::SqliteDb;
using sqlite::Statement;
using sqlite::Transaction;
using task::State;

inline constexpr int kDurationSamples = 20;
inline constexpr const char* kUnreadable = "the stored record does not read back as a task";

std::optional<Task> parse_doc(const std::string& text);
// DataLoss for a task whose record was moved to the quarantine.
Error quarantined_error(const std::string& id);

// A record a read met, that did not parse: quarantined once the read is over.
struct Unreadable {
  std::string id;
  std::string record;
};

class SqliteTaskStorage final : public TaskStorage {
 public:
  SqliteTaskStorage(std::string path, std::unique_ptr<SqliteDb> db, const Clock& clock)
      : path_(std::move(path)), clock_(clock), db_(std::move(db)) {}

  std::string describe() const override { return "sqlite:" + path_; }

  Status ping() override;

  Result<std::optional<Task>> insert_unique(const Task& t) override;

  Status insert(const Task& t) override;

  Result<std::optional<std::string>> keyed_task_id(const std::string& owner,
                                                   const std::string& key) override;

  Result<std::optional<Task>> load(const std::string& id) override;

  Result<Task> mutate(const std::string& id, const std::function<Status(Task&)>& change) override;

  Result<std::optional<Task>> claim(lifecycle::ClaimPlanner& planner) override;

  Result<TaskPage> list(const TaskQuery& q) override;

  Result<std::vector<QuarantinedRecord>> quarantined() override;

  Status delete_quarantined(const std::string& id) override;

  Result<StoreCheck> check() override;

  Result<std::map<std::string, int>> running_per_instance() override;

  Result<std::vector<QueueStats>> queue_stats() override;

  Result<int> queued_ahead(const Task& t) override;

  Result<std::optional<Millis>> typical_duration(const std::string& pool) override;

  Result<int> purge_dead_letters(const std::string& pool, Millis before) override;

  Result<std::vector<Task>> finished_since(FinishedKind kind, Millis since,
                                           std::size_t limit) override;
  Result<std::vector<Task>> finished_before(FinishedKind kind, Millis before,
                                            std::size_t limit) override;

  Result<std::vector<Task>> expired_running(Millis before, std::size_t limit) override;

  Result<std::vector<std::string>> remove_many_if(
      const std::vector<std::string>& ids, const std::function<bool(const Task&)>& decide) override;

  Status put_scanner_status(const ScannerStatus& status) override;

  Result<std::map<std::string, ScannerStatus>> scanner_statuses() override;

  Result<std::optional<Leadership>> mutate_leader(const std::string& role,
                                                  const LeaderChange& change) override;

  Result<std::optional<Leadership>> load_leader(const std::string& role) override;

  Result<std::optional<std::string>> mutate_record(const std::string& kind, const std::string& key,
                                                   const RecordChange& change) override;

  Result<std::optional<std::string>> load_record(const std::string& kind,
                                                 const std::string& key) override;

  Result<std::vector<Record>> list_records(const std::string& kind) override;

 private:
  // Finished tasks of `kind` whose finish time compares (`compare`: "<" or ">=") with `at`,
  // oldest first: finished_before and finished_since.
  Result<std::vector<Task>> finished_at(FinishedKind kind, const char* compare, Millis at,
                                        std::size_t limit);
  enum WriteKind { kInsert, kUpdate };

  // Caller holds mu_.
  Result<std::optional<std::string>> load_record_locked(const std::string& kind,
                                                        const std::string& key);

  // The claimable tasks of `pools` pools, oldest first: ?1 is now, then the pool names.
  static std::string claim_sql(std::size_t pools);

  // Caller holds mu_.
  Result<std::optional<Leadership>> load_leader_locked(const std::string& role);

  static std::string state_of(FinishedKind kind);

  // The tasks a statement's first column holds; records that do not read back are left for
  // the reads that quarantine them. Caller holds mu_.
  static Result<std::vector<Task>> read_docs(Statement& st);

  // Caller holds mu_.
  Result<std::optional<Task>> load_locked(const std::string& id);

  // Moves one record to the quarantine (caller holds mu_ inside a transaction).
  Status quarantine_locked(const Unreadable& d);

  // Reads the raw record of `id` and quarantines it (caller holds mu_ inside a transaction).
  bool move_damaged_locked(const std::string& id);

  Result<std::map<std::string, int>> count_running();

  // Caller holds mu_ inside a transaction.
  Status write(const Task& t, WriteKind kind);

  const std::string path_;
  const Clock& clock_;  // dates quarantined records
  std::mutex mu_;
  std::unique_ptr<SqliteDb> db_;  // guarded by mu_
};

}  // namespace nmcp::store::sqlite_detail
