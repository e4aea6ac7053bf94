#include "service/task_status.h"

namespace nmcp::service {

using nlohmann::json;

namespace {

// A sample of hosts the view carries; the rest are a page of the task's host list away.
constexpr std::size_t kSampleHosts = 5;

// The credential outcome as an agent reads it: counts per outcome and a few hosts, within any
// token budget however many hosts the scan had (tasks stored by older versions kept every host).
json bounded_validation(const json& validation) {
  if (!validation.is_object() || !validation.contains("hosts")) return validation;
  json v = validation;
  auto& hosts = v["hosts"];
  if (!v.contains("hosts_total")) v["hosts_total"] = hosts.size();
  if (hosts.is_array() && hosts.size() > kSampleHosts) {
    hosts.erase(hosts.begin() + static_cast<std::ptrdiff_t>(kSampleHosts), hosts.end());
  }
  if (v["warnings"].is_array() && v["warnings"].size() > kSampleHosts) {
    if (!v.contains("warnings_total")) v["warnings_total"] = v["warnings"].size();
    v["warnings"].erase(v["warnings"].begin() + static_cast<std::ptrdiff_t>(kSampleHosts),
                        v["warnings"].end());
  }
  if (v["hosts_total"].is_number() && v["hosts_total"].get<std::size_t>() > hosts.size()) {
    v["more_hosts"] = "the scan's host list has every host's credential outcome";
  }
  return v;
}

json waiting_json(const readiness::Waiting& w) {
  json j = {{"reason", w.reason}};
  if (!w.hint.empty()) j["hint"] = w.hint;
  if (w.since > 0) j["since"] = task::format_time(w.since);
  if (w.until) j["until"] = task::format_time(*w.until);
  return j;
}

}  // namespace

json time_or_null(std::optional<task::Millis> t) {
  return t && *t != 0 ? json(task::format_time(*t)) : json(nullptr);
}

int poll_after_seconds(const task::Task& t) {
  switch (t.state) {
    case task::State::Queued:
      return 30;
    case task::State::Running:
      return t.step == task::Step::Poll ? 30 : 5;
    default:
      return 0;
  }
}

json task_row(const task::Task& t) {
  return {{"task_id", t.id},
          {"name", t.name},
          {"owner", t.owner},
          {"state", task::to_string(t.state)},
          {"step", task::to_string(t.step)},
          {"scan_type", task::to_string(t.scan_type)},
          {"pool", t.pool},
          {"targets", t.targets},
          {"progress", t.progress},
          {"created_at", time_or_null(t.created_at)},
          {"finished_at", time_or_null(t.finished_at)}};
}

json TaskStatus::to_json() const {
  const task::Task& t = task;
  json v = task_row(t);
  v["trace_id"] = t.trace_id;
  v["description"] = t.description;
  v["template"] = t.template_name;
  v["instance"] = t.instance.empty() ? json(nullptr) : json(t.instance);
  v["credential_profile"] =
      t.credential_profile.empty() ? json(nullptr) : json(t.credential_profile);
  v["nessus_scan_id"] = t.nessus_scan_id ? json(*t.nessus_scan_id) : json(nullptr);
  v["nessus_status"] = t.nessus_status.empty() ? json(nullptr) : json(t.nessus_status);
  v["attempts"] = t.attempts;
  v["failures"] = t.failures;
  v["cancel_requested"] = t.cancel_requested;
  v["dead_lettered"] = t.dead_lettered;
  v["started_at"] = time_or_null(t.started_at);
  v["dead_lettered_at"] = time_or_null(t.dead_lettered_at);
  v["updated_at"] = time_or_null(t.updated_at);
  v["error"] =
      t.error.empty()
          ? json(nullptr)
          : json{{"code", t.error.code}, {"message", t.error.message}, {"hint", t.error.hint}};
  v["validation"] = bounded_validation(t.validation);
  v["summary"] = t.summary;
  if (!t.schedule_id.empty()) {
    // A schedule's run: its summary carries since_previous_run once it is indexed.
    v["schedule_id"] = t.schedule_id;
    v["previous_run"] = t.previous_run.empty() ? json(nullptr) : json(t.previous_run);
  }
  // A migration moved it: this store's copy never runs; the task lives on in `moved_to`.
  if (!t.moved_to.empty()) v["moved_to"] = t.moved_to;
  v["poll_after_seconds"] = poll_after_seconds(t);
  v["queue_position"] = queue ? json(queue->position) : json(nullptr);
  v["estimated_wait_seconds"] =
      queue && queue->wait_seconds ? json(*queue->wait_seconds) : json(nullptr);
  if (waiting) v["waiting"] = waiting_json(*waiting);
  if (!window.is_null()) v["scan_window"] = window;
  return v;
}

}  // namespace nmcp::service
