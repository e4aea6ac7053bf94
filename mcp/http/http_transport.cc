// The cpp-httplib adapter for the HTTP transports. httplib types stay in this file.

#include "mcp/http/http_transport.h"

#include <sys/socket.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <thread>
#include <utility>

#include <httplib.h>

#include "core/base/crypto.h"
#include "core/base/logging.h"
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
constexpr const char* kVersionHeader = "MCP-Protocol-Version";
constexpr std::size_t kStreamQueueCapacity = 1000;
constexpr std::size_t kLegacyQueueCapacity = 10000;

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

struct AcceptSet {
  bool json = false;
  bool sse = false;
};

// Which reply formats the client takes. No Accept header at all means anything.
AcceptSet parse_accept(const std::string& header) {
  if (header.empty()) return {true, true};
  const std::string h = lower(header);
  const bool any = h.find("*/*") != std::string::npos;
  return {any || h.find("application/json") != std::string::npos ||
              h.find("application/*") != std::string::npos,
          any || h.find("text/event-stream") != std::string::npos ||
              h.find("text/*") != std::string::npos};
}

bool is_json_content_type(const std::string& header) {
  const std::string h = lower(header);
  if (h.rfind("application/json", 0) != 0) return false;
  return h.size() == 16 || h[16] == ';' || h[16] == ' ';
}

std::string dump(const json& v) { return v.dump(-1, ' ', false, json::error_handler_t::replace); }

void rpc_error(httplib::Response& res, int status, int code, std::string_view message) {
  res.status = status;
  res.set_content(dump(rpc::make_error(nullptr, code, message)), "application/json");
}

std::string sse_event(const json& message) {
  // Compact JSON never contains a raw newline, so one data: line is always enough.
  return "event: message\ndata: " + dump(message) + "\n\n";
}

void set_sse_headers(httplib::Response& res) {
  res.set_header("Cache-Control", "no-cache");
  res.set_header("X-Accel-Buffering", "no");
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

// httplib 0.11 listens with a backlog of 5, compiled into the library: a burst of a few
// concurrent connects overflows it and each overflowing client waits a full SYN retransmit
// (a second). Listening again on the bound socket raises the backlog (Linux allows it).
class PlainListener : public httplib::Server {
 public:
  bool raise_backlog(int backlog) { return ::listen(svr_sock_, backlog) == 0; }
};

// TLS on the listener itself (--tls-cert, --tls-key), for a team service without a proxy.
class TlsListener : public httplib::SSLServer {
 public:
  TlsListener(const std::string& cert, const std::string& key)
      : httplib::SSLServer(cert.c_str(), key.c_str()) {}
  bool raise_backlog(int backlog) { return ::listen(svr_sock_, backlog) == 0; }
};

// The listener and the one call that needs its concrete type.
struct Listener {
  std::unique_ptr<httplib::Server> server;
  std::function<bool(int)> raise_backlog;
  bool valid = true;  // false: the TLS certificate or key could not be loaded
};

Listener make_listener(const HttpOptions& o) {
  Listener l;
  if (o.tls_cert_file.empty()) {
    auto plain = std::make_unique<PlainListener>();
    auto* p = plain.get();
    l.raise_backlog = [p](int b) { return p->raise_backlog(b); };
    l.server = std::move(plain);
  } else {
    auto tls = std::make_unique<TlsListener>(o.tls_cert_file, o.tls_key_file);
    auto* p = tls.get();
    l.valid = tls->is_valid();
    l.raise_backlog = [p](int b) { return p->raise_backlog(b); };
    l.server = std::move(tls);
  }
  return l;
}

// A header value fit to quote back: printable ASCII, at most 100 characters.
std::string printable(const std::string& value) {
  std::string out;
  for (const char c : value.substr(0, 100)) {
    out += (c >= 0x20 && c < 0x7f && c != '"' && c != '\\') ? c : '?';
  }
  return value.size() > 100 ? out + "..." : out;
}

}  // namespace

struct HttpTransport::Impl {
  Impl(McpServer& s, HttpOptions o)
      : server(s),
        opts(std::move(o)),
        policy(opts.host, opts.allowed_hosts, opts.allowed_origins),
        sessions(opts.max_sessions),
        slots(opts.max_streams),
        listener(make_listener(opts)),
        http(*listener.server) {}

