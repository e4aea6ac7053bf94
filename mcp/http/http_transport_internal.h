#pragma once
// The HTTP transport's implementation, shared by its files: http_transport.cc (admission,
// routing, Streamable HTTP POST) and http_sessions.cc (the long-lived streams: GET /mcp and the
// legacy SSE transport with its messages; session ends; idle sessions). Internal to mcp/http.
// Thread-safety as http_transport.h says.

#include <algorithm>
#include <any>
#include <atomic>
#include <cctype>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <optional>
#include <set>
#include <thread>
#include <utility>
#include <variant>

#include "core/base/crypto.h"
#include "core/base/logging.h"
#include "core/base/memory.h"
#include "core/base/periodic_jobs.h"
#include "core/base/text.h"
#include "mcp/http/http_server.h"
#include "mcp/http/http_transport.h"
#include "mcp/http/message_queue.h"
#include "mcp/http/origin_policy.h"
#include "mcp/http/session_table.h"
#include "mcp/jsonrpc/message.h"
#include "mcp/protocol/version.h"

namespace nmcp::mcp {

namespace http_detail {

using json = nlohmann::json;
namespace rpc = jsonrpc;

inline constexpr const char* kSessionHeader = "Mcp-Session-Id";
inline constexpr std::size_t kStreamQueueCapacity = 1000;
inline constexpr std::size_t kLegacyQueueCapacity = 10000;
// Bodies at least this large return their parse memory to the system once handled.
inline constexpr std::size_t kLargeBody = 1U << 20U;

struct AcceptSet {
  bool json = false;
  bool sse = false;
};

// Which reply formats the client takes. No Accept header at all means anything.
inline AcceptSet parse_accept(const std::string& header) {
  if (header.empty()) return {true, true};
  const std::string h = ascii_lower(header);
  const bool any = h.find("*/*") != std::string::npos;
  return {any || h.find("application/json") != std::string::npos ||
              h.find("application/*") != std::string::npos,
          any || h.find("text/event-stream") != std::string::npos ||
              h.find("text/*") != std::string::npos};
}

inline bool is_json_content_type(const std::string& header) {
  const std::string h = ascii_lower(header);
  if (h.rfind("application/json", 0) != 0) return false;
  return h.size() == 16 || h[16] == ';' || h[16] == ' ';
}

inline std::string dump(const json& v) {
  return v.dump(-1, ' ', false, json::error_handler_t::replace);
}

inline HttpResponse rpc_error(int status, int code, std::string_view message) {
  return HttpResponse{status, "application/json", dump(rpc::make_error(nullptr, code, message))};
}

inline HttpResponse with_header(HttpResponse r, std::string name, std::string value) {
  r.headers.emplace_back(std::move(name), std::move(value));
  return r;
}

inline std::string sse_event(const json& message) {
  // Compact JSON never contains a raw newline, so one data: line is always enough.
  return "event: message\ndata: " + dump(message) + "\n\n";
}

inline HttpResponse sse_head(int status = 200) {
  HttpResponse r{status, "text/event-stream", ""};
  r.headers = {{"Cache-Control", "no-cache"}, {"X-Accel-Buffering", "no"}};
  return r;
}

inline std::string short_id(const std::string& id) { return id.substr(0, 8); }

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
inline std::string printable(const std::string& value) {
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

}  // namespace http_detail

using namespace http_detail;  // NOLINT: the transport's own helpers

struct HttpTransport::Impl {
  Impl(McpServer& s, HttpOptions o)
      : server(s),
        opts(std::move(o)),
        sessions(opts.max_sessions, opts.max_sessions_per_tenant),
        slots(opts.max_streams),
        http(server_options(), handlers()),
        clock(opts.clock != nullptr ? *opts.clock : steady_ms()),
        jobs(clock) {}

