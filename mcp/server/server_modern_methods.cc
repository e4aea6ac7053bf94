// The methods of the 2026-07-28 era and how its answers look: server/discover, the capabilities
// either era states, and the fields every modern result carries (resultType, the server's
// identity in `_meta`, ttlMs and cacheScope on cacheable ones).

#include "core/base/logging.h"
#include "mcp/server/mcp_server.h"
#include "mcp/server/method_params.h"

namespace nmcp::mcp {

using json = nlohmann::json;
namespace rpc = jsonrpc;

namespace {

constexpr const char* kMetaServerInfo = "io.modelcontextprotocol/serverInfo";

// What discover may be cached for: the capabilities and versions change only with a restart.
constexpr CacheHint kDiscoverCache{.ttl_ms = 300000, .shared = true};

}  // namespace

std::string_view to_string(TaskSnapshot::Status status) {
  switch (status) {
    case TaskSnapshot::Status::Working:
      return "working";
    case TaskSnapshot::Status::InputRequired:
      return "input_required";
    case TaskSnapshot::Status::Completed:
      return "completed";
    case TaskSnapshot::Status::Failed:
      return "failed";
    case TaskSnapshot::Status::Cancelled:
      return "cancelled";
  }
  return "working";
}

void McpServer::add_modern_methods() {
  // Before initialize: a dual-era client probes with it first. A legacy-framed probe (no
  // protocol version in `_meta`) is answered "method not found", which sends such a client to
  // initialize at once.
  table_.add({.method = "server/discover",
              .cache = kDiscoverCache,
              .before_initialize = true,
              .handler = [this](const MethodCall& call) { return discover(call); }});
}

json McpServer::capabilities(Era era, ProtocolVersion version) const {
  json caps = {{"tools", {{"listChanged", false}}}};
  if (era == Era::Legacy) caps["logging"] = json::object();
  if (era == Era::Legacy && tasks_ != nullptr && version >= ProtocolVersion::V2025_11_25) {
    caps["tasks"] = {{"list", json::object()},
                     {"cancel", json::object()},
                     {"requests", {{"tools", {{"call", json::object()}}}}}};
  }
  if (resources_ != nullptr) {
    caps["resources"] = {{"listChanged", false}};
    if (era == Era::Legacy) caps["resources"]["subscribe"] = false;
  }
  if (era == Era::Modern && tasks_ != nullptr) {
    caps["extensions"] = {{kTasksExtension, json::object()}};
  }
  return caps;
}

MethodResult McpServer::discover(const MethodCall& call) const {
  if (call.scope.era == Era::Legacy) return rpc_fail(rpc::kMethodNotFound, kDiscoverNotSpoken);
  json versions = json::array();
  for (const auto v : kModernVersions) versions.push_back(v);
  json result = {{"supportedVersions", std::move(versions)},
                 {"capabilities", capabilities(Era::Modern, kLatestVersion)}};
  if (!options_.info.instructions.empty()) result["instructions"] = options_.info.instructions;
  return result;
}

json McpServer::modern_answer(const MethodEntry& entry, json result) const {
  if (!result.is_object()) result = json::object();
  if (!result.contains("resultType")) result["resultType"] = "complete";
  const ServerInfo& info = options_.info;
  json identity = {{"name", info.name}, {"version", info.version}};
  if (!info.title.empty()) identity["title"] = info.title;
  result["_meta"][kMetaServerInfo] = std::move(identity);
  if (entry.cache && result["resultType"] == "complete") {
    result["ttlMs"] = entry.cache->ttl_ms;
    result["cacheScope"] = entry.cache->shared ? "public" : "private";
  }
  return result;
}

}  // namespace nmcp::mcp
