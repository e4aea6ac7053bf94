#pragma once
// Metrics: counters, gauges and histograms with bounded label sets, rendered in the Prometheus
// text exposition format (version 0.0.4). Each family is declared once with its label names;
// a family holds at most kMaxSeries label combinations, and values beyond that are counted in
// one series whose labels all read "other", so no caller can grow a scrape without bound (task
// ids and targets must never be labels). Gauges derived from the store are filled by collectors
// that run at most once per their interval, however often Prometheus scrapes.
//
// Thread-safety: every method may be called from any thread.

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "core/base/clock.h"

namespace nmcp::metrics {

inline constexpr std::size_t kMaxSeries = 256;

enum class Type { Counter, Gauge, Histogram };

// Seconds: from 5 ms to 10 min.
std::vector<double> latency_buckets();
// Seconds: from 1 min to 2 days (scan durations).
std::vector<double> duration_buckets();

class Registry {
 public:
  explicit Registry(const Clock& clock = system_clock()) : clock_(clock) {}

  void describe(const std::string& name, Type type, const std::string& help,
                std::vector<std::string> labels, std::vector<double> buckets = {});
  void inc(const std::string& name, const std::vector<std::string>& values, double by = 1);
  void set(const std::string& name, const std::vector<std::string>& values, double value);
  void observe(const std::string& name, const std::vector<std::string>& values, double value);
  // Drops every series of a gauge family (a collector refilling it from scratch).
  void clear(const std::string& name);
  // The current value of one series (tests); 0 when absent. A histogram answers its count.
  double value(const std::string& name, const std::vector<std::string>& values) const;

  // `collect` refreshes gauges; render() runs it when `every` has passed since its last run.
  void add_collector(std::chrono::milliseconds every, std::function<void(Registry&)> collect);
  std::string render();

 private:
  struct Series {
    double value = 0;                 // counter, gauge; histogram: sum
    std::vector<std::uint64_t> hits;  // histogram: per bucket (not cumulative)
    std::uint64_t count = 0;          // histogram
  };
  struct Family {
    Type type = Type::Counter;
    std::string help;
    std::vector<std::string> labels;
    std::vector<double> buckets;
    std::map<std::vector<std::string>, Series> series;
  };
  struct Collector {
    std::int64_t every_ms;
    std::int64_t last_ms;
    std::function<void(Registry&)> fn;
  };
  Series* find_series(const std::string& name, const std::vector<std::string>& values);

  const Clock& clock_;
  mutable std::mutex mu_;
  std::map<std::string, Family> families_;  // guarded by mu_
  std::mutex collect_mu_;                   // one collection at a time
  std::vector<Collector> collectors_;       // guarded by collect_mu_
};

}  // namespace nmcp::metrics
