#pragma once
// Process logging: one structured line per event on stderr, as JSON or plain text. Never on
// stdout: in stdio mode stdout carries MCP protocol bytes and nothing else. Fields whose names
// look like secrets (password, token, api key, ...) and secret-looking text in messages are
// redacted before anything is written (redact.h).
//
// Thread-safety: init() once at start-up before other threads exist; every other function
// may be called from any thread.

#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace nmcp::log {

enum class Level { Trace, Debug, Info, Warn, Error, Off };
enum class Format { Plain, Json };

std::optional<Level> parse_level(std::string_view text);
std::optional<Format> parse_format(std::string_view text);
std::string_view to_string(Level level);

void init(Level level, Format format);
void set_level(Level level);
bool enabled(Level level);

// Sends every formatted line to `sink` instead of stderr (tests capture logs this way).
// An empty function restores stderr.
void set_capture(std::function<void(std::string_view line)> sink);

void write(Level level, std::string_view component, std::string_view message,
           const nlohmann::json& fields = nlohmann::json::object());

// Fields added to every line this thread writes while the scope lives (a field the line sets
// itself wins). The worker opens one per scan step with the task id and the trace id of the
// tool call that made the task, so every line of the step, Nessus requests included, can be
// found with one grep. Scopes nest; each restores what was there before.
class ScopedFields {
 public:
  explicit ScopedFields(nlohmann::json fields);
  ~ScopedFields();
  ScopedFields(const ScopedFields&) = delete;
  ScopedFields& operator=(const ScopedFields&) = delete;

 private:
  nlohmann::json previous_;
};

inline void trace(std::string_view c, std::string_view m, const nlohmann::json& f = {}) {
  write(Level::Trace, c, m, f);
}
inline void debug(std::string_view c, std::string_view m, const nlohmann::json& f = {}) {
  write(Level::Debug, c, m, f);
}
inline void info(std::string_view c, std::string_view m, const nlohmann::json& f = {}) {
  write(Level::Info, c, m, f);
}
inline void warn(std::string_view c, std::string_view m, const nlohmann::json& f = {}) {
  write(Level::Warn, c, m, f);
}
inline void error(std::string_view c, std::string_view m, const nlohmann::json& f = {}) {
  write(Level::Error, c, m, f);
}

// Formats one line without writing it; exposed so tests can pin the format.
std::string format_line(Format format, Level level, std::string_view component,
                        std::string_view message, const nlohmann::json& fields);

}  // namespace nmcp::log
