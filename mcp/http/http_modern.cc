// Streamable HTTP for MCP 2026-07-28 requests: the edge checks of the modern framing, in the
// order the revision gives them (the protocol version in the header against the body's, the
// version itself, the rest of `_meta`, then the Mcp-Method and Mcp-Name headers), each refused
// with HTTP 400; then the request is served on a session of its own, which only tracks it for
// cancellation (a client that closes the connection cancels it). Mcp-Session-Id is ignored.
// subscriptions/listen and a call that asked for progress are answered with an event stream.
// A method the revision lacks is answered 404, a missing client capability 400, everything
// else in-band with 200.
#include "mcp/http/http_transport_internal.h"
#include "mcp/protocol/header_params.h"
#include "mcp/server/request_scope.h"

namespace nmcp::mcp {

namespace {

HttpResponse refusal(int status, const json& id, const RpcError& e) {
  return HttpResponse{status, "application/json",
                      dump(rpc::make_error(id, e.code, e.message, e.data))};
}

RpcError mismatch(const std::string& header, const std::string& what) {
  return RpcError{kHeaderMismatch, "Bad Request: the request headers and body disagree: " + what,
                  json{{"mismatch", {{"header", header}, {"body", what}}}}};
}

// The body member Mcp-Name mirrors, for the methods that have one.
const char* name_member(const std::string& method) {
  if (method == "tools/call" || method == "prompts/get") return "name";
  if (method == "resources/read") return "uri";
  if (method == "tasks/get" || method == "tasks/update" || method == "tasks/cancel") {
    return "taskId";
  }
  return nullptr;
}

// The Mcp-Param-* headers of a tools/call against its arguments: each argument the tool
// mirrors (x-mcp-header) and the body carries needs its header with the same value; a header
// for an argument the body lacks is a disagreement too.
std::optional<RpcError> param_headers_disagree(const HttpRequest& req, const json& params,
                                               const std::vector<HeaderParam>& mirrored) {
  const auto args = params.find("arguments");
  for (const auto& p : mirrored) {
    const std::string header = "Mcp-Param-" + p.header;
    const std::string key = ascii_lower(header);  // as the request's header names are kept
    const json* value = nullptr;
    if (args != params.end() && args->is_object()) {
      if (const auto v = args->find(p.property); v != args->end() && !v->is_null()) value = &*v;
    }
    const bool sent = req.has_header(key);
    if (value == nullptr && !sent) continue;
    if (value == nullptr) {
      return mismatch(header, "the header is sent and arguments." + p.property + " is not");
    }
    if (!sent) {
      return mismatch(header, "the header is missing; send arguments." + p.property + " in it");
    }
    const auto text = header_value_text(req.header(key));
    if (!text) return mismatch(header, "the header's base64 value does not decode");
    if (!mirrors(p, *text, *value)) {
      return mismatch(header, "the header and arguments." + p.property + " differ");
    }
  }
  return std::nullopt;
}

// The HTTP status a modern answer travels with: the revision's 404 for a method it lacks and
// 400 for a missing client capability; every other error is in-band.
int status_of(const json& response) {
  const auto error = response.find("error");
  if (error == response.end() || !error->is_object()) return 200;
  const int code = error->value("code", 0);
  if (code == rpc::kMethodNotFound) return 404;
  if (code == kMissingRequiredClientCapability) return 400;
  return 200;
}

}  // namespace

bool HttpTransport::Impl::claims_modern(const json& message) {
  if (!message.is_object()) return false;
  const auto params = message.find("params");
  return params != message.end() && claims_modern_framing(*params);
}

std::optional<HttpResponse> HttpTransport::Impl::post_modern(
    const HttpRequest& req, const json& message, AcceptSet accept,
    const std::shared_ptr<Responder>& out) {
  auto classified = rpc::classify(message);
  if (const auto* invalid = std::get_if<rpc::Invalid>(&classified)) {
    return refusal(400, invalid->id, RpcError{invalid->code, invalid->message});
  }
  const auto& m = std::get<rpc::Message>(classified);
  if (m.kind == rpc::Kind::Response) {
    return refusal(400, nullptr,
                   RpcError{rpc::kInvalidRequest,
                            "Invalid Request: MCP 2026-07-28 clients answer no server requests; "
                            "send requests and notifications only"});
  }
  const bool request = m.kind == rpc::Kind::Request;
  const std::string header = req.header("mcp-protocol-version");
  if (request) {
    const bool claimed = claims_modern_framing(m.params);
    const json* version = claimed ? &m.params["_meta"][kMetaProtocolVersion] : nullptr;
    if (version == nullptr) {
      return refusal(
          400, m.id,
          RpcError{rpc::kInvalidParams,
                   std::string("Invalid params: MCP-Protocol-Version names a "
                               "2026-07-28 revision, so params._meta needs \"") +
                       kMetaProtocolVersion + "\" and \"" + kMetaClientCapabilities + "\""});
    }
    if (!req.has_header("mcp-protocol-version")) {
      return refusal(400, m.id,
                     mismatch("MCP-Protocol-Version",
                              "the header is missing; send the version params._meta names"));
    }
    if (!version->is_string() || version->get<std::string>() != header) {
      return refusal(
          400, m.id,
          mismatch("MCP-Protocol-Version", "the header says \"" + printable(header) +
                                               "\" and params._meta names another version"));
    }
    // The version itself, then the rest of the envelope.
    const std::shared_ptr<Session> probe =
        Session::preinitialized(principal_of(req), kLatestVersion, default_level());
    if (auto scope = scope_from_meta(probe->principal(), m, kModernVersions, ""); !scope) {
      return refusal(400, m.id, scope.error());
    }
    const std::string method_header = req.header("mcp-method");
    if (!req.has_header("mcp-method") || header_value_text(method_header) != m.method) {
      return refusal(400, m.id,
                     mismatch("Mcp-Method", req.has_header("mcp-method")
                                                ? "the header says \"" + printable(method_header) +
                                                      "\" and the body's method is another"
                                                : "the header is missing; send the body's "
                                                  "method in it"));
    }
    if (const char* member = name_member(m.method); member != nullptr) {
      const auto it = m.params.find(member);
      if (it != m.params.end() && it->is_string()) {
        const std::string raw = req.header("mcp-name");
        if (!req.has_header("mcp-name")) {
          return refusal(400, m.id,
                         mismatch("Mcp-Name", std::string("the header is missing; send params.") +
                                                  member + " in it"));
        }
        const auto decoded = header_value_text(raw);
        if (!decoded || *decoded != it->get<std::string>()) {
          return refusal(400, m.id,
                         mismatch("Mcp-Name", decoded ? std::string("the header and params.") +
                                                            member + " differ"
                                                      : "the header's base64 value does not "
                                                        "decode"));
        }
      }
    }
  }

  if (request && m.method == "tools/call") {
    const auto name = m.params.find("name");
    if (name != m.params.end() && name->is_string()) {
      const auto mirrored = server.header_params(principal_of(req), name->get<std::string>());
      if (auto refused = param_headers_disagree(req, m.params, mirrored)) {
        return refusal(400, m.id, *refused);
      }
    }
  }

  // Served alone: the session lends the request only the caller and its cancellation.
  const std::shared_ptr<Session> session =
      Session::preinitialized(principal_of(req), kLatestVersion, default_level());
  cancel_on_disconnect(message, session, out);
  // A subscription lives on its POST's event stream; so does a call that reports progress.
  const bool listen = request && m.method == "subscriptions/listen";
  if (listen && !accept.sse) {
    return refusal(406, m.id,
                   RpcError{rpc::kInvalidRequest,
                            "Not Acceptable: subscriptions/listen answers with an event stream; "
                            "send Accept: text/event-stream"});
  }
  if (listen || (accept.sse && wants_progress(message))) {
    answer_streaming(session, message, out);
    return std::nullopt;
  }
  auto reply = std::make_shared<BufferedReply>(accept.sse);
  server.handle(session, message, reply, ToolDispatch::Caller);
  const auto response = reply->response();
  if (!response) return HttpResponse{202, "", ""};
  const int status = status_of(*response);
  const auto notifications = reply->notifications();
  if (status != 200 || (accept.json && notifications.empty())) {
    return HttpResponse{status, "application/json", dump(*response)};
  }
  HttpResponse events = sse_head();
  for (const auto& n : notifications) events.body += sse_event(n);
  events.body += sse_event(*response);
  return events;
}

}  // namespace nmcp::mcp
