#include "mcp/server/mcp_server.h"

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <exception>
#include <optional>
#include <utility>
#include <variant>
#include <vector>

#include "core/base/base64.h"
#include "core/base/crypto.h"
#include "core/base/logging.h"
#include "core/base/opaque_cursor.h"
#include "core/base/redact.h"
#include "mcp/protocol/version.h"
#include "mcp/server/request_context.h"

namespace nmcp::mcp {

using json = nlohmann::json;
namespace rpc = jsonrpc;

namespace {

// A JSON-RPC error raised while handling a request; caught in handle_request.
struct RpcError {
  int code;
  std::string message;
  json data = nullptr;
};

const json& params_object(const rpc::Message& m) {
  static const json kEmpty = json::object();
  if (m.params.is_null()) return kEmpty;
  if (!m.params.is_object()) {
    throw RpcError{rpc::kInvalidParams, "Invalid params: \"params\" must be an object"};
  }
  return m.params;
}

std::string require_string(const json& params, const char* key, const char* context) {
  const auto it = params.find(key);
  if (it == params.end() || !it->is_string()) {
    throw RpcError{rpc::kInvalidParams, std::string("Invalid params: ") + context + " needs \"" +
                                            key + "\" as a string"};
  }
  return it->get<std::string>();
}

// Trace ids only need to be unique enough to find a request in the logs, not unguessable, so a
// per-thread generator seeded once from the OS replaces a CSPRNG call per request.
std::string new_trace_id() {
  thread_local std::uint64_t state = [] {
    const std::string seed = random_hex(8);
    return std::stoull(seed, nullptr, 16) | 1U;
  }();
  // splitmix64
  std::uint64_t z = (state += 0x9E3779B97F4A7C15ULL);
  z = (z ^ (z >> 30U)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27U)) * 0x94D049BB133111EBULL;
  z ^= z >> 31U;
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out(16, '0');
  for (int i = 15; i >= 0; --i, z >>= 4U) out[static_cast<std::size_t>(i)] = kDigits[z & 0xFU];
  return out;
}

json supported_levels() {
  json levels = json::array();
  for (auto l :
       {McpLogLevel::Debug, McpLogLevel::Info, McpLogLevel::Notice, McpLogLevel::Warning,
        McpLogLevel::Error, McpLogLevel::Critical, McpLogLevel::Alert, McpLogLevel::Emergency}) {
    levels.push_back(to_string(l));
  }
  return levels;
}

}  // namespace

McpServer::McpServer(ServerOptions options, const ToolRegistry& tools, ThreadPool& executor,
                     const ResourceProvider* resources)
    : options_(std::move(options)),
      tools_(tools),
      executor_(executor),
      resources_(resources),
      middleware_{log_calls()},
      tenant_calls_(std::make_shared<TenantCalls>(options_.call_limits.per_tenant)) {}

void McpServer::handle_text(const std::shared_ptr<Session>& session, std::string_view text,
                            const std::shared_ptr<Outbound>& out, ToolDispatch dispatch) {
  auto value = rpc::parse(text, options_.parse_limits);
  if (!value) {
    out->complete(rpc::make_error(nullptr, rpc::kParseError,
                                  rpc::parse_error_message(text, options_.parse_limits)));
    return;
  }
  handle(session, *value, out, dispatch);
}

void McpServer::handle(const std::shared_ptr<Session>& session, const json& message,
                       const std::shared_ptr<Outbound>& out, ToolDispatch dispatch) {
  session->touch();
  auto classified = rpc::classify(message);
  if (const auto* invalid = std::get_if<rpc::Invalid>(&classified)) {
    out->complete(rpc::make_error(invalid->id, invalid->code, invalid->message));
    return;
  }
  const auto& m = std::get<rpc::Message>(classified);
  switch (m.kind) {
    case rpc::Kind::Response:
      // This server sends no requests, so there is nothing to match a response to.
      log::debug("mcp", "ignoring a response from the client", {{"id", m.id}});
      out->complete(std::nullopt);
      return;
    case rpc::Kind::Notification:
      try {
        handle_notification(session, m);
      } catch (const std::exception& e) {
        log::error("mcp", "notification handler failed",
                   {{"method", m.method}, {"what", e.what()}});
      }
      out->complete(std::nullopt);
      return;
    case rpc::Kind::Request:
      handle_request(session, m, out, new_trace_id(), dispatch);
      return;
  }
}

