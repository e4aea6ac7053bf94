// Differential libFuzzer target: the product's XML scanner against expat. For any bytes, both
// must refuse, or both accept with the same events (whatever the chunking), except for the
// refusals the product makes on purpose. A mismatch aborts, so the fuzzer reports it.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "tests/support/xml_reference.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size > (64U << 10U)) return 0;
  const std::string doc(reinterpret_cast<const char*>(data), size);
  const auto reference = nmcp::testing::expat_events(doc);
  // The first byte picks a chunk size, so boundaries fall everywhere.
  const std::size_t chunk = size == 0 ? 1 : 1 + data[0] % 17;
  for (const std::size_t c : {chunk, size + 1}) {
    const auto ours = nmcp::testing::scanner_events(doc, c);
    if (nmcp::testing::deliberate_refusal(ours)) continue;
    if (ours.accepted != reference.accepted || (ours.accepted && ours.events != reference.events)) {
      std::fprintf(stderr, "mismatch (chunk %zu): expat %s [%s], scanner %s [%s]\n", c,
                   reference.accepted ? "accepts" : "refuses", reference.error.c_str(),
                   ours.accepted ? "accepts" : "refuses", ours.error.c_str());
      std::abort();
    }
  }
  return 0;
}
