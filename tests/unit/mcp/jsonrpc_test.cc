#include <string>
#include <variant>

#include <doctest/doctest.h>

#include "mcp/jsonrpc/message.h"

using nlohmann::json;
namespace rpc = nmcp::mcp::jsonrpc;

namespace {
const rpc::Message& message(const std::variant<rpc::Message, rpc::Invalid>& v) {
  REQUIRE(std::holds_alternative<rpc::Message>(v));
  return std::get<rpc::Message>(v);
}
const rpc::Invalid& invalid(const std::variant<rpc::Message, rpc::Invalid>& v) {
  REQUIRE(std::holds_alternative<rpc::Invalid>(v));
  return std::get<rpc::Invalid>(v);
}
}  // namespace

TEST_CASE("jsonrpc: requests, notifications and responses are told apart") {
  const auto req = rpc::classify(json::parse(R"({"jsonrpc":"2.0","id":0,"method":"ping"})"));
  CHECK(message(req).kind == rpc::Kind::Request);
  CHECK(message(req).id == 0);
  CHECK(message(req).id.is_number_integer());

  const auto str = rpc::classify(json::parse(R"({"jsonrpc":"2.0","id":"0","method":"ping"})"));
  CHECK(message(str).id == "0");

  const auto note = rpc::classify(json::parse(R"({"jsonrpc":"2.0","method":"notifications/x"})"));
  CHECK(message(note).kind == rpc::Kind::Notification);
  CHECK(message(note).id.is_null());

  const auto resp = rpc::classify(json::parse(R"({"jsonrpc":"2.0","id":4,"result":{}})"));
  CHECK(message(resp).kind == rpc::Kind::Response);
}

TEST_CASE("jsonrpc: malformed messages are Invalid Request with the id when readable") {
  struct Case {
    const char* text;
    bool id_kept;
  };
  for (const Case& c : {Case{R"({"id":1,"method":"ping"})", true},
                        Case{R"({"jsonrpc":"1.0","id":1,"method":"ping"})", true},
                        Case{R"({"jsonrpc":"2.0","id":null,"method":"ping"})", false},
                        Case{R"({"jsonrpc":"2.0","id":1.5,"method":"ping"})", false},
                        Case{R"({"jsonrpc":"2.0","id":true,"method":"ping"})", false},
                        Case{R"({"jsonrpc":"2.0","id":{},"method":"ping"})", false},
                        Case{R"({"jsonrpc":"2.0","id":1,"method":7})", true},
                        Case{R"({"jsonrpc":"2.0","id":1,"method":""})", true},
                        Case{R"({"jsonrpc":"2.0","id":1,"method":"ping","params":"x"})", true},
                        Case{R"({"jsonrpc":"2.0","id":1})", true},
                        Case{R"({"jsonrpc":"2.0","id":1,"result":{},"error":{}})", true},
                        Case{R"({"jsonrpc":"2.0"})", false},
                        Case{R"([{"jsonrpc":"2.0","id":1,"method":"ping"}])", false},
                        Case{R"([])", false}, Case{R"("text")", false}, Case{R"(42)", false}}) {
    CAPTURE(c.text);
    const auto classified = rpc::classify(json::parse(c.text));
    const auto& bad = invalid(classified);
    CHECK(bad.code == rpc::kInvalidRequest);
    CHECK(bad.id.is_null() != c.id_kept);
  }
}

TEST_CASE("jsonrpc: parse rejects invalid JSON, invalid UTF-8 and deep nesting") {
  CHECK(rpc::parse(R"({"a":1})"));
  CHECK_FALSE(rpc::parse("{"));
  CHECK_FALSE(rpc::parse("nope"));
  CHECK_FALSE(rpc::parse("\"\xff\xfe\""));
  CHECK(rpc::parse(std::string(64, '[') + std::string(64, ']')));
  CHECK_FALSE(rpc::parse(std::string(65, '[') + std::string(65, ']')));
  CHECK_FALSE(rpc::parse(std::string(100000, '[')));
  // Brackets inside strings do not count as nesting.
  CHECK(rpc::parse("{\"a\":\"" + std::string(1000, '[') + "\"}"));
  CHECK(rpc::within_depth(R"({"a":"\"[[["})", 1));
}

TEST_CASE("jsonrpc: parse refuses a message with too many values before building it") {
  rpc::ParseLimits limits;
  limits.max_elements = 10;
  CHECK(rpc::parse(R"({"a":[1,2,3]})", limits));
  std::string wide = "[{}";
  for (int i = 0; i < 20; ++i) wide += ",{}";
  wide += "]";
  CHECK_FALSE(rpc::parse(wide, limits));
  CHECK(rpc::parse_error_message(wide, limits).find("more than 10 JSON values") !=
        std::string::npos);
  // Separators inside strings are not values.
  CHECK(rpc::parse("[\"" + std::string(100, ',') + "\"]", limits));
  CHECK(rpc::parse("[1,2,3,4,5]", limits));
}

TEST_CASE("jsonrpc: a message is a request or a response, never both; ids fit 64 bits") {
  const auto invalid_message = [](const std::string& text) {
    const auto c = rpc::classify(nlohmann::json::parse(text));
    REQUIRE(std::holds_alternative<rpc::Invalid>(c));
    return std::get<rpc::Invalid>(c).message;
  };
  CHECK(invalid_message(R"({"jsonrpc":"2.0","id":1,"method":"ping","result":{}})")
            .find("never both") != std::string::npos);
  CHECK(invalid_message(R"({"jsonrpc":"2.0","id":1,"method":"ping","error":{}})")
            .find("never both") != std::string::npos);
  CHECK(invalid_message(R"({"jsonrpc":"2.0","id":18446744073709551616,"method":"ping"})")
            .find("outside the 64-bit range") != std::string::npos);
  CHECK(invalid_message(R"({"jsonrpc":"2.0","id":1.5,"method":"ping"})").find("fraction") !=
        std::string::npos);
  // 2^64 - 1 still is an integer.
  CHECK(std::holds_alternative<rpc::Message>(rpc::classify(
      nlohmann::json::parse(R"({"jsonrpc":"2.0","id":18446744073709551615,"method":"ping"})"))));
}

TEST_CASE("jsonrpc: id keys keep integers and strings apart; replies echo ids") {
  CHECK(rpc::id_key(1) != rpc::id_key("1"));
  CHECK(rpc::id_key(0) == rpc::id_key(0));
  const json err = rpc::make_error(nullptr, rpc::kParseError, "Parse error");
  CHECK(err["id"].is_null());
  CHECK(err["jsonrpc"] == "2.0");
  CHECK(err["error"]["code"] == -32700);
  CHECK_FALSE(err["error"].contains("data"));
  CHECK(rpc::make_result("x", json::object())["id"] == "x");
  CHECK(rpc::make_notification("m", nullptr).contains("params") == false);
}