void McpServer::handle_request(const std::shared_ptr<Session>& session, const rpc::Message& m,
                               const std::shared_ptr<Outbound>& out, const std::string& trace_id,
                               ToolDispatch dispatch) {
  try {
    if (m.method.rfind("notifications/", 0) == 0) {
      throw RpcError{rpc::kInvalidRequest, "Invalid Request: \"" + m.method.substr(0, 100) +
                                               "\" is a notification; send it without an \"id\""};
    }
    if (m.method == "initialize") {
      out->complete(rpc::make_result(m.id, initialize(*session, m)));
      return;
    }
    if (m.method == "ping") {
      params_object(m);
      out->complete(rpc::make_result(m.id, json::object()));
      return;
    }
    if (m.method == "server/discover") throw RpcError{rpc::kMethodNotFound, kDiscoverNotSpoken};
    if (!session->initialized()) {
      throw RpcError{rpc::kInvalidRequest,
                     "Server not initialized: send initialize before \"" + m.method + "\""};
    }
    if (m.method == "tools/list") {
      out->complete(rpc::make_result(m.id, list_tools(*session, m)));
    } else if (m.method == "tools/call") {
      call_tool(session, m, out, trace_id, dispatch);
    } else if (m.method == "logging/setLevel") {
      out->complete(rpc::make_result(m.id, set_log_level(*session, m)));
    } else if (resources_ != nullptr && m.method == "resources/list") {
      out->complete(rpc::make_result(m.id, list_resources(*session, m)));
    } else if (resources_ != nullptr && m.method == "resources/templates/list") {
      out->complete(rpc::make_result(m.id, list_resource_templates(*session, m)));
    } else if (resources_ != nullptr && m.method == "resources/read") {
      CallInfo call;
      call.kind = CallInfo::Kind::Resource;
      call.name = "resources/read";
      call.tenant = session->principal().tenant;
      call.trace_id = trace_id;
      if (const auto uri = m.params.find("uri"); uri != m.params.end() && uri->is_string()) {
        call.detail = uri->get<std::string>();
      }
      out->complete(rpc::make_result(
          m.id, run_chain(middleware_, call, [&] { return read_resource(*session, m); })));
    } else {
      throw RpcError{rpc::kMethodNotFound, "Method not found: " + m.method};
    }
  } catch (const RpcError& e) {
    log::debug("mcp", "request rejected",
               {{"method", m.method}, {"code", e.code}, {"trace_id", trace_id}});
    out->complete(rpc::make_error(m.id, e.code, e.message, e.data));
  } catch (const std::exception& e) {
    log::error("mcp", "request failed with an internal error",
               {{"method", m.method}, {"trace_id", trace_id}, {"what", e.what()}});
    out->complete(
        rpc::make_error(m.id, rpc::kInternalError, "Internal error (trace id " + trace_id + ")"));
  }
}

void McpServer::handle_notification(const std::shared_ptr<Session>& session,
                                    const rpc::Message& m) {
  if (m.method == "notifications/cancelled") {
    if (!m.params.is_object()) return;
    const auto id = m.params.find("requestId");
    if (id == m.params.end() || !rpc::is_valid_id(*id)) return;
    log::info("mcp", "client cancelled a request",
              {{"request_id", *id}, {"reason", m.params.value("reason", json())}});
    session->cancel_request(rpc::id_key(*id));
    return;
  }
  if (m.method == "notifications/initialized") {
    session->mark_ready();
    log::debug("mcp", "client reports initialized");
    return;
  }
  // Unknown notifications are ignored, as the protocol requires.
  log::debug("mcp", "ignoring notification", {{"method", m.method}});
}

