#pragma once
// The differential oracle for the XML scanner: the canonical event stream of a document as
// expat (the reference parser) sees it, with DTDs refused as the product refuses them, and the
// same stream from scanners/results/xml_scanner.h fed in chunks of a chosen size. Tests and the
// fuzz target compare the two. Test-only: expat is not part of the product.

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace nmcp::testing {

struct XmlEventsOutcome {
  bool accepted = false;
  std::string events;  // when accepted
  std::string error;   // when refused
};

XmlEventsOutcome expat_events(std::string_view document);
XmlEventsOutcome scanner_events(std::string_view document, std::size_t chunk);

// Refusals the product makes on purpose where expat accepts: a declared encoding other than
// UTF-8, non-ASCII element, attribute or PI names (Nessus writes none), and more than 256
// attributes on one element (a bound on the duplicate check).
bool deliberate_refusal(const XmlEventsOutcome& scanner);

}  // namespace nmcp::testing
