#include "core/schedule/time_zone.h"

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <fstream>
#include <map>
#include <mutex>
#include <sstream>

namespace nmcp::schedule {
namespace {

constexpr std::int64_t kDay = 86400;

std::int64_t floor_div(std::int64_t a, std::int64_t b) {
  return a / b - ((a % b != 0) && ((a < 0) != (b < 0)) ? 1 : 0);
}

bool is_leap(int y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

// Reads big-endian fields of a TZif file.
class Bytes {
 public:
  explicit Bytes(std::string_view d) : d_(d) {}
  bool has(std::size_t n) const { return pos_ + n <= d_.size(); }
  std::int64_t be(int n) {
    std::uint64_t v = 0;
    for (int i = 0; i < n; ++i) v = (v << 8U) | static_cast<unsigned char>(d_[pos_++]);
    if (n == 4) return static_cast<std::int32_t>(static_cast<std::uint32_t>(v));
    return static_cast<std::int64_t>(v);
  }
  unsigned char byte() { return static_cast<unsigned char>(d_[pos_++]); }
  void skip(std::size_t n) { pos_ += n; }
  std::size_t pos() const { return pos_; }
  std::string_view rest() const { return d_.substr(std::min(pos_, d_.size())); }

 private:
  std::string_view d_;
  std::size_t pos_ = 0;
};

struct Counts {
  std::int64_t isut = 0, isstd = 0, leap = 0, time = 0, type = 0, chars = 0;
};

bool read_header(Bytes& b, char& version, Counts& c) {
  if (!b.has(44)) return false;
  const auto magic = std::string_view(b.rest().data(), 4);
  if (magic != "TZif") return false;
  b.skip(4);
  version = static_cast<char>(b.byte());
  b.skip(15);
  c.isut = b.be(4);
  c.isstd = b.be(4);
  c.leap = b.be(4);
  c.time = b.be(4);
  c.type = b.be(4);
  c.chars = b.be(4);
  return c.isut >= 0 && c.isstd >= 0 && c.leap >= 0 && c.time >= 0 && c.type > 0 && c.chars >= 0 &&
         c.time < 100000 && c.type < 256;
}

std::size_t block_size(const Counts& c, int time_bytes) {
  return static_cast<std::size_t>(c.time * time_bytes + c.time + c.type * 6 + c.chars +
                                  c.leap * (time_bytes + 4) + c.isstd + c.isut);
}

// "[+-]hh[:mm[:ss]]" -> seconds; advances `at`.
bool posix_time(std::string_view s, std::size_t& at, int& out) {
  int sign = 1;
  if (at < s.size() && (s[at] == '+' || s[at] == '-')) sign = s[at++] == '-' ? -1 : 1;
  int parts[3] = {0, 0, 0};
  for (int i = 0; i < 3; ++i) {
    if (i > 0) {
      if (at >= s.size() || s[at] != ':') break;
      ++at;
    }
    if (at >= s.size() || std::isdigit(static_cast<unsigned char>(s[at])) == 0) return false;
    int v = 0;
    while (at < s.size() && std::isdigit(static_cast<unsigned char>(s[at])) != 0) {
      v = v * 10 + (s[at++] - '0');
      if (v > 1000) return false;
    }
    parts[i] = v;
  }
  if (parts[0] > 167 || parts[1] > 59 || parts[2] > 59) return false;
  out = sign * (parts[0] * 3600 + parts[1] * 60 + parts[2]);
  return true;
}

bool posix_name(std::string_view s, std::size_t& at) {
  const std::size_t start = at;
  if (at < s.size() && s[at] == '<') {
    const auto close = s.find('>', at);
    if (close == std::string_view::npos) return false;
    at = close + 1;
    return close - start >= 2;
  }
  while (at < s.size() && std::isalpha(static_cast<unsigned char>(s[at])) != 0) ++at;
  return at - start >= 3;
}

bool posix_rule(std::string_view s, std::size_t& at, PosixTransitionRule& r) {
  auto number = [&](int& out) {
    if (at >= s.size() || std::isdigit(static_cast<unsigned char>(s[at])) == 0) return false;
    out = 0;
    while (at < s.size() && std::isdigit(static_cast<unsigned char>(s[at])) != 0) {
      out = out * 10 + (s[at++] - '0');
      if (out > 1000) return false;
    }
    return true;
  };
  if (at < s.size() && s[at] == 'M') {
    ++at;
    r.kind = PosixTransitionRule::Kind::MonthWeekDay;
    if (!number(r.month) || at >= s.size() || s[at++] != '.' || !number(r.week) || at >= s.size() ||
        s[at++] != '.' || !number(r.weekday))
      return false;
    if (r.month < 1 || r.month > 12 || r.week < 1 || r.week > 5 || r.weekday > 6) return false;
  } else if (at < s.size() && s[at] == 'J') {
    ++at;
    r.kind = PosixTransitionRule::Kind::Julian1;
    if (!number(r.day) || r.day < 1 || r.day > 365) return false;
  } else {
    r.kind = PosixTransitionRule::Kind::Julian0;
    if (!number(r.day) || r.day > 365) return false;
  }
  if (at < s.size() && s[at] == '/') {
    ++at;
    return posix_time(s, at, r.seconds);
  }
  return true;
}

// The local time (seconds since the local epoch) at which `r` happens in `year`.
LocalSeconds rule_local_time(const PosixTransitionRule& r, int year) {
  std::int64_t day = 0;
  switch (r.kind) {
    case PosixTransitionRule::Kind::Julian1:
      day = days_from_civil(year, 1, 1) + r.day - 1 + (is_leap(year) && r.day >= 60 ? 1 : 0);
      break;
    case PosixTransitionRule::Kind::Julian0:
      day = days_from_civil(year, 1, 1) + r.day;
      break;
    case PosixTransitionRule::Kind::MonthWeekDay: {
      const std::int64_t first = days_from_civil(year, r.month, 1);
      const std::int64_t next_month =
          r.month == 12 ? days_from_civil(year + 1, 1, 1) : days_from_civil(year, r.month + 1, 1);
      day = first + (r.weekday - weekday_of(first) + 7) % 7 + (r.week - 1) * 7;
      while (day >= next_month) day -= 7;  // week 5: the last such weekday
      break;
    }
  }
  return day * kDay + r.seconds;
}

}  // namespace

std::int64_t days_from_civil(int year, int month, int day) {
  // Years counted from March, so the leap day ends a year; 400-year eras of 146097 days.
  const std::int64_t y = static_cast<std::int64_t>(year) - (month <= 2 ? 1 : 0);
  const std::int64_t era = floor_div(y, 400);
  const std::int64_t year_of_era = y - era * 400;
  const std::int64_t month_from_march = (month + 9) % 12;
  const std::int64_t day_of_year = (153 * month_from_march + 2) / 5 + day - 1;
  const std::int64_t day_of_era =
      year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
  return era * 146097 + day_of_era - 719468;
}

CivilDate civil_from_days(std::int64_t days) {
  const std::int64_t z = days + 719468;
  const std::int64_t era = floor_div(z, 146097);
  const std::int64_t day_of_era = z - era * 146097;
  const std::int64_t year_of_era =
      (day_of_era - day_of_era / 1460 + day_of_era / 36524 - day_of_era / 146096) / 365;
  const std::int64_t day_of_year =
      day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
  const std::int64_t month_from_march = (5 * day_of_year + 2) / 153;
  CivilDate d;
  d.day = static_cast<int>(day_of_year - (153 * month_from_march + 2) / 5 + 1);
  d.month = static_cast<int>(month_from_march < 10 ? month_from_march + 3 : month_from_march - 9);
  d.year = static_cast<int>(year_of_era + era * 400 + (d.month <= 2 ? 1 : 0));
  return d;
}

int weekday_of(std::int64_t days) {
  // 1970-01-01 was a Thursday.
  return static_cast<int>(((days % 7) + 11) % 7);
}

Result<PosixZone> parse_posix_tz(std::string_view s) {
  PosixZone z;
  std::size_t at = 0;
  int std_west = 0;
  auto bad = [&] {
    return fail(ErrorCode::InvalidArgument, "not a POSIX TZ rule: \"" + std::string(s) + "\"", "");
  };
  if (!posix_name(s, at) || !posix_time(s, at, std_west)) return bad();
  z.std_offset = -std_west;
  if (at == s.size()) return z;
  if (!posix_name(s, at)) return bad();
  z.has_dst = true;
  z.dst_offset = z.std_offset + 3600;
  if (at < s.size() && s[at] != ',') {
    int dst_west = 0;
    if (!posix_time(s, at, dst_west)) return bad();
    z.dst_offset = -dst_west;
  }
  // Without rules POSIX leaves the dates to the implementation; tzcode uses the US rules.
  if (at == s.size()) {
    z.start = {PosixTransitionRule::Kind::MonthWeekDay, 3, 2, 0, 0, 7200};
    z.end = {PosixTransitionRule::Kind::MonthWeekDay, 11, 1, 0, 0, 7200};
    return z;
  }
  if (s[at++] != ',' || !posix_rule(s, at, z.start) || at >= s.size() || s[at++] != ',' ||
      !posix_rule(s, at, z.end) || at != s.size())
    return bad();
  return z;
}

int posix_offset_at(const PosixZone& z, UtcSeconds t) {
  if (!z.has_dst) return z.std_offset;
  const int year = civil_from_days(floor_div(t + z.std_offset, kDay)).year;
  const UtcSeconds start = rule_local_time(z.start, year) - z.std_offset;
  const UtcSeconds end = rule_local_time(z.end, year) - z.dst_offset;
  const bool dst = start < end ? (t >= start && t < end) : !(t >= end && t < start);
  return dst ? z.dst_offset : z.std_offset;
}

Result<std::shared_ptr<const TimeZone>> TimeZone::from_tzif(std::string name,
                                                            std::string_view data) {
  auto damaged = [&](const std::string& why) {
    return fail(ErrorCode::Internal, "the time zone file for " + name + " is damaged (" + why + ")",
                "reinstall the tzdata package");
  };
  Bytes b(data);
  char version = 0;
  Counts c;
  if (!read_header(b, version, c)) return damaged("no TZif header");
  int time_bytes = 4;
  if (version >= '2') {
    if (!b.has(block_size(c, 4))) return damaged("short");
    b.skip(block_size(c, 4));
    if (!read_header(b, version, c)) return damaged("no second header");
    time_bytes = 8;
  }
  if (!b.has(block_size(c, time_bytes))) return damaged("short");
  std::shared_ptr<TimeZone> z(new TimeZone());
  z->name_ = std::move(name);
  std::vector<UtcSeconds> times(static_cast<std::size_t>(c.time));
  for (auto& t : times) t = b.be(time_bytes);
  std::vector<int> index(static_cast<std::size_t>(c.time));
  for (auto& i : index) i = b.byte();
  std::vector<int> type_offset(static_cast<std::size_t>(c.type));
  for (auto& o : type_offset) {
    o = static_cast<int>(b.be(4));
    b.skip(2);  // isdst, abbreviation index
    if (o < -26 * 3600 || o > 26 * 3600) return damaged("offset out of range");
  }
  for (std::size_t i = 0; i < times.size(); ++i) {
    if (index[i] >= c.type || (i > 0 && times[i] <= times[i - 1])) return damaged("transitions");
  }
  b.skip(static_cast<std::size_t>(c.chars + c.leap * (time_bytes + 4) + c.isstd + c.isut));
  z->transitions_ = std::move(times);
  for (const int i : index) z->offsets_.push_back(type_offset[static_cast<std::size_t>(i)]);
  z->initial_offset_ = type_offset.front();
  if (time_bytes == 8) {
    const std::string_view rest = b.rest();
    if (rest.size() >= 2 && rest.front() == '\n') {
      const auto end = rest.find('\n', 1);
      const std::string_view footer = rest.substr(1, end == std::string_view::npos ? 0 : end - 1);
      if (!footer.empty()) {
        auto rule = parse_posix_tz(footer);
        if (!rule) return damaged("footer");
        z->footer_ = *rule;
        z->has_footer_ = true;
      }
    }
  }
  return std::shared_ptr<const TimeZone>(std::move(z));
}

Result<std::shared_ptr<const TimeZone>> TimeZone::load(std::string_view name,
                                                       const std::string& zoneinfo_dir) {
  // Names are paths inside the database: letters, digits, '/', '_', '-', '+'; never "..".
  bool ok = !name.empty() && name.size() <= 64 && name.front() != '/' &&
            name.find("..") == std::string_view::npos;
  for (const char ch : name) {
    ok = ok && (std::isalnum(static_cast<unsigned char>(ch)) != 0 || ch == '/' || ch == '_' ||
                ch == '-' || ch == '+');
  }
  if (!ok) {
    return fail(ErrorCode::InvalidArgument,
                "\"" + std::string(name) + "\" is not an IANA time zone name",
                "use a name such as Europe/Berlin, America/New_York or UTC");
  }
  if (name == "UTC" || name == "Etc/UTC") return utc();
  std::string dir = zoneinfo_dir;
  if (dir.empty()) {
    const char* env = std::getenv("NMCP_ZONEINFO");
    dir = env != nullptr && *env != '\0' ? env : "/usr/share/zoneinfo";
  }
  // Zones are immutable: each is read once per process, not at every firing pass or listing.
  static std::mutex cache_mu;
  static std::map<std::string, std::shared_ptr<const TimeZone>> cache;
  const std::string path = dir + "/" + std::string(name);
  {
    std::lock_guard lock(cache_mu);
    if (auto it = cache.find(path); it != cache.end()) return it->second;
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return fail(ErrorCode::NotFound, "no time zone named \"" + std::string(name) + "\"",
                "use a name from the IANA database (timedatectl list-timezones); is the tzdata "
                "package installed?");
  }
  std::stringstream content;
  content << in.rdbuf();
  auto zone = from_tzif(std::string(name), content.str());
  if (zone) {
    std::lock_guard lock(cache_mu);
    cache.emplace(path, *zone);
  }
  return zone;
}

std::shared_ptr<const TimeZone> TimeZone::utc() {
  static const std::shared_ptr<const TimeZone> zone = [] {
    std::shared_ptr<TimeZone> z(new TimeZone());
    z->name_ = "UTC";
    return std::shared_ptr<const TimeZone>(std::move(z));
  }();
  return zone;
}

int TimeZone::offset_at(UtcSeconds t) const {
  if (has_footer_ && (transitions_.empty() || t >= transitions_.back())) {
    return posix_offset_at(footer_, t);
  }
  if (transitions_.empty() || t < transitions_.front()) return initial_offset_;
  const auto it = std::upper_bound(transitions_.begin(), transitions_.end(), t);
  return offsets_[static_cast<std::size_t>(it - transitions_.begin() - 1)];
}

std::vector<UtcSeconds> TimeZone::resolve(LocalSeconds local) const {
  const int a = offset_at(local - kDay);
  const int b = offset_at(local + kDay);
  std::vector<UtcSeconds> out;
  for (const int o : {a, b, offset_at(local - a), offset_at(local - b)}) {
    const UtcSeconds t = local - o;
    if (offset_at(t) == o && std::find(out.begin(), out.end(), t) == out.end()) out.push_back(t);
  }
  std::sort(out.begin(), out.end());
  return out;
}

UtcSeconds TimeZone::instant_of(LocalSeconds local) const {
  const auto instants = resolve(local);
  return instants.empty() ? gap_end(local) : instants.front();
}

UtcSeconds TimeZone::gap_end(LocalSeconds local) const {
  UtcSeconds lo = local - offset_at(local + kDay);  // by the later offset: before the change
  UtcSeconds hi = local - offset_at(local - kDay);  // by the earlier one: after it
  if (lo >= hi) return local - offset_at(local);
  const int before = offset_at(lo);
  while (hi - lo > 1) {
    const UtcSeconds mid = lo + (hi - lo) / 2;
    (offset_at(mid) == before ? lo : hi) = mid;
  }
  return hi;
}

}  // namespace nmcp::schedule
