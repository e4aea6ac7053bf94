#include "core/net/ip.h"

#include <arpa/inet.h>

#include <charconv>
#include <cstring>

namespace nmcp::net {
namespace {

bool bit_at(const IpAddress& a, std::size_t i) {
  return ((a.bytes[i / 8] >> (7 - i % 8)) & 1U) != 0;
}

}  // namespace

std::optional<IpAddress> IpAddress::parse(std::string_view text) {
  if (text.empty() || text.size() > 45) return std::nullopt;
  const std::string s(text);
  IpAddress a;
  if (s.find(':') == std::string::npos) {
    // inet_pton accepts only dotted quads of decimal numbers for AF_INET; leading zeros are
    // rejected too, which keeps "010.0.0.1" (octal to some parsers) out.
    in_addr v4{};
    if (inet_pton(AF_INET, s.c_str(), &v4) != 1) return std::nullopt;
    a.family = Family::V4;
    std::memcpy(a.bytes.data(), &v4, 4);
    return a;
  }
  if (s.find('%') != std::string::npos) return std::nullopt;  // zone ids have no meaning here
  in6_addr v6{};
  if (inet_pton(AF_INET6, s.c_str(), &v6) != 1) return std::nullopt;
  a.family = Family::V6;
  std::memcpy(a.bytes.data(), &v6, 16);
  return a;
}

std::string IpAddress::to_string() const {
  char buf[INET6_ADDRSTRLEN] = {};
  inet_ntop(family == Family::V4 ? AF_INET : AF_INET6, bytes.data(), buf, sizeof(buf));
  return buf;
}

std::optional<Cidr> Cidr::parse(std::string_view text) {
  const auto slash = text.find('/');
  const auto addr = IpAddress::parse(text.substr(0, slash));
  if (!addr) return std::nullopt;
  Cidr c;
  c.network = *addr;
  c.prefix = addr->bits();
  if (slash != std::string_view::npos) {
    const std::string_view p = text.substr(slash + 1);
    std::size_t prefix = 0;
    const auto [end, ec] = std::from_chars(p.data(), p.data() + p.size(), prefix);
    if (p.empty() || ec != std::errc() || end != p.data() + p.size() || prefix > addr->bits() ||
        (p.size() > 1 && p[0] == '0')) {
      return std::nullopt;
    }
    c.prefix = prefix;
  }
  for (std::size_t i = c.prefix; i < c.network.bits(); ++i) {
    if (bit_at(c.network, i)) return std::nullopt;
  }
  return c;
}

bool Cidr::contains(const IpAddress& a) const {
  if (a.family != network.family) return false;
  for (std::size_t i = 0; i < prefix; ++i) {
    if (bit_at(a, i) != bit_at(network, i)) return false;
  }
  return true;
}

bool Cidr::covers(const Cidr& other) const {
  return other.network.family == network.family && other.prefix >= prefix &&
         contains(other.network);
}

IpAddress Cidr::last() const {
  IpAddress a = network;
  for (std::size_t i = prefix; i < a.bits(); ++i) {
    a.bytes[i / 8] = static_cast<std::uint8_t>(a.bytes[i / 8] | (0x80U >> (i % 8)));
  }
  return a;
}

std::uint64_t Cidr::size() const {
  const std::size_t host_bits = network.bits() - prefix;
  if (host_bits >= 64) return UINT64_MAX;
  return std::uint64_t{1} << host_bits;
}

std::string Cidr::to_string() const { return network.to_string() + "/" + std::to_string(prefix); }

}  // namespace nmcp::net
