#pragma once
// Which scanner instance a new scan goes to: the offered instance with the lowest
// running/limit ratio and a free slot (ties: fewer running, then the lower id). One rule for
// every caller: the store backends apply it inside their claim transaction, and the registry's
// select() applies it to its healthy instances. Header-only and dependency-free, so both
// core/store and scanners/ use it. Pure functions; thread-safe.

#include <map>
#include <optional>
#include <string>
#include <tuple>
#include <vector>

namespace nmcp::store {

// An instance a worker offers to run scans on: enabled, healthy, with its limit.
struct InstanceSlot {
  std::string id;
  int limit = 0;  // max_concurrent_scans
};

inline std::optional<std::string> least_utilised(const std::vector<InstanceSlot>& offered,
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

}  // namespace nmcp::store
