#include "scanners/results/xml_scanner.h"

#include "scanners/results/xml_lexing_internal.h"

namespace nmcp::scanners {

using namespace xml_lex;  // NOLINT: the scanner's own lexical helpers

XmlScanner::XmlScanner(XmlEvents& events, std::size_t max_token_bytes)
    : events_(events), max_token_bytes_(max_token_bytes) {}

void XmlScanner::locate(const char* at) {
  std::uint64_t line = line_, column = column_;
  for (const char* q = base_; q < at; ++q) {
    if (*q == '\n') {
      ++line;
      column = 1;
    } else {
      ++column;
    }
  }
  where_ = " (line " + std::to_string(line) + ", column " + std::to_string(column) + ")";
}

XmlScanner::Step XmlScanner::fail_at(const char* at, Failure kind, std::string message) {
  failure_ = kind;
  locate(at);
  where_ = std::move(message) + where_;
  return Step::Failed;
}

Result<std::size_t> XmlScanner::feed(const char* data, std::size_t size, bool final) {
  if (failure_ != Failure::None) return fail(ErrorCode::InvalidArgument, where_);
  base_ = data;
  const char* p = data;
  const char* end = data + size;
  if (offset_ == 0) {
    if (size < 3 && !final) return std::size_t{0};
    if (size >= 3 && std::memcmp(p, "\xEF\xBB\xBF", 3) == 0) {  // byte order mark
      p += 3;
      bom_ = true;
    }
  }
  Step step = Step::Done;
  while (p < end) {
    step = *p == '<' ? markup(p, end, final) : text_run(p, end, final);
    if (step != Step::Done) break;
  }
  if (step == Step::Failed) return fail(ErrorCode::InvalidArgument, where_);
  if (final) {
    if (p < end) {
      fail_at(p, Failure::Truncated, "the export is truncated: unfinished markup");
      return fail(ErrorCode::InvalidArgument, where_);
    }
    if (!root_seen_ || !stack_starts_.empty()) {
      fail_at(end, Failure::Truncated,
              root_seen_ ? "the export is truncated: <" + stack_.substr(stack_starts_.back()) +
                               "> is never closed"
                         : "the export is empty");
      return fail(ErrorCode::InvalidArgument, where_);
    }
  }
  // Where the next chunk starts, for locations (columns count bytes, as expat's do).
  const auto consumed = static_cast<std::size_t>(p - data);
  const std::uint64_t lines = count_newlines(data, p);
  if (lines > 0) {
    line_ += lines;
    const void* last = memrchr(data, '\n', consumed);
    column_ = static_cast<std::uint64_t>(p - static_cast<const char*>(last));
  } else {
    column_ += consumed;
  }
  offset_ += consumed;
  return static_cast<std::size_t>(p - data);
}

XmlScanner::Step XmlScanner::text_run(const char*& p, const char* end, bool final) {
  const bool inside = !stack_starts_.empty();
  const bool want = inside && events_.wants_text();
  const char* run = p;
  auto flush = [&](const char* upto) {
    if (want && upto > run)
      return events_.text(std::string_view(run, static_cast<std::size_t>(upto - run)));
    return true;
  };
  if (pending_cr_ && *p == '\n') ++p, run = p;  // the LF of a CRLF split across calls
  pending_cr_ = false;
  while (p < end) {
    if (inside) {
      p = skip_plain(p, end);
      if (p == end) break;
    }
    const auto c = static_cast<unsigned char>(*p);
    if (c == '<') break;
    if (!inside && !is_space(static_cast<char>(c))) {
      return fail_at(p, Failure::Malformed,
                     root_closed_ ? "the export is not well-formed XML: text after the root element"
                                  : "the export is not well-formed XML: text before the root "
                                    "element");
    }
    if (c == ']' && inside) {
      if (end - p < 3 && !final) {
        if (!flush(p)) return fail_at(p, Failure::Stopped, "");
        return Step::Incomplete;
      }
      if (end - p >= 3 && p[1] == ']' && p[2] == '>') {
        return fail_at(p, Failure::Malformed, "the export is not well-formed XML: ']]>' in text");
      }
      ++p;
      continue;
    }
    if (c >= 0x20 && c < 0x80 && c != '&') {
      ++p;
      continue;
    }
    if (c == '\n' || c == '\t') {
      ++p;
      continue;
    }
    if (c == '\r') {
      if (!flush(p)) return fail_at(p, Failure::Stopped, "");
      if (want && !events_.text("\n")) return fail_at(p, Failure::Stopped, "");
      ++p;
      if (p == end)
        pending_cr_ = true;
      else if (*p == '\n')
        ++p;
      run = p;
      continue;
    }
    if (c == '&') {
      if (!flush(p)) return fail_at(p, Failure::Stopped, "");
      scratch_.clear();
      const char* at = p;
      switch (reference(p, end, scratch_)) {
        case Ref::Incomplete:
          if (!final) return Step::Incomplete;
          return fail_at(at, Failure::Truncated, "the export is truncated: unfinished reference");
        case Ref::Bad:
          return fail_at(
              at, Failure::Malformed,
              "the export is not well-formed XML: undefined entity or bad character "
              "reference (only &lt; &gt; &amp; &apos; &quot; and &#N; exist without a DTD)");
        case Ref::Ok:
          break;
      }
      if (want && !events_.text(scratch_)) return fail_at(at, Failure::Stopped, "");
      run = p;
      continue;
    }
    if (c < 0x20) {
      return fail_at(p, Failure::Encoding,
                     "the export is not well-formed XML or not UTF-8: control character " +
                         std::to_string(c) + " in text");
    }
    const int n = utf8_sequence(reinterpret_cast<const unsigned char*>(p),
                                reinterpret_cast<const unsigned char*>(end));
    if (n < 0) {
      if (!flush(p)) return fail_at(p, Failure::Stopped, "");
      if (!final) return Step::Incomplete;
      return fail_at(p, Failure::Truncated, "the export is truncated: partial character");
    }
    if (n == 0) {
      return fail_at(p, Failure::Encoding,
                     "the export is not well-formed XML or not UTF-8: invalid byte sequence");
    }
    p += n;
  }
  if (!flush(p)) return fail_at(p, Failure::Stopped, "");
  return Step::Done;
}

}  // namespace nmcp::scanners