  McpServer& server;
  const HttpOptions opts;
  const OriginPolicy policy;
  SessionTable sessions;
  StreamSlots slots;
  Listener listener;
  httplib::Server& http;
  std::atomic<bool> stopping{false};
  std::atomic<bool> serving{false};
  std::mutex serve_mu;  // orders serve()'s start against stop()
  std::thread housekeeper;
  std::mutex hk_mu;
  std::condition_variable hk_cv;
  bool bound = false;

  McpLogLevel default_level() const { return server.options().default_log_level; }

  // Host, Origin and API key checks for every route but the operational ones.
  httplib::Server::HandlerResponse admit(const httplib::Request& req, httplib::Response& res) {
    if (is_ops_path(req.path)) return httplib::Server::HandlerResponse::Unhandled;
    const std::string host = req.get_header_value("Host");
    if (!policy.host_allowed(host)) {
      log::warn("http", "rejected request with a foreign Host header",
                {{"host", host.substr(0, 100)}, {"remote", req.remote_addr}});
      rpc_error(res, 403, rpc::kServerError,
                "Forbidden: the Host header \"" + printable(host) +
                    "\" is not allowed (DNS rebinding protection). Operators can allow names "
                    "with --allowed-host.");
      return httplib::Server::HandlerResponse::Handled;
    }
    const std::string origin = req.get_header_value("Origin");
    if (!policy.origin_allowed(origin)) {
      log::warn("http", "rejected request with a foreign Origin",
                {{"origin", origin.substr(0, 100)}, {"remote", req.remote_addr}});
      rpc_error(res, 403, rpc::kServerError,
                "Forbidden: the Origin \"" + printable(origin) +
                    "\" is not allowed. Operators can allow origins with --allowed-origin.");
      return httplib::Server::HandlerResponse::Handled;
    }
    if (opts.api_keys && !authenticate(req)) {
      const bool presented = req.has_header("Authorization");
      res.set_header("WWW-Authenticate", presented
                                             ? R"(Bearer realm="nessus-mcp", error="invalid_token")"
                                             : R"(Bearer realm="nessus-mcp")");
      log::warn("http",
                presented ? "rejected an invalid API key" : "rejected a request without an API key",
                {{"remote", req.remote_addr}, {"path", req.path}});
      rpc_error(res, 401, rpc::kServerError,
                "Unauthorized: send \"Authorization: Bearer <API key>\"");
      return httplib::Server::HandlerResponse::Handled;
    }
    return httplib::Server::HandlerResponse::Unhandled;
  }

  std::optional<Principal> authenticate(const httplib::Request& req) const {
    const std::string header = req.get_header_value("Authorization");
    constexpr std::string_view kScheme = "bearer ";
    if (header.size() <= kScheme.size() || lower(header.substr(0, kScheme.size())) != kScheme) {
      return std::nullopt;
    }
    return opts.api_keys->current()->authenticate(std::string_view(header).substr(kScheme.size()));
  }

  Principal principal_of(const httplib::Request& req) const {
    if (!opts.api_keys) return Principal{};
    return authenticate(req).value_or(Principal{});  // admit() already rejected the rest
  }

  static bool same_owner(const SessionEntry& e, const Principal& p) {
    return e.session->principal().tenant == p.tenant;
  }

  // ---- Streamable HTTP -------------------------------------------------------------------

  // Reads the body through `reader` with the size limit applied to every encoding: httplib
  // 0.11 enforces set_payload_max_length for Content-Length bodies only, not chunked ones.
  std::optional<std::string> read_body(const httplib::ContentReader& reader,
                                       httplib::Response& res) {
    std::string body;
    bool too_large = false;
    std::size_t total = 0;
    // Past the limit the rest is read and dropped, up to as much again, so that a client that
    // is still sending gets to read our 413 instead of a reset connection.
    const std::size_t drain_limit = opts.max_body_bytes * 2;
    const bool ok = reader([&](const char* data, std::size_t size) {
      total += size;
      if (total > opts.max_body_bytes) {
        too_large = true;
        body.clear();
        return total <= drain_limit;
      }
      body.append(data, size);
      return true;
    });
    if (too_large || (!ok && res.status == 413)) {
      res.set_header("Connection", "close");
      rpc_error(res, 413, rpc::kServerError,
                "Payload Too Large: the request body exceeds " +
                    std::to_string(opts.max_body_bytes) + " bytes");
      return std::nullopt;
    }
    if (!ok) {
      rpc_error(res, 400, rpc::kServerError, "Bad Request: the request body could not be read");
      return std::nullopt;
    }
    return body;
  }

