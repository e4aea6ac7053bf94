// Whether a process may take work from its store (core/readiness/deployment_check.h), on every
// backend: its results directory must be the one the store names (a second directory is
// refused until an operator adopts it), its clock near the store's (Redis has a clock of its
// own; SQLite's processes share one host's), and its presence is seen by a migration.
#include "core/readiness/deployment_check.h"

#include <filesystem>
#include <thread>
#include <vector>

#include <doctest/doctest.h>

#include "core/store/clock_offset.h"
#include "core/store/presence.h"
#include "tests/contract/backends.h"

using namespace nmcp;
using testing::RedisBackend;
using testing::SqliteBackend;

#define BACKENDS SqliteBackend, RedisBackend

TEST_CASE_TEMPLATE("results directory: the first one is the store's, another is refused", B,
                   BACKENDS) {
  B b;
  auto s = b.open();
  testing::TempDir shared, stray;
  auto first = readiness::bind_results_dir(*s, shared.path());
  REQUIRE(first);
  CHECK(first->shared);
  CHECK(std::filesystem::exists(shared.path() + "/results/.store-marker"));
  auto again = readiness::bind_results_dir(*b.open(), shared.path());  // another process
  REQUIRE(again);
  CHECK(again->shared);

  auto other = readiness::bind_results_dir(*s, stray.path());
  REQUIRE(other);
  CHECK_FALSE(other->shared);
  CHECK(other->reason.find("is not the one the other processes") != std::string::npos);
  CHECK(other->hint.find("admin_cli store adopt-results") != std::string::npos);

  // An operator who knows better adopts the directory; the old one is then the stray.
  REQUIRE(readiness::adopt_results_dir(*s, stray.path()));
  CHECK(readiness::bind_results_dir(*s, stray.path())->shared);

  // A directory marked by another store is refused too.
  B other_store;
  auto s2 = other_store.open();
  testing::TempDir fresh;
  REQUIRE(readiness::bind_results_dir(*s2, fresh.path())->shared);
  auto foreign = readiness::bind_results_dir(*s2, shared.path());
  REQUIRE(foreign);
  CHECK_FALSE(foreign->shared);
  CHECK(foreign->reason.find("belongs to another store") != std::string::npos);
}

TEST_CASE_TEMPLATE("results directory: processes starting together on one directory agree", B,
                   BACKENDS) {
  // A compose file starts every service at once on a fresh store and one shared volume.
  B b;
  testing::TempDir shared, stray;
  constexpr int kProcesses = 6;
  std::vector<std::unique_ptr<store::TaskStore>> stores;
  for (int i = 0; i < kProcesses + 1; ++i) stores.push_back(b.open());
  std::vector<int> verdicts(kProcesses + 1, -1);
  std::vector<std::thread> starting;
  for (int i = 0; i <= kProcesses; ++i) {
    starting.emplace_back([&, i] {
      auto bound = readiness::bind_results_dir(*stores[static_cast<std::size_t>(i)],
                                               i == kProcesses ? stray.path() : shared.path());
      verdicts[static_cast<std::size_t>(i)] = bound ? (bound->shared ? 1 : 0) : 2;
    });
  }
  for (auto& t : starting) t.join();
  int on_shared = 0;
  for (int i = 0; i < kProcesses; ++i) on_shared += verdicts[static_cast<std::size_t>(i)] == 1;
  const int stray_verdict = verdicts[kProcesses];
  // The directory that named the store first is the shared one: either the six agree and the
  // stray is refused, or (rarely) the stray won the race and the six are refused together.
  CHECK(
      ((on_shared == kProcesses && stray_verdict == 0) || (on_shared == 0 && stray_verdict == 1)));
  // And a later start on the same directory agrees with the first ones.
  auto later = readiness::bind_results_dir(*b.open(), shared.path());
  REQUIRE(later);
  CHECK(later->shared == (on_shared == kProcesses));
}

TEST_CASE_TEMPLATE("clock offset: measured against the store's clock, refused past the bound", B,
                   BACKENDS) {
  B b;
  auto s = b.open();
  auto near = store::read_clock_offset(*s, system_clock());
  REQUIRE(near);
  const bool own_clock = std::string(B::kName) == "redis";
  CHECK(near->store_has_clock == own_clock);
  CHECK(std::llabs(near->offset_ms) <= 1000 + near->uncertainty_ms);
  CHECK_FALSE(near->beyond(500));

  // A process whose wall clock is 90 s ahead: beyond any bound on Redis; on SQLite its clock is
  // the store's by definition.
  const ManualClock fast(system_clock().now() + 90'000);
  auto far = store::read_clock_offset(*s, fast);
  REQUIRE(far);
  CHECK(far->beyond(10'000) == own_clock);
  testing::TempDir dir;
  readiness::DeploymentCheck check(*s, {"nessus-worker@test-1", dir.path(), 60'000}, fast);
  CHECK(check.may_take_work());  // not measured yet
  check.refresh();
  CHECK(bool(check.may_take_work()) == !own_clock);
  const auto report = check.report();
  CHECK(report["clock"]["ok"] == !own_clock);
  CHECK(report["results_dir"]["ok"] == true);
  if (own_clock) {
    CHECK(check.may_take_work().error().message.find("ms away from the store's") !=
          std::string::npos);
    CHECK(*check.clock_offset() < -80'000);
  }

  // Its presence is live for one lease term (judged on the reader's clock), and gone once it
  // withdraws.
  auto live = store::live_processes(*s, fast.now() + 1);
  REQUIRE(live);
  REQUIRE(live->size() == 1);
  CHECK((*live)[0].id == "nessus-worker@test-1");
  CHECK(store::live_processes(*s, fast.now() + 60'001)->empty());
  check.withdraw();
  CHECK(store::live_processes(*s, fast.now() + 1)->empty());
}
