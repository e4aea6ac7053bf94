// Shared doctest main: quiet process logs unless NMCP_TEST_LOG=1.
#define DOCTEST_CONFIG_IMPLEMENT
#include <cstdlib>

#include <doctest/doctest.h>

#include "core/base/logging.h"

int main(int argc, char** argv) {
  const char* verbose = std::getenv("NMCP_TEST_LOG");
  nmcp::log::init(verbose != nullptr ? nmcp::log::Level::Debug : nmcp::log::Level::Off,
                  nmcp::log::Format::Plain);
  doctest::Context context(argc, argv);
  return context.run();
}