  // The JSON body of a POST: checks the content type, reads within the size limit and parses.
  // On failure the error reply is already written.
  std::optional<json> read_json_body(const httplib::Request& req,
                                     const httplib::ContentReader& reader, httplib::Response& res) {
    if (!is_json_content_type(req.get_header_value("Content-Type"))) {
      rpc_error(res, 415, rpc::kServerError,
                "Unsupported Media Type: Content-Type must be application/json");
      return std::nullopt;
    }
    const auto body = read_body(reader, res);
    if (!body) return std::nullopt;
    auto value = rpc::parse(*body, server.options().max_json_depth);
    if (!value) {
      rpc_error(res, 400, rpc::kParseError,
                rpc::parse_error_message(*body, server.options().max_json_depth));
    }
    return value;
  }

  void post_mcp(const httplib::Request& req, httplib::Response& res,
                const httplib::ContentReader& reader) {
    const Principal principal = principal_of(req);
    const AcceptSet accept = parse_accept(req.get_header_value("Accept"));
    if (!accept.json && !accept.sse) {
      rpc_error(res, 406, rpc::kServerError,
                "Not Acceptable: Accept must include application/json and text/event-stream");
      return;
    }
    std::optional<ProtocolVersion> header_version;
    if (req.has_header(kVersionHeader)) {
      header_version = parse_version(req.get_header_value(kVersionHeader));
      if (!header_version) {
        std::string supported;
        for (const auto v : kSupportedVersions)
          supported += (supported.empty() ? "" : ", ") + std::string(v);
        rpc_error(res, 400, rpc::kServerError,
                  "Bad Request: unsupported MCP-Protocol-Version \"" +
                      req.get_header_value(kVersionHeader).substr(0, 40) +
                      "\"; supported: " + supported);
        return;
      }
    }
    auto value = read_json_body(req, reader, res);
    if (!value) return;
    if (value->is_array()) {
      rpc_error(res, 400, rpc::kInvalidRequest,
                "Invalid Request: JSON-RPC batches are not supported; send one message per POST");
      return;
    }
    std::string method;
    if (value->is_object()) {
      if (const auto m = value->find("method"); m != value->end() && m->is_string()) method = *m;
    }
    const bool is_initialize = method == "initialize" && value->contains("id");

    std::shared_ptr<Session> session;
    std::shared_ptr<SessionEntry> new_entry;
    if (opts.stateless) {
      session = is_initialize ? std::make_shared<Session>("", principal, default_level())
                              : Session::preinitialized(
                                    principal, header_version.value_or(kHeaderlessHttpVersion),
                                    default_level());
    } else if (is_initialize) {
      if (req.has_header(kSessionHeader)) {
        rpc_error(res, 400, rpc::kInvalidRequest,
                  "Invalid Request: initialize starts a new session; send it without "
                  "Mcp-Session-Id");
        return;
      }
      sessions.expire_idle(opts.session_idle_timeout);
      new_entry = std::make_shared<SessionEntry>(
          std::make_shared<Session>(random_hex(16), principal, default_level()),
          SessionKind::Streamable, kStreamQueueCapacity);
      session = new_entry->session;
    } else {
      const std::string id = req.get_header_value(kSessionHeader);
      if (id.empty()) {
        if (method == "server/discover") {
          rpc_error(res, 400, rpc::kMethodNotFound,
                    "Method not found: server/discover (this server speaks MCP 2025-11-25 and "
                    "earlier; send initialize)");
        } else {
          rpc_error(res, 400, rpc::kServerError,
                    "Bad Request: Mcp-Session-Id header is required; send initialize first to "
                    "start a session");
        }
        return;
      }
      const auto entry = sessions.find(id);
      if (!entry || entry->kind != SessionKind::Streamable || !same_owner(*entry, principal)) {
        rpc_error(res, 404, rpc::kSessionNotFound,
                  "Session not found: it expired or was deleted; send initialize to start a new "
                  "session");
        return;
      }
      session = entry->session;
    }

    if (accept.sse && wants_progress(*value)) {
      // The client asked for progress: answer with an event stream at once and run the call
      // inside it, writing each notification as it happens.
      stream_call(session, std::make_shared<json>(std::move(*value)), res);
      return;
    }
    auto reply = std::make_shared<BufferedReply>(accept.sse);
    server.handle(session, *value, reply, ToolDispatch::Caller);
    const auto response = reply->response();
    if (!response) {
      res.status = 202;  // a notification, a response, or a call the client cancelled
      return;
    }
    if (new_entry && response->contains("result")) {
      if (!sessions.insert(new_entry)) {
        rpc_error(res, 503, rpc::kServerError,
                  "Service Unavailable: too many sessions; retry later or end idle sessions with "
                  "DELETE");
        return;
      }
      res.set_header(kSessionHeader, session->id());
      log::info("http", "session started",
                {{"session", short_id(session->id())}, {"tenant", principal.tenant}});
    }
    const auto notifications = reply->notifications();
    res.status = 200;
    if (accept.json && notifications.empty()) {
      res.set_content(dump(*response), "application/json");
      return;
    }
    // Log messages produced during the call, then the response, as one event stream.
    std::string events;
    for (const auto& n : notifications) events += sse_event(n);
    events += sse_event(*response);
    set_sse_headers(res);
    res.set_content(events, "text/event-stream");
  }

