// Golden JSON-RPC transcripts, replayed against the real nessus-mcp binary over stdio.
//
// Each tests/golden/*.txt file holds comment lines ('#'), an optional "# args: ..." line with
// extra command-line flags, client lines ("> {json}") and, after each client line, the server
// lines it must produce ("< {json}"), compared structurally. An expected string starting with
// '~' is a regular expression the actual string must match in full (for trace ids). After the
// transcript a sentinel ping must be answered next, which proves the server sent nothing
// unexpected (such as a reply to a notification).
//
// UPDATE_GOLDEN=1 rewrites the expected lines from what the server actually sent.

#include <dirent.h>

#include <algorithm>
#include <fstream>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include "tests/support/subprocess.h"

using nlohmann::json;
using namespace std::chrono_literals;

namespace {

struct Step {
  std::string client;
  std::vector<std::string> expected;
};

struct Transcript {
  std::vector<std::string> header;  // comment lines, kept for UPDATE_GOLDEN
  std::vector<std::string> args;
  std::vector<Step> steps;
};

Transcript load(const std::string& path) {
  Transcript t;
  std::ifstream in(path);
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("# args:", 0) == 0) {
      std::istringstream words(line.substr(7));
      std::string w;
      while (words >> w) t.args.push_back(w);
    }
    if (line.empty() || line[0] == '#') {
      if (t.steps.empty()) t.header.push_back(line);
      continue;
    }
    if (line.rfind("> ", 0) == 0) {
      t.steps.push_back({line.substr(2), {}});
    } else if (line.rfind("< ", 0) == 0) {
      REQUIRE_MESSAGE(!t.steps.empty(), "a server line before any client line in " << path);
      t.steps.back().expected.push_back(line.substr(2));
    } else {
      FAIL("unreadable line in " << path << ": " << line);
    }
  }
  return t;
}

bool matches(const json& expected, const json& actual, std::string& why, const std::string& at) {
  if (expected.is_string() && expected.get_ref<const std::string&>().rfind("~", 0) == 0) {
    if (actual.is_string() && std::regex_match(actual.get<std::string>(),
                                               std::regex(expected.get<std::string>().substr(1)))) {
      return true;
    }
    why = at + ": " + actual.dump() + " does not match " + expected.dump();
    return false;
  }
  if (expected.is_object() && actual.is_object()) {
    for (const auto& [k, v] : expected.items()) {
      if (!actual.contains(k)) {
        why = at + "." + k + ": missing";
        return false;
      }
      if (!matches(v, actual[k], why, at + "." + k)) return false;
    }
    for (const auto& [k, v] : actual.items()) {
      if (!expected.contains(k)) {
        why = at + "." + k + ": unexpected " + v.dump();
        return false;
      }
    }
    return true;
  }
  if (expected.is_array() && actual.is_array() && expected.size() == actual.size()) {
    for (std::size_t i = 0; i < expected.size(); ++i) {
      if (!matches(expected[i], actual[i], why, at + "[" + std::to_string(i) + "]")) return false;
    }
    return true;
  }
  if (expected == actual) return true;
  why = at + ": expected " + expected.dump() + ", got " + actual.dump();
  return false;
}

std::vector<std::string> transcript_files() {
  std::vector<std::string> files;
  if (DIR* dir = ::opendir(NMCP_GOLDEN_DIR)) {
    while (const dirent* e = ::readdir(dir)) {
      const std::string name = e->d_name;
      if (name.size() > 4 && name.substr(name.size() - 4) == ".txt") {
        files.push_back(std::string(NMCP_GOLDEN_DIR) + "/" + name);
      }
    }
    ::closedir(dir);
  }
  std::sort(files.begin(), files.end());
  return files;
}

void run(const std::string& path) {
  const Transcript t = load(path);
  nmcp::testing::TempDir data;
  std::vector<std::string> argv = {NMCP_BINARY, "--stdio",    "--test-tools", "--log-level",
                                   "off",       "--data-dir", data.path()};
  for (std::string arg : t.args) {
    // {source} names the repository, for transcripts that load its configuration.
    if (const auto at = arg.find("{source}"); at != std::string::npos) {
      arg.replace(at, 8, NMCP_SOURCE_DIR);
    }
    argv.push_back(arg);
  }
  nmcp::testing::Subprocess server(argv);
  const bool update = std::getenv("UPDATE_GOLDEN") != nullptr;
  std::vector<Step> actual_steps;
  for (const Step& step : t.steps) {
    server.write_line(step.client);
    Step actual{step.client, {}};
    for (const std::string& expected_text : step.expected) {
      const auto line = server.read_line(5000ms);
      REQUIRE_MESSAGE(line.has_value(), path << ": no server line after " << step.client);
      const json got = json::parse(*line);
      const json expected = json::parse(expected_text, nullptr, false);
      std::string why;
      const bool same = !expected.is_discarded() && matches(expected, got, why, "$");
      // An update keeps lines that still match, so their "~pattern" values survive.
      actual.expected.push_back(same ? expected_text : *line);
      if (update) continue;
      CHECK_MESSAGE(same, path << "\n  after: " << step.client << "\n  " << why);
    }
    actual_steps.push_back(std::move(actual));
  }
  server.write_line(R"({"jsonrpc":"2.0","id":"golden-sentinel","method":"ping"})");
  const auto last = server.read_line(5000ms);
  REQUIRE(last.has_value());
  CHECK_MESSAGE(json::parse(*last)["id"] == "golden-sentinel",
                path << ": unexpected extra server line: " << *last);
  server.close_stdin();
  CHECK(server.wait(10000ms) == 0);

  if (update) {
    std::ofstream out(path);
    for (const auto& h : t.header) out << h << "\n";
    for (const auto& s : actual_steps) {
      out << "> " << s.client << "\n";
      for (const auto& e : s.expected) out << "< " << e << "\n";
    }
  }
}

}  // namespace

TEST_CASE("golden transcripts") {
  const auto files = transcript_files();
  REQUIRE(files.size() >= 6);
  for (const auto& file : files) {
    SUBCASE(file.c_str()) { run(file); }
  }
}
