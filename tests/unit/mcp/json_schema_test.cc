#include "mcp/schema/json_schema.h"

#include <doctest/doctest.h>

using nlohmann::json;
using nmcp::mcp::describe_violations;
using nmcp::mcp::JsonSchema;

namespace {

JsonSchema compile(const char* text) {
  auto s = JsonSchema::compile(json::parse(text));
  REQUIRE_MESSAGE(s.has_value(), (s ? "" : s.error().message));
  return *s;
}

std::string first(const JsonSchema& s, const json& v) {
  const auto violations = s.validate(v);
  return violations.empty() ? std::string("valid")
                            : (violations[0].path.empty() ? "" : violations[0].path + ": ") +
                                  violations[0].message;
}

}  // namespace

TEST_CASE("schema: types, including integer vs number") {
  const auto s = compile(R"({"type":"object","properties":{
      "i":{"type":"integer"},"n":{"type":"number"},"s":{"type":"string"},"b":{"type":"boolean"},
      "a":{"type":"array"},"o":{"type":"object"},"z":{"type":"null"},"u":{"type":["string","null"]}}})");
  CHECK(first(s,
              json::parse(R"({"i":1,"n":1.5,"s":"x","b":true,"a":[],"o":{},"z":null,"u":null})")) ==
        "valid");
  CHECK(first(s, json::parse(R"({"i":2.0})")) == "valid");  // integral floats are integers
  CHECK(first(s, json::parse(R"({"i":2.5})")) == "i: expected integer, got number 2.5");
  CHECK(first(s, json::parse(R"({"n":"1"})")) == "n: expected number, got string \"1\"");
  CHECK(first(s, json::parse(R"({"u":3})")) == "u: expected null or string, got integer 3");
  CHECK(first(s, json::parse(R"([])")) == "expected object, got array []");
}

TEST_CASE("schema: required and additionalProperties name what to fix") {
  const auto s = compile(R"({"type":"object","properties":{"a":{},"b":{}},"required":["a"],
      "additionalProperties":false})");
  CHECK(first(s, json::parse(R"({})")) == "a: is required but missing");
  CHECK(first(s, json::parse(R"({"a":1,"c":2})")) == "c: is not a known property (accepted: a, b)");
  const auto typed = compile(R"({"type":"object","additionalProperties":{"type":"integer"}})");
  CHECK(first(typed, json::parse(R"({"x":1})")) == "valid");
  CHECK(first(typed, json::parse(R"({"x":"1"})")) == "x: expected integer, got string \"1\"");
}

TEST_CASE("schema: numeric bounds and multipleOf") {
  const auto s = compile(R"({"type":"integer","minimum":1,"maximum":10,"multipleOf":2})");
  CHECK(first(s, 4) == "valid");
  CHECK(first(s, 0) == "must be >= 1; got 0");
  CHECK(first(s, 12) == "must be <= 10; got 12");
  CHECK(first(s, 3) == "must be a multiple of 2");
  const auto ex = compile(R"({"type":"number","exclusiveMinimum":0,"exclusiveMaximum":1})");
  CHECK(first(ex, 0.5) == "valid");
  CHECK(first(ex, 0) == "must be > 0; got 0");
  CHECK(first(ex, 1) == "must be < 1; got 1");
}

TEST_CASE("schema: string lengths count code points; patterns are searched") {
  const auto s = compile(R"({"type":"string","minLength":2,"maxLength":3})");
  CHECK(first(s, "\xc3\xa9\xc3\xa9") == "valid");  // two code points, four bytes
  CHECK(first(s, "a") == "must be at least 2 characters long; got 1");
  CHECK(first(s, "abcd") == "must be at most 3 characters long; got 4");
  const auto p = compile(R"({"type":"string","pattern":"^[a-z]+$"})");
  CHECK(first(p, "abc") == "valid");
  CHECK(first(p, "aBc") == "must match the pattern ^[a-z]+$; got \"aBc\"");
  const auto unanchored = compile(R"({"type":"string","pattern":"b"})");
  CHECK(first(unanchored, "abc") == "valid");
  CHECK(first(p, std::string(10000, 'a')) == "is too long to check against pattern ^[a-z]+$");
}

