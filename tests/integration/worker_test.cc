// The worker against a real nessus-sim: ScanDriver step by step (permanent errors dead-letter
// with a hint, a retry re-attaches to a scan an earlier attempt created), and the nessus-worker
// binary as a process (runs queued scans; SIGTERM hands running scans back promptly).

#include <signal.h>

#include <filesystem>
#include <fstream>

#include <doctest/doctest.h>

#include "core/audit/audit_log.h"
#include "core/base/clock.h"
#include "core/findings/results_location.h"
#include "core/store/open_store.h"
#include "scanners/registry/scanner_registry.h"
#include "tests/support/eventually.h"
#include "tests/support/nessus_sim.h"
#include "tests/support/open_gate.h"
#include "worker/engine/nessus_cleanup.h"
#include "worker/engine/scan_driver.h"
#include "worker/engine/scan_naming.h"
#include "worker/engine/worker_engine.h"

using namespace nmcp;
using namespace std::chrono_literals;
using nmcp::ManualClock;
using testing::eventually;
using testing::SimProcess;
using testing::TempDir;

namespace {

// A queued untrusted task of "local" in pool "default", as a submit would store it.
task::Task queued_task(const std::string& name, const std::string& targets = "10.0.0.1") {
  task::Task t;
  t.id = task::new_task_id();
  t.owner = "local";
  t.pool = "default";
  t.targets = targets;
  t.name = name;
  t.created_at = t.not_before = task::now_millis();
  return t;
}

std::shared_ptr<const config::ScannerConfig> sim_config(const config::InstanceConfig& instance) {
  auto c = std::make_shared<config::ScannerConfig>();
  config::PoolConfig pool;
  pool.name = "default";
  pool.scope.allow = {*net::Cidr::parse("10.0.0.0/8")};
  pool.instances = {instance};
  c->pools = {pool};
  c->defaults.pool = "default";
  return c;
}

// A store, a registry over one simulator, and the driver on a manual clock: time-based rules
// (backoff, the scan timeout) move with the clock, not with sleeps. The simulator keeps its own
// time, so waits between polls still pass a few real milliseconds.
struct Rig {
  TempDir dir;
  ManualClock clock{task::now_millis()};
  std::unique_ptr<store::TaskStore> store;
  worker::EngineOptions options;
  worker::ScannerSnapshot scanners;
  std::map<std::string, store::Lease> leases;

  explicit Rig(const config::InstanceConfig& instance) {
    auto s = store::open_store("sqlite:" + dir.path() + "/tasks.db");
    REQUIRE(s);
    store = std::move(*s);
    options.worker_id = "test-worker";
    options.data_dir = dir.path();
    options.poll_interval = 10ms;
    options.export_poll = 10ms;
    auto config = sim_config(instance);
    auto registry = scanners::ScannerRegistry::create(config);
    REQUIRE(registry);
    scanners = {config, std::shared_ptr<scanners::ScannerRegistry>(std::move(*registry))};
  }

  std::string submit(const std::string& name = "worker test") {
    task::Task t = queued_task(name);
    t.created_at = t.not_before = clock.now();
    REQUIRE(store->submit(t));
    return t.id;
  }

  // Claims the task as this rig's worker, or returns false when it is not claimable now.
  bool try_claim(const std::string& id) {
    store::ClaimRequest r;
    r.worker = options.worker_id;
    r.now = clock.now();
    r.opens_inline_credentials = options.secrets != nullptr;
    r.pools["default"] = {{scanners.config->pools[0].instances[0].id, 10}};
    auto c = store->claim(r);
    REQUIRE(c);
    if (!c->has_value()) return false;
    REQUIRE((*c)->id == id);
    leases[id] = store::lease_of(**c);
    return true;
  }
  void claim(const std::string& id) { REQUIRE(try_claim(id)); }

  worker::ScanDriver driver() { return worker::ScanDriver(*store, options, clock); }

  task::Task get(const std::string& id) {
    auto t = store->get(id, store::OwnerScope::everyone());
    REQUIRE(t);
    return *t;
  }

  // Runs steps until the driver lets the task go.
  task::Task drive(const std::string& id) {
    auto d = driver();
    for (int i = 0; i < 2000; ++i) {
      const auto next = d.step(id, leases[id], scanners);
      if (!next.keep) break;
      clock.advance(next.delay.count());
      std::this_thread::sleep_for(std::min<std::chrono::milliseconds>(next.delay, 10ms));
    }
    return get(id);
  }
};

}  // namespace

