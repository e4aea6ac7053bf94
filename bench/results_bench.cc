// results_bench: the findings pipeline measured from inside, one mode per run so each run's
// peak RSS is its own.
//   results_bench read FILE             the floor: read the file in 256 KiB chunks
//   results_bench parse FILE            the streaming parser alone (no visitor work)
//   results_bench summary FILE          parse + credential validation + summary: the work the
//                                       Python comparison does
//   results_bench index FILE DIR        parse + validate + write DIR/findings.db
//   results_bench query FILE [N]        import FILE into a fresh store, then N rounds of
//                                       filtered get_scan_results pages through the tool handler
// Each prints one JSON line: mode, bytes, seconds, MB/s, peak RSS, and mode-specific figures.
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/findings/index_cache.h"
#include "core/findings/results_location.h"
#include "core/store/open_store.h"
#include "core/task/task.h"
#include "mcp/server/request_context.h"
#include "mcp/server/session.h"
#include "mcp/server/tool_registry.h"
#include "mcp/tools/results_tools.h"
#include "scanners/results/export_indexer.h"
#include "scanners/results/nessus_parser.h"
#include "scanners/results/scan_validation.h"

namespace {

using nlohmann::json;
using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point t) {
  return std::chrono::duration<double>(Clock::now() - t).count();
}

long peak_rss_kb() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return u.ru_maxrss;
}

json report(const std::string& mode, std::uint64_t bytes, double secs) {
  return {{"mode", mode},
          {"bytes", bytes},
          {"seconds", secs},
          {"mb_per_s", secs > 0 ? static_cast<double>(bytes) / (1 << 20) / secs : 0.0},
          {"peak_rss_mb", static_cast<double>(peak_rss_kb()) / 1024.0}};
}

int read_floor(const std::string& path) {
  std::unique_ptr<std::FILE, int (*)(std::FILE*)> f(std::fopen(path.c_str(), "rb"), &std::fclose);
  if (!f) return 1;
  std::vector<char> buf(256U << 10U);
  std::uint64_t bytes = 0, sum = 0;
  const auto t = Clock::now();
  for (;;) {
    const std::size_t n = std::fread(buf.data(), 1, buf.size(), f.get());
    if (n == 0) break;
    bytes += n;
    sum += static_cast<unsigned char>(buf[n - 1]);  // touch the data
  }
  auto r = report("read", bytes, seconds_since(t));
  r["checksum"] = sum;
  std::puts(r.dump().c_str());
  return 0;
}

int parse_only(const std::string& path) {
  nmcp::scanners::ReportVisitor nothing;
  const auto t = Clock::now();
  auto parsed = nmcp::scanners::parse_nessus_file(path, nothing);
  const double secs = seconds_since(t);
  if (!parsed) {
    std::fprintf(stderr, "%s\n", parsed.error().message.c_str());
    return 1;
  }
  auto r = report("parse", parsed->bytes, secs);
  r["findings"] = parsed->items;
  std::puts(r.dump().c_str());
  return 0;
}

int summary(const std::string& path) {
  nmcp::scanners::ScanValidator validator(nmcp::scanners::CredentialsSupplied::Unknown);
  const auto t = Clock::now();
  auto parsed = nmcp::scanners::parse_nessus_file(path, validator);
  const double secs = seconds_since(t);
  if (!parsed) {
    std::fprintf(stderr, "%s\n", parsed.error().message.c_str());
    return 1;
  }
  auto r = report("summary", parsed->bytes, secs);
  r["findings"] = parsed->items;
  r["summary"] = validator.summary();
  std::puts(r.dump().c_str());
  return 0;
}

int index(const std::string& path, const std::string& dir) {
  std::filesystem::create_directories(dir);
  const auto t = Clock::now();
  auto out = nmcp::scanners::index_export(path, dir + "/findings.db",
                                          nmcp::scanners::CredentialsSupplied::Unknown);
  const double secs = seconds_since(t);
  if (!out) {
    std::fprintf(stderr, "%s\n", out.error().message.c_str());
    return 1;
  }
  auto r = report("index", out->stats.bytes, secs);
  r["findings"] = out->stats.items;
  r["hosts"] = out->stats.hosts;
  r["index_bytes"] = std::filesystem::file_size(dir + "/findings.db");
  r["summary"] = out->summary;
  std::puts(r.dump().c_str());
  return 0;
}

double percentile(std::vector<double> v, double p) {
  std::sort(v.begin(), v.end());
  return v[std::min(v.size() - 1, static_cast<std::size_t>(p * static_cast<double>(v.size())))];
}

