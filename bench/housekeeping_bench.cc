// housekeeping_bench: housekeeping over many expired tasks on one backend, measured while
// reader threads make the store calls tools make (get a task, list an owner's page).
// Fills the store with N completed tasks finished 60 days ago (past the 30-day retention) and
// 1,000 fresh ones the readers use; measures the readers' latency for a while without
// housekeeping, then runs housekeeping (bounded runs, back to back, as admin_cli does) until
// nothing is due, with the readers going on. Prints one JSON object: deletion rate, reader p50
// and p99 without and during housekeeping.
// Usage: housekeeping_bench [--backend sqlite|redis] [--tasks 1000000] [--readers 2]
#include <algorithm>
#include <atomic>
#include <chrono>
#include <iostream>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/housekeeping/housekeeper.h"
#include "core/store/open_store.h"
#include "tests/support/redis_server.h"
#include "tests/support/subprocess.h"

using namespace nmcp;
using Steady = std::chrono::steady_clock;

namespace {

constexpr task::Millis kDay = 86'400'000;

task::Task make(const std::string& owner, task::Millis created) {
  task::Task t;
  t.id = task::new_task_id();
  t.owner = owner;
  t.pool = "default";
  t.targets = "10.0.0.1";
  t.name = "bench";
  t.template_name = "advanced";
  t.created_at = t.not_before = created;
  t.request_hash = "h";
  return t;
}

struct Latencies {
  std::vector<double> ms;
  double pct(double p) {
    if (ms.empty()) return 0;
    std::sort(ms.begin(), ms.end());
    return ms[std::min(ms.size() - 1,
                       static_cast<std::size_t>(p * static_cast<double>(ms.size())))];
  }
};

// Readers doing tool-like calls until `stop`.
Latencies read_while(std::vector<std::unique_ptr<store::TaskStore>>& stores,
                     const std::vector<std::string>& live, const std::atomic<bool>& stop) {
  std::vector<Latencies> per(stores.size());
  std::vector<std::thread> threads;
  for (std::size_t r = 0; r < stores.size(); ++r) {
    threads.emplace_back([&, r] {
      std::mt19937 rng(static_cast<unsigned>(r));
      while (!stop.load()) {
        const auto started = Steady::now();
        if (rng() % 4 == 0) {
          store::TaskQuery q(store::OwnerScope::tenant("live"));
          q.limit = 20;
          (void)stores[r]->list(q);
        } else {
          (void)stores[r]->get(live[rng() % live.size()], store::OwnerScope::tenant("live"));
        }
        per[r].ms.push_back(
            std::chrono::duration<double, std::milli>(Steady::now() - started).count());
      }
    });
  }
  for (auto& t : threads) t.join();
  Latencies all;
  for (auto& p : per) all.ms.insert(all.ms.end(), p.ms.begin(), p.ms.end());
  return all;
}

}  // namespace

int main(int argc, char** argv) {
  std::string backend = "sqlite";
  long long tasks = 1'000'000;
  std::size_t readers = 2;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i];
    if (flag == "--backend") backend = argv[i + 1];
    if (flag == "--tasks") tasks = std::stoll(argv[i + 1]);
    if (flag == "--readers") readers = static_cast<std::size_t>(std::stoul(argv[i + 1]));
  }
  testing::TempDir dir;
  std::unique_ptr<testing::RedisServer> redis;
  std::string spec = "sqlite:" + dir.path() + "/tasks.db?busy_timeout_ms=5000";
  if (backend == "redis") {
    redis = std::make_unique<testing::RedisServer>("everysec");
    spec = redis->spec();
  }
  auto open = [&] {
    auto s = store::open_store(spec, store::IfMissing::Create);
    if (!s) {
      std::cerr << s.error().message << "\n";
      std::exit(1);
    }
    return std::move(*s);
  };
  const task::Millis now = system_clock().now();

  // Fill: N expired completed tasks (4 threads), 1,000 live ones.
  const auto fill_started = Steady::now();
  {
    std::vector<std::thread> fillers;
    std::atomic<long long> next{0};
    for (int f = 0; f < 4; ++f) {
      fillers.emplace_back([&] {
        auto s = open();
        for (long long i = next++; i < tasks; i = next++) {
          (void)s->import_completed(make("old", now - 60 * kDay + i % 1000));
        }
      });
    }
    for (auto& f : fillers) f.join();
  }
  const double fill_seconds = std::chrono::duration<double>(Steady::now() - fill_started).count();
  std::vector<std::string> live;
  {
    auto s = open();
    for (int i = 0; i < 1000; ++i) {
      auto r = s->import_completed(make("live", now - kDay));
      if (r) live.push_back(r->task.id);
    }
  }

  std::vector<std::unique_ptr<store::TaskStore>> reader_stores;
  for (std::size_t r = 0; r < readers; ++r) reader_stores.push_back(open());

  // Without housekeeping: 5 s of reads.
  std::atomic<bool> stop{false};
  Latencies quiet;
  {
    std::thread t([&] { quiet = read_while(reader_stores, live, stop); });
    std::this_thread::sleep_for(std::chrono::seconds(5));
    stop = true;
    t.join();
  }

  // With housekeeping.
  stop = false;
  Latencies busy;
  std::thread t([&] { busy = read_while(reader_stores, live, stop); });
  auto hk_store = open();
  housekeeping::Housekeeper hk(*hk_store, system_clock());
  housekeeping::Options o;
  o.data_dir = dir.path() + "/data";
  o.max_listed = 0;
  std::uint64_t deleted = 0;
  int runs = 0;
  const auto hk_started = Steady::now();
  for (;;) {
    auto r = hk.run(o);
    ++runs;
    if (!r) {
      std::cerr << r.error().message << "\n";
      break;
    }
    deleted += r->total_tasks_deleted();
    if (r->finished || r->total_tasks_deleted() == 0) break;
  }
  const double hk_seconds = std::chrono::duration<double>(Steady::now() - hk_started).count();
  stop = true;
  t.join();

  nlohmann::json out = {
      {"backend", backend},
      {"expired_tasks", tasks},
      {"fill_seconds", fill_seconds},
      {"deleted", deleted},
      {"housekeeping_runs", runs},
      {"housekeeping_seconds", hk_seconds},
      {"deleted_per_second", hk_seconds > 0 ? static_cast<double>(deleted) / hk_seconds : 0},
      {"readers", readers},
      {"reads_without", quiet.ms.size()},
      {"read_p50_ms_without", quiet.pct(0.5)},
      {"read_p99_ms_without", quiet.pct(0.99)},
      {"reads_during", busy.ms.size()},
      {"read_p50_ms_during", busy.pct(0.5)},
      {"read_p99_ms_during", busy.pct(0.99)}};
  std::cout << out.dump(2) << "\n";
  return deleted == static_cast<std::uint64_t>(tasks) ? 0 : 1;
}
