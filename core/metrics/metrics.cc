#include "core/metrics/metrics.h"

#include <cmath>
#include <cstdio>
#include <limits>
#include <sstream>
#include <utility>

namespace nmcp::metrics {

namespace {

std::string escape_label(const std::string& v) {
  std::string out;
  out.reserve(v.size());
  for (const char c : v) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '"') {
      out += "\\\"";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out;
}

std::string escape_help(const std::string& v) {
  std::string out;
  for (const char c : v) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out;
}

std::string number(double v) {
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  if (std::isnan(v)) return "NaN";
  if (v == std::floor(v) && std::fabs(v) < 1e15) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.0f", v);
    return buf;
  }
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.6g", v);
  return buf;
}

std::string label_text(const std::vector<std::string>& names,
                       const std::vector<std::string>& values, const std::string& extra = {}) {
  std::string out;
  for (std::size_t i = 0; i < names.size() && i < values.size(); ++i) {
    out += (out.empty() ? "" : ",") + names[i] + "=\"" + escape_label(values[i]) + "\"";
  }
  if (!extra.empty()) out += (out.empty() ? "" : ",") + extra;
  return out.empty() ? "" : "{" + out + "}";
}

const char* type_name(Type t) {
  switch (t) {
    case Type::Counter:
      return "counter";
    case Type::Gauge:
      return "gauge";
    case Type::Histogram:
      return "histogram";
  }
  return "untyped";
}

}  // namespace

std::vector<double> latency_buckets() {
  return {0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600};
}

std::vector<double> duration_buckets() {
  return {60, 300, 600, 1800, 3600, 7200, 14400, 28800, 86400, 172800};
}

void Registry::describe(const std::string& name, Type type, const std::string& help,
                        std::vector<std::string> labels, std::vector<double> buckets) {
  std::lock_guard lock(mu_);
  Family& f = families_[name];
  f.type = type;
  f.help = help;
  f.labels = std::move(labels);
  if (type == Type::Histogram && buckets.empty()) buckets = latency_buckets();
  f.buckets = std::move(buckets);
}

Registry::Series* Registry::find_series(const std::string& name,
                                        const std::vector<std::string>& values) {
  auto it = families_.find(name);
  if (it == families_.end()) return nullptr;  // undeclared: a programming error, ignored
  Family& f = it->second;
  std::vector<std::string> key = values;
  key.resize(f.labels.size());
  auto s = f.series.find(key);
  if (s == f.series.end()) {
    if (f.series.size() >= kMaxSeries) key.assign(f.labels.size(), "other");
    s = f.series.try_emplace(key).first;
    if (f.type == Type::Histogram && s->second.hits.empty())
      s->second.hits.resize(f.buckets.size());
  }
  return &s->second;
}

void Registry::inc(const std::string& name, const std::vector<std::string>& values, double by) {
  std::lock_guard lock(mu_);
  if (auto* s = find_series(name, values)) s->value += by;
}

void Registry::set(const std::string& name, const std::vector<std::string>& values, double v) {
  std::lock_guard lock(mu_);
  if (auto* s = find_series(name, values)) s->value = v;
}

void Registry::observe(const std::string& name, const std::vector<std::string>& values, double v) {
  std::lock_guard lock(mu_);
  auto* s = find_series(name, values);
  if (s == nullptr) return;
  const Family& f = families_.at(name);
  s->value += v;
  ++s->count;
  for (std::size_t i = 0; i < f.buckets.size(); ++i) {
    if (v <= f.buckets[i]) {
      ++s->hits[i];
      break;
    }
  }
}

void Registry::clear(const std::string& name) {
  std::lock_guard lock(mu_);
  if (auto it = families_.find(name); it != families_.end()) it->second.series.clear();
}

double Registry::value(const std::string& name, const std::vector<std::string>& values) const {
  std::lock_guard lock(mu_);
  auto it = families_.find(name);
  if (it == families_.end()) return 0;
  std::vector<std::string> key = values;
  key.resize(it->second.labels.size());
  auto s = it->second.series.find(key);
  if (s == it->second.series.end()) return 0;
  return it->second.type == Type::Histogram ? static_cast<double>(s->second.count)
                                            : s->second.value;
}

void Registry::add_collector(std::chrono::milliseconds every,
                             std::function<void(Registry&)> collect) {
  std::lock_guard lock(collect_mu_);
  collectors_.push_back(
      Collector{every.count(), std::numeric_limits<std::int64_t>::min() / 2, std::move(collect)});
}

std::string Registry::render() {
  {
    std::lock_guard lock(collect_mu_);
    const auto now = clock_.now();
    for (auto& c : collectors_) {
      if (now - c.last_ms < c.every_ms) continue;
      c.last_ms = now;
      c.fn(*this);
    }
  }
  std::lock_guard lock(mu_);
  std::ostringstream out;
  for (const auto& [name, f] : families_) {
    out << "# HELP " << name << " " << escape_help(f.help) << "\n";
    out << "# TYPE " << name << " " << type_name(f.type) << "\n";
    for (const auto& [values, s] : f.series) {
      if (f.type != Type::Histogram) {
        out << name << label_text(f.labels, values) << " " << number(s.value) << "\n";
        continue;
      }
      std::uint64_t cumulative = 0;
      for (std::size_t i = 0; i < f.buckets.size(); ++i) {
        cumulative += s.hits[i];
        out << name << "_bucket"
            << label_text(f.labels, values, "le=\"" + number(f.buckets[i]) + "\"") << " "
            << cumulative << "\n";
      }
      out << name << "_bucket" << label_text(f.labels, values, "le=\"+Inf\"") << " " << s.count
          << "\n";
      out << name << "_sum" << label_text(f.labels, values) << " " << number(s.value) << "\n";
      out << name << "_count" << label_text(f.labels, values) << " " << s.count << "\n";
    }
  }
  return out.str();
}

}  // namespace nmcp::metrics
