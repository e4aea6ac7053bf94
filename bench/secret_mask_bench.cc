// What masking secrets by value costs: redact_text() on a typical log line, and the check a
// tool result's strings go through, with 0 to 1000 secrets remembered (a configuration holds
// tens; inline submits add two each, up to the registry's cap).
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
  std::printf("%-10s %-22s %-26s\n", "secrets", "redact_text ns/line", "result check ns/32KB page");
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
    std::printf("%-10ld %-22.0f %-26.0f (%zu)\n", target, per_line, per_page, sink % 10);
  }
  return 0;
}
