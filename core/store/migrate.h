#pragma once
// Copies every task of one store into another (admin_cli store migrate): a user who outgrows
// one machine moves from SQLite to Redis and keeps their scans, with their state, history and
// dead-letter membership. Running tasks are refused (their workers still write to the old
// store): nothing is copied while any runs. A second run copies nothing twice: tasks already
// there are counted, and those that differ are named and left alone. Results are files under
// the data directory and are not touched.
//
// Thread-safety: one migration at a time per pair of stores; the stores are thread-safe.

#include <string>
#include <vector>

#include "core/base/result.h"
#include "core/store/task_store.h"

namespace nmcp::store {

struct MigrationReport {
  long long copied = 0;
  long long already = 0;                 // there before, identical
  std::vector<std::string> differing;    // there before, different: left alone
  std::vector<std::string> conflicting;  // an idempotency key names another task there
  long long quarantined_left = 0;        // unreadable records of the source, not copied
  // Records (schedules, quota use): the same rules, by "kind/key".
  long long records_copied = 0;
  long long records_already = 0;
  std::vector<std::string> records_differing;
};

// FailedPrecondition, naming some of them, when any task of `from` runs (checked before the
// destination is even opened, so that a refused migration creates nothing).
Status check_none_running(TaskStore& from);

Result<MigrationReport> migrate_tasks(TaskStore& from, TaskStore& to);

// Copies the records of each of `kinds` (their rules name them: recurring::kRecordKind, ...)
// into `report`'s counts: absent ones are written, identical ones counted, different ones named
// and left alone.
Status migrate_records(TaskStore& from, TaskStore& to, const std::vector<std::string>& kinds,
                       MigrationReport& report);

}  // namespace nmcp::store
