// Scan windows: open or closed at an instant and when that changes, across midnight, over a
// weekend, through both daylight-saving transitions in two zones, and the edge cases (a whole
// day, no weekday at all), with the configuration's parser for the scan_window: section.
#include "core/readiness/scan_window.h"

#include <cctype>

#include <doctest/doctest.h>

#include "core/schedule/cron.h"
#include "core/schedule/time_zone.h"
#include "core/schedule/weekdays.h"

using namespace nmcp;
using config::ScanWindow;
using readiness::window_state;

namespace {

task::Millis at(int y, int mo, int d, int h = 0, int mi = 0) {
  return (schedule::days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60) * 1000;
}

ScanWindow window(std::array<bool, 7> days, int start_h, int start_m, int end_h, int end_m,
                  const char* zone) {
  ScanWindow w;
  w.days = days;
  w.start_minute = start_h * 60 + start_m;
  w.end_minute = end_h * 60 + end_m;
  w.timezone = zone;
  w.text = "test";
  return w;
}

constexpr std::array<bool, 7> kWeekdays = {false, true, true, true, true, true, false};
constexpr std::array<bool, 7> kDaily = {true, true, true, true, true, true, true};

void expect(const ScanWindow& w, task::Millis now, bool open, std::optional<task::Millis> change) {
  auto s = window_state(w, now);
  REQUIRE_MESSAGE(s, (s ? "" : s.error().message));
  CHECK(s->open == open);
  CHECK(s->changes_at == change);
}

}  // namespace

TEST_CASE("scan window: weekdays 22:00-06:00 in Berlin, across midnight and the weekend") {
  const auto w = window(kWeekdays, 22, 0, 6, 0, "Europe/Berlin");
  // Wednesday 2026-12-02, CET (UTC+1).
  expect(w, at(2026, 12, 2, 12), false, at(2026, 12, 2, 21));
  expect(w, at(2026, 12, 2, 21), true, at(2026, 12, 3, 5));  // opens exactly at 22:00 local
  expect(w, at(2026, 12, 3, 4, 59), true, at(2026, 12, 3, 5));
  expect(w, at(2026, 12, 3, 5), false, at(2026, 12, 3, 21));  // closes exactly at 06:00
  // Friday night runs into Saturday morning; then nothing until Monday 22:00.
  expect(w, at(2026, 12, 4, 23), true, at(2026, 12, 5, 5));
  expect(w, at(2026, 12, 5, 12), false, at(2026, 12, 7, 21));
  expect(w, at(2026, 12, 6, 22), false, at(2026, 12, 7, 21));
}

TEST_CASE("scan window: daylight-saving gaps and repeats in Berlin and New York") {
  // Berlin springs forward on 2026-03-29 at 02:00 (to 03:00): a 02:30 opening falls in the gap
  // and happens at the gap's end, 01:00Z; the close at 04:00 CEST is 02:00Z.
  const auto berlin = window(kDaily, 2, 30, 4, 0, "Europe/Berlin");
  expect(berlin, at(2026, 3, 29, 0, 59), false, at(2026, 3, 29, 1));
  expect(berlin, at(2026, 3, 29, 1, 30), true, at(2026, 3, 29, 2));
  // It falls back on 2026-10-25 at 03:00 (to 02:00): 02:30 happens twice, the first counts
  // (00:30Z, still CEST); 04:00 CET is 03:00Z.
  expect(berlin, at(2026, 10, 25, 0, 29), false, at(2026, 10, 25, 0, 30));
  expect(berlin, at(2026, 10, 25, 0, 30), true, at(2026, 10, 25, 3));
  // New York: 2026-03-08 02:00 EST -> 03:00 EDT, 2026-11-01 02:00 EDT -> 01:00 EST.
  const auto ny = window(kDaily, 1, 30, 3, 30, "America/New_York");
  // 01:30 EST is 06:30Z; 03:30 EDT is 07:30Z: a one-hour window that night.
  expect(ny, at(2026, 3, 8, 6, 29), false, at(2026, 3, 8, 6, 30));
  expect(ny, at(2026, 3, 8, 6, 30), true, at(2026, 3, 8, 7, 30));
  // In the repeated hour the first 01:30 (EDT, 05:30Z) opens; 03:30 EST is 08:30Z: 3 hours.
  expect(ny, at(2026, 11, 1, 5, 29), false, at(2026, 11, 1, 5, 30));
  expect(ny, at(2026, 11, 1, 6, 0), true, at(2026, 11, 1, 8, 30));
}

TEST_CASE("scan window: a whole day every day never closes; no weekday never opens") {
  expect(window(kDaily, 0, 0, 24, 0, "UTC"), at(2026, 12, 2, 9), true, std::nullopt);
  expect(window({}, 22, 0, 6, 0, "UTC"), at(2026, 12, 2, 9), false, std::nullopt);
  // Weekdays all day: closes Saturday 00:00.
  expect(window(kWeekdays, 0, 0, 24, 0, "UTC"), at(2026, 12, 2, 9), true, at(2026, 12, 5));

  config::PoolConfig pool;
  pool.name = "lab";
  CHECK(readiness::window_json(pool, at(2026, 12, 2)).is_null());
  CHECK(readiness::waiting_for_window(pool, at(2026, 12, 2)).empty());
  pool.window = window(kWeekdays, 22, 0, 6, 0, "Europe/Berlin");
  pool.window->text = "mon-fri 22:00-06:00 Europe/Berlin";
  pool.window->on_close = config::WindowClose::Pause;
  const auto j = readiness::window_json(pool, at(2026, 12, 2, 12));
  CHECK(j["open"] == false);
  CHECK(j["opens_at"] == "2026-12-02T21:00:00.000Z");
  CHECK(j["on_close"] == "pause");
  CHECK(readiness::waiting_for_window(pool, at(2026, 12, 2, 12)) ==
        "outside the scan window of pool 'lab' (mon-fri 22:00-06:00 Europe/Berlin): it waits "
        "until 2026-12-02T21:00:00.000Z");
}

