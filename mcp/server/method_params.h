#pragma once
// Reading a method's params as values: a missing or mistyped member is an RpcError the
// dispatcher answers with, never an exception. Shared by the method files of mcp/server.
//
// Thread-safety: pure functions.

#include <string>

#include <nlohmann/json.hpp>

#include "mcp/jsonrpc/message.h"
#include "mcp/server/rpc_error.h"

namespace nmcp::mcp {

inline tl::expected<std::string, RpcError> required_string(const nlohmann::json& params,
                                                           const char* key, const char* context) {
  const auto it = params.find(key);
  if (it == params.end() || !it->is_string()) {
    return rpc_fail(jsonrpc::kInvalidParams, std::string("Invalid params: ") + context +
                                                 " needs \"" + key + "\" as a string");
  }
  return it->get<std::string>();
}

// The string member `key` of `params`, or "" when it is absent or not a string (for logs and
// subjects; a handler that needs it refuses with required_string).
inline std::string string_member(const nlohmann::json& params, const char* key) {
  const auto it = params.find(key);
  return it != params.end() && it->is_string() ? it->get<std::string>() : std::string();
}

}  // namespace nmcp::mcp
