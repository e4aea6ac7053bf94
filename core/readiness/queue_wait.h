#pragma once
// Why a queued task waits, how long it may wait, and how many scans a pool can run now: one
// rule for the answer to a submit, a queued task's status (MCP and admin_cli alike) and the
// pool's status, so that none of them can say something another contradicts.
//
// Pure functions; thread-safe.

#include <optional>
#include <string>

#include "core/config/scanner_config.h"
#include "core/readiness/pool_readiness.h"
#include "core/task/task.h"

namespace nmcp::readiness {

// The scans a pool can run at the same time now: the slots of its usable instances only (an
// instance that is down, unprobed or disabled adds nothing).
int usable_capacity(const config::PoolConfig& pool, const PoolReadiness& ready);

struct Waiting {
  // In the order that matters to the caller: nothing can run it, it is outside the pool's
  // window, a retry's backoff, scans ahead of it, or nothing (it is next).
  enum class Kind { NoScanner, WindowClosed, Backoff, Behind, NextInLine };
  Kind kind = Kind::NextInLine;
  std::string reason;
  std::string hint;                   // what to do, when anything helps
  task::Millis since = 0;             // NoScanner: since when (0: unknown)
  std::optional<task::Millis> until;  // WindowClosed, Backoff: when it ends
  // It cannot start now whatever the queue does: no scanner, or the window is closed.
  bool blocked() const { return kind == Kind::NoScanner || kind == Kind::WindowClosed; }
};

// Why a task of `pool` that is queued at `position` (1: next; 0: not in the queue yet) and may
// not run before `not_before` waits at `now`. `ready` is null when no scanner health is known.
Waiting why_waiting(const config::PoolConfig& pool, const PoolReadiness* ready,
                    task::Millis not_before, int position, task::Millis now);

// Seconds until a task at `position` starts, from the pool's capacity now, the scans running
// in it, and its typical scan duration; nullopt when any of them is unknown or zero.
std::optional<long long> wait_estimate_seconds(int capacity, int running, int position,
                                               std::optional<task::Millis> typical_duration);

}  // namespace nmcp::readiness
