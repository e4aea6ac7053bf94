#include "mcp/http/origin_policy.h"

#include <doctest/doctest.h>

using nmcp::mcp::OriginPolicy;

TEST_CASE("OriginPolicy: loopback Host names pass, foreign ones do not") {
  const OriginPolicy p("127.0.0.1", {}, {});
  for (const char* host :
       {"localhost", "localhost:8765", "127.0.0.1:1", "[::1]:8765", "[::1]", "LOCALHOST:80"}) {
    CAPTURE(host);
    CHECK(p.host_allowed(host));
  }
  for (const char* host : {"", "evil.example.com", "evil.example.com:8765", "localhost.evil.com",
                           "127.0.0.1.nip.io", "localhost:abc", "[::1", "local host", "10.0.0.1"}) {
    CAPTURE(host);
    CHECK_FALSE(p.host_allowed(host));
  }
}

TEST_CASE("OriginPolicy: the bind address and allowed names extend the Host list") {
  const OriginPolicy p("10.1.2.3", {"mcp.internal", "Scanner-Gw:443"}, {});
  CHECK(p.host_allowed("10.1.2.3:8765"));
  CHECK(p.host_allowed("mcp.internal"));
  CHECK(p.host_allowed("scanner-gw:9999"));
  CHECK_FALSE(p.host_allowed("mcp.internal.evil"));
  const OriginPolicy wildcard("0.0.0.0", {}, {});
  CHECK_FALSE(wildcard.host_allowed("0.0.0.0:8765"));
}

TEST_CASE("OriginPolicy: no Origin passes; loopback and allowed origins pass; others do not") {
  const OriginPolicy p("127.0.0.1", {}, {"https://console.example.com"});
  CHECK(p.origin_allowed(""));
  CHECK(p.origin_allowed("http://localhost:6274"));
  CHECK(p.origin_allowed("http://127.0.0.1"));
  CHECK(p.origin_allowed("http://[::1]:3000"));
  CHECK(p.origin_allowed("https://console.example.com"));
  CHECK(p.origin_allowed("HTTPS://Console.Example.com/"));
  CHECK_FALSE(p.origin_allowed("https://console.example.com:8443"));
  CHECK_FALSE(p.origin_allowed("http://evil.example.com"));
  CHECK_FALSE(p.origin_allowed("null"));
  CHECK_FALSE(p.origin_allowed("file://"));
  CHECK_FALSE(p.origin_allowed("localhost"));
  CHECK_FALSE(p.origin_allowed("http://localhost.evil.com"));
}
