#include "scanners/nessus/api_token.h"

#include <doctest/doctest.h>

using nmcp::scanners::extract_api_token;

TEST_CASE("api token: found by its getApiToken anchor, in either case and quote style") {
  CHECK(
      extract_api_token(
          R"({key:"getApiToken",value:function(){return"778F4A9C-D797-4817-B110-EC427B724486"}})") ==
      "778F4A9C-D797-4817-B110-EC427B724486");
  CHECK(extract_api_token("{key:'getApiToken',value:function() { return "
                          "'af824aba-e642-4e5c-a7a2-0f3ae1fe1d16' }}") ==
        "af824aba-e642-4e5c-a7a2-0f3ae1fe1d16");
}

TEST_CASE("api token: decoys are not taken") {
  // A 52-character template id before the token, and a call site before the definition.
  const std::string js =
      R"(var CUSTOM_SCAN_TEMPLATE="ab4bacd2-05f6-425c-9d79-3ba3940ad1c24e51e1f403febe40";)"
      R"(headers["X-API-Token"]=_Utils.getApiToken();var x={a:1};)"
      R"({key:"getApiToken",value:function(){return"7A3F5C2E-9B1D-4E8F-A6C4-2D5B8E1F3A90"}})";
  CHECK(extract_api_token(js) == "7A3F5C2E-9B1D-4E8F-A6C4-2D5B8E1F3A90");
  // A longer id right after the anchor is not cut down to a UUID.
  CHECK_FALSE(extract_api_token(
      R"({key:"getApiToken",value:function(){return"ab4bacd2-05f6-425c-9d79-3ba3940ad1c24e51e1f403febe40"}})"));
  CHECK_FALSE(extract_api_token("no token here"));
  CHECK_FALSE(extract_api_token(""));
  CHECK_FALSE(extract_api_token(std::string(5'000'000, 'x') + "getApiToken"));
}
