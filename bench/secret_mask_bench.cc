// What masking secrets by value costs: redact_text() on a typical log line, the check a string
// goes through, and masking an export as it streams to disk (64 KB chunks), with 0 to 1000
// configured secrets (a configuration holds tens) and inside a task's scope (its inline
// secrets, its caller's text excluded).
// Usage: secret_mask_bench [iterations]
#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

#include "core/base/redact.h"
#include "core/base/secret_values.h"

namespace {

double ns_per(const std::chrono::steady_clock::duration d, long n) {
  return static_cast<double>(std::chrono::duration_cast<std::chrono::nanoseconds>(d).count()) /
         static_cast<double>(n);
}

}  // namespace

int main(int argc, char** argv) {
  const long iterations = argc > 1 ? std::stol(argv[1]) : 200000;
  const std::string line =
      R"({"ts":"2026-12-02T03:00:00Z","level":"info","component":"worker","msg":"Nessus scan created","task_id":"task_0123456789abcdef0123456789abcdef","nessus_scan_id":42,"instance":"local"})";
  // A findings page as get_scan_results returns it: about 32 KB of text in 25 strings.
  std::vector<std::string> page(25, std::string(1300, 'x') + " plugin output with a path /etc ");
  // A 16 MB export-like text: XML with plugin outputs.
  std::string export_text;
  while (export_text.size() < (16U << 20U)) {
    export_text +=
        "<ReportItem port=\"22\" pluginID=\"10267\"><plugin_output>SSH version : "
        "SSH-2.0-OpenSSH_8.9p1 Ubuntu-3ubuntu0.6\nSSH supported authentication : "
        "publickey,password</plugin_output></ReportItem>\n";
  }
  const auto stream_mb_per_s = [&] {
    std::size_t written = 0;
    nmcp::StreamMasker m([&](std::string_view piece) {
      written += piece.size();
      return true;
    });
    const auto t0 = std::chrono::steady_clock::now();
    for (std::size_t i = 0; i < export_text.size(); i += 65536) {
      m.write(std::string_view(export_text).substr(i, 65536));
    }
    m.finish();
    const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    return static_cast<double>(written) / (1U << 20U) / s;
  };
  std::printf("%-10s %-22s %-26s %-18s %-18s\n", "secrets", "redact_text ns/line",
              "result check ns/32KB page", "export MB/s", "in a scope MB/s");
  long remembered = 0;
  for (const long target : {0L, 10L, 100L, 1000L}) {
    while (remembered < target) {
      nmcp::remember_secret("secret-value-" + std::to_string(remembered) + "-Xy9");
      ++remembered;
    }
    std::size_t sink = 0;
    auto t0 = std::chrono::steady_clock::now();
    for (long i = 0; i < iterations; ++i) sink += nmcp::redact_text(line).size();
    const double per_line = ns_per(std::chrono::steady_clock::now() - t0, iterations);
    const long pages = iterations / 50;
    t0 = std::chrono::steady_clock::now();
    for (long i = 0; i < pages; ++i) {
      for (const auto& s : page) sink += nmcp::contains_secret_value(s) ? 1U : 0U;
    }
    const double per_page = ns_per(std::chrono::steady_clock::now() - t0, pages);
    const double plain = stream_mb_per_s();
    double scoped = 0;
    {
      nmcp::SecretScope scope({"Inline-Password-1", "Escalation-Pw-2"},
                              {"nightly dmz", "10.0.0.0/24"});
      scoped = stream_mb_per_s();
    }
    std::printf("%-10ld %-22.0f %-26.0f %-18.0f %-18.0f (%zu)\n", target, per_line, per_page, plain,
                scoped, sink % 10);
  }
  return 0;
}
