#include "core/base/monotonic_clock.h"

#include <chrono>

namespace nmcp {

namespace {

class SteadyClock final : public MonotonicClock {
 public:
  std::int64_t elapsed_ms() const override {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::steady_clock::now().time_since_epoch())
        .count();
  }
};

}  // namespace

const MonotonicClock& steady_ms() {
  static const SteadyClock clock;
  return clock;
}

}  // namespace nmcp