TEST_CASE("worker: a scan driven step by step completes with one Nessus scan") {
  SimProcess sim;
  Rig rig(sim.api_keys_instance());
  const auto id = rig.submit();
  rig.claim(id);
  const auto t = rig.drive(id);
  CHECK(t.state == task::State::Completed);
  CHECK(t.summary["hosts"] == 1);
  CHECK(sim.stats()["scans_created"] == 1);
  CHECK(sim.stats()["scans_launched"] == 1);
}

TEST_CASE("worker: one 400 on a GET gets a second look; a repeated one is a rejection") {
  SimProcess sim;
  Rig rig(sim.api_keys_instance());
  const auto once = rig.submit();
  rig.claim(once);
  sim.set_faults({{"error_burst", 1}, {"error_status", 400}});  // the template list's GET
  CHECK(rig.drive(once).state == task::State::Completed);
}

TEST_CASE("worker: 429 with Retry-After is a back-off, not a failure, however often it comes") {
  SimProcess sim;
  Rig rig(sim.api_keys_instance());
  rig.options.max_failures = 2;
  const auto id = rig.submit();
  // Tenable's concurrency limit, more times than max_failures would allow failures.
  for (int round = 0; round < 4; ++round) {
    CAPTURE(round);
    rig.claim(id);
    sim.set_faults({{"error_burst", 1}, {"error_status", 429}, {"retry_after_seconds", 7}});
    const auto waiting = rig.drive(id);
    CHECK(waiting.state == task::State::Queued);
    CHECK(waiting.failures == 0);
    CHECK_FALSE(waiting.dead_lettered);
    CHECK(waiting.not_before == rig.clock.now() + 7000);
    CHECK_FALSE(rig.try_claim(id));  // not before Retry-After
    rig.clock.advance(7000);
  }
  sim.set_faults({{"error_burst", 0}, {"retry_after_seconds", 0}});
  rig.claim(id);
  const auto done = rig.drive(id);
  CHECK(done.state == task::State::Completed);
  CHECK(done.failures == 0);
  CHECK(sim.stats()["scans_created"] == 1);
}

TEST_CASE("worker: a Nessus rejection dead-letters the task with the error and a hint") {
  SimProcess sim;
  Rig rig(sim.api_keys_instance());
  const auto id = rig.submit();
  rig.claim(id);
  sim.set_faults({{"error_burst", 2}, {"error_status", 400}});  // the GET and its second look
  const auto t = rig.drive(id);
  CHECK(t.state == task::State::Failed);
  CHECK(t.dead_lettered);
  CHECK(t.error.code == "nessus_rejected");
  CHECK(t.error.message.find("HTTP 400") != std::string::npos);
  CHECK_FALSE(t.error.hint.empty());
}

TEST_CASE("worker: refused API keys dead-letter the task as an auth error") {
  SimProcess sim;
  auto instance = sim.api_keys_instance();
  instance.auth.secret_key = std::string(64, 'f');
  Rig rig(instance);
  const auto id = rig.submit();
  rig.claim(id);
  const auto t = rig.drive(id);
  CHECK(t.state == task::State::Failed);
  CHECK(t.dead_lettered);
  CHECK(t.error.code == "nessus_auth");
  CHECK(t.error.message.find(testing::kSimSecretKey) == std::string::npos);
  CHECK(sim.stats()["scans_created"] == 0);
}

TEST_CASE("worker: a retry re-attaches to the scan an unrecorded attempt created") {
  SimProcess sim;
  Rig rig(sim.api_keys_instance());
  const auto id = rig.submit("crashy");
  rig.claim(id);
  // The first attempt created the scan on Nessus and died before recording its id.
  scanners::CreateScanRequest orphan;
  orphan.name = "crashy [" + id + "]";
  orphan.targets = "10.0.0.1";
  auto created =
      rig.scanners.registry->client("sim")->create_scan(orphan, nmcp::testing::open_gate());
  REQUIRE(created);
  REQUIRE(rig.store->release(id, rig.leases[id], rig.clock.now()));
  rig.claim(id);  // attempt 2
  const auto t = rig.drive(id);
  CHECK(t.state == task::State::Completed);
  CHECK(t.nessus_scan_id == created->id);
  CHECK(sim.stats()["scans_created"] == 1);
  CHECK(sim.stats()["scans_launched"] == 1);
}

