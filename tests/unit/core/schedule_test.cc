// Time zones from the system's tzdata, cron expressions across both DST transitions in two
// zones (and a southern one), and schedule slots: intervals, catch-up after downtime, keys.
#include <set>
#include <string>
#include <vector>

#include <doctest/doctest.h>

#include "core/schedule/cron.h"
#include "core/schedule/slots.h"
#include "core/schedule/time_zone.h"

using namespace nmcp::schedule;

namespace {

UtcSeconds utc(int y, int mo, int d, int h = 0, int mi = 0) {
  return days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60;
}
LocalSeconds local(int y, int mo, int d, int h = 0, int mi = 0) { return utc(y, mo, d, h, mi); }

std::shared_ptr<const TimeZone> zone(const char* name) {
  auto z = TimeZone::load(name);
  REQUIRE_MESSAGE(z, (z ? "" : z.error().message));
  return *z;
}

CronExpression cron(const char* text) {
  auto c = CronExpression::parse(text);
  REQUIRE_MESSAGE(c, (c ? "" : c.error().message));
  return *c;
}

// Every slot in [from, to).
std::vector<UtcSeconds> slots(const CronExpression& c, const TimeZone& z, UtcSeconds from,
                              UtcSeconds to) {
  std::vector<UtcSeconds> out;
  for (auto t = next_slot(c, z, from - 1); t && *t < to; t = next_slot(c, z, *t)) {
    out.push_back(*t);
  }
  return out;
}

}  // namespace

TEST_CASE("civil dates: round trips, weekdays, leap years") {
  CHECK(days_from_civil(1970, 1, 1) == 0);
  CHECK(weekday_of(days_from_civil(2026, 3, 29)) == 0);   // a Sunday
  CHECK(weekday_of(days_from_civil(1969, 12, 31)) == 3);  // a Wednesday
  CHECK(days_from_civil(2000, 3, 1) - days_from_civil(2000, 2, 28) == 2);
  CHECK(days_from_civil(1900, 3, 1) - days_from_civil(1900, 2, 28) == 1);
  for (std::int64_t d = -800000; d < 800000; d += 997) {
    const CivilDate c = civil_from_days(d);
    CHECK(days_from_civil(c.year, c.month, c.day) == d);
  }
}

TEST_CASE("POSIX TZ rules: northern, southern, fixed, malformed") {
  auto cet = parse_posix_tz("CET-1CEST,M3.5.0,M10.5.0/3");
  REQUIRE(cet);
  CHECK(cet->std_offset == 3600);
  CHECK(cet->dst_offset == 7200);
  CHECK(posix_offset_at(*cet, utc(2040, 3, 25, 0, 59)) == 3600);  // last Sunday of March 2040
  CHECK(posix_offset_at(*cet, utc(2040, 3, 25, 1, 0)) == 7200);
  CHECK(posix_offset_at(*cet, utc(2040, 10, 28, 0, 59)) == 7200);
  CHECK(posix_offset_at(*cet, utc(2040, 10, 28, 1, 0)) == 3600);
  auto sydney = parse_posix_tz("AEST-10AEDT,M10.1.0,M4.1.0/3");
  REQUIRE(sydney);
  CHECK(posix_offset_at(*sydney, utc(2040, 1, 15)) == 11 * 3600);  // summer in January
  CHECK(posix_offset_at(*sydney, utc(2040, 7, 15)) == 10 * 3600);
  auto fixed = parse_posix_tz("<+03>-3");
  REQUIRE(fixed);
  CHECK_FALSE(fixed->has_dst);
  CHECK(fixed->std_offset == 3 * 3600);
  for (const char* bad : {"", "C-1", "CET", "CET-1CEST,M13.1.0,M10.5.0", "CET-1CEST,M3.5.0"}) {
    CAPTURE(bad);
    CHECK_FALSE(parse_posix_tz(bad));
  }
}

