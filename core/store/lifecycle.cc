#include "core/store/lifecycle.h"

#include <algorithm>
#include <cmath>
#include <utility>

#include "core/task/state_machine.h"

namespace nmcp::store::lifecycle {

namespace {

void end_lease(Task& t) {
  t.worker.clear();
  t.lease_token.clear();
  t.lease_until = 0;
}

// Failed and parked in the pool's dead-letter queue.
Status park_dead(Task& t, Millis now) {
  if (auto s = task::check_transition(t, State::Failed); !s) return s;
  t.state = State::Failed;
  t.dead_lettered = true;
  t.sealed_credentials.clear();  // an operator retry cannot bring secrets back
  t.dead_lettered_at = now;
  t.finished_at = now;
  end_lease(t);
  t.updated_at = now;
  return ok();
}

TaskError worker_lost(const Task& t) {
  return {"worker_lost",
          "the worker running step '" + std::string(task::to_string(t.step)) +
              "' stopped before finishing it (it crashed, was killed, or lost the store)",
          "the step is retried from where it stopped; if it keeps failing, check the workers' "
          "logs and memory limits for this task"};
}

}  // namespace

Error not_found(const std::string& id) {
  return Error{ErrorCode::NotFound, "no task " + id,
               "check the task id; only your own tasks are visible"};
}

Error lease_lost(const Task& t, const Lease& lease) {
  return Error{ErrorCode::FailedPrecondition,
               "worker " + lease.worker + " no longer holds the lease on task " + t.id +
                   " (state " + std::string(task::to_string(t.state)) +
                   (t.worker.empty()           ? ""
                    : t.worker == lease.worker ? ", taken over by a later claim"
                                               : ", held by " + t.worker) +
                   ")",
               "stop working on this task; another claim owns it now"};
}

Status check_holder(const Task& t, const Lease& lease) {
  if (t.state != State::Running || lease.worker.empty() || t.worker != lease.worker ||
      t.lease_token != lease.token) {
    return fail(lease_lost(t, lease));
  }
  return ok();
}

void prepare_submit(Task& t) {
  t.state = State::Queued;
  t.updated_at = t.created_at;
  end_lease(t);
}

Status reuse_existing(const Task& existing, const Task& incoming) {
  if (existing.request_hash == incoming.request_hash) return ok();
  return fail(ErrorCode::Conflict,
              "idempotency_key '" + incoming.idempotency_key +
                  "' was already used for a different request (task " + existing.id + ")",
              "reuse a key only to retry the identical request; use a new key for a new scan");
}

void prepare_import(Task& t) {
  t.state = State::Completed;
  t.step = task::Step::Index;
  t.progress = 100;
  t.updated_at = t.created_at;
  t.finished_at = t.created_at;
  end_lease(t);
}

Status check_movable(const Task& t) {
  if (t.state != State::Running) return ok();
  return fail(ErrorCode::FailedPrecondition,
              "task " + t.id + " is running (worker " + t.worker +
                  "); a running task cannot move: its worker writes to the old store",
              "let it finish (a worker on the old store drives it) or cancel it, then migrate "
              "again");
}

namespace {
// Due "never" for a task moved to another store: every backend's claim passes a task by its due
// time without reading it, so a moved task costs no claim anything.
constexpr Millis kNeverDue = 253402300799000;  // 9999-12-31T23:59:59Z

Error moved_away(const Task& t) {
  return Error{ErrorCode::FailedPrecondition,
               "task " + t.id + " was moved to " + t.moved_to + " by a store migration",
               "act on it in the store it was moved to"};
}
}  // namespace

Status mark_moved(Task& t, const std::string& destination, Millis now) {
  if (t.moved_to == destination) return ok();
  if (auto s = check_movable(t); !s) return s;
  if (!t.moved_to.empty()) return fail(moved_away(t));
  t.moved_to = destination;
  if (t.state == State::Queued) t.not_before = kNeverDue;
  t.updated_at = now;
  return ok();
}

Task unmoved_copy(const Task& marked) {
  Task t = marked;
  if (!t.moved_to.empty() && t.state == State::Queued) t.not_before = t.updated_at;
  t.moved_to.clear();
  return t;
}

bool claimable(const Task& t, Millis now) {
  if (!t.moved_to.empty()) return false;
  return (t.state == State::Queued && t.not_before <= now) ||
         (t.state == State::Running && t.lease_until < now);
}

ClaimPlanner::ClaimPlanner(ClaimRequest request, std::string token)
    : request_(std::move(request)), token_(std::move(token)) {}

void ClaimPlanner::begin(std::map<std::string, int> running_per_instance) {
  running_ = std::move(running_per_instance);
  full_pools_.clear();
}

void ClaimPlanner::take(Task& t, const std::string& instance) {
  t.instance = instance;
  t.state = State::Running;
  t.worker = request_.worker;
  t.lease_token = token_;
  t.lease_until = request_.now + request_.lease_ms;
  t.attempts += 1;
  t.updated_at = request_.now;
  if (!t.started_at) t.started_at = request_.now;
}

ClaimPlanner::Verdict ClaimPlanner::consider(Task& t) {
  const Millis now = request_.now;
  const auto offered_it = request_.pools.find(t.pool);
  if (offered_it == request_.pools.end() || !claimable(t, now)) return Verdict::Skip;
  const auto& offered = offered_it->second;
  const bool takeover = t.state == State::Running;
  // The claimer is still working on its own expired lease (a long step), or will hand it back.
  if (takeover && t.worker == request_.worker) return Verdict::Skip;
  // Sealed credentials are only of use to a worker with the key.
  if (!t.sealed_credentials.empty() && !request_.opens_inline_credentials) return Verdict::Skip;

  if (request_.closed_pools.count(t.pool) != 0 && t.step <= task::Step::Launch)
    return Verdict::Skip;
  const bool bound = t.nessus_scan_id.has_value() || takeover;
  std::string instance;
  if (bound && !t.instance.empty()) {
    // Its scan lives on one instance: only that instance can take it back, and the scan
    // already occupies one of its slots.
    const bool reachable = std::any_of(offered.begin(), offered.end(),
                                       [&](const InstanceSlot& s) { return s.id == t.instance; });
    if (!reachable && !overdue(t, now, request_.scan_timeout_ms)) return Verdict::Skip;
    instance = t.instance;
  } else {
    if (full_pools_.count(t.pool) != 0) return Verdict::Skip;
    auto chosen = least_utilised(offered, running_);
    if (!chosen) {
      full_pools_.insert(t.pool);
      return Verdict::Skip;
    }
    instance = *chosen;
  }

  if (takeover) {
    t.failures += 1;
    t.error = worker_lost(t);
    if (t.failures >= request_.max_failures) {
      t.error.message += " (gave up after " + std::to_string(t.failures) + " attempts)";
      if (running_[t.instance] > 0) running_[t.instance] -= 1;
      (void)park_dead(t, now);  // running -> failed is always legal
      return Verdict::Bury;
    }
  } else if (auto s = task::check_transition(t, State::Running); !s) {
    return Verdict::Skip;
  }
  if (!takeover) running_[instance] += 1;
  take(t, instance);
  return Verdict::Take;
}

Status renew(Task& t, const Lease& lease, Millis now, Millis lease_until) {
  if (auto s = check_holder(t, lease); !s) return s;
  t.lease_until = lease_until;
  t.updated_at = now;
  return ok();
}

namespace {

// The fields of a step update, without its effect on the failure count.
void apply_fields(Task& t, const StepUpdate& u) {
  if (u.step) t.step = *u.step;
  if (u.nessus_scan_id) t.nessus_scan_id = *u.nessus_scan_id;
  if (u.clear_export) t.export_file_id.reset();
  if (u.erase_credentials) t.sealed_credentials.clear();
  if (u.export_file_id) t.export_file_id = *u.export_file_id;
  if (u.nessus_status) t.nessus_status = *u.nessus_status;
  if (u.progress) t.progress = std::clamp(*u.progress, 0.0, 100.0);
  if (u.window_paused) t.window_paused = *u.window_paused;
  if (u.validation) t.validation = *u.validation;
  if (u.summary) t.summary = *u.summary;
}

}  // namespace

Status record(Task& t, const Lease& lease, const StepUpdate& u, Millis now, Millis lease_until) {
  if (auto s = check_holder(t, lease); !s) return s;
  apply_fields(t, u);
  if (u.step_succeeded) {
    t.failures = 0;
    t.error = {};
  }
  t.lease_until = lease_until;
  t.updated_at = now;
  return ok();
}

Status finish(Task& t, const Lease& lease, State to, const TaskError& error, Millis now) {
  if (auto s = check_holder(t, lease); !s) return s;
  if (!task::is_terminal(to)) {
    return fail(ErrorCode::InvalidArgument, "finish() needs a terminal state");
  }
  if (auto s = task::check_transition(t, to); !s) return s;
  t.state = to;
  t.error = error;
  t.sealed_credentials.clear();
  if (to == State::Completed) {
    t.step = task::Step::Done;
    t.progress = 100;
  }
  end_lease(t);
  t.finished_at = now;
  t.updated_at = now;
  return ok();
}

Status retry_later(Task& t, const Lease& lease, const TaskError& error, const RetryDecision& d,
                   Millis now) {
  if (auto s = check_holder(t, lease); !s) return s;
  if (d.update) apply_fields(t, *d.update);
  t.failures += 1;
  t.error = error;
  if (t.failures >= d.max_failures) {
    t.error.message += " (gave up after " + std::to_string(t.failures) + " attempts)";
    return park_dead(t, now);
  }
  if (auto s = task::check_transition(t, State::Queued); !s) return s;
  t.state = State::Queued;
  t.not_before = d.not_before;
  end_lease(t);
  t.updated_at = now;
  return ok();
}

Status dead_letter(Task& t, const Lease& lease, const TaskError& error, Millis now) {
  if (auto s = check_holder(t, lease); !s) return s;
  t.failures += 1;
  t.error = error;
  return park_dead(t, now);
}

Status release(Task& t, const Lease& lease, Millis now) {
  if (auto s = check_holder(t, lease); !s) return s;
  if (auto s = task::check_transition(t, State::Queued); !s) return s;
  t.state = State::Queued;
  t.not_before = now;
  end_lease(t);
  t.updated_at = now;
  return ok();
}

Status back_off(Task& t, const Lease& lease, Millis until, Millis now) {
  if (auto s = release(t, lease, now); !s) return s;
  t.not_before = std::max(until, now);
  return ok();
}

Status check_key_pool(const std::optional<std::set<std::string>>& key_pools,
                      const std::string& pool, const std::string& doing) {
  if (!key_pools || key_pools->count(pool) != 0) return ok();
  std::string mine;
  for (const auto& p : *key_pools) mine += (mine.empty() ? "" : ", ") + p;
  return fail(ErrorCode::PermissionDenied, "this API key may not " + doing + " pool '" + pool + "'",
              mine.empty() ? "it may use no pool" : "it may use: " + mine);
}

Status request_cancel(Task& t, const OwnerScope& scope, Millis now,
                      const std::optional<std::set<std::string>>& key_pools) {
  if (!scope.admits(t.owner)) return fail(not_found(t.id));
  if (auto s = check_key_pool(key_pools, t.pool, "cancel scans in"); !s) return s;
  if (!t.moved_to.empty()) return fail(moved_away(t));
  if (task::is_terminal(t.state)) {
    return fail(
        ErrorCode::FailedPrecondition,
        "task " + t.id + " has already finished (" + std::string(task::to_string(t.state)) + ")",
        "nothing to cancel");
  }
  if (t.state == State::Queued && !t.nessus_scan_id) {
    if (auto s = task::check_transition(t, State::Cancelled); !s) return s;
    t.state = State::Cancelled;
    t.error = {"cancelled", "cancelled before a scanner started it", ""};
    t.sealed_credentials.clear();
    t.finished_at = now;
  } else {
    // A Nessus scan exists: the worker must stop it before the task can end.
    t.cancel_requested = true;
  }
  t.updated_at = now;
  return ok();
}

Status replace_results(Task& t, const nlohmann::json& summary, const nlohmann::json& validation,
                       Millis now) {
  if (!t.moved_to.empty()) return fail(moved_away(t));
  if (!task::is_terminal(t.state)) {
    return fail(ErrorCode::FailedPrecondition,
                "task " + t.id + " is " + std::string(task::to_string(t.state)) +
                    "; only a finished task's results are replaced",
                "its worker indexes it when the scan ends");
  }
  t.summary = summary;
  t.validation = validation;
  t.updated_at = now;
  return ok();
}

Status retry_dead_letter(Task& t, Millis now) {
  if (!t.moved_to.empty()) return fail(moved_away(t));
  if (!t.dead_lettered) {
    return fail(ErrorCode::FailedPrecondition,
                "task " + t.id + " is not in the dead-letter queue (state " +
                    std::string(task::to_string(t.state)) + ")",
                "only dead-lettered tasks can be retried");
  }
  if (auto s = task::check_transition(t, State::Queued); !s) return s;
  t.state = State::Queued;
  t.dead_lettered = false;
  t.dead_lettered_at.reset();
  t.finished_at.reset();
  t.failures = 0;
  t.error = {};
  t.not_before = now;
  t.updated_at = now;
  return ok();
}

bool purgeable_dead_letter(const Task& t, const std::string& pool, Millis before) {
  return t.dead_lettered && t.dead_lettered_at && *t.dead_lettered_at < before &&
         (pool.empty() || t.pool == pool);
}

std::optional<FinishedKind> finished_kind(const Task& t) {
  if (t.dead_lettered) return FinishedKind::DeadLetter;
  switch (t.state) {
    case State::Completed:
      return FinishedKind::Completed;
    case State::Failed:
      return FinishedKind::Failed;
    case State::Cancelled:
      return FinishedKind::Cancelled;
    case State::TimedOut:
      return FinishedKind::TimedOut;
    default:
      return std::nullopt;
  }
}

Millis finished_time(const Task& t) {
  if (t.dead_lettered && t.dead_lettered_at) return *t.dead_lettered_at;
  return t.finished_at.value_or(t.updated_at);
}

bool overdue(const Task& t, Millis now, Millis scan_timeout_ms) {
  return scan_timeout_ms > 0 && t.started_at && now - *t.started_at > scan_timeout_ms;
}

Status time_out_stuck(Task& t, Millis now, Millis lease_expired_before, Millis scan_timeout_ms) {
  if (t.state != State::Running || t.lease_until >= lease_expired_before ||
      !overdue(t, now, scan_timeout_ms)) {
    return fail(ErrorCode::FailedPrecondition, "task " + t.id + " is not stuck");
  }
  if (auto s = task::check_transition(t, State::TimedOut); !s) return s;
  t.state = State::TimedOut;
  t.error = {"stuck", "no worker finished this scan: its lease expired long after its scan timeout",
             "check that a worker serves pool '" + t.pool + "' and can reach instance '" +
                 t.instance + "'; submit the scan again"};
  t.sealed_credentials.clear();
  end_lease(t);
  t.finished_at = now;
  t.updated_at = now;
  return ok();
}

Millis backoff_delay(int failures, Millis base, Millis cap, double unit_random) {
  const int exponent = std::clamp(failures, 0, 30);
  const double upper =
      std::min(static_cast<double>(cap), static_cast<double>(base) * std::pow(2.0, exponent));
  const double lower = std::min(upper, static_cast<double>(base) / 2.0);
  const double r = std::clamp(unit_random, 0.0, 1.0);
  return static_cast<Millis>(lower + (upper - lower) * r);
}

}  // namespace nmcp::store::lifecycle

namespace nmcp::store {

const char* to_string(FinishedKind kind) {
  switch (kind) {
    case FinishedKind::Completed:
      return "completed";
    case FinishedKind::Failed:
      return "failed";
    case FinishedKind::Cancelled:
      return "cancelled";
    case FinishedKind::TimedOut:
      return "timed_out";
    case FinishedKind::DeadLetter:
      return "dead_letter";
  }
  return "unknown";
}

}  // namespace nmcp::store
