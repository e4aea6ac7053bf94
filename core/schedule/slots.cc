#include "core/schedule/slots.h"

#include <cctype>

namespace nmcp::schedule {

Result<std::int64_t> parse_interval(std::string_view text) {
  std::int64_t total = 0;
  std::size_t at = 0;
  bool any = false;
  while (at < text.size()) {
    std::int64_t n = 0;
    const std::size_t digits = at;
    while (at < text.size() && std::isdigit(static_cast<unsigned char>(text[at])) != 0) {
      n = n * 10 + (text[at++] - '0');
      if (n > 1'000'000'000) break;
    }
    if (at == digits || at >= text.size()) {
      total = -1;
      break;
    }
    const char unit = text[at++];
    const std::int64_t scale = unit == 's'   ? 1
                               : unit == 'm' ? 60
                               : unit == 'h' ? 3600
                               : unit == 'd' ? 86400
                                             : 0;
    if (scale == 0) {
      total = -1;
      break;
    }
    total += n * scale;
    any = true;
  }
  if (!any || total < 60 || total > 366LL * 86400) {
    return fail(ErrorCode::InvalidArgument,
                "\"" + std::string(text) + "\" is not an interval from 1 minute to 366 days",
                "write a number and a unit: 30m, 6h, 1d, 1h30m");
  }
  return total;
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
