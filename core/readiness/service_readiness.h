#pragma once
// Whether a process is ready to serve (GET /ready): the store answers, a scanner configuration
// is loaded, every pool has at least one usable instance as last probed (pool_readiness.h), and
// the process is fit to take work (deployment_check.h: its clock near the store's, its results
// directory the store's).
// The report names every reason it is not, so an operator reading the 503 body knows what to
// fix. Pure apart from the store ping; thread-safe.

#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/config/scanner_config.h"
#include "core/readiness/deployment_check.h"
#include "core/store/task_store.h"

namespace nmcp::readiness {

struct ServiceReadiness {
  bool ready = false;
  std::vector<std::string> reasons;  // empty when ready
  nlohmann::json to_json() const;    // {"ready": bool, "reasons": [...], "checks": {...}}
  nlohmann::json checks = nlohmann::json::object();
};

// `store` or `config` may be null (not opened, not loaded): each is then a reason. `deployment`
// may be null (not checked).
ServiceReadiness check_service(store::TaskStore* store,
                               const std::shared_ptr<const config::ScannerConfig>& config,
                               task::Millis now, const DeploymentCheck* deployment = nullptr);

}  // namespace nmcp::readiness
