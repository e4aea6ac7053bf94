#pragma once
// Opaque pagination cursors: an offset into a stable list, tagged with the list it belongs
// to, base64url-encoded so clients treat it as a token. A cursor for another list, or any
// string we did not produce, fails to decode (the caller answers -32602). Pure; thread-safe.

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "core/base/base64.h"

namespace nmcp {

std::string encode_opaque_cursor(std::string_view list, std::size_t offset);
std::optional<std::size_t> decode_opaque_cursor(std::string_view list, std::string_view cursor);

}  // namespace nmcp