TEST_CASE("nessus-worker: runs queued scans; SIGTERM hands a running scan back promptly") {
  SimProcess sim({"--scan-seconds", "5"});
  TempDir dir;
  const std::string config = dir.file("scanners.yaml", R"(
pools:
  default:
    scope: {allow: [10.0.0.0/8]}
    instances:
      - id: sim
        url: )" + sim.url() + R"(
        auth:
          mode: api_keys
          access_key: )" + testing::kSimAccessKey + R"(
          secret_key: )" + testing::kSimSecretKey + R"(
        tls:
          fingerprint: sha256:)" + sim.fingerprint() + "\n");
  auto opened = store::open_store("sqlite:" + dir.path() + "/data/nessus-mcp.db");
  REQUIRE(opened);
  auto& store = **opened;
  auto submit = [&] {
    const task::Task t = queued_task("from the queue");
    REQUIRE(store.submit(t));
    return t.id;
  };
  sim.set_faults({{"scan_outcome", "hang"}});
  const std::string id = submit();
  testing::Subprocess worker({NMCP_WORKER_BINARY, "--config", config, "--data-dir",
                              dir.path() + "/data", "--poll-interval-ms", "50",
                              "--claim-interval-ms", "50", "--log-format", "json"});
  const bool polling = eventually(
      [&] {
        auto t = store.get(id, store::OwnerScope::everyone());
        return t && t->step == task::Step::Poll;
      },
      30s);
  INFO("worker log: " << worker.stderr_text());
  REQUIRE(polling);
  const auto stop_started = std::chrono::steady_clock::now();
  worker.signal(SIGTERM);
  const auto code = worker.wait(10s);
  REQUIRE(code.has_value());
  CHECK(*code == 0);
  CHECK(std::chrono::steady_clock::now() - stop_started < 5s);
  auto t = store.get(id, store::OwnerScope::everyone());
  REQUIRE(t);
  CHECK(t->state == task::State::Queued);  // handed back, not lost
  CHECK(t->nessus_scan_id.has_value());
  CHECK(t->step == task::Step::Poll);
  CHECK(worker.stderr_text().find("handed back") != std::string::npos);

  // A new worker resumes it once the scan can finish.
  sim.set_faults({{"scan_outcome", "complete"}});
  REQUIRE(store.request_cancel(id, store::OwnerScope::tenant("local"),
                               task::now_millis()));  // the hung scan never ends
  testing::Subprocess second({NMCP_WORKER_BINARY, "--config", config, "--data-dir",
                              dir.path() + "/data", "--poll-interval-ms", "50",
                              "--claim-interval-ms", "50", "--export-poll-ms", "50"});
  const bool cancelled = eventually(
      [&] {
        auto c = store.get(id, store::OwnerScope::everyone());
        return c && c->state == task::State::Cancelled;
      },
      30s);  // generous: sanitizer builds on a loaded machine are slow to start
  INFO("second worker log: " << second.stderr_text());
  REQUIRE(cancelled);
  const std::string fresh = submit();
  REQUIRE(eventually(
      [&] {
        auto c = store.get(fresh, store::OwnerScope::everyone());
        return c && c->state == task::State::Completed;
      },
      30s));
  second.signal(SIGTERM);
  CHECK(second.wait(10s) == 0);
}

