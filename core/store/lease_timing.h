#pragma once
// The timing rules of a lease, written once. For a lease of term L held by a worker:
//   - the holder renews it every L/3, so an expiry always means the holder stopped;
//   - a side effect on a scanner leaves at most L/6 after the renewal that admitted it started
//     (side_effect_gate.h), on the holder's monotonic clock;
//   - a process whose clock is more than min(L/6, 10 s) away from the store's neither claims
//     nor leads (clock_offset.h).
// Together: a request admitted by the gate has at least L - L/6 - L/6 = 2L/3 (40 s with the
// default 60 s lease) to reach the scanner before any other process, however skewed within the
// bound, can see the lease expired. A connect (10 s at most) and a small request body fit well
// inside that. Plain values; thread-safe.

#include <algorithm>
#include <chrono>

#include "core/task/task.h"

namespace nmcp::store {

// The default lease of a worker's task (EngineOptions::lease).
inline constexpr std::chrono::milliseconds kDefaultLease{60'000};
// The largest clock offset any process may have, whatever its lease.
inline constexpr task::Millis kMaxClockOffsetCap = 10'000;

struct LeaseTiming {
  task::Millis term;

  task::Millis renew_every() const { return term / 3; }
  task::Millis side_effect_window() const { return term / 6; }
  task::Millis max_clock_offset() const { return std::min(term / 6, kMaxClockOffsetCap); }
  // What is left for a gated request to reach the scanner before a takeover is possible.
  task::Millis delivery_margin() const { return term - side_effect_window() - max_clock_offset(); }
};

}  // namespace nmcp::store
