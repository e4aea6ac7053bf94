#pragma once
// HttpTransport: MCP over HTTP, on one listener:
//   POST/GET/DELETE /mcp    Streamable HTTP (2025-03-26 and later), with sessions
//                           (Mcp-Session-Id) or stateless for load-balanced replicas;
//   GET /sse, POST /messages  the deprecated HTTP+SSE transport of 2024-11-05;
//   GET /health             liveness, outside authentication and Host checks.
// Every other route is checked for Host and Origin (DNS rebinding: 403) and, when API keys are
// configured, for "Authorization: Bearer" (401 with WWW-Authenticate).
//
// Threads: the event-driven HttpServer (http_server.h) holds every connection and stream on a
// few I/O threads; requests run on request_threads pool threads, served tenant by tenant in
// turn. A POST's tool call runs on its pool thread (no hand-off); its reply is JSON, or an
// event stream when the client asked for progress (written as it happens) or the call sent
// log messages (delivered before the response). A client that closes the connection while its
// call runs cancels the call: without resumable streams its answer could never be delivered.
//
// Fairness: sessions are capped per tenant (max_sessions_per_tenant) as well as in total, and
// sessions whose client never sends notifications/initialized expire after
// unready_session_timeout. Calls in flight are capped per session and per tenant by McpServer.
//
// Stateless mode serves only POST /mcp: the legacy HTTP+SSE transport needs a session per
// client on one replica, so /sse and /messages answer 404 with the way forward.
//
// Thread-safety: bind() then serve() on one thread; stop() from any thread makes serve()
// return after open streams have been closed.

#include <chrono>
#include <cstddef>
#include <memory>
#include <string>
#include <vector>

#include "core/base/monotonic_clock.h"
#include "core/base/result.h"
#include "mcp/http/api_keys.h"
#include "mcp/http/ops_endpoints.h"
#include "mcp/server/mcp_server.h"

namespace nmcp::mcp {

struct HttpOptions {
  std::string host = "127.0.0.1";
  int port = 8765;
  bool stateless = false;
  bool legacy_sse = true;
  std::vector<std::string> allowed_hosts;
  std::vector<std::string> allowed_origins;
  std::shared_ptr<ApiKeys> api_keys;  // null: no authentication
  std::size_t max_body_bytes = 4U << 20U;
  std::size_t max_streams = 4096;
  std::size_t request_threads = 16;       // always running
  std::size_t max_request_threads = 512;  // while every one of them is busy
  std::size_t io_threads = 2;
  std::size_t max_connections = 20000;
  std::size_t max_sessions = 4096;
  std::size_t max_sessions_per_tenant = 256;
  std::chrono::seconds session_idle_timeout{3600};
  std::chrono::seconds unready_session_timeout{30};
  std::chrono::milliseconds keepalive_interval{15000};
  // A connection must deliver a whole request head this soon after opening or after its
  // previous response (idle keep-alive connections included), or it is closed.
  std::chrono::milliseconds head_timeout{10000};
  // TLS on the listener: both PEM files, or neither (plain HTTP, e.g. behind a proxy).
  std::string tls_cert_file;
  std::string tls_key_file;
  // GET /health, /ready, /metrics (ops_endpoints.h).
  OpsEndpoints ops;
  // Times sessions' idleness and the session reaper (a job on the transport's PeriodicJobs);
  // null: steady_ms(). Must outlive the transport.
  const MonotonicClock* clock = nullptr;
};

class HttpTransport {
 public:
  HttpTransport(McpServer& server, HttpOptions options);
  ~HttpTransport();
  HttpTransport(const HttpTransport&) = delete;
  HttpTransport& operator=(const HttpTransport&) = delete;

  // Binds the listener; returns the port (useful with port 0).
  Result<int> bind();
  // Serves until stop(). Requires a successful bind().
  void serve();
  // Stops serving. With a grace period (SIGTERM on a replica), the listener closes first, new
  // requests are answered 503, and calls already running get up to `grace` to finish and be
  // answered; then sessions, streams and connections close.
  void stop(std::chrono::milliseconds grace = std::chrono::milliseconds(0));

  struct Stats {
    std::size_t connections = 0;
    std::size_t streams = 0;
    std::size_t sessions = 0;
  };
  Stats stats() const;

  // Runs the transport's periodic jobs that are due now on the transport's clock (the session
  // reaper), without waiting for their next turn: for tests on a ManualMonotonic.
  void wake_jobs();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace nmcp::mcp
