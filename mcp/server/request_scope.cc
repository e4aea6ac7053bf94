#include "mcp/server/request_scope.h"

#include <utility>

namespace nmcp::mcp {

using json = nlohmann::json;

std::optional<McpLogLevel> RequestScope::current_log_level() const {
  if (era == Era::Legacy && session) return session->log_level();
  return log_level;
}

bool RequestScope::client_declares(std::string_view capability) const {
  return client_capabilities.is_object() && client_capabilities.contains(capability);
}

bool RequestScope::client_declares_extension(std::string_view extension) const {
  const auto it = client_capabilities.find("extensions");
  return it != client_capabilities.end() && it->is_object() && it->contains(extension);
}

bool claims_modern_framing(const json& params) {
  if (!params.is_object()) return false;
  const auto meta = params.find("_meta");
  return meta != params.end() && meta->is_object() && meta->contains(kMetaProtocolVersion);
}

RpcError missing_capability(json capabilities, const std::string& why) {
  return RpcError{kMissingRequiredClientCapability,
                  "Missing required client capability: " + why +
                      "; declare what data.requiredCapabilities names in this request's "
                      "params._meta \"" +
                      kMetaClientCapabilities + "\"",
                  json{{"requiredCapabilities", std::move(capabilities)}}};
}

json RequestScope::undeclared(const json& required) const {
  json missing = json::object();
  for (const auto& [key, value] : required.items()) {
    if (key != "extensions") {
      if (!client_declares(key)) missing[key] = value;
      continue;
    }
    for (const auto& [extension, settings] : value.items()) {
      if (!client_declares_extension(extension)) missing["extensions"][extension] = settings;
    }
  }
  return missing;
}

json progress_token_of(const json& params) {
  if (!params.is_object()) return nullptr;
  const auto meta = params.find("_meta");
  if (meta == params.end() || !meta->is_object()) return nullptr;
  const auto token = meta->find("progressToken");
  if (token == meta->end() || !jsonrpc::is_valid_id(*token)) return nullptr;
  return *token;
}

RequestScope scope_from_session(const std::shared_ptr<Session>& session,
                                const jsonrpc::Message& message, std::string trace_id) {
  RequestScope scope;
  scope.era = Era::Legacy;
  scope.version = session->protocol_version();
  scope.version_text = std::string(to_string(scope.version));
  scope.principal = session->principal();
  scope.client_capabilities = session->client_capabilities();
  scope.client_info = session->client_info();
  scope.log_level = session->log_level();
  scope.progress_token = progress_token_of(message.params);
  scope.request_id = message.id;
  scope.method = message.method;
  scope.trace_id = std::move(trace_id);
  scope.session = session;
  return scope;
}

tl::expected<RequestScope, RpcError> scope_from_meta(Principal principal,
                                                     const jsonrpc::Message& message,
                                                     std::span<const std::string_view> supported,
                                                     std::string trace_id) {
  const json* meta = nullptr;
  if (message.params.is_object()) {
    const auto it = message.params.find("_meta");
    if (it != message.params.end() && it->is_object()) meta = &*it;
  }
  const auto field = [&](const char* key) -> const json* {
    if (meta == nullptr) return nullptr;
    const auto it = meta->find(key);
    return it == meta->end() ? nullptr : &*it;
  };
  const json* version = field(kMetaProtocolVersion);
  if (version == nullptr || !version->is_string()) {
    return rpc_fail(jsonrpc::kInvalidParams, std::string("Invalid params: params._meta needs \"") +
                                                 kMetaProtocolVersion + "\" as a string");
  }
  const std::string requested = version->get<std::string>();
  bool known = false;
  for (const auto v : supported) known = known || v == requested;
  if (!known) {
    json list = json::array();
    for (const auto v : supported) list.push_back(v);
    return rpc_fail(kUnsupportedProtocolVersion,
                    "Unsupported protocol version: " + requested.substr(0, 40) +
                        "; this server speaks the versions in data.supported",
                    json{{"supported", std::move(list)}, {"requested", requested.substr(0, 40)}});
  }
  const json* caps = field(kMetaClientCapabilities);
  if (caps == nullptr || !caps->is_object()) {
    return rpc_fail(jsonrpc::kInvalidParams, std::string("Invalid params: params._meta needs \"") +
                                                 kMetaClientCapabilities +
                                                 "\" as an object ({} when it declares none)");
  }
  RequestScope scope;
  scope.era = Era::Modern;
  scope.version = kLatestVersion;
  scope.version_text = requested;
  scope.principal = std::move(principal);
  scope.client_capabilities = *caps;
  if (const json* info = field(kMetaClientInfo); info != nullptr && info->is_object()) {
    scope.client_info = *info;
  }
  if (const json* level = field(kMetaLogLevel); level != nullptr) {
    const auto parsed =
        level->is_string() ? parse_mcp_log_level(level->get<std::string>()) : std::nullopt;
    if (!parsed) {
      return rpc_fail(jsonrpc::kInvalidParams,
                      std::string("Invalid params: params._meta \"") + kMetaLogLevel +
                          "\" must be one of debug, info, notice, warning, error, critical, "
                          "alert, emergency");
    }
    scope.log_level = *parsed;
  }
  scope.progress_token = progress_token_of(message.params);
  scope.request_id = message.id;
  scope.method = message.method;
  scope.trace_id = std::move(trace_id);
  return scope;
}

}  // namespace nmcp::mcp
