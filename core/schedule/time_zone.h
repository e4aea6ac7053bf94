#pragma once
// IANA time zones, read from the system's TZif files (/usr/share/zoneinfo, package tzdata; the
// directory can be changed for tests): the UTC offset at an instant, and the instants a local
// wall-clock time names, which are none in a spring-forward gap and two in a fall-back
// overlap. Instants after the file's last transition follow its POSIX TZ footer rule, so a
// "slim" file and dates past 2037 are right too. Schedules and scan windows use it.
//
// A TimeZone is immutable once loaded; share it freely across threads.

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/base/result.h"

namespace nmcp::schedule {

// Seconds since 1970-01-01 00:00 UTC.
using UtcSeconds = std::int64_t;
// Seconds since 1970-01-01 00:00 of the local wall clock (the same arithmetic, another zone).
using LocalSeconds = std::int64_t;

// One DST rule of a POSIX TZ string: "M3.5.0/2" (month, week 1-5 where 5 is the last,
// weekday 0 = Sunday), "J60" (day 1-365, February 29 never counted) or "59" (day 0-365).
struct PosixTransitionRule {
  enum class Kind { MonthWeekDay, Julian1, Julian0 } kind = Kind::MonthWeekDay;
  int month = 0, week = 0, weekday = 0, day = 0;
  int seconds = 2 * 3600;  // local time of day of the change; may be negative or past 24h
};

struct PosixZone {
  int std_offset = 0;  // seconds east of UTC
  bool has_dst = false;
  int dst_offset = 0;
  PosixTransitionRule start, end;
};

class TimeZone {
 public:
  // `name` as in the IANA database: "Europe/Berlin", "America/New_York", "UTC". Each zone file
  // is read once per process (zones never change while it runs; a tzdata upgrade needs a
  // restart).
  // InvalidArgument for a name that is not one (with a hint), NotFound when the database has
  // no such zone.
  static Result<std::shared_ptr<const TimeZone>> load(std::string_view name,
                                                      const std::string& zoneinfo_dir = "");
  static std::shared_ptr<const TimeZone> utc();
  // Parses TZif content (for tests and for load()).
  static Result<std::shared_ptr<const TimeZone>> from_tzif(std::string name, std::string_view data);

  const std::string& name() const { return name_; }
  // Seconds east of UTC in effect at `t`.
  int offset_at(UtcSeconds t) const;
  LocalSeconds to_local(UtcSeconds t) const { return t + offset_at(t); }
  // The instants whose local time is `local`, ascending: one, two (an overlap) or none (a gap).
  std::vector<UtcSeconds> resolve(LocalSeconds local) const;
  // For a local time in a gap: the instant the gap ends (the transition), the first instant
  // after the local time that exists.
  UtcSeconds gap_end(LocalSeconds local) const;
  // When a wall-clock time happens, the product's one DST rule (cron slots, scan windows): in a
  // gap, when the gap ends; in an overlap, the first occurrence.
  UtcSeconds instant_of(LocalSeconds local) const;

 private:
  TimeZone() = default;
  std::string name_;
  std::vector<UtcSeconds> transitions_;
  std::vector<int> offsets_;  // in effect from transitions_[i]
  int initial_offset_ = 0;    // before the first transition
  bool has_footer_ = false;
  PosixZone footer_;
};

// Parses a POSIX TZ string such as "CET-1CEST,M3.5.0,M10.5.0/3" or "<+03>-3".
Result<PosixZone> parse_posix_tz(std::string_view text);
int posix_offset_at(const PosixZone& zone, UtcSeconds t);

// Civil calendar arithmetic (proleptic Gregorian), days since 1970-01-01.
std::int64_t days_from_civil(int year, int month, int day);
struct CivilDate {
  int year = 1970, month = 1, day = 1;
};
CivilDate civil_from_days(std::int64_t days);
int weekday_of(std::int64_t days);  // 0 = Sunday

}  // namespace nmcp::schedule