TEST_CASE("worker: the wall-clock scan timeout stops the Nessus scan") {
  SimProcess sim;
  sim.set_faults({{"scan_outcome", "hang"}});
  Rig rig(sim.api_keys_instance());
  auto config = std::make_shared<config::ScannerConfig>(*rig.scanners.config);
  config->defaults.scan_timeout = std::chrono::minutes(1);
  const auto id = rig.submit();
  rig.claim(id);
  // Create and launch first, then let the limit apply.
  auto driver = rig.driver();
  const auto lease = rig.leases[id];
  REQUIRE(driver.step(id, lease, rig.scanners).keep);  // create
  REQUIRE(driver.step(id, lease, rig.scanners).keep);  // launch
  // The scan runs a minute and a millisecond, polled (and its lease renewed) halfway.
  rig.clock.advance(30'000);
  REQUIRE(driver.step(id, lease, rig.scanners).keep);  // poll: still running
  rig.clock.advance(30'001);
  worker::ScannerSnapshot strict{config, rig.scanners.registry};
  CHECK_FALSE(driver.step(id, lease, strict).keep);
  auto t = std::optional<task::Task>(rig.get(id));
  CHECK(t->state == task::State::TimedOut);
  CHECK(t->error.code == "scan_timeout");
  auto details = rig.scanners.registry->client("sim")->scan_details(*t->nessus_scan_id);
  REQUIRE(details);
  CHECK(details->status != "running");  // stopped on Nessus
}

TEST_CASE("worker: a closing scan window pauses and resumes, stops, or lets the scan run") {
  // Daily 22:00-06:00 UTC; the rig's clock starts inside the window, an hour before it closes.
  const task::Millis inside = 1'796'187'600'000;  // 2026-12-02T05:00:00Z
  const task::Millis closed = inside + 3'600'000 + 1000;
  const task::Millis reopened = inside + 17 * 3'600'000 + 1000;  // 22:00:01
  auto windowed = [](const worker::ScannerSnapshot& base, config::WindowClose on_close) {
    auto c = std::make_shared<config::ScannerConfig>(*base.config);
    config::ScanWindow w;
    w.days.fill(true);
    w.start_minute = 22 * 60;
    w.end_minute = 6 * 60;
    w.text = "daily 22:00-06:00 UTC";
    w.on_close = on_close;
    c->pools[0].window = w;
    return worker::ScannerSnapshot{c, base.registry};
  };
  for (const auto mode :
       {config::WindowClose::Pause, config::WindowClose::Stop, config::WindowClose::Continue}) {
    CAPTURE(config::to_string(mode));
    SimProcess sim;
    sim.set_faults({{"scan_outcome", "hang"}});  // runs until something stops it
    Rig rig(sim.api_keys_instance());
    auto log = audit::AuditLog::open(rig.dir.path() + "/audit.log");
    REQUIRE(log);
    rig.options.audit = *log;
    // Each window action is one audit line: {deny lines, allow lines} at the end.
    auto audited = [&] {
      std::pair<int, int> n{0, 0};
      REQUIRE(audit::read_audit((*log)->path(), {}, [&](const nlohmann::json& e) {
        CHECK(e["pool"] == "default");
        (e["decision"] == "deny" ? n.first : n.second) += 1;
      }));
      return n;
    };
    rig.clock.set(inside);
    const auto snapshot = windowed(rig.scanners, mode);
    const auto id = rig.submit();
    rig.claim(id);
    auto driver = rig.driver();
    const auto lease = rig.leases[id];
    auto status = [&] {
      auto d = rig.scanners.registry->client("sim")->scan_details(*rig.get(id).nessus_scan_id);
      REQUIRE(d);
      return d->status;
    };
    // Steps until Nessus reports `want` (the simulator moves on its own, quickly).
    auto step_until = [&](const std::string& want) {
      for (int i = 0; i < 500 && status() != want; ++i) {
        REQUIRE(driver.step(id, lease, snapshot).keep);
        std::this_thread::sleep_for(2ms);
      }
      CHECK(status() == want);
    };
    REQUIRE(driver.step(id, lease, snapshot).keep);  // create
    REQUIRE(driver.step(id, lease, snapshot).keep);  // launch
    step_until("running");
    rig.clock.set(closed);
    if (mode == config::WindowClose::Stop) {
      CHECK_FALSE(driver.step(id, lease, snapshot).keep);
      const auto t = rig.get(id);
      CHECK(t.state == task::State::Cancelled);
      CHECK(t.error.code == "window_closed");
      CHECK(t.error.message.find("daily 22:00-06:00 UTC") != std::string::npos);
      CHECK(status() != "running");
      CHECK(audited() == std::pair{1, 0});
      continue;
    }
    REQUIRE(driver.step(id, lease, snapshot).keep);
    if (mode == config::WindowClose::Continue) {
      for (int i = 0; i < 5; ++i) REQUIRE(driver.step(id, lease, snapshot).keep);
      CHECK(status() == "running");
      CHECK_FALSE(rig.get(id).window_paused);
      CHECK(audited() == std::pair{0, 0});
      continue;
    }
    CHECK(rig.get(id).window_paused);
    step_until("paused");
    for (int i = 0; i < 3; ++i) REQUIRE(driver.step(id, lease, snapshot).keep);
    CHECK(status() == "paused");  // stays paused while the window is shut
    rig.clock.set(reopened);
    REQUIRE(driver.step(id, lease, snapshot).keep);
    CHECK_FALSE(rig.get(id).window_paused);
    step_until("running");
    CHECK(rig.get(id).state == task::State::Running);
    CHECK(sim.stats()["scans_created"] == 1);
    CHECK(audited() == std::pair{1, 1});  // paused once, resumed once
  }
}

TEST_CASE("worker: outside its window a pool's queued scans wait; launched ones are taken") {
  SimProcess sim;
  Rig rig(sim.api_keys_instance());
  const auto queued = rig.submit("waits");
  store::ClaimRequest r;
  r.worker = "other-worker";
  r.now = rig.clock.now();
  r.lease_ms = 1000;
  r.pools["default"] = {{rig.scanners.config->pools[0].instances[0].id, 10}};
  r.closed_pools = {"default"};
  auto none = rig.store->claim(r);
  REQUIRE(none);
  CHECK_FALSE(none->has_value());
  // Launched inside the window by a worker that then died: taken back, to pause or stop it.
  rig.claim(queued);
  auto driver = rig.driver();
  REQUIRE(driver.step(queued, rig.leases[queued], rig.scanners).keep);  // create
  REQUIRE(driver.step(queued, rig.leases[queued], rig.scanners).keep);  // launch
  r.now = rig.clock.now() + 3'600'000;                                  // its lease long expired
  auto taken = rig.store->claim(r);
  REQUIRE(taken);
  REQUIRE(taken->has_value());
  CHECK((*taken)->id == queued);
}

TEST_CASE("admin_cli: stats, task show and cancel, DLQ purge, config check") {
  TempDir dir;
  const std::string data = dir.path() + "/data";
  auto opened = store::open_store("sqlite:" + data + "/nessus-mcp.db");
  REQUIRE(opened);
  auto& store = **opened;
  const task::Task t = queued_task("admin");
  REQUIRE(store.submit(t));

  auto run = [&](std::vector<std::string> args, std::string* out = nullptr) {
    std::vector<std::string> argv = {NMCP_ADMIN_BINARY, "--data-dir", data};
    argv.insert(argv.end(), args.begin(), args.end());
    testing::Subprocess p(argv);
    p.close_stdin();
    std::string text;
    while (auto line = p.read_line(5000ms)) text += *line + "\n";
    if (out != nullptr) *out = text + p.stderr_text();
    return p.wait(10s).value_or(-1);
  };
  std::string out;
  CHECK(run({"--json", "stats"}, &out) == 0);
  auto stats = nlohmann::json::parse(out.substr(0, out.rfind('}') + 1));
  CHECK(stats["pools"][0]["queued"] == 1);
  CHECK(run({"task", "show", t.id}, &out) == 0);
  CHECK(out.find("admin") != std::string::npos);
  CHECK(run({"task", "show", "../etc/passwd"}, &out) == 2);
  CHECK(run({"task", "cancel", t.id}, &out) == 0);
  CHECK(store.get(t.id, store::OwnerScope::everyone())->state == task::State::Cancelled);
  CHECK(run({"purge-dlq"}, &out) == 2);  // not interactive, no --yes
  CHECK(out.find("--yes") != std::string::npos);
  CHECK(run({"purge-dlq", "--yes", "--older-than", "7d"}, &out) == 0);
  CHECK(run({"retry-dlq", t.id}, &out) == 1);  // not dead-lettered
  CHECK(run({"config", "check", dir.file("bad.yaml", "pools: [")}, &out) == 1);
  CHECK(run({"config", "check", std::string(NMCP_SOURCE_DIR) + "/config/scanners.yaml"}, &out) ==
        0);
  CHECK(run({"frobnicate"}, &out) == 2);
}

TEST_CASE("worker: inline credentials reach Nessus sealed, and are erased once the scan exists") {
  SimProcess sim;
  Rig rig(sim.api_keys_instance());
  auto box = SecretBox::from_hex_key(std::string(64, '7'));
  REQUIRE(box);
  rig.options.secrets = *box;
  task::Task t = queued_task("inline", "10.0.0.9");
  t.scan_type = task::ScanType::Authenticated;
  t.sealed_credentials = (*box)->seal(nlohmann::json{
      {"username", testing::kSimSshUser},
      {"password",
       testing::kSimSshPassword}}.dump());
  t.created_at = t.not_before = rig.clock.now();
  REQUIRE(rig.store->submit(t));
  rig.claim(t.id);
  auto driver = rig.driver();
  REQUIRE(driver.step(t.id, rig.leases[t.id], rig.scanners).keep);  // create
  auto after_create = std::optional<task::Task>(rig.get(t.id));
  CHECK(after_create->nessus_scan_id.has_value());
  CHECK(after_create->sealed_credentials.empty());
  const auto done = rig.drive(t.id);
  CHECK(done.state == task::State::Completed);
  CHECK(done.validation["credentials"] == "success");

  // Without the key the task cannot use them: it fails with a clear reason, not a crash.
  task::Task orphan = t;
  orphan.id = task::new_task_id();
  orphan.nessus_scan_id.reset();
  orphan.state = task::State::Queued;
  orphan.step = task::Step::Create;
  REQUIRE(rig.store->submit(orphan));
  rig.claim(orphan.id);
  rig.options.secrets = nullptr;
  const auto refused = rig.drive(orphan.id);
  CHECK(refused.state == task::State::Failed);
  CHECK(refused.error.code == "credentials_unavailable");
}

TEST_CASE("worker: a burst of 503s is retried with backoff and the scan completes") {
  SimProcess sim;
  Rig rig(sim.api_keys_instance());
  const auto id = rig.submit();
  sim.set_faults({{"error_burst", 2}, {"error_status", 503}});
  int failed_attempts = 0;
  task::Task t;
  for (int attempt = 0; attempt < 5; ++attempt) {
    rig.clock.advance(rig.options.backoff_cap.count());  // past any backoff
    rig.claim(id);
    t = rig.drive(id);
    if (t.state != task::State::Queued) break;
    ++failed_attempts;
    CHECK(t.error.code == "nessus_transient");
    CHECK(t.failures == failed_attempts);
    CHECK(t.not_before > rig.clock.now());  // it waits for its backoff
    CHECK_FALSE(rig.try_claim(id));
  }
  CHECK(failed_attempts == 2);  // each 503 cost one attempt
  CHECK(t.state == task::State::Completed);
  CHECK(sim.stats()["scans_created"] == 1);
}

TEST_CASE("nessus-worker: two workers and a lease shorter than every step: one scan per task") {
  // Every Nessus answer takes longer than the whole lease: before leases were renewed during a
  // step, each step let the other worker (or the same one) take the task again, and 8 tasks made
  // 10 scans and 18 exports.
  SimProcess sim({"--latency-ms", "400", "--speed", "1000"});
  TempDir dir;
  const std::string config = dir.file("scanners.yaml", R"(
pools:
  default:
    scope: {allow: [10.0.0.0/8]}
    instances:
      - id: sim
        url: )" + sim.url() + R"(
        auth:
          mode: api_keys
          access_key: )" + testing::kSimAccessKey + R"(
          secret_key: )" + testing::kSimSecretKey + R"(
        tls:
          fingerprint: sha256:)" + sim.fingerprint() + R"(
        max_concurrent_scans: 8
)");
  const std::string data = dir.path() + "/data";
  auto opened = store::open_store("sqlite:" + data + "/nessus-mcp.db");
  REQUIRE(opened);
  auto& store = **opened;
  std::vector<std::string> ids;
  for (int i = 0; i < 8; ++i) {
    const task::Task t = queued_task("slow " + std::to_string(i), "10.0.1." + std::to_string(i));
    REQUIRE(store.submit(t));
    ids.push_back(t.id);
  }
  auto start_worker = [&] {
    return std::make_unique<testing::Subprocess>(std::vector<std::string>{
        NMCP_WORKER_BINARY, "--config", config, "--data-dir", data, "--lease-ms", "300",
        "--poll-interval-ms", "50", "--claim-interval-ms", "50", "--export-poll-ms", "50",
        "--probe-interval-ms", "60000"});
  };
  auto w1 = start_worker();
  auto w2 = start_worker();
  const bool all_done = eventually(
      [&] {
        for (const auto& id : ids) {
          auto t = store.get(id, store::OwnerScope::everyone());
          if (!t || !task::is_terminal(t->state)) return false;
        }
        return true;
      },
      120s);
  INFO("worker 1 log: " << w1->stderr_text());
  INFO("worker 2 log: " << w2->stderr_text());
  REQUIRE(all_done);
  for (const auto& id : ids) {
    auto t = store.get(id, store::OwnerScope::everyone());
    REQUIRE(t);
    CHECK(t->state == task::State::Completed);
    CHECK_FALSE(t->dead_lettered);
    // A worker starved of CPU for longer than the 300 ms lease (a busy machine) may lose a task
    // to the other between steps: that is what leases are for. What the product promises is
    // below: one scan created and launched, one export requested, per task, whoever held it.
    CHECK(t->attempts >= 1);
    auto paths = findings::results_paths(data, id);
    REQUIRE(paths);
    REQUIRE(std::filesystem::exists(paths->index_file));
    // No attempt's temporary file is left behind.
    for (const auto& e : std::filesystem::directory_iterator(paths->dir)) {
      const std::string name = e.path().filename().string();
      CHECK((name == "scan.nessus" || name == "findings.db"));
    }
  }
  const auto stats = sim.stats();
  CHECK(stats["scans_created"] == 8);
  CHECK(stats["scans_launched"] == 8);
  // An export request that left just before its worker stalled and lost the task may be made
  // again by the next holder (it creates a file, never a scan); before leases were renewed
  // during a step, 8 tasks made 18.
  CHECK(stats["exports_requested"] >= 8);
  // A download is a read: a worker that took a task over after a stall may fetch it again.
  CHECK(stats["requests"].value("GET /scans/{id}/export/{id}/download", 0) >= 8);
  w1->signal(SIGTERM);
  w2->signal(SIGTERM);
  CHECK(w1->wait(10s) == 0);
  CHECK(w2->wait(10s) == 0);
}

TEST_CASE("worker engine: reloading the configuration while it runs scans") {
  // SIGHUP swaps the registry while the scheduler claims, probes and steps; under TSan this
  // shows whether any of the engine's state is touched without its lock.
  SimProcess sim({"--speed", "1000"});
  TempDir dir;
  const std::string text = R"(pools:
  default:
    scope: {allow: [10.0.0.0/8]}
    instances:
      - id: sim
        url: )" + sim.url() +
                           R"(
        auth:
          mode: api_keys
          access_key: )" + testing::kSimAccessKey +
                           R"(
          secret_key: )" + testing::kSimSecretKey +
                           R"(
        tls:
          fingerprint: sha256:)" +
                           sim.fingerprint() + "\n";
  const std::string path = dir.file("scanners.yaml", text);
  config::ConfigHolder holder(path, config::process_environment());
  REQUIRE(holder.reload());
  auto opened = store::open_store("sqlite:" + dir.path() + "/tasks.db");
  REQUIRE(opened);
  auto& store = **opened;
  worker::EngineOptions o;
  o.worker_id = "reload-test";
  o.data_dir = dir.path();
  o.poll_interval = 10ms;
  o.export_poll = 10ms;
  o.claim_interval = 10ms;
  o.probe_interval = 20ms;
  worker::WorkerEngine engine(o, store, holder);
  REQUIRE(engine.start());
  std::vector<std::string> ids;
  for (int i = 0; i < 6; ++i) {
    const task::Task t = queued_task("reload " + std::to_string(i), "10.0.2." + std::to_string(i));
    REQUIRE(store.submit(t));
    ids.push_back(t.id);
    engine.wake();
    REQUIRE(holder.reload());  // each reload rebuilds the registry and asks for a probe
  }
  const bool done = eventually(
      [&] {
        for (const auto& id : ids) {
          auto t = store.get(id, store::OwnerScope::everyone());
          if (!t || t->state != task::State::Completed) return false;
        }
        return true;
      },
      60s);
  engine.stop();
  CHECK(done);
  CHECK(sim.stats()["scans_created"] == 6);
}

