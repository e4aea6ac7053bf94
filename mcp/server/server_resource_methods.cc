// The resource methods of the table (with a resource provider only): resources/list and
// resources/templates/list (filtered by the tools the caller may use) and resources/read
// (authorised by the tool that returns the same data, before anything is read).

#include "core/base/base64.h"
#include "mcp/server/mcp_server.h"
#include "mcp/server/method_params.h"

namespace nmcp::mcp {

using json = nlohmann::json;
namespace rpc = jsonrpc;

namespace {

// A URI fit to quote back in an error: a client may send megabytes of one.
std::string quotable_uri(const std::string& uri) {
  constexpr std::size_t kMax = 200;
  return uri.size() <= kMax ? uri : uri.substr(0, kMax) + "...";
}

// A provider's error as the JSON-RPC error resources/* answer with.
// An unknown resource is -32002 in the legacy era and -32602 from 2026-07-28 on (which retired
// -32002), with the uri in data either way.
tl::unexpected<RpcError> resource_error(const Error& e, const std::string& uri, Era era) {
  const std::string text = e.hint.empty() ? e.message : e.message + " (" + e.hint + ")";
  if (e.code == ErrorCode::NotFound) {
    return rpc_fail(era == Era::Modern ? rpc::kInvalidParams : rpc::kResourceNotFound,
                    era == Era::Modern ? "Invalid params: " + text : text,
                    json{{"uri", quotable_uri(uri)}});
  }
  if (e.code == ErrorCode::InvalidArgument || e.code == ErrorCode::FailedPrecondition) {
    return rpc_fail(rpc::kInvalidParams, "Invalid params: " + text);
  }
  return rpc_fail(rpc::kInternalError, "Internal error: " + text);
}

}  // namespace

void McpServer::add_resource_methods() {
  // Resources change as scans finish: a client may keep a list or a read for no time at all.
  table_.add({.method = "resources/list",
              .cache = CacheHint{.ttl_ms = 0, .shared = false},
              .handler = [this](const MethodCall& call) { return list_resources(call); }});
  table_.add({.method = "resources/templates/list",
              .cache = CacheHint{.ttl_ms = 60000, .shared = false},
              .handler = [this](const MethodCall& call) { return list_resource_templates(call); }});
  table_.add(
      {.method = "resources/read",
       .cache = CacheHint{.ttl_ms = 0, .shared = false},
       // Checked before the read, so a refusal says nothing about whether the resource exists.
       .authorise =
           [this](const RequestScope& scope, const json& params) {
             Authorisation decided;
             const auto uri = required_string(params, "uri", "resources/read");
             if (!uri) {
               decided.refusal = uri.error();
               return decided;
             }
             const std::string tool = resources_->tool_for(*uri);
             if (scope.principal.may_use(tool)) return decided;
             decided.audit = true;
             decided.tool = "resources/read";
             decided.rule = "the API key's tools= list does not include " +
                            (tool.empty() ? std::string("the resource's tool") : tool);
             decided.refusal =
                 RpcError{rpc::kInvalidParams,
                          "Invalid params: this API key may not read " + quotable_uri(*uri) +
                              (tool.empty() ? std::string()
                                            : ": its tools= list does not include " + tool +
                                                  ", the tool that returns the same data") +
                              ". Ask the operator for a key that allows it."};
             return decided;
           },
       .handler = [this](const MethodCall& call) { return read_resource(call); }});
}

MethodResult McpServer::list_resources(const MethodCall& call) const {
  std::string cursor;
  if (const auto c = call.params.find("cursor"); c != call.params.end() && !c->is_null()) {
    const auto decoded = c->is_string() ? base64url_decode(c->get<std::string>()) : std::nullopt;
    if (!decoded || decoded->rfind("res:", 0) != 0) {
      return rpc_fail(rpc::kInvalidParams,
                      "Invalid params: unknown cursor; pass the nextCursor of a previous "
                      "resources/list result, or no cursor for the first page");
    }
    cursor = decoded->substr(4);
  }
  const Principal& principal = call.scope.principal;
  auto page = resources_->list(principal, cursor);
  if (!page) return resource_error(page.error(), "", call.scope.era);
  const bool titles = call.scope.version >= ProtocolVersion::V2025_06_18;
  json list = json::array();
  for (const auto& r : page->resources) {
    if (principal.may_use(r.tool)) list.push_back(resource_json(r, titles));
  }
  json result = {{"resources", std::move(list)}};
  if (!page->next_cursor.empty())
    result["nextCursor"] = base64url_encode("res:" + page->next_cursor);
  return result;
}

MethodResult McpServer::list_resource_templates(const MethodCall& call) const {
  const bool titles = call.scope.version >= ProtocolVersion::V2025_06_18;
  json list = json::array();
  for (const auto& t : resources_->templates()) {
    if (call.scope.principal.may_use(t.tool)) list.push_back(template_json(t, titles));
  }
  return json{{"resourceTemplates", std::move(list)}};
}

MethodResult McpServer::read_resource(const MethodCall& call) const {
  const std::string& uri = call.detail;  // authorised: the request's uri, a string
  auto contents = resources_->read(call.scope.principal, uri);
  if (!contents) return resource_error(contents.error(), uri, call.scope.era);
  json list = json::array();
  for (const auto& c : *contents) list.push_back(contents_json(c));
  return json{{"contents", std::move(list)}};
}

}  // namespace nmcp::mcp
