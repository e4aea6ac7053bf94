#include "core/store/task_store.h"

#include <algorithm>
#include <cmath>

namespace nmcp::store {

Millis backoff_delay(int failures, Millis base, Millis cap, double unit_random) {
  const int exponent = std::clamp(failures, 0, 30);
  const double upper =
      std::min(static_cast<double>(cap), static_cast<double>(base) * std::pow(2.0, exponent));
  const double lower = std::min(upper, static_cast<double>(base) / 2.0);
  const double r = std::clamp(unit_random, 0.0, 1.0);
  return static_cast<Millis>(lower + (upper - lower) * r);
}

}  // namespace nmcp::store
