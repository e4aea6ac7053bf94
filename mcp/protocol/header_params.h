#pragma once
// Tool arguments mirrored into HTTP headers (MCP 2026-07-28, Streamable HTTP): a property of a
// tool's inputSchema annotated `"x-mcp-header": "Region"` travels, besides the body, as the
// header `Mcp-Param-Region`, so that a load balancer or gateway can route on it without reading
// the body. This file holds the rules both sides of that need: which annotations a tool may
// carry (checked when the tool is registered), how a header value is read (`=?base64?…?=`
// carries what plain ASCII cannot), and when a header value mirrors a body value (integers
// numerically, booleans as true/false). Pure; thread-safe.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/base/result.h"

namespace nmcp::mcp {

struct HeaderParam {
  enum class Kind { String, Integer, Boolean };
  std::string property;  // the argument's name in the body
  std::string header;    // the suffix after "Mcp-Param-"
  Kind kind = Kind::String;
};

// The header parameters `input_schema` declares on its top-level properties, in property order.
// InvalidArgument naming `where` when an annotation breaks the rules: not a non-empty string of
// HTTP token characters (no space, colon or control character, ASCII only), on a property whose
// type is not exactly string, integer or boolean, or repeated (names compare without case).
Result<std::vector<HeaderParam>> header_params_of(const nlohmann::json& input_schema,
                                                  const std::string& where);

// A header value as the client meant it: a value of the form "=?base64?<standard base64,
// padded>?=" decoded, any other value literal. nullopt when such a value is not exactly
// base64 (wrong padding, a character outside the alphabet).
std::optional<std::string> header_value_text(std::string_view raw);

// Whether `text` (a decoded header value) mirrors `body` (the argument's value) for `param`.
bool mirrors(const HeaderParam& param, std::string_view text, const nlohmann::json& body);

}  // namespace nmcp::mcp
