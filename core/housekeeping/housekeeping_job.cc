#include "core/housekeeping/housekeeping_job.h"

#include <utility>

#include "core/base/logging.h"

namespace nmcp::housekeeping {

namespace {
constexpr task::Millis kTermMs =
    std::chrono::duration_cast<std::chrono::milliseconds>(kLeaderTerm).count();
}

HousekeepingJob::HousekeepingJob(store::TaskStore& store, config::ConfigHolder& config,
                                 const Clock& clock, std::string holder, Options base)
    : store_(store),
      config_(config),
      clock_(clock),
      holder_(std::move(holder)),
      base_(std::move(base)),
      housekeeper_(store, clock),
      term_(kLeaderRole, holder_, kTermMs) {}

HousekeepingJob::~HousekeepingJob() = default;

void HousekeepingJob::tick() {
  const auto config = config_.current();
  if (!config || !config->housekeeping.enabled) {
    resign();
    return;
  }
  const auto now = clock_.now();
  if (!term_.keep(store_, now)) return;
  const auto interval =
      std::chrono::duration_cast<std::chrono::milliseconds>(config->housekeeping.interval).count();
  if (last_run_ != 0 && now - last_run_ < interval) return;
  last_run_ = now;

  Options options = base_;
  options.policy = config->housekeeping;
  options.scan_timeout = config->defaults.scan_timeout;
  auto report = housekeeper_.run(options);
  std::lock_guard lock(mu_);
  ++totals_.runs;
  if (!report) {
    ++totals_.errors;
    log::warn("housekeeping", "housekeeping run failed", {{"error", report.error().message}});
    return;
  }
  totals_.add(*report);
  auto line = report->to_json();
  line.erase("items");
  log::info("housekeeping", "housekeeping run", line);
}

void HousekeepingJob::resign() { term_.resign(store_, clock_.now()); }

Totals HousekeepingJob::totals() const {
  std::lock_guard lock(mu_);
  return totals_;
}

}  // namespace nmcp::housekeeping