json McpServer::initialize(Session& session, const rpc::Message& m) {
  const json& params = params_object(m);
  const std::string requested = require_string(params, "protocolVersion", "initialize");
  const auto caps = params.find("capabilities");
  if (caps == params.end() || !caps->is_object()) {
    throw RpcError{rpc::kInvalidParams,
                   "Invalid params: initialize needs \"capabilities\" as an object"};
  }
  const auto client = params.find("clientInfo");
  if (client == params.end() || !client->is_object() || !client->contains("name") ||
      !(*client)["name"].is_string() || !client->contains("version") ||
      !(*client)["version"].is_string()) {
    throw RpcError{rpc::kInvalidParams,
                   "Invalid params: initialize needs \"clientInfo\" with string \"name\" and "
                   "\"version\""};
  }
  const ProtocolVersion version = negotiate(requested);
  if (!session.initialize(version, *client)) {
    throw RpcError{rpc::kInvalidRequest,
                   "Invalid Request: this session is already initialized; initialize is sent "
                   "once per session"};
  }
  log::info("mcp", "session initialized",
            {{"client", (*client)["name"]},
             {"client_version", (*client)["version"]},
             {"requested_version", requested},
             {"protocol_version", to_string(version)}});

  const ServerInfo& info = options_.info;
  json server_info = {{"name", info.name}, {"version", info.version}};
  if (version >= ProtocolVersion::V2025_06_18) server_info["title"] = info.title;
  if (version >= ProtocolVersion::V2025_11_25) server_info["description"] = info.description;
  json capabilities = {{"tools", {{"listChanged", false}}}, {"logging", json::object()}};
  if (resources_ != nullptr)
    capabilities["resources"] = {{"listChanged", false}, {"subscribe", false}};
  json result = {{"protocolVersion", to_string(version)},
                 {"capabilities", std::move(capabilities)},
                 {"serverInfo", std::move(server_info)}};
  if (!info.instructions.empty()) result["instructions"] = info.instructions;
  return result;
}

json McpServer::list_tools(const Session& session, const rpc::Message& m) const {
  const json& params = params_object(m);
  std::size_t offset = 0;
  if (const auto cursor = params.find("cursor"); cursor != params.end() && !cursor->is_null()) {
    const auto decoded = cursor->is_string()
                             ? decode_opaque_cursor("tools", cursor->get<std::string>())
                             : std::nullopt;
    if (!decoded) {
      throw RpcError{rpc::kInvalidParams,
                     "Invalid params: unknown cursor; pass the nextCursor of a previous "
                     "tools/list result, or no cursor for the first page"};
    }
    offset = *decoded;
  }
  const ProtocolVersion version = session.protocol_version();
  std::vector<const ToolRegistry::Entry*> visible;
  const Principal principal = session.principal();
  for (const auto& e : tools_.entries()) {
    if (allows(principal, e.definition)) visible.push_back(&e);
  }
  if (offset > visible.size()) {
    throw RpcError{rpc::kInvalidParams, "Invalid params: the cursor is past the end of the list"};
  }
  const std::size_t page = std::max<std::size_t>(1, options_.tools_page_size);
  const std::size_t end = std::min(visible.size(), offset + page);
  json tools = json::array();
  for (std::size_t i = offset; i < end; ++i) {
    tools.push_back(ToolRegistry::describe(*visible[i], version));
  }
  json result = {{"tools", std::move(tools)}};
  if (end < visible.size()) result["nextCursor"] = encode_opaque_cursor("tools", end);
  return result;
}

json McpServer::set_log_level(Session& session, const rpc::Message& m) const {
  const json& params = params_object(m);
  const auto level = params.find("level");
  const auto parsed = level != params.end() && level->is_string()
                          ? parse_mcp_log_level(level->get<std::string>())
                          : std::nullopt;
  if (!parsed) {
    throw RpcError{rpc::kInvalidParams,
                   "Invalid params: \"level\" must be one of debug, info, notice, warning, "
                   "error, critical, alert, emergency",
                   json{{"supported", supported_levels()}}};
  }
  session.set_log_level(*parsed);
  return json::object();
}