TEST_CASE("scan window: the configuration reads days, times, zone and on_close") {
  const std::string key(64, 'a');
  auto parse = [&](const std::string& window) {
    return config::parse_config(
        "pools:\n  lab:\n    scope: {allow: [10.0.0.0/8]}\n" + window +
            "    instances:\n      - id: one\n        url: https://n:8834/\n"
            "        auth: {mode: api_keys, access_key: " +
            key + ", secret_key: " + key + "}\n",
        "test.yaml", [](const std::string&) { return std::nullopt; });
  };
  auto c = parse(
      "    scan_window: {days: mon-fri, start: \"22:00\", end: \"06:00\", timezone: "
      "Europe/Berlin, on_close: pause}\n");
  REQUIRE_MESSAGE(c, (c ? "" : c.error().message));
  const auto& w = *c->pools[0].window;
  CHECK(w.days == kWeekdays);
  CHECK(w.start_minute == 22 * 60);
  CHECK(w.end_minute == 6 * 60);
  CHECK(w.on_close == config::WindowClose::Pause);
  CHECK(w.text == "mon-fri 22:00-06:00 Europe/Berlin");
  c = parse("    scan_window: {days: [sat, sun], start: \"00:00\", end: \"24:00\"}\n");
  REQUIRE(c);
  CHECK(c->pools[0].window->days ==
        std::array<bool, 7>{true, false, false, false, false, false, true});
  CHECK(c->pools[0].window->on_close == config::WindowClose::Continue);
  CHECK(c->pools[0].window->timezone == "UTC");
  // fri-mon wraps around the week.
  c = parse("    scan_window: {days: fri-mon, start: \"20:00\", end: \"23:00\"}\n");
  REQUIRE(c);
  CHECK(c->pools[0].window->days ==
        std::array<bool, 7>{true, true, false, false, false, true, true});

  for (const char* bad :
       {"    scan_window: {days: weekdays, start: \"22:00\", end: \"06:00\"}\n",
        "    scan_window: {start: \"25:00\", end: \"06:00\"}\n",
        "    scan_window: {start: \"22:00\"}\n",
        "    scan_window: {start: \"22:00\", end: \"06:00\", timezone: Mars/Olympus}\n",
        "    scan_window: {start: \"22:00\", end: \"06:00\", on_close: abort}\n",
        "    scan_window: {start: \"22:00\", end: \"22:00\"}\n",
        "    scan_window: {start: \"22:00\", end: \"06:00\", every: 1d}\n"}) {
    CAPTURE(bad);
    auto r = parse(bad);
    REQUIRE_FALSE(r);
    CHECK(r.error().message.find("pools.lab.scan_window") != std::string::npos);
  }
}

TEST_CASE("weekday names: one rule for scan windows and cron, in any letter case") {
  const std::string key(64, 'a');
  auto window_days = [&](const std::string& days) {
    return config::parse_config(
        "pools:\n  lab:\n    scope: {allow: [10.0.0.0/8]}\n    scan_window: {days: " + days +
            ", start: \"22:00\", end: \"06:00\"}\n"
            "    instances:\n      - id: one\n        url: https://n:8834/\n"
            "        auth: {mode: api_keys, access_key: " +
            key + ", secret_key: " + key + "}\n",
        "test.yaml", [](const std::string&) { return std::nullopt; });
  };
  for (std::size_t i = 0; i < schedule::kWeekdayNames.size(); ++i) {
    const std::string name(schedule::kWeekdayNames[i]);
    std::string upper = name;
    for (auto& ch : upper) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
    CAPTURE(name);
    CHECK(schedule::weekday_from_name(name) == static_cast<int>(i));
    CHECK(schedule::weekday_from_name(upper) == static_cast<int>(i));
    // A window of that one day, and a cron firing on it, each by the name in either case.
    for (const std::string& spelled : {name, upper}) {
      auto c = window_days(spelled);
      REQUIRE_MESSAGE(c, (c ? "" : c.error().message));
      std::array<bool, 7> only{};
      only[i] = true;
      CHECK(c->pools[0].window->days == only);
      auto cron = schedule::CronExpression::parse("0 2 * * " + spelled);
      REQUIRE_MESSAGE(cron, (cron ? "" : cron.error().message));
      CHECK(cron->days_of_week.test(i));
      CHECK(cron->days_of_week.count() == 1);
    }
  }
  CHECK_FALSE(schedule::weekday_from_name("mo"));
  CHECK_FALSE(schedule::weekday_from_name("monday"));
  CHECK_FALSE(window_days("monday"));
  CHECK_FALSE(schedule::CronExpression::parse("0 2 * * monday"));
}
