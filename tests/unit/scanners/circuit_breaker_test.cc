#include "scanners/registry/circuit_breaker.h"

#include <doctest/doctest.h>

using nmcp::scanners::CircuitBreaker;
using namespace std::chrono_literals;

TEST_CASE("circuit breaker: opens after consecutive failures, half-opens, closes on success") {
  CircuitBreaker b({3, 30s});
  const auto t0 = std::chrono::steady_clock::time_point{} + 1000s;
  CHECK(b.allow(t0));
  b.record_failure(t0);
  b.record_failure(t0);
  b.record_success();  // a success resets the count
  b.record_failure(t0);
  b.record_failure(t0);
  CHECK(b.state(t0) == CircuitBreaker::State::Closed);
  b.record_failure(t0);
  CHECK(b.state(t0) == CircuitBreaker::State::Open);
  CHECK_FALSE(b.allow(t0 + 29s));
  CHECK(b.state(t0 + 30s) == CircuitBreaker::State::HalfOpen);
  CHECK(b.allow(t0 + 30s));        // the one trial
  CHECK_FALSE(b.allow(t0 + 31s));  // no second trial while the first is out
  b.record_failure(t0 + 32s);      // the trial failed: open again
  CHECK(b.state(t0 + 33s) == CircuitBreaker::State::Open);
  CHECK(b.allow(t0 + 62s));
  b.record_success();
  CHECK(b.state(t0 + 62s) == CircuitBreaker::State::Closed);
  CHECK(b.consecutive_failures() == 0);
}
