// The MCP routes of the HTTP transports, on the event-driven HttpServer (http_server.h):
// admission, routing and Streamable HTTP requests; http_sessions.cc has the rest.
#include "mcp/http/http_transport_internal.h"

namespace nmcp::mcp {

HttpServerOptions HttpTransport::Impl::server_options() const {
  HttpServerOptions s;
  s.host = opts.host;
  s.port = opts.port;
  s.tls_cert_file = opts.tls_cert_file;
  s.tls_key_file = opts.tls_key_file;
  s.io_threads = opts.io_threads;
  s.request_threads = opts.request_threads;
  s.max_request_threads = opts.max_request_threads;
  s.max_connections = opts.max_connections;
  s.max_body_bytes = opts.max_body_bytes;
  s.head_timeout = opts.head_timeout;
  s.single_headers = {
      "origin",         "authorization", "content-type", "mcp-session-id", "mcp-protocol-version",
      "content-length", "mcp-method",    "mcp-name"};
  return s;
}

HttpHandlers HttpTransport::Impl::handlers() {
  HttpHandlers h;
  h.on_head = [this](const HttpRequest& head) { return admit(head); };
  h.on_request = [this](HttpRequest request, std::shared_ptr<Responder> responder) {
    route(std::move(request), responder);
  };
  h.format_error = [](int status, const std::string& message) {
    return rpc_error(status, rpc::kServerError, message);
  };
  return h;
}

HeadDecision HttpTransport::Impl::admit(const HttpRequest& req) {
  if (req.path == "/health") {
    auto r = ops_response(opts.ops, req.path);
    return HeadDecision::answer(HttpResponse{r->status, r->content_type, r->body});
  }
  if (is_ops_path(req.path)) return HeadDecision::run("~ops");  // may read the store: the pool
  const std::string host = req.header("host");
  if (!policy->host_allowed(host)) {
    log::warn("http", "rejected request with a foreign Host header",
              {{"host", printable(host)}, {"remote", req.remote}});
    const auto name = OriginPolicy::host_of(host);
    const bool own_name = name && OriginPolicy::is_loopback_name(*name);
    return HeadDecision::answer(rpc_error(
        403, rpc::kServerError,
        "Forbidden: the Host header \"" + printable(host) +
            "\" is not allowed (DNS rebinding protection" +
            (own_name ? "; a loopback name must carry the port this server listens on" : "") +
            "). Operators can allow names with --allowed-host."));
  }
  const std::string origin = req.header("origin");
  if (!policy->origin_allowed(origin)) {
    log::warn("http", "rejected request with a foreign Origin",
              {{"origin", printable(origin)}, {"remote", req.remote}});
    return HeadDecision::answer(rpc_error(403, rpc::kServerError,
                                          "Forbidden: the Origin \"" + printable(origin) +
                                              "\" is not allowed. Operators can allow origins with "
                                              "--allowed-origin."));
  }
  std::optional<Principal> principal = Principal{};
  if (opts.api_keys) principal = authenticate(req);
  if (!principal) {
    const bool presented = req.has_header("authorization");
    log::warn("http",
              presented ? "rejected an invalid API key" : "rejected a request without an API key",
              {{"remote", req.remote}, {"path", req.path}});
    return HeadDecision::answer(with_header(
        rpc_error(401, rpc::kServerError, "Unauthorized: send \"Authorization: Bearer <API key>\""),
        "WWW-Authenticate",
        presented ? R"(Bearer realm="nessus-mcp", error="invalid_token")"
                  : R"(Bearer realm="nessus-mcp")"));
  }
  if (req.method == "POST" && (req.path == "/mcp" || req.path == "/messages") &&
      !is_json_content_type(req.header("content-type"))) {
    return HeadDecision::answer(rpc_error(
        415, rpc::kServerError, "Unsupported Media Type: Content-Type must be application/json"));
  }
  return HeadDecision::run(principal->tenant, *principal);
}

std::optional<Principal> HttpTransport::Impl::authenticate(const HttpRequest& req) const {
  const std::string header = req.header("authorization");
  constexpr std::string_view kScheme = "bearer ";
  if (header.size() <= kScheme.size() || ascii_lower(header.substr(0, kScheme.size())) != kScheme) {
    return std::nullopt;
  }
  return opts.api_keys->current()->authenticate(std::string_view(header).substr(kScheme.size()));
}

const Principal& HttpTransport::Impl::principal_of(const HttpRequest& req) {
  return std::any_cast<const Principal&>(req.admitted);
}

bool HttpTransport::Impl::admit_to(const SessionEntry& e, const Principal& p) {
  if (!e.session->principal().same_key(p)) return false;
  e.session->refresh_principal(p);
  return true;
}

void HttpTransport::Impl::route(HttpRequest req, const std::shared_ptr<Responder>& out) {
  const std::string& m = req.method;
  if (req.path == "/mcp") {
    if (m == "POST") return post_mcp(std::move(req), out);
    if (m == "GET") return respond_unless_streaming(out, get_mcp(req, out));
    if (m == "DELETE") return out->respond(delete_mcp(req));
    return out->respond(with_header(rpc_error(405, rpc::kServerError, "Method Not Allowed"),
                                    "Allow", "GET, POST, DELETE"));
  }
  if (req.path == "/sse" || req.path == "/messages") {
    if (opts.stateless) {
      return out->respond(rpc_error(
          404, rpc::kServerError,
          "Not Found: this server runs stateless (for load-balanced replicas) and the legacy "
          "HTTP+SSE transport needs a session on one replica; use Streamable HTTP: POST /mcp"));
    }
    if (opts.legacy_sse && req.path == "/sse" && m == "GET") {
      return respond_unless_streaming(out, get_sse(req, out));
    }
    if (opts.legacy_sse && req.path == "/messages" && m == "POST") {
      return out->respond(post_messages(req));
    }
    if (opts.legacy_sse) {
      return out->respond(with_header(rpc_error(405, rpc::kServerError, "Method Not Allowed"),
                                      "Allow", req.path == "/sse" ? "GET" : "POST"));
    }
  }
  if (is_ops_path(req.path)) {
    if (m != "GET") {
      return out->respond(
          with_header(rpc_error(405, rpc::kServerError, "Method Not Allowed"), "Allow", "GET"));
    }
    auto r = ops_response(opts.ops, req.path);
    return out->respond(HttpResponse{r->status, r->content_type, r->body});
  }
  out->respond(rpc_error(404, rpc::kServerError, "Not Found: the MCP endpoint is /mcp"));
}

void HttpTransport::Impl::respond_unless_streaming(const std::shared_ptr<Responder>& out,
                                                   std::optional<HttpResponse> r) {
  if (r) out->respond(std::move(*r));
}

std::variant<json, HttpResponse> HttpTransport::Impl::parse_body(const HttpRequest& req) const {
  const auto& limits = server.options().parse_limits;
  auto value = rpc::parse(req.body, limits);
  if (!value) {
    return rpc_error(400, rpc::kParseError, rpc::parse_error_message(req.body, limits));
  }
  return std::move(*value);
}

void HttpTransport::Impl::post_mcp(HttpRequest req, const std::shared_ptr<Responder>& out) {
  const bool large = req.body.size() >= kLargeBody;
  auto reply = post_mcp_reply(req, out);
  if (reply) out->respond(std::move(*reply));
  if (large) release_free_memory();
}

std::optional<HttpResponse> HttpTransport::Impl::post_mcp_reply(
    HttpRequest& req, const std::shared_ptr<Responder>& out) {
  const Principal& principal = principal_of(req);
  const AcceptSet accept = parse_accept(req.header("accept"));
  if (!accept.json && !accept.sse) {
    return rpc_error(406, rpc::kServerError,
                     "Not Acceptable: Accept must include application/json and "
                     "text/event-stream");
  }
  auto parsed = parse_body(req);
  if (auto* error = std::get_if<HttpResponse>(&parsed)) return std::move(*error);
  json value = std::move(std::get<json>(parsed));
  req.body.clear();
  req.body.shrink_to_fit();
  if (value.is_array()) {
    return rpc_error(400, rpc::kInvalidRequest,
                     "Invalid Request: JSON-RPC batches are not supported; send one message "
                     "per POST");
  }
  // Body first: a request whose _meta names a protocol version is a 2026-07-28 request, whatever
  // the header says (the header is checked against it there).
  if (claims_modern(value) || is_modern_version(req.header("mcp-protocol-version"))) {
    return post_modern(req, value, accept, out);
  }
  std::optional<ProtocolVersion> header_version;
  if (req.has_header("mcp-protocol-version")) {
    header_version = parse_version(req.header("mcp-protocol-version"));
    if (!header_version) {
      std::string supported;
      for (const auto v : kSupportedVersions)
        supported += (supported.empty() ? "" : ", ") + std::string(v);
      return rpc_error(400, rpc::kServerError,
                       "Bad Request: unsupported MCP-Protocol-Version \"" +
                           printable(req.header("mcp-protocol-version").substr(0, 40)) +
                           "\"; supported: " + supported);
    }
  }
  std::string method;
  if (value.is_object()) {
    if (const auto m = value.find("method"); m != value.end() && m->is_string()) method = *m;
  }
  const bool is_initialize = method == "initialize" && value.contains("id");

  std::shared_ptr<Session> session;
  std::shared_ptr<SessionEntry> new_entry;
  if (opts.stateless) {
    session = is_initialize ? std::make_shared<Session>("", principal, default_level())
                            : Session::preinitialized(
                                  principal, header_version.value_or(kHeaderlessHttpVersion),
                                  default_level());
  } else if (is_initialize) {
    if (req.has_header("mcp-session-id")) {
      return rpc_error(400, rpc::kInvalidRequest,
                       "Invalid Request: initialize starts a new session; send it without "
                       "Mcp-Session-Id");
    }
    expire_sessions();
    new_entry = std::make_shared<SessionEntry>(
        std::make_shared<Session>(random_hex(16), principal, default_level(), clock),
        SessionKind::Streamable, kStreamQueueCapacity);
    session = new_entry->session;
  } else {
    const std::string id = req.header("mcp-session-id");
    if (id.empty()) {
      if (method == "server/discover") {
        return rpc_error(400, rpc::kMethodNotFound, kDiscoverNotSpoken);
      }
      return rpc_error(400, rpc::kServerError,
                       "Bad Request: Mcp-Session-Id header is required; send initialize first "
                       "to start a session");
    }
    const auto entry = sessions.find(id);
    if (!entry || entry->kind != SessionKind::Streamable || !admit_to(*entry, principal)) {
      return rpc_error(404, rpc::kSessionNotFound,
                       "Session not found: it expired or was deleted; send initialize to start "
                       "a new session");
    }
    session = entry->session;
  }
  cancel_on_disconnect(value, session, out);

  if (accept.sse && wants_progress(value)) {
    answer_streaming(session, value, out);
    return std::nullopt;
  }
  auto reply = std::make_shared<BufferedReply>(accept.sse);
  server.handle(session, value, reply, ToolDispatch::Caller);
  const auto response = reply->response();
  if (!response)
    return HttpResponse{202, "", ""};  // a notification, a response, or a
                                       // call the client cancelled
  HttpResponse res{200, "", ""};
  if (new_entry && response->contains("result")) {
    switch (sessions.insert(new_entry)) {
      case SessionTable::Inserted::Yes:
        break;
      case SessionTable::Inserted::TenantFull:
        return with_header(
            rpc_error(429, rpc::kServerError,
                      "Too Many Requests: this tenant already has " +
                          std::to_string(opts.max_sessions_per_tenant) +
                          " open sessions, its limit; end unused ones with DELETE /mcp or let "
                          "them expire"),
            "Retry-After", "30");
      case SessionTable::Inserted::TableFull:
        return with_header(rpc_error(503, rpc::kServerError,
                                     "Service Unavailable: too many sessions; retry later or "
                                     "end idle sessions with DELETE"),
                           "Retry-After", "30");
    }
    res.headers.emplace_back(kSessionHeader, session->id());
    log::info("http", "session started",
              {{"session", short_id(session->id())}, {"tenant", principal.tenant}});
  }
  const auto notifications = reply->notifications();
  if (accept.json && notifications.empty()) {
    res.content_type = "application/json";
    res.body = dump(*response);
    return res;
  }
  // Log messages produced during the call, then the response, as one event stream.
  HttpResponse events = sse_head();
  events.headers.insert(events.headers.end(), res.headers.begin(), res.headers.end());
  for (const auto& n : notifications) events.body += sse_event(n);
  events.body += sse_event(*response);
  return events;
}

void HttpTransport::Impl::answer_streaming(const std::shared_ptr<Session>& session,
                                           const json& message,
                                           const std::shared_ptr<Responder>& out) {
  auto stream = out->stream(sse_head(), StreamOptions{opts.keepalive_interval, ""});
  {
    std::lock_guard lock(streaming_mu);
    streaming.insert(session);
    // A stop that began before this stream was listed cannot reach it: it ends itself.
    if (stopping) session->wind_down();
  }
  server.handle(session, message, std::make_shared<StreamOutbound>(stream), ToolDispatch::Caller);
  {
    std::lock_guard lock(streaming_mu);
    streaming.erase(streaming.find(session));
  }
  stream->end();
}

void HttpTransport::Impl::cancel_on_disconnect(const json& message,
                                               const std::shared_ptr<Session>& session,
                                               const std::shared_ptr<Responder>& out) {
  if (!message.is_object()) return;
  const auto id = message.find("id");
  if (id == message.end() || !rpc::is_valid_id(*id) || !message.contains("method")) return;
  std::weak_ptr<Session> weak = session;
  out->on_disconnect([weak, key = rpc::id_key(*id)] {
    if (const auto s = weak.lock()) s->cancel_request(key);
  });
}

bool HttpTransport::Impl::wants_progress(const json& message) {
  if (!message.is_object() || message.value("method", json()) != "tools/call") return false;
  const auto params = message.find("params");
  if (params == message.end() || !params->is_object()) return false;
  const auto meta = params->find("_meta");
  return meta != params->end() && meta->is_object() && meta->contains("progressToken");
}

std::shared_ptr<SessionEntry> HttpTransport::Impl::session_for(const HttpRequest& req,
                                                               std::optional<HttpResponse>& error) {
  const std::string id = req.header("mcp-session-id");
  if (id.empty()) {
    error = rpc_error(400, rpc::kServerError, "Bad Request: Mcp-Session-Id header is required");
    return nullptr;
  }
  auto entry = sessions.find(id);
  if (!entry || entry->kind != SessionKind::Streamable || !admit_to(*entry, principal_of(req))) {
    error = rpc_error(404, rpc::kSessionNotFound,
                      "Session not found: it expired or was deleted; send initialize to start "
                      "a new session");
    return nullptr;
  }
  entry->session->touch();
  return entry;
}

void HttpTransport::Impl::stream_queue(const std::shared_ptr<SessionEntry>& entry,
                                       const std::shared_ptr<Responder>& out, HttpResponse head,
                                       std::string first, std::function<void()> on_close) {
  auto stream =
      out->stream(std::move(head), StreamOptions{opts.keepalive_interval, ": keep-alive\n\n"});
  auto pump = std::make_shared<QueuePump>(entry, stream);
  stream->on_close([pump, on_close = std::move(on_close)] {
    pump->stop();
    on_close();
  });
  stream->write(std::move(first));
  pump->start();
}

HttpTransport::HttpTransport(McpServer& server, HttpOptions options)
    : impl_(std::make_unique<Impl>(server, std::move(options))) {}

HttpTransport::~HttpTransport() { stop(); }

Result<int> HttpTransport::bind() {
  auto port = impl_->http.bind();
  if (!port) return port;
  const auto& o = impl_->opts;
  impl_->policy.emplace(o.host, o.allowed_hosts, o.allowed_origins, *port);
  impl_->bound = true;
  const auto period = impl_->reaper_period();
  impl_->jobs.add(
      "http session reaper", period, [this] { impl_->expire_sessions(); }, period);
  impl_->jobs.start();
  return port;
}

HttpTransport::Stats HttpTransport::stats() const {
  const auto http = impl_->http.stats();
  return {http.connections, http.streams, impl_->sessions.size()};
}

void HttpTransport::serve() {
  if (!impl_->bound || impl_->stopping) return;
  impl_->http.serve();
}

void HttpTransport::stop(std::chrono::milliseconds grace) {
  if (impl_->stopping.exchange(true)) return;
  // Subscriptions and result waits answer first (the graceful close of a subscription is its
  // answer); tool calls get the grace to finish.
  impl_->sessions.wind_down_all();
  {
    std::lock_guard lock(impl_->streaming_mu);
    for (const auto& s : impl_->streaming) s->wind_down();
  }
  if (grace.count() > 0) impl_->http.drain(grace);
  // Close sessions first: their streams end and their calls are cancelled.
  impl_->sessions.close_all();
  impl_->http.stop();
  impl_->jobs.stop();
}

void HttpTransport::wake_jobs() { impl_->jobs.wake(); }

}  // namespace nmcp::mcp
