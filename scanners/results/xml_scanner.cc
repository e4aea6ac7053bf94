#include "scanners/results/xml_scanner.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <cstring>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace nmcp::scanners {

namespace {

constexpr std::uint64_t kOnes = 0x0101010101010101ULL;
constexpr std::size_t kMaxAttributes = 256;
constexpr std::uint64_t kHighs = 0x8080808080808080ULL;

// Bytes of the word that are zero, as high bits.
constexpr std::uint64_t zero_bytes(std::uint64_t x) { return (x - kOnes) & ~x & kHighs; }

// True when all 8 bytes are printable ASCII other than '<', '&' and ']' (the common case in
// text; ']' because "]]>" may not appear in character data).
inline bool plain_word(const char* p) {
  std::uint64_t x;
  std::memcpy(&x, p, 8);
  const std::uint64_t control = (x - 0x2020202020202020ULL) & ~x & kHighs;  // < 0x20
  const std::uint64_t lt = zero_bytes(x ^ (kOnes * '<'));
  const std::uint64_t amp = zero_bytes(x ^ (kOnes * '&'));
  const std::uint64_t bracket = zero_bytes(x ^ (kOnes * ']'));
  return ((x & kHighs) | control | lt | amp | bracket) == 0;
}

// Exact: the high bit of each zero byte of x.
constexpr std::uint64_t exact_zero_bytes(std::uint64_t x) {
  const std::uint64_t low7 = 0x7F7F7F7F7F7F7F7FULL;
  return ~(((x & low7) + low7) | x | low7);
}

// The first byte in [p, end) that is not printable ASCII or is '<', '&' or ']' (end if none).
// Newlines and tabs stop it too; the caller steps over them and calls again.
inline const char* skip_plain(const char* p, const char* end) {
#if defined(__SSE2__)
  const __m128i lt = _mm_set1_epi8('<');
  const __m128i amp = _mm_set1_epi8('&');
  const __m128i bracket = _mm_set1_epi8(']');
  const __m128i space = _mm_set1_epi8(0x20);
  while (end - p >= 16) {
    const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
    // Signed compare: bytes >= 0x80 are negative, so they count as below 0x20 too.
    const __m128i special =
        _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, lt), _mm_cmpeq_epi8(v, amp)),
                     _mm_or_si128(_mm_cmpeq_epi8(v, bracket), _mm_cmplt_epi8(v, space)));
    const int mask = _mm_movemask_epi8(special);
    if (mask != 0) return p + __builtin_ctz(static_cast<unsigned>(mask));
    p += 16;
  }
#endif
  while (end - p >= 8 && plain_word(p)) p += 8;
  return p;
}

std::uint64_t count_newlines(const char* p, const char* end) {
  std::uint64_t n = 0;
#if defined(__SSE2__)
  const __m128i nl = _mm_set1_epi8('\n');
  while (end - p >= 16) {
    // Up to 255 blocks of 16 bytes per round: each lane counts its matches as -1s.
    __m128i acc = _mm_setzero_si128();
    const std::ptrdiff_t blocks = std::min<std::ptrdiff_t>((end - p) / 16, 255);
    for (std::ptrdiff_t i = 0; i < blocks; ++i, p += 16) {
      acc = _mm_sub_epi8(acc,
                         _mm_cmpeq_epi8(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p)), nl));
    }
    const __m128i sums = _mm_sad_epu8(acc, _mm_setzero_si128());
    n += static_cast<std::uint64_t>(_mm_cvtsi128_si64(sums)) +
         static_cast<std::uint64_t>(_mm_cvtsi128_si64(_mm_unpackhi_epi64(sums, sums)));
  }
#endif
  for (; end - p >= 8; p += 8) {
    std::uint64_t x;
    std::memcpy(&x, p, 8);
    // One bit per newline byte, at bit 7 of its byte: sum the bytes with a multiply.
    n += ((exact_zero_bytes(x ^ (kOnes * '\n')) >> 7U) * kOnes) >> 56U;
  }
  for (; p < end; ++p) n += *p == '\n' ? 1 : 0;
  return n;
}

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

