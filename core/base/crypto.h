#pragma once
// Small cryptographic helpers over OpenSSL: unguessable identifiers, SHA-256 digests and a
// constant-time comparison. Thread-safe.

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace nmcp {

// Lower-case hex of `size` bytes.
std::string hex_encode(const unsigned char* data, std::size_t size);

// `bytes` bytes from the OS CSPRNG, hex-encoded (so 2*bytes characters). Aborts if the
// generator fails: an id we cannot make unguessable must not be made at all.
std::string random_hex(std::size_t bytes);

// Lower-case hex SHA-256 of `data`.
std::string sha256_hex(std::string_view data);
// Lower-case hex SHA-1, for naming things that are named by it (Redis scripts); never for
// security.
std::string sha1_hex(std::string_view data);
// Of a file's content, read in chunks; nullopt when it cannot be read.
std::optional<std::string> sha256_file_hex(const std::string& path);

// Compares without an early exit, so the time taken does not reveal where the inputs differ.
bool constant_time_equal(std::string_view a, std::string_view b);

}  // namespace nmcp
