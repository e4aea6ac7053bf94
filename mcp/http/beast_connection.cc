// One HTTP/1.1 connection of the Boost.Beast adapter (beast_server_internal.h), on its own
// strand: it reads one request head (with a deadline), checks the framing, asks on_head, reads
// the body (with a deadline and the size limit), hands the request to the FairPool, and reads
// the next request only once the response is written, so pipelined requests are answered in
// order. Responses are framed here and written from one queue per connection; a streamed
// response is chunked. While a request runs, the socket is watched for the client closing it.

#include <sys/socket.h>

#include <cctype>
#include <cerrno>
#include <deque>

#include "core/base/logging.h"
#include "core/base/text.h"
#include "mcp/http/beast_server_internal.h"

namespace nmcp::mcp::beast_detail {

namespace {

// Header values go out verbatim; a CR or LF in one would split the response.
std::string field_safe(std::string_view v) {
  std::string out;
  for (const char c : v) {
    if (c != '\r' && c != '\n') out += c;
  }
  return out;
}

std::string response_head(int status, const HttpResponse& r, bool chunked, bool close,
                          std::size_t length) {
  std::string head = "HTTP/1.1 " + std::to_string(status) + " ";
  const auto reason = http::obsolete_reason(http::int_to_status(static_cast<unsigned>(status)));
  head.append(reason.data(), reason.size());
  head += "\r\n";
  if (!r.content_type.empty()) head += "Content-Type: " + field_safe(r.content_type) + "\r\n";
  for (const auto& [name, value] : r.headers) {
    head += field_safe(name) + ": " + field_safe(value) + "\r\n";
  }
  head += chunked ? std::string("Transfer-Encoding: chunked\r\n")
                  : "Content-Length: " + std::to_string(length) + "\r\n";
  if (close) head += "Connection: close\r\n";
  head += "\r\n";
  return head;
}

std::string chunk(std::string_view data) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string size;
  for (std::size_t n = data.size(); n > 0; n >>= 4U) size.insert(size.begin(), kDigits[n & 0xFU]);
  std::string out;
  out.reserve(size.size() + data.size() + 4);
  out += size;
  out += "\r\n";
  out += data;
  out += "\r\n";
  return out;
}

template <class Stream>
class Conn final : public ConnBase, public std::enable_shared_from_this<Conn<Stream>> {
 public:
  Conn(HttpServer::Impl* server, Stream stream, std::string remote)
      : server_(server),
        stream_(std::move(stream)),
        remote_(std::move(remote)),
        ping_timer_(stream_.get_executor()) {}

  ~Conn() override { server_->connections--; }

  void start() {
    if constexpr (std::is_same_v<Stream, beast::tcp_stream>) {
      read_head();
    } else {
      tcp_layer().expires_after(server_->opts.head_timeout);
      stream_.async_handshake(ssl::stream_base::server,
                              [self = this->shared_from_this()](error_code ec) {
                                if (ec) return self->close();
                                self->read_head();
                              });
    }
  }

  void post_response(std::uint64_t generation, HttpResponse response) override {
    net::post(stream_.get_executor(),
              [self = this->shared_from_this(), generation, r = std::move(response)]() mutable {
                if (generation == self->generation_) self->send_response(std::move(r));
              });
  }
  void post_stream(std::uint64_t generation, HttpResponse head, std::shared_ptr<StreamImpl> stream,
                   StreamOptions options) override {
    net::post(stream_.get_executor(),
              [self = this->shared_from_this(), generation, h = std::move(head), stream,
               o = std::move(options)]() mutable {
                if (generation != self->generation_ || self->closed_) return stream->closed();
                self->start_stream(std::move(h), stream, std::move(o));
              });
  }
  void post_chunk(std::uint64_t generation, std::string data) override {
    net::post(stream_.get_executor(),
              [self = this->shared_from_this(), generation, d = std::move(data)]() mutable {
                if (generation != self->generation_ || !self->stream_open_) return;
                const std::size_t n = d.size();
                self->queue(self->chunked_ ? chunk(d) : std::move(d), n);
              });
  }
  void post_stream_end(std::uint64_t generation) override {
    net::post(stream_.get_executor(), [self = this->shared_from_this(), generation] {
      if (generation != self->generation_ || !self->stream_open_) return;
      self->end_stream();
    });
  }
  void post_close() override {
    net::post(stream_.get_executor(), [self = this->shared_from_this()] { self->close(); });
  }

