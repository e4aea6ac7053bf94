#pragma once
// OriginPolicy: DNS-rebinding protection for the HTTP transports. A request is admitted only if
// its Host header names this server (loopback names, the bind address, or names the operator
// allowed) and its Origin header, when present, is a loopback origin or one the operator
// allowed. Requests without Origin (every non-browser client) pass the Origin check.
// Immutable after construction; thread-safe.

#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace nmcp::mcp {

class OriginPolicy {
 public:
  OriginPolicy(const std::string& bind_host, const std::vector<std::string>& extra_hosts,
               const std::vector<std::string>& extra_origins);

  bool host_allowed(std::string_view host_header) const;
  bool origin_allowed(std::string_view origin_header) const;

  // "Example.com:8080" -> "example.com", "[::1]:80" -> "::1"; nullopt if malformed.
  static std::optional<std::string> host_of(std::string_view authority);
  static bool is_loopback_name(std::string_view host);
  static bool is_wildcard_address(std::string_view host);

 private:
  std::set<std::string> hosts_;
  std::set<std::string> origins_;
};

}  // namespace nmcp::mcp
