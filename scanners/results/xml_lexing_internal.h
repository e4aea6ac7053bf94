#pragma once
// The XML scanner's lexical pieces: word-at-a-time byte scans, the name table, UTF-8 and XML Char
// checks, character and entity references, the XML declaration. Inline on purpose: the scanner's
// hot loops (xml_scanner.cc, xml_markup.cc) need them inlined. Internal to scanners/results.
// Pure functions; thread-safe.

#include <algorithm>
#include <array>
#include <cctype>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace nmcp::scanners::xml_lex {

inline constexpr std::uint64_t kOnes = 0x0101010101010101ULL;
inline constexpr std::size_t kMaxAttributes = 256;
inline constexpr std::uint64_t kHighs = 0x8080808080808080ULL;

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

inline std::uint64_t count_newlines(const char* p, const char* end) {
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

inline bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

// Bit 1: may start a name; bit 2: may continue one. Bytes >= 0x80 (UTF-8) are checked apart.
inline constexpr std::array<unsigned char, 256> kNameTable = [] {
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
inline int utf8_sequence(const unsigned char* p, const unsigned char* end) {
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

inline bool xml_char(std::uint32_t cp) {
  return cp == 0x9 || cp == 0xA || cp == 0xD || (cp >= 0x20 && cp <= 0xD7FF) ||
         (cp >= 0xE000 && cp <= 0xFFFD) || (cp >= 0x10000 && cp <= 0x10FFFF);
}

inline void append_utf8(std::string& out, std::uint32_t cp) {
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
inline Ref reference(const char*& p, const char* end, std::string& out) {
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
inline const char* first_invalid(const char* p, const char* end) {
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
inline bool xml_declaration(std::string_view rest, std::string& encoding) {
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

inline const char* find(const char* p, const char* end, std::string_view needle) {
  const auto it = std::search(p, end, needle.begin(), needle.end());
  return it == end ? nullptr : it;
}

}  // namespace nmcp::scanners::xml_lex
