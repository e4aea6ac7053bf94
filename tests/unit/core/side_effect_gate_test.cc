// The side-effect gate (core/base/side_effect_gate.h): a request leaves only right after a
// renewal that succeeded and took less than the window on the monotonic clock.
#include "core/base/side_effect_gate.h"

#include <doctest/doctest.h>

#include "core/store/lease_timing.h"

using namespace nmcp;

TEST_CASE("side-effect gate: a quick renewal admits, a refused one withholds for good") {
  ManualMonotonic mono;
  int renewals = 0;
  bool held = true;
  RenewingGate gate(
      [&]() -> Status {
        ++renewals;
        if (!held) return fail(ErrorCode::FailedPrecondition, "lease taken over");
        mono.advance(40);  // a store round trip
        return ok();
      },
      std::chrono::milliseconds(500), mono);
  REQUIRE(gate.may_act());
  REQUIRE(gate.may_act());
  CHECK(renewals == 2);  // every request renews: no admission is reused
  CHECK(gate.admitted() == 2);
  CHECK_FALSE(gate.refusal());

  held = false;  // another worker took the task over while this one was paused
  auto refused = gate.may_act();
  REQUIRE_FALSE(refused);
  CHECK(refused.error().code == ErrorCode::FailedPrecondition);
  REQUIRE(gate.refusal());
  CHECK(gate.admitted() == 2);
}

TEST_CASE("side-effect gate: a renewal that outlasts the window withholds, to be tried again") {
  ManualMonotonic mono;
  std::int64_t took = 0;
  RenewingGate gate(
      [&]() -> Status {
        mono.advance(took);
        return ok();
      },
      std::chrono::milliseconds(500), mono);
  took = 500;
  CHECK(gate.may_act());  // at the window: still in time
  took = 501;             // the process stalled during the renewal
  auto late = gate.may_act();
  REQUIRE_FALSE(late);
  CHECK(late.error().code == ErrorCode::Unavailable);
  CHECK(late.error().message.find("501 ms") != std::string::npos);
  took = 3;
  CHECK(gate.may_act());
}

TEST_CASE("lease timing: what a gated request has left before any takeover") {
  const store::LeaseTiming def{store::kDefaultLease.count()};
  CHECK(def.renew_every() == 20'000);
  CHECK(def.side_effect_window() == 10'000);
  CHECK(def.max_clock_offset() == 10'000);
  CHECK(def.delivery_margin() == 40'000);  // well above a connect timeout (10 s)
  const store::LeaseTiming test{3'000};
  CHECK(test.max_clock_offset() == 500);
  CHECK(test.delivery_margin() == 2'000);
  const store::LeaseTiming hour{3'600'000};
  CHECK(hour.max_clock_offset() == store::kMaxClockOffsetCap);  // leader terms stay safe
}
