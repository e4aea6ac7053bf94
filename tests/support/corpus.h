#pragma once
// Where the tests find the real exports (../shared/corpus/nessus, never copied into the
// repository), and how a test binary that needs them is skipped when they are absent: it exits
// with kSkipExitCode, which CTest reports as skipped (SKIP_RETURN_CODE), never as passed.

#include <sys/stat.h>

#include <cstdio>
#include <cstdlib>
#include <string>

namespace nmcp::testing {

inline constexpr int kSkipExitCode = 77;

inline std::string corpus_dir() {
  return std::string(NMCP_SOURCE_DIR) + "/../shared/corpus/nessus/";
}

inline bool corpus_present() {
  struct stat st {};
  return ::stat((corpus_dir() + "README.md").c_str(), &st) == 0;
}

// Call first in main(): a binary that cannot test anything without the corpus says so.
inline void skip_without_corpus() {
  if (corpus_present()) return;
  std::fprintf(stderr, "SKIPPED: %s is absent\n", corpus_dir().c_str());
  std::exit(kSkipExitCode);
}

}  // namespace nmcp::testing