// Bit 1: may start a name; bit 2: may continue one. Bytes >= 0x80 (UTF-8) are checked apart.
constexpr std::array<unsigned char, 256> kNameTable = [] {
  std::array<unsigned char, 256> t{};
  for (int c = 0; c < 256; ++c) {
    const bool start =
        (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == ':' || c >= 0x80;
    const bool more = start || (c >= '0' && c <= '9') || c == '-' || c == '.';
    t[static_cast<std::size_t>(c)] = static_cast<unsigned char>((start ? 1 : 0) | (more ? 2 : 0));
  }
  return t;
}();

inline bool name_start(unsigned char c) { return (kNameTable[c] & 1U) != 0; }
inline bool name_char(unsigned char c) { return (kNameTable[c] & 2U) != 0; }

// Length of the valid UTF-8 sequence at p (a non-ASCII lead byte) that is also an XML Char;
// 0 when invalid, -1 when it may be valid but runs past end.
int utf8_sequence(const unsigned char* p, const unsigned char* end) {
  const unsigned char c = p[0];
  int n = 0;
  unsigned char lo = 0x80, hi = 0xBF;
  if (c >= 0xC2 && c <= 0xDF) {
    n = 2;
  } else if (c >= 0xE0 && c <= 0xEF) {
    n = 3;
    if (c == 0xE0) lo = 0xA0;
    if (c == 0xED) hi = 0x9F;  // no surrogates
  } else if (c >= 0xF0 && c <= 0xF4) {
    n = 4;
    if (c == 0xF0) lo = 0x90;
    if (c == 0xF4) hi = 0x8F;
  } else {
    return 0;
  }
  for (int i = 1; i < n; ++i) {
    if (p + i >= end) return -1;
    const unsigned char b = p[i];
    if (b < (i == 1 ? lo : 0x80) || b > (i == 1 ? hi : 0xBF)) return 0;
  }
  // U+FFFE and U+FFFF are not XML characters.
  if (n == 3 && c == 0xEF && p[1] == 0xBF && (p[2] == 0xBE || p[2] == 0xBF)) return 0;
  return n;
}

bool xml_char(std::uint32_t cp) {
  return cp == 0x9 || cp == 0xA || cp == 0xD || (cp >= 0x20 && cp <= 0xD7FF) ||
         (cp >= 0xE000 && cp <= 0xFFFD) || (cp >= 0x10000 && cp <= 0x10FFFF);
}

void append_utf8(std::string& out, std::uint32_t cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6U));
    out += static_cast<char>(0x80 | (cp & 0x3FU));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12U));
    out += static_cast<char>(0x80 | ((cp >> 6U) & 0x3FU));
    out += static_cast<char>(0x80 | (cp & 0x3FU));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18U));
    out += static_cast<char>(0x80 | ((cp >> 12U) & 0x3FU));
    out += static_cast<char>(0x80 | ((cp >> 6U) & 0x3FU));
    out += static_cast<char>(0x80 | (cp & 0x3FU));
  }
}

enum class Ref { Ok, Incomplete, Bad };

