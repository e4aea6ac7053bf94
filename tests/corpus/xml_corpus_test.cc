// The XML scanner against expat on the real exports of the corpus (see xml_scanner_test.cc
// for the crafted documents).
#include <filesystem>
#include <fstream>
#include <sstream>

#include <doctest/doctest.h>

#include "tests/support/corpus.h"
#include "tests/support/xml_reference.h"

using namespace nmcp;

namespace {

std::string read_file(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

}  // namespace

TEST_CASE("xml scanner: the real exports of the corpus agree with expat") {
  int files = 0;
  for (const auto& entry : std::filesystem::directory_iterator(testing::corpus_dir())) {
    if (entry.path().extension() == ".md") continue;
    CAPTURE(entry.path().filename().string());
    const std::string doc = read_file(entry.path());
    const auto reference = testing::expat_events(doc);
    for (const std::size_t chunk : {7UL, 4096UL, 1UL << 22U}) {
      const auto ours = testing::scanner_events(doc, chunk);
      CAPTURE(chunk);
      if (testing::deliberate_refusal(ours)) continue;
      REQUIRE(ours.accepted == reference.accepted);
      if (ours.accepted) CHECK(ours.events == reference.events);
    }
    ++files;
  }
  CHECK(files >= 10);
}
