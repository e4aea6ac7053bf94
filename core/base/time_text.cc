#include "core/base/time_text.h"

#include <ctime>
#include <string>

namespace nmcp {

namespace {

constexpr std::string_view kDurationForms = "30s, 15m, 12h, 7d or 2w";
constexpr std::string_view kTimeForms =
    "2026-12-01, 2026-12-01T22:00:00Z or 2026-12-01T22:00:00.000Z";
// Ten thousand weeks: far beyond any retention or window, and no overflow in milliseconds.
constexpr std::int64_t kMaxDurationMs = 10'000LL * 7 * 86'400'000LL;

Error not_a(std::string_view text, std::string_view what, std::string_view forms) {
  return {ErrorCode::InvalidArgument,
          "\"" + std::string(text.substr(0, 40)) + "\" is not " + std::string(what),
          "give " + std::string(forms)};
}

// Reads exactly `n` digits at text[at]; -1 when they are not there.
int digits(std::string_view text, std::size_t at, std::size_t n) {
  if (at + n > text.size()) return -1;
  int v = 0;
  for (std::size_t i = at; i < at + n; ++i) {
    if (text[i] < '0' || text[i] > '9') return -1;
    v = v * 10 + (text[i] - '0');
  }
  return v;
}

}  // namespace

Result<std::int64_t> parse_duration_ms(std::string_view text) {
  const auto bad = [&] { return fail(not_a(text, "a duration", kDurationForms)); };
  if (text.empty()) return bad();
  std::int64_t total = 0;
  std::size_t at = 0;
  while (at < text.size()) {  // one or more <number><unit>: "90m", "1h30m"
    std::int64_t n = 0;
    const std::size_t first = at;
    while (at < text.size() && text[at] >= '0' && text[at] <= '9') {
      n = n * 10 + (text[at++] - '0');
      if (n > kMaxDurationMs) return bad();
    }
    if (at == first || at == text.size()) return bad();
    std::int64_t unit = 0;
    switch (text[at++]) {
      case 's':
        unit = 1'000;
        break;
      case 'm':
        unit = 60'000;
        break;
      case 'h':
        unit = 3'600'000;
        break;
      case 'd':
        unit = 86'400'000;
        break;
      case 'w':
        unit = 7 * 86'400'000LL;
        break;
      default:
        return bad();
    }
    if (n > (kMaxDurationMs - total) / unit) return bad();
    total += n * unit;
  }
  return total;
}

Result<std::int64_t> parse_utc_time_ms(std::string_view text) {
  const auto bad = [&] { return fail(not_a(text, "a date or time", kTimeForms)); };
  // YYYY-MM-DD
  const int year = digits(text, 0, 4);
  const int month = digits(text, 5, 2);
  const int day = digits(text, 8, 2);
  if (year < 1970 || month < 1 || month > 12 || day < 1 || day > 31 || text[4] != '-' ||
      text[7] != '-') {
    return bad();
  }
  std::tm tm{};
  tm.tm_year = year - 1900;
  tm.tm_mon = month - 1;
  tm.tm_mday = day;
  std::int64_t ms = 0;
  if (text.size() > 10) {
    // THH:MM:SS[.mmm]Z
    const int hour = digits(text, 11, 2);
    const int minute = digits(text, 14, 2);
    const int second = digits(text, 17, 2);
    if (text[10] != 'T' || text.size() < 20 || text[13] != ':' || text[16] != ':' || hour < 0 ||
        hour > 23 || minute < 0 || minute > 59 || second < 0 || second > 59) {
      return bad();
    }
    std::size_t at = 19;
    if (text[at] == '.') {
      ms = digits(text, at + 1, 3);
      if (ms < 0) return bad();
      at += 4;
    }
    if (at + 1 != text.size() || text[at] != 'Z') return bad();
    tm.tm_hour = hour;
    tm.tm_min = minute;
    tm.tm_sec = second;
  }
  const std::time_t t = ::timegm(&tm);
  // timegm normalises 2026-02-31 into March: such a date is not one.
  std::tm back{};
  if (::gmtime_r(&t, &back) == nullptr || back.tm_mday != day || back.tm_mon != month - 1) {
    return bad();
  }
  return static_cast<std::int64_t>(t) * 1000 + ms;
}

Result<std::int64_t> parse_since_ms(std::string_view text, std::int64_t now_ms) {
  if (text.find('-') != std::string_view::npos) {
    auto t = parse_utc_time_ms(text);
    if (t) return t;
  } else if (auto d = parse_duration_ms(text)) {
    return now_ms - *d;
  }
  return fail(not_a(
      text, "a date, time or duration",
      std::string(kTimeForms) + ", or a duration back from now: " + std::string(kDurationForms)));
}

}  // namespace nmcp
