#pragma once
// How far this process's clock is from its store's. Lease terms, due times and leader terms are
// judged on each process's own clock, so a process whose clock strays takes over live tasks or
// leadership (fast) or has its own taken over (slow). The store's clock is the reference: Redis
// TIME for a store every host shares; for SQLite, a file on this host's disk, every process
// reads this host's clock and the offset is 0 by definition. The bound is lease_timing.h's.
//
// Thread-safety: pure functions over a thread-safe store.

#include <nlohmann/json.hpp>

#include "core/base/clock.h"
#include "core/store/task_store.h"

namespace nmcp::store {

struct ClockReading {
  bool store_has_clock = false;  // false: the store shares this host's clock (offset 0)
  Millis offset_ms = 0;          // the store's clock minus this process's
  Millis uncertainty_ms = 0;     // half the round trip of the reading
  Millis read_at = 0;            // this process's clock

  // Beyond `bound` only when surely beyond: the reading's uncertainty counts for the process.
  bool beyond(Millis bound) const;
  nlohmann::json to_json(Millis bound) const;
};

// Reads the store's clock between two readings of this process's clock.
Result<ClockReading> read_clock_offset(TaskStore& store, const Clock& clock);

}  // namespace nmcp::store
