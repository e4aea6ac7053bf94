#include "core/schedule/cron.h"

#include <array>
#include <cctype>
#include <string>
#include <vector>

#include "core/base/text.h"
#include "core/schedule/weekdays.h"

namespace nmcp::schedule {
namespace {

constexpr std::int64_t kDay = 86400;

using NameRule = std::optional<int> (*)(std::string_view);

struct FieldSpec {
  const char* name;
  int min, max;
  NameRule by_name;  // the field's values by name, or nullptr
};

std::optional<int> month_from_name(std::string_view name) {
  static constexpr std::array<std::string_view, 12> kMonthNames = {
      "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"};
  const std::string lower = ascii_lower(name);
  for (std::size_t i = 0; i < kMonthNames.size(); ++i) {
    if (lower == kMonthNames[i]) return static_cast<int>(i) + 1;
  }
  return std::nullopt;
}

// Weekday names are the one rule of weekdays.h (scan windows read them too).
constexpr NameRule kWeekdayRule = &weekday_from_name;

std::optional<int> value_of(std::string_view s, const FieldSpec& f) {
  if (s.empty()) return std::nullopt;
  if (std::isdigit(static_cast<unsigned char>(s[0])) != 0) {
    int v = 0;
    for (const char c : s) {
      if (std::isdigit(static_cast<unsigned char>(c)) == 0 || v > 1000) return std::nullopt;
      v = v * 10 + (c - '0');
    }
    return v;
  }
  return f.by_name != nullptr ? f.by_name(s) : std::nullopt;
}

// Sets the bits of one field; "" on success, else why not.
template <std::size_t N>
std::string parse_field(std::string_view text, const FieldSpec& f, std::bitset<N>& bits,
                        bool& any) {
  any = text == "*";
  const int max = f.by_name == kWeekdayRule ? 7 : f.max;  // 7 is Sunday too
  std::size_t start = 0;
  while (start <= text.size()) {
    const auto comma = text.find(',', start);
    const std::string_view item = text.substr(
        start, comma == std::string_view::npos ? std::string_view::npos : comma - start);
    start = comma == std::string_view::npos ? text.size() + 1 : comma + 1;
    std::string_view range = item;
    int step = 1;
    if (const auto slash = item.find('/'); slash != std::string_view::npos) {
      range = item.substr(0, slash);
      const auto s = value_of(item.substr(slash + 1), FieldSpec{f.name, 1, 1000, nullptr});
      if (!s || *s < 1) return "the step after / must be a whole number of 1 or more";
      step = *s;
    }
    int lo = f.min, hi = max;
    if (range != "*") {
      const auto dash = range.find('-');
      const auto a = value_of(range.substr(0, dash), f);
      const auto b = dash == std::string_view::npos ? a : value_of(range.substr(dash + 1), f);
      if (!a || !b) return "\"" + std::string(item) + "\" is not a value, range or step";
      lo = *a;
      hi = dash == std::string_view::npos && step > 1 ? max : *b;
      if (lo < f.min || hi > max || lo > hi) {
        return "\"" + std::string(item) + "\" is outside " + std::to_string(f.min) + "-" +
               std::to_string(f.max);
      }
    }
    for (int v = lo; v <= hi; v += step) bits.set(static_cast<std::size_t>(v % (f.max + 1)));
  }
  if (any) bits.set();
  return {};
}

}  // namespace

Result<CronExpression> CronExpression::parse(std::string_view text) {
  std::vector<std::string> fields;
  std::string current;
  for (const char c : text) {
    if (c == ' ' || c == '\t') {
      if (!current.empty()) fields.push_back(std::move(current));
      current.clear();
    } else {
      current.push_back(c);
    }
  }
  if (!current.empty()) fields.push_back(std::move(current));
  if (fields.size() != 5) {
    return fail(ErrorCode::InvalidArgument,
                "a cron expression has 5 fields (minute hour day-of-month month day-of-week), "
                "got " +
                    std::to_string(fields.size()),
                "e.g. \"0 2 * * *\" for 02:00 every day, \"30 22 * * mon-fri\" for weekdays");
  }
  CronExpression c;
  const std::array<FieldSpec, 5> specs = {
      FieldSpec{"minute", 0, 59, nullptr}, FieldSpec{"hour", 0, 23, nullptr},
      FieldSpec{"day-of-month", 1, 31, nullptr}, FieldSpec{"month", 1, 12, &month_from_name},
      FieldSpec{"day-of-week", 0, 6, kWeekdayRule}};
  bool ignored = false;
  std::string why;
  std::size_t bad = 0;
  const auto check = [&](std::size_t field, std::string problem) {
    if (why.empty() && !problem.empty()) {
      why = std::move(problem);
      bad = field;
    }
  };
  check(0, parse_field(fields[0], specs[0], c.minutes, ignored));
  if (why.empty()) check(1, parse_field(fields[1], specs[1], c.hours, ignored));
  if (why.empty()) check(2, parse_field(fields[2], specs[2], c.days_of_month, c.any_day_of_month));
  if (why.empty()) check(3, parse_field(fields[3], specs[3], c.months, ignored));
  if (why.empty()) check(4, parse_field(fields[4], specs[4], c.days_of_week, c.any_day_of_week));
  if (!why.empty()) {
    return fail(ErrorCode::InvalidArgument,
                std::string("cron field ") + specs[bad].name + ": " + why,
                "fields take *, numbers, ranges (1-5), lists (1,15) and steps (*/10); months and "
                "weekdays also take names (jan, mon)");
  }
  for (const auto& f : fields) c.text += (c.text.empty() ? "" : " ") + f;
  return c;
}

bool CronExpression::matches_day(int month, int day, int weekday) const {
  if (!months.test(static_cast<std::size_t>(month))) return false;
  const bool dom = days_of_month.test(static_cast<std::size_t>(day));
  const bool dow = days_of_week.test(static_cast<std::size_t>(weekday));
  if (any_day_of_month && any_day_of_week) return true;
  if (any_day_of_month) return dow;
  if (any_day_of_week) return dom;
  return dom || dow;
}

std::optional<UtcSeconds> next_slot(const CronExpression& cron, const TimeZone& zone,
                                    UtcSeconds after) {
  // Walk the local calendar from the local date of `after` (less a day: a gap slot of the
  // previous local day may still lie ahead), and map each matching wall-clock minute to UTC.
  const LocalSeconds local_after = zone.to_local(after);
  const std::int64_t first_day =
      (local_after >= 0 ? local_after : local_after - kDay + 1) / kDay - 1;
  for (std::int64_t d = first_day; d < first_day + 5 * 366 + 2; ++d) {
    const CivilDate date = civil_from_days(d);
    if (!cron.matches_day(date.month, date.day, weekday_of(d))) continue;
    for (int h = 0; h < 24; ++h) {
      if (!cron.hours.test(static_cast<std::size_t>(h))) continue;
      for (int m = 0; m < 60; ++m) {
        if (!cron.minutes.test(static_cast<std::size_t>(m))) continue;
        const LocalSeconds local = d * kDay + h * 3600 + m * 60;
        // A gap: once, when it ends. An overlap: the first occurrence only.
        const UtcSeconds t = zone.instant_of(local);
        if (t > after) return t;
      }
    }
  }
  return std::nullopt;
}

}  // namespace nmcp::schedule