TEST_CASE("housekeeping's Nessus clean-up deletes only the scan the task created, at its id") {
  SimProcess sim;
  const auto config = sim_config(sim.api_keys_instance("sim"));
  auto registry = scanners::ScannerRegistry::create(config);
  REQUIRE(registry);
  scanners::NessusClient& client = *(*registry)->client("sim");
  task::Task ours = queued_task("weekly dmz");
  ours.instance = "sim";
  // The scan this task created, named as the worker names it.
  scanners::CreateScanRequest req;
  req.name = worker::nessus_scan_name(ours);
  req.targets = "10.0.0.1";
  auto created = client.create_scan(req, nmcp::testing::open_gate());
  REQUIRE(created);
  ours.nessus_scan_id = created->id;
  // A person's scan with the very same name, at another id.
  auto theirs = client.create_scan(req, nmcp::testing::open_gate());
  REQUIRE(theirs);
  // A task whose recorded id now holds a scan someone else made under another name.
  task::Task reused = queued_task("old scan");
  reused.instance = "sim";
  scanners::CreateScanRequest other;
  other.name = "a person's scan";
  other.targets = "10.0.0.2";
  auto person = client.create_scan(other, nmcp::testing::open_gate());
  REQUIRE(person);
  reused.nessus_scan_id = person->id;

  worker::NessusCleanup cleanup([config] { return config; });
  REQUIRE(cleanup.delete_scan(ours, nmcp::testing::open_gate()));
  CHECK(client.scan_details(created->id).error().kind == scanners::NessusErrorKind::NotFound);
  CHECK(client.scan_details(theirs->id));  // same name, other id: untouched
  auto refused = cleanup.delete_scan(reused, nmcp::testing::open_gate());
  REQUIRE_FALSE(refused);
  CHECK(refused.error().code == ErrorCode::NotFound);
  CHECK(client.scan_details(person->id));  // another name at the id: untouched
  // Already gone: NotFound, so housekeeping deletes the record without waiting.
  CHECK(cleanup.delete_scan(ours, nmcp::testing::open_gate()).error().code == ErrorCode::NotFound);
  // An instance no longer configured: NotFound too, nothing called.
  task::Task gone = ours;
  gone.instance = "removed";
  CHECK(cleanup.delete_scan(gone, nmcp::testing::open_gate()).error().code == ErrorCode::NotFound);
}