  static bool wants_progress(const json& message) {
    if (!message.is_object() || message.value("method", json()) != "tools/call") return false;
    const auto params = message.find("params");
    if (params == message.end() || !params->is_object()) return false;
    const auto meta = params->find("_meta");
    return meta != params->end() && meta->is_object() && meta->contains("progressToken");
  }

  // Runs one call on this HTTP thread inside an event-stream reply. Notifications are written
  // to the socket as the handler produces them; a client that goes away does not cancel the
  // call (the protocol says so), its remaining output is just dropped.
  void stream_call(const std::shared_ptr<Session>& session, const std::shared_ptr<json>& message,
                   httplib::Response& res) {
    res.status = 200;
    set_sse_headers(res);
    res.set_chunked_content_provider(
        "text/event-stream", [this, session, message](std::size_t, httplib::DataSink& sink) {
          auto out = std::make_shared<SinkOutbound>(sink);
          server.handle(session, *message, out, ToolDispatch::Caller);
          out->detach();
          sink.done();
          return true;
        });
  }

  // Writes SSE events straight to a reply being streamed, for as long as that reply exists.
  class SinkOutbound final : public Outbound {
   public:
    explicit SinkOutbound(httplib::DataSink& sink) : sink_(&sink) {}
    void send(const json& message) override { write_event(message); }
    void complete(std::optional<json> response) override {
      if (response) write_event(*response);
    }
    void detach() {
      std::lock_guard lock(mu_);
      sink_ = nullptr;
    }

   private:
    void write_event(const json& message) {
      std::lock_guard lock(mu_);
      if (sink_ != nullptr && !write(*sink_, sse_event(message))) sink_ = nullptr;
    }
    std::mutex mu_;
    httplib::DataSink* sink_;  // guarded by mu_; null once detached or broken
  };

  static bool write(httplib::DataSink& sink, const std::string& data) {
    return sink.is_writable() && sink.write(data.data(), data.size());
  }

