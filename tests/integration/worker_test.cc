// The worker against a real nessus-sim: ScanDriver step by step (permanent errors dead-letter
// with a hint, a retry re-attaches to a scan an earlier attempt created), and the nessus-worker
// binary as a process (runs queued scans; SIGTERM hands running scans back promptly).

#include <signal.h>

#include <fstream>

#include <doctest/doctest.h>

#include "core/store/open_store.h"
#include "scanners/registry/scanner_registry.h"
#include "tests/support/eventually.h"
#include "tests/support/nessus_sim.h"
#include "worker/engine/scan_driver.h"

using namespace nmcp;
using namespace std::chrono_literals;
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

struct Rig {
  TempDir dir;
  std::unique_ptr<store::TaskStore> store;
  worker::EngineOptions options;
  worker::ScannerSnapshot scanners;

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
    const task::Task t = queued_task(name);
    REQUIRE(store->submit(t));
    return t.id;
  }

  void claim(const std::string& id) {
    store::ClaimRequest r;
    r.worker = options.worker_id;
    r.now = task::now_millis();
    r.pools["default"] = {{scanners.config->pools[0].instances[0].id, 10}};
    auto c = store->claim(r);
    REQUIRE(c);
    REQUIRE(c->has_value());
    REQUIRE((*c)->id == id);
  }

  // Runs steps until the driver lets the task go.
  task::Task drive(const std::string& id) {
    worker::ScanDriver driver(*store, options);
    for (int i = 0; i < 2000; ++i) {
      const auto next = driver.step(id, scanners);
      if (!next.keep) break;
      std::this_thread::sleep_for(next.delay);
    }
    auto t = store->get(id);
    REQUIRE(t);
    return *t;
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

TEST_CASE("worker: a Nessus rejection dead-letters the task with the error and a hint") {
  SimProcess sim;
  Rig rig(sim.api_keys_instance());
  const auto id = rig.submit();
  rig.claim(id);
  sim.set_faults({{"error_burst", 1}, {"error_status", 400}});
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
  auto created = rig.scanners.registry->client("sim")->create_scan(orphan);
  REQUIRE(created);
  REQUIRE(rig.store->release(id, rig.options.worker_id, task::now_millis()));
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
        auto t = store.get(id);
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
  auto t = store.get(id);
  REQUIRE(t);
  CHECK(t->state == task::State::Queued);  // handed back, not lost
  CHECK(t->nessus_scan_id.has_value());
  CHECK(t->step == task::Step::Poll);
  CHECK(worker.stderr_text().find("handed back") != std::string::npos);

  // A new worker resumes it once the scan can finish.
  sim.set_faults({{"scan_outcome", "complete"}});
  REQUIRE(store.request_cancel(id, "local", task::now_millis()));  // the hung scan never ends
  testing::Subprocess second({NMCP_WORKER_BINARY, "--config", config, "--data-dir",
                              dir.path() + "/data", "--poll-interval-ms", "50",
                              "--claim-interval-ms", "50", "--export-poll-ms", "50"});
  const bool cancelled = eventually(
      [&] {
        auto c = store.get(id);
        return c && c->state == task::State::Cancelled;
      },
      30s);  // generous: sanitizer builds on a loaded machine are slow to start
  INFO("second worker log: " << second.stderr_text());
  REQUIRE(cancelled);
  const std::string fresh = submit();
  REQUIRE(eventually(
      [&] {
        auto c = store.get(fresh);
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
  config->defaults.scan_timeout = std::chrono::minutes(0);  // every running scan is over time
  const auto id = rig.submit();
  rig.claim(id);
  // Create and launch first, then let the limit apply.
  worker::ScanDriver driver(*rig.store, rig.options);
  REQUIRE(driver.step(id, rig.scanners).keep);  // create
  REQUIRE(driver.step(id, rig.scanners).keep);  // launch
  std::this_thread::sleep_for(2ms);
  worker::ScannerSnapshot strict{config, rig.scanners.registry};
  CHECK_FALSE(driver.step(id, strict).keep);
  auto t = rig.store->get(id);
  REQUIRE(t);
  CHECK(t->state == task::State::TimedOut);
  CHECK(t->error.code == "scan_timeout");
  auto details = rig.scanners.registry->client("sim")->scan_details(*t->nessus_scan_id);
  REQUIRE(details);
  CHECK(details->status != "running");  // stopped on Nessus
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
  CHECK(store.get(t.id)->state == task::State::Cancelled);
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
  t.created_at = t.not_before = task::now_millis();
  REQUIRE(rig.store->submit(t));
  rig.claim(t.id);
  worker::ScanDriver driver(*rig.store, rig.options);
  REQUIRE(driver.step(t.id, rig.scanners).keep);  // create
  auto after_create = rig.store->get(t.id);
  REQUIRE(after_create);
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
  rig.options.backoff_base = 1ms;
  const auto id = rig.submit();
  sim.set_faults({{"error_burst", 2}, {"error_status", 503}});
  int failed_attempts = 0;
  task::Task t;
  for (int attempt = 0; attempt < 5; ++attempt) {
    store::ClaimRequest r;
    r.worker = rig.options.worker_id;
    r.pools["default"] = {{"sim", 10}};
    std::optional<task::Task> claimed;
    REQUIRE(eventually([&] {  // the backoff delays the next claim by a few milliseconds
      r.now = task::now_millis();
      auto c = rig.store->claim(r);
      if (c && c->has_value()) claimed = **c;
      return claimed.has_value();
    }));
    t = rig.drive(id);
    if (t.state != task::State::Queued) break;
    ++failed_attempts;
    CHECK(t.error.code == "nessus_transient");
    CHECK(t.failures == failed_attempts);
  }
  CHECK(failed_attempts == 2);  // each 503 cost one attempt
  CHECK(t.state == task::State::Completed);
  CHECK(sim.stats()["scans_created"] == 1);
}
