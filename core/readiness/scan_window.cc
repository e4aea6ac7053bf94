#include "core/readiness/scan_window.h"

#include <algorithm>
#include <vector>

#include "core/schedule/time_zone.h"

namespace nmcp::readiness {

namespace {

using schedule::LocalSeconds;
using schedule::UtcSeconds;

constexpr std::int64_t kDay = 86'400;

struct Interval {
  UtcSeconds open, close;
};

// The window's openings from the local day before `now` to eight days after, in order, with
// touching ones merged.
std::vector<Interval> intervals(const config::ScanWindow& w, const schedule::TimeZone& zone,
                                UtcSeconds now) {
  const std::int64_t today = [&] {
    const LocalSeconds local = zone.to_local(now);
    return local >= 0 ? local / kDay : (local - kDay + 1) / kDay;
  }();
  std::vector<Interval> out;
  for (std::int64_t d = today - 1; d <= today + 8; ++d) {
    if (!w.days[static_cast<std::size_t>(schedule::weekday_of(d))]) continue;
    const LocalSeconds open = d * kDay + w.start_minute * 60;
    const std::int64_t close_day = w.end_minute <= w.start_minute ? d + 1 : d;
    const LocalSeconds close = close_day * kDay + w.end_minute * 60;
    Interval i{zone.instant_of(open), zone.instant_of(close)};
    if (i.close <= i.open) continue;  // a window that a transition swallowed
    if (!out.empty() && i.open <= out.back().close) {
      out.back().close = std::max(out.back().close, i.close);
    } else {
      out.push_back(i);
    }
  }
  return out;
}

}  // namespace

Result<WindowState> window_state(const config::ScanWindow& w, task::Millis now,
                                 const std::string& zoneinfo_dir) {
  auto zone = schedule::TimeZone::load(w.timezone, zoneinfo_dir);
  if (!zone) return fail(zone.error());
  const UtcSeconds t = now >= 0 ? now / 1000 : (now - 999) / 1000;
  const auto all = intervals(w, **zone, t);
  for (std::size_t i = 0; i < all.size(); ++i) {
    if (all[i].open <= t && t < all[i].close) {
      // Merged into the last one seen: a window that never closes within the horizon.
      if (i + 1 == all.size() && all[i].close >= t + 8 * kDay) return WindowState{true, {}};
      return WindowState{true, all[i].close * 1000};
    }
    if (all[i].open > t) return WindowState{false, all[i].open * 1000};
  }
  return WindowState{false, std::nullopt};  // no weekday is set: it never opens
}

Result<WindowState> pool_window(const config::PoolConfig& pool, task::Millis now,
                                const std::string& zoneinfo_dir) {
  if (!pool.window) return WindowState{};
  return window_state(*pool.window, now, zoneinfo_dir);
}

nlohmann::json window_json(const config::PoolConfig& pool, task::Millis now) {
  if (!pool.window) return nullptr;
  nlohmann::json j = {{"window", pool.window->text},
                      {"on_close", std::string(config::to_string(pool.window->on_close))}};
  auto state = window_state(*pool.window, now);
  if (!state) {
    j["error"] = state.error().message;
    return j;
  }
  j["open"] = state->open;
  const nlohmann::json when =
      state->changes_at ? nlohmann::json(task::format_time(*state->changes_at)) : nlohmann::json();
  j[state->open ? "closes_at" : "opens_at"] = when;
  return j;
}

std::string waiting_for_window(const config::PoolConfig& pool, task::Millis now) {
  if (!pool.window) return {};
  auto state = window_state(*pool.window, now);
  if (state && state->open) return {};
  std::string out =
      "outside the scan window of pool '" + pool.name + "' (" + pool.window->text + ")";
  if (!state) return out + ": " + state.error().message;
  if (!state->changes_at) return out + ": the window names no weekday, so it never opens";
  return out + ": it waits until " + task::format_time(*state->changes_at);
}

}  // namespace nmcp::readiness
