#pragma once
// A process's metrics and readiness, wired once for every binary: build info, the store-derived
// gauges (tasks by state and pool, queue depth, dead letters, oldest queued age, running scans
// and capacity per instance, instance health and circuit breakers; read from the store at most
// once per `every`, however often Prometheus scrapes), housekeeping counters, the tool-call
// middleware (servers), and the OpsEndpoints the listeners serve.
//
// Thread-safety: what these return may be called from any thread.

#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "app/leader_duties.h"
#include "core/base/clock.h"
#include "core/config/config_holder.h"
#include "core/metrics/metrics.h"
#include "core/readiness/deployment_check.h"
#include "core/store/task_store.h"
#include "mcp/http/ops_endpoints.h"
#include "mcp/server/middleware.h"

namespace nmcp::app {

void describe_process(metrics::Registry& r, const std::string& binary, const std::string& version);
void add_store_gauges(metrics::Registry& r, store::TaskStore& store, config::ConfigHolder* config,
                      const Clock& clock = system_clock(),
                      std::chrono::milliseconds every = std::chrono::seconds(15));
// Housekeeping's and schedule firing's counters, and whether this process leads each.
void add_leader_duty_counters(metrics::Registry& r, const LeaderDuties& hk);
// Every MCP request by method and outcome; tool calls by tool and outcome (ok, tool_error,
// internal_error, cancelled) with latency; resource reads by outcome.
mcp::Middleware count_calls(metrics::Registry& r);
// Open HTTP connections, streams and sessions, read at each scrape from a source the HTTP
// transport fills while it exists (the gauges read 0 before and after).
struct HttpFigures {
  std::size_t connections = 0;
  std::size_t streams = 0;
  std::size_t sessions = 0;
};
class HttpFiguresSource {
 public:
  void set(std::function<HttpFigures()> read) {
    std::lock_guard lock(mu_);
    read_ = std::move(read);
  }
  std::optional<HttpFigures> read() const {
    std::lock_guard lock(mu_);
    return read_ ? std::optional<HttpFigures>(read_()) : std::nullopt;
  }

 private:
  mutable std::mutex mu_;
  std::function<HttpFigures()> read_;  // guarded by mu_
};
void add_http_gauges(metrics::Registry& r, std::shared_ptr<const HttpFiguresSource> source);
// This process's clock offset from the store's and whether its results directory is the
// store's (deployment_check.h), read at each scrape.
void add_deployment_gauges(metrics::Registry& r, const readiness::DeploymentCheck& check);
mcp::OpsEndpoints ops_endpoints(metrics::Registry& r, store::TaskStore* store,
                                config::ConfigHolder* config, const Clock& clock = system_clock(),
                                const readiness::DeploymentCheck* deployment = nullptr);

}  // namespace nmcp::app