  void get_mcp(const httplib::Request& req, httplib::Response& res) {
    if (opts.stateless) {
      res.set_header("Allow", "POST");
      rpc_error(res, 405, rpc::kServerError,
                "Method Not Allowed: this server runs stateless and offers no GET stream");
      return;
    }
    const AcceptSet accept = parse_accept(req.get_header_value("Accept"));
    if (!accept.sse) {
      rpc_error(res, 406, rpc::kServerError,
                "Not Acceptable: Accept must include text/event-stream");
      return;
    }
    auto entry = session_for(req, res);
    if (!entry) return;
    bool expected = false;
    if (!entry->stream_attached.compare_exchange_strong(expected, true)) {
      rpc_error(res, 409, rpc::kServerError,
                "Conflict: this session already has an open GET stream");
      return;
    }
    if (!slots.try_acquire()) {
      entry->stream_attached = false;
      res.set_header("Retry-After", "5");
      rpc_error(res, 503, rpc::kServerError,
                "Service Unavailable: too many open streams; retry later");
      return;
    }
    res.set_header(kSessionHeader, entry->session->id());
    stream_queue(entry, res, ": stream open\n\n", [this, entry] {
      entry->stream_attached = false;
      slots.release();
    });
  }

  void delete_mcp(const httplib::Request& req, httplib::Response& res) {
    if (opts.stateless) {
      res.set_header("Allow", "POST");
      rpc_error(res, 405, rpc::kServerError,
                "Method Not Allowed: this server runs stateless and has no sessions to end");
      return;
    }
    auto entry = session_for(req, res);
    if (!entry) return;
    sessions.remove(entry->session->id());
    log::info("http", "session ended by the client", {{"session", short_id(entry->session->id())}});
    res.status = 200;
  }

  std::shared_ptr<SessionEntry> session_for(const httplib::Request& req, httplib::Response& res) {
    const std::string id = req.get_header_value(kSessionHeader);
    if (id.empty()) {
      rpc_error(res, 400, rpc::kServerError, "Bad Request: Mcp-Session-Id header is required");
      return nullptr;
    }
    auto entry = sessions.find(id);
    if (!entry || entry->kind != SessionKind::Streamable ||
        !same_owner(*entry, principal_of(req))) {
      rpc_error(res, 404, rpc::kSessionNotFound,
                "Session not found: it expired or was deleted; send initialize to start a new "
                "session");
      return nullptr;
    }
    entry->session->touch();
    return entry;
  }

  // Streams a session's queue until it closes, the client goes away or the server stops.
  void stream_queue(const std::shared_ptr<SessionEntry>& entry, httplib::Response& res,
                    std::string first, std::function<void()> on_close) {
    res.status = 200;
    set_sse_headers(res);
    auto opening = std::make_shared<std::string>(std::move(first));
    const auto keepalive = opts.keepalive_interval;
    res.set_chunked_content_provider(
        "text/event-stream",
        [this, entry, opening, keepalive](std::size_t, httplib::DataSink& sink) {
          if (!opening->empty()) {
            const std::string text = std::move(*opening);
            opening->clear();
            return write(sink, text);
          }
          json message;
          switch (entry->stream->pop(message, keepalive)) {
            case MessageQueue::Wait::Message:
              entry->session->touch();
              return write(sink, sse_event(message));
            case MessageQueue::Wait::Timeout:
              if (stopping) {
                sink.done();
                return true;
              }
              return write(sink, ": keep-alive\n\n");
            case MessageQueue::Wait::Closed:
              sink.done();
              return true;
          }
          return false;
        },
        [on_close = std::move(on_close)](bool) { on_close(); });
  }

  // ---- Legacy HTTP+SSE (2024-11-05) ------------------------------------------------------

  void get_sse(const httplib::Request& req, httplib::Response& res) {
    const AcceptSet accept = parse_accept(req.get_header_value("Accept"));
    if (!accept.sse) {
      rpc_error(res, 406, rpc::kServerError,
                "Not Acceptable: Accept must include text/event-stream");
      return;
    }
    if (!slots.try_acquire()) {
      res.set_header("Retry-After", "5");
      rpc_error(res, 503, rpc::kServerError, "Service Unavailable: too many open streams");
      return;
    }
    sessions.expire_idle(opts.session_idle_timeout);
    auto entry = std::make_shared<SessionEntry>(
        std::make_shared<Session>(random_hex(16), principal_of(req), default_level()),
        SessionKind::LegacySse, kLegacyQueueCapacity);
    entry->stream_attached = true;
    if (!sessions.insert(entry)) {
      slots.release();
      rpc_error(res, 503, rpc::kServerError, "Service Unavailable: too many sessions");
      return;
    }
    const std::string id = entry->session->id();
    log::info("http", "legacy SSE session started",
              {{"session", short_id(id)}, {"tenant", entry->session->principal().tenant}});
    stream_queue(entry, res, "event: endpoint\ndata: /messages?sessionId=" + id + "\n\n",
                 [this, id] {
                   sessions.remove(id);
                   slots.release();
                   log::info("http", "legacy SSE session ended", {{"session", short_id(id)}});
                 });
  }