TEST_CASE("schema: enum, const, arrays") {
  const auto e = compile(R"({"enum":["fast","full",3]})");
  CHECK(first(e, "full") == "valid");
  CHECK(first(e, "slow") == "must be one of \"fast\", \"full\", 3; got \"slow\"");
  const auto c = compile(R"({"const":"x"})");
  CHECK(first(c, "y") == "must be exactly \"x\"; got \"y\"");
  const auto a = compile(R"({"type":"array","items":{"type":"string"},"minItems":1,"maxItems":2,
      "uniqueItems":true})");
  CHECK(first(a, json::array({"a", "b"})) == "valid");
  CHECK(first(a, json::array()) == "must have at least 1 items; got 0");
  CHECK(first(a, json::array({"a", "b", "c"})) == "must have at most 2 items; got 3");
  CHECK(first(a, json::array({"a", "a"})) == "[1]: repeats item 0; items must be unique");
  CHECK(first(a, json::array({"a", 1})) == "[1]: expected string, got integer 1");
}

TEST_CASE("schema: combinators and local $ref") {
  const auto any =
      compile(R"({"anyOf":[{"type":"string"},{"type":"array","items":{"type":"string"}}]})");
  CHECK(first(any, "x") == "valid");
  CHECK(first(any, json::array({"x"})) == "valid");
  CHECK(first(any, 5).rfind("does not match any of the 2 accepted forms", 0) == 0);
  const auto one = compile(R"({"oneOf":[{"type":"integer"},{"type":"number"}]})");
  CHECK(first(one, 1.5) == "valid");
  CHECK(first(one, 1) == "must match exactly one of the 2 accepted forms; matches 2");
  const auto neg = compile(R"({"not":{"type":"null"}})");
  CHECK(first(neg, nullptr) == "matches a form that is not allowed");
  const auto all = compile(R"({"allOf":[{"minimum":1},{"maximum":2}]})");
  CHECK(first(all, 3) == "must be <= 2; got 3");
  const auto ref = compile(R"({"$defs":{"port":{"type":"integer","minimum":1}},
      "type":"object","properties":{"p":{"$ref":"#/$defs/port"}}})");
  CHECK(first(ref, json::parse(R"({"p":0})")) == "p: must be >= 1; got 0");
  const auto tree = compile(R"({"$defs":{"node":{"type":"object","properties":{
      "children":{"type":"array","items":{"$ref":"#/$defs/node"}}},"additionalProperties":false}},
      "$ref":"#/$defs/node"})");
  CHECK(first(tree, json::parse(R"({"children":[{"children":[{}]}]})")) == "valid");
  CHECK(first(tree, json::parse(R"({"children":[{"x":1}]})")) ==
        "children[0].x: is not a known property (accepted: children)");
}

TEST_CASE("schema: unsupported or malformed schemas do not compile") {
  for (const char* bad :
       {R"({"type":"strin"})", R"({"patternProperties":{}})", R"({"pattern":"("})",
        R"({"minLength":-1})", R"({"$ref":"#/$defs/x"})", R"({"$ref":"http://example.com/s.json"})",
        R"({"enum":[]})", R"({"required":"a"})", R"("nope")", R"({"multipleOf":0})"}) {
    CAPTURE(bad);
    CHECK_FALSE(JsonSchema::compile(json::parse(bad)).has_value());
  }
  // Annotation keywords are accepted and do not constrain.
  CHECK(JsonSchema::compile(
            json::parse(
                R"({"$schema":"https://json-schema.org/draft/2020-12/schema","title":"t",
            "description":"d","default":1,"examples":[1],"format":"uri"})"))
            .has_value());
  CHECK(JsonSchema::compile(json(true)).has_value());
  CHECK(first(compile("false"), 1) == "is not allowed here");
}

TEST_CASE("schema: violations are capped and described for a model") {
  const auto s = compile(R"({"type":"array","items":{"type":"string"}})");
  const auto v = s.validate(json::array({1, 2, 3, 4, 5}), 3);
  CHECK(v.size() == 3);
  CHECK(describe_violations("arguments", {{"", "bad"}, {"x", "worse"}}) ==
        "- arguments: bad\n- arguments.x: worse");
}

TEST_CASE("json schema: if/then/else and $anchor (2020-12)") {
  const auto schema = JsonSchema::compile(json::parse(R"({
    "type": "object",
    "$defs": {"a": {"$anchor": "aDef", "type": "string"}},
    "properties": {"kind": {"type": "string"}, "phone": {"$ref": "#/$defs/a"},
                   "email": {"type": "string"}},
    "if": {"properties": {"kind": {"const": "phone"}}, "required": ["kind"]},
    "then": {"required": ["phone"]},
    "else": {"required": ["email"]}})"));
  REQUIRE(schema);
  CHECK(schema->validate(json{{"kind", "phone"}, {"phone", "1"}}).empty());
  CHECK(!schema->validate(json{{"kind", "phone"}, {"email", "x"}}).empty());
  CHECK(schema->validate(json{{"kind", "mail"}, {"email", "x"}}).empty());
  CHECK(!schema->validate(json{{"kind", "mail"}}).empty());
}
