#include "core/readiness/service_readiness.h"

#include "core/readiness/pool_readiness.h"

namespace nmcp::readiness {

nlohmann::json ServiceReadiness::to_json() const {
  return {{"ready", ready}, {"reasons", reasons}, {"checks", checks}};
}

ServiceReadiness check_service(store::TaskStore* store,
                               const std::shared_ptr<const config::ScannerConfig>& config,
                               task::Millis now, const DeploymentCheck* deployment) {
  ServiceReadiness r;
  std::map<std::string, store::ScannerStatus> statuses;
  if (store == nullptr) {
    r.reasons.push_back("the task store is not open");
    r.checks["store"] = "not open";
  } else if (auto ping = store->ping(); !ping) {
    r.reasons.push_back("the task store does not answer: " + ping.error().message);
    r.checks["store"] = "unavailable";
  } else {
    r.checks["store"] = "ok";
    if (auto s = store->scanner_statuses()) statuses = std::move(*s);
  }
  if (!config) {
    r.reasons.push_back("no scanner configuration is loaded");
    r.checks["config"] = "missing";
  } else {
    r.checks["config"] = "ok";
    nlohmann::json pools = nlohmann::json::object();
    for (const auto& pool : config->pools) {
      const auto p = pool_readiness(pool, statuses, now);
      pools[pool.name] = p.ready ? "ready" : "not ready";
      if (!p.ready) r.reasons.push_back("pool " + pool.name + ": " + p.reason);
    }
    r.checks["pools"] = pools;
  }
  if (deployment != nullptr) {
    const auto report = deployment->report();
    r.checks["clock"] = report["clock"];
    r.checks["results_dir"] = report["results_dir"];
    if (auto fit = deployment->may_take_work(); !fit) r.reasons.push_back(fit.error().message);
  }
  r.ready = r.reasons.empty();
  return r;
}

}  // namespace nmcp::readiness
