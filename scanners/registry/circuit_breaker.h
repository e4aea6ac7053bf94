#pragma once
// A per-instance circuit breaker. Closed: calls go through and consecutive failures are
// counted; at `failure_threshold` it opens. Open: calls are refused until `open_for` has
// passed, then it is half-open. Half-open: one trial call at a time; its success closes the
// breaker, its failure opens it again for another `open_for`. Time is passed in, so tests
// need no clock.
//
// Thread-safety: all methods may be called concurrently.

#include <chrono>
#include <mutex>
#include <string_view>

namespace nmcp::scanners {

class CircuitBreaker {
 public:
  using TimePoint = std::chrono::steady_clock::time_point;
  struct Options {
    int failure_threshold = 5;
    std::chrono::seconds open_for{30};
  };
  enum class State { Closed, Open, HalfOpen };

  explicit CircuitBreaker(Options options) : options_(options) {}

  // Whether a call may go out now. In half-open state it grants one trial until that trial's
  // outcome is recorded.
  bool allow(TimePoint now);
  void record_success();
  void record_failure(TimePoint now);
  State state(TimePoint now) const;
  int consecutive_failures() const;

 private:
  const Options options_;
  mutable std::mutex mu_;
  State state_ = State::Closed;  // guarded by mu_
  int failures_ = 0;             // guarded by mu_
  TimePoint opened_at_{};        // guarded by mu_
  bool trial_out_ = false;       // guarded by mu_
};

std::string_view to_string(CircuitBreaker::State state);

}  // namespace nmcp::scanners
