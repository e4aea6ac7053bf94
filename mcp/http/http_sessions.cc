// The HTTP transport's sessions and streams: the GET stream of a Streamable HTTP session, the
// legacy SSE transport (its stream and its messages), ending a session (DELETE), and the
// housekeeping that expires idle and never-initialised sessions.
#include "mcp/http/http_transport_internal.h"

namespace nmcp::mcp {

std::optional<HttpResponse> HttpTransport::Impl::get_mcp(const HttpRequest& req,
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

HttpResponse HttpTransport::Impl::delete_mcp(const HttpRequest& req) {
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

std::optional<HttpResponse> HttpTransport::Impl::get_sse(const HttpRequest& req,
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
      std::make_shared<Session>(random_hex(16), principal_of(req), default_level(), clock),
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
  stream_queue(entry, out, sse_head(), "event: endpoint\ndata: /messages?sessionId=" + id + "\n\n",
               [this, id] {
                 sessions.remove(id);
                 slots.release();
                 log::info("http", "legacy SSE session ended", {{"session", short_id(id)}});
               });
  return std::nullopt;
}

HttpResponse HttpTransport::Impl::post_messages(const HttpRequest& req) {
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

void HttpTransport::Impl::expire_sessions() {
  if (const auto n = sessions.expire_idle(opts.session_idle_timeout, opts.unready_session_timeout,
                                          clock.elapsed_ms());
      n > 0) {
    log::info("http", "expired sessions", {{"count", n}});
  }
}

std::chrono::milliseconds HttpTransport::Impl::reaper_period() const {
  const auto shortest =
      std::min<std::chrono::milliseconds>(opts.session_idle_timeout, opts.unready_session_timeout);
  return std::clamp<std::chrono::milliseconds>(shortest / 4, std::chrono::milliseconds(1000),
                                               std::chrono::milliseconds(60000));
}

}  // namespace nmcp::mcp
