#pragma once
// OriginPolicy: DNS-rebinding protection for the HTTP transports. A request is admitted only if
// its Host header names this server (loopback names, the bind address, or names the operator
// allowed) and its Origin header, when present, is a loopback origin or one the operator
// allowed. Requests without Origin (every non-browser client) pass the Origin check. A Host
// that names this server by a loopback name or its bind address must name the port it listens
// on too (when it names one); a name the operator allowed may carry any port, since a proxy
// in front may publish another.
// Immutable after construction; thread-safe.

#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace nmcp::mcp {

class OriginPolicy {
 public:
  // `listen_port` 0: any port.
  OriginPolicy(const std::string& bind_host, const std::vector<std::string>& extra_hosts,
               const std::vector<std::string>& extra_origins, int listen_port = 0);

  bool host_allowed(std::string_view host_header) const;
  bool origin_allowed(std::string_view origin_header) const;

  // "Example.com:8080" -> "example.com", "[::1]:80" -> "::1"; nullopt if malformed.
  static std::optional<std::string> host_of(std::string_view authority);
  // The port of "host:port" or "[v6]:port", or nullopt when there is none (or it is malformed).
  static std::optional<int> port_of(std::string_view authority);
  static bool is_loopback_name(std::string_view host);
  static bool is_wildcard_address(std::string_view host);

 private:
  std::set<std::string> own_hosts_;    // loopback names and the bind address: port checked
  std::set<std::string> extra_hosts_;  // operator-allowed: any port
  int listen_port_ = 0;
  std::set<std::string> origins_;
};

}  // namespace nmcp::mcp
