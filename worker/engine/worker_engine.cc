#include "worker/engine/worker_engine.h"

#include <unistd.h>

#include <algorithm>
#include <new>

#include "core/base/crypto.h"
#include "core/base/logging.h"
#include "core/readiness/scan_window.h"
#include "worker/engine/worker_metrics.h"

namespace nmcp::worker {

namespace log = nmcp::log;
using std::chrono::milliseconds;

namespace {
constexpr int kClaimsPerTick = 64;
constexpr milliseconds kIdleTick{1'000};
constexpr milliseconds kPoolFullRetry{100};  // a step the pool could not take yet
}  // namespace

std::string make_worker_id() {
  char host[256] = {0};
  if (::gethostname(host, sizeof host - 1) != 0) host[0] = '\0';
  return std::string(host[0] != '\0' ? host : "worker") + "-" + std::to_string(::getpid()) + "-" +
         random_hex(4);
}

// Lets the configuration holder call back into the engine only while it exists.
struct WorkerEngine::ReloadHook {
  std::mutex mu;
  WorkerEngine* engine = nullptr;
};

WorkerEngine::WorkerEngine(EngineOptions options, store::TaskStore& store,
                           config::ConfigHolder& config, const nmcp::Clock& clock)
    : options_(std::move(options)),
      store_(store),
      clock_(clock),
      steady_(steady_of(options_)),
      config_(config),
      driver_(store_, options_, clock_),
      pool_("steps", std::max<std::size_t>(1, options_.threads), 1U << 16U),
      reload_hook_(std::make_shared<ReloadHook>()),
      jobs_(steady_) {}

WorkerEngine::~WorkerEngine() { stop(); }

Status WorkerEngine::start(std::chrono::milliseconds first_probe_wait) {
  auto config = config_.current();
  if (!config) {
    return fail(ErrorCode::FailedPrecondition, "the worker needs a scanner configuration",
                "pass --config with a valid scanners.yaml");
  }
  auto registry = scanners::ScannerRegistry::create(config, {}, request_observer(options_.metrics));
  if (!registry) return fail(registry.error());
  {
    std::lock_guard lock(mu_);
    scanners_ = {config, std::shared_ptr<scanners::ScannerRegistry>(std::move(*registry))};
  }
  reload_hook_->engine = this;
  std::weak_ptr<ReloadHook> hook = reload_hook_;
  config_.on_change([hook](const std::shared_ptr<const config::ScannerConfig>& c) {
    if (auto h = hook.lock()) {
      std::lock_guard lock(h->mu);
      if (h->engine != nullptr) h->engine->on_config(c);
    }
  });
  // The first claim and the first probe are due at once; renewals one renewal period after.
  jobs_.add("scanner probe", options_.probe_interval, [this] { start_probe(); });
  jobs_.add("claim", options_.claim_interval, [this] { claim_work(); });
  jobs_.add(
      "lease renewal", renew_every(), [this] { renew_held(); }, renew_every());
  scheduler_ = std::thread([this] { run(); });
  {
    std::unique_lock lock(mu_);
    cv_.wait_for(lock, first_probe_wait, [this] { return probed_once_ || stopping_; });
  }
  std::string pools;
  for (const auto& p : options_.pools) pools += (pools.empty() ? "" : ",") + p;
  log::info("worker", "worker engine started",
            {{"worker_id", options_.worker_id},
             {"pools", pools.empty() ? "all" : pools},
             {"threads", options_.threads},
             {"store", store_.describe()}});
  return ok();
}

void WorkerEngine::on_config(std::shared_ptr<const config::ScannerConfig> config) {
  auto registry = scanners::ScannerRegistry::create(config, {}, request_observer(options_.metrics));
  if (!registry) {
    log::error("worker", "keeping the scanner registry: " + registry.error().message);
    return;
  }
  {
    std::lock_guard lock(mu_);
    scanners_ = {std::move(config),
                 std::shared_ptr<scanners::ScannerRegistry>(std::move(*registry))};
    woken_ = true;
  }
  start_probe();  // the new registry knows nothing of its instances' health yet
  cv_.notify_all();
  log::info("worker", "scanner registry rebuilt from the reloaded configuration");
}

void WorkerEngine::wake() {
  {
    std::lock_guard lock(mu_);
    woken_ = true;
  }
  cv_.notify_all();
}

void WorkerEngine::stop() {
  {
    std::lock_guard lock(reload_hook_->mu);
    reload_hook_->engine = nullptr;
  }
  {
    std::lock_guard lock(mu_);
    if (stopping_ && !scheduler_.joinable()) return;
    stopping_ = true;
  }
  cv_.notify_all();
  if (scheduler_.joinable()) scheduler_.join();
  pool_.shutdown();  // running steps finish; nothing new starts
  std::map<std::string, Held> held;
  {
    std::lock_guard lock(mu_);
    held.swap(held_);
  }
  int released = 0;
  for (const auto& [id, h] : held) {
    if (store_.release(id, h.lease, clock_.now())) ++released;
  }
  if (released > 0 || !held.empty()) {
    log::info("worker", "worker stopped; running scans were handed back to the queue",
              {{"released", released}});
  }
}

std::chrono::milliseconds WorkerEngine::renew_every() const {
  return milliseconds(store::LeaseTiming{options_.lease.count()}.renew_every());
}

std::size_t WorkerEngine::active() const {
  std::lock_guard lock(mu_);
  return held_.size();
}

ScannerSnapshot WorkerEngine::snapshot() const {
  std::lock_guard lock(mu_);
  return scanners_;
}

void WorkerEngine::run() {
  for (;;) {
    bool claim_now = false;
    {
      std::lock_guard lock(mu_);
      if (stopping_) return;
      claim_now = woken_;
      woken_ = false;
    }
    const milliseconds next_job = jobs_.run_due();  // claim, lease renewal, scanner probe
    if (claim_now) claim_work();
    const std::int64_t now = steady_.elapsed_ms();
    dispatch_due(now);

    std::unique_lock lock(mu_);
    std::int64_t wait = std::min<std::int64_t>(next_job.count(), kIdleTick.count());
    for (const auto& [id, h] : held_) {
      if (!h.lost && !h.in_flight) wait = std::min(wait, h.due_ms - now);
    }
    cv_.wait_for(lock, milliseconds(std::max<std::int64_t>(0, wait)),
                 [this] { return stopping_ || woken_ || rescheduled_; });
    rescheduled_ = false;
  }
}

std::map<std::string, std::vector<store::InstanceSlot>> WorkerEngine::offered_instances(
    const ScannerSnapshot& s) const {
  std::map<std::string, std::vector<store::InstanceSlot>> out;
  const auto now = registry_now(options_);
  for (const auto& pool : s.config->pools) {
    if (!options_.pools.empty() && std::find(options_.pools.begin(), options_.pools.end(),
                                             pool.name) == options_.pools.end()) {
      continue;
    }
    out[pool.name] = s.registry->usable(pool.name, now);
  }
  return out;
}

void WorkerEngine::claim_work() {
  // An unfit process (a clock away from the store's, a results directory nobody else reads)
  // takes nothing; the check logged why when it found out.
  if (options_.deployment != nullptr && !options_.deployment->may_take_work()) return;
  const ScannerSnapshot s = snapshot();
  store::ClaimRequest request;
  request.worker = options_.worker_id;
  request.lease_ms = options_.lease.count();
  request.max_failures = options_.max_failures;
  request.opens_inline_credentials = options_.secrets != nullptr;
  request.scan_timeout_ms =
      std::chrono::duration_cast<milliseconds>(s.config->defaults.scan_timeout).count();
  request.pools = offered_instances(s);
  for (const auto& pool : s.config->pools) {
    auto window = readiness::pool_window(pool, clock_.now());
    // A zone that cannot be read keeps the pool closed: scanning outside the agreed hours is
    // the worse mistake.
    if (!window || !window->open) request.closed_pools.insert(pool.name);
  }
  for (int i = 0; i < kClaimsPerTick; ++i) {
    {
      std::lock_guard lock(mu_);
      if (stopping_ || held_.size() >= options_.max_active) return;
    }
    request.now = clock_.now();
    auto claimed = store_.claim(request);
    if (!claimed) {
      log::warn("worker", "claiming work failed", {{"error", claimed.error().message}});
      return;
    }
    if (!claimed->has_value()) return;
    const task::Task& t = **claimed;
    log::info("worker", t.attempts > 1 ? "task resumed" : "task claimed",
              {{"task_id", t.id},
               {"trace_id", t.trace_id},
               {"pool", t.pool},
               {"instance", t.instance},
               {"step", task::to_string(t.step)},
               {"attempt", t.attempts}});
    std::lock_guard lock(mu_);
    held_[t.id] = Held{store::lease_of(t), steady_.elapsed_ms()};
  }
}

void WorkerEngine::renew_held() {
  std::vector<std::pair<std::string, store::Lease>> due;
  {
    std::lock_guard lock(mu_);
    for (const auto& [id, h] : held_) {
      if (!h.lost) due.emplace_back(id, h.lease);
    }
  }
  for (const auto& [id, lease] : due) {
    const auto r = store_.renew(id, lease, clock_.now(), clock_.now() + options_.lease.count());
    if (!r && r.error().code == ErrorCode::Unavailable) continue;  // still ours; next turn
    std::lock_guard lock(mu_);
    auto it = held_.find(id);
    if (it == held_.end() || it->second.lease.token != lease.token) continue;
    if (!r) {
      if (it->second.in_flight) {
        it->second.lost = true;  // the step's own writes will be refused; it drops the task
      } else {
        log::warn("worker", "lost the lease on a task", {{"task_id", id}});
        held_.erase(it);
      }
    } else if (r->cancel_requested && !it->second.in_flight) {
      it->second.due_ms = steady_.elapsed_ms();  // act on the cancel now
    }
  }
}

void WorkerEngine::dispatch_due(std::int64_t now) {
  std::vector<std::pair<std::string, store::Lease>> due;
  {
    std::lock_guard lock(mu_);
    for (auto& [id, h] : held_) {
      if (!h.in_flight && !h.lost && h.due_ms <= now) {
        h.in_flight = true;
        due.emplace_back(id, h.lease);
      }
    }
  }
  for (const auto& [id, lease] : due) {
    if (!pool_.try_submit([this, id = id, lease = lease] { run_step(id, lease); })) {
      std::lock_guard lock(mu_);
      auto it = held_.find(id);
      if (it != held_.end()) {
        it->second.in_flight = false;
        it->second.due_ms = now + kPoolFullRetry.count();
      }
    }
  }
}

void WorkerEngine::run_step(const std::string& task_id, const store::Lease& lease) {
  log::ScopedFields scope(nlohmann::json{{"task_id", task_id}});
  ScanDriver::Next next;
  try {
    next = driver_.step(task_id, lease, snapshot());
  } catch (const std::bad_alloc&) {
    log::error("worker", "step ran out of memory", {{"task_id", task_id}});
    next = driver_.crashed(task_id, lease, "out of memory");
  } catch (const std::exception& e) {
    // A bug must not take the worker down: the attempt counts as failed and is retried.
    log::error("worker", "step crashed", {{"task_id", task_id}, {"error", e.what()}});
    next = driver_.crashed(task_id, lease, e.what());
  }
  {
    std::lock_guard lock(mu_);
    auto it = held_.find(task_id);
    if (it == held_.end() || it->second.lease.token != lease.token) return;
    if (!next.keep || it->second.lost) {
      held_.erase(it);
      woken_ = true;  // a slot may have opened
    } else {
      it->second.in_flight = false;
      it->second.due_ms = steady_.elapsed_ms() + next.delay.count();
    }
    rescheduled_ = true;
  }
  cv_.notify_all();
}

void WorkerEngine::start_probe() {
  {
    std::lock_guard lock(mu_);
    if (probing_ || stopping_) return;
    probing_ = true;
  }
  if (!pool_.try_submit([this] { probe(); })) {
    std::lock_guard lock(mu_);
    probing_ = false;
  }
}

void WorkerEngine::probe() {
  try {
    const ScannerSnapshot s = snapshot();
    s.registry->probe_all(registry_now(options_), clock_.now());
    for (auto status : s.registry->statuses(registry_now(options_))) {
      status.updated_at = clock_.now();
      if (auto put = store_.put_scanner_status(status); !put) {
        log::warn("worker", "could not publish scanner health",
                  {{"instance", status.instance}, {"error", put.error().message}});
      }
    }
  } catch (const std::exception& e) {
    log::error("worker", "probing the scanners failed", {{"error", e.what()}});
  }
  {
    std::lock_guard lock(mu_);
    probing_ = false;
    probed_once_ = true;
    woken_ = true;  // health may have changed what can be claimed
  }
  cv_.notify_all();
}

}  // namespace nmcp::worker