 private:
  using Parser = http::request_parser<http::string_body>;

  beast::tcp_stream& tcp_layer() { return beast::get_lowest_layer(stream_); }
  tcp::socket& socket() { return tcp_layer().socket(); }
  const HttpServerOptions& opts() const { return server_->opts; }

  // ---- Reading ----

  void read_head() {
    if (closed_) return;
    parser_.emplace();
    parser_->header_limit(static_cast<std::uint32_t>(opts().header_limit));
    parser_->body_limit(static_cast<std::uint64_t>(opts().max_body_bytes));
    tcp_layer().expires_after(opts().head_timeout);
    http::async_read_header(
        stream_, buffer_, *parser_,
        [self = this->shared_from_this()](error_code ec, std::size_t) { self->on_head(ec); });
  }

  void on_head(error_code ec) {
    if (ec) return read_failed(ec, /*head=*/true);
    tcp_layer().expires_never();
    const auto& m = parser_->get();
    request_ = HttpRequest{};
    request_.method = std::string(m.method_string());
    request_.target = std::string(m.target());
    const auto q = request_.target.find('?');
    request_.path = request_.target.substr(0, q);
    if (q != std::string::npos) request_.query = request_.target.substr(q + 1);
    request_.remote = remote_;
    for (const auto& f : m) {
      request_.headers.emplace_back(ascii_lower(sv(f.name_string())), std::string(sv(f.value())));
    }
    keep_alive_ = parser_->keep_alive();
    chunked_ = m.version() >= 11;
    if (auto problem = framing_problem(m)) return refuse(400, *problem);
    if (const auto length = parser_->content_length(); length && *length > opts().max_body_bytes) {
      return refuse(413, "the request body of " + std::to_string(*length) +
                             " bytes exceeds the limit of " +
                             std::to_string(opts().max_body_bytes) + " bytes");
    }
    HeadDecision decision;
    try {
      decision = server_->handlers.on_head(request_);
    } catch (const std::exception& e) {
      log::error("http", "request admission failed", {{"what", e.what()}});
      return refuse(500, "internal error");
    }
    if (decision.reply) {
      // The body, if any, is never read: the connection cannot carry another request.
      if (!parser_->is_done()) decision.reply->close = true;
      ++generation_;
      return send_response(std::move(*decision.reply));
    }
    lane_ = std::move(decision.lane);
    request_.admitted = std::move(decision.admitted);
    if (parser_->is_done()) return dispatch();
    const auto expect = m[http::field::expect];
    if (!expect.empty()) {
      if (!equals_ignoring_case(sv(expect), "100-continue"))
        return refuse(417, "only Expect: 100-continue");
      auto line = std::make_shared<std::string>("HTTP/1.1 100 Continue\r\n\r\n");
      tcp_layer().expires_after(opts().write_timeout);
      net::async_write(stream_, net::buffer(*line),
                       [self = this->shared_from_this(), line](error_code wec, std::size_t) {
                         if (wec) return self->close();
                         self->read_body();
                       });
      return;
    }
    read_body();
  }

