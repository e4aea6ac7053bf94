#pragma once
// Base64: the URL-safe unpadded form for opaque cursors, the standard padded form for binary
// resource contents ("blob"), and a lenient standard decoder for key material (PEM and OpenSSH
// bodies, whose lines and padding vary). Pure; thread-safe.

#include <optional>
#include <string>
#include <string_view>

namespace nmcp {

std::string base64url_encode(std::string_view data);
// nullopt unless `text` is exactly what base64url_encode makes of some bytes.
std::optional<std::string> base64url_decode(std::string_view text);
// RFC 4648 base64 with padding.
std::string base64_encode(std::string_view data);
// Standard base64, padding optional, whitespace skipped; nullopt on any other character.
std::optional<std::string> base64_decode(std::string_view text);
// nullopt unless `text` is exactly what base64_encode makes of some bytes (padded, nothing else).
std::optional<std::string> base64_decode_exact(std::string_view text);

}  // namespace nmcp
