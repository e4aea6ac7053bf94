#pragma once
// A process's metrics and readiness, wired once for every binary: build info, the store-derived
// gauges (tasks by state and pool, queue depth, dead letters, oldest queued age, running scans
// and capacity per instance, instance health and circuit breakers; read from the store at most
// once per `every`, however often Prometheus scrapes), housekeeping counters, the tool-call
// middleware (servers), and the OpsEndpoints the listeners serve.
//
// Thread-safety: what these return may be called from any thread.

#include <chrono>
#include <string>

#include "app/housekeeping_service.h"
#include "core/base/clock.h"
#include "core/config/config_holder.h"
#include "core/metrics/metrics.h"
#include "core/store/task_store.h"
#include "mcp/http/ops_endpoints.h"
#include "mcp/server/call_middleware.h"

namespace nmcp::app {

void describe_process(metrics::Registry& r, const std::string& binary, const std::string& version);
void add_store_gauges(metrics::Registry& r, store::TaskStore& store, config::ConfigHolder* config,
                      const Clock& clock = system_clock(),
                      std::chrono::milliseconds every = std::chrono::seconds(15));
void add_housekeeping_counters(metrics::Registry& r, const HousekeepingService& hk);
// Tool calls by tool and outcome (ok, tool_error, internal_error, cancelled) with latency;
// resource reads by outcome.
mcp::CallMiddleware count_calls(metrics::Registry& r);
mcp::OpsEndpoints ops_endpoints(metrics::Registry& r, store::TaskStore* store,
                                config::ConfigHolder* config, const Clock& clock = system_clock());

}  // namespace nmcp::app
