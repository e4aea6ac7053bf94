// The Boost.Beast adapter behind HttpServer (http_server.h): the listener (TLS or plain), the
// I/O threads, accepting within the connection limit, draining and stopping. One connection's
// life is beast_connection.cc; what both share is beast_server_internal.h. Boost types stay in
// these files.

#include <sys/resource.h>
#include <sys/socket.h>

#include <thread>

#include "core/base/logging.h"
#include "mcp/http/beast_server_internal.h"

namespace nmcp::mcp {

namespace {

// Raises the open-file limit towards max_connections: each connection is a descriptor, and the
// default soft limit of 1024 would refuse the 1,025th client long before memory runs short.
std::size_t raise_fd_limit(std::size_t wanted) {
  rlimit rl{};
  if (::getrlimit(RLIMIT_NOFILE, &rl) != 0) return 1024;
  const rlim_t target = std::min<rlim_t>(rl.rlim_max, static_cast<rlim_t>(wanted));
  if (rl.rlim_cur < target) {
    rl.rlim_cur = target;
    ::setrlimit(RLIMIT_NOFILE, &rl);
    ::getrlimit(RLIMIT_NOFILE, &rl);
  }
  return static_cast<std::size_t>(rl.rlim_cur);
}

}  // namespace

// Once, whoever asks first (a drain, then the stop): the acceptor is not on a strand, so two
// closes posted to the I/O threads could run at the same time.
void HttpServer::Impl::close_acceptor() {
  if (acceptor_closing.exchange(true)) return;
  net::post(ioc, [this] {
    error_code ignored;
    acceptor.close(ignored);
    accept_retry.cancel();
  });
}

void HttpServer::Impl::accept() {
  acceptor.async_accept(net::make_strand(ioc), [this](error_code ec, tcp::socket socket) {
    on_accept(ec, std::move(socket));
  });
}

void HttpServer::Impl::on_accept(error_code ec, tcp::socket socket) {
  if (stopping || draining) return;
  if (ec) {
    if (ec == net::error::operation_aborted) return;
    // Out of descriptors (or a transient error): wait a moment rather than spin.
    log::warn("http", "accept failed", {{"what", ec.message()}});
    accept_retry.expires_after(std::chrono::milliseconds(50));
    accept_retry.async_wait([this](error_code tec) {
      if (!tec) accept();
    });
    return;
  }
  if (connections.load() >= max_connections) {
    error_code ignored;
    socket.close(ignored);
    return accept();
  }
  error_code ignored;
  socket.set_option(tcp::no_delay(true), ignored);
  std::string remote;
  if (const auto ep = socket.remote_endpoint(ignored); !ignored) remote = ep.address().to_string();
  connections++;
  beast_detail::start_connection(this, std::move(socket), std::move(remote));
  accept();
}

HttpServer::HttpServer(HttpServerOptions options, HttpHandlers handlers)
    : impl_(std::make_unique<Impl>(std::move(options), std::move(handlers))) {}

HttpServer::~HttpServer() { stop(); }

Result<int> HttpServer::bind() {
  auto& s = *impl_;
  const auto& o = s.opts;
  if (!o.tls_cert_file.empty() || !o.tls_key_file.empty()) {
    try {
      s.tls.emplace(ssl::context::tls_server);
      s.tls->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                         ssl::context::no_sslv3 | ssl::context::no_tlsv1 |
                         ssl::context::no_tlsv1_1);
      s.tls->use_certificate_chain_file(o.tls_cert_file);
      s.tls->use_private_key_file(o.tls_key_file, ssl::context::pem);
    } catch (const std::exception&) {
      return fail(
          ErrorCode::InvalidArgument,
          "cannot load the TLS certificate " + o.tls_cert_file + " or key " + o.tls_key_file,
          "give PEM files this user can read: --tls-cert the certificate (with its "
          "chain), --tls-key its private key");
    }
  }
  error_code ec;
  const auto address = net::ip::make_address(o.host == "localhost" ? "127.0.0.1" : o.host, ec);
  const auto unavailable = [&] {
    return fail(ErrorCode::Unavailable, "cannot listen on " + o.host + ":" + std::to_string(o.port),
                "is another process using the port, or is the address not local?");
  };
  if (ec) return unavailable();
  const tcp::endpoint endpoint(address, static_cast<unsigned short>(o.port));
  s.acceptor.open(endpoint.protocol(), ec);
  if (!ec) s.acceptor.set_option(net::socket_base::reuse_address(true), ec);
  if (!ec && address.is_v6()) s.acceptor.set_option(net::ip::v6_only(false), ec);
  if (!ec) s.acceptor.bind(endpoint, ec);
  if (!ec) s.acceptor.listen(SOMAXCONN, ec);
  if (ec) return unavailable();
  const std::size_t fds = raise_fd_limit(o.max_connections + 256);
  s.max_connections = std::min(o.max_connections, fds > 256 ? fds - 256 : fds / 2);
  if (s.max_connections < o.max_connections / 2) {
    log::warn("http", "the open-file limit caps the connections this server can hold",
              {{"max_connections", s.max_connections}, {"open_file_limit", fds}});
  }
  return static_cast<int>(s.acceptor.local_endpoint().port());
}

void HttpServer::serve() {
  auto& s = *impl_;
  if (!s.acceptor.is_open() || s.stopping) return;
  s.work.emplace(s.ioc.get_executor());
  s.serving = true;
  s.accept();
  std::vector<std::thread> extra;
  for (std::size_t i = 1; i < std::max<std::size_t>(1, s.opts.io_threads); ++i) {
    extra.emplace_back([&s] { s.ioc.run(); });
  }
  s.ioc.run();
  for (auto& t : extra) t.join();
  s.serving = false;
}

void HttpServer::drain(std::chrono::milliseconds grace) {
  auto& s = *impl_;
  if (s.stopping || s.draining.exchange(true)) return;
  s.close_acceptor();
  // A shutdown path: waiting in small steps on the real clock is what it is for.
  // Running handlers first, then what they answered, still being written.
  const auto deadline = std::chrono::steady_clock::now() + grace;
  while ((s.handling.load() > 0 || s.unwritten.load() > 0) &&
         std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  if (s.handling.load() > 0) {
    log::warn("http", "shutting down with requests still running after the grace period",
              {{"running", s.handling.load()}, {"grace_ms", grace.count()}});
  }
}

std::size_t HttpServer::handling() const { return impl_->handling.load(); }

void HttpServer::stop() {
  auto& s = *impl_;
  if (s.stopping.exchange(true)) return;
  s.close_acceptor();
  std::vector<std::shared_ptr<beast_detail::ConnBase>> open;
  {
    std::lock_guard lock(s.conns_mu);
    for (const auto& [ptr, weak] : s.conns) {
      if (auto c = weak.lock()) open.push_back(std::move(c));
    }
  }
  for (const auto& c : open) c->post_close();
  open.clear();
  // Let the closes run, then stop the I/O threads.
  for (int i = 0; i < 200 && s.serving && s.connections.load() > 0; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  s.work.reset();
  s.ioc.stop();
  s.pool->shutdown();
}

HttpServer::Stats HttpServer::stats() const {
  return {impl_->connections.load(), impl_->streams.load()};
}

}  // namespace nmcp::mcp