// Decodes the reference at p ('&'), appending its text to out and moving p past the ';'.
Ref reference(const char*& p, const char* end, std::string& out) {
  const char* semi = static_cast<const char*>(
      std::memchr(p, ';', static_cast<std::size_t>(std::min<std::ptrdiff_t>(end - p, 16))));
  if (semi == nullptr) return end - p < 16 ? Ref::Incomplete : Ref::Bad;
  const std::string_view body(p + 1, static_cast<std::size_t>(semi - p - 1));
  if (body == "lt")
    out += '<';
  else if (body == "gt")
    out += '>';
  else if (body == "amp")
    out += '&';
  else if (body == "apos")
    out += '\'';
  else if (body == "quot")
    out += '"';
  else if (body.size() >= 2 && body[0] == '#') {
    const bool hex = body[1] == 'x';
    const std::string_view digits = body.substr(hex ? 2 : 1);
    if (digits.empty() || digits.size() > 8) return Ref::Bad;
    std::uint32_t cp = 0;
    for (char c : digits) {
      std::uint32_t d;
      if (c >= '0' && c <= '9')
        d = static_cast<std::uint32_t>(c - '0');
      else if (hex && c >= 'a' && c <= 'f')
        d = static_cast<std::uint32_t>(c - 'a' + 10);
      else if (hex && c >= 'A' && c <= 'F')
        d = static_cast<std::uint32_t>(c - 'A' + 10);
      else
        return Ref::Bad;
      cp = cp * (hex ? 16U : 10U) + d;
      if (cp > 0x10FFFF) return Ref::Bad;
    }
    if (!xml_char(cp)) return Ref::Bad;
    append_utf8(out, cp);
  } else {
    return Ref::Bad;
  }
  p = semi + 1;
  return Ref::Ok;
}

// Checks that [p, end) holds only XML characters in UTF-8 (comments, PIs, CDATA).
const char* first_invalid(const char* p, const char* end) {
  while (p < end) {
    const auto c = static_cast<unsigned char>(*p);
    if (c < 0x80) {
      if (c < 0x20 && c != '\t' && c != '\n' && c != '\r') return p;
      ++p;
      continue;
    }
    const int n = utf8_sequence(reinterpret_cast<const unsigned char*>(p),
                                reinterpret_cast<const unsigned char*>(end));
    if (n <= 0) return p;
    p += n;
  }
  return nullptr;
}

// The pseudo-attributes of an XML declaration after "xml": version="1.x", then optionally
// encoding and standalone, in that order.
bool xml_declaration(std::string_view rest, std::string& encoding) {
  std::size_t i = 0;
  auto pseudo = [&](std::string_view name, std::string& value) {
    std::size_t j = i;
    if (j >= rest.size() || !is_space(rest[j])) return false;
    while (j < rest.size() && is_space(rest[j])) ++j;
    if (rest.substr(j, name.size()) != name) return false;
    j += name.size();
    while (j < rest.size() && is_space(rest[j])) ++j;
    if (j >= rest.size() || rest[j] != '=') return false;
    ++j;
    while (j < rest.size() && is_space(rest[j])) ++j;
    if (j >= rest.size() || (rest[j] != '"' && rest[j] != '\'')) return false;
    const auto close = rest.find(rest[j], j + 1);
    if (close == std::string_view::npos) return false;
    value = std::string(rest.substr(j + 1, close - j - 1));
    i = close + 1;
    return true;
  };
  std::string version, standalone;
  if (!pseudo("version", version)) return false;
  // Any version number of letters, digits, '.', '_' and '-', even none, as expat accepts
  // (documents say 1.0).
  if (!std::all_of(version.begin(), version.end(), [](char c) {
        return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '.' || c == '_' || c == '-';
      })) {
    return false;
  }
  const std::size_t after_version = i;
  if (!pseudo("encoding", encoding)) {
    i = after_version;
    encoding.clear();
  } else {
    const bool ok = !encoding.empty() &&
                    std::isalpha(static_cast<unsigned char>(encoding[0])) != 0 &&
                    std::all_of(encoding.begin(), encoding.end(), [](char c) {
                      return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '.' ||
                             c == '_' || c == '-';
                    });
    if (!ok) return false;
  }
  const std::size_t after_encoding = i;
  if (pseudo("standalone", standalone)) {
    if (standalone != "yes" && standalone != "no") return false;
  } else {
    i = after_encoding;
  }
  while (i < rest.size() && is_space(rest[i])) ++i;
  return i == rest.size();
}

const char* find(const char* p, const char* end, std::string_view needle) {
  const auto it = std::search(p, end, needle.begin(), needle.end());
  return it == end ? nullptr : it;
}

}  // namespace

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
