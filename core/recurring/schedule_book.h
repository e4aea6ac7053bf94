#pragma once
// ScheduleBook: schedules kept in the store (RecordStore, kind "schedule"), owner-scoped like
// tasks: a tenant sees and changes only its own, and another tenant's schedule is "no such
// schedule", never "not yours". Each change is one atomic read-modify-write of the record,
// conditional on the revision the caller read when it gives one, so two editors never
// silently overwrite each other, and the firing job's writes never lose a user's edit.
// The checks a schedule's request must pass (scope, pool, credential profile, quota) are the
// submit's own and are the caller's to run before create/update (core/scans).
//
// Errors: NotFound (no such schedule for this scope), Conflict (the revision moved on),
// InvalidArgument (a malformed id), DataLoss (a damaged record), or the store's.
// Thread-safety: as the store's.

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "core/recurring/schedule.h"
#include "core/store/owner.h"
#include "core/store/task_store.h"

namespace nmcp::recurring {

class ScheduleBook {
 public:
  explicit ScheduleBook(store::RecordStore& records) : records_(records) {}

  // Stores a new schedule (revision 1); AlreadyExists when its id does.
  Result<Schedule> create(Schedule s, task::Millis now);
  Result<Schedule> get(const std::string& id, const store::OwnerScope& scope);
  // The scope's schedules by id. A damaged record is passed over and counted in `damaged`.
  Result<std::vector<Schedule>> list(const store::OwnerScope& scope, int* damaged = nullptr);
  // One page of them, by id: at most `limit` after `cursor` (a schedule id: the last one of the
  // page before; empty: from the first). next_cursor is empty on the last page.
  struct Page {
    std::vector<Schedule> schedules;
    std::string next_cursor;
  };
  Result<Page> page(const store::OwnerScope& scope, const std::string& cursor, std::size_t limit);
  // Applies `change` to the stored schedule and writes it with the next revision, when the
  // stored revision is `expected_revision` (nullopt: whatever it is). `change` may refuse with
  // an error, which writes nothing; it must not change id, owner or created_at.
  Result<Schedule> update(const std::string& id, const store::OwnerScope& scope,
                          std::optional<std::int64_t> expected_revision,
                          const std::function<Status(Schedule&)>& change, task::Millis now);
  // Deletes it; its runs stay as tasks.
  Status remove(const std::string& id, const store::OwnerScope& scope);

 private:
  store::RecordStore& records_;
};

}  // namespace nmcp::recurring
