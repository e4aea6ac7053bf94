#pragma once
// Whether each pool can run scans now, and if not why, from the configuration and the health
// the workers last published (store::ScannerStatus). One rule for every caller: the tools
// (list_scanners, get_pool_status, a queued task's get_scan_status, the submit check) and the
// readiness endpoint all say the same thing.
//
//   usable     enabled, probed, reachable, logged in, scan API on, ready, breaker closed
//   unknown    enabled but no worker has probed it yet (or its last probe is stale)
//   unusable   enabled and probed, with the error and hint the probe found
//   disabled   enabled: false in the configuration
//
// A pool is ready when one instance is usable. It cannot run scans at all when no instance is
// enabled, or when every enabled instance was found unable to control scans through the API
// (an edition without the scan API): waiting would not help, so a submit is refused.
// Pure functions; thread-safe.

#include <map>
#include <string>
#include <vector>

#include "core/config/scanner_config.h"
#include "core/store/scanner_status.h"

namespace nmcp::readiness {

enum class InstanceState { Usable, Unknown, Unusable, Disabled };
std::string_view to_string(InstanceState s);

struct InstanceReadiness {
  std::string id;
  InstanceState state = InstanceState::Unknown;
  std::string error;                             // Unusable / Unknown: what is wrong
  std::string hint;                              // what to do about it
  task::Millis since = 0;                        // when it entered this state (0: unknown)
  task::Millis checked_at = 0;                   // when a worker last probed it (0: never)
  const store::ScannerStatus* status = nullptr;  // the last probe, if any
};

struct PoolReadiness {
  std::string pool;
  bool ready = false;         // at least one instance is usable
  bool can_ever_run = false;  // false: no enabled instance, or every one lacks the scan API
  std::vector<InstanceReadiness> instances;
  // When not ready: one sentence naming each instance's problem, and what to do.
  std::string reason;
  std::string hint;
  task::Millis since = 0;  // not ready since (the latest time an instance became unusable)
};

// Health older than this means no worker checks the instance any more (workers probe every
// 30 s by default).
inline constexpr task::Millis kHealthStaleAfterMs = 10 * 60 * 1000;

// A status older than `stale_after` ms (when > 0) counts as unknown: its worker is gone.
PoolReadiness pool_readiness(const config::PoolConfig& pool,
                             const std::map<std::string, store::ScannerStatus>& statuses,
                             task::Millis now, task::Millis stale_after = kHealthStaleAfterMs);

}  // namespace nmcp::readiness
