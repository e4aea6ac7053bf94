#pragma once
// Firing schedules: one pass over every schedule that submits the task of each due slot. The
// rules, all here:
//   - a paused schedule, or one whose timing no longer reads, fires nothing;
//   - the due slot is the latest one since the last handled (schedule::due_slot): slots missed
//     while nothing ran lead to one catch-up run, and are counted in missed_slots;
//   - when the previous run is still queued or running, the slot is skipped and the run list
//     says why;
//   - a schedule bound to an API key fires only while that key is published (key_rights.h)
//     for the schedule's tenant, and with that key's pools and kinds of scan as they are now:
//     a key deleted or narrowed refuses the slot, recorded and audited like any refusal;
//   - otherwise the slot's task is submitted through scans::submit_scan (scope, pool, profile
//     and every other submit rule, each decision audited) with the idempotency key of the slot
//     (schedule::slot_idempotency_key), so a second pass over the same slot, a failover to
//     another leader, or a leader killed between submitting and recording, finds the task it
//     created instead of creating it twice; a refusal is recorded, and the slot is not retried;
//   - the slot is then recorded on the schedule, conditional on the revision read (an edit in
//     between makes the next pass redo the slot, which the key makes harmless).
// Only the holder of the store's "schedules" leader lease calls fire_due (ScheduleFiringJob).
//
// Thread-safety: one pass at a time per deployment (the lease); the dependencies are safe.

#include <functional>
#include <string>

#include "core/base/clock.h"
#include "core/recurring/key_rights.h"
#include "core/recurring/schedule_book.h"
#include "core/scans/submit_scan.h"

namespace nmcp::recurring {

struct FiringDeps {
  ScheduleBook* book = nullptr;
  store::TaskReader* tasks = nullptr;
  scans::SubmitDeps submit;
  std::string zoneinfo_dir;  // empty: the system's
  // The published key rights; null: schedules bound to a key are refused (none can be read).
  KeyRightsBook* keys = nullptr;
};

struct FiringReport {
  int submitted = 0;  // a new task
  int found = 0;      // the slot's task existed already (a second fire, a failover)
  int skipped = 0;    // the previous run was still queued or running
  int refused = 0;    // a submit rule refused the slot's task
  int errors = 0;     // the store failed; the slot is retried at the next pass
};

FiringReport fire_due(const FiringDeps& deps, const config::ScannerConfig& config);

}  // namespace nmcp::recurring
