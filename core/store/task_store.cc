#include "core/store/task_store.h"

#include <algorithm>
#include <cmath>
#include <tuple>

namespace nmcp::store {

std::optional<std::string> least_utilised(const std::vector<InstanceSlot>& offered,
                                          const std::map<std::string, int>& running) {
  const InstanceSlot* best = nullptr;
  int best_running = 0;
  for (const auto& slot : offered) {
    if (slot.limit <= 0) continue;
    const auto it = running.find(slot.id);
    const int n = it == running.end() ? 0 : it->second;
    if (n >= slot.limit) continue;
    // Compare n/limit without division: n * best.limit < best_n * limit.
    const bool better =
        best == nullptr || std::make_tuple(static_cast<long long>(n) * best->limit, n, slot.id) <
                               std::make_tuple(static_cast<long long>(best_running) * slot.limit,
                                               best_running, best->id);
    if (better) {
      best = &slot;
      best_running = n;
    }
  }
  if (best == nullptr) return std::nullopt;
  return best->id;
}

Millis backoff_delay(int failures, Millis base, Millis cap, double unit_random) {
  const int exponent = std::clamp(failures, 0, 30);
  const double upper =
      std::min(static_cast<double>(cap), static_cast<double>(base) * std::pow(2.0, exponent));
  const double lower = std::min(upper, static_cast<double>(base) / 2.0);
  const double r = std::clamp(unit_random, 0.0, 1.0);
  return static_cast<Millis>(lower + (upper - lower) * r);
}

}  // namespace nmcp::store
