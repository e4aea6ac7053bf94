#pragma once
// Copies every task of one store into another (admin_cli store migrate): a user who outgrows
// one machine moves from SQLite to Redis and keeps their scans, with their state, history and
// dead-letter membership. No task may end up runnable in both stores:
//   - nothing is copied while a process still uses the old store (its presence record is
//     live: presence.h) or a task of it runs (its worker still writes to the old store);
//   - each task is marked in the old store before it is copied (lifecycle::mark_moved), so
//     that a process that was not seen (paused past its term, cut off) can never run it there:
//     it is never due again, and cancel and retry refuse it.
// A second run copies nothing twice: tasks already there are counted, and those that differ
// are named and left alone. Results are files under the data directory and are not touched.
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

// FailedPrecondition, naming some of them, when a process still uses `from` or any task of it
// runs (checked before the destination is even opened, so that a refused migration creates
// nothing).
Status check_source_idle(TaskStore& from, Millis now);

Result<MigrationReport> migrate_tasks(TaskStore& from, TaskStore& to, Millis now);

// Copies the records of each of `kinds` (their rules name them: recurring::kRecordKind, ...)
// into `report`'s counts: absent ones are written, identical ones counted, different ones named
// and left alone.
Status migrate_records(TaskStore& from, TaskStore& to, const std::vector<std::string>& kinds,
                       MigrationReport& report);

}  // namespace nmcp::store
