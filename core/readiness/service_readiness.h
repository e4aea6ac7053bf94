#pragma once
// Whether a process is ready to serve (GET /ready): the store answers, a scanner configuration
// is loaded, and every pool has at least one usable instance as last probed (pool_readiness.h).
// The report names every reason it is not, so an operator reading the 503 body knows what to
// fix. Pure apart from the store ping; thread-safe.

#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/config/scanner_config.h"
#include "core/store/task_store.h"

namespace nmcp::readiness {

struct ServiceReadiness {
  bool ready = false;
  std::vector<std::string> reasons;  // empty when ready
  nlohmann::json to_json() const;    // {"ready": bool, "reasons": [...], "checks": {...}}
  nlohmann::json checks = nlohmann::json::object();
};

// `store` or `config` may be null (not opened, not loaded): each is then a reason.
ServiceReadiness check_service(store::TaskStore* store,
                               const std::shared_ptr<const config::ScannerConfig>& config,
                               task::Millis now);

}  // namespace nmcp::readiness