namespace {

// A URI fit to quote back in an error: a client may send megabytes of one.
std::string quotable_uri(const std::string& uri) {
  constexpr std::size_t kMax = 200;
  return uri.size() <= kMax ? uri : uri.substr(0, kMax) + "...";
}

// A provider's error as the JSON-RPC error resources/* answer with.
[[noreturn]] void resource_error(const Error& e, const std::string& uri) {
  const std::string text = e.hint.empty() ? e.message : e.message + " (" + e.hint + ")";
  if (e.code == ErrorCode::NotFound) {
    throw RpcError{rpc::kResourceNotFound, text, json{{"uri", quotable_uri(uri)}}};
  }
  if (e.code == ErrorCode::InvalidArgument || e.code == ErrorCode::FailedPrecondition) {
    throw RpcError{rpc::kInvalidParams, "Invalid params: " + text};
  }
  throw RpcError{rpc::kInternalError, "Internal error: " + text};
}

}  // namespace

json McpServer::list_resources(const Session& session, const rpc::Message& m) const {
  const json& params = params_object(m);
  std::string cursor;
  if (const auto c = params.find("cursor"); c != params.end() && !c->is_null()) {
    const auto decoded = c->is_string() ? base64url_decode(c->get<std::string>()) : std::nullopt;
    if (!decoded || decoded->rfind("res:", 0) != 0) {
      throw RpcError{rpc::kInvalidParams,
                     "Invalid params: unknown cursor; pass the nextCursor of a previous "
                     "resources/list result, or no cursor for the first page"};
    }
    cursor = decoded->substr(4);
  }
  const Principal principal = session.principal();
  auto page = resources_->list(principal, cursor);
  if (!page) resource_error(page.error(), "");
  const bool titles = session.protocol_version() >= ProtocolVersion::V2025_06_18;
  json list = json::array();
  for (const auto& r : page->resources) {
    if (principal.may_use(r.tool)) list.push_back(resource_json(r, titles));
  }
  json result = {{"resources", std::move(list)}};
  if (!page->next_cursor.empty())
    result["nextCursor"] = base64url_encode("res:" + page->next_cursor);
  return result;
}

json McpServer::list_resource_templates(const Session& session, const rpc::Message& m) const {
  params_object(m);
  const bool titles = session.protocol_version() >= ProtocolVersion::V2025_06_18;
  json list = json::array();
  const Principal principal = session.principal();
  for (const auto& t : resources_->templates()) {
    if (principal.may_use(t.tool)) list.push_back(template_json(t, titles));
  }
  return {{"resourceTemplates", std::move(list)}};
}

bool McpServer::allows(const Principal& principal, const ToolDefinition& tool) {
  return principal.may_use(tool.name) &&
         (!principal.read_only || tool.annotations.read_only.value_or(false));
}

void McpServer::decide(const Principal& principal, const std::string& tool, bool allowed,
                       std::string rule, const std::string& trace_id) const {
  if (!options_.on_decision) return;
  options_.on_decision({principal.tenant, tool, allowed, std::move(rule), trace_id});
}

json McpServer::read_resource(const Session& session, const rpc::Message& m) const {
  const json& params = params_object(m);
  const std::string uri = require_string(params, "uri", "resources/read");
  // Checked before the read, so a refusal says nothing about whether the resource exists.
  const Principal principal = session.principal();
  if (const std::string tool = resources_->tool_for(uri); !principal.may_use(tool)) {
    decide(principal, "resources/read", false,
           "the API key's tools= list does not include " +
               (tool.empty() ? std::string("the resource's tool") : tool),
           "");
    throw RpcError{rpc::kInvalidParams,
                   "Invalid params: this API key may not read " + quotable_uri(uri) +
                       (tool.empty() ? std::string()
                                     : ": its tools= list does not include " + tool +
                                           ", the tool that returns the same data") +
                       ". Ask the operator for a key that allows it."};
  }
  auto contents = resources_->read(principal, uri);
  if (!contents) resource_error(contents.error(), uri);
  json list = json::array();
  for (const auto& c : *contents) list.push_back(contents_json(c));
  return {{"contents", std::move(list)}};
}

