// Claimers in separate processes (store_claimer), each with its own connections, on every
// backend: no task is handed out twice and no instance gets more tasks than its limit, however
// the claims interleave.
#include <map>
#include <memory>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include <doctest/doctest.h>

#include "core/store/task_store.h"
#include "tests/contract/backends.h"

using namespace nmcp;
using testing::RedisBackend;
using testing::SqliteBackend;
using testing::Subprocess;

namespace {

constexpr task::Millis T0 = 1'700'000'000'000;

struct Claimed {
  std::vector<std::string> ids;
  std::map<std::string, int> per_instance;
};

// Starts `n` claimers against `spec`, releases them together, and collects what they claimed.
Claimed run_claimers(const std::string& spec, int n, const std::string& slots) {
  std::vector<std::unique_ptr<Subprocess>> procs;
  for (int i = 0; i < n; ++i) {
    procs.push_back(std::make_unique<Subprocess>(std::vector<std::string>{
        NMCP_STORE_CLAIMER, spec, "proc-" + std::to_string(i), std::to_string(T0 + 100), slots}));
  }
  for (auto& p : procs) p->write_line("go");
  Claimed out;
  for (auto& p : procs) {
    for (;;) {
      auto line = p->read_line(std::chrono::seconds(60));
      INFO("claimer stderr: " << p->stderr_text());
      REQUIRE(line);
      if (*line == "done") break;
      std::istringstream words(*line);
      std::string claimed, id, instance;
      words >> claimed >> id >> instance;
      REQUIRE(claimed == "claimed");
      out.ids.push_back(id);
      ++out.per_instance[instance];
    }
    CHECK(p->wait(std::chrono::seconds(30)) == 0);
  }
  return out;
}

void submit_tasks(store::TaskStore& s, int n) {
  for (int i = 0; i < n; ++i) {
    task::Task t;
    t.id = task::new_task_id();
    t.owner = "local";
    t.pool = "default";
    t.targets = "10.0.0.1";
    t.name = "scan " + std::to_string(i);
    t.created_at = T0 + i;
    t.not_before = T0 + i;
    t.request_hash = "h";
    REQUIRE(s.submit(t));
  }
}

}  // namespace

#define BACKENDS SqliteBackend, RedisBackend

TEST_CASE_TEMPLATE("store: claimers in four processes never get the same task", B, BACKENDS) {
  B b;
  auto s = b.open();
  submit_tasks(*s, 80);
  const Claimed c = run_claimers(b.spec, 4, "a=1000,b=1000");
  CHECK(c.ids.size() == 80);
  CHECK(std::set<std::string>(c.ids.begin(), c.ids.end()).size() == 80);
}

TEST_CASE_TEMPLATE("store: claimers in four processes never exceed an instance's capacity", B,
                   BACKENDS) {
  B b;
  auto s = b.open();
  submit_tasks(*s, 40);
  const Claimed c = run_claimers(b.spec, 4, "a=3,b=2");
  CHECK(c.ids.size() == 5);
  CHECK(c.per_instance == std::map<std::string, int>{{"a", 3}, {"b", 2}});
  auto counts = s->running_per_instance();
  REQUIRE(counts);
  CHECK(*counts == std::map<std::string, int>{{"a", 3}, {"b", 2}});
}