  // The RFC 9112 rules Beast leaves to us.
  std::optional<std::string> framing_problem(const http::request<http::string_body>& m) const {
    const bool has_length = m.count(http::field::content_length) > 0;
    const auto te = m.count(http::field::transfer_encoding);
    if (te > 0 && has_length) {
      return "a request may not carry both Content-Length and Transfer-Encoding";
    }
    if (te > 1 ||
        (te == 1 && !equals_ignoring_case(sv(m[http::field::transfer_encoding]), "chunked"))) {
      return "the only transfer coding accepted is \"chunked\"";
    }
    const auto hosts = m.count(http::field::host);
    if (hosts > 1) return "a request carries exactly one Host header";
    if (hosts == 0 && m.version() >= 11) return "HTTP/1.1 requests need a Host header";
    for (const char c : m[http::field::host]) {
      if (c <= 0x20 || c >= 0x7f) return "the Host header has a character no host name has";
    }
    for (const auto& name : opts().single_headers) {
      if (m.count(name) > 1) return "the " + name + " header may appear only once";
    }
    return std::nullopt;
  }

  void read_body() {
    tcp_layer().expires_after(opts().body_timeout);
    http::async_read(stream_, buffer_, *parser_,
                     [self = this->shared_from_this()](error_code ec, std::size_t) {
                       if (ec) return self->read_failed(ec, /*head=*/false);
                       self->tcp_layer().expires_never();
                       self->request_.body = self->parser_->release().body();
                       self->dispatch();
                     });
  }

  void read_failed(error_code ec, bool head) {
    if (ec == http::error::end_of_stream || ec == net::error::operation_aborted ||
        ec == beast::error::timeout || ec == net::error::eof ||
        ec == net::error::connection_reset) {
      return close();
    }
    if (ec == http::error::body_limit) {
      return refuse(413, "the request body exceeds the limit of " +
                             std::to_string(opts().max_body_bytes) + " bytes");
    }
    if (ec == http::error::header_limit) {
      return refuse(431,
                    "the request head exceeds " + std::to_string(opts().header_limit) + " bytes");
    }
    if (ec == http::error::bad_content_length) {
      // Beast reports a Content-Length after "Transfer-Encoding: chunked" the same way.
      return refuse(400,
                    "Content-Length must be one non-negative decimal number, and a request may "
                    "not carry it together with Transfer-Encoding");
    }
    if (ec == http::error::bad_transfer_encoding) {
      return refuse(400,
                    "a request may not carry both Content-Length and Transfer-Encoding, and the "
                    "only transfer coding accepted is \"chunked\"");
    }
    if (ec == http::error::partial_message && !head) return close();
    return refuse(400, std::string("malformed HTTP request: ") + ec.message());
  }

  // The server's own refusal, in the transport's format (plain text if it has none).
  HttpResponse error_response(int status, const std::string& message) const {
    HttpResponse r{status, "text/plain", message + "\n"};
    try {
      if (server_->handlers.format_error) r = server_->handlers.format_error(status, message);
    } catch (const std::exception&) {
    }
    r.status = status;
    return r;
  }

  // A framing error: answered, then the connection is closed (its byte stream is unreliable).
  void refuse(int status, const std::string& message) {
    HttpResponse r = error_response(status, message);
    r.close = true;
    ++generation_;
    send_response(std::move(r));
  }

  void dispatch() {
    const std::uint64_t generation = ++generation_;
    auto responder = std::make_shared<ResponderImpl>(this->weak_from_this(), generation,
                                                     opts().max_stream_buffer);
    responder_ = responder;
    busy_ = true;
    // Nothing else may be pending while the handler runs (the watch ends when the next
    // pipelined request arrives), so the connection holds itself until the response is done.
    keep_alive_self_ = this->shared_from_this();
    watch_disconnect(generation);
    if (server_->draining) {
      // The server is shutting down: requests already running finish, new ones go elsewhere.
      HttpResponse r = error_response(503,
                                      "the server is shutting down; retry on another "
                                      "replica or in a few seconds");
      r.headers.emplace_back("Retry-After", "2");
      r.headers.emplace_back("Connection", "close");
      send_response(std::move(r));
      return;
    }
    server_->handling++;
    auto job = [server = server_, request = std::move(request_), responder,
                executor = stream_.get_executor()]() mutable {
      // Runs on the pool, which the server shuts down before it goes away.
      try {
        server->handlers.on_request(std::move(request), responder);
      } catch (const std::exception& e) {
        log::error("http", "request handler failed", {{"what", e.what()}});
        responder->respond(HttpResponse{500, "text/plain", "internal error\n"});
      }
      // After the answer's pieces, which the handler posted to the same executor: a drain that
      // sees nothing handled also sees them queued (unwritten).
      net::post(executor, [server] { server->handling--; });
    };
    const auto submitted = server_->pool->try_submit(lane_, std::move(job));
    if (submitted != FairPool::Submitted::Yes) {
      server_->handling--;
      HttpResponse r = error_response(503, submitted == FairPool::Submitted::LaneFull
                                               ? "too many requests from this client are "
                                                 "waiting; retry in a few seconds"
                                               : "the server is busy; retry in a few seconds");
      r.headers.emplace_back("Retry-After", "2");
      send_response(std::move(r));
    }
  }

