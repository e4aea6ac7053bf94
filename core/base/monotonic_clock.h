#pragma once
// Monotonic time as an injected dependency: how long something took or how long ago it
// happened, immune to wall-clock steps (NTP, an operator, libfaketime). Judgements that must
// hold however the wall clock moves (the side-effect gate's "renewed just now") read this, and
// tests step it with ManualMonotonic.
//
// Thread-safety: steady_ms() and ManualMonotonic may be used from any thread.

#include <atomic>
#include <cstdint>

namespace nmcp {

class MonotonicClock {
 public:
  virtual ~MonotonicClock() = default;
  // Milliseconds since an arbitrary fixed point; never goes back.
  virtual std::int64_t elapsed_ms() const = 0;
};

// std::chrono::steady_clock.
const MonotonicClock& steady_ms();

// A monotonic clock that moves only when told to.
class ManualMonotonic final : public MonotonicClock {
 public:
  std::int64_t elapsed_ms() const override { return now_.load(); }
  void advance(std::int64_t ms) { now_.fetch_add(ms); }

 private:
  std::atomic<std::int64_t> now_{0};
};

}  // namespace nmcp
