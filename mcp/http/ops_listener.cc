#include "mcp/http/ops_listener.h"

#include <charconv>
#include <thread>

#include <httplib.h>

#include "core/base/logging.h"

namespace nmcp::mcp {

struct OpsListener::Impl {
  std::string address;
  OpsEndpoints endpoints;
  httplib::Server http;
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
  auto handler = [this](const httplib::Request& req, httplib::Response& res) {
    try {
      auto r = ops_response(impl_->endpoints, req.path);
      if (!r) {
        res.status = 404;
        res.set_content("not found: this listener serves /health, /ready and /metrics\n",
                        "text/plain");
        return;
      }
      res.status = r->status;
      res.set_content(r->body, r->content_type);
    } catch (const std::exception& e) {
      res.status = 500;
      res.set_content(std::string("internal error: ") + e.what() + "\n", "text/plain");
    }
  };
  impl_->http.Get("/health", handler);
  impl_->http.Get("/ready", handler);
  impl_->http.Get("/metrics", handler);
  impl_->http.set_keep_alive_timeout(2);
  const int port =
      parsed->second == 0
          ? impl_->http.bind_to_any_port(parsed->first)
          : (impl_->http.bind_to_port(parsed->first, parsed->second) ? parsed->second : -1);
  if (port < 0) {
    return fail(ErrorCode::Unavailable, "cannot listen on " + impl_->address + " for metrics",
                "the port is in use or the address is not this host's; choose another");
  }
  impl_->thread = std::thread([this] { impl_->http.listen_after_bind(); });
  log::info("ops", "serving /health, /ready and /metrics",
            {{"address", parsed->first + ":" + std::to_string(port)}});
  return port;
}

void OpsListener::stop() {
  if (!impl_ || !impl_->thread.joinable()) return;
  impl_->http.stop();
  impl_->thread.join();
}

}  // namespace nmcp::mcp
