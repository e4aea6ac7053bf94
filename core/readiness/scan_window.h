#pragma once
// Whether a pool's scan window (config::ScanWindow) is open at an instant, and when that
// changes: the one rule the worker's claims, the submit answer ("waits until ..."), the status
// of a queued task, the dry run and the close handling of running scans all read. Local times
// are turned into instants with the zone's rules: an opening or closing in a daylight-saving
// gap happens at the gap's end, one in a repeated hour at its first occurrence; windows that
// touch (daily 00:00-24:00) are one window.
//
// Thread-safety: pure functions (zones are cached by TimeZone::load).

#include <cstdint>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "core/base/result.h"
#include "core/config/scanner_config.h"
#include "core/task/task.h"

namespace nmcp::readiness {

struct WindowState {
  bool open = true;
  // Open: when it closes; closed: when it opens next. nullopt: never (no weekday is set, or the
  // window is open all the time).
  std::optional<task::Millis> changes_at;
};

// A pool without a window is always open. NotFound/InvalidArgument for a zone that cannot be
// loaded (the configuration checked it when it was read).
Result<WindowState> window_state(const config::ScanWindow& window, task::Millis now,
                                 const std::string& zoneinfo_dir = "");
Result<WindowState> pool_window(const config::PoolConfig& pool, task::Millis now,
                                const std::string& zoneinfo_dir = "");

// {"window": text, "open": bool, "opens_at" | "closes_at": ISO time or null, "on_close": ...};
// null for a pool without a window.
nlohmann::json window_json(const config::PoolConfig& pool, task::Millis now);

// "outside the scan window of pool 'lab' (mon-fri 22:00-06:00 Europe/Berlin): it waits until
// 2026-12-02T21:00:00.000Z"; empty when the window is open or there is none.
std::string waiting_for_window(const config::PoolConfig& pool, task::Millis now);

}  // namespace nmcp::readiness
