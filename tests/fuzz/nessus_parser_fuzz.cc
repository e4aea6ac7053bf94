// libFuzzer target for the .nessus parser and the credential validator: any bytes must give a
// result or a clean error, never a crash, a hang, or unbounded memory. Built with clang only
// (ASan + UBSan builds); CTest runs it briefly over the seeds in tests/fuzz/seeds/.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "scanners/results/nessus_parser.h"
#include "scanners/results/scan_validation.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  nmcp::scanners::ScanValidator validator(true);
  nmcp::scanners::ParseLimits limits;
  limits.max_text_bytes = 1U << 16U;
  if (nmcp::scanners::parse_nessus_text(text, validator, limits)) {
    (void)validator.summary();
    (void)validator.validation();
    (void)validator.verdict();
  }
  return 0;
}
