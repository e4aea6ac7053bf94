#pragma once
// What the Boost.Beast adapter's files share (beast_server.cc: the listener and the server's
// life; beast_connection.cc: one connection). Boost types are allowed here and in those two
// files only; nothing outside mcp/http includes this header.
//
// Thread-safety: HttpServer::Impl's atomics and conns_mu as commented; a connection lives on
// its strand; StreamImpl and ResponderImpl post to it from any thread.

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/base/fair_pool.h"
#include "mcp/http/http_server.h"

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ip/v6_only.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>

namespace nmcp::mcp {

namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;
namespace ssl = net::ssl;
using tcp = net::ip::tcp;
using error_code = beast::error_code;

namespace beast_detail {

inline std::string_view sv(beast::string_view s) { return {s.data(), s.size()}; }

// Callbacks that run once, when the event happens, or at once if it already has.
class OnceEvent {
 public:
  void subscribe(std::function<void()> callback) {
    std::unique_lock lock(mu_);
    if (!happened_) {
      callbacks_.push_back(std::move(callback));
      return;
    }
    lock.unlock();
    if (callback) callback();
  }
  // Runs the callbacks the first time; later calls do nothing.
  void happen() {
    std::vector<std::function<void()>> callbacks;
    {
      std::lock_guard lock(mu_);
      if (happened_) return;
      happened_ = true;
      callbacks.swap(callbacks_);
    }
    for (auto& c : callbacks) {
      if (c) c();
    }
  }

 private:
  std::mutex mu_;
  bool happened_ = false;                         // guarded by mu_
  std::vector<std::function<void()>> callbacks_;  // guarded by mu_
};

class StreamImpl;

// What a Responder and a ResponseStream need from their connection (posted to its strand).
class ConnBase {
 public:
  virtual ~ConnBase() = default;
  virtual void post_response(std::uint64_t generation, HttpResponse response) = 0;
  virtual void post_stream(std::uint64_t generation, HttpResponse head,
                           std::shared_ptr<StreamImpl> stream, StreamOptions options) = 0;
  virtual void post_chunk(std::uint64_t generation, std::string data) = 0;
  virtual void post_stream_end(std::uint64_t generation) = 0;
  virtual void post_close() = 0;
};

class StreamImpl final : public ResponseStream {
 public:
  StreamImpl(std::weak_ptr<ConnBase> conn, std::uint64_t generation, std::size_t max_buffer)
      : conn_(std::move(conn)), generation_(generation), max_buffer_(max_buffer) {}

  bool write(std::string data) override {
    if (!open_ || data.empty()) return open_;
    if (pending_.load() + data.size() > max_buffer_) return false;
    const auto conn = conn_.lock();
    if (!conn) return false;
    pending_ += data.size();
    conn->post_chunk(generation_, std::move(data));
    return true;
  }
  void end() override {
    if (!open_.exchange(false)) return;
    if (const auto conn = conn_.lock()) conn->post_stream_end(generation_);
  }
  bool open() const override { return open_; }
  void on_close(std::function<void()> callback) override { closed_.subscribe(std::move(callback)); }

  // Called by the connection (on its strand).
  void written(std::size_t n) { pending_ -= std::min(n, pending_.load()); }
  void closed() {
    open_ = false;
    closed_.happen();
  }

 private:
  const std::weak_ptr<ConnBase> conn_;
  const std::uint64_t generation_;
  const std::size_t max_buffer_;
  std::atomic<bool> open_{true};
  std::atomic<std::size_t> pending_{0};
  OnceEvent closed_;
};

class ResponderImpl final : public Responder {
 public:
  ResponderImpl(std::weak_ptr<ConnBase> conn, std::uint64_t generation, std::size_t max_buffer)
      : conn_(std::move(conn)), generation_(generation), max_buffer_(max_buffer) {}

  void respond(HttpResponse response) override {
    if (answered_.exchange(true)) return;
    if (const auto conn = conn_.lock()) conn->post_response(generation_, std::move(response));
  }
  std::shared_ptr<ResponseStream> stream(HttpResponse head, StreamOptions options) override {
    auto s = std::make_shared<StreamImpl>(conn_, generation_, max_buffer_);
    if (answered_.exchange(true)) {
      s->closed();
      return s;
    }
    if (const auto conn = conn_.lock()) {
      conn->post_stream(generation_, std::move(head), s, std::move(options));
    } else {
      s->closed();
    }
    return s;
  }
  void on_disconnect(std::function<void()> callback) override {
    disconnected_.subscribe(std::move(callback));
  }

  void disconnected() { disconnected_.happen(); }

 private:
  const std::weak_ptr<ConnBase> conn_;
  const std::uint64_t generation_;
  const std::size_t max_buffer_;
  std::atomic<bool> answered_{false};
  OnceEvent disconnected_;
};

}  // namespace beast_detail

// Member order matters: the io_context destroys the connections still queued in it, and they
// touch the counters and the TLS context, so those are declared (and outlive it) first.
struct HttpServer::Impl {
  Impl(HttpServerOptions o, HttpHandlers h)
      : opts(std::move(o)),
        handlers(std::move(h)),
        ioc(static_cast<int>(std::max<std::size_t>(1, opts.io_threads))),
        acceptor(ioc),
        accept_retry(ioc),
        pool(std::make_unique<FairPool>("http", opts.request_threads,
                                        std::max(opts.request_threads, opts.max_request_threads),
                                        opts.max_queued_per_lane, opts.max_queued)) {}

  const HttpServerOptions opts;
  const HttpHandlers handlers;
  std::size_t max_connections = 0;
  std::atomic<std::size_t> connections{0};
  std::atomic<std::size_t> streams{0};
  std::atomic<bool> stopping{false};
  std::atomic<bool> serving{false};
  std::atomic<bool> draining{false};          // stop(grace): answer new requests 503
  std::atomic<std::size_t> handling{0};       // requests whose handler runs now
  std::atomic<std::size_t> unwritten{0};      // response pieces queued and not yet written
  std::atomic<bool> acceptor_closing{false};  // close_acceptor() ran
  std::mutex conns_mu;
  std::map<const beast_detail::ConnBase*, std::weak_ptr<beast_detail::ConnBase>>
      conns;  // guarded by conns_mu
  std::optional<ssl::context> tls;
  net::io_context ioc;
  tcp::acceptor acceptor;
  net::steady_timer accept_retry;
  std::optional<net::executor_work_guard<net::io_context::executor_type>> work;
  std::unique_ptr<FairPool> pool;

  void accept();
  void close_acceptor();
  void on_accept(error_code ec, tcp::socket socket);
  void forget(const beast_detail::ConnBase* c) {
    std::lock_guard lock(conns_mu);
    conns.erase(c);
  }
};

namespace beast_detail {

// Takes an accepted socket: a connection (TLS when the server has a context) registered with
// the server and reading its first request.
void start_connection(HttpServer::Impl* server, tcp::socket socket, std::string remote);

}  // namespace beast_detail

}  // namespace nmcp::mcp