  // While a request runs nothing else is read, so a readable socket means the client either
  // sent its next (pipelined) request or closed the connection: peek to tell which.
  void watch_disconnect(std::uint64_t generation) {
    socket().async_wait(
        tcp::socket::wait_read, [self = this->shared_from_this(), generation](error_code ec) {
          if (ec || generation != self->generation_ || !self->busy_ || self->closed_) return;
          char c = 0;
          const auto n = ::recv(self->socket().native_handle(), &c, 1, MSG_PEEK | MSG_DONTWAIT);
          if (n > 0) return;  // the next request; the response will be written first
          if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
            return self->watch_disconnect(generation);
          }
          log::debug("http", "the client closed its connection while its request ran",
                     {{"remote", self->remote_}});
          self->close();
        });
  }

  // ---- Writing ----

  void send_response(HttpResponse r) {
    if (closed_) return;
    const bool close_after = r.close || !keep_alive_ || server_->stopping;
    std::string text = response_head(r.status, r, false, close_after, r.body.size());
    text += r.body;
    close_after_ = close_after;
    response_done_ = true;
    queue(std::move(text), 0);
  }

  void start_stream(HttpResponse head, const std::shared_ptr<StreamImpl>& stream,
                    StreamOptions options) {
    stream_impl_ = stream;
    stream_open_ = true;
    ping_ = std::move(options);
    server_->streams++;
    close_after_ = !keep_alive_ || !chunked_;
    queue(response_head(head.status, head, chunked_, close_after_, 0), 0);
    arm_ping();
  }

  void end_stream() {
    stream_open_ = false;
    ping_timer_.cancel();
    response_done_ = true;
    if (chunked_)
      queue("0\r\n\r\n", 0);
    else
      flush();
  }

  void arm_ping() {
    if (ping_.idle_ping.count() <= 0 || ping_.ping_text.empty()) return;
    ping_timer_.expires_after(ping_.idle_ping);
    ping_timer_.async_wait([self = this->shared_from_this(), g = generation_](error_code ec) {
      if (ec || g != self->generation_ || !self->stream_open_ || self->closed_) return;
      self->queue(self->chunked_ ? chunk(self->ping_.ping_text) : self->ping_.ping_text, 0);
      self->arm_ping();
    });
  }

  // `payload` is the stream bytes this item carries (for the stream's buffer accounting).
  void queue(std::string data, std::size_t payload) {
    if (closed_) return;
    out_.push_back({std::move(data), payload});
    server_->unwritten++;
    flush();
  }

  void flush() {
    if (writing_ || closed_) return;
    if (out_.empty()) {
      if (response_done_) finish_response();
      return;
    }
    writing_ = true;
    auto item = std::make_shared<Outgoing>(std::move(out_.front()));
    out_.pop_front();
    tcp_layer().expires_after(opts().write_timeout);
    net::async_write(stream_, net::buffer(item->data),
                     [self = this->shared_from_this(), item](error_code ec, std::size_t) {
                       self->writing_ = false;
                       self->server_->unwritten--;
                       if (ec) return self->close();
                       self->tcp_layer().expires_never();
                       if (item->payload > 0 && self->stream_impl_) {
                         self->stream_impl_->written(item->payload);
                       }
                       if (self->stream_open_) self->arm_ping();
                       self->flush();
                     });
  }

