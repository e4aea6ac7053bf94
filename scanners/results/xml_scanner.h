#pragma once
// A strict, streaming XML 1.0 scanner for .nessus exports: elements, attributes, character
// data, CDATA sections, comments and processing instructions, in UTF-8. There is no DTD
// support at all: a DOCTYPE is an error, and the only entities are the five predefined ones and
// character references, so no input can expand or fetch anything. Everything else a
// well-formed document must satisfy is checked: tag nesting, attribute syntax and uniqueness,
// UTF-8 and XML character validity everywhere, one root element, nothing but comments, PIs and
// white space around it. Line ends are normalised as XML requires (CRLF and CR to LF; white
// space in attribute values to spaces).
//
// It exists because expat, which it replaced, tops out near 270 MB/s on exports while this one
// scans text with word-at-a-time checks; tests and the fuzz target compare the two on every
// input they accept or refuse.
//
// The caller feeds chunks; feed() consumes what it can and returns how many bytes it used. The
// rest (an unfinished tag, entity or UTF-8 sequence) must be passed again, followed by more
// input. Not thread-safe: one scanner per document.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/base/result.h"

namespace nmcp::scanners {

struct XmlAttribute {
  std::string_view name;
  std::string_view value;  // decoded
};

class XmlEvents {
 public:
  virtual ~XmlEvents() = default;
  // Each returns false to stop the scan (the events object keeps the reason).
  virtual bool start(std::string_view name, const std::vector<XmlAttribute>& attributes) = 0;
  virtual bool end(std::string_view name) = 0;
  // Decoded character data of the current element, possibly in several pieces.
  virtual bool text(std::string_view piece) = 0;
  // Whether character data is wanted now; when not, it is only checked.
  virtual bool wants_text() const = 0;
};

class XmlScanner {
 public:
  enum class Failure { None, Malformed, Encoding, Truncated, Doctype, Stopped, TooLarge };

  explicit XmlScanner(XmlEvents& events, std::size_t max_token_bytes = 1U << 20U);

  // Consumes a prefix of [data, data+size); `final` says no more input follows. On an error,
  // failure() and message() say what and where() says where.
  Result<std::size_t> feed(const char* data, std::size_t size, bool final);

  Failure failure() const { return failure_; }
  bool root_seen() const { return root_seen_; }
  // " (line L, column C)" of the error.
  const std::string& where() const { return where_; }

 private:
  enum class Step { Done, Incomplete, Failed };

  Step text_run(const char*& p, const char* end, bool final);
  Step markup(const char*& p, const char* end, bool final);
  Step start_tag(const char*& p, const char* end);
  Step end_tag(const char*& p, const char* end);
  Step special(const char*& p, const char* end, bool final);
  Step fail_at(const char* at, Failure kind, std::string message);
  void locate(const char* at);

  XmlEvents& events_;
  const std::size_t max_token_bytes_;
  const char* base_ = nullptr;  // the chunk being scanned, for locations
  std::uint64_t line_ = 1;      // of base_
  std::uint64_t column_ = 1;    // of base_
  std::uint64_t offset_ = 0;    // bytes consumed before base_
  bool bom_ = false;            // the document starts with a byte order mark
  bool root_seen_ = false;
  bool root_closed_ = false;
  bool pending_cr_ = false;  // a CR ended the last text piece: drop a LF that follows
  std::string stack_;        // open element names, concatenated
  std::vector<std::size_t> stack_starts_;
  std::string scratch_;  // decoded attribute values and entity text
  std::vector<XmlAttribute> attributes_;
  std::vector<std::pair<std::size_t, std::size_t>> value_spans_;
  Failure failure_ = Failure::None;
  std::string where_;
};

}  // namespace nmcp::scanners
