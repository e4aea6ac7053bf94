// The estate's fold on a growing estate (issue 26's performance targets): `--scans` scans of
// `--hosts` hosts with `--per-host` findings each, generated with drift between scans (about 1%
// of each host's findings fixed, 1% new, and some fixed ones coming back), folded one by one
// into a fresh SQLite estate. Prints the time of each tenth fold, the median and worst fold,
// and the file's size. Deterministic for given arguments.
// Usage: estate_bench [--hosts N] [--per-host N] [--scans N] [--dir PATH]
#include <sys/stat.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "core/estate/sqlite_estate.h"

using namespace nmcp::estate;

namespace {

struct Args {
  int hosts = 1000;
  int per_host = 10;
  int scans = 20;
  std::string dir = "/tmp/estate_bench";
};

Args parse(int argc, char** argv) {
  Args a;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string k = argv[i];
    const std::string v = argv[i + 1];
    if (k == "--hosts") a.hosts = std::atoi(v.c_str());
    if (k == "--per-host") a.per_host = std::atoi(v.c_str());
    if (k == "--scans") a.scans = std::atoi(v.c_str());
    if (k == "--dir") a.dir = v;
  }
  return a;
}

}  // namespace

int main(int argc, char** argv) {
  const Args args = parse(argc, argv);
  std::filesystem::remove_all(args.dir);
  std::filesystem::create_directories(args.dir);
  auto opened = SqliteEstate::open(args.dir + "/estate.db");
  if (!opened) {
    std::fprintf(stderr, "open: %s\n", opened.error().message.c_str());
    return 1;
  }
  auto& estate = **opened;
  std::mt19937_64 rng(42);
  // Each host's current findings (plugin ids); a plugin's port and family derive from its id.
  std::vector<std::set<int>> current(static_cast<std::size_t>(args.hosts));
  std::vector<std::vector<int>> fixed(static_cast<std::size_t>(args.hosts));
  for (auto& c : current) {
    while (static_cast<int>(c.size()) < args.per_host)
      c.insert(10000 + static_cast<int>(rng() % 5000));
  }
  int next_plugin = 15000;  // plugins that appear later are new to every host
  std::vector<double> ms;
  for (int s = 0; s < args.scans; ++s) {
    ScanFold fold;
    fold.tenant = "acme";
    fold.scan_id = "scan_" + std::to_string(s);
    fold.scan_time = static_cast<std::int64_t>(s + 1) * 86400000;
    for (int h = 0; h < args.hosts; ++h) {
      auto& c = current[static_cast<std::size_t>(h)];
      auto& gone = fixed[static_cast<std::size_t>(h)];
      if (s > 0) {
        // Drift: about 1% fixed, 1% new, and a fixed one back now and then.
        for (auto it = c.begin(); it != c.end();) {
          if (rng() % 100 == 0) {
            gone.push_back(*it);
            it = c.erase(it);
          } else {
            ++it;
          }
        }
        for (int n = 0; n < args.per_host; ++n) {
          if (rng() % 100 == 0) c.insert(next_plugin++);
        }
        if (!gone.empty() && rng() % 20 == 0) {
          c.insert(gone.back());
          gone.pop_back();
        }
      }
      ScannedHost host;
      const int a = h / 250, b = h % 250;
      host.reported = {"", "", "host" + std::to_string(h) + ".corp", "",
                       "10.0." + std::to_string(a) + "." + std::to_string(b + 1)};
      host.logged_in = true;
      for (const int plugin : c) {
        ScannedFinding f;
        f.host = fold.hosts.size();
        f.plugin = {plugin, "plugin " + std::to_string(plugin),
                    "Family " + std::to_string(plugin % 40), plugin % 3 == 0};
        f.port = 1 + plugin % 64;
        f.protocol = "tcp";
        f.severity = plugin % 5;
        f.details = R"({"cves":["CVE-2024-)" + std::to_string(plugin) + R"("]})";
        host.open_ports.insert({f.port, f.protocol});
        fold.findings.push_back(std::move(f));
      }
      fold.hosts.push_back(std::move(host));
    }
    const auto started = std::chrono::steady_clock::now();
    auto report = estate.fold(fold);
    const double took =
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started)
            .count();
    if (!report) {
      std::fprintf(stderr, "fold %d: %s\n", s, report.error().message.c_str());
      return 1;
    }
    ms.push_back(took);
    if (s % 10 == 0 || s + 1 == args.scans) {
      std::printf("fold %4d: %zu findings, %.1f ms (new %d, fixed %d, reopened %d)\n", s,
                  fold.findings.size(), took, report->findings_new, report->fixed,
                  report->reopened);
    }
  }
  std::sort(ms.begin(), ms.end());
  std::printf("folds: %d of %d hosts x ~%d findings; median %.1f ms, worst %.1f ms\n", args.scans,
              args.hosts, args.per_host, ms[ms.size() / 2], ms.back());
  // The file with its write-ahead log (SQLite's WAL holds what is not yet checkpointed).
  std::uintmax_t bytes = std::filesystem::file_size(args.dir + "/estate.db");
  if (std::filesystem::exists(args.dir + "/estate.db-wal")) {
    bytes += std::filesystem::file_size(args.dir + "/estate.db-wal");
  }
  std::printf("estate file: %.1f MB (with its WAL)\n", static_cast<double>(bytes) / 1e6);
  return 0;
}
