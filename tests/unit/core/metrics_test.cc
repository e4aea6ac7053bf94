// The metrics registry: the Prometheus text format (HELP/TYPE, escaped labels, cumulative
// histogram buckets), the series bound per family, and collectors that run at most once per
// interval however often render() is called.
#include "core/metrics/metrics.h"

#include <string>

#include <doctest/doctest.h>

using namespace nmcp;
using metrics::Registry;
using metrics::Type;

namespace {
bool has_line(const std::string& text, const std::string& line) {
  return text.find("\n" + line + "\n") != std::string::npos || text.rfind(line + "\n", 0) == 0;
}
}  // namespace

TEST_CASE("metrics: counters, gauges and histograms in the text format") {
  ManualClock clock(0);
  Registry r(clock);
  r.describe("nmcp_calls_total", Type::Counter, "Calls.\nSecond line", {"tool", "outcome"});
  r.describe("nmcp_depth", Type::Gauge, "Depth.", {"pool"});
  r.describe("nmcp_latency_seconds", Type::Histogram, "Latency.", {"tool"}, {0.1, 1});
  r.inc("nmcp_calls_total", {"a", "ok"});
  r.inc("nmcp_calls_total", {"a", "ok"}, 2);
  r.inc("nmcp_calls_total", {"we\"ird\\", "ok"});
  r.set("nmcp_depth", {"default"}, 7);
  r.observe("nmcp_latency_seconds", {"a"}, 0.05);
  r.observe("nmcp_latency_seconds", {"a"}, 0.5);
  r.observe("nmcp_latency_seconds", {"a"}, 5);
  r.inc("undeclared", {});  // ignored, never rendered

  const std::string text = r.render();
  CHECK(has_line(text, "# HELP nmcp_calls_total Calls.\\nSecond line"));
  CHECK(has_line(text, "# TYPE nmcp_calls_total counter"));
  CHECK(has_line(text, "nmcp_calls_total{tool=\"a\",outcome=\"ok\"} 3"));
  CHECK(has_line(text, "nmcp_calls_total{tool=\"we\\\"ird\\\\\",outcome=\"ok\"} 1"));
  CHECK(has_line(text, "nmcp_depth{pool=\"default\"} 7"));
  CHECK(has_line(text, "nmcp_latency_seconds_bucket{tool=\"a\",le=\"0.1\"} 1"));
  CHECK(has_line(text, "nmcp_latency_seconds_bucket{tool=\"a\",le=\"1\"} 2"));
  CHECK(has_line(text, "nmcp_latency_seconds_bucket{tool=\"a\",le=\"+Inf\"} 3"));
  CHECK(has_line(text, "nmcp_latency_seconds_count{tool=\"a\"} 3"));
  CHECK(has_line(text, "nmcp_latency_seconds_sum{tool=\"a\"} 5.55"));
  CHECK(text.find("undeclared") == std::string::npos);
  CHECK(r.value("nmcp_calls_total", {"a", "ok"}) == 3);
  CHECK(r.value("nmcp_latency_seconds", {"a"}) == 3);
}

TEST_CASE("metrics: a family never holds more than kMaxSeries series") {
  Registry r;
  r.describe("nmcp_x_total", Type::Counter, "X.", {"id"});
  for (std::size_t i = 0; i < metrics::kMaxSeries + 100; ++i) {
    r.inc("nmcp_x_total", {"id" + std::to_string(i)});
  }
  const std::string text = r.render();
  std::size_t lines = 0;
  for (std::size_t at = text.find("\nnmcp_x_total{"); at != std::string::npos;
       at = text.find("\nnmcp_x_total{", at + 1)) {
    ++lines;
  }
  CHECK(lines == metrics::kMaxSeries + 1);  // kMaxSeries, then one "other"
  CHECK(r.value("nmcp_x_total", {"other"}) == 100);
}

TEST_CASE("metrics: a collector runs at most once per interval") {
  ManualClock clock(1'000'000);
  Registry r(clock);
  r.describe("nmcp_store_reads", Type::Gauge, "Reads.", {});
  int reads = 0;
  r.add_collector(std::chrono::seconds(15), [&](Registry& m) {
    ++reads;
    m.set("nmcp_store_reads", {}, reads);
  });
  r.render();
  r.render();
  r.render();
  CHECK(reads == 1);
  clock.advance(15'000);
  CHECK(r.render().find("nmcp_store_reads 2") != std::string::npos);
  CHECK(reads == 2);
}
