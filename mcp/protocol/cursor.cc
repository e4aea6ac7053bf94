#include "mcp/protocol/cursor.h"

#include <charconv>

namespace nmcp::mcp {
namespace {

constexpr std::string_view kAlphabet =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

int value_of(char c) {
  const auto pos = kAlphabet.find(c);
  return pos == std::string_view::npos ? -1 : static_cast<int>(pos);
}

}  // namespace

std::string base64url_encode(std::string_view data) {
  std::string out;
  out.reserve((data.size() + 2) / 3 * 4);
  unsigned buffer = 0;
  int bits = 0;
  for (const char c : data) {
    buffer = (buffer << 8U) | static_cast<unsigned char>(c);
    bits += 8;
    while (bits >= 6) {
      bits -= 6;
      out.push_back(kAlphabet[(buffer >> static_cast<unsigned>(bits)) & 0x3FU]);
    }
  }
  if (bits > 0) out.push_back(kAlphabet[(buffer << static_cast<unsigned>(6 - bits)) & 0x3FU]);
  return out;
}

std::optional<std::string> base64url_decode(std::string_view text) {
  if (text.size() % 4 == 1) return std::nullopt;
  std::string out;
  unsigned buffer = 0;
  int bits = 0;
  for (const char c : text) {
    const int v = value_of(c);
    if (v < 0) return std::nullopt;
    buffer = (buffer << 6U) | static_cast<unsigned>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<char>((buffer >> static_cast<unsigned>(bits)) & 0xFFU));
    }
  }
  // Leftover bits must be zero, so every cursor has exactly one spelling.
  if (bits > 0 && (buffer & ((1U << static_cast<unsigned>(bits)) - 1U)) != 0U) return std::nullopt;
  return out;
}

std::string encode_cursor(std::string_view list, std::size_t offset) {
  return base64url_encode("nmcp:" + std::string(list) + ":" + std::to_string(offset));
}

std::optional<std::size_t> decode_cursor(std::string_view list, std::string_view cursor) {
  if (cursor.size() > 256) return std::nullopt;
  const auto raw = base64url_decode(cursor);
  if (!raw) return std::nullopt;
  const std::string prefix = "nmcp:" + std::string(list) + ":";
  if (raw->rfind(prefix, 0) != 0) return std::nullopt;
  const std::string_view digits = std::string_view(*raw).substr(prefix.size());
  std::size_t offset = 0;
  const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), offset);
  if (ec != std::errc() || end != digits.data() + digits.size() || digits.empty()) {
    return std::nullopt;
  }
  return offset;
}

}  // namespace nmcp::mcp
