// worker_bench: nessus-worker processes tracking many concurrent scans on nessus-sim.
// Submits N tasks straight into a fresh store (SQLite, or a redis-server of its own), starts W
// real nessus-worker processes on it (instances of 100 slots each, all on one simulator), and
// samples the workers' CPU time, resident memory and threads from /proc until every task has
// completed. With Redis it also counts the commands Redis processed. Prints one JSON object.
// Usage:
//   worker_bench --worker BIN [--scans 1000] [--scan-seconds 60] [--poll-ms 5000]
//                [--store sqlite|redis] [--workers 1]

#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <thread>

#include <nlohmann/json.hpp>

#include "core/store/open_store.h"
#include "tests/support/nessus_sim.h"
#include "tests/support/redis_server.h"

using namespace nmcp;
using namespace std::chrono_literals;

namespace {

struct Sample {
  double cpu_seconds = 0;
  long rss_kb = 0;
  long threads = 0;
};

Sample sample(pid_t pid) {
  Sample s;
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string text;
  std::getline(stat, text);
  const auto close = text.rfind(')');
  if (close != std::string::npos) {
    std::istringstream rest(text.substr(close + 2));
    std::string field;
    long long utime = 0, stime = 0;
    for (int i = 3; rest >> field; ++i) {
      if (i == 14) utime = std::stoll(field);
      if (i == 15) stime = std::stoll(field);
      if (i == 20) s.threads = std::stol(field);
    }
    s.cpu_seconds = static_cast<double>(utime + stime) / static_cast<double>(sysconf(_SC_CLK_TCK));
  }
  std::ifstream status("/proc/" + std::to_string(pid) + "/status");
  for (std::string line; std::getline(status, line);) {
    if (line.rfind("VmRSS:", 0) == 0) s.rss_kb = std::stol(line.substr(6));
  }
  return s;
}

// A counter from redis-server's INFO (e.g. total_commands_processed), or -1.
long long redis_info(testing::RedisServer& r, const std::string& section, const std::string& key) {
  testing::Subprocess p({"/usr/bin/redis-cli", "-s", r.socket(), "INFO", section});
  p.close_stdin();
  long long v = -1;
  while (auto line = p.read_line(std::chrono::seconds(10))) {
    if (line->rfind(key + ":", 0) == 0) v = std::stoll(line->substr(key.size() + 1));
  }
  (void)p.wait(std::chrono::seconds(10));
  return v;
}

}  // namespace

