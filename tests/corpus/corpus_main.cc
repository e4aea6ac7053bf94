// corpus_nessus's main: skipped (exit 77) when the corpus is absent, never passed.
#define DOCTEST_CONFIG_IMPLEMENT
#include <doctest/doctest.h>

#include "core/base/logging.h"
#include "tests/support/corpus.h"

int main(int argc, char** argv) {
  nmcp::testing::skip_without_corpus();
  nmcp::log::init(nmcp::log::Level::Off, nmcp::log::Format::Plain);
  doctest::Context context(argc, argv);
  return context.run();
}