TEST_CASE("admin_cli housekeeping run killed -9 halfway: nothing half-deleted, a rerun finishes") {
  TempDir dir;
  const std::string data = dir.path() + "/data";
  const int n = 3000;
  const task::Millis old = task::now_millis() - 60LL * 86'400'000;
  {
    auto opened = store::open_store("sqlite:" + data + "/nessus-mcp.db");
    REQUIRE(opened);
    for (int i = 0; i < n; ++i) {
      task::Task t = queued_task("old " + std::to_string(i));
      t.created_at = t.not_before = old + i;
      auto paths = findings::results_paths(data, t.id);
      REQUIRE(paths);
      std::filesystem::create_directories(paths->dir);
      std::ofstream(paths->export_file) << std::string(2000, 'x');
      std::ofstream(paths->index_file) << std::string(1000, 'y');
      // Written when the scan finished, two months ago, as real results would have been.
      const auto then = std::chrono::file_clock::from_sys(
          std::chrono::system_clock::time_point(std::chrono::milliseconds(old)));
      for (const auto& f : {paths->export_file, paths->index_file, paths->dir}) {
        std::filesystem::last_write_time(f, then);
      }
      REQUIRE((*opened)->import_completed(t));
    }
  }
  const auto dirs_left = [&] {
    std::size_t count = 0;
    for (const auto& e : std::filesystem::directory_iterator(data + "/results")) {
      if (task::is_valid_task_id(e.path().filename().string())) ++count;
    }
    return count;
  };
  const std::string config =
      dir.file("scanners.yaml",
               "pools:\n  default:\n    scope: {allow: [10.0.0.0/8]}\n    instances:\n      - id: "
               "a\n        url: https://127.0.0.1:1\n        auth: {mode: api_keys, access_key: " +
                   std::string(64, 'a') + ", secret_key: " + std::string(64, 'b') +
                   "}\n        tls: {insecure: true}\n");
  {
    testing::Subprocess p(
        {NMCP_ADMIN_BINARY, "--data-dir", data, "housekeeping", "run", "--config", config});
    p.close_stdin();
    // Killed once it has deleted some but not all.
    REQUIRE(testing::eventually([&] { return dirs_left() < static_cast<std::size_t>(n) - 200; },
                                std::chrono::seconds(60)));
    p.signal(SIGKILL);
    (void)p.wait(std::chrono::seconds(10));
  }
  // Every task a tool could still see has its results; the rest are gone or set aside.
  auto opened = store::open_store("sqlite:" + data + "/nessus-mcp.db");
  REQUIRE(opened);
  store::TaskQuery q(store::OwnerScope::everyone());
  q.limit = 500;
  std::size_t visible = 0;
  for (;;) {
    auto page = (*opened)->list(q);
    REQUIRE(page);
    for (const auto& t : page->tasks) {
      ++visible;
      CHECK(std::filesystem::exists(data + "/results/" + t.id + "/scan.nessus"));
    }
    if (page->next_cursor.empty()) break;
    q.cursor = page->next_cursor;
  }
  CHECK(visible > 0);
  CHECK(visible < static_cast<std::size_t>(n));
  // The killed run still holds the housekeeping lease until its term (45 s) ends: a rerun now
  // is refused naming it; a rerun whose wall clock is a minute ahead (libfaketime; its
  // monotonic clock left alone) sees the term over, goes ahead and deletes the rest and what
  // the kill left behind. No real waiting through the term.
  std::string refusal;
  {
    testing::Subprocess again(
        {NMCP_ADMIN_BINARY, "--data-dir", data, "housekeeping", "run", "--config", config});
    again.close_stdin();
    const auto rc = again.wait(std::chrono::seconds(120));
    REQUIRE(rc);
    CHECK(*rc != 0);
    refusal = again.stderr_text();
    CHECK(refusal.find("housekeeping is being run by admin_cli@") != std::string::npos);
  }
  {
    const std::string faketime = "/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1";
    REQUIRE_MESSAGE(std::filesystem::exists(faketime),
                    "libfaketime is installed (scripts/debian-packages.txt)");
    // A sanitizer runtime must come first in the library list; libfaketime is preloaded
    // before it here, which is harmless for this short run.
    const char* asan = std::getenv("ASAN_OPTIONS");
    testing::Subprocess later(
        {"/usr/bin/env", "LD_PRELOAD=" + faketime, "FAKETIME=+60s", "DONT_FAKE_MONOTONIC=1",
         "FAKETIME_NO_CACHE=1",
         "ASAN_OPTIONS=" + std::string(asan != nullptr ? asan : "") + ":verify_asan_link_order=0",
         NMCP_ADMIN_BINARY, "--data-dir", data, "housekeeping", "run", "--config", config});
    later.close_stdin();
    const auto rc = later.wait(std::chrono::seconds(120));
    REQUIRE(rc);
    CAPTURE(later.stderr_text());
    REQUIRE(*rc == 0);
  }
  CHECK_FALSE(refusal.empty());
  CHECK(dirs_left() == 0);
  for (const auto& e : std::filesystem::directory_iterator(data + "/results")) {
    FAIL_CHECK("left behind: " << e.path().string());
  }
  q.cursor.clear();
  auto rest = (*opened)->list(q);
  REQUIRE(rest);
  CHECK(rest->tasks.empty());
}
