#include "core/base/opaque_cursor.h"

#include <charconv>

#include "core/base/base64.h"

namespace nmcp {
std::string encode_opaque_cursor(std::string_view list, std::size_t offset) {
  return base64url_encode("nmcp:" + std::string(list) + ":" + std::to_string(offset));
}

std::optional<std::size_t> decode_opaque_cursor(std::string_view list, std::string_view cursor) {
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

}  // namespace nmcp
