#pragma once
// RpcError and MethodResult: how a method handler, a middleware or a request scope says "no"
// to a request. Errors are values here: a handler returns a MethodResult (the result object or
// the JSON-RPC error to answer with) and nothing in the dispatcher throws to refuse a request.
// Exceptions still reach the dispatcher only as bugs (answered -32603 with a trace id).
//
// Thread-safety: plain values.

#include <string>
#include <utility>

#include <nlohmann/json.hpp>
#include <tl/expected.hpp>

namespace nmcp::mcp {

struct RpcError {
  int code = 0;
  std::string message;
  nlohmann::json data = nullptr;
};

using MethodResult = tl::expected<nlohmann::json, RpcError>;

inline tl::unexpected<RpcError> rpc_fail(int code, std::string message,
                                         nlohmann::json data = nullptr) {
  return tl::unexpected<RpcError>(RpcError{code, std::move(message), std::move(data)});
}

}  // namespace nmcp::mcp
