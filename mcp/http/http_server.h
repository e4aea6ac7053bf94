#pragma once
// HttpServer: an event-driven HTTP/1.1 server with strict framing, for the MCP HTTP front.
// A few I/O threads hold every connection, so idle, slow and streaming clients cost a little
// memory each and never a thread; requests run on a FairPool with one lane per tenant, so one
// tenant's backlog cannot delay another's first request. (The Boost.Beast adapter; no Boost
// type leaves beast_server.cc.)
//
// Framing rules (RFC 9112), all answered at once and before any body is read:
//   - a request head must arrive whole within head_timeout of the connection opening or of
//     the previous response, or the connection is closed (slow-header clients);
//   - a head over header_limit is 431; a Content-Length that is not one decimal number is 400;
//     Content-Length together with Transfer-Encoding, or a transfer coding other than chunked,
//     is 400 and the connection is closed (request smuggling);
//   - a declared body over max_body_bytes is 413 without reading it; a chunked one is cut off
//     at the limit with 413;
//   - exactly one Host header, printable; headers named in single_headers at most once.
// Pipelined requests are answered one at a time, in order. A client that closes its
// connection while its request runs is reported through Responder::on_disconnect.
//
// Thread-safety: bind() then serve() on one thread; stop() from any thread. on_head runs on an
// I/O thread and must not block; on_request runs on a pool thread. Responder and
// ResponseStream methods may be called from any thread.

#include <any>
#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/base/result.h"

namespace nmcp::mcp {

struct HttpRequest {
  std::string method;  // as sent, e.g. "POST"
  std::string target;  // path and query as sent
  std::string path;
  std::string query;  // without the '?'
  // In the order sent, names lower-cased.
  std::vector<std::pair<std::string, std::string>> headers;
  std::string remote;  // peer address
  std::string body;    // empty in on_head
  // What on_head decided about this request (HeadDecision::admitted), for on_request.
  std::any admitted;

  // The first value of a header (name in lower case), or "".
  std::string header(std::string_view name) const;
  bool has_header(std::string_view name) const;
  // A query parameter, percent-decoded, or "".
  std::string query_param(std::string_view name) const;
};

struct HttpResponse {
  HttpResponse() = default;
  HttpResponse(int s, std::string type, std::string text)
      : status(s), content_type(std::move(type)), body(std::move(text)) {}

  int status = 200;
  std::string content_type;
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
  bool close = false;  // close the connection after this response
};

// A response whose body is written as it is produced (an SSE stream), as chunks.
class ResponseStream {
 public:
  virtual ~ResponseStream() = default;
  // Queues a chunk. False, and the chunk is dropped, when the stream has ended or the client
  // has stopped reading and the stream's buffer is full.
  virtual bool write(std::string chunk) = 0;
  // Ends the response; the connection then serves its next request.
  virtual void end() = 0;
  virtual bool open() const = 0;
  // Runs once (on an I/O thread) when the stream ends for any reason: end(), the client
  // leaving, a write failing, or the server stopping. Set it before anything can end it.
  virtual void on_close(std::function<void()> callback) = 0;
};

struct StreamOptions {
  // Written when nothing else was written for this long (keeps proxies from timing out).
  std::chrono::milliseconds idle_ping{15000};
  std::string ping_text;
};

// The answer to one request: respond() once, or stream() once.
class Responder {
 public:
  virtual ~Responder() = default;
  virtual void respond(HttpResponse response) = 0;
  // Starts a streamed response with the status and headers of `head` (its body is ignored).
  virtual std::shared_ptr<ResponseStream> stream(HttpResponse head, StreamOptions options) = 0;
  // Runs (on an I/O thread) if the client closes the connection before the response is
  // complete; at once if it already has.
  virtual void on_disconnect(std::function<void()> callback) = 0;
};

// What on_head decides: answer now (the body is never read), or run on_request in `lane`,
// with `admitted` (e.g. the authenticated caller) handed to it in HttpRequest::admitted.
struct HeadDecision {
  std::optional<HttpResponse> reply;
  std::string lane;
  std::any admitted;

  static HeadDecision answer(HttpResponse r) { return {std::move(r), "", {}}; }
  static HeadDecision run(std::string lane, std::any admitted = {}) {
    return {std::nullopt, std::move(lane), std::move(admitted)};
  }
};

struct HttpHandlers {
  std::function<HeadDecision(const HttpRequest& head)> on_head;
  std::function<void(HttpRequest request, std::shared_ptr<Responder> responder)> on_request;
  // The body of the server's own refusals (framing errors, busy), in the transport's format.
  std::function<HttpResponse(int status, const std::string& message)> format_error;
};

struct HttpServerOptions {
  std::string host = "127.0.0.1";
  int port = 0;
  std::string tls_cert_file;  // both PEM files, or neither
  std::string tls_key_file;
  std::size_t io_threads = 2;
  // Request threads: this many always, up to max_request_threads while all are busy.
  std::size_t request_threads = 16;
  std::size_t max_request_threads = 512;
  std::size_t max_connections = 20000;
  std::size_t max_body_bytes = 4U << 20U;
  std::size_t header_limit = 16U << 10U;
  std::chrono::milliseconds head_timeout{10000};
  std::chrono::milliseconds body_timeout{30000};
  std::chrono::milliseconds write_timeout{30000};
  std::size_t max_queued_per_lane = 256;
  std::size_t max_queued = 8192;
  std::size_t max_stream_buffer = 1U << 20U;
  // Headers a request may carry at most once (lower case), besides Host.
  std::vector<std::string> single_headers;
};

class HttpServer {
 public:
  HttpServer(HttpServerOptions options, HttpHandlers handlers);
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // Loads TLS files and listens; returns the port (useful with port 0).
  Result<int> bind();
  // Serves until stop(). Requires a successful bind().
  void serve();
  // Closes the listener and every connection, then waits for running handlers.
  void stop();
  // The first half of a graceful stop: closes the listener, answers new requests on open
  // connections 503 (Connection: close), and waits up to `grace` for running handlers to
  // finish. stop() does the rest.
  void drain(std::chrono::milliseconds grace);
  // Requests whose handler runs now.
  std::size_t handling() const;

  struct Stats {
    std::size_t connections = 0;
    std::size_t streams = 0;
  };
  Stats stats() const;

  struct Impl;  // beast_server_internal.h

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace nmcp::mcp
