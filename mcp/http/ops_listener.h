#pragma once
// OpsListener: a small HTTP listener serving only the operational endpoints (ops_endpoints.h),
// for processes that have no MCP HTTP listener of their own: `nessus-mcp --stdio` and
// `nessus-worker` with --metrics-listen ADDR. ADDR is host:port or :port / port alone, which
// binds loopback (127.0.0.1): exposing it wider must be asked for by naming the address.
//
// Thread-safety: start() and stop() from the owning thread.

#include <memory>
#include <string>

#include "core/base/result.h"
#include "mcp/http/ops_endpoints.h"

namespace nmcp::mcp {

class OpsListener {
 public:
  OpsListener(std::string address, OpsEndpoints endpoints);
  ~OpsListener();
  OpsListener(const OpsListener&) = delete;
  OpsListener& operator=(const OpsListener&) = delete;

  // Binds and serves on a thread of its own; returns the bound port (port 0 picks one).
  Result<int> start();
  void stop();

  // "host:port" / ":port" / "port" -> host, port; an error says what a good address looks like.
  static Result<std::pair<std::string, int>> parse_address(const std::string& address);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace nmcp::mcp
