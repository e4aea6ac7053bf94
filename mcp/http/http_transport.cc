// The MCP routes of the HTTP transports, on the event-driven HttpServer (http_server.h).

#include "mcp/http/http_transport.h"

#include <algorithm>
#include <any>
#include <atomic>
#include <cctype>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <optional>
#include <thread>
#include <utility>
#include <variant>

#include "core/base/crypto.h"
#include "core/base/logging.h"
#include "core/base/memory.h"
#include "core/base/text.h"
#include "mcp/http/http_server.h"
#include "mcp/http/message_queue.h"
#include "mcp/http/origin_policy.h"
#include "mcp/http/session_table.h"
#include "mcp/jsonrpc/message.h"
#include "mcp/protocol/version.h"

namespace nmcp::mcp {

using json = nlohmann::json;
namespace rpc = jsonrpc;

namespace {

constexpr const char* kSessionHeader = "Mcp-Session-Id";
constexpr std::size_t kStreamQueueCapacity = 1000;
constexpr std::size_t kLegacyQueueCapacity = 10000;
// Bodies at least this large return their parse memory to the system once handled.
constexpr std::size_t kLargeBody = 1U << 20U;

struct AcceptSet {
  bool json = false;
  bool sse = false;
};

// Which reply formats the client takes. No Accept header at all means anything.
AcceptSet parse_accept(const std::string& header) {
  if (header.empty()) return {true, true};
  const std::string h = ascii_lower(header);
  const bool any = h.find("*/*") != std::string::npos;
  return {any || h.find("application/json") != std::string::npos ||
              h.find("application/*") != std::string::npos,
          any || h.find("text/event-stream") != std::string::npos ||
              h.find("text/*") != std::string::npos};
}

bool is_json_content_type(const std::string& header) {
  const std::string h = ascii_lower(header);
  if (h.rfind("application/json", 0) != 0) return false;
  return h.size() == 16 || h[16] == ';' || h[16] == ' ';
}

std::string dump(const json& v) { return v.dump(-1, ' ', false, json::error_handler_t::replace); }

HttpResponse rpc_error(int status, int code, std::string_view message) {
  return HttpResponse{status, "application/json", dump(rpc::make_error(nullptr, code, message))};
}

HttpResponse with_header(HttpResponse r, std::string name, std::string value) {
  r.headers.emplace_back(std::move(name), std::move(value));
  return r;
}

std::string sse_event(const json& message) {
  // Compact JSON never contains a raw newline, so one data: line is always enough.
  return "event: message\ndata: " + dump(message) + "\n\n";
}

HttpResponse sse_head(int status = 200) {
  HttpResponse r{status, "text/event-stream", ""};
  r.headers = {{"Cache-Control", "no-cache"}, {"X-Accel-Buffering", "no"}};
  return r;
}

std::string short_id(const std::string& id) { return id.substr(0, 8); }

// Counts open long-lived streams against the cap.
class StreamSlots {
 public:
  explicit StreamSlots(std::size_t max) : max_(max) {}
  bool try_acquire() {
    std::size_t current = open_.load();
    while (current < max_) {
      if (open_.compare_exchange_weak(current, current + 1)) return true;
    }
    return false;
  }
  void release() { open_.fetch_sub(1); }

 private:
  const std::size_t max_;
  std::atomic<std::size_t> open_{0};
};

// A header value fit to quote back: printable ASCII, at most 100 characters.
std::string printable(const std::string& value) {
  std::string out;
  for (const char c : value.substr(0, 100)) {
    out += (c >= 0x20 && c < 0x7f && c != '"' && c != '\\') ? c : '?';
  }
  return value.size() > 100 ? out + "..." : out;
}

// Moves a session queue's messages onto an open stream as they arrive, in order.
class QueuePump : public std::enable_shared_from_this<QueuePump> {
 public:
  QueuePump(std::shared_ptr<SessionEntry> entry, std::shared_ptr<ResponseStream> stream)
      : entry_(std::move(entry)), stream_(std::move(stream)) {}

  void start() {
    std::weak_ptr<QueuePump> weak = weak_from_this();
    entry_->stream->set_listener([weak] {
      if (const auto self = weak.lock()) self->drain();
    });
    drain();
  }
  void stop() { entry_->stream->set_listener(nullptr); }

