#include "core/base/logging.h"

#include <string>
#include <vector>

#include <doctest/doctest.h>

using nlohmann::json;
namespace nlog = nmcp::log;

TEST_CASE("logging: JSON lines carry level, component, message and fields, redacted") {
  const std::string line =
      nlog::format_line(nlog::Format::Json, nlog::Level::Warn, "http",
                        "login with password=hunter2", {{"port", 8765}, {"api_key", "k"}});
  const json parsed = json::parse(line);
  CHECK(parsed["level"] == "warn");
  CHECK(parsed["component"] == "http");
  CHECK(parsed["msg"] == "login with password=[REDACTED]");
  CHECK(parsed["port"] == 8765);
  CHECK(parsed["api_key"] == "[REDACTED]");
  CHECK(parsed["ts"].get<std::string>().size() == 24);  // 2026-11-22T07:06:10.603Z
  CHECK(line.find('\n') == std::string::npos);
}

TEST_CASE("logging: plain lines quote values that need it") {
  const std::string line = nlog::format_line(nlog::Format::Plain, nlog::Level::Info, "main",
                                             "hello", {{"name", "two words"}, {"n", 3}});
  CHECK(line.find(" info  [main] hello") != std::string::npos);
  CHECK(line.find("name=\"two words\"") != std::string::npos);
  CHECK(line.find("n=3") != std::string::npos);
}

TEST_CASE("logging: levels filter and capture receives the lines") {
  std::vector<std::string> lines;
  nlog::set_capture([&](std::string_view l) { lines.emplace_back(l); });
  nlog::set_level(nlog::Level::Warn);
  nlog::info("t", "dropped");
  nlog::warn("t", "kept");
  nlog::error("t", "kept too");
  nlog::set_level(nlog::Level::Off);
  nlog::error("t", "dropped when off");
  nlog::set_capture({});
  REQUIRE(lines.size() == 2);
  CHECK(lines[0].find("kept") != std::string::npos);
  CHECK(nlog::parse_level("warning") == nlog::Level::Warn);
  CHECK_FALSE(nlog::parse_level("loud"));
  CHECK(nlog::parse_format("plain") == nlog::Format::Plain);
  CHECK_FALSE(nlog::parse_format("xml"));
}