  void post_messages(const httplib::Request& req, httplib::Response& res,
                     const httplib::ContentReader& reader) {
    const std::string id = req.get_param_value("sessionId");
    if (id.empty()) {
      rpc_error(res, 400, rpc::kServerError,
                "Bad Request: the sessionId query parameter is required");
      return;
    }
    const auto entry = sessions.find(id);
    if (!entry || entry->kind != SessionKind::LegacySse || !same_owner(*entry, principal_of(req))) {
      rpc_error(res, 404, rpc::kSessionNotFound, "Session not found: open GET /sse again");
      return;
    }
    const auto value = read_json_body(req, reader, res);
    if (!value) return;
    server.handle(entry->session, *value, std::make_shared<QueueOutbound>(entry->stream));
    res.status = 202;
    res.set_content("Accepted", "text/plain");
  }

  // ---- Wiring ---------------------------------------------------------------------------

  // Every handler runs inside a catch-all: a bug answers 500, it never takes a thread down.
  template <class... Args>
  void run_guarded(const httplib::Request& req, httplib::Response& res,
                   void (Impl::*fn)(const httplib::Request&, httplib::Response&, Args...),
                   Args... args) {
    try {
      (this->*fn)(req, res, args...);
    } catch (const std::exception& e) {
      log::error("http", "request handler failed", {{"path", req.path}, {"what", e.what()}});
      rpc_error(res, 500, rpc::kInternalError, "Internal error");
    }
  }

  httplib::Server::Handler guarded(void (Impl::*fn)(const httplib::Request&, httplib::Response&)) {
    return [this, fn](const httplib::Request& req, httplib::Response& res) {
      run_guarded(req, res, fn);
    };
  }

  httplib::Server::HandlerWithContentReader guarded(void (Impl::*fn)(
      const httplib::Request&, httplib::Response&, const httplib::ContentReader&)) {
    return [this, fn](const httplib::Request& req, httplib::Response& res,
                      const httplib::ContentReader& reader) {
      run_guarded<const httplib::ContentReader&>(req, res, fn, reader);
    };
  }

  void install_routes() {
    const std::size_t threads = opts.request_threads + opts.max_streams;
    http.new_task_queue = [threads] { return new httplib::ThreadPool(threads); };
    http.set_payload_max_length(opts.max_body_bytes);
    http.set_keep_alive_max_count(100000);
    // Replies are small and latency-bound; with Nagle on, each one waits for a delayed ACK.
    http.set_tcp_nodelay(true);
    http.set_keep_alive_timeout(opts.keep_alive_timeout.count());
    http.set_pre_routing_handler(
        [this](const httplib::Request& req, httplib::Response& res) { return admit(req, res); });
    http.set_error_handler(httplib::Server::HandlerWithResponse(
        [this](const httplib::Request&, httplib::Response& res) {
          if (!res.body.empty()) return httplib::Server::HandlerResponse::Unhandled;
          if (res.status == 413) {
            rpc_error(res, 413, rpc::kServerError,
                      "Payload Too Large: the request body exceeds " +
                          std::to_string(opts.max_body_bytes) + " bytes");
          } else if (res.status == 404) {
            rpc_error(res, 404, rpc::kServerError, "Not Found: the MCP endpoint is /mcp");
          } else {
            rpc_error(res, res.status, rpc::kServerError, "HTTP error");
          }
          return httplib::Server::HandlerResponse::Handled;
        }));
    http.set_exception_handler(
        [](const httplib::Request&, httplib::Response& res, std::exception_ptr) {
          rpc_error(res, 500, rpc::kInternalError, "Internal error");
        });

    http.Post("/mcp", guarded(&Impl::post_mcp));
    http.Get("/mcp", guarded(&Impl::get_mcp));
    http.Delete("/mcp", guarded(&Impl::delete_mcp));
    auto not_allowed = [](const httplib::Request&, httplib::Response& res) {
      res.set_header("Allow", "GET, POST, DELETE");
      rpc_error(res, 405, rpc::kServerError, "Method Not Allowed");
    };
    http.Put("/mcp", not_allowed);
    http.Patch("/mcp", not_allowed);
    http.Options("/mcp", not_allowed);
    if (opts.legacy_sse) {
      http.Get("/sse", guarded(&Impl::get_sse));
      http.Post("/messages", guarded(&Impl::post_messages));
    }
    const auto ops = [this](const httplib::Request& req, httplib::Response& res) {
      try {
        auto r = ops_response(opts.ops, req.path);
        res.status = r->status;
        res.set_content(r->body, r->content_type);
      } catch (const std::exception& e) {
        res.status = 500;
        res.set_content(std::string("internal error: ") + e.what() + "\n", "text/plain");
      }
    };
    http.Get("/health", ops);
    http.Get("/ready", ops);
    http.Get("/metrics", ops);
  }

