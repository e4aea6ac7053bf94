// store_bench: the Redis backend's submit, claim and record throughput next to redis-benchmark
// on the same redis-server, at the same concurrency. Starts its own redis-server (a Unix socket
// in a temp dir, AOF with appendfsync everysec, as production would run it), then:
//   submit  C threads, each with its own store connection pool, submit N tasks in all (each
//           with an idempotency key, as agents send them)
//   claim   C threads claim them all (one instance with room for every task)
//   record  C threads record one step update on each claimed task under its lease
//   SET, EVALSHA   redis-benchmark -c C -n N on the same server (a trivial script for EVALSHA)
// and prints one JSON object: operations per second, round trips per operation (counted by the
// store's connection pool) and each rate as a ratio of redis-benchmark's.
// Usage: store_bench [--ops 20000] [--concurrency 8] [--backend redis|sqlite] [--only submit]

#include <sys/resource.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <iostream>
#include <memory>
#include <regex>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/store/open_store.h"
#include "core/store/task_store.h"
#include "tests/support/redis_server.h"
#include "tests/support/subprocess.h"

using namespace nmcp;
using Clock = std::chrono::steady_clock;

namespace {

struct Phase {
  double seconds = 0;
  long long ops = 0;
  std::uint64_t round_trips = 0;
  long long errors = 0;
  double client_cpu_seconds = 0;  // this process, all threads
  double redis_cpu_seconds = 0;   // redis-server (INFO cpu), when there is one
};

double process_cpu_seconds() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
         static_cast<double>(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

testing::RedisServer* g_redis = nullptr;

// redis-server's own CPU time so far (used_cpu_sys + used_cpu_user), or 0 without one.
double redis_cpu_seconds() {
  if (g_redis == nullptr) return 0;
  double total = 0;
  for (const char* field : {"used_cpu_sys", "used_cpu_user"}) {
    testing::Subprocess p({"/usr/bin/redis-cli", "-s", g_redis->socket(), "INFO", "cpu"});
    p.close_stdin();
    while (auto line = p.read_line(std::chrono::seconds(10))) {
      if (line->rfind(std::string(field) + ":", 0) == 0) {
        total += std::stod(line->substr(std::string(field).size() + 1));
      }
    }
    (void)p.wait(std::chrono::seconds(10));
  }
  return total;
}

// Runs `op(thread, i)` for i in [0, per_thread) on `threads` threads at once.
template <typename Op>
Phase timed(int threads, long long per_thread, std::vector<std::unique_ptr<store::TaskStore>>& s,
            Op op) {
  std::uint64_t before = 0;
  for (auto& st : s) before += st->round_trips().value_or(0);
  std::atomic<long long> errors{0};
  const double redis_before = redis_cpu_seconds();
  const double cpu_before = process_cpu_seconds();
  const auto start = Clock::now();
  std::vector<std::thread> pool;
  for (int t = 0; t < threads; ++t) {
    pool.emplace_back([&, t] {
      for (long long i = 0; i < per_thread; ++i) {
        if (!op(t, i)) ++errors;
      }
    });
  }
  for (auto& th : pool) th.join();
  Phase p;
  p.seconds = std::chrono::duration<double>(Clock::now() - start).count();
  p.client_cpu_seconds = process_cpu_seconds() - cpu_before;
  p.redis_cpu_seconds = redis_cpu_seconds() - redis_before;
  p.ops = per_thread * threads;
  std::uint64_t after = 0;
  for (auto& st : s) after += st->round_trips().value_or(0);
  p.round_trips = after - before;
  p.errors = errors.load();
  return p;
}

nlohmann::json report(const Phase& p, double reference_rate) {
  const double rate = static_cast<double>(p.ops) / p.seconds;
  nlohmann::json j = {
      {"ops", p.ops}, {"seconds", p.seconds}, {"ops_per_second", rate}, {"errors", p.errors}};
  if (p.round_trips > 0) {
    j["round_trips_per_op"] = static_cast<double>(p.round_trips) / static_cast<double>(p.ops);
  }
  if (reference_rate > 0) j["ratio_to_redis_set"] = rate / reference_rate;
  const double n = static_cast<double>(p.ops);
  j["client_cpu_us_per_op"] = 1e6 * p.client_cpu_seconds / n;
  if (p.redis_cpu_seconds > 0) j["redis_cpu_us_per_op"] = 1e6 * p.redis_cpu_seconds / n;
  return j;
}

// redis-benchmark's requests per second for one test, or 0.
double redis_benchmark(const std::string& socket, int clients, long long n,
                       const std::vector<std::string>& test) {
  std::vector<std::string> argv = {
      "/usr/bin/redis-benchmark", "-s", socket, "-c", std::to_string(clients), "-n",
      std::to_string(n),          "-q", "--csv"};
  argv.insert(argv.end(), test.begin(), test.end());
  testing::Subprocess p(argv);
  p.close_stdin();
  double rps = 0;
  for (;;) {
    auto line = p.read_line(std::chrono::seconds(300));
    if (!line) break;
    // "SET","123456.78",...  or  "EVALSHA ...","123.4",...
    static const std::regex row(R"re(^"[^"]*","([0-9.]+)")re");
    std::smatch m;
    if (std::regex_search(*line, m, row)) rps = std::stod(m[1]);
  }
  (void)p.wait(std::chrono::seconds(30));
  return rps;
}

}  // namespace

int main(int argc, char** argv) {
  long long ops = 20000;
  int concurrency = 8;
  std::string backend = "redis";
  std::string only;  // submit: stop after the submit phase (for profiling)
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i], value = argv[i + 1];
    if (flag == "--ops") ops = std::stoll(value);
    if (flag == "--concurrency") concurrency = std::stoi(value);
    if (flag == "--backend") backend = value;
    if (flag == "--only") only = value;
  }
  const long long per_thread = ops / concurrency;
  ops = per_thread * concurrency;