TEST_CASE("time zones: offsets, the spring gap and the autumn overlap, past 2037 by the footer") {
  const auto berlin = zone("Europe/Berlin");
  CHECK(berlin->offset_at(utc(2026, 3, 29, 0, 59)) == 3600);
  CHECK(berlin->offset_at(utc(2026, 3, 29, 1, 0)) == 7200);
  CHECK(berlin->resolve(local(2026, 3, 29, 2, 30)).empty());  // 02:00-03:00 does not exist
  CHECK(berlin->gap_end(local(2026, 3, 29, 2, 30)) == utc(2026, 3, 29, 1, 0));
  CHECK(berlin->resolve(local(2026, 10, 25, 2, 30)) ==
        std::vector<UtcSeconds>{utc(2026, 10, 25, 0, 30), utc(2026, 10, 25, 1, 30)});
  CHECK(berlin->resolve(local(2026, 7, 1, 12)) == std::vector<UtcSeconds>{utc(2026, 7, 1, 10)});
  CHECK(berlin->offset_at(utc(2060, 7, 1)) == 7200);  // beyond the file's table
  CHECK(berlin->offset_at(utc(2060, 1, 1)) == 3600);
  const auto ny = zone("America/New_York");
  CHECK(ny->offset_at(utc(2026, 3, 8, 6, 59)) == -5 * 3600);
  CHECK(ny->offset_at(utc(2026, 3, 8, 7, 0)) == -4 * 3600);
  CHECK(ny->resolve(local(2026, 11, 1, 1, 30)).size() == 2);
  CHECK(zone("UTC")->offset_at(utc(2026, 7, 1)) == 0);
  CHECK(zone("Asia/Kolkata")->offset_at(utc(2026, 7, 1)) == 5 * 3600 + 1800);

  CHECK(TimeZone::load("Mars/Olympus_Mons").error().code == nmcp::ErrorCode::NotFound);
  for (const char* bad : {"../etc/passwd", "/etc/localtime", "Europe/Berlin;rm", ""}) {
    CAPTURE(bad);
    CHECK(TimeZone::load(bad).error().code == nmcp::ErrorCode::InvalidArgument);
  }
}

TEST_CASE("cron: parsing, names, steps, ranges, and errors that name the field") {
  const auto c = cron("*/15 9-17 * jan,jul mon-fri");
  CHECK(c.minutes.count() == 4);
  CHECK(c.hours.count() == 9);
  CHECK(c.months.test(1));
  CHECK(c.months.test(7));
  CHECK(c.months.count() == 2);
  CHECK(c.days_of_week.count() == 5);
  CHECK(cron("0 0 * * 7").days_of_week.test(0));     // 7 is Sunday
  CHECK(cron("5/20 * * * *").minutes.count() == 3);  // 5, 25, 45
  CHECK(cron("0  0   1 * *").text == "0 0 1 * *");
  struct Bad {
    const char* text;
    const char* says;
  };
  for (const auto& b :
       {Bad{"* * * *", "5 fields"}, Bad{"60 * * * *", "cron field minute"},
        Bad{"* 24 * * *", "cron field hour"}, Bad{"* * 0 * *", "day-of-month"},
        Bad{"* * * 13 *", "cron field month"}, Bad{"* * * * 8", "day-of-week"},
        Bad{"*/0 * * * *", "step"}, Bad{"* * * foo *", "month"}, Bad{"5-1 * * * *", "minute"}}) {
    CAPTURE(b.text);
    const auto r = CronExpression::parse(b.text);
    REQUIRE_FALSE(r);
    CHECK(r.error().message.find(b.says) != std::string::npos);
  }
}

TEST_CASE("cron: a daily slot over months in two zones, through both DST changes, once a day") {
  struct Case {
    const char* zone;
    const char* cron;
    int spring_day, autumn_month, autumn_day;
    UtcSeconds spring_slot, autumn_slot;
  };
  // 02:30 does not exist on the spring day: it fires when the gap ends. 01:30 (New York) and
  // 02:30 (Berlin) exist twice on the autumn day: they fire at the first.
  for (const auto& k : {Case{"Europe/Berlin", "30 2 * * *", 29, 10, 25, utc(2026, 3, 29, 1, 0),
                             utc(2026, 10, 25, 0, 30)},
                        Case{"America/New_York", "30 2 * * *", 8, 11, 1, utc(2026, 3, 8, 7, 0),
                             utc(2026, 11, 1, 7, 30)},  // once: the overlap is 01:00-02:00
                        Case{"America/New_York", "30 1 * * *", 8, 11, 1, utc(2026, 3, 8, 6, 30),
                             utc(2026, 11, 1, 5, 30)},
                        // The southern hemisphere: the gap in October, the overlap in April.
                        Case{"Australia/Sydney", "30 2 * * *", 0, 4, 5, utc(2026, 10, 3, 16, 0),
                             utc(2026, 4, 4, 15, 30)}}) {
    CAPTURE(k.zone);
    CAPTURE(k.cron);
    const auto z = zone(k.zone);
    const auto all = slots(cron(k.cron), *z, utc(2026, 1, 1), utc(2027, 1, 1));
    CHECK(all.size() == 365);  // one per day: none skipped, none doubled
    std::set<std::int64_t> days;
    for (std::size_t i = 0; i < all.size(); ++i) {
      if (i > 0) CHECK(all[i] > all[i - 1]);
      days.insert((z->to_local(all[i])) / 86400);
    }
    CHECK(days.size() == 365);
    CHECK(std::count(all.begin(), all.end(), k.spring_slot) == 1);
    CHECK(std::count(all.begin(), all.end(), k.autumn_slot) == 1);
  }
}

