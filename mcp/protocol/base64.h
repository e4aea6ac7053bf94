#pragma once
// Base64: the URL-safe unpadded form for opaque cursors, and the standard padded form for
// binary resource contents ("blob"). Pure; thread-safe.

#include <optional>
#include <string>
#include <string_view>

namespace nmcp::mcp {

std::string base64url_encode(std::string_view data);
// nullopt unless `text` is exactly what base64url_encode makes of some bytes.
std::optional<std::string> base64url_decode(std::string_view text);
// RFC 4648 base64 with padding.
std::string base64_encode(std::string_view data);

}  // namespace nmcp::mcp
