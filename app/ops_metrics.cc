#include "app/ops_metrics.h"

#include <chrono>

#include "core/readiness/pool_readiness.h"
#include "core/readiness/service_readiness.h"
#include "mcp/server/request_context.h"

namespace nmcp::app {

using metrics::Type;

void describe_process(metrics::Registry& r, const std::string& binary, const std::string& version) {
  r.describe("nmcp_build_info", Type::Gauge, "The binary and its version (always 1).",
             {"binary", "version"});
  r.set("nmcp_build_info", {binary, version}, 1);
}

void add_store_gauges(metrics::Registry& r, store::TaskStore& store, config::ConfigHolder* config,
                      const Clock& clock, std::chrono::milliseconds every) {
  r.describe("nmcp_store_up", Type::Gauge, "1 when the task store answered the last scrape.", {});
  r.describe("nmcp_tasks", Type::Gauge, "Tasks by pool and state (queued, running, dead_letter).",
             {"pool", "state"});
  r.describe("nmcp_queue_depth", Type::Gauge, "Queued tasks per pool, backoff included.", {"pool"});
  r.describe("nmcp_dead_letters", Type::Gauge, "Dead-lettered tasks per pool.", {"pool"});
  r.describe("nmcp_oldest_queued_age_seconds", Type::Gauge,
             "Age of the oldest queued task per pool (0 when none).", {"pool"});
  r.describe("nmcp_instance_running_scans", Type::Gauge, "Running scans per instance.",
             {"pool", "instance"});
  r.describe("nmcp_instance_capacity", Type::Gauge,
             "Scans an instance may run at once (0 when disabled).", {"pool", "instance"});
  r.describe("nmcp_instance_usable", Type::Gauge,
             "1 when the instance was usable at its last probe.", {"pool", "instance"});
  r.describe("nmcp_circuit_breaker_state", Type::Gauge,
             "1 for the instance's current breaker state (closed, half_open, open).",
             {"instance", "state"});
  r.add_collector(every, [&store, config, &clock](metrics::Registry& m) {
    for (const char* f :
         {"nmcp_tasks", "nmcp_queue_depth", "nmcp_dead_letters", "nmcp_oldest_queued_age_seconds",
          "nmcp_instance_running_scans", "nmcp_instance_capacity", "nmcp_instance_usable",
          "nmcp_circuit_breaker_state"}) {
      m.clear(f);
    }
    const auto now = clock.now();
    auto stats = store.queue_stats();
    m.set("nmcp_store_up", {}, stats ? 1 : 0);
    if (!stats) return;
    for (const auto& q : *stats) {
      m.set("nmcp_tasks", {q.pool, "queued"}, q.queued);
      m.set("nmcp_tasks", {q.pool, "running"}, q.running);
      m.set("nmcp_tasks", {q.pool, "dead_letter"}, q.dead_letters);
      m.set("nmcp_queue_depth", {q.pool}, q.queued);
      m.set("nmcp_dead_letters", {q.pool}, q.dead_letters);
      m.set("nmcp_oldest_queued_age_seconds", {q.pool},
            q.oldest_queued_at ? static_cast<double>(now - *q.oldest_queued_at) / 1000.0 : 0);
    }
    const auto conf = config != nullptr ? config->current() : nullptr;
    if (!conf) return;
    const auto running = store.running_per_instance();
    auto statuses = store.scanner_statuses();
    const std::map<std::string, store::ScannerStatus> none;
    for (const auto& pool : conf->pools) {
      const auto ready = readiness::pool_readiness(pool, statuses ? *statuses : none, now);
      for (const auto& inst : pool.instances) {
        int n = 0;
        if (running) {
          if (const auto it = running->find(inst.id); it != running->end()) n = it->second;
        }
        m.set("nmcp_instance_running_scans", {pool.name, inst.id}, n);
        m.set("nmcp_instance_capacity", {pool.name, inst.id},
              inst.enabled ? inst.max_concurrent_scans : 0);
      }
      for (const auto& i : ready.instances) {
        m.set("nmcp_instance_usable", {pool.name, i.id},
              i.state == readiness::InstanceState::Usable ? 1 : 0);
        if (i.status != nullptr) {
          m.set("nmcp_circuit_breaker_state", {i.id, i.status->circuit}, 1);
        }
      }
    }
  });
}

void add_http_gauges(metrics::Registry& r, std::shared_ptr<const HttpFiguresSource> source) {
  r.describe("nmcp_http_connections", Type::Gauge, "Open HTTP connections.", {});
  r.describe("nmcp_http_streams", Type::Gauge, "Open event streams (GET /mcp, GET /sse).", {});
  r.describe("nmcp_http_sessions", Type::Gauge, "Live HTTP sessions.", {});
  r.add_collector(std::chrono::milliseconds(0), [source](metrics::Registry& m) {
    const auto f = source->read();
    m.set("nmcp_http_connections", {}, f ? static_cast<double>(f->connections) : 0);
    m.set("nmcp_http_streams", {}, f ? static_cast<double>(f->streams) : 0);
    m.set("nmcp_http_sessions", {}, f ? static_cast<double>(f->sessions) : 0);
  });
}

void add_leader_duty_counters(metrics::Registry& r, const LeaderDuties& hk) {
  r.describe("nmcp_housekeeping_runs_total", Type::Counter, "Housekeeping runs in this process.",
             {});
  r.describe("nmcp_housekeeping_deleted_total", Type::Counter,
             "What housekeeping deleted, by kind (completed, failed, cancelled, timed_out, "
             "dead_letter tasks; orphan files; nessus_scan).",
             {"kind"});
  r.describe("nmcp_housekeeping_stuck_timed_out_total", Type::Counter,
             "Stuck running tasks housekeeping ended timed_out.", {});
  r.describe("nmcp_housekeeping_bytes_freed_total", Type::Counter,
             "Bytes of results housekeeping removed.", {});
  r.describe("nmcp_housekeeping_errors_total", Type::Counter,
             "Problems housekeeping met (each retried at its next run).", {});
  r.describe("nmcp_housekeeping_leader", Type::Gauge,
             "1 while this process holds the housekeeping lease.", {});
  r.add_collector(std::chrono::milliseconds(0), [&hk](metrics::Registry& m) {
    const auto t = hk.totals();
    m.set("nmcp_housekeeping_runs_total", {}, static_cast<double>(t.runs));
    for (const auto kind : store::kFinishedKinds) {
      const auto it = t.tasks_deleted.find(store::to_string(kind));
      m.set("nmcp_housekeeping_deleted_total", {store::to_string(kind)},
            it == t.tasks_deleted.end() ? 0 : static_cast<double>(it->second));
    }
    m.set("nmcp_housekeeping_deleted_total", {"orphan"}, static_cast<double>(t.orphans_removed));
    m.set("nmcp_housekeeping_deleted_total", {"nessus_scan"},
          static_cast<double>(t.nessus_scans_deleted));
    m.set("nmcp_housekeeping_stuck_timed_out_total", {}, static_cast<double>(t.stuck_timed_out));
    m.set("nmcp_housekeeping_bytes_freed_total", {}, static_cast<double>(t.bytes_freed));
    m.set("nmcp_housekeeping_errors_total", {}, static_cast<double>(t.errors));
    m.set("nmcp_housekeeping_leader", {}, hk.leading() ? 1 : 0);
  });
  r.describe("nmcp_schedule_slots_total", Type::Counter,
             "Schedule slots this process handled, by outcome (submitted, found: the slot's task "
             "existed already, skipped: the previous run was still active, refused, error).",
             {"outcome"});
  r.describe("nmcp_schedule_leader", Type::Gauge,
             "1 while this process holds the schedule firing lease.", {});
  r.add_collector(std::chrono::milliseconds(0), [&hk](metrics::Registry& m) {
    const auto t = hk.schedule_totals();
    const std::pair<const char*, int> outcomes[] = {{"submitted", t.submitted},
                                                    {"found", t.found},
                                                    {"skipped", t.skipped},
                                                    {"refused", t.refused},
                                                    {"error", t.errors}};
    for (const auto& [outcome, n] : outcomes) {
      m.set("nmcp_schedule_slots_total", {outcome}, static_cast<double>(n));
    }
    m.set("nmcp_schedule_leader", {}, hk.firing_schedules() ? 1 : 0);
  });
}

mcp::Middleware count_calls(metrics::Registry& r) {
  r.describe("nmcp_mcp_requests_total", Type::Counter,
             "MCP requests and notifications by method and outcome (ok, error, internal_error).",
             {"method", "outcome"});
  r.describe("nmcp_tool_calls_total", Type::Counter,
             "Tool calls by tool and outcome (ok, tool_error, refused, internal_error, cancelled).",
             {"tool", "outcome"});
  r.describe("nmcp_tool_call_duration_seconds", Type::Histogram, "Tool call latency, by tool.",
             {"tool"});
  r.describe("nmcp_resource_reads_total", Type::Counter, "resources/read calls by outcome.",
             {"outcome"});
  mcp::Middleware m;
  m.name = "metrics";
  m.around = [&r](const mcp::MethodCall& call, const mcp::MethodNext& next) {
    const auto started = std::chrono::steady_clock::now();
    const auto seconds = [&] {
      return std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    };
    const bool tool = call.method() == "tools/call";
    const bool read = call.method() == "resources/read";
    try {
      auto result = next();
      r.inc("nmcp_mcp_requests_total", {call.method(), result ? "ok" : "error"});
      if (tool) {
        std::string outcome = !result ? "refused"
                              : result->is_object() && result->value("isError", false)
                                  ? "tool_error"
                                  : "ok";
        if (call.context != nullptr && call.context->cancelled()) outcome = "cancelled";
        r.inc("nmcp_tool_calls_total", {call.subject, outcome});
        r.observe("nmcp_tool_call_duration_seconds", {call.subject}, seconds());
      } else if (read) {
        r.inc("nmcp_resource_reads_total", {result ? "ok" : "error"});
      }
      return result;
    } catch (...) {
      r.inc("nmcp_mcp_requests_total", {call.method(), "internal_error"});
      if (tool) {
        r.inc("nmcp_tool_calls_total", {call.subject, "internal_error"});
        r.observe("nmcp_tool_call_duration_seconds", {call.subject}, seconds());
      } else if (read) {
        r.inc("nmcp_resource_reads_total", {"error"});
      }
      throw;
    }
  };
  return m;
}

void add_deployment_gauges(metrics::Registry& r, const readiness::DeploymentCheck& check) {
  r.describe("nmcp_clock_offset_seconds", Type::Gauge,
             "The store's clock minus this process's, at the last measurement.", {});
  r.describe("nmcp_clock_offset_bound_seconds", Type::Gauge,
             "The largest offset at which this process still claims and leads.", {});
  r.describe("nmcp_results_dir_shared", Type::Gauge,
             "1 when this process's results directory is the one its store names.", {});
  r.describe("nmcp_takes_work", Type::Gauge,
             "1 when this process may claim scans and lead (clock and results directory fit).", {});
  r.add_collector(std::chrono::milliseconds(0), [&check](metrics::Registry& m) {
    const auto offset = check.clock_offset();
    m.set("nmcp_clock_offset_seconds", {}, offset ? static_cast<double>(*offset) / 1000.0 : 0);
    m.set("nmcp_clock_offset_bound_seconds", {}, static_cast<double>(check.clock_bound()) / 1000.0);
    m.set("nmcp_results_dir_shared", {}, check.results_shared().value_or(true) ? 1 : 0);
    m.set("nmcp_takes_work", {}, check.may_take_work() ? 1 : 0);
  });
}

mcp::OpsEndpoints ops_endpoints(metrics::Registry& r, store::TaskStore* store,
                                config::ConfigHolder* config, const Clock& clock,
                                const readiness::DeploymentCheck* deployment) {
  mcp::OpsEndpoints ops;
  ops.metrics = [&r] { return r.render(); };
  ops.ready = [store, config, &clock, deployment] {
    const auto report = readiness::check_service(
        store, config != nullptr ? config->current() : nullptr, clock.now(), deployment);
    return std::make_pair(report.ready, report.to_json().dump());
  };
  return ops;
}

}  // namespace nmcp::app