int query(const std::string& path, int rounds) {
  const auto dir =
      std::filesystem::temp_directory_path() / ("nmcp-results-bench-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  auto store = nmcp::store::open_store("sqlite:" + (dir / "tasks.db").string());
  if (!store) return 1;
  nmcp::task::Task t;
  t.id = nmcp::task::new_task_id();
  t.owner = "local";
  t.pool = "bench";
  t.created_at = nmcp::task::now_millis();
  auto paths = nmcp::findings::results_paths(dir.string(), t.id);
  std::filesystem::create_directories(paths->dir);
  const auto ti = Clock::now();
  auto indexed = nmcp::scanners::index_export(path, paths->index_file,
                                              nmcp::scanners::CredentialsSupplied::Unknown);
  const double index_secs = seconds_since(ti);
  if (!indexed) return 1;
  t.summary = indexed->summary;
  if (!(*store)->import_completed(t)) return 1;

  nmcp::mcp::ToolRegistry registry;
  nmcp::service::Services deps;
  deps.tasks = store->get();
  deps.submitter = store->get();
  deps.scanner_health = store->get();
  deps.data_dir = dir.string();
  deps.indexes = std::make_shared<nmcp::findings::IndexCache>(2);
  if (!nmcp::mcp::register_results_tools(registry, deps)) return 1;
  const auto* tool = registry.find("get_scan_results");
  nmcp::mcp::RequestScope scope;
  scope.request_id = 1;
  scope.trace_id = "bench";
  auto call = [&](const json& args) {
    nmcp::mcp::RequestContext ctx(scope, nullptr);
    return nmcp::mcp::ToolRegistry::call(*tool, args, ctx, nmcp::mcp::ProtocolVersion::V2025_11_25);
  };
  const auto tl = Clock::now();
  call({{"task_id", t.id}, {"page_size", 1}});  // opens the index into the cache
  const double load_secs = seconds_since(tl);

  const std::vector<json> questions = {
      {{"filter", {{"severity_min", "high"}}}, {"profile", "summary"}},
      {{"filter", {{"host", "10.0.1.0/24"}}}},
      {{"filter", {{"cvss3_min", 7.0}, {"exploit_available", true}}}, {"profile", "minimal"}},
      {{"filter", {{"cve", "CVE-2012-1006"}}}},
      {{"filter", {{"port", 443}, {"severity", {3, 4}}}}, {"sort_by", "host"}},
      {{"filter", {{"plugin_family", "Web Servers"}, {"plugin_name", "overflow"}}},
       {"profile", "minimal"},
       {"page_size", 100}},
      {{"sort_by", "cvss3_base_score"}, {"profile", "minimal"}},
  };
  std::vector<double> ms;
  json per_question = json::array();
  for (const auto& q : questions) {
    std::vector<double> qms;
    json args = q;
    args["task_id"] = t.id;
    std::size_t total = 0;
    for (int i = 0; i < rounds; ++i) {
      const auto s = Clock::now();
      auto r = call(args);
      qms.push_back(seconds_since(s) * 1000);
      if (r.value("isError", false)) {
        std::fprintf(stderr, "query failed: %s\n", r.at("content").dump().c_str());
        return 1;
      }
      total = r.at("structuredContent").at("total").get<std::size_t>();
      // Every other round continues from the cursor: later pages cost the same.
      if (i % 2 == 0 && !r.at("structuredContent").at("next_cursor").is_null()) {
        args["cursor"] = r.at("structuredContent").at("next_cursor");
      } else {
        args.erase("cursor");
      }
    }
    ms.insert(ms.end(), qms.begin(), qms.end());
    per_question.push_back({{"args", q},
                            {"total", total},
                            {"p50_ms", percentile(qms, 0.5)},
                            {"p99_ms", percentile(qms, 0.99)}});
  }
  // Free text reads the texts in the file: measured apart, it is not in the percentiles above.
  std::vector<double> text_ms;
  for (int i = 0; i < 3; ++i) {
    const auto s = Clock::now();
    auto tr = call({{"task_id", t.id},
                    {"filter", {{"text", "reports generated plugin 7"}}},
                    {"profile", "minimal"}});
    text_ms.push_back(seconds_since(s) * 1000);
    if (tr.value("isError", false)) return 1;
  }
  auto r = report("query", indexed->stats.bytes, index_secs);
  r["text_filter_ms"] = percentile(text_ms, 0.5);
  r["findings"] = indexed->stats.items;
  r["first_open_seconds"] = load_secs;
  r["calls"] = ms.size();
  r["p50_ms"] = percentile(ms, 0.5);
  r["p99_ms"] = percentile(ms, 0.99);
  r["max_ms"] = *std::max_element(ms.begin(), ms.end());
  r["questions"] = per_question;
  std::puts(r.dump().c_str());
  std::error_code ec;
  std::filesystem::remove_all(dir, ec);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  const std::vector<std::string> a(argv + 1, argv + argc);
  if (a.size() >= 2 && a[0] == "read") return read_floor(a[1]);
  if (a.size() >= 2 && a[0] == "parse") return parse_only(a[1]);
  if (a.size() >= 2 && a[0] == "summary") return summary(a[1]);
  if (a.size() >= 3 && a[0] == "index") return index(a[1], a[2]);
  if (a.size() >= 2 && a[0] == "query") return query(a[1], a.size() >= 3 ? std::stoi(a[2]) : 200);
  std::fputs(
      "usage: results_bench read FILE | parse FILE | summary FILE | index FILE DIR | query FILE "
      "[ROUNDS]\n",
      stderr);
  return 2;
}
