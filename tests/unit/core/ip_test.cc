#include "core/net/ip.h"

#include <doctest/doctest.h>

using nmcp::net::Cidr;
using nmcp::net::IpAddress;

TEST_CASE("ip: strict parsing of IPv4 and IPv6") {
  for (const char* ok : {"10.0.0.1", "0.0.0.0", "255.255.255.255", "::1", "fe80::1",
                         "2001:db8::", "::ffff:10.0.0.1"}) {
    CAPTURE(ok);
    CHECK(IpAddress::parse(ok));
  }
  for (const char* bad : {"", "10.0.0", "10.1", "10.0.0.256", "010.0.0.1", "1.2.3.4.5", "10.0.0.1 ",
                          "fe80::1%eth0", "::g", "localhost", "1.2.3.-1"}) {
    CAPTURE(bad);
    CHECK_FALSE(IpAddress::parse(bad));
  }
  CHECK(IpAddress::parse("2001:DB8::1")->to_string() == "2001:db8::1");
}

TEST_CASE("cidr: parse, contain, cover, size") {
  const auto ten = Cidr::parse("10.0.0.0/8");
  REQUIRE(ten);
  CHECK(ten->contains(*IpAddress::parse("10.255.1.2")));
  CHECK_FALSE(ten->contains(*IpAddress::parse("11.0.0.1")));
  CHECK_FALSE(ten->contains(*IpAddress::parse("::ffff:10.0.0.1")));  // other family
  CHECK(ten->size() == 16777216U);
  CHECK(ten->covers(*Cidr::parse("10.1.0.0/16")));
  CHECK_FALSE(Cidr::parse("10.1.0.0/16")->covers(*ten));
  CHECK(Cidr::parse("192.168.1.7")->prefix == 32);
  CHECK(Cidr::parse("fc00::/7")->contains(*IpAddress::parse("fd12::1")));
  CHECK(Cidr::parse("::/0")->size() == UINT64_MAX);
  for (const char* bad : {"10.0.0.1/8", "10.0.0.0/33", "10.0.0.0/", "10.0.0.0/08", "fc00::/129",
                          "x/8", "10.0.0.0/-1"}) {
    CAPTURE(bad);
    CHECK_FALSE(Cidr::parse(bad));
  }
  CHECK(Cidr::parse("10.0.0.0/8")->to_string() == "10.0.0.0/8");
}
