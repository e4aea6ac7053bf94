#include "app/housekeeping_service.h"

#include <utility>

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
}  // namespace

HousekeepingService::HousekeepingService(store::TaskStore& store, config::ConfigHolder& config,
                                         std::string data_dir, std::string holder,
                                         std::function<void(const std::string&)> on_deleted,
                                         const Clock& clock)
    : cleanup_([&config] { return config.current(); }),
      job_(store, config, clock, std::move(holder),
           base_options(std::move(data_dir), &cleanup_, std::move(on_deleted))),
      jobs_(clock) {
  // The first turn waits a little: a process that starts and stops at once never leads.
  jobs_.add(
      "housekeeping", housekeeping::kTickPeriod, [this] { job_.tick(); }, std::chrono::seconds(5));
}

HousekeepingService::~HousekeepingService() { stop(); }

void HousekeepingService::start() {
  if (started_) return;
  started_ = true;
  jobs_.start();
}

void HousekeepingService::stop() {
  if (!started_) return;
  started_ = false;
  jobs_.stop();
  job_.resign();
}

}  // namespace nmcp::app
