#include "core/schedule/slots.h"

#include "core/base/time_text.h"

namespace nmcp::schedule {

Result<std::int64_t> parse_interval(std::string_view text) {
  const auto ms = parse_duration_ms(text);
  if (!ms || *ms < 60'000 || *ms > 366LL * 86'400'000) {
    return fail(
        ErrorCode::InvalidArgument,
        "\"" + std::string(text.substr(0, 40)) + "\" is not an interval from 1 minute to 366 days",
        "write a number and a unit: 30m, 6h, 1d, 1h30m");
  }
  return *ms / 1000;
}

UtcSeconds next_interval_slot(UtcSeconds start, std::int64_t period, UtcSeconds after) {
  if (after < start) return start;
  return start + ((after - start) / period + 1) * period;
}

std::optional<UtcSeconds> next_slot(const Timing& timing, UtcSeconds after) {
  const UtcSeconds from = std::max(after, timing.start - 1);
  std::optional<UtcSeconds> t;
  if (timing.cron) {
    t = next_slot(*timing.cron, *timing.zone, from);
  } else if (timing.interval > 0) {
    t = next_interval_slot(timing.start, timing.interval, from);
  }
  if (t && timing.end && *t > *timing.end) return std::nullopt;
  return t;
}

std::optional<DueSlot> due_slot(const Timing& timing, std::optional<UtcSeconds> last,
                                UtcSeconds created, UtcSeconds now) {
  // A new schedule's first slot is the first after its creation: creating one at 02:10 for
  // "0 2 * * *" does not fire today's 02:00.
  const UtcSeconds from = last.value_or(created);
  auto slot = next_slot(timing, from);
  if (!slot || *slot > now) return std::nullopt;
  DueSlot due{*slot, 0};
  // Walk to the latest due slot; bounded, since a minute-cron over a year of downtime is 525,600
  // slots, so intervals are counted arithmetically and cron walks at most that far.
  if (!timing.cron && timing.interval > 0) {
    const UtcSeconds latest_end = timing.end ? std::min(now, *timing.end) : now;
    const std::int64_t k = (latest_end - *slot) / timing.interval;
    due.slot = *slot + k * timing.interval;
    due.missed = k;
    return due;
  }
  for (int i = 0; i < 600'000; ++i) {
    auto next = next_slot(timing, due.slot);
    if (!next || *next > now) break;
    due.slot = *next;
    ++due.missed;
  }
  return due;
}

std::string slot_idempotency_key(std::string_view schedule_id, UtcSeconds slot) {
  return "schedule:" + std::string(schedule_id) + ":" + std::to_string(slot);
}

}  // namespace nmcp::schedule
