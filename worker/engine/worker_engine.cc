#include "worker/engine/worker_engine.h"

#include <unistd.h>

#include <algorithm>

#include "core/base/crypto.h"
#include "core/base/logging.h"

namespace nmcp::worker {

namespace log = nmcp::log;
using std::chrono::milliseconds;

namespace {
constexpr int kClaimsPerTick = 64;
constexpr milliseconds kIdleTick{1'000};
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
                           config::ConfigHolder& config)
    : options_(std::move(options)),
      store_(store),
      config_(config),
      driver_(store_, options_),
      pool_("steps", std::max<std::size_t>(1, options_.threads), 1U << 16U),
      reload_hook_(std::make_shared<ReloadHook>()) {}

WorkerEngine::~WorkerEngine() { stop(); }

Status WorkerEngine::start() {
  auto config = config_.current();
  if (!config) {
    return fail(ErrorCode::FailedPrecondition, "the worker needs a scanner configuration",
                "pass --config with a valid scanners.yaml");
  }
  auto registry = scanners::ScannerRegistry::create(config);
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
  scheduler_ = std::thread([this] { run(); });
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
  auto registry = scanners::ScannerRegistry::create(config);
  if (!registry) {
    log::error("worker", "keeping the scanner registry: " + registry.error().message);
    return;
  }
  {
    std::lock_guard lock(mu_);
    scanners_ = {std::move(config),
                 std::shared_ptr<scanners::ScannerRegistry>(std::move(*registry))};
    next_probe_ = {};
    woken_ = true;
  }
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
    if (store_.release(id, options_.worker_id, task::now_millis())) ++released;
  }
  if (released > 0 || !held.empty()) {
    log::info("worker", "worker stopped; running scans were handed back to the queue",
              {{"released", released}});
  }
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
    const auto now = Clock::now();
    if (now >= next_probe_) {
      next_probe_ = now + options_.probe_interval;
      bool start_probe = false;
      {
        std::lock_guard lock(mu_);
        if (!probing_) probing_ = start_probe = true;
      }
      if (start_probe && !pool_.try_submit([this] { probe(); })) {
        std::lock_guard lock(mu_);
        probing_ = false;
      }
    }
    bool claim_now = false;
    {
      std::lock_guard lock(mu_);
      if (stopping_) return;
      claim_now = woken_ || now >= next_claim_;
      woken_ = false;
    }
    if (claim_now) {
      next_claim_ = now + options_.claim_interval;
      claim_work(now);
    }
    renew_waiting(now);
    dispatch_due(now);

    std::unique_lock lock(mu_);
    auto wake_at = std::min(next_claim_, Clock::now() + kIdleTick);
    for (const auto& [id, h] : held_) {
      if (!h.in_flight) wake_at = std::min({wake_at, h.due, h.renew_due});
    }
    cv_.wait_until(lock, wake_at, [this] { return stopping_ || woken_ || rescheduled_; });
    rescheduled_ = false;
  }
}

std::map<std::string, std::vector<store::InstanceSlot>> WorkerEngine::offered_instances(
    const ScannerSnapshot& s, Clock::time_point now) const {
  std::map<std::string, std::vector<store::InstanceSlot>> out;
  for (const auto& pool : s.config->pools) {
    if (!options_.pools.empty() && std::find(options_.pools.begin(), options_.pools.end(),
                                             pool.name) == options_.pools.end()) {
      continue;
    }
    out[pool.name] = s.registry->usable(pool.name, now);
  }
  return out;
}

void WorkerEngine::claim_work(Clock::time_point now) {
  const ScannerSnapshot s = snapshot();
  store::ClaimRequest request;
  request.worker = options_.worker_id;
  request.lease_ms = options_.lease.count();
  request.pools = offered_instances(s, now);
  for (int i = 0; i < kClaimsPerTick; ++i) {
    {
      std::lock_guard lock(mu_);
      if (stopping_ || held_.size() >= options_.max_active) return;
    }
    request.now = task::now_millis();
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
    held_[t.id] = Held{Clock::now(), Clock::now() + options_.lease / 3, false};
  }
}

void WorkerEngine::renew_waiting(Clock::time_point now) {
  std::vector<std::string> due;
  {
    std::lock_guard lock(mu_);
    for (auto& [id, h] : held_) {
      if (!h.in_flight && h.renew_due <= now) {
        due.push_back(id);
        h.renew_due = now + options_.lease / 3;
      }
    }
  }
  for (const auto& id : due) {
    const auto r = store_.renew(id, options_.worker_id, task::now_millis(),
                                task::now_millis() + options_.lease.count());
    if (!r && r.error().code == ErrorCode::FailedPrecondition) {
      log::warn("worker", "lost the lease on a task", {{"task_id", id}});
      std::lock_guard lock(mu_);
      held_.erase(id);
    } else if (r && r->cancel_requested) {
      std::lock_guard lock(mu_);
      auto it = held_.find(id);
      if (it != held_.end()) it->second.due = now;  // act on the cancel now
    }
  }
}

void WorkerEngine::dispatch_due(Clock::time_point now) {
  std::vector<std::string> due;
  {
    std::lock_guard lock(mu_);
    for (auto& [id, h] : held_) {
      if (!h.in_flight && h.due <= now) {
        h.in_flight = true;
        due.push_back(id);
      }
    }
  }
  for (const auto& id : due) {
    if (!pool_.try_submit([this, id] { run_step(id); })) {
      std::lock_guard lock(mu_);
      auto it = held_.find(id);
      if (it != held_.end()) {
        it->second.in_flight = false;
        it->second.due = now + milliseconds(100);
      }
    }
  }
}

void WorkerEngine::run_step(const std::string& task_id) {
  ScanDriver::Next next;
  try {
    next = driver_.step(task_id, snapshot());
  } catch (const std::exception& e) {
    // A bug must not take the worker down; the lease expires and the task is retried.
    log::error("worker", "step crashed", {{"task_id", task_id}, {"error", e.what()}});
    next = {};
  }
  {
    std::lock_guard lock(mu_);
    auto it = held_.find(task_id);
    if (it == held_.end()) return;
    if (!next.keep) {
      held_.erase(it);
      woken_ = true;  // a slot may have opened
    } else {
      it->second.in_flight = false;
      it->second.due = Clock::now() + next.delay;
      it->second.renew_due = Clock::now() + options_.lease / 3;
    }
    rescheduled_ = true;
  }
  cv_.notify_all();
}

void WorkerEngine::probe() {
  const ScannerSnapshot s = snapshot();
  s.registry->probe_all(Clock::now());
  const auto described = s.registry->describe(Clock::now());
  for (const auto& instance : described) {
    (void)store_.put_scanner_status(instance.at("id").get<std::string>(), instance,
                                    task::now_millis());
  }
  {
    std::lock_guard lock(mu_);
    probing_ = false;
    woken_ = true;  // health may have changed what can be claimed
  }
  cv_.notify_all();
}

}  // namespace nmcp::worker
