#include "mcp/http/ops_listener.h"

#include <charconv>
#include <thread>

#include "core/base/logging.h"
#include "mcp/http/http_server.h"

namespace nmcp::mcp {

struct OpsListener::Impl {
  std::string address;
  OpsEndpoints endpoints;
  std::unique_ptr<HttpServer> http;
  std::thread thread;
};

OpsListener::OpsListener(std::string address, OpsEndpoints endpoints)
    : impl_(std::make_unique<Impl>()) {
  impl_->address = std::move(address);
  impl_->endpoints = std::move(endpoints);
}

OpsListener::~OpsListener() { stop(); }

Result<std::pair<std::string, int>> OpsListener::parse_address(const std::string& address) {
  std::string host = "127.0.0.1";
  std::string port_text = address;
  if (const auto colon = address.rfind(':'); colon != std::string::npos) {
    if (colon > 0) host = address.substr(0, colon);
    port_text = address.substr(colon + 1);
  }
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  int port = -1;
  const auto [end, ec] =
      std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
  if (ec != std::errc() || end != port_text.data() + port_text.size() || port < 0 || port > 65535 ||
      host.empty()) {
    return fail(ErrorCode::InvalidArgument,
                "--metrics-listen \"" + address + "\" is not an address",
                "give host:port (0.0.0.0:9464 for every interface) or a port alone for loopback");
  }
  return std::make_pair(host, port);
}

Result<int> OpsListener::start() {
  auto parsed = parse_address(impl_->address);
  if (!parsed) return fail(parsed.error());
  HttpServerOptions o;
  o.host = parsed->first;
  o.port = parsed->second;
  o.io_threads = 1;
  o.request_threads = 2;
  o.max_connections = 1024;
  o.max_body_bytes = 0;
  HttpHandlers h;
  // /health needs nothing; /ready and /metrics may read the store, so they run on the pool.
  h.on_head = [](const HttpRequest& head) -> HeadDecision {
    if (head.method != "GET" || !is_ops_path(head.path)) {
      return HeadDecision::answer(
          HttpResponse{head.method != "GET" && is_ops_path(head.path) ? 405 : 404, "text/plain",
                       "not found: this listener serves GET /health, /ready and /metrics\n"});
    }
    return HeadDecision::run("ops");
  };
  h.on_request = [this](HttpRequest request, std::shared_ptr<Responder> out) {
    auto r = ops_response(impl_->endpoints, request.path);
    out->respond(HttpResponse{r->status, r->content_type, r->body});
  };
  impl_->http = std::make_unique<HttpServer>(o, h);
  auto port = impl_->http->bind();
  if (!port) {
    return fail(ErrorCode::Unavailable, "cannot listen on " + impl_->address + " for metrics",
                "the port is in use or the address is not this host's; choose another");
  }
  impl_->thread = std::thread([this] { impl_->http->serve(); });
  log::info("ops", "serving /health, /ready and /metrics",
            {{"address", parsed->first + ":" + std::to_string(*port)}});
  return *port;
}

void OpsListener::stop() {
  if (!impl_ || !impl_->thread.joinable()) return;
  impl_->http->stop();
  impl_->thread.join();
}

}  // namespace nmcp::mcp