 private:
  void drain() {
    std::lock_guard lock(mu_);
    json message;
    while (entry_->stream->try_pop(message)) {
      entry_->session->touch();
      if (!stream_->write(sse_event(message))) {
        log::warn("http", "dropped a message for a client that stopped reading its stream",
                  {{"session", short_id(entry_->session->id())}});
      }
    }
    if (entry_->stream->closed()) stream_->end();
  }

  const std::shared_ptr<SessionEntry> entry_;
  const std::shared_ptr<ResponseStream> stream_;
  std::mutex mu_;  // one drain at a time keeps the messages in order
};

// Writes a call's SSE events to the stream of the POST that made it.
class StreamOutbound final : public Outbound {
 public:
  explicit StreamOutbound(std::shared_ptr<ResponseStream> stream) : stream_(std::move(stream)) {}
  void send(const json& message) override { stream_->write(sse_event(message)); }
  void complete(std::optional<json> response) override {
    if (response) stream_->write(sse_event(*response));
  }

 private:
  const std::shared_ptr<ResponseStream> stream_;
};

}  // namespace

struct HttpTransport::Impl {
  Impl(McpServer& s, HttpOptions o)
      : server(s),
        opts(std::move(o)),
        sessions(opts.max_sessions, opts.max_sessions_per_tenant),
        slots(opts.max_streams),
        http(server_options(), handlers()) {}

  McpServer& server;
  const HttpOptions opts;
  std::optional<OriginPolicy> policy;  // set by bind(), once the port is known
  SessionTable sessions;
  StreamSlots slots;
  HttpServer http;
  std::atomic<bool> stopping{false};
  std::thread housekeeper;
  std::mutex hk_mu;
  std::condition_variable hk_cv;
  bool bound = false;

  McpLogLevel default_level() const { return server.options().default_log_level; }

  HttpServerOptions server_options() const {
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
    s.single_headers = {"origin",         "authorization",        "content-type",
                        "mcp-session-id", "mcp-protocol-version", "content-length"};
    return s;
  }