int main(int argc, char** argv) {
  std::string worker;
  int scans = 1000, scan_seconds = 60, poll_ms = 5000;
  std::string worker_log_level = "warn";
  std::string store_kind = "sqlite";
  int workers = 1;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i], value = argv[i + 1];
    if (flag == "--worker") worker = value;
    if (flag == "--scans") scans = std::stoi(value);
    if (flag == "--scan-seconds") scan_seconds = std::stoi(value);
    if (flag == "--poll-ms") poll_ms = std::stoi(value);
    if (flag == "--worker-log-level") worker_log_level = value;
    if (flag == "--store") store_kind = value;
    if (flag == "--workers") workers = std::stoi(value);
  }
  if (worker.empty()) {
    std::cerr << "usage: worker_bench --worker BIN [--scans N] [--scan-seconds S] [--poll-ms P]\n";
    return 2;
  }
  testing::SimProcess sim({"--speed", "1", "--scan-seconds", std::to_string(scan_seconds),
                           "--findings-per-host", "12"});
  testing::TempDir dir;
  std::string yaml =
      "pools:\n  bench:\n    scope: {allow: [10.0.0.0/8], max_addresses: 1}\n"
      "    instances:\n";
  const int instances = (scans + 99) / 100;
  for (int i = 0; i < instances; ++i) {
    yaml += "      - id: sim" + std::to_string(i) + "\n        url: " + sim.url() +
            "\n        auth: {mode: api_keys, access_key: " + testing::kSimAccessKey +
            ", secret_key: " + testing::kSimSecretKey +
            "}\n        tls:\n          fingerprint: sha256:" + sim.fingerprint() +
            "\n        max_concurrent_scans: 100\n";
  }
  const std::string config = dir.file("scanners.yaml", yaml);
  std::unique_ptr<testing::RedisServer> redis;
  std::string spec = "sqlite:" + dir.path() + "/data/nessus-mcp.db";
  if (store_kind == "redis") {
    redis = std::make_unique<testing::RedisServer>("everysec");
    spec = redis->spec();
  }
  auto opened = store::open_store(spec);
  if (!opened) {
    std::cerr << opened.error().message << "\n";
    return 1;
  }
  auto& store = **opened;
  for (int i = 0; i < scans; ++i) {
    task::Task t;
    t.id = task::new_task_id();
    t.owner = "bench";
    t.pool = "bench";
    t.targets = "10." + std::to_string(i / 65536 % 256) + "." + std::to_string(i / 256 % 256) +
                "." + std::to_string(i % 256);
    t.name = "bench " + std::to_string(i);
    t.created_at = t.not_before = task::now_millis();
    if (!store.submit(t)) return 1;
  }

  const long long commands_before =
      redis ? redis_info(*redis, "stats", "total_commands_processed") : 0;
  const auto started = std::chrono::steady_clock::now();
  std::vector<std::unique_ptr<testing::Subprocess>> procs;
  for (int w = 0; w < workers; ++w) {
    procs.push_back(std::make_unique<testing::Subprocess>(std::vector<std::string>{
        worker, "--config", config, "--data-dir", dir.path() + "/data", "--store", spec,
        "--poll-interval-ms", std::to_string(poll_ms), "--max-active", std::to_string(scans + 10),
        "--claim-interval-ms", "200", "--log-level", "warn"}));
  }
  Sample peak;
  long log_lines = 0;  // warnings and errors the worker logged
  std::string logs;
  double last_cpu = 0;
  int max_running = 0;
  double seconds_to_all_running = -1;
  for (;;) {
    std::this_thread::sleep_for(500ms);
    // Drain both log pipes: a full pipe blocks the writer (the simulator would stall with its
    // state lock held; the worker's step threads would stop).
    (void)sim.log();
    logs.clear();
    double cpu = 0;
    for (auto& proc : procs) {
      logs += proc->stderr_text();
      const Sample s = sample(proc->pid());
      peak.rss_kb = std::max(peak.rss_kb, s.rss_kb);
      peak.threads = std::max(peak.threads, s.threads);
      cpu += s.cpu_seconds;
    }
    log_lines = std::count(logs.begin(), logs.end(), '\n');
    last_cpu = std::max(last_cpu, cpu);
    auto stats = store.queue_stats();
    if (!stats) continue;
    int queued = 0, running = 0;
    for (const auto& q : *stats) {
      queued += q.queued;
      running += q.running;
    }
    const double elapsed =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    if (running > max_running) max_running = running;
    if (seconds_to_all_running < 0 && running == scans) seconds_to_all_running = elapsed;
    if (queued == 0 && running == 0) break;
    if (elapsed > scan_seconds * 10 + 300) {
      std::cerr << "timed out: " << queued << " queued, " << running << " running\n"
                << logs.substr(logs.size() > 4000 ? logs.size() - 4000 : 0) << "\n";
      return 1;
    }
  }
  const double wall =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  store::TaskQuery q(store::OwnerScope::tenant("bench"));
  q.state = task::State::Completed;
  q.limit = static_cast<std::size_t>(scans) + 1;
  auto completed = store.list(q);
  const auto sim_stats = sim.stats();
  long long requests = 0;
  for (const auto& [route, n] : sim_stats["requests"].items()) requests += n.get<long long>();
  const long long commands =
      redis ? redis_info(*redis, "stats", "total_commands_processed") - commands_before : 0;
  nlohmann::json report = {
      {"store", store_kind},
      {"workers", workers},
      {"scans", scans},
      {"completed", completed ? completed->tasks.size() : 0},
      {"scan_seconds_on_sim", scan_seconds},
      {"poll_interval_ms", poll_ms},
      {"max_running_at_once", max_running},
      {"seconds_until_all_running", seconds_to_all_running},
      {"wall_seconds", wall},
      {"worker_cpu_seconds", last_cpu},
      {"worker_cpu_ms_per_scan", 1000.0 * last_cpu / scans},
      {"worker_cpu_percent_of_one_core", 100.0 * last_cpu / wall},
      {"worker_peak_rss_mb", static_cast<double>(peak.rss_kb) / 1024.0},
      {"worker_peak_threads", peak.threads},
      {"nessus_requests", requests},
      {"nessus_scans_created", sim_stats["scans_created"]},
      {"worker_warnings_logged", log_lines},
  };
  if (redis) {
    report["redis_commands"] = commands;
    report["redis_commands_per_scan"] = static_cast<double>(commands) / scans;
    report["redis_commands_per_nessus_request"] =
        requests > 0 ? static_cast<double>(commands) / static_cast<double>(requests) : 0.0;
  }
  std::cout << report.dump(2) << "\n";
  if (worker_log_level != "warn") std::cerr << logs;
  for (auto& proc : procs) proc->signal(SIGTERM);
  for (auto& proc : procs) proc->wait(30s);
  return completed && static_cast<int>(completed->tasks.size()) == scans ? 0 : 1;
}
