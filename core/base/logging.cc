#include "core/base/logging.h"

#include <atomic>
#include <chrono>
#include <ctime>
#include <memory>
#include <mutex>

#include <fmt/format.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include "core/base/redact.h"

namespace nmcp::log {
namespace {

struct State {
  std::atomic<Level> level{Level::Info};
  std::atomic<Format> format{Format::Json};
  std::mutex mu;  // guards capture and logger replacement
  std::function<void(std::string_view)> capture;
  std::shared_ptr<spdlog::logger> logger;
};

State& state() {
  static State s;
  return s;
}

std::shared_ptr<spdlog::logger> make_logger() {
  // spdlog only carries finished lines to stderr; formatting and redaction happen here so
  // that JSON escaping is exact.
  auto sink = std::make_shared<spdlog::sinks::stderr_sink_mt>();
  auto logger = std::make_shared<spdlog::logger>("nessus-mcp", std::move(sink));
  logger->set_pattern("%v");
  logger->set_level(spdlog::level::trace);
  logger->flush_on(spdlog::level::trace);
  return logger;
}

std::string utc_timestamp() {
  const auto now = std::chrono::system_clock::now();
  const auto secs = std::chrono::system_clock::to_time_t(now);
  const auto millis =
      std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() % 1000;
  std::tm tm{};
  gmtime_r(&secs, &tm);
  return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z", tm.tm_year + 1900, tm.tm_mon + 1,
                     tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, millis);
}

std::string plain_value(const nlohmann::json& v) {
  if (v.is_string()) {
    const auto& s = v.get_ref<const std::string&>();
    const bool needs_quotes = s.empty() || s.find_first_of(" \"=\t\n") != std::string::npos;
    return needs_quotes ? v.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) : s;
  }
  return v.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace

std::optional<Level> parse_level(std::string_view text) {
  if (text == "trace") return Level::Trace;
  if (text == "debug") return Level::Debug;
  if (text == "info") return Level::Info;
  if (text == "warn" || text == "warning") return Level::Warn;
  if (text == "error") return Level::Error;
  if (text == "off") return Level::Off;
  return std::nullopt;
}

std::optional<Format> parse_format(std::string_view text) {
  if (text == "json") return Format::Json;
  if (text == "plain") return Format::Plain;
  return std::nullopt;
}

std::string_view to_string(Level level) {
  switch (level) {
    case Level::Trace:
      return "trace";
    case Level::Debug:
      return "debug";
    case Level::Info:
      return "info";
    case Level::Warn:
      return "warn";
    case Level::Error:
      return "error";
    case Level::Off:
      return "off";
  }
  return "off";
}

void init(Level level, Format format) {
  auto& s = state();
  s.level = level;
  s.format = format;
  std::lock_guard lock(s.mu);
  if (!s.logger) s.logger = make_logger();
}

void set_level(Level level) { state().level = level; }

bool enabled(Level level) {
  const Level current = state().level.load(std::memory_order_relaxed);
  return level != Level::Off && current != Level::Off && level >= current;
}

void set_capture(std::function<void(std::string_view line)> sink) {
  auto& s = state();
  std::lock_guard lock(s.mu);
  s.capture = std::move(sink);
}

std::string format_line(Format format, Level level, std::string_view component,
                        std::string_view message, const nlohmann::json& fields) {
  const nlohmann::json safe_fields = redact(fields);
  const std::string safe_message = redact_text(message);
  if (format == Format::Json) {
    nlohmann::json line = {{"ts", utc_timestamp()},
                           {"level", to_string(level)},
                           {"component", component},
                           {"msg", safe_message}};
    if (safe_fields.is_object()) {
      for (const auto& [key, value] : safe_fields.items()) {
        if (!line.contains(key)) line[key] = value;
      }
    }
    return line.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  }
  std::string out =
      fmt::format("{} {:<5} [{}] {}", utc_timestamp(), to_string(level), component, safe_message);
  if (safe_fields.is_object()) {
    for (const auto& [key, value] : safe_fields.items()) {
      out += fmt::format(" {}={}", key, plain_value(value));
    }
  }
  return out;
}

namespace {
thread_local nlohmann::json t_scope = nlohmann::json::object();
}

ScopedFields::ScopedFields(nlohmann::json fields) : previous_(t_scope) {
  if (fields.is_object()) {
    for (auto& [k, v] : fields.items()) t_scope[k] = v;
  }
}

ScopedFields::~ScopedFields() { t_scope = std::move(previous_); }

void write(Level level, std::string_view component, std::string_view message,
           const nlohmann::json& fields) {
  if (!enabled(level)) return;
  auto& s = state();
  std::string line;
  if (t_scope.empty()) {
    line = format_line(s.format.load(std::memory_order_relaxed), level, component, message, fields);
  } else {
    nlohmann::json merged = t_scope;
    if (fields.is_object()) {
      for (auto& [k, v] : fields.items()) merged[k] = v;
    }
    line = format_line(s.format.load(std::memory_order_relaxed), level, component, message, merged);
  }
  std::shared_ptr<spdlog::logger> logger;
  {
    std::lock_guard lock(s.mu);
    if (s.capture) {
      s.capture(line);
      return;
    }
    if (!s.logger) s.logger = make_logger();
    logger = s.logger;
  }
  logger->info(line);
}

}  // namespace nmcp::log
