#include "mcp/jsonrpc/message.h"

#include <algorithm>
#include <cmath>
#include <cstdint>

namespace nmcp::mcp::jsonrpc {

namespace {

struct Shape {
  std::size_t max_depth = 0;
  std::size_t elements = 0;
};

// One pass over the text outside strings. Every value and key follows the start of the text,
// an opening bracket, a comma or a colon, so counting those bounds the element count from
// above without building anything. Stops as soon as a limit is passed.
Shape measure(std::string_view text, const ParseLimits& limits) {
  Shape shape;
  shape.elements = 1;
  std::size_t depth = 0;
  bool in_string = false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (in_string) {
      if (c == '\\') {
        ++i;
      } else if (c == '"') {
        in_string = false;
      }
      continue;
    }
    switch (c) {
      case '"':
        in_string = true;
        break;
      case '[':
      case '{':
        shape.max_depth = std::max(shape.max_depth, ++depth);
        ++shape.elements;
        break;
      case ']':
      case '}':
        if (depth > 0) --depth;
        break;
      case ',':
      case ':':
        ++shape.elements;
        break;
      default:
        break;
    }
    if (shape.max_depth > limits.max_depth || shape.elements > limits.max_elements) break;
  }
  return shape;
}

std::optional<std::string> limit_broken(std::string_view text, const ParseLimits& limits) {
  const Shape shape = measure(text, limits);
  if (shape.max_depth > limits.max_depth) {
    return "Parse error: JSON nested more than " + std::to_string(limits.max_depth) +
           " levels deep";
  }
  if (shape.elements > limits.max_elements) {
    return "Parse error: the message has more than " + std::to_string(limits.max_elements) +
           " JSON values; send smaller messages (e.g. fewer targets per call)";
  }
  return std::nullopt;
}

}  // namespace

bool within_depth(std::string_view text, std::size_t max_depth) {
  ParseLimits limits;
  limits.max_depth = max_depth;
  limits.max_elements = SIZE_MAX;
  return measure(text, limits).max_depth <= max_depth;
}

std::optional<json> parse(std::string_view text, const ParseLimits& limits) {
  if (limit_broken(text, limits)) return std::nullopt;
  json value = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (value.is_discarded()) return std::nullopt;
  return value;
}

std::string parse_error_message(std::string_view text, const ParseLimits& limits) {
  if (auto broken = limit_broken(text, limits)) return *broken;
  return "Parse error: not valid JSON (check quoting, brackets and UTF-8)";
}

bool is_valid_id(const json& id) { return id.is_string() || id.is_number_integer(); }

std::string id_key(const json& id) {
  if (id.is_string()) return "s:" + id.get<std::string>();
  return "n:" + id.dump();
}

namespace {

// Why an id is not a string or an integer, in words that say what to send instead.
std::string id_problem(const json& id) {
  if (id.is_number_float()) {
    const double v = id.get<double>();
    if (std::nearbyint(v) == v && std::fabs(v) >= 9.2e18) {
      return "\"id\" is an integer outside the 64-bit range; use a smaller integer or a string";
    }
    return "\"id\" must be a string or an integer, not a fraction";
  }
  return "\"id\" must be a string or an integer, got " +
         std::string(id.is_null() ? "null" : id.type_name());
}

}  // namespace

std::variant<Message, Invalid> classify(const json& value) {
  if (value.is_array()) {
    return Invalid{nullptr, kInvalidRequest,
                   "Invalid Request: JSON-RPC batches are not supported; send one message at a "
                   "time"};
  }
  if (!value.is_object()) {
    return Invalid{nullptr, kInvalidRequest, "Invalid Request: expected a JSON-RPC 2.0 object"};
  }
  const auto id_it = value.find("id");
  const bool has_id = id_it != value.end();
  const json id = has_id && is_valid_id(*id_it) ? *id_it : json(nullptr);

  const auto version = value.find("jsonrpc");
  if (version == value.end() || !version->is_string() || *version != "2.0") {
    return Invalid{id, kInvalidRequest, "Invalid Request: \"jsonrpc\" must be \"2.0\""};
  }
  if (has_id && !is_valid_id(*id_it)) {
    return Invalid{nullptr, kInvalidRequest, "Invalid Request: " + id_problem(*id_it)};
  }

  const auto method = value.find("method");
  const bool has_result = value.contains("result");
  const bool has_error = value.contains("error");
  if (method != value.end() && (has_result || has_error)) {
    return Invalid{id, kInvalidRequest,
                   "Invalid Request: a message is either a request or notification (\"method\") "
                   "or a response (\"result\" or \"error\"), never both"};
  }
  if (method != value.end()) {
    if (!method->is_string() || method->get_ref<const std::string&>().empty()) {
      return Invalid{id, kInvalidRequest, "Invalid Request: \"method\" must be a non-empty string"};
    }
    Message m;
    m.kind = has_id ? Kind::Request : Kind::Notification;
    m.method = method->get<std::string>();
    m.id = id;
    if (const auto params = value.find("params"); params != value.end()) {
      if (!params->is_object() && !params->is_array()) {
        return Invalid{id, kInvalidRequest, "Invalid Request: \"params\" must be an object"};
      }
      m.params = *params;
    }
    return m;
  }

  if (has_id && (has_result != has_error)) {
    Message m;
    m.kind = Kind::Response;
    m.id = id;
    return m;
  }
  return Invalid{id, kInvalidRequest,
                 "Invalid Request: a message needs \"method\" (request or notification) or "
                 "exactly one of \"result\"/\"error\" with an \"id\" (response)"};
}

json make_result(const json& id, json result) {
  return json{{"jsonrpc", "2.0"}, {"id", id}, {"result", std::move(result)}};
}

json make_error(const json& id, int code, std::string_view message, json data) {
  json error = {{"code", code}, {"message", message}};
  if (!data.is_null()) error["data"] = std::move(data);
  return json{{"jsonrpc", "2.0"}, {"id", id}, {"error", std::move(error)}};
}

json make_notification(std::string_view method, json params) {
  json n = {{"jsonrpc", "2.0"}, {"method", method}};
  if (!params.is_null()) n["params"] = std::move(params);
  return n;
}

}  // namespace nmcp::mcp::jsonrpc
