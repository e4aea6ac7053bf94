#pragma once
// A streaming parser for .nessus v2 exports over the strict XML scanner (xml_scanner.h). It
// reads the file in chunks and hands each host and finding to a ReportVisitor as soon as it is
// complete, so memory stays flat however large the export is.
//
// Hostile input is refused, never expanded: any DOCTYPE (and so any entity declaration or
// external entity) is an error, as are nesting deeper than a fixed limit, text nodes above a
// size limit, non-UTF-8 bytes, truncation, the legacy v1 format (<NessusClientData>) and
// documents whose root is not <NessusClientData_v2> (such as a bare <ReportHost>). Errors say
// what is wrong and where (line and column).
//
// Thread-safety: each parse call is independent; a visitor is called on the caller's thread.

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "core/base/result.h"
#include "scanners/results/nessus_report.h"

namespace nmcp::scanners {

class ReportVisitor {
 public:
  virtual ~ReportVisitor() = default;
  virtual void on_report(const ReportInfo&) {}
  // Called when a host's properties are complete (before its findings).
  virtual void on_host(const ReportHost&) {}
  virtual void on_item(const ReportHost&, const ReportItem&) {}
  virtual void on_host_end(const ReportHost&) {}
  // False stops the parse after the current callback (the visitor has refused the export and
  // says why itself): a refused export is not read to its end.
  virtual bool wants_more() const { return true; }
};

struct ParseLimits {
  std::size_t max_depth = 64;
  std::size_t max_text_bytes = 32U << 20U;  // one text node (plugin outputs can be large)
  std::uint64_t max_total_bytes = 64ULL << 30U;
};

struct ParseStats {
  std::uint64_t bytes = 0;
  std::uint64_t hosts = 0;
  std::uint64_t items = 0;
};

// `read` fills the buffer and returns the bytes read (0 at the end), or -1 on a read error.
Result<ParseStats> parse_nessus(const std::function<long(char*, std::size_t)>& read,
                                ReportVisitor& visitor, const ParseLimits& limits = {});
Result<ParseStats> parse_nessus_file(const std::string& path, ReportVisitor& visitor,
                                     const ParseLimits& limits = {});
Result<ParseStats> parse_nessus_text(std::string_view text, ReportVisitor& visitor,
                                     const ParseLimits& limits = {});

}  // namespace nmcp::scanners
