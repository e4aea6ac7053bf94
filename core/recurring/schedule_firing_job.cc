#include "core/recurring/schedule_firing_job.h"

#include "core/base/logging.h"

namespace nmcp::recurring {

ScheduleFiringJob::ScheduleFiringJob(store::TaskStore& store, config::ConfigHolder& config,
                                     scans::SubmitDeps submit, std::string holder)
    : store_(store),
      config_(config),
      book_(store),
      keys_(store),
      term_(kLeaderRole, std::move(holder),
            std::chrono::duration_cast<std::chrono::milliseconds>(kLeaderTerm).count()) {
  deps_.book = &book_;
  deps_.keys = &keys_;
  deps_.tasks = &store_;
  deps_.submit = std::move(submit);
  deps_.submit.tasks = &store_;
}

void ScheduleFiringJob::tick() {
  const auto config = config_.current();
  if (!config) return;
  if (!term_.keep(store_, deps_.submit.clock->now())) return;
  const FiringReport r = fire_due(deps_, *config);
  if (r.submitted + r.found + r.skipped + r.refused + r.errors > 0) {
    log::info("schedules", "schedule firing pass",
              {{"submitted", r.submitted},
               {"found", r.found},
               {"skipped", r.skipped},
               {"refused", r.refused},
               {"errors", r.errors}});
  }
  std::lock_guard lock(mu_);
  totals_.submitted += r.submitted;
  totals_.found += r.found;
  totals_.skipped += r.skipped;
  totals_.refused += r.refused;
  totals_.errors += r.errors;
}

void ScheduleFiringJob::resign() { term_.resign(store_, deps_.submit.clock->now()); }

FiringReport ScheduleFiringJob::totals() const {
  std::lock_guard lock(mu_);
  return totals_;
}

}  // namespace nmcp::recurring
