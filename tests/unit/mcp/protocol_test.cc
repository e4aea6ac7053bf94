#include <string>
#include <vector>

#include <doctest/doctest.h>

#include "core/base/opaque_cursor.h"
#include "mcp/protocol/log_level.h"
#include "mcp/protocol/version.h"

using namespace nmcp::mcp;
using nmcp::base64url_decode;
using nmcp::base64url_encode;

TEST_CASE("version: supported versions are echoed, anything else gets the latest") {
  for (auto v : kSupportedVersions) {
    CAPTURE(v);
    CHECK(to_string(negotiate(v)) == v);
  }
  CHECK(negotiate("2024-10-07") == ProtocolVersion::V2025_11_25);
  CHECK(negotiate("2026-07-28") == ProtocolVersion::V2025_11_25);
  CHECK(negotiate("") == ProtocolVersion::V2025_11_25);
  CHECK(ProtocolVersion::V2024_11_05 < ProtocolVersion::V2025_03_26);
  CHECK(ProtocolVersion::V2025_06_18 < ProtocolVersion::V2025_11_25);
}

TEST_CASE("log levels: the eight RFC 5424 names round-trip; others are rejected") {
  for (auto name :
       {"debug", "info", "notice", "warning", "error", "critical", "alert", "emergency"}) {
    CAPTURE(name);
    REQUIRE(parse_mcp_log_level(name));
    CHECK(to_string(*parse_mcp_log_level(name)) == name);
  }
  CHECK_FALSE(parse_mcp_log_level("warn"));
  CHECK_FALSE(parse_mcp_log_level("INFO"));
  CHECK(McpLogLevel::Debug < McpLogLevel::Emergency);
}

TEST_CASE("cursor: round-trips, is tied to its list, and rejects forgeries") {
  const std::string c = nmcp::encode_opaque_cursor("tools", 42);
  CHECK(nmcp::decode_opaque_cursor("tools", c) == 42U);
  CHECK_FALSE(nmcp::decode_opaque_cursor("tasks", c));
  CHECK_FALSE(nmcp::decode_opaque_cursor("tools", "garbage!"));
  CHECK_FALSE(nmcp::decode_opaque_cursor("tools", ""));
  CHECK_FALSE(nmcp::decode_opaque_cursor("tools", base64url_encode("nmcp:tools:4x")));
  CHECK_FALSE(nmcp::decode_opaque_cursor("tools", base64url_encode("nmcp:tools:")));
  CHECK_FALSE(nmcp::decode_opaque_cursor("tools", base64url_encode("nmcp:tools:-1")));
  for (const std::string& s :
       std::vector<std::string>{"", "a", "ab", "abc", "abcd", std::string("\0\xff\x10", 3)}) {
    CHECK(base64url_decode(base64url_encode(s)) == s);
  }
  CHECK_FALSE(base64url_decode("A"));   // impossible length
  CHECK_FALSE(base64url_decode("QR"));  // non-zero padding bits: a second spelling of "A"
}
