#pragma once
// IP addresses and CIDR blocks, IPv4 and IPv6, parsed strictly (no octal, no shorthand such as
// "10.1", no zone ids). Used by the configuration (scope lists) and the scope policy. Pure
// values; thread-safe.

#include <array>
#include <compare>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace nmcp::net {

struct IpAddress {
  enum class Family { V4, V6 };
  Family family = Family::V4;
  std::array<std::uint8_t, 16> bytes{};  // IPv4 uses the first 4

  static std::optional<IpAddress> parse(std::string_view text);
  std::size_t bits() const { return family == Family::V4 ? 32 : 128; }
  std::string to_string() const;
  bool operator==(const IpAddress&) const = default;
  // Orders by family, then numerically (the bytes are big-endian).
  auto operator<=>(const IpAddress&) const = default;
};

struct Cidr {
  IpAddress network;  // host bits cleared
  std::size_t prefix = 0;

  // "10.0.0.0/8", "fc00::/7", or a bare address (a /32 or /128). Host bits set in the address
  // are rejected ("10.0.0.1/8" is almost always a typo).
  static std::optional<Cidr> parse(std::string_view text);
  bool contains(const IpAddress& a) const;
  // True when every address of `other` is inside this block.
  bool covers(const Cidr& other) const;
  // The highest address in the block.
  IpAddress last() const;
  // Number of addresses, saturated at 2^64-1.
  std::uint64_t size() const;
  std::string to_string() const;
};

}  // namespace nmcp::net