  HttpHandlers handlers() {
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

  // ---- Admission (on an I/O thread, before any body is read) -----------------------------

  HeadDecision admit(const HttpRequest& req) {
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
      return HeadDecision::answer(
          rpc_error(403, rpc::kServerError,
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
      return HeadDecision::answer(
          with_header(rpc_error(401, rpc::kServerError,
                                "Unauthorized: send \"Authorization: Bearer <API key>\""),
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

  std::optional<Principal> authenticate(const HttpRequest& req) const {
    const std::string header = req.header("authorization");
    constexpr std::string_view kScheme = "bearer ";
    if (header.size() <= kScheme.size() ||
        ascii_lower(header.substr(0, kScheme.size())) != kScheme) {
      return std::nullopt;
    }
    return opts.api_keys->current()->authenticate(std::string_view(header).substr(kScheme.size()));
  }

  // The caller admit() authenticated: once, on the head, so a key reloaded away while the
  // body arrives cannot turn the request into someone else's.
  static const Principal& principal_of(const HttpRequest& req) {
    return std::any_cast<const Principal&>(req.admitted);
  }

  // A session answers only the key that opened it (another key, even of the same tenant, finds
  // no such session), and each of its requests runs with that key's rights as loaded now: a
  // SIGHUP reload that narrows a key reaches its open sessions at their next request.
  static bool admit_to(const SessionEntry& e, const Principal& p) {
    if (!e.session->principal().same_key(p)) return false;
    e.session->refresh_principal(p);
    return true;
  }

  // ---- Routing (on a pool thread) ---------------------------------------------------------

  void route(HttpRequest req, const std::shared_ptr<Responder>& out) {
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

  static void respond_unless_streaming(const std::shared_ptr<Responder>& out,
                                       std::optional<HttpResponse> r) {
    if (r) out->respond(std::move(*r));
  }

  // ---- Streamable HTTP -------------------------------------------------------------------

  // The JSON body of a POST, or the error reply.
  std::variant<json, HttpResponse> parse_body(const HttpRequest& req) const {
    const auto& limits = server.options().parse_limits;
    auto value = rpc::parse(req.body, limits);
    if (!value) {
      return rpc_error(400, rpc::kParseError, rpc::parse_error_message(req.body, limits));
    }
    return std::move(*value);
  }

  void post_mcp(HttpRequest req, const std::shared_ptr<Responder>& out) {
    const bool large = req.body.size() >= kLargeBody;
    auto reply = post_mcp_reply(req, out);
    if (reply) out->respond(std::move(*reply));
    if (large) release_free_memory();
  }

  // The reply to a POST /mcp, or nullopt when it is streaming (already answered).
  std::optional<HttpResponse> post_mcp_reply(HttpRequest& req,
                                             const std::shared_ptr<Responder>& out) {
    const Principal& principal = principal_of(req);
    const AcceptSet accept = parse_accept(req.header("accept"));
    if (!accept.json && !accept.sse) {
      return rpc_error(406, rpc::kServerError,
                       "Not Acceptable: Accept must include application/json and "
                       "text/event-stream");
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
          std::make_shared<Session>(random_hex(16), principal, default_level()),
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
      // The client asked for progress: answer with an event stream at once and run the call
      // inside it, writing each notification as it happens.
      auto stream = out->stream(sse_head(), StreamOptions{opts.keepalive_interval, ""});
      server.handle(session, value, std::make_shared<StreamOutbound>(stream), ToolDispatch::Caller);
      stream->end();
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

  // A call whose client has gone away is cancelled: its answer has nowhere to go.
  static void cancel_on_disconnect(const json& message, const std::shared_ptr<Session>& session,
                                   const std::shared_ptr<Responder>& out) {
    if (!message.is_object()) return;
    const auto id = message.find("id");
    if (id == message.end() || !rpc::is_valid_id(*id) || !message.contains("method")) return;
    std::weak_ptr<Session> weak = session;
    out->on_disconnect([weak, key = rpc::id_key(*id)] {
      if (const auto s = weak.lock()) s->cancel_request(key);
    });
  }

  static bool wants_progress(const json& message) {
    if (!message.is_object() || message.value("method", json()) != "tools/call") return false;
    const auto params = message.find("params");
    if (params == message.end() || !params->is_object()) return false;
    const auto meta = params->find("_meta");
    return meta != params->end() && meta->is_object() && meta->contains("progressToken");
  }

  // An error reply, or nullopt once the stream is open.
  std::optional<HttpResponse> get_mcp(const HttpRequest& req,
                                      const std::shared_ptr<Responder>& out) {
    if (opts.stateless) {
      return with_header(rpc_error(405, rpc::kServerError,
                                   "Method Not Allowed: this server runs stateless and offers no "
                                   "GET stream"),
                         "Allow", "POST");
    }
    const AcceptSet accept = parse_accept(req.header("accept"));
    if (!accept.sse) {
      return rpc_error(406, rpc::kServerError,
                       "Not Acceptable: Accept must include text/event-stream");
    }
    std::optional<HttpResponse> error;
    auto entry = session_for(req, error);
    if (!entry) return std::move(*error);
    bool expected = false;
    if (!entry->stream_attached.compare_exchange_strong(expected, true)) {
      return rpc_error(409, rpc::kServerError,
                       "Conflict: this session already has an open GET stream");
    }
    if (!slots.try_acquire()) {
      entry->stream_attached = false;
      return with_header(rpc_error(503, rpc::kServerError,
                                   "Service Unavailable: too many open streams; retry later"),
                         "Retry-After", "5");
    }
    HttpResponse head = sse_head();
    head.headers.emplace_back(kSessionHeader, entry->session->id());
    stream_queue(entry, out, std::move(head), ": stream open\n\n", [this, entry] {
      entry->stream_attached = false;
      slots.release();
    });
    return std::nullopt;
  }

  HttpResponse delete_mcp(const HttpRequest& req) {
    if (opts.stateless) {
      return with_header(rpc_error(405, rpc::kServerError,
                                   "Method Not Allowed: this server runs stateless and has no "
                                   "sessions to end"),
                         "Allow", "POST");
    }
    std::optional<HttpResponse> error;
    auto entry = session_for(req, error);
    if (!entry) return std::move(*error);
    sessions.remove(entry->session->id());
    log::info("http", "session ended by the client", {{"session", short_id(entry->session->id())}});
    return HttpResponse{200, "", ""};
  }

  std::shared_ptr<SessionEntry> session_for(const HttpRequest& req,
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

  // Streams a session's queue until it closes, the client goes away or the server stops.
  void stream_queue(const std::shared_ptr<SessionEntry>& entry,
                    const std::shared_ptr<Responder>& out, HttpResponse head, std::string first,
                    std::function<void()> on_close) {
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

  // ---- Legacy HTTP+SSE (2024-11-05) ------------------------------------------------------

  // An error reply, or nullopt once the stream is open.
  std::optional<HttpResponse> get_sse(const HttpRequest& req,
                                      const std::shared_ptr<Responder>& out) {
    const AcceptSet accept = parse_accept(req.header("accept"));
    if (!accept.sse) {
      return rpc_error(406, rpc::kServerError,
                       "Not Acceptable: Accept must include text/event-stream");
    }
    if (!slots.try_acquire()) {
      return with_header(
          rpc_error(503, rpc::kServerError, "Service Unavailable: too many open streams"),
          "Retry-After", "5");
    }
    expire_sessions();
    auto entry = std::make_shared<SessionEntry>(
        std::make_shared<Session>(random_hex(16), principal_of(req), default_level()),
        SessionKind::LegacySse, kLegacyQueueCapacity);
    entry->stream_attached = true;
    switch (sessions.insert(entry)) {
      case SessionTable::Inserted::Yes:
        break;
      case SessionTable::Inserted::TenantFull:
        slots.release();
        return with_header(rpc_error(429, rpc::kServerError,
                                     "Too Many Requests: this tenant already has " +
                                         std::to_string(opts.max_sessions_per_tenant) +
                                         " open sessions, its limit; close unused streams"),
                           "Retry-After", "30");
      case SessionTable::Inserted::TableFull:
        slots.release();
        return with_header(
            rpc_error(503, rpc::kServerError, "Service Unavailable: too many sessions"),
            "Retry-After", "30");
    }
    const std::string id = entry->session->id();
    log::info("http", "legacy SSE session started",
              {{"session", short_id(id)}, {"tenant", entry->session->principal().tenant}});
    stream_queue(entry, out, sse_head(),
                 "event: endpoint\ndata: /messages?sessionId=" + id + "\n\n", [this, id] {
                   sessions.remove(id);
                   slots.release();
                   log::info("http", "legacy SSE session ended", {{"session", short_id(id)}});
                 });
    return std::nullopt;
  }

  HttpResponse post_messages(const HttpRequest& req) {
    const std::string id = req.query_param("sessionId");
    if (id.empty()) {
      return rpc_error(400, rpc::kServerError,
                       "Bad Request: the sessionId query parameter is required");
    }
    const auto entry = sessions.find(id);
    if (!entry || entry->kind != SessionKind::LegacySse || !admit_to(*entry, principal_of(req))) {
      return rpc_error(404, rpc::kSessionNotFound, "Session not found: open GET /sse again");
    }
    auto parsed = parse_body(req);
    if (auto* error = std::get_if<HttpResponse>(&parsed)) return std::move(*error);
    server.handle(entry->session, std::get<json>(parsed),
                  std::make_shared<QueueOutbound>(entry->stream));
    if (req.body.size() >= kLargeBody) release_free_memory();
    return HttpResponse{202, "text/plain", "Accepted"};
  }

  // ---- Sessions ----------------------------------------------------------------------------

  void expire_sessions() {
    if (const auto n =
            sessions.expire_idle(opts.session_idle_timeout, opts.unready_session_timeout);
        n > 0) {
      log::info("http", "expired sessions", {{"count", n}});
    }
  }

  void housekeeping_loop() {
    const auto shortest = std::min<std::chrono::milliseconds>(
        std::chrono::duration_cast<std::chrono::milliseconds>(opts.session_idle_timeout),
        std::chrono::duration_cast<std::chrono::milliseconds>(opts.unready_session_timeout));
    const auto period = std::clamp<std::chrono::milliseconds>(
        shortest / 4, std::chrono::milliseconds(1000), std::chrono::milliseconds(60000));
    std::unique_lock lock(hk_mu);
    while (!hk_cv.wait_for(lock, period, [this] { return stopping.load(); })) {
      expire_sessions();
    }
  }
};

HttpTransport::HttpTransport(McpServer& server, HttpOptions options)
    : impl_(std::make_unique<Impl>(server, std::move(options))) {}

HttpTransport::~HttpTransport() { stop(); }

Result<int> HttpTransport::bind() {
  auto port = impl_->http.bind();
  if (!port) return port;
  const auto& o = impl_->opts;
  impl_->policy.emplace(o.host, o.allowed_hosts, o.allowed_origins, *port);
  impl_->bound = true;
  impl_->housekeeper = std::thread([this] { impl_->housekeeping_loop(); });
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
  if (grace.count() > 0) impl_->http.drain(grace);
  impl_->hk_cv.notify_all();
  // Close sessions first: their streams end and their calls are cancelled.
  impl_->sessions.close_all();
  impl_->http.stop();
  if (impl_->housekeeper.joinable()) impl_->housekeeper.join();
}

}  // namespace nmcp::mcp
