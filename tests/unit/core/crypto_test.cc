#include "core/base/crypto.h"

#include <set>

#include <doctest/doctest.h>

TEST_CASE("crypto: random_hex is hex of the requested size and does not repeat") {
  std::set<std::string> seen;
  for (int i = 0; i < 1000; ++i) {
    const std::string id = nmcp::random_hex(16);
    REQUIRE(id.size() == 32);
    REQUIRE(id.find_first_not_of("0123456789abcdef") == std::string::npos);
    seen.insert(id);
  }
  CHECK(seen.size() == 1000);
}

TEST_CASE("crypto: sha256_hex matches the standard test vectors") {
  CHECK(nmcp::sha256_hex("") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  CHECK(nmcp::sha256_hex("abc") ==
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST_CASE("crypto: constant_time_equal compares content and length") {
  CHECK(nmcp::constant_time_equal("abc", "abc"));
  CHECK_FALSE(nmcp::constant_time_equal("abc", "abd"));
  CHECK_FALSE(nmcp::constant_time_equal("abc", "abcd"));
  CHECK(nmcp::constant_time_equal("", ""));
}
