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
      housekeeper_(store, clock) {}

HousekeepingJob::~HousekeepingJob() = default;

void HousekeepingJob::tick() {
  const auto config = config_.current();
  if (!config || !config->housekeeping.enabled) {
    resign();
    return;
  }
  const auto now = clock_.now();
  if (lease_) {
    auto renewed = store_.renew_lead(*lease_, now, kTermMs);
    if (renewed) {
      lease_ = *renewed;
    } else {
      if (renewed.error().code == ErrorCode::Unavailable) return;  // the store is away
      log::warn("housekeeping", "lost the housekeeping lease",
                {{"error", renewed.error().message}});
      lease_.reset();
    }
  }
  if (!lease_) {
    auto got = store_.try_lead(kLeaderRole, holder_, now, kTermMs);
    if (!got) return;
    lease_ = *got;
    if (lease_) log::info("housekeeping", "this process runs housekeeping", {{"holder", holder_}});
  }
  leading_ = lease_.has_value();
  if (!lease_) return;
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

void HousekeepingJob::resign() {
  if (lease_) (void)store_.resign(*lease_, clock_.now());
  lease_.reset();
  leading_ = false;
}

Totals HousekeepingJob::totals() const {
  std::lock_guard lock(mu_);
  return totals_;
}

}  // namespace nmcp::housekeeping
