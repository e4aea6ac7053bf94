// Why a queued task waits and how long: the pool's capacity counts only usable instances (the
// same number get_pool_status shows), and the reasons come in the order that matters.
#include "core/readiness/queue_wait.h"

#include <doctest/doctest.h>

using namespace nmcp;

namespace {

constexpr task::Millis kNow = 1'767'225'600'000;

config::PoolConfig pool_of_three() {
  config::PoolConfig p;
  p.name = "lab";
  for (const char* id : {"a", "b", "c"}) {
    config::InstanceConfig i;
    i.id = id;
    i.max_concurrent_scans = 2;
    p.instances.push_back(i);
  }
  p.instances[2].enabled = false;
  return p;
}

store::ScannerStatus usable(const std::string& id) {
  store::ScannerStatus s;
  s.instance = id;
  s.pool = "lab";
  s.probed = s.reachable = s.authenticated = s.scan_api = true;
  s.server_status = "ready";
  s.updated_at = kNow;
  return s;
}

}  // namespace

TEST_CASE("a pool's capacity now is the slots of its usable instances only") {
  const auto pool = pool_of_three();
  // "b" has no health yet (unknown) and "c" is disabled: one instance's slots count.
  const auto ready = readiness::pool_readiness(pool, {{"a", usable("a")}}, kNow);
  CHECK(readiness::usable_capacity(pool, ready) == 2);
  CHECK(pool.capacity() == 4);  // what is configured, not what can run now
  const auto both = readiness::pool_readiness(pool, {{"a", usable("a")}, {"b", usable("b")}}, kNow);
  CHECK(readiness::usable_capacity(pool, both) == 4);
}

TEST_CASE("the wait estimate counts waves of the capacity now") {
  const task::Millis ten_minutes = 10 * 60 * 1000;
  CHECK(readiness::wait_estimate_seconds(2, 0, 1, ten_minutes) == 0);
  CHECK(readiness::wait_estimate_seconds(2, 2, 1, ten_minutes) == 600);
  CHECK(readiness::wait_estimate_seconds(2, 2, 3, ten_minutes) == 1200);
  CHECK_FALSE(readiness::wait_estimate_seconds(0, 0, 1, ten_minutes));
  CHECK_FALSE(readiness::wait_estimate_seconds(2, 0, 1, std::nullopt));
}

TEST_CASE("why a task waits: no scanner first, then backoff, then scans ahead") {
  const auto pool = pool_of_three();
  const auto none = readiness::pool_readiness(pool, {}, kNow);
  auto w = readiness::why_waiting(pool, &none, kNow + 5000, 3, kNow);
  CHECK(w.kind == readiness::Waiting::Kind::NoScanner);
  CHECK(w.blocked());
  CHECK(w.reason.rfind("no scanner of pool 'lab' can take it: ", 0) == 0);

  const auto ready = readiness::pool_readiness(pool, {{"a", usable("a")}}, kNow);
  w = readiness::why_waiting(pool, &ready, kNow + 5000, 3, kNow);
  CHECK(w.kind == readiness::Waiting::Kind::Backoff);
  CHECK(w.until == kNow + 5000);
  w = readiness::why_waiting(pool, &ready, 0, 3, kNow);
  CHECK(w.kind == readiness::Waiting::Kind::Behind);
  CHECK(w.reason.rfind("2 scan(s) of pool 'lab'", 0) == 0);
  CHECK_FALSE(w.blocked());
  CHECK(readiness::why_waiting(pool, &ready, 0, 1, kNow).kind ==
        readiness::Waiting::Kind::NextInLine);
  // Without health (no store of scanner health), only the window and the queue decide.
  CHECK(readiness::why_waiting(pool, nullptr, 0, 1, kNow).kind ==
        readiness::Waiting::Kind::NextInLine);
}
