// The XML scanner's markup: start and end tags with their attributes, and the special
// constructs (comments, CDATA, processing instructions, the declaration, a DOCTYPE refused).
// Text runs and feeding are xml_scanner.cc's.
#include "scanners/results/xml_lexing_internal.h"
#include "scanners/results/xml_scanner.h"

namespace nmcp::scanners {

using namespace xml_lex;  // NOLINT: the scanner's own lexical helpers

XmlScanner::Step XmlScanner::markup(const char*& p, const char* end, bool final) {
  if (end - p < 2) {
    if (!final) return Step::Incomplete;
    return fail_at(p, Failure::Truncated, "the export is truncated: unfinished markup");
  }
  const char* start = p;
  Step s;
  if (p[1] == '/') {
    s = end_tag(p, end);
  } else if (p[1] == '?' || p[1] == '!') {
    s = special(p, end, final);
  } else {
    s = start_tag(p, end);
  }
  if (s == Step::Incomplete) {
    p = start;
    if (final)
      return fail_at(start, Failure::Truncated, "the export is truncated: unfinished markup");
    if (static_cast<std::size_t>(end - start) > max_token_bytes_) {
      return fail_at(
          start, Failure::TooLarge,
          "the export has a tag larger than " + std::to_string(max_token_bytes_) + " bytes");
    }
  }
  pending_cr_ = false;
  return s;
}

XmlScanner::Step XmlScanner::start_tag(const char*& p, const char* end) {
  const char* q = p + 1;
  if (!name_start(static_cast<unsigned char>(*q))) {
    return fail_at(q, Failure::Malformed, "the export is not well-formed XML: not a tag name");
  }
  const char* name_begin = q;
  unsigned char high = 0;
  while (q < end && name_char(static_cast<unsigned char>(*q)))
    high |= static_cast<unsigned char>(*q++);
  if (q == end) return Step::Incomplete;
  const std::string_view name(name_begin, static_cast<std::size_t>(q - name_begin));
  if (high >= 0x80) {
    return fail_at(
        name_begin, Failure::Malformed,
        "the export is not a Nessus export: non-ASCII element name (Nessus writes ASCII names)");
  }
  if (root_closed_) {
    return fail_at(p, Failure::Malformed,
                   "the export is not well-formed XML: a second root element (junk after the "
                   "document element)");
  }
  scratch_.clear();
  value_spans_.clear();
  attributes_.clear();
  bool empty = false;
  for (;;) {
    const char* before_space = q;
    while (q < end && is_space(*q)) ++q;
    if (q == end) return Step::Incomplete;
    if (*q == '>') {
      ++q;
      break;
    }
    if (*q == '/') {
      if (q + 1 == end) return Step::Incomplete;
      if (q[1] != '>')
        return fail_at(q, Failure::Malformed,
                       "the export is not well-formed XML: '/' not followed by '>'");
      q += 2;
      empty = true;
      break;
    }
    if (q == before_space || !name_start(static_cast<unsigned char>(*q))) {
      return fail_at(q, Failure::Malformed, "the export is not well-formed XML: bad attribute");
    }
    const char* an = q;
    high = 0;
    while (q < end && name_char(static_cast<unsigned char>(*q)))
      high |= static_cast<unsigned char>(*q++);
    if (q == end) return Step::Incomplete;
    const std::string_view attr(an, static_cast<std::size_t>(q - an));
    if (high >= 0x80) {
      return fail_at(an, Failure::Malformed,
                     "the export is not a Nessus export: non-ASCII attribute name (Nessus writes "
                     "ASCII names)");
    }
    while (q < end && is_space(*q)) ++q;
    if (q == end) return Step::Incomplete;
    if (*q != '=')
      return fail_at(q, Failure::Malformed,
                     "the export is not well-formed XML: attribute without '='");
    ++q;
    while (q < end && is_space(*q)) ++q;
    if (q == end) return Step::Incomplete;
    const char quote = *q;
    if (quote != '"' && quote != '\'') {
      return fail_at(q, Failure::Malformed,
                     "the export is not well-formed XML: unquoted attribute value");
    }
    ++q;
    const char* close =
        static_cast<const char*>(std::memchr(q, quote, static_cast<std::size_t>(end - q)));
    if (close == nullptr) return Step::Incomplete;
    // The duplicate check is quadratic: bound the count (Nessus writes at most a dozen).
    if (attributes_.size() >= kMaxAttributes) {
      return fail_at(an, Failure::TooLarge,
                     "the export has an element with more than " + std::to_string(kMaxAttributes) +
                         " attributes");
    }
    for (const auto& a : attributes_) {
      if (a.name == attr)
        return fail_at(an, Failure::Malformed,
                       "the export is not well-formed XML: duplicate attribute");
    }
    const std::size_t value_start = scratch_.size();
    while (q < close) {
      // Runs of plain characters are copied whole.
      const char* run = q;
      q = skip_plain(q, close);
      while (q < close) {
        const auto b = static_cast<unsigned char>(*q);
        if (b < 0x20 || b >= 0x80 || b == '&' || b == '<') break;
        ++q;
      }
      if (q > run) scratch_.append(run, static_cast<std::size_t>(q - run));
      if (q == close) break;
      const auto c = static_cast<unsigned char>(*q);
      if (c == '<')
        return fail_at(q, Failure::Malformed,
                       "the export is not well-formed XML: '<' in an attribute value");
      if (c == '&') {
        const char* at = q;
        if (reference(q, close, scratch_) != Ref::Ok) {
          return fail_at(at, Failure::Malformed,
                         "the export is not well-formed XML: undefined entity or bad character "
                         "reference in an attribute");
        }
        continue;
      }
      if (c == '\r') {
        scratch_ += ' ';
        ++q;
        if (q < close && *q == '\n') ++q;
        continue;
      }
      if (c == '\n' || c == '\t') {
        scratch_ += ' ';
        ++q;
        continue;
      }
      if (c < 0x20) {
        return fail_at(
            q, Failure::Encoding,
            "the export is not well-formed XML or not UTF-8: control character in an attribute");
      }
      if (c < 0x80) {
        scratch_ += static_cast<char>(c);
        ++q;
        continue;
      }
      const int n = utf8_sequence(reinterpret_cast<const unsigned char*>(q),
                                  reinterpret_cast<const unsigned char*>(close));
      if (n <= 0) {
        return fail_at(q, Failure::Encoding,
                       "the export is not well-formed XML or not UTF-8: invalid byte sequence");
      }
      scratch_.append(q, static_cast<std::size_t>(n));
      q += n;
    }
    q = close + 1;
    value_spans_.emplace_back(value_start, scratch_.size() - value_start);
    attributes_.push_back({attr, {}});
  }
  for (std::size_t i = 0; i < attributes_.size(); ++i) {
    attributes_[i].value =
        std::string_view(scratch_).substr(value_spans_[i].first, value_spans_[i].second);
  }
  root_seen_ = true;
  stack_starts_.push_back(stack_.size());
  stack_.append(name);
  const char* at = p;
  p = q;
  if (!events_.start(name, attributes_)) return fail_at(at, Failure::Stopped, "");
  if (empty) {
    stack_.resize(stack_starts_.back());
    stack_starts_.pop_back();
    if (stack_starts_.empty()) root_closed_ = true;
    if (!events_.end(name)) return fail_at(at, Failure::Stopped, "");
  }
  return Step::Done;
}

XmlScanner::Step XmlScanner::end_tag(const char*& p, const char* end) {
  const char* q = p + 2;
  const char* name_begin = q;
  while (q < end && name_char(static_cast<unsigned char>(*q))) ++q;
  const std::string_view name(name_begin, static_cast<std::size_t>(q - name_begin));
  while (q < end && is_space(*q)) ++q;
  if (q == end) return Step::Incomplete;
  if (*q != '>' || name.empty())
    return fail_at(p, Failure::Malformed, "the export is not well-formed XML: bad end tag");
  if (stack_starts_.empty() || std::string_view(stack_).substr(stack_starts_.back()) != name) {
    return fail_at(p, Failure::Malformed,
                   "the export is not well-formed XML: mismatched tag </" +
                       std::string(name.substr(0, 64)) + ">");
  }
  stack_.resize(stack_starts_.back());
  stack_starts_.pop_back();
  if (stack_starts_.empty()) root_closed_ = true;
  const char* at = p;
  p = q + 1;
  if (!events_.end(name)) return fail_at(at, Failure::Stopped, "");
  return Step::Done;
}

XmlScanner::Step XmlScanner::special(const char*& p, const char* end, bool final) {
  const std::string_view rest(p, static_cast<std::size_t>(end - p));
  auto need = [&](std::string_view prefix) {
    return rest.size() < prefix.size() && prefix.substr(0, rest.size()) == rest;
  };
  if (rest.rfind("<?", 0) == 0) {
    const char* close = find(p + 2, end, "?>");
    if (close == nullptr) return Step::Incomplete;
    const std::string_view body(p + 2, static_cast<std::size_t>(close - p - 2));
    const std::string_view target =
        body.substr(0, std::min(body.find_first_of(" \t\r\n"), body.size()));
    const bool target_is_name =
        !target.empty() && name_start(static_cast<unsigned char>(target[0])) &&
        std::all_of(target.begin(), target.end(), [](char c) {
          return name_char(static_cast<unsigned char>(c)) && static_cast<unsigned char>(c) < 0x80;
        });
    if (!target_is_name) {
      const bool ascii = std::all_of(target.begin(), target.end(),
                                     [](char c) { return static_cast<unsigned char>(c) < 0x80; });
      return fail_at(p, Failure::Malformed,
                     ascii ? "the export is not well-formed XML: a processing instruction without "
                             "a name"
                           : "the export is not a Nessus export: non-ASCII processing "
                             "instruction name");
    }
    if (target.size() == 3 && (target[0] | 0x20) == 'x' && (target[1] | 0x20) == 'm' &&
        (target[2] | 0x20) == 'l') {
      const std::uint64_t at = offset_ + static_cast<std::uint64_t>(p - base_);
      if (target != "xml" || at != (bom_ ? 3U : 0U)) {
        return fail_at(p, Failure::Malformed,
                       "the export is not well-formed XML: XML declaration not at the start");
      }
      std::string encoding;
      if (!xml_declaration(body.substr(3), encoding)) {
        return fail_at(p, Failure::Malformed,
                       "the export is not well-formed XML: bad XML declaration");
      }
      for (char& c : encoding) c = static_cast<char>(c >= 'a' && c <= 'z' ? c - 32 : c);
      if (!encoding.empty() && encoding != "UTF-8" && encoding != "UTF8" &&
          encoding != "US-ASCII" && encoding != "ASCII") {
        return fail_at(p, Failure::Encoding,
                       "the export is not UTF-8: it declares encoding \"" + encoding.substr(0, 40) +
                           "\"; Nessus writes UTF-8");
      }
    }
    if (const char* bad = first_invalid(p + 2, close)) {
      return fail_at(bad, Failure::Encoding,
                     "the export is not well-formed XML or not UTF-8: bad character");
    }
    p = close + 2;
    return Step::Done;
  }
  if (rest.rfind("<!--", 0) == 0) {
    const char* close = find(p + 4, end, "-->");
    if (close == nullptr) return Step::Incomplete;
    if (find(p + 4, close, "--") != nullptr || (close > p + 4 && close[-1] == '-')) {
      return fail_at(p, Failure::Malformed,
                     "the export is not well-formed XML: '--' inside a comment");
    }
    if (const char* bad = first_invalid(p + 4, close)) {
      return fail_at(bad, Failure::Encoding,
                     "the export is not well-formed XML or not UTF-8: bad character in a comment");
    }
    p = close + 3;
    return Step::Done;
  }
  if (rest.rfind("<![CDATA[", 0) == 0) {
    if (stack_starts_.empty())
      return fail_at(p, Failure::Malformed,
                     "the export is not well-formed XML: CDATA outside the root element");
    const char* close = find(p + 9, end, "]]>");
    if (close == nullptr) return Step::Incomplete;
    const char* body = p + 9;
    if (const char* bad = first_invalid(body, close)) {
      return fail_at(bad, Failure::Encoding,
                     "the export is not well-formed XML or not UTF-8: bad character in CDATA");
    }
    if (events_.wants_text()) {
      const char* run = body;
      for (const char* q = body; q < close; ++q) {
        if (*q != '\r') continue;
        if (q > run && !events_.text(std::string_view(run, static_cast<std::size_t>(q - run))))
          return fail_at(p, Failure::Stopped, "");
        if (!events_.text("\n")) return fail_at(p, Failure::Stopped, "");
        if (q + 1 < close && q[1] == '\n') ++q;
        run = q + 1;
      }
      if (close > run &&
          !events_.text(std::string_view(run, static_cast<std::size_t>(close - run))))
        return fail_at(p, Failure::Stopped, "");
    }
    p = close + 3;
    return Step::Done;
  }
  if (rest.rfind("<!DOCTYPE", 0) == 0) {
    return fail_at(p, Failure::Doctype,
                   "the export contains a DOCTYPE; .nessus files never do, and DTDs (entity "
                   "expansion, external entities) are refused");
  }
  if (!final && (need("<!--") || need("<![CDATA[") || need("<!DOCTYPE"))) return Step::Incomplete;
  return fail_at(p, Failure::Malformed, "the export is not well-formed XML: unknown markup");
}

}  // namespace nmcp::scanners
