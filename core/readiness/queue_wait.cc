#include "core/readiness/queue_wait.h"

#include "core/readiness/scan_window.h"

namespace nmcp::readiness {

int usable_capacity(const config::PoolConfig& pool, const PoolReadiness& ready) {
  int total = 0;
  for (std::size_t n = 0; n < pool.instances.size() && n < ready.instances.size(); ++n) {
    if (ready.instances[n].state == InstanceState::Usable) {
      total += pool.instances[n].max_concurrent_scans;
    }
  }
  return total;
}

Waiting why_waiting(const config::PoolConfig& pool, const PoolReadiness* ready,
                    task::Millis not_before, int position, task::Millis now) {
  Waiting w;
  if (ready != nullptr && !ready->ready) {
    w.kind = Waiting::Kind::NoScanner;
    w.reason = "no scanner of pool '" + pool.name + "' can take it: " + ready->reason;
    w.hint = ready->hint;
    w.since = ready->since;
    return w;
  }
  if (auto window = pool_window(pool, now); window && !window->open) {
    w.kind = Waiting::Kind::WindowClosed;
    w.reason = waiting_for_window(pool, now);
    w.hint = "it starts by itself when the window opens";
    w.until = window->changes_at;
    return w;
  }
  if (not_before > now) {
    w.kind = Waiting::Kind::Backoff;
    w.reason = "retrying after a failed attempt (see error)";
    w.until = not_before;
    return w;
  }
  if (position > 1) {
    w.kind = Waiting::Kind::Behind;
    w.reason = std::to_string(position - 1) + " scan(s) of pool '" + pool.name +
               "' are ahead of it; it starts when a scanner slot frees up";
    return w;
  }
  w.reason = "next in line; a worker picks it up within seconds";
  return w;
}

std::optional<long long> wait_estimate_seconds(int capacity, int running, int position,
                                               std::optional<task::Millis> typical_duration) {
  if (capacity <= 0 || !typical_duration || *typical_duration <= 0) return std::nullopt;
  // Every slot is busy with the scans running now and those queued ahead; ours starts when
  // enough of them have finished.
  const long long waves = (running + position - 1) / capacity;
  return waves * (*typical_duration / 1000);
}

}  // namespace nmcp::readiness
