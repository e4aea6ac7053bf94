#pragma once
// JSON-RPC 2.0 framing: parsing wire text, classifying a value as request, notification or
// response, and building replies. Knows nothing about MCP methods. Pure functions;
// thread-safe.
//
// Ids are kept as the JSON value the client sent, so they are echoed with their original type
// (integer 0 stays 0, "0" stays "0").

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include <nlohmann/json.hpp>

namespace nmcp::mcp::jsonrpc {

using json = nlohmann::json;

inline constexpr int kParseError = -32700;
inline constexpr int kInvalidRequest = -32600;
inline constexpr int kMethodNotFound = -32601;
inline constexpr int kInvalidParams = -32602;
inline constexpr int kInternalError = -32603;
// Implementation-defined range (-32000..-32019 in the legacy era). Never -32020..-32022: dual-era
// clients read those as "this server speaks the 2026-07-28 protocol".
inline constexpr int kServerError = -32000;       // transport-level refusals (HTTP 4xx bodies)
inline constexpr int kSessionNotFound = -32001;   // unknown or ended Mcp-Session-Id
inline constexpr int kResourceNotFound = -32002;  // resources/read of an unknown URI
inline constexpr int kServerBusy = -32010;        // backlog full; retry later

// What a message may cost before its tree is built. Both are checked by one scan of the text:
// nesting would otherwise let a hostile peer exhaust the stack of later walkers, and a tree
// costs about 60 bytes per element however small the text (a million "{}" in 4 MB parse to
// over 200 MB).
struct ParseLimits {
  std::size_t max_depth = 64;
  // Values and object keys together.
  std::size_t max_elements = 100000;
};

// Parses one message's text. Fails on invalid JSON, invalid UTF-8, or a text over `limits`.
std::optional<json> parse(std::string_view text, const ParseLimits& limits = {});

// True when nesting of arrays/objects in `text` never exceeds `max_depth` (strings are skipped).
bool within_depth(std::string_view text, std::size_t max_depth);

// The -32700 message for text that parse() refused, saying which rule it broke.
std::string parse_error_message(std::string_view text, const ParseLimits& limits = {});

enum class Kind { Request, Notification, Response };

struct Message {
  Kind kind = Kind::Request;
  std::string method;  // empty for responses
  json id;             // null for notifications
  json params;         // null when absent
};

// Why a value is not an acceptable message, and the error response to send for it.
struct Invalid {
  json id;  // the request id when it could be read, otherwise null
  int code = kInvalidRequest;
  std::string message;
};

std::variant<Message, Invalid> classify(const json& value);

bool is_valid_id(const json& id);

// A map key that keeps 1 and "1" apart.
std::string id_key(const json& id);

json make_result(const json& id, json result);
json make_error(const json& id, int code, std::string_view message, json data = nullptr);
json make_notification(std::string_view method, json params);

}  // namespace nmcp::mcp::jsonrpc