void McpServer::call_tool(const std::shared_ptr<Session>& session, const rpc::Message& m,
                          const std::shared_ptr<Outbound>& out, const std::string& trace_id,
                          ToolDispatch dispatch) {
  const json& params = params_object(m);
  const std::string name = require_string(params, "name", "tools/call");
  json arguments = json::object();
  if (const auto args = params.find("arguments"); args != params.end() && !args->is_null()) {
    if (!args->is_object()) {
      throw RpcError{rpc::kInvalidParams,
                     "Invalid params: tools/call \"arguments\" must be an object"};
    }
    arguments = *args;
  }
  const ToolRegistry::Entry* entry = tools_.find(name);
  const Principal principal = session->principal();
  const bool allowed = entry != nullptr && allows(principal, entry->definition);
  if (entry != nullptr) {
    // Refusals always; allowed calls only of tools that change something.
    if (!allowed || !entry->definition.annotations.read_only.value_or(false)) {
      decide(principal, name, allowed,
             !principal.may_use(name)  ? "the API key's tools= list does not include " + name
             : !allowed                ? "the API key is read-only and " + name + " is not"
             : principal.allowed_tools ? "the API key's tools= list includes " + name
                                       : "the API key may call every tool",
             trace_id);
    }
  }
  if (!allowed) {
    throw RpcError{rpc::kInvalidParams,
                   "Unknown tool: \"" + name + "\". Call tools/list for the available tools."};
  }
  json progress_token;
  if (const auto meta = params.find("_meta"); meta != params.end() && meta->is_object()) {
    if (const auto token = meta->find("progressToken");
        token != meta->end() && rpc::is_valid_id(*token)) {
      progress_token = *token;
    }
  }

  auto context = std::make_shared<RequestContext>(m.id, progress_token, out, session, trace_id);
  const std::string key = rpc::id_key(m.id);
  const std::string tenant = principal.tenant;
  std::shared_ptr<TenantCalls::Slot> tenant_slot = tenant_calls_->try_acquire(tenant);
  if (!tenant_slot) {
    throw RpcError{
        rpc::kServerBusy,
        "Server busy: this tenant already has " + std::to_string(tenant_calls_->in_flight(tenant)) +
            " tool calls in flight, its limit is " + std::to_string(tenant_calls_->limit()) +
            "; retry when one of them has finished",
        json{{"limit", "calls_per_tenant"}, {"max", tenant_calls_->limit()}}};
  }
  switch (session->add_request(key, context, options_.call_limits.per_session)) {
    case Session::Added::Yes:
      break;
    case Session::Added::Closed:
      throw RpcError{rpc::kInvalidRequest, "Invalid Request: the session has ended"};
    case Session::Added::DuplicateId:
      throw RpcError{rpc::kInvalidRequest,
                     "Invalid Request: a request with this id is already in flight; use a new "
                     "id for each request"};
    case Session::Added::Full:
      throw RpcError{
          rpc::kServerBusy,
          "Server busy: this session already has " +
              std::to_string(options_.call_limits.per_session) +
              " tool calls in flight, its limit; retry when one of them has finished",
          json{{"limit", "calls_per_session"}, {"max", options_.call_limits.per_session}}};
  }
  const ProtocolVersion version = session->protocol_version();
  CallInfo call;
  call.name = entry->definition.name;
  call.tenant = session->principal().tenant;
  call.trace_id = trace_id;
  call.context = context.get();
  auto job = [this, session, context, entry, arguments = std::move(arguments), out, key, version,
              id = m.id, call = std::move(call), tenant_slot]() mutable {
    std::optional<json> response;
    try {
      response = rpc::make_result(id, run_chain(middleware_, call, [&] {
                                    return ToolRegistry::call(*entry, arguments, *context, version);
                                  }));
    } catch (const std::exception& e) {
      log::error("mcp", "tools/call failed with an internal error",
                 {{"trace_id", context->trace_id()}, {"what", e.what()}});
      response = rpc::make_error(id, rpc::kInternalError,
                                 "Internal error (trace id " + context->trace_id() + ")");
    }
    session->remove_request(key);
    tenant_slot.reset();
    context->finish();
    const bool cancelled = context->cancelled();
    // A cancelled request gets no response at all (the protocol forbids one).
    out->complete(cancelled ? std::nullopt : std::move(response));
  };
  if (dispatch == ToolDispatch::Caller) {
    job();
    return;
  }
  if (!executor_.try_submit(std::move(job))) {
    session->remove_request(key);
    throw RpcError{rpc::kServerBusy,
                   "Server busy: too many tool calls in progress; retry in a few seconds"};
  }
}

}  // namespace nmcp::mcp