  void housekeeping_loop() {
    const auto period = std::clamp<std::chrono::milliseconds>(
        std::chrono::duration_cast<std::chrono::milliseconds>(opts.session_idle_timeout) / 4,
        std::chrono::milliseconds(1000), std::chrono::milliseconds(60000));
    std::unique_lock lock(hk_mu);
    while (!hk_cv.wait_for(lock, period, [this] { return stopping.load(); })) {
      if (const auto n = sessions.expire_idle(opts.session_idle_timeout); n > 0) {
        log::info("http", "expired idle sessions", {{"count", n}});
      }
    }
  }
};

HttpTransport::HttpTransport(McpServer& server, HttpOptions options)
    : impl_(std::make_unique<Impl>(server, std::move(options))) {
  impl_->install_routes();
}

HttpTransport::~HttpTransport() { stop(); }

Result<int> HttpTransport::bind() {
  const auto& o = impl_->opts;
  if (!impl_->listener.valid) {
    return fail(ErrorCode::InvalidArgument,
                "cannot load the TLS certificate " + o.tls_cert_file + " or key " + o.tls_key_file,
                "give PEM files this user can read: --tls-cert the certificate (with its chain), "
                "--tls-key its private key");
  }
  int port = o.port;
  if (port == 0) {
    port = impl_->http.bind_to_any_port(o.host);
  } else if (!impl_->http.bind_to_port(o.host, port)) {
    port = -1;
  }
  if (port <= 0) {
    return fail(ErrorCode::Unavailable, "cannot listen on " + o.host + ":" + std::to_string(o.port),
                "is another process using the port, or is the address not local?");
  }
  if (!impl_->listener.raise_backlog(SOMAXCONN)) {
    log::warn("http", "could not raise the listen backlog; bursts of connections may stall");
  }
  impl_->bound = true;
  impl_->housekeeper = std::thread([this] { impl_->housekeeping_loop(); });
  return port;
}

void HttpTransport::serve() {
  {
    std::lock_guard lock(impl_->serve_mu);
    if (!impl_->bound || impl_->stopping) return;
    impl_->serving = true;
  }
  impl_->http.listen_after_bind();
  impl_->serving = false;
}

void HttpTransport::stop() {
  {
    std::lock_guard lock(impl_->serve_mu);
    if (impl_->stopping.exchange(true)) return;
  }
  impl_->hk_cv.notify_all();
  // Close sessions first: their streams end, so the listener's threads can be joined.
  impl_->sessions.close_all();
  // httplib ignores stop() until its accept loop runs, and serve() may have passed its check
  // without reaching that loop yet: wait for it, or the stop would be lost.
  while (impl_->serving && !impl_->http.is_running()) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  impl_->http.stop();
  if (impl_->housekeeper.joinable()) impl_->housekeeper.join();
}

}  // namespace nmcp::mcp