  void finish_response() {
    response_done_ = false;
    busy_ = false;
    responder_.reset();
    const auto self = std::move(keep_alive_self_);
    end_stream_impl();
    if (close_after_ || server_->stopping) return linger_close();
    ++generation_;
    read_head();
  }

  // The streamed response, if one was open, is over: its owner hears of it once.
  void end_stream_impl() {
    if (auto s = std::move(stream_impl_)) {
      server_->streams--;
      s->closed();
    }
  }

  // Half-closes and reads what the client still sends for a moment, so that a client still
  // sending a refused body reads our answer instead of a reset.
  void linger_close() {
    error_code ignored;
    if constexpr (std::is_same_v<Stream, beast::tcp_stream>) {
      socket().shutdown(tcp::socket::shutdown_send, ignored);
      tcp_layer().expires_after(std::chrono::seconds(1));
      drain(0);
    } else {
      close();
    }
  }

  void drain(std::size_t total) {
    auto buf = std::make_shared<std::array<char, 16384>>();
    tcp_layer().async_read_some(net::buffer(*buf), [self = this->shared_from_this(), buf, total](
                                                       error_code ec, std::size_t n) {
      if (ec || total + n > (8U << 20U)) return self->close();
      self->drain(total + n);
    });
  }

 public:
  void close() {
    if (closed_) return;
    closed_ = true;
    stream_open_ = false;
    server_->unwritten -= out_.size();  // never to be written
    out_.clear();
    error_code ignored;
    ping_timer_.cancel();
    tcp_layer().cancel();
    socket().shutdown(tcp::socket::shutdown_both, ignored);
    socket().close(ignored);
    const auto self = std::move(keep_alive_self_);
    if (auto r = std::move(responder_)) r->disconnected();
    end_stream_impl();
    server_->forget(this);
  }

 private:
  struct Outgoing {
    std::string data;
    std::size_t payload = 0;
  };

  HttpServer::Impl* const server_;  // outlives every connection
  Stream stream_;
  const std::string remote_;
  beast::flat_buffer buffer_;
  std::optional<Parser> parser_;
  HttpRequest request_;
  std::string lane_;
  bool keep_alive_ = true;
  bool chunked_ = true;
  bool busy_ = false;
  bool closed_ = false;
  bool writing_ = false;
  bool response_done_ = false;
  bool close_after_ = false;
  bool stream_open_ = false;
  // Bumped per request: answers from an earlier request's handler are ignored.
  std::uint64_t generation_ = 0;
  std::shared_ptr<ResponderImpl> responder_;
  std::shared_ptr<StreamImpl> stream_impl_;
  std::shared_ptr<Conn> keep_alive_self_;  // set while a request is being answered
  StreamOptions ping_;
  net::steady_timer ping_timer_;
  std::deque<Outgoing> out_;
};

}  // namespace

void start_connection(HttpServer::Impl* server, tcp::socket socket, std::string remote) {
  const auto start = [server](auto conn) {
    {
      std::lock_guard lock(server->conns_mu);
      server->conns.emplace(conn.get(), conn);
    }
    conn->start();
  };
  if (server->tls) {
    using TlsStream = beast::ssl_stream<beast::tcp_stream>;
    start(std::make_shared<Conn<TlsStream>>(server, TlsStream(std::move(socket), *server->tls),
                                            std::move(remote)));
  } else {
    start(std::make_shared<Conn<beast::tcp_stream>>(server, beast::tcp_stream(std::move(socket)),
                                                    std::move(remote)));
  }
}

}  // namespace nmcp::mcp::beast_detail
