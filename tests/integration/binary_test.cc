// The nessus-mcp binary as a process: command line, stdout discipline, signals, HTTP start-up.

#include <signal.h>

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include "core/base/crypto.h"
#include "tests/support/subprocess.h"

using nlohmann::json;
using nmcp::testing::Subprocess;
using nmcp::testing::TempDir;
using namespace std::chrono_literals;

namespace {

int run_exit_code(std::vector<std::string> args, std::string* err = nullptr,
                  std::string* out = nullptr) {
  std::vector<std::string> argv{NMCP_BINARY};
  argv.insert(argv.end(), args.begin(), args.end());
  Subprocess p(argv);
  p.close_stdin();
  std::string collected;
  while (auto line = p.read_line(5000ms)) collected += *line + "\n";
  const auto code = p.wait(10000ms);
  REQUIRE(code.has_value());
  if (err != nullptr) *err = p.stderr_text();
  if (out != nullptr) *out = collected;
  return *code;
}

}  // namespace

TEST_CASE("binary: --help and --version print and exit 0") {
  std::string out;
  CHECK(run_exit_code({"--help"}, nullptr, &out) == 0);
  CHECK(out.find("Usage: nessus-mcp") != std::string::npos);
  // Every flag is listed; test-only ones in the advanced section, said to be so.
  CHECK(out.find("--test-tools") > out.find("Advanced"));
  CHECK(out.find("never\n                             in production") != std::string::npos);
  CHECK(run_exit_code({"--version"}, nullptr, &out) == 0);
  CHECK(out.rfind("nessus-mcp ", 0) == 0);
}

TEST_CASE("binary: bad command lines exit 2 with a message on stderr and nothing on stdout") {
  for (const auto& args : std::vector<std::vector<std::string>>{
           {"--bogus"},
           {"--http", "1.2.3.4:99999"},
           {"--log-level", "chatty"},
           {"--config", "/nonexistent/scanners.yaml"},
           {"--http", "0.0.0.0:0"},  // non-loopback without API keys
           {"--http", "127.0.0.1:0", "--api-keys-file", "/nonexistent/keys"}}) {
    std::string err;
    std::string out;
    CAPTURE(args[0]);
    CHECK(run_exit_code(args, &err, &out) == 2);
    CHECK(out.empty());
    CHECK(err.rfind("nessus-mcp: ", 0) == 0);
  }
}

TEST_CASE("binary: stdio keeps stdout for protocol lines only; logs go to stderr") {
  Subprocess p({NMCP_BINARY, "--stdio", "--test-tools", "--log-level", "debug"});
  p.write_line(
      R"({"jsonrpc":"2.0","id":0,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"t","version":"1"}}})");
  p.write_line(
      R"({"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"log","arguments":{}}})");
  p.close_stdin();
  int lines = 0;
  while (auto line = p.read_line(5000ms)) {
    ++lines;
    const json m = json::parse(*line);  // every stdout line is one JSON-RPC message
    CHECK(m["jsonrpc"] == "2.0");
  }
  CHECK(lines == 2 + 7);  // two responses, seven log notifications at info and above
  CHECK(p.wait(10000ms) == 0);
  const std::string err = p.stderr_text();
  CHECK(err.find("\"component\":\"stdio\"") != std::string::npos);
  CHECK(err.find("hunter2") == std::string::npos);
}

TEST_CASE("binary: SIGTERM stops a stdio server promptly, even with a call in flight") {
  Subprocess p({NMCP_BINARY, "--stdio", "--test-tools", "--log-level", "info"});
  p.write_line(
      R"({"jsonrpc":"2.0","id":0,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"t","version":"1"}}})");
  REQUIRE(p.read_line(5000ms));
  p.write_line(
      R"({"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"slow","arguments":{"steps":100,"step_ms":60000}}})");
  p.write_line(R"({"jsonrpc":"2.0","id":2,"method":"ping"})");
  REQUIRE(json::parse(p.read_line(5000ms).value())["id"] == 2);  // the call was dispatched first
  p.signal(SIGTERM);
  CHECK(p.wait(10000ms) == 0);
  CHECK(p.stderr_text().find("stop requested by signal") != std::string::npos);
}

TEST_CASE("binary: --http on port 0 reports where it listens, serves, and stops on SIGTERM") {
  TempDir dir;
  const std::string key = nmcp::random_hex(24);
  const std::string keys = dir.file("keys.txt", "ops sha256:" + nmcp::sha256_hex(key) + "\n");
  Subprocess p(
      {NMCP_BINARY, "--http", "127.0.0.1:0", "--api-keys-file", keys, "--log-format", "json"});
  const auto line = p.wait_stderr("listening on", 10000ms);
  REQUIRE(line.has_value());
  const json log = json::parse(*line);
  CHECK(log["port"].get<int>() > 0);
  CHECK(log["auth"] == "api-keys");
  p.signal(SIGTERM);
  CHECK(p.wait(10000ms) == 0);
  CHECK(p.stderr_text().find(key) == std::string::npos);
}

namespace {
std::string valid_config() {
  return "pools:\n  lab:\n    scope: {allow: [10.0.0.0/8]}\n    instances:\n"
         "      - id: one\n        url: https://127.0.0.1:8834\n"
         "        auth: {mode: api_keys, access_key: " +
         std::string(64, 'a') + ", secret_key: " + std::string(64, 'b') + "}\n";
}
}  // namespace

TEST_CASE("binary: a bad scanner configuration stops the start with every problem listed") {
  TempDir dir;
  const std::string path =
      dir.file("scanners.yaml", "pools:\n  lab:\n    instances: []\n    colour: red\n");
  std::string err;
  CHECK(run_exit_code({"--config", path}, &err) == 2);
  CHECK(err.find("problem(s) in the scanner configuration") != std::string::npos);
  CHECK(err.find("unknown key \"colour\"") != std::string::npos);
  CHECK(err.find("pools.lab.instances: must list at least one Nessus instance") !=
        std::string::npos);
}

TEST_CASE("binary: SIGHUP reloads the scanner configuration; a bad file keeps the running one") {
  TempDir dir;
  const std::string path = dir.file("scanners.yaml", valid_config());
  Subprocess p({NMCP_BINARY, "--stdio", "--config", path, "--log-format", "json"});
  REQUIRE(p.wait_stderr("scanner configuration loaded", 10000ms));
  dir.file("scanners.yaml", "pools: {broken\n");
  p.signal(SIGHUP);
  const auto failed =
      p.wait_stderr("configuration reload failed; keeping the running configuration", 10000ms);
  REQUIRE(failed);
  CHECK(failed->find("not valid YAML") != std::string::npos);
  dir.file("scanners.yaml", valid_config());
  p.signal(SIGHUP);
  REQUIRE(p.wait_stderr("configuration reloaded", 10000ms));
  // The server kept serving throughout.
  p.write_line(R"({"jsonrpc":"2.0","id":1,"method":"ping"})");
  CHECK(json::parse(p.read_line(5000ms).value())["id"] == 1);
  p.close_stdin();
  CHECK(p.wait(10000ms) == 0);
}
