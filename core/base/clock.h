#pragma once
// Time as an injected dependency. Code below app/ never reads the system clock directly: it
// asks a Clock, so tests run on a ManualClock and step through minutes without sleeping.
//
// Thread-safety: system_clock() and ManualClock may be used from any thread.

#include <atomic>
#include <cstdint>

namespace nmcp {

class Clock {
 public:
  virtual ~Clock() = default;
  // Unix time in milliseconds.
  virtual std::int64_t now() const = 0;
};

// The real wall clock.
const Clock& system_clock();

// A clock that moves only when told to.
class ManualClock final : public Clock {
 public:
  explicit ManualClock(std::int64_t start) : now_(start) {}
  std::int64_t now() const override { return now_.load(); }
  void advance(std::int64_t ms) { now_.fetch_add(ms); }
  void set(std::int64_t t) { now_.store(t); }

 private:
  std::atomic<std::int64_t> now_;
};

}  // namespace nmcp
