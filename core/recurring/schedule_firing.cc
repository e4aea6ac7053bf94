#include "core/recurring/schedule_firing.h"

#include "core/audit/audit_log.h"
#include "core/base/logging.h"
#include "core/recurring/schedule_service.h"

namespace nmcp::recurring {

namespace {

using store::OwnerScope;

struct History {
  std::string blocked;        // why the slot cannot run now (empty: it can)
  std::string last_complete;  // the newest run that completed: the next run is compared with it
};

// Reads the schedule's runs, newest first: the newest submitted one still queued or running
// holds the slot back; otherwise the newest completed one is the new run's baseline.
History history_of(const FiringDeps& deps, const Schedule& s) {
  History h;
  bool newest = true;
  for (const auto& run : s.runs) {
    if (run.task_id.empty()) continue;
    auto t = deps.tasks->get(run.task_id, OwnerScope::everyone());
    if (!t) {
      newest = false;  // gone (retention) or unreadable: it does not hold the schedule back
      continue;
    }
    if (newest && (t->state == task::State::Queued || t->state == task::State::Running)) {
      h.blocked = "skipped: the previous run " + run.task_id + " is still " +
                  std::string(task::to_string(t->state));
      return h;
    }
    newest = false;
    if (t->state == task::State::Completed) {
      h.last_complete = t->id;
      return h;
    }
  }
  return h;
}

// The rights the schedule's key has now, set on its slot's request; an error when it has none:
// the key was deleted from the keys file (or moved to another tenant). Unavailable when the
// store did not answer.
Status apply_key_rights(const FiringDeps& deps, const Schedule& s, scans::ScanRequest& r) {
  if (s.key_id.empty()) return ok();
  auto rights = deps.keys != nullptr ? deps.keys->find(s.key_id)
                                     : Result<std::optional<KeyRights>>(std::nullopt);
  if (!rights) return fail(rights.error());
  if (!*rights || (*rights)->tenant != s.owner) {
    return fail(ErrorCode::PermissionDenied,
                "the API key that made this schedule is no longer accepted (deleted from the "
                "keys file)",
                "an update of the schedule made with a current key of the tenant binds it to "
                "that key; or delete the schedule");
  }
  r.allowed_pools = (*rights)->pools;
  r.allowed_types = (*rights)->scan_types;
  return ok();
}

}  // namespace

FiringReport fire_due(const FiringDeps& deps, const config::ScannerConfig& config) {
  FiringReport report;
  auto all = deps.book->list(OwnerScope::everyone());
  if (!all) {
    log::warn("schedules", "cannot read the schedules", {{"error", all.error().message}});
    ++report.errors;
    return report;
  }
  const task::Millis now = deps.submit.clock->now();
  for (const Schedule& s : *all) {
    if (s.paused) continue;
    auto timing = timing_of(s, deps.zoneinfo_dir);
    if (!timing) continue;
    const auto due = schedule::due_slot(*timing, s.last_slot, s.created_at / 1000, now / 1000);
    if (!due) continue;

    ScheduleRun run{due->slot, {}, {}, now};
    const History history = history_of(deps, s);
    run.outcome = history.blocked;
    if (!run.outcome.empty()) {
      ++report.skipped;
    } else {
      scans::ScanRequest request = scan_request(s, due->slot);
      request.previous_run = history.last_complete;
      auto submitted = [&]() -> Result<scans::Submitted> {
        if (auto keyed = apply_key_rights(deps, s, request); !keyed) {
          if (deps.submit.audit != nullptr && audit::is_decision(keyed.error())) {
            deps.submit.audit->record(
                audit::refusal(now, s.owner, request.via, s.id, s.id, keyed.error()));
          }
          return fail(keyed.error());
        }
        return scans::submit_scan(deps.submit, config, request);
      }();
      if (submitted) {
        run.task_id = submitted->task.id;
        run.outcome = submitted->created ? "submitted" : "submitted (found the slot's task)";
        ++(submitted->created ? report.submitted : report.found);
      } else if (submitted.error().code == ErrorCode::Unavailable ||
                 submitted.error().code == ErrorCode::DataLoss) {
        ++report.errors;  // the store failed: the slot stays due
        continue;
      } else {
        run.outcome = "refused: " + submitted.error().message;
        ++report.refused;
      }
    }
    auto recorded = deps.book->update(
        s.id, OwnerScope::everyone(), s.revision,
        [&](Schedule& x) {
          x.last_slot = due->slot;
          x.missed_slots += due->missed;
          x.runs.insert(x.runs.begin(), run);
          if (x.runs.size() > kRunHistory) x.runs.resize(kRunHistory);
          return ok();
        },
        now);
    if (!recorded && recorded.error().code != ErrorCode::Conflict) ++report.errors;
  }
  return report;
}

}  // namespace nmcp::recurring
