#include "service/scan_service.h"

#include <filesystem>

#include "core/base/crypto.h"
#include "core/base/logging.h"
#include "core/base/tenant.h"
#include "core/findings/results_location.h"
#include "core/housekeeping/retention.h"
#include "core/policy/scope_policy.h"
#include "core/quota/quota_ledger.h"
#include "core/readiness/scan_window.h"
#include "service/export_indexer.h"
#include "service/operator_service.h"

namespace nmcp::service {

using nlohmann::json;
namespace log = nmcp::log;

Status check_task_id(const std::string& id) {
  if (task::is_valid_task_id(id)) return ok();
  return fail(ErrorCode::InvalidArgument, "'" + id.substr(0, 64) + "' is not a task id",
              "task ids look like task_ followed by 32 hex digits, as a submit or a task "
              "listing returns them");
}

json Submission::to_json() const {
  const task::Task& t = submitted.task;
  json out = {
      {"task_id", t.id},
      {"state", task::to_string(t.state)},
      {"created", submitted.created},
      {"pool", t.pool},
      {"scan_type", task::to_string(t.scan_type)},
      {"targets", t.targets},
      {"address_count", submitted.addresses},
      {"queue_position", queue.position},
      {"estimated_wait_seconds", queue.wait_seconds ? json(*queue.wait_seconds) : json(nullptr)},
      {"poll_after_seconds", poll_after_seconds(t)}};
  if (!submitted.waiting.empty()) {
    out["waiting"] = {{"reason", submitted.waiting}, {"hint", submitted.waiting_hint}};
    if (!window.is_null()) out["scan_window"] = window;
  }
  return out;
}

json TaskList::to_json() const {
  json rows = json::array();
  for (const auto& t : tasks) rows.push_back(task_row(t));
  return {{"tasks", rows},
          {"next_cursor", next_cursor.empty() ? json(nullptr) : json(next_cursor)}};
}

json Reindexed::to_json() const {
  return {{"task_id", task.id}, {"findings", findings}, {"hosts", hosts}, {"index", index_file}};
}

Result<std::shared_ptr<const config::ScannerConfig>> ScanService::configuration() const {
  auto c = s_.config != nullptr ? s_.config->current() : nullptr;
  if (!c) {
    return fail(ErrorCode::FailedPrecondition, "no scanner configuration is loaded",
                "the operator must start nessus-mcp with --config pointing at scanners.yaml");
  }
  return c;
}

void ScanService::audit_refusal(const Caller& caller, const std::string& subject,
                                const Error& why) const {
  if (!s_.audit || !audit::is_decision(why)) return;
  s_.audit->record(
      audit::refusal(s_.clock->now(), caller.tenant, caller.via, caller.trace_id, subject, why));
}

Result<Submission> ScanService::submit(const Caller& caller, scans::ScanRequest request) const {
  auto config = configuration();
  if (!config) return fail(config.error());
  request.owner = caller.tenant;
  request.trace_id = caller.trace_id;
  request.allowed_pools = caller.pools;
  request.allowed_types = caller.scan_types;
  request.via = caller.via;
  scans::SubmitDeps deps;
  deps.tasks = s_.submitter;
  deps.scanner_health = s_.scanner_health;
  deps.secrets = s_.secrets;
  deps.clock = s_.clock;
  deps.audit = s_.audit.get();
  std::optional<quota::QuotaLedger> quotas;
  if (s_.records != nullptr) deps.quotas = &quotas.emplace(*s_.records, *s_.tasks);
  auto submitted = scans::submit_scan(deps, **config, request);
  if (!submitted) return fail(submitted.error());
  const task::Task& stored = submitted->task;
  if (submitted->created) {
    log::info("service", "scan submitted",
              {{"task_id", stored.id},
               {"trace_id", stored.trace_id},
               {"owner", stored.owner},
               {"pool", stored.pool},
               {"scan_type", task::to_string(stored.scan_type)},
               {"addresses", submitted->addresses}});
    if (s_.on_submit) s_.on_submit();
  }
  Submission out{std::move(*submitted), {}, nullptr};
  Snapshot snap;
  snap.config = *config;
  if (const auto* pool = (*config)->pool(out.submitted.task.pool)) {
    const auto ready = readiness_of(*pool, snap);
    out.queue = queue_place(out.submitted.task, ready ? &*ready : nullptr, snap);
  }
  if (!out.submitted.waiting.empty()) {
    if (const auto* pool = (*config)->pool(out.submitted.task.pool)) {
      out.window = readiness::window_json(*pool, s_.clock->now());
    }
  }
  return out;
}

Result<scans::TargetCheck> ScanService::dry_run(const Caller& caller, const std::string& pool,
                                                const std::string& targets) const {
  auto config = configuration();
  if (!config) return fail(config.error());
  auto check = scans::check_targets_dry_run(**config, pool, targets, caller.pools);
  if (!check) return fail(check.error());
  scans::add_window(*check, **config, s_.clock->now());
  if (s_.records != nullptr) {
    quota::QuotaLedger quotas(*s_.records, *s_.tasks);
    if (auto q = scans::add_quota(*check, **config, quotas, caller.tenant, s_.clock->now()); !q) {
      return fail(q.error());
    }
  }
  return check;
}

Result<task::Task> ScanService::find(const Caller& caller, const std::string& id) const {
  if (auto s = check_task_id(id); !s) return fail(s.error());
  auto t = s_.tasks->get(id, caller.scope());
  if (!t && t.error().code == ErrorCode::NotFound) {
    return fail(Error{ErrorCode::NotFound, "no task " + id,
                      "a task listing shows the tasks there are", Action::ListTasks});
  }
  return t;
}

std::optional<task::Millis> ScanService::kept_until(const task::Task& t) const {
  const auto config = s_.config != nullptr ? s_.config->current() : nullptr;
  if (config == nullptr || !config->housekeeping.enabled) return std::nullopt;
  return housekeeping::due_at(t, config->housekeeping);
}

ScanService::Snapshot ScanService::snapshot() const {
  Snapshot snap;
  snap.config = s_.config != nullptr ? s_.config->current() : nullptr;
  return snap;
}

const std::map<std::string, store::ScannerStatus>* ScanService::health(Snapshot& snap) const {
  if (!snap.health_read && s_.scanner_health != nullptr) {
    snap.health_read = true;
    if (auto h = s_.scanner_health->scanner_statuses()) snap.health = std::move(*h);
  }
  return snap.health ? &*snap.health : nullptr;
}

std::optional<readiness::PoolReadiness> ScanService::readiness_of(const config::PoolConfig& pool,
                                                                  Snapshot& snap) const {
  const auto* h = health(snap);
  if (h == nullptr) return std::nullopt;
  return readiness::pool_readiness(pool, *h, s_.clock->now());
}

QueuePlace ScanService::queue_place(const task::Task& t, const readiness::PoolReadiness* ready,
                                    Snapshot& snap) const {
  QueuePlace q;
  if (t.state != task::State::Queued) return q;
  if (auto p = s_.tasks->queue_position(t.id)) q.position = *p;
  const config::PoolConfig* pool = snap.config ? snap.config->pool(t.pool) : nullptr;
  if (pool == nullptr || ready == nullptr) return q;
  if (!snap.stats_read) {
    snap.stats_read = true;
    if (auto stats = s_.tasks->queue_stats()) snap.stats = std::move(*stats);
  }
  int running = 0;
  if (snap.stats) {
    for (const auto& p : *snap.stats) running += p.pool == t.pool ? p.running : 0;
  }
  auto typical = snap.typical.find(t.pool);
  if (typical == snap.typical.end()) {
    auto read = s_.tasks->typical_duration(t.pool);
    typical = snap.typical.emplace(t.pool, read ? *read : std::nullopt).first;
  }
  q.wait_seconds = readiness::wait_estimate_seconds(readiness::usable_capacity(*pool, *ready),
                                                    running, q.position, typical->second);
  return q;
}

TaskStatus ScanService::status_in(task::Task t, Snapshot& snap) const {
  TaskStatus v;
  const task::Millis now = s_.clock->now();
  const config::PoolConfig* pool = snap.config ? snap.config->pool(t.pool) : nullptr;
  if (t.state == task::State::Queued) {
    std::optional<readiness::PoolReadiness> ready;
    if (pool != nullptr) ready = readiness_of(*pool, snap);
    v.queue = queue_place(t, ready ? &*ready : nullptr, snap);
    if (pool != nullptr) {
      v.waiting = readiness::why_waiting(*pool, ready ? &*ready : nullptr, t.not_before,
                                         v.queue->position, now);
    }
  }
  if (pool != nullptr && !task::is_terminal(t.state)) {
    v.window = readiness::window_json(*pool, now);
    if (!v.window.is_null() && t.window_paused) v.window["paused_until_it_opens"] = true;
  }
  v.task = std::move(t);
  return v;
}

TaskStatus ScanService::status_of(task::Task t) const {
  Snapshot snap = snapshot();
  return status_in(std::move(t), snap);
}

std::vector<TaskStatus> ScanService::statuses_of(std::vector<task::Task> tasks) const {
  Snapshot snap = snapshot();
  std::vector<TaskStatus> views;
  views.reserve(tasks.size());
  for (auto& t : tasks) views.push_back(status_in(std::move(t), snap));
  return views;
}

Result<TaskStatus> ScanService::status(const Caller& caller, const std::string& id) const {
  auto t = find(caller, id);
  if (!t) return fail(t.error());
  return status_of(std::move(*t));
}

Result<TaskList> ScanService::list(const Caller& caller, const TaskFilter& filter) const {
  store::TaskQuery q(caller.is_operator && !filter.owner.empty()
                         ? store::OwnerScope::tenant(filter.owner)
                         : caller.scope());
  q.state = filter.state;
  q.pool = filter.pool;
  q.name_contains = filter.name_contains;
  q.created_since = filter.created_since;
  q.limit = filter.limit;
  q.cursor = filter.cursor;
  if (!filter.target.empty()) {
    const std::string target = filter.target;
    auto parsed = policy::parse_targets(target);
    if (!parsed || parsed->targets.size() != 1) {
      return fail(ErrorCode::InvalidArgument,
                  "target filter '" + target.substr(0, 256) +
                      "' is not one address, CIDR block, range or host name",
                  "pass a single target such as 10.0.0.0/24");
    }
    q.predicate = [target](const task::Task& t) {
      auto list = policy::parse_targets(t.targets);
      return list && policy::targets_overlap(*list, target);
    };
  }
  if (caller.is_operator) {
    // An operator naming a pool that neither the configuration nor any task knows has made a
    // typo: an error, not an empty answer.
    if (auto known = OperatorService(s_).check_known_pool(filter.pool); !known) {
      return fail(known.error());
    }
  }
  auto page = s_.tasks->list(q);
  if (!page) return fail(page.error());
  return TaskList{std::move(page->tasks), std::move(page->next_cursor)};
}

Result<task::Task> ScanService::cancel(const Caller& caller, const std::string& id) const {
  // The store checks the owner inside its transaction: another tenant's task is "no task".
  if (auto valid = check_task_id(id); !valid) {
    audit_refusal(caller, id.substr(0, 64), valid.error());
    return fail(valid.error());
  }
  auto t = s_.submitter->request_cancel(id, caller.scope(), s_.clock->now(),
                                        caller.is_operator ? std::nullopt : caller.pools);
  if (!t) {
    audit_refusal(caller, id, t.error());
    return fail(t.error());
  }
  if (s_.on_submit) s_.on_submit();
  log::info("service", "cancel requested",
            {{"task_id", id}, {"state", task::to_string(t->state)}, {"via", caller.via}});
  return t;
}

Result<Reindexed> ScanService::reindex(const Caller& caller, const std::string& id) const {
  if (!caller.is_operator) {
    return fail(ErrorCode::PermissionDenied, "only an operator re-indexes a task", "");
  }
  if (s_.indexer == nullptr || s_.admin == nullptr) {
    return fail(ErrorCode::FailedPrecondition, "re-indexing is not available here", "");
  }
  auto t = find(caller, id);
  if (!t) return fail(t.error());
  if (!task::is_terminal(t->state)) {
    return fail(ErrorCode::FailedPrecondition,
                t->id + " is " + std::string(task::to_string(t->state)) +
                    "; only a finished task is re-indexed",
                "its worker indexes it when the scan ends");
  }
  // Without a configuration (an operator's machine) the defaults apply: the configured host
  // ceiling and a profile's protocols are then unknown, and the export decides.
  auto config = s_.config != nullptr ? s_.config->current() : nullptr;
  auto indexed = s_.indexer->index(*t, config ? *config : config::ScannerConfig{});
  if (!indexed) return fail(indexed.error());
  auto stored =
      s_.admin->replace_results(t->id, indexed->summary, indexed->validation, s_.clock->now());
  if (!stored) return fail(stored.error());
  log::info("service", "task re-indexed",
            {{"task_id", t->id}, {"findings", indexed->findings}, {"hosts", indexed->hosts}});
  return Reindexed{std::move(*stored), indexed->findings, indexed->hosts, indexed->index_file};
}

json Imported::to_json() const {
  return {{"task_id", task.id},
          {"created", created},
          {"owner", task.owner},
          {"pool", task.pool},
          {"summary", task.summary}};
}

Result<Imported> ScanService::import_export(const Caller& caller,
                                            const ImportRequest& request) const {
  if (!caller.is_operator) {
    return fail(ErrorCode::PermissionDenied, "only an operator imports exports", "");
  }
  if (s_.indexer == nullptr || s_.admin == nullptr) {
    return fail(ErrorCode::FailedPrecondition, "importing is not available here", "");
  }
  const std::string& file = request.file;
  std::error_code ec;
  if (!std::filesystem::is_regular_file(file, ec)) {
    return fail(ErrorCode::NotFound, "cannot import " + file + ": not a file",
                "give the path of a .nessus export");
  }
  const auto digest = sha256_file_hex(file);
  if (!digest) {
    return fail(ErrorCode::PermissionDenied, "cannot read " + file,
                "check that this user may read the file");
  }
  task::Task t;
  t.id = task::new_task_id();
  t.owner = request.owner.empty() ? std::string(kLocalTenant) : request.owner;
  t.pool = request.pool.empty() ? "imported" : request.pool;
  t.created_at = s_.clock->now();
  t.trace_id = t.id;
  if (!request.force) {
    t.idempotency_key = "import-" + digest->substr(0, 40);
    t.request_hash = *digest;
  }
  auto paths = findings::results_paths(s_.data_dir, t.id);
  if (!paths) return fail(paths.error());
  std::filesystem::create_directories(paths->dir, ec);
  if (ec) {
    return fail(ErrorCode::PermissionDenied, "cannot create " + paths->dir + ": " + ec.message(),
                "check the permissions of the data directory");
  }
  auto cleanup = [&] { std::filesystem::remove_all(paths->dir, ec); };
  std::filesystem::copy_file(file, paths->export_file, ec);
  if (ec) {
    cleanup();
    return fail(ErrorCode::Unavailable, "cannot copy " + file + ": " + ec.message(),
                "check free space in the data directory");
  }
  auto indexed = s_.indexer->index_foreign(paths->export_file, paths->index_file);
  if (!indexed) {
    cleanup();
    return fail(Error{indexed.error().code, "refused " + file + ": " + indexed.error().message,
                      indexed.error().hint});
  }
  const std::string base = std::filesystem::path(file).filename().string();
  t.summary = indexed->summary;
  t.summary["imported_from"] = base;
  t.validation = indexed->validation;
  const std::string scan_name = indexed->summary.value("scan_name", "");
  t.name = !request.name.empty() ? request.name : !scan_name.empty() ? scan_name : base;
  t.scan_type = indexed->validation.value("credentials", "") == "not_applicable"
                    ? task::ScanType::Untrusted
                    : task::ScanType::Authenticated;
  t.description = "imported from " + base;
  t.targets = indexed->targets;
  auto recorded = s_.admin->import_completed(t);
  if (!recorded || !recorded->created) cleanup();  // nothing new: no files either
  if (!recorded) return fail(recorded.error());
  log::info("service", "export imported",
            {{"task_id", recorded->task.id}, {"created", recorded->created}, {"file", base}});
  return Imported{std::move(recorded->task), recorded->created};
}

}  // namespace nmcp::service