  McpServer& server;
  const HttpOptions opts;
  std::optional<OriginPolicy> policy;  // set by bind(), once the port is known
  SessionTable sessions;
  StreamSlots slots;
  HttpServer http;
  std::atomic<bool> stopping{false};
  const MonotonicClock& clock;
  PeriodicJobs jobs;  // the session reaper
  bool bound = false;
  // The sessions of the requests answered on an event stream now, so that a graceful stop can
  // ask them to answer (a modern request's session is in no table).
  std::mutex streaming_mu;
  std::multiset<std::shared_ptr<Session>> streaming;  // guarded by streaming_mu; one per stream

  McpLogLevel default_level() const { return server.options().default_log_level; }

  HttpServerOptions server_options() const;

  HttpHandlers handlers();

  // ---- Admission (on an I/O thread, before any body is read) -----------------------------

  HeadDecision admit(const HttpRequest& req);

  std::optional<Principal> authenticate(const HttpRequest& req) const;

  // The caller admit() authenticated: once, on the head, so a key reloaded away while the
  // body arrives cannot turn the request into someone else's.
  static const Principal& principal_of(const HttpRequest& req);

  // A session answers only the key that opened it (another key, even of the same tenant, finds
  // no such session), and each of its requests runs with that key's rights as loaded now: a
  // SIGHUP reload that narrows a key reaches its open sessions at their next request.
  static bool admit_to(const SessionEntry& e, const Principal& p);

  // ---- Routing (on a pool thread) ---------------------------------------------------------

  void route(HttpRequest req, const std::shared_ptr<Responder>& out);

  static void respond_unless_streaming(const std::shared_ptr<Responder>& out,
                                       std::optional<HttpResponse> r);

  // ---- Streamable HTTP -------------------------------------------------------------------

  // The JSON body of a POST, or the error reply.
  std::variant<json, HttpResponse> parse_body(const HttpRequest& req) const;

  void post_mcp(HttpRequest req, const std::shared_ptr<Responder>& out);

  // The reply to a POST /mcp, or nullopt when it is streaming (already answered).
  std::optional<HttpResponse> post_mcp_reply(HttpRequest& req,
                                             const std::shared_ptr<Responder>& out);

  // A 2026-07-28 request (http_modern.cc): its headers checked against its body, then served
  // on its own with no session, whatever Mcp-Session-Id it carries.
  static bool claims_modern(const json& message);
  std::optional<HttpResponse> post_modern(const HttpRequest& req, const json& message,
                                          AcceptSet accept, const std::shared_ptr<Responder>& out);

  // Answers `message` with an event stream opened at once, each notification written as it
  // happens, then the response (a call that asked for progress; a subscription).
  void answer_streaming(const std::shared_ptr<Session>& session, const json& message,
                        const std::shared_ptr<Responder>& out);

  // A call whose client has gone away is cancelled: its answer has nowhere to go.
  static void cancel_on_disconnect(const json& message, const std::shared_ptr<Session>& session,
                                   const std::shared_ptr<Responder>& out);

  static bool wants_progress(const json& message);

  // An error reply, or nullopt once the stream is open.
  std::optional<HttpResponse> get_mcp(const HttpRequest& req,
                                      const std::shared_ptr<Responder>& out);

  HttpResponse delete_mcp(const HttpRequest& req);

  std::shared_ptr<SessionEntry> session_for(const HttpRequest& req,
                                            std::optional<HttpResponse>& error);

  // Streams a session's queue until it closes, the client goes away or the server stops.
  void stream_queue(const std::shared_ptr<SessionEntry>& entry,
                    const std::shared_ptr<Responder>& out, HttpResponse head, std::string first,
                    std::function<void()> on_close);

  // ---- Legacy HTTP+SSE (2024-11-05) ------------------------------------------------------

  // An error reply, or nullopt once the stream is open.
  std::optional<HttpResponse> get_sse(const HttpRequest& req,
                                      const std::shared_ptr<Responder>& out);

  HttpResponse post_messages(const HttpRequest& req);

  // ---- Sessions ----------------------------------------------------------------------------

  void expire_sessions();

  // How often the reaper looks: a quarter of the shorter timeout, within 1 s to 60 s.
  std::chrono::milliseconds reaper_period() const;
};

}  // namespace nmcp::mcp
