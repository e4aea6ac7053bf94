// Durations, dates and times, read one way by every front door.
#include "core/base/time_text.h"

#include <doctest/doctest.h>

using nmcp::parse_duration_ms;
using nmcp::parse_since_ms;
using nmcp::parse_utc_time_ms;

TEST_CASE("time text: durations in every unit, and what is not one") {
  CHECK(parse_duration_ms("30s").value() == 30'000);
  CHECK(parse_duration_ms("15m").value() == 900'000);
  CHECK(parse_duration_ms("12h").value() == 43'200'000);
  CHECK(parse_duration_ms("7d").value() == 604'800'000);
  CHECK(parse_duration_ms("2w").value() == 1'209'600'000);
  CHECK(parse_duration_ms("1h30m").value() == 5'400'000);
  for (const char* bad : {"", "h", "5", "-5m", "5 m", "1.5h", "5y", "99999999999999w", "1h30"}) {
    CAPTURE(bad);
    const auto r = parse_duration_ms(bad);
    REQUIRE_FALSE(r);
    CHECK(r.error().code == nmcp::ErrorCode::InvalidArgument);
    CHECK(r.error().hint.find("2w") != std::string::npos);
  }
}

TEST_CASE("time text: dates and times, as format_time prints them too") {
  const std::int64_t day = 1'796'083'200'000LL;  // 2026-12-01T00:00:00Z
  CHECK(parse_utc_time_ms("2026-12-01").value() == day);
  CHECK(parse_utc_time_ms("2026-12-01T22:00:00Z").value() == day + 22 * 3'600'000LL);
  CHECK(parse_utc_time_ms("2026-12-01T22:00:00.123Z").value() == day + 22 * 3'600'000LL + 123);
  for (const char* bad : {"2026-13-01", "2026-02-30", "2026-12-01T25:00:00Z", "2026-12-01T22:00:00",
                          "2026-12-01T22:00Z", "2026-12-01 22:00:00Z", "2026-12-01T22:00:00.1Z",
                          "20261201", "yesterday"}) {
    CAPTURE(bad);
    CHECK_FALSE(parse_utc_time_ms(bad));
  }
}

TEST_CASE("time text: since is a time, or a duration back from now") {
  const std::int64_t now = 1'780'000'000'000LL;
  CHECK(parse_since_ms("24h", now).value() == now - 86'400'000LL);
  CHECK(parse_since_ms("2w", now).value() == now - 14 * 86'400'000LL);
  CHECK(parse_since_ms("2026-12-01", now).value() == 1'796'083'200'000LL);
  for (const char* bad : {"", "yesterday", "2026-13-01", "2026-12-01T25:00:00"}) {
    CAPTURE(bad);
    const auto r = parse_since_ms(bad, now);
    REQUIRE_FALSE(r);
    CHECK(r.error().hint.find("2026-12-01") != std::string::npos);
  }
}
