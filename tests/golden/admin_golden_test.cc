// admin_cli, every command, human and --json, against golden outputs. The store is prepared
// with fixed ids and times (a queued task, a running one, a dead letter, an imported scan, a
// damaged record), then each "$ admin_cli ..." line of tests/golden/admin/*.txt runs and its
// stdout, stderr and exit status are compared with the lines that follow it, after the parts
// that change from run to run are replaced: times ("<time>", "(<age>)"), new task ids ("task_N"
// in order of appearance), keys and digests, and the temporary directory ("<dir>").
// UPDATE_GOLDEN=1 rewrites the expected lines.
#include <dirent.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <sstream>

#include <doctest/doctest.h>

#include "core/store/open_store.h"
#include "tests/support/export_generator.h"
#include "tests/support/subprocess.h"

using namespace nmcp;
using namespace std::chrono_literals;

namespace {

constexpr task::Millis T0 = 1'767'225'600'000;  // 2026-01-01T00:00:00Z

std::string fixed_id(int n) {
  char buf[40];
  std::snprintf(buf, sizeof buf, "task_%032d", n);
  return buf;
}

task::Task make(int n, const std::string& name, const std::string& pool) {
  task::Task t;
  t.id = fixed_id(n);
  t.owner = n % 2 == 0 ? "team-a" : "local";
  t.pool = pool;
  t.targets = "10.0.0." + std::to_string(n);
  t.name = name;
  t.template_name = "advanced";
  t.trace_id = "trace" + std::to_string(n);
  t.created_at = t.not_before = T0 + n * 60'000;
  t.request_hash = "h";
  return t;
}

// The store every transcript starts from.
void prepare(const std::string& data, const std::string& dir) {
  auto opened = store::open_store("sqlite:" + data + "/nessus-mcp.db");
  REQUIRE(opened);
  auto& s = **opened;
  REQUIRE(s.submit(make(1, "running scan", "default")));
  REQUIRE(s.submit(make(2, "queued scan", "default")));
  REQUIRE(s.submit(make(3, "dead scan", "dmz")));
  store::ClaimRequest r;
  r.worker = "worker-1";
  r.now = T0 + 10 * 60'000;
  r.lease_ms = 365LL * 86'400'000 * 10;  // running for good
  r.pools["default"] = {{"local", 5}};
  auto c = s.claim(r);
  REQUIRE(c);
  REQUIRE(c->has_value());
  REQUIRE((*c)->id == fixed_id(1));  // the oldest
  r.pools = {{"dmz", {{"dmz-1", 5}}}};
  auto d = s.claim(r);
  REQUIRE(d);
  REQUIRE(d->has_value());
  REQUIRE(s.dead_letter(fixed_id(3), store::lease_of(**d),
                        {"nessus_rejected", "creating the scan: HTTP 400 invalid template",
                         "fix the template, then admin_cli dlq retry " + fixed_id(3)},
                        T0 + 11 * 60'000));
  REQUIRE(s.submit(make(4, "to be damaged", "default")));
  testing::ExportSpec spec;
  spec.hosts = 3;
  spec.findings_per_host = 5;
  REQUIRE(testing::write_export_file(spec, dir + "/small.nessus"));
}

std::string replace_all(std::string s, const std::regex& re, const std::string& with) {
  return std::regex_replace(s, re, with);
}

// The parts of an output that change from run to run.
struct Normaliser {
  std::string dir;
  std::map<std::string, std::string> ids;  // new task ids -> task_N

  std::string operator()(std::string s) {
    s = replace_all(s, std::regex(dir), "<dir>");
    s = replace_all(s, std::regex(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{3})?Z)"), "<time>");
    s = replace_all(s, std::regex(R"(\((in )?\d+[smhd]( ago)?\))"), "(<age>)");
    s = replace_all(s, std::regex("nmcp_[0-9a-f]{48}"), "nmcp_<key>");
    s = replace_all(s, std::regex("sha256:[0-9a-f]{64}"), "sha256:<digest>");
    // Table columns are as wide as their widest cell, which a time or an id can change.
    s = replace_all(s, std::regex(R"((\S)   +)"), "$1  ");
    const std::regex id("task_[0-9a-f]{32}");
    std::string out;
    auto begin = std::sregex_iterator(s.begin(), s.end(), id);
    std::size_t last = 0;
    for (auto it = begin; it != std::sregex_iterator(); ++it) {
      const std::string found = it->str();
      out += s.substr(last, static_cast<std::size_t>(it->position()) - last);
      if (found.substr(5).find_first_not_of('0') < 31) {  // not one of the fixed ids
        auto [entry, fresh] = ids.emplace(found, "");
        if (fresh) entry->second = "task_N" + std::to_string(ids.size());
        out += entry->second;
      } else {
        out += found;
      }
      last = static_cast<std::size_t>(it->position()) + found.size();
    }
    return out + s.substr(last);
  }
};

std::vector<std::string> split_words(const std::string& line) {
  std::vector<std::string> words;
  std::string word;
  bool quoted = false;
  for (const char c : line) {
    if (c == '\'') {
      quoted = !quoted;
    } else if (c == ' ' && !quoted) {
      if (!word.empty()) words.push_back(std::move(word));
      word.clear();
    } else {
      word += c;
    }
  }
  if (!word.empty()) words.push_back(word);
  return words;
}

void run_file(const std::string& path) {
  testing::TempDir dir;
  const std::string data = dir.path() + "/data";
  prepare(data, dir.path());
  // Made readable by others on purpose: key create must tighten it to 0600 before appending.
  std::filesystem::permissions(dir.file("keys.txt", ""), std::filesystem::perms(0644));
  dir.file("dup.yaml", R"(pools:
  default:
    scope: {allow: [10.0.0.0/8]}
    instances:
      - id: nowhere
        url: https://nessus.invalid:8834
        auth:
          mode: api_keys
          access_key: 0000000000000000000000000000000000000000000000000000000000000000
          secret_key: 0000000000000000000000000000000000000000000000000000000000000000
        tls: {fingerprint: "sha256:0000000000000000000000000000000000000000000000000000000000000000"}
credentials:
  ops:
    type: ssh
    username: u
    password: first
    password: second
  ops:
    type: ssh
    username: v
    password: y
)");
  dir.file("fixed.yaml", R"(pools:
  default:
    scope: {allow: [10.0.0.0/8]}
    instances:
      - id: nowhere
        url: https://nessus.invalid:8834
        auth: {mode: api_keys, access_key: 0000000000000000000000000000000000000000000000000000000000000000, secret_key: 0000000000000000000000000000000000000000000000000000000000000000}
        tls: {fingerprint: "sha256:0000000000000000000000000000000000000000000000000000000000000000"}
        max_concurrent_scans: ${NMCP_GOLDEN_SLOTS:-many}
)");
  dir.file("ok.yaml", R"(pools:
  default:
    scope: {allow: [10.0.0.0/8]}
    instances:
      - id: nowhere
        url: https://nessus.invalid:8834
        auth: {mode: api_keys, access_key: 0000000000000000000000000000000000000000000000000000000000000000, secret_key: 0000000000000000000000000000000000000000000000000000000000000000}
        tls: {fingerprint: "sha256:0000000000000000000000000000000000000000000000000000000000000000"}
)");
  std::ifstream in(path);
  std::vector<std::string> header;
  std::vector<std::pair<std::string, std::vector<std::string>>> steps;
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("$ ", 0) == 0) {
      steps.push_back({line.substr(2), {}});
    } else if (steps.empty()) {
      header.push_back(line);
    } else {
      steps.back().second.push_back(line);
    }
  }
  Normaliser norm{dir.path(), {}};
  const bool update = std::getenv("UPDATE_GOLDEN") != nullptr;
  std::vector<std::vector<std::string>> actual;
  for (const auto& step : steps) {
    const std::string& command = step.first;
    const std::vector<std::string>& expected = step.second;
    if (command.rfind("corrupt ", 0) == 0) {
      // A damaged record, as a disk or an editor would leave it.
      testing::Subprocess shell({"/usr/bin/sqlite3", data + "/nessus-mcp.db"});
      shell.write_line("UPDATE tasks SET doc = '{\"id\": \"trunc' WHERE id = '" +
                       command.substr(8) + "';");
      shell.close_stdin();
      REQUIRE(shell.wait(10s) == 0);
      actual.push_back({});
      continue;
    }
    auto words = split_words(command);
    REQUIRE(!words.empty());
    REQUIRE(words[0] == "admin_cli");
    std::vector<std::string> argv = {NMCP_ADMIN_BINARY, "--data-dir", data};
    for (std::size_t i = 1; i < words.size(); ++i) {
      std::string w = words[i];
      if (const auto at = w.find("<dir>"); at != std::string::npos) w.replace(at, 5, dir.path());
      argv.push_back(w);
    }
    testing::Subprocess p(argv);
    p.close_stdin();
    std::vector<std::string> got;
    while (auto l = p.read_line(10000ms)) got.push_back(norm(*l));
    const auto code = p.wait(10000ms);
    std::istringstream err(p.stderr_text());
    while (std::getline(err, line)) got.push_back("! " + norm(line));
    got.push_back("? exit " + std::to_string(code.value_or(-1)));
    if (!update) {
      std::string want, have;
      for (const auto& l : expected) want += l + "\n";
      for (const auto& l : got) have += l + "\n";
      CHECK_MESSAGE(want == have, path << "\n$ " << command << "\n--- expected\n"
                                       << want << "--- got\n"
                                       << have);
    }
    actual.push_back(std::move(got));
  }
  if (update) {
    std::ofstream out(path);
    for (const auto& h : header) out << h << "\n";
    for (std::size_t i = 0; i < steps.size(); ++i) {
      out << "$ " << steps[i].first << "\n";
      for (const auto& l : actual[i]) out << l << "\n";
    }
  }
}

}  // namespace

TEST_CASE("admin_cli golden outputs") {
  std::vector<std::string> files;
  if (DIR* d = ::opendir(NMCP_ADMIN_GOLDEN_DIR)) {
    while (const dirent* e = ::readdir(d)) {
      const std::string name = e->d_name;
      if (name.size() > 4 && name.substr(name.size() - 4) == ".txt") {
        files.push_back(std::string(NMCP_ADMIN_GOLDEN_DIR) + "/" + name);
      }
    }
    ::closedir(d);
  }
  std::sort(files.begin(), files.end());
  REQUIRE(files.size() >= 3);
  for (const auto& f : files) {
    SUBCASE(f.c_str()) { run_file(f); }
  }
}
