#include "worker/engine/worker_metrics.h"

#include <set>

namespace nmcp::worker {

void describe_worker_metrics(metrics::Registry& r) {
  using metrics::Type;
  r.describe("nmcp_scan_steps_total", Type::Counter, "Scan steps run, by step.", {"step"});
  r.describe("nmcp_scan_step_failures_total", Type::Counter,
             "Scan steps that failed and will be retried (or dead-lettered), by step.", {"step"});
  r.describe("nmcp_tasks_finished_total", Type::Counter,
             "Tasks this worker finished, by pool and final state (dead_letter for a task parked "
             "in the dead-letter queue).",
             {"pool", "state"});
  r.describe("nmcp_scan_duration_seconds", Type::Histogram,
             "Wall time from a scan's start to its completion, by pool.", {"pool"},
             metrics::duration_buckets());
  r.describe("nmcp_credential_validation_total", Type::Counter,
             "Credential outcomes of authenticated scans: success, partial, failed.", {"outcome"});
  r.describe("nmcp_nessus_requests_total", Type::Counter,
             "Requests to Nessus, by endpoint class and outcome.", {"endpoint", "outcome"});
  r.describe("nmcp_nessus_request_duration_seconds", Type::Histogram,
             "Latency of requests to Nessus, by endpoint class.", {"endpoint"});
}

void count_step(metrics::Registry* r, task::Step step) {
  if (r != nullptr) r->inc("nmcp_scan_steps_total", {std::string(task::to_string(step))});
}

void count_step_failure(metrics::Registry* r, task::Step step) {
  if (r != nullptr) r->inc("nmcp_scan_step_failures_total", {std::string(task::to_string(step))});
}

void count_finished(metrics::Registry* r, const task::Task& t) {
  if (r == nullptr) return;
  r->inc("nmcp_tasks_finished_total",
         {t.pool, t.dead_lettered ? "dead_letter" : std::string(task::to_string(t.state))});
  if (t.state == task::State::Completed && t.started_at && t.finished_at) {
    r->observe("nmcp_scan_duration_seconds", {t.pool},
               static_cast<double>(*t.finished_at - *t.started_at) / 1000.0);
  }
}

void count_validation(metrics::Registry* r, const std::string& outcome) {
  static const std::set<std::string> known = {"success", "partial", "failed"};
  if (r == nullptr || known.count(outcome) == 0) return;
  r->inc("nmcp_credential_validation_total", {outcome});
}

scanners::RequestObserver request_observer(metrics::Registry* r) {
  if (r == nullptr) return {};
  return [r](const scanners::RequestEvent& e) {
    r->inc("nmcp_nessus_requests_total", {std::string(e.endpoint), std::string(e.outcome)});
    r->observe("nmcp_nessus_request_duration_seconds", {std::string(e.endpoint)}, e.seconds);
  };
}

}  // namespace nmcp::worker
