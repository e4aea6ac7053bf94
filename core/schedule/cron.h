#pragma once
// Five-field cron expressions (minute hour day-of-month month day-of-week) evaluated in an IANA
// time zone. Fields take *, numbers, ranges a-b, lists a,b and steps */n or a-b/n; months and
// weekdays also take names (jan, mon); 7 is Sunday as well as 0. As in Vixie cron, when both
// day fields are restricted a day matches either.
//
// Daylight-saving time neither skips nor doubles a slot: a wall-clock time that does not exist
// (the spring-forward gap) fires once, at the instant the gap ends; one that exists twice (the
// fall-back overlap) fires once, at its first occurrence.
//
// Values are immutable once parsed; thread-safe.

#include <bitset>
#include <optional>
#include <string>
#include <string_view>

#include "core/base/result.h"
#include "core/schedule/time_zone.h"

namespace nmcp::schedule {

struct CronExpression {
  std::bitset<60> minutes;
  std::bitset<24> hours;
  std::bitset<32> days_of_month;  // 1-31
  std::bitset<13> months;         // 1-12
  std::bitset<7> days_of_week;    // 0 = Sunday
  bool any_day_of_month = true;
  bool any_day_of_week = true;
  std::string text;  // as written, normalised to single spaces

  // InvalidArgument naming the field and what it accepts.
  static Result<CronExpression> parse(std::string_view text);
  bool matches_day(int month, int day, int weekday) const;
};

// The first slot strictly after `after`; nullopt when none comes within five years (e.g.
// "0 0 30 2 *").
std::optional<UtcSeconds> next_slot(const CronExpression& cron, const TimeZone& zone,
                                    UtcSeconds after);

}  // namespace nmcp::schedule
