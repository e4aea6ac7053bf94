// gen_nessus_export: writes a generated .nessus v2 export (tests/support/export_generator.h)
// for the end-to-end tests and the benchmarks.
// Usage: gen_nessus_export OUT [--hosts N] [--per-host N] [--plugins N] [--seed N]
//                          [--output-bytes N] [--description-bytes N] [--target-mb N] [--untrusted]
//                          [--name TEXT]
#include <cstdio>
#include <cstdlib>
#include <string>

#include "tests/support/export_generator.h"

constexpr const char* kUsage =
    "usage: gen_nessus_export OUT [--hosts N] [--per-host N] [--plugins N] [--seed N]\n"
    "                         [--output-bytes N] [--description-bytes N] [--target-mb N]\n"
    "                         [--untrusted] [--name TEXT]\n"
    "Writes a generated .nessus v2 export to OUT (tests and benchmarks).\n";

int main(int argc, char** argv) {
  if (argc >= 2 && (std::string(argv[1]) == "--help" || std::string(argv[1]) == "-h")) {
    std::fputs(kUsage, stdout);
    return 0;
  }
  if (argc < 2 || argv[1][0] == '-') {
    std::fputs(kUsage, stderr);
    return 2;
  }
  nmcp::testing::ExportSpec spec;
  for (int i = 2; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--untrusted") {
      spec.credentialed = false;
      continue;
    }
    if (i + 1 >= argc) {
      std::fprintf(stderr, "gen_nessus_export: %s needs a value\n", arg.c_str());
      return 2;
    }
    const std::string v = argv[++i];
    const long long n = std::atoll(v.c_str());
    if (arg == "--hosts")
      spec.hosts = static_cast<int>(n);
    else if (arg == "--per-host")
      spec.findings_per_host = static_cast<int>(n);
    else if (arg == "--plugins")
      spec.plugins = static_cast<int>(n);
    else if (arg == "--seed")
      spec.seed = static_cast<std::uint64_t>(n);
    else if (arg == "--output-bytes")
      spec.output_bytes = static_cast<std::size_t>(n);
    else if (arg == "--description-bytes")
      spec.description_bytes = static_cast<std::size_t>(n);
    else if (arg == "--target-mb")
      spec.target_bytes = static_cast<std::uint64_t>(n) << 20U;
    else if (arg == "--name")
      spec.scan_name = v;
    else {
      std::fprintf(stderr, "gen_nessus_export: unknown option %s\n", arg.c_str());
      return 2;
    }
  }
  if (!nmcp::testing::write_export_file(spec, argv[1])) {
    std::fprintf(stderr, "gen_nessus_export: cannot write %s\n", argv[1]);
    return 1;
  }
  return 0;
}
