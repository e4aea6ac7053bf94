#include "worker/engine/scan_driver.h"

#include <unistd.h>

#include <cstdio>
#include <memory>
#include <optional>
#include <random>

#include "core/base/logging.h"
#include "core/base/secret_values.h"
#include "core/policy/scope_policy.h"
#include "core/readiness/scan_window.h"
#include "core/store/lease_timing.h"
#include "core/store/lifecycle.h"
#include "worker/engine/scan_naming.h"
#include "worker/engine/worker_metrics.h"

namespace nmcp::worker {

namespace log = nmcp::log;
using scanners::NessusErrorKind;
using scanners::ScanPhase;
using std::chrono::milliseconds;
using store::lease_of;
using task::State;
using task::Step;
using task::TaskError;

namespace {

double unit_random() {
  thread_local std::mt19937_64 rng{std::random_device{}()};
  return std::uniform_real_distribution<double>(0.0, 1.0)(rng);
}

nlohmann::json log_fields(const task::Task& t) {
  return {{"task_id", t.id},
          {"trace_id", t.trace_id},
          {"instance", t.instance},
          {"step", task::to_string(t.step)}};
}

// A file name for this attempt alone: concurrent attempts (one superseded, one current) never
// write the same file.
}  // namespace

ScanDriver::ScanDriver(store::LeaseStore& store, const EngineOptions& options, const Clock& clock,
                       const MonotonicClock& monotonic)
    : store_(store), options_(options), clock_(clock), monotonic_(monotonic) {}

task::Millis ScanDriver::lease_until() const { return clock_.now() + options_.lease.count(); }

milliseconds ScanDriver::poll_interval(const ScannerSnapshot& s) const {
  if (options_.poll_interval) return *options_.poll_interval;
  return std::chrono::duration_cast<milliseconds>(s.config->defaults.poll_interval);
}

void ScanDriver::keep_pending(const std::string& task_id, Pending p) {
  std::lock_guard lock(mu_);
  pending_[task_id] = std::move(p);
}

std::optional<ScanDriver::Next> ScanDriver::flush_pending(const std::string& task_id,
                                                          const store::Lease& lease) {
  std::optional<Pending> p;
  {
    std::lock_guard lock(mu_);
    auto it = pending_.find(task_id);
    if (it == pending_.end()) return std::nullopt;
    p = it->second;
  }
  Result<task::Task> written = fail(Error{});
  Next next;
  if (const auto* r = std::get_if<PendingRecord>(&*p)) {
    written = store_.record(task_id, lease, r->update, clock_.now(), lease_until());
    next = {true, r->delay};
  } else {
    const auto& f = std::get<PendingFinish>(*p);
    written = store_.finish(task_id, lease, f.to, f.error, clock_.now());
    next = {};
  }
  if (!written && written.error().code == ErrorCode::Unavailable) {
    return Next{true, options_.backoff_base};  // still down: try again later
  }
  {
    std::lock_guard lock(mu_);
    pending_.erase(task_id);
  }
  if (!written) {
    log::warn("worker", "dropping a task this worker no longer holds",
              {{"task_id", task_id}, {"reason", written.error().message}});
    return Next{};
  }
  log::info("worker", "wrote a step outcome the store could not take earlier",
            {{"task_id", task_id}});
  return next;
}

ScanDriver::Next ScanDriver::step(const std::string& task_id, const store::Lease& lease,
                                  const ScannerSnapshot& s) {
  if (auto flushed = flush_pending(task_id, lease)) return *flushed;
  auto loaded = store_.renew(task_id, lease, clock_.now(), lease_until());
  if (!loaded) {
    if (loaded.error().code == ErrorCode::Unavailable) {
      // The store is busy or down: try again soon; the lease stays ours meanwhile.
      return {true, options_.backoff_base};
    }
    log::warn("worker", "dropping a task this worker no longer holds",
              {{"task_id", task_id}, {"reason", loaded.error().message}});
    return {};
  }
  const Task& t = *loaded;
  // Every line of this step (Nessus requests included) names the task and its trace id.
  log::ScopedFields scope(nlohmann::json{{"task_id", t.id}, {"trace_id", t.trace_id}});
  // What this step brings back from Nessus is masked by value, except the caller's own text
  // (which Nessus echoes: the scan's name, description and targets), so that no answer depends
  // on whether a caller's text equals a secret.
  const SecretScope caller_text({}, {t.name, t.description, t.targets});
  scanners::NessusClient* client = s.registry->client(t.instance);
  // Each side effect of this step on the scanner renews the lease right before it leaves.
  RenewingGate gate(
      [&]() -> Status {
        auto renewed = store_.renew(t.id, lease_of(t), clock_.now(), lease_until());
        return renewed ? ok() : Status(fail(renewed.error()));
      },
      milliseconds(store::LeaseTiming{options_.lease.count()}.side_effect_window()), monotonic_);
  if (t.cancel_requested) {
    return stop_and_finish(t, client, gate, State::Cancelled,
                           {"cancelled", "cancelled at the caller's request", ""});
  }
  const auto timeout = std::chrono::duration_cast<milliseconds>(s.config->defaults.scan_timeout);
  if (store::lifecycle::overdue(t, clock_.now(), timeout.count())) {
    return stop_and_finish(
        t, client, gate, State::TimedOut,
        {"scan_timeout",
         "the scan ran longer than the limit of " +
             std::to_string(s.config->defaults.scan_timeout.count()) + " minutes",
         "scan fewer targets at a time, or raise defaults.scan_timeout_minutes"});
  }
  if (client == nullptr) {
    return retry(t, {"instance_unavailable",
                     "scanner instance '" + t.instance + "' is not in the configuration",
                     "restore the instance in scanners.yaml; the task resumes when it is back"});
  }
  count_step(options_.metrics, t.step);
  const Scanner n{*client, gate};
  switch (t.step) {
    case Step::Create:
      return create(t, s, n);
    case Step::Launch:
      return launch(t, s, n);
    case Step::Poll:
      return poll(t, s, n);
    case Step::Export:
      return request_export(t, s, n);
    case Step::Download:
      return download(t, s, *client);
    case Step::Index:
      return index(t, s);
    case Step::Done:
      return finish(t, State::Completed, {});
  }
  return {};
}

ScanDriver::Next ScanDriver::crashed(const std::string& task_id, const store::Lease& lease,
                                     const std::string& what) {
  auto t = store_.renew(task_id, lease, clock_.now(), lease_until());
  if (!t) {
    if (t.error().code == ErrorCode::Unavailable) return {true, options_.backoff_base};
    return {};
  }
  return retry(
      *t, {"step_crashed",
           "the '" + std::string(task::to_string(t->step)) + "' step failed unexpectedly: " + what,
           "it is retried; if it keeps failing, the task goes to the dead-letter queue "
           "and the workers' logs have the details"});
}

ScanDriver::Next ScanDriver::create(const Task& t, const ScannerSnapshot& s, Scanner n) {
  scanners::NessusClient& client = n.client;
  const config::PoolConfig* pool = s.config->pool(t.pool);
  if (pool == nullptr) {
    return finish(t, State::Failed,
                  {"pool_missing", "pool '" + t.pool + "' is no longer configured",
                   "submit the scan again to a pool the server has"});
  }
  auto targets = policy::check_targets(t.targets, pool->scope);
  if (!targets) {
    return finish(
        t, State::Failed,
        {"scope_denied", "refused before the scan was created: " + targets.error().message,
         targets.error().hint});
  }
  scanners::CreateScanRequest request;
  request.template_name =
      t.template_name.empty() ? s.config->defaults.template_name : t.template_name;
  request.name = nessus_scan_name(t);
  request.description = t.description.empty() ? "Started by nessus-mcp" : t.description;
  request.targets = targets->normalized();
  // The task's inline secrets mask this step only: its log lines and Nessus's answers to the
  // request that carries them. No other task's output, and no later step, ever sees them.
  std::optional<SecretScope> inline_secrets;
  if (t.scan_type != task::ScanType::Untrusted && !t.sealed_credentials.empty()) {
    auto inline_profile = open_inline_credentials(t);
    if (!inline_profile) {
      return finish(
          t, State::Failed,
          {"credentials_unavailable", inline_profile.error().message, inline_profile.error().hint});
    }
    std::vector<std::string> secrets;
    for (const auto& c : inline_profile->ssh) {
      secrets.push_back(c.password);
      secrets.push_back(c.escalation_password);
    }
    inline_secrets.emplace(secrets, std::vector<std::string>{t.name, t.description, t.targets});
    for (auto& v : secrets) wipe(v);
    request.credentials = std::move(*inline_profile);
  } else if (t.scan_type != task::ScanType::Untrusted) {
    const config::CredentialProfile* profile = s.config->credential(t.credential_profile);
    if (profile == nullptr) {
      return finish(t, State::Failed,
                    {"credential_profile_missing",
                     "credential profile '" + t.credential_profile + "' is not configured",
                     "use a credential profile the server lists, or ask an operator to add it"});
    }
    if (!pool->allows_profile(t.credential_profile)) {
      // The configuration changed since the submit: the pool's rule wins.
      return finish(t, State::Failed,
                    {"credential_profile_not_allowed",
                     "pool '" + t.pool + "' no longer allows credential profile '" +
                         t.credential_profile + "'",
                     "submit again with a credential profile the pool allows"});
    }
    config::CredentialProfile copy = *profile;
    if (!t.escalation_override.empty()) copy.override_escalation(t.escalation_override);
    request.credentials = std::move(copy);
  }
  struct WipeCredentials {  // this copy of the secrets lives only as long as the create step
    scanners::CreateScanRequest& r;
    ~WipeCredentials() {
      if (r.credentials) r.credentials->wipe_secrets();
    }
  } wipe_credentials{request};

  // A retry may follow an attempt that created the scan but died before recording it.
  if (t.attempts > 1 || t.failures > 0) {
    auto scans = client.list_scans();
    if (!scans) return nessus_failure(t, s, scans.error(), "listing scans");
    for (const auto& scan : *scans) {
      if (scan.name == request.name) {
        log::info("worker", "re-attached to the scan an earlier attempt created",
                  {{"task_id", t.id}, {"nessus_scan_id", scan.id}});
        store::StepUpdate u;
        u.step = Step::Launch;
        u.nessus_scan_id = scan.id;
        u.nessus_status = scan.status;
        u.erase_credentials = true;
        return record(t, u, milliseconds(0));
      }
    }
  }
  // Only the holder creates: a worker paused since the list above finds its lease gone here.
  auto created = client.create_scan(request, n.gate);
  if (!created) return nessus_failure(t, s, created.error(), "creating the scan");
  s.registry->record_success(t.instance);
  log::info("worker", "Nessus scan created",
            {{"task_id", t.id},
             {"trace_id", t.trace_id},
             {"nessus_scan_id", created->id},
             {"instance", t.instance}});
  store::StepUpdate u;
  u.step = Step::Launch;
  u.nessus_scan_id = created->id;
  u.erase_credentials = true;  // Nessus holds them now; we keep none
  return record(t, u, milliseconds(0));
}

Result<config::CredentialProfile> ScanDriver::open_inline_credentials(const Task& t) const {
  if (!options_.secrets) {
    return fail(ErrorCode::FailedPrecondition,
                "the task carries inline credentials but this worker has no secret key",
                "give every process the same NMCP_SECRET_KEY (or data directory), then submit "
                "the scan again");
  }
  auto plain = options_.secrets->open_sealed(t.sealed_credentials);
  if (!plain) return fail(plain.error());
  auto p = config::inline_credentials_from_json(nlohmann::json::parse(*plain, nullptr, false));
  wipe(*plain);
  if (!p) return fail(ErrorCode::Internal, "sealed credentials are not readable");
  return std::move(*p);
}

ScanDriver::Next ScanDriver::launch(const Task& t, const ScannerSnapshot& s, Scanner n) {
  scanners::NessusClient& client = n.client;
  const config::PoolConfig* pool = s.config->pool(t.pool);
  if (pool == nullptr || !policy::check_targets(t.targets, pool->scope)) {
    // Best effort: the task fails either way, and a scan left behind was never launched.
    if (auto deleted = client.delete_scan(*t.nessus_scan_id, n.gate); !deleted) {
      if (deleted.error().kind == NessusErrorKind::Withheld) return withheld(t, deleted.error());
      log::warn("worker", "could not delete the unlaunched scan",
                {{"task_id", t.id}, {"error", deleted.error().message}});
    }
    return finish(t, State::Failed,
                  {"scope_denied",
                   "the targets are no longer inside the pool's scope; the scan was not launched",
                   "check the pool's scope in scanners.yaml"});
  }
  // After a crash between launching and recording it, Nessus already shows the scan running:
  // launching again would start a second run. A scan that ever ran (its history is not empty)
  // is never launched again, whatever its status says; and the launch itself passes the gate,
  // so a worker paused since this read (while another ran the scan) launches nothing.
  auto details = client.scan_details(*t.nessus_scan_id);
  if (!details) return nessus_failure(t, s, details.error(), "reading the scan before launch");
  const bool never_launched =
      details->phase() == ScanPhase::NotLaunched && details->history.empty();
  if (never_launched) {
    auto run = client.launch_scan(*t.nessus_scan_id, n.gate);
    if (!run) return nessus_failure(t, s, run.error(), "launching the scan");
    log::info("worker", "Nessus scan launched",
              {{"task_id", t.id}, {"trace_id", t.trace_id}, {"nessus_scan_id", *t.nessus_scan_id}});
  }
  s.registry->record_success(t.instance);
  store::StepUpdate u;
  u.step = Step::Poll;
  u.nessus_status = never_launched ? "pending" : details->status;
  return record(t, u, poll_interval(s));
}

ScanDriver::Next ScanDriver::poll(const Task& t, const ScannerSnapshot& s, Scanner n) {
  auto details = n.client.scan_details(*t.nessus_scan_id);
  if (!details) return nessus_failure(t, s, details.error(), "polling the scan");
  s.registry->record_success(t.instance);
  store::StepUpdate u;
  u.nessus_status = details->status;
  switch (details->phase()) {
    case ScanPhase::Completed:
      u.step = Step::Export;
      u.progress = 100.0;
      return record(t, u, milliseconds(0));
    case ScanPhase::Stopped:
      return finish(t, State::Failed,
                    {"nessus_scan_" + details->status,
                     "Nessus reports the scan as " + details->status + " before it completed",
                     "someone or something stopped it on the scanner; check the Nessus scan "
                     "history, then submit the scan again"});
    case ScanPhase::NotLaunched:
      if (!details->history.empty()) break;  // it ran before: never launched twice
      u.step = Step::Launch;                 // never ran: launch it
      return record(t, u, milliseconds(0));
    case ScanPhase::Running:
      break;
  }
  if (auto acted = follow_window(t, s, n, details->status)) return *acted;
  u.progress = details->progress();
  return record(t, u, poll_interval(s));
}

void ScanDriver::audit_window(const Task& t, const char* decision, const std::string& rule) {
  if (!options_.audit) return;
  audit::AuditEvent e;
  e.time_ms = clock_.now();
  e.tenant = t.owner;
  e.tool = "worker " + options_.worker_id;
  e.pool = t.pool;
  e.targets = t.targets;
  e.decision = decision;
  e.rule = rule;
  e.trace_id = t.trace_id;
  options_.audit->record(e);
}

std::optional<ScanDriver::Next> ScanDriver::follow_window(const Task& t, const ScannerSnapshot& s,
                                                          Scanner n, const std::string& status) {
  scanners::NessusClient& client = n.client;
  const config::PoolConfig* pool = s.config->pool(t.pool);
  const auto on_close =
      pool != nullptr && pool->window ? pool->window->on_close : config::WindowClose::Continue;
  if (on_close == config::WindowClose::Continue && !t.window_paused) return std::nullopt;
  auto window = pool != nullptr ? readiness::pool_window(*pool, clock_.now())
                                : Result<readiness::WindowState>(readiness::WindowState{});
  const bool open = window && window->open;  // an unreadable zone counts as closed
  if (!open && on_close == config::WindowClose::Stop) {
    log::info("worker", "the scan window closed: stopping the scan",
              {{"task_id", t.id}, {"pool", t.pool}});
    audit_window(t, "deny",
                 "scan window " + pool->window->text + " closed (on_close: stop): task " + t.id +
                     " stopped");
    return stop_and_finish(
        t, &client, n.gate, State::Cancelled,
        {"window_closed",
         "the scan window of pool '" + t.pool + "' (" + pool->window->text +
             ") closed while the scan ran; it was stopped (on_close: stop)",
         "the findings so far were not collected: submit it again inside the window, or set "
         "on_close: pause to resume such scans at the next opening"});
  }
  store::StepUpdate u;
  u.step_succeeded = false;
  if (!open && on_close == config::WindowClose::Pause &&
      (status == "running" || status == "pending")) {
    auto paused = client.pause_scan(*t.nessus_scan_id, n.gate);
    if (!paused)
      return nessus_failure(t, s, paused.error(), "pausing the scan at the window's close");
    log::info("worker", "the scan window closed: scan paused",
              {{"task_id", t.id}, {"pool", t.pool}});
    audit_window(t, "deny",
                 "scan window " + pool->window->text + " closed (on_close: pause): task " + t.id +
                     " paused until it opens");
    u.window_paused = true;
    u.nessus_status = "pausing";
    return record(t, u, poll_interval(s));
  }
  const bool resume = t.window_paused && (open || on_close != config::WindowClose::Pause);
  if (resume && status == "paused") {
    auto resumed = client.resume_scan(*t.nessus_scan_id, n.gate);
    if (!resumed) return nessus_failure(t, s, resumed.error(), "resuming the scan in its window");
    log::info("worker", "the scan window opened: scan resumed",
              {{"task_id", t.id}, {"pool", t.pool}});
    audit_window(
        t, "allow",
        std::string(open ? "scan window open: task " : "no longer paused at the close: task ") +
            t.id + " resumed");
    u.window_paused = false;
    u.nessus_status = "resuming";
    return record(t, u, poll_interval(s));
  }
  return std::nullopt;
}

ScanDriver::Next ScanDriver::stop_and_finish(const Task& t, scanners::NessusClient* client,
                                             SideEffectGate& gate, State to, TaskError error) {
  if (client != nullptr && t.nessus_scan_id && t.step <= Step::Poll) {
    auto stopped = client->stop_scan(*t.nessus_scan_id, gate);
    if (!stopped && stopped.error().kind == NessusErrorKind::Withheld) {
      return withheld(t, stopped.error());
    }
    // Already finished (409) or gone (404) is fine; a transient failure is tried again, except
    // when the time is up: a scan past its limit on an unreachable scanner ends now, saying
    // that its Nessus scan may still run.
    if (!stopped && scanners::is_transient(stopped.error().kind)) {
      if (to != State::TimedOut) {
        return {true, std::chrono::duration_cast<milliseconds>(options_.backoff_base)};
      }
      error.message += "; the Nessus scan could not be stopped (" + stopped.error().message + ")";
      error.hint = "stop scan " + std::to_string(*t.nessus_scan_id) + " on instance '" +
                   t.instance + "' by hand if it still runs";
    }
    if (stopped) {
      log::info("worker", "Nessus scan stopped",
                {{"task_id", t.id}, {"nessus_scan_id", *t.nessus_scan_id}});
    }
  }
  return finish(t, to, std::move(error));
}

ScanDriver::Next ScanDriver::record(const Task& t, store::StepUpdate update, milliseconds delay) {
  auto r = store_.record(t.id, lease_of(t), update, clock_.now(), lease_until());
  if (!r) {
    if (r.error().code == ErrorCode::Unavailable) {
      // What Nessus did is kept and written first next time: the step is not done again.
      keep_pending(t.id, PendingRecord{std::move(update), delay});
      log::warn("worker", "the store did not take the step's outcome; keeping it to write later",
                {{"task_id", t.id}, {"error", r.error().message}});
      return {true, options_.backoff_base};
    }
    log::warn("worker", "could not record progress; leaving the task",
              {{"task_id", t.id}, {"error", r.error().message}});
    return {};
  }
  return {true, delay};
}

ScanDriver::Next ScanDriver::finish(const Task& t, State to, TaskError error) {
  auto r = store_.finish(t.id, lease_of(t), to, error, clock_.now());
  if (!r) {
    if (r.error().code == ErrorCode::Unavailable) {
      keep_pending(t.id, PendingFinish{to, std::move(error)});
      return {true, options_.backoff_base};
    }
    log::warn("worker", "could not finish the task",
              {{"task_id", t.id}, {"error", r.error().message}});
    return {};
  }
  count_finished(options_.metrics, *r);
  auto fields = log_fields(*r);
  fields["state"] = task::to_string(to);
  if (!error.code.empty()) fields["error"] = error.code;
  log::info("worker", "task finished", fields);
  return {};
}

ScanDriver::Next ScanDriver::retry(const Task& t, TaskError error,
                                   std::optional<store::StepUpdate> update) {
  const auto delay = store::lifecycle::backoff_delay(t.failures, options_.backoff_base.count(),
                                                     options_.backoff_cap.count(), unit_random());
  store::RetryDecision d;
  d.not_before = clock_.now() + delay;
  d.max_failures = options_.max_failures;
  d.update = std::move(update);
  count_step_failure(options_.metrics, t.step);
  auto r = store_.retry_later(t.id, lease_of(t), error, d, clock_.now());
  if (!r) {
    // Still ours while the store is down: come back to it; otherwise it is not ours any more.
    if (r.error().code == ErrorCode::Unavailable) return {true, options_.backoff_base};
    return {};
  }
  auto fields = log_fields(*r);
  fields["error"] = error.message;
  fields["failures"] = r->failures;
  if (r->dead_lettered) {
    count_finished(options_.metrics, *r);
    log::error("worker", "task dead-lettered after repeated failures", fields);
  } else {
    fields["retry_in_ms"] = delay;
    log::warn("worker", "step failed; retrying later", fields);
  }
  return {};
}

ScanDriver::Next ScanDriver::dead_letter(const Task& t, TaskError error) {
  auto r = store_.dead_letter(t.id, lease_of(t), error, clock_.now());
  if (!r) {
    if (r.error().code == ErrorCode::Unavailable) return {true, options_.backoff_base};
    return {};
  }
  count_finished(options_.metrics, *r);
  auto fields = log_fields(*r);
  fields["error"] = error.message;
  log::error("worker", "task dead-lettered", fields);
  return {};
}

ScanDriver::Next ScanDriver::back_off(const Task& t, const scanners::NessusError& e,
                                      std::string_view doing) {
  // Retry-After when Nessus gave one (capped at an hour), else the retry backoff's base.
  const std::int64_t seconds = std::min<std::int64_t>(e.retry_after_seconds, 3600);
  const std::int64_t wait_ms = seconds > 0 ? seconds * 1000 : options_.backoff_base.count();
  auto r = store_.back_off(t.id, lease_of(t), clock_.now() + wait_ms, clock_.now());
  if (!r) {
    if (r.error().code == ErrorCode::Unavailable) return {true, options_.backoff_base};
    return {};
  }
  auto fields = log_fields(*r);
  fields["doing"] = std::string(doing);
  fields["retry_in_ms"] = wait_ms;
  fields["retry_after_seconds"] = e.retry_after_seconds;
  log::info("worker", "Nessus asked to come back later (429); the task waits, no failure counted",
            fields);
  return {};
}

ScanDriver::Next ScanDriver::withheld(const Task& t, const scanners::NessusError& e) {
  if (e.may_retry) {
    log::info("worker", "a request to the scanner was held back; the step runs again shortly",
              {{"task_id", t.id}, {"reason", e.message}});
    return {true, options_.backoff_base};
  }
  log::warn("worker", "a request to the scanner was withheld: this worker no longer holds the task",
            {{"task_id", t.id}, {"reason", e.message}});
  return {};
}

ScanDriver::Next ScanDriver::nessus_failure(const Task& t, const ScannerSnapshot& s,
                                            const scanners::NessusError& e,
                                            std::string_view doing) {
  if (e.kind == NessusErrorKind::Withheld) return withheld(t, e);
  if (s.registry && (e.kind == NessusErrorKind::Transient || e.kind == NessusErrorKind::Tls)) {
    s.registry->record_failure(t.instance, registry_now(options_));
  }
  TaskError error{"nessus_" + std::string(scanners::to_string(e.kind)),
                  std::string(doing) + ": " + e.message, e.hint};
  if (e.kind == NessusErrorKind::RateLimited) return back_off(t, e, doing);
  switch (e.kind) {
    case NessusErrorKind::RateLimited:
    case NessusErrorKind::Transient:
    case NessusErrorKind::Internal:
      return retry(t, std::move(error));
    case NessusErrorKind::Auth:
    case NessusErrorKind::ApiLocked:
    case NessusErrorKind::NotFound:
    case NessusErrorKind::Rejected:
    case NessusErrorKind::Tls:
    case NessusErrorKind::Withheld:
      if (error.hint.empty()) {
        error.hint =
            "fix the cause, then an operator can run it again with admin_cli retry-dlq " + t.id;
      }
      return dead_letter(t, std::move(error));
  }
  return retry(t, std::move(error));
}

}  // namespace nmcp::worker
