#pragma once
// When a schedule fires: its slots (cron in a time zone, or a fixed interval from its start),
// which slot is due after downtime (the latest one only: missed slots lead to one catch-up run,
// not a burst), and the idempotency key a slot's task is submitted with, so a double fire, a
// failover or a restart never creates a slot's task twice. Pure functions; thread-safe.

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "core/base/result.h"
#include "core/schedule/cron.h"

namespace nmcp::schedule {

// "30m", "6h", "1d", "90s", "1h30m": at least one minute, at most 366 days.
Result<std::int64_t> parse_interval(std::string_view text);

// Slot k of an interval schedule is start + k * period; the first strictly after `after`.
UtcSeconds next_interval_slot(UtcSeconds start, std::int64_t period, UtcSeconds after);

// A schedule's timing: a cron expression in a zone, or an interval from `start`; slots before
// `start` and after `end` (when set) never fire.
struct Timing {
  std::optional<CronExpression> cron;
  std::shared_ptr<const TimeZone> zone = TimeZone::utc();
  std::int64_t interval = 0;  // seconds, when there is no cron
  UtcSeconds start = 0;
  std::optional<UtcSeconds> end;
};

std::optional<UtcSeconds> next_slot(const Timing& timing, UtcSeconds after);

// What is due at `now` for a schedule whose last handled slot is `last` (nullopt: never; the
// schedule was created at `created`): the latest slot in (last, now], and how many earlier
// ones it stands for (skipped, recorded, not run).
struct DueSlot {
  UtcSeconds slot = 0;
  long long missed = 0;
};
std::optional<DueSlot> due_slot(const Timing& timing, std::optional<UtcSeconds> last,
                                UtcSeconds created, UtcSeconds now);

// "schedule:<id>:<slot as UTC seconds>": the same for every process that fires that slot.
std::string slot_idempotency_key(std::string_view schedule_id, UtcSeconds slot);

}  // namespace nmcp::schedule