TEST_CASE("cron: hourly slots on the short and the long day; weekday and day-of-month rules") {
  const auto berlin = zone("Europe/Berlin");
  // 23 real hours on the spring day (02:00 falls into the gap and is 03:00), 25 on the autumn
  // day, where 02:00 fires once.
  CHECK(slots(cron("0 * * * *"), *berlin, utc(2026, 3, 28, 23), utc(2026, 3, 29, 22)).size() == 23);
  CHECK(slots(cron("0 * * * *"), *berlin, utc(2026, 10, 24, 22), utc(2026, 10, 25, 23)).size() ==
        24);
  // Both day fields restricted: either matches (the 13th, or a Friday).
  const auto either =
      slots(cron("0 12 13 * fri"), *TimeZone::utc(), utc(2026, 2, 1), utc(2026, 3, 1));
  CHECK(either.size() == 4);  // Fridays 6, 13, 20, 27: the 13th is one of them, counted once
  // April 2026: Fridays 3, 10, 17, 24, and Monday the 13th.
  CHECK(slots(cron("0 12 13 * fri"), *TimeZone::utc(), utc(2026, 4, 1), utc(2026, 5, 1)).size() ==
        5);
  CHECK_FALSE(next_slot(cron("0 0 30 2 *"), *TimeZone::utc(), utc(2026, 1, 1)));
  const auto weekdays = slots(cron("0 22 * * mon-fri"), *berlin, utc(2026, 6, 1), utc(2026, 6, 8));
  CHECK(weekdays.size() == 5);
}

TEST_CASE("slots: intervals, catch-up after downtime, start and end, idempotency keys") {
  CHECK(parse_interval("6h").value() == 6 * 3600);
  CHECK(parse_interval("1h30m").value() == 5400);
  CHECK(parse_interval("1d").value() == 86400);
  for (const char* bad : {"", "30s", "6", "h", "-1h", "400d", "6x"}) {
    CAPTURE(bad);
    CHECK_FALSE(parse_interval(bad));
  }
  const UtcSeconds t0 = utc(2026, 5, 1, 0, 0);
  CHECK(next_interval_slot(t0, 3600, t0 - 10) == t0);
  CHECK(next_interval_slot(t0, 3600, t0) == t0 + 3600);
  CHECK(next_interval_slot(t0, 3600, t0 + 5000) == t0 + 7200);

  Timing hourly;
  hourly.interval = 3600;
  hourly.start = t0;
  // Down from 01:00 to 06:30: one catch-up run, for 06:00, standing for 4 missed slots.
  const auto due = due_slot(hourly, t0 + 3600, t0, t0 + 6 * 3600 + 1800);
  REQUIRE(due);
  CHECK(due->slot == t0 + 6 * 3600);
  CHECK(due->missed == 4);
  CHECK_FALSE(due_slot(hourly, t0 + 6 * 3600, t0, t0 + 6 * 3600 + 1800));  // nothing new

  Timing nightly;
  nightly.cron = cron("0 2 * * *");
  nightly.zone = zone("Europe/Berlin");
  // Created at 02:10 local: today's 02:00 is not due; tomorrow's is.
  const UtcSeconds created = utc(2026, 5, 1, 0, 10);
  CHECK_FALSE(due_slot(nightly, std::nullopt, created, utc(2026, 5, 1, 23)));
  const auto first = due_slot(nightly, std::nullopt, created, utc(2026, 5, 2, 0, 1));
  REQUIRE(first);
  CHECK(first->slot == utc(2026, 5, 2, 0, 0));
  CHECK(first->missed == 0);
  const auto after_outage = due_slot(nightly, first->slot, created, utc(2026, 5, 5, 9));
  REQUIRE(after_outage);
  CHECK(after_outage->slot == utc(2026, 5, 5, 0, 0));
  CHECK(after_outage->missed == 2);
  nightly.end = utc(2026, 5, 3, 12);
  CHECK(due_slot(nightly, first->slot, created, utc(2026, 5, 5, 9))->slot == utc(2026, 5, 3, 0));

  CHECK(slot_idempotency_key("sch_1", 1780000000) == "schedule:sch_1:1780000000");
}
