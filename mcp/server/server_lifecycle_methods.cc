// The lifecycle methods of the table: initialize, ping, logging/setLevel (the legacy era's) and
// the client's notifications (initialized, cancelled).

#include "core/base/logging.h"
#include "mcp/protocol/version.h"
#include "mcp/server/mcp_server.h"
#include "mcp/server/method_params.h"

namespace nmcp::mcp {

using json = nlohmann::json;
namespace rpc = jsonrpc;

namespace {

json supported_levels() {
  json levels = json::array();
  for (auto l :
       {McpLogLevel::Debug, McpLogLevel::Info, McpLogLevel::Notice, McpLogLevel::Warning,
        McpLogLevel::Error, McpLogLevel::Critical, McpLogLevel::Alert, McpLogLevel::Emergency}) {
    levels.push_back(to_string(l));
  }
  return levels;
}

MethodResult set_log_level(const MethodCall& call) {
  const auto level = call.params.find("level");
  const auto parsed = level != call.params.end() && level->is_string()
                          ? parse_mcp_log_level(level->get<std::string>())
                          : std::nullopt;
  if (!parsed) {
    return rpc_fail(rpc::kInvalidParams,
                    "Invalid params: \"level\" must be one of debug, info, notice, warning, "
                    "error, critical, alert, emergency",
                    json{{"supported", supported_levels()}});
  }
  if (call.scope.session) call.scope.session->set_log_level(*parsed);
  return json::object();
}

MethodResult client_cancelled(const MethodCall& call) {
  const auto id = call.params.find("requestId");
  if (id == call.params.end() || !rpc::is_valid_id(*id) || !call.scope.session) {
    return json::object();
  }
  log::info("mcp", "client cancelled a request",
            {{"request_id", *id}, {"reason", call.params.value("reason", json())}});
  call.scope.session->cancel_request(rpc::id_key(*id));
  return json::object();
}

MethodResult client_initialized(const MethodCall& call) {
  if (call.scope.session) call.scope.session->mark_ready();
  log::debug("mcp", "client reports initialized");
  return json::object();
}

}  // namespace

void McpServer::add_lifecycle_methods() {
  // The handshake era's own methods: MCP 2026-07-28 removed them (a modern-framed one is
  // "method not found").
  table_.add({.method = "initialize",
              .modern = false,
              .before_initialize = true,
              .handler = [this](const MethodCall& call) { return initialize(call); }});
  table_.add({.method = "ping",
              .modern = false,
              .before_initialize = true,
              .handler = [](const MethodCall&) -> MethodResult { return json::object(); }});
  table_.add({.method = "logging/setLevel", .modern = false, .handler = set_log_level});
  table_.add({.method = "notifications/cancelled",
              .kind = MethodEntry::Kind::Notification,
              .before_initialize = true,
              .handler = client_cancelled});
  table_.add({.method = "notifications/initialized",
              .kind = MethodEntry::Kind::Notification,
              .before_initialize = true,
              .handler = client_initialized});
}

MethodResult McpServer::initialize(const MethodCall& call) {
  const json& params = call.params;
  const auto requested = required_string(params, "protocolVersion", "initialize");
  if (!requested) return tl::unexpected(requested.error());
  const auto caps = params.find("capabilities");
  if (caps == params.end() || !caps->is_object()) {
    return rpc_fail(rpc::kInvalidParams,
                    "Invalid params: initialize needs \"capabilities\" as an object");
  }
  const auto client = params.find("clientInfo");
  if (client == params.end() || !client->is_object() || !client->contains("name") ||
      !(*client)["name"].is_string() || !client->contains("version") ||
      !(*client)["version"].is_string()) {
    return rpc_fail(rpc::kInvalidParams,
                    "Invalid params: initialize needs \"clientInfo\" with string \"name\" and "
                    "\"version\"");
  }
  const ProtocolVersion version = negotiate(*requested);
  if (!call.scope.session || !call.scope.session->initialize(version, *client, *caps)) {
    return rpc_fail(rpc::kInvalidRequest,
                    "Invalid Request: this session is already initialized; initialize is sent "
                    "once per session");
  }
  log::info("mcp", "session initialized",
            {{"client", (*client)["name"]},
             {"client_version", (*client)["version"]},
             {"requested_version", *requested},
             {"protocol_version", to_string(version)}});

  const ServerInfo& info = options_.info;
  json server_info = {{"name", info.name}, {"version", info.version}};
  if (version >= ProtocolVersion::V2025_06_18) server_info["title"] = info.title;
  if (version >= ProtocolVersion::V2025_11_25) server_info["description"] = info.description;
  json result = {{"protocolVersion", to_string(version)},
                 {"capabilities", capabilities(Era::Legacy, version)},
                 {"serverInfo", std::move(server_info)}};
  if (!info.instructions.empty()) result["instructions"] = info.instructions;
  return result;
}

}  // namespace nmcp::mcp