  std::unique_ptr<testing::RedisServer> redis;
  testing::TempDir dir;
  std::string spec;
  if (backend == "redis") {
    redis = std::make_unique<testing::RedisServer>("everysec");
    g_redis = redis.get();
    spec = redis->spec();
  } else {
    spec = "sqlite:" + dir.path() + "/tasks.db";
  }
  std::vector<std::unique_ptr<store::TaskStore>> stores;
  for (int i = 0; i < concurrency; ++i) {
    auto s = store::open_store(spec);
    if (!s) {
      std::cerr << "store_bench: " << s.error().message << "\n";
      return 1;
    }
    stores.push_back(std::move(*s));
  }
  const task::Millis t0 = task::now_millis();

  const Phase submit = timed(concurrency, per_thread, stores, [&](int t, long long i) {
    task::Task task;
    task.id = task::new_task_id();
    task.owner = "bench";
    task.pool = "bench";
    task.targets = "10.0.0.1";
    task.name = "bench";
    task.created_at = task.not_before = t0 + i;
    task.request_hash = "h";
    task.idempotency_key = "k-" + std::to_string(t) + "-" + std::to_string(i);
    return static_cast<bool>(stores[static_cast<std::size_t>(t)]->submit(task));
  });

  if (only == "submit") {
    std::cout << report(submit, 0).dump(2) << "\n";
    return 0;
  }
  std::vector<std::vector<task::Task>> claimed(static_cast<std::size_t>(concurrency));
  const Phase claim = timed(concurrency, per_thread, stores, [&](int t, long long) {
    store::ClaimRequest r;
    r.worker = "w" + std::to_string(t);
    r.now = t0 + per_thread + 1;
    r.lease_ms = 600'000;
    r.pools["bench"] = {{"sim", 1'000'000'000}};
    auto c = stores[static_cast<std::size_t>(t)]->claim(r);
    if (!c || !c->has_value()) return false;
    claimed[static_cast<std::size_t>(t)].push_back(std::move(**c));
    return true;
  });

  const Phase record = timed(concurrency, per_thread, stores, [&](int t, long long i) {
    auto& mine = claimed[static_cast<std::size_t>(t)];
    if (static_cast<std::size_t>(i) >= mine.size()) return false;
    const task::Task& task = mine[static_cast<std::size_t>(i)];
    store::StepUpdate u;
    u.step = task::Step::Launch;
    u.nessus_scan_id = static_cast<int>(i + 1);
    const task::Millis now = t0 + per_thread + 2;
    return static_cast<bool>(stores[static_cast<std::size_t>(t)]->record(
        task.id, store::lease_of(task), u, now, now + 600'000));
  });

  double set_rps = 0, evalsha_rps = 0;
  if (redis) {
    set_rps = redis_benchmark(redis->socket(), concurrency, ops, {"-t", "set"});
    const std::string sha = redis->cli({"SCRIPT", "LOAD", "return 1"});
    evalsha_rps = redis_benchmark(redis->socket(), concurrency, ops, {"EVALSHA", sha, "0"});
  }
  const nlohmann::json out = {
      {"backend", backend},
      {"concurrency", concurrency},
      {"submit", report(submit, set_rps)},
      {"claim", report(claim, set_rps)},
      {"record", report(record, set_rps)},
      {"redis_benchmark", {{"set_per_second", set_rps}, {"evalsha_per_second", evalsha_rps}}},
  };
  std::cout << out.dump(2) << "\n";
  return submit.errors + claim.errors + record.errors == 0 ? 0 : 1;
}
