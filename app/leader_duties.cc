#include "app/leader_duties.h"

#include <utility>

#include "core/base/logging.h"

namespace nmcp::app {

namespace {
housekeeping::Options base_options(std::string data_dir, housekeeping::ScannerCleanup* cleanup,
                                   std::function<void(const std::string&)> on_deleted) {
  housekeeping::Options o;
  o.data_dir = std::move(data_dir);
  o.scanners = cleanup;
  o.on_deleted = std::move(on_deleted);
  return o;
}

scans::SubmitDeps submit_deps(store::TaskStore& store, audit::AuditLog* audit,
                              quota::QuotaLedger* quotas, const Clock& clock) {
  scans::SubmitDeps d;
  d.tasks = &store;
  d.scanner_health = &store;
  d.audit = audit;
  d.quotas = quotas;
  d.clock = &clock;
  return d;  // no SecretBox: a schedule names a credential profile, never inline secrets
}
}  // namespace

LeaderDuties::LeaderDuties(store::TaskStore& store, config::ConfigHolder& config,
                           std::string data_dir, std::string holder,
                           std::shared_ptr<audit::AuditLog> audit,
                           std::function<void(const std::string&)> on_deleted, const Clock& clock,
                           readiness::DeploymentCheck* deployment,
                           std::chrono::milliseconds refresh_every)
    : cleanup_([&config] { return config.current(); }),
      audit_(std::move(audit)),
      quotas_(store, store),
      deployment_(deployment),
      store_(store),
      data_dir_(data_dir),
      housekeeping_(store, config, clock, holder,
                    base_options(std::move(data_dir), &cleanup_, std::move(on_deleted))),
      schedules_(store, config, submit_deps(store, audit_.get(), &quotas_, clock), holder),
      jobs_(clock) {
  // The first turns wait a little: a process that starts and stops at once never leads.
  jobs_.add(
      "housekeeping", housekeeping::kTickPeriod,
      [this] {
        if (!fit()) return housekeeping_.resign();
        housekeeping_.tick();
      },
      std::chrono::seconds(5));
  jobs_.add(
      "schedules", recurring::kTickPeriod,
      [this] {
        if (!fit()) return schedules_.resign();
        schedules_.tick();
      },
      std::chrono::seconds(2));
  if (deployment_ != nullptr) {
    jobs_.add(
        "deployment", refresh_every, [this] { deployment_->refresh(); }, refresh_every);
  }
}

LeaderDuties::~LeaderDuties() { stop(); }

void LeaderDuties::fold_estate(bool embedded_store) {
  if (started_ || feed_ != nullptr) return;
  if (!embedded_store) {
    log::info("estate", "the estate across scans is kept on the embedded store only for now");
    return;
  }
  auto opened = estate::SqliteEstate::open(data_dir_ + "/estate.db");
  if (!opened) {
    log::warn("estate", "the estate does not open; completed scans are not folded in",
              {{"error", opened.error().message}});
    return;
  }
  estate_ = std::move(*opened);
  feed_ = std::make_unique<estate_feed::EstateFeed>(store_, *estate_, data_dir_);
  jobs_.add(
      "estate", std::chrono::seconds(10),
      [this] {
        // The process that leads housekeeping folds; the fold itself is safe in any number.
        if (!fit() || !housekeeping_.leading()) return;
        auto tick = feed_->tick();
        if (!tick) {
          log::warn("estate", "the estate's feed failed; it tries again",
                    {{"error", tick.error().message}});
        } else if (tick->folded + tick->failed + tick->unreadable > 0) {
          log::info("estate", "completed scans folded into the estate",
                    {{"folded", tick->folded},
                     {"failed", tick->failed},
                     {"unreadable", tick->unreadable},
                     {"without_results", tick->no_results}});
        }
      },
      std::chrono::seconds(7));
}

void LeaderDuties::start() {
  if (started_) return;
  started_ = true;
  jobs_.start();
}

void LeaderDuties::stop() {
  if (!started_) return;
  started_ = false;
  jobs_.stop();
  housekeeping_.resign();
  schedules_.resign();
  if (deployment_ != nullptr) deployment_->withdraw();
}

}  // namespace nmcp::app
