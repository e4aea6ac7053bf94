#include "scanners/registry/circuit_breaker.h"

namespace nmcp::scanners {

bool CircuitBreaker::allow(TimePoint now) {
  std::lock_guard lock(mu_);
  if (state_ == State::Closed) return true;
  if (state_ == State::Open) {
    if (now - opened_at_ < options_.open_for) return false;
    state_ = State::HalfOpen;
    trial_out_ = false;
  }
  if (trial_out_) return false;
  trial_out_ = true;
  return true;
}

void CircuitBreaker::record_success() {
  std::lock_guard lock(mu_);
  state_ = State::Closed;
  failures_ = 0;
  trial_out_ = false;
}

void CircuitBreaker::record_failure(TimePoint now) {
  std::lock_guard lock(mu_);
  ++failures_;
  if (state_ == State::HalfOpen || failures_ >= options_.failure_threshold) {
    state_ = State::Open;
    opened_at_ = now;
    trial_out_ = false;
  }
}

CircuitBreaker::State CircuitBreaker::state(TimePoint now) const {
  std::lock_guard lock(mu_);
  if (state_ == State::Open && now - opened_at_ >= options_.open_for) return State::HalfOpen;
  return state_;
}

int CircuitBreaker::consecutive_failures() const {
  std::lock_guard lock(mu_);
  return failures_;
}

std::string_view to_string(CircuitBreaker::State state) {
  switch (state) {
    case CircuitBreaker::State::Closed:
      return "closed";
    case CircuitBreaker::State::Open:
      return "open";
    case CircuitBreaker::State::HalfOpen:
      return "half_open";
  }
  return "closed";
}

}  // namespace nmcp::scanners
