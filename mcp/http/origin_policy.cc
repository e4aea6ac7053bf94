#include "mcp/http/origin_policy.h"

#include <algorithm>
#include <cctype>

namespace nmcp::mcp {
namespace {

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

bool all_digits(std::string_view s) {
  return !s.empty() &&
         std::all_of(s.begin(), s.end(), [](unsigned char c) { return std::isdigit(c); });
}

bool valid_host_chars(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](unsigned char c) {
    return std::isalnum(c) || c == '.' || c == '-' || c == '_' || c == ':';
  });
}

// "http://host:port" -> "http://host:port" normalised (lower case, no trailing slash).
std::optional<std::string> normalise_origin(std::string_view origin) {
  std::string o = lower(origin);
  while (!o.empty() && o.back() == '/') o.pop_back();
  const auto sep = o.find("://");
  if (sep == std::string::npos) return std::nullopt;
  const std::string scheme = o.substr(0, sep);
  if (scheme != "http" && scheme != "https") return std::nullopt;
  if (!OriginPolicy::host_of(std::string_view(o).substr(sep + 3))) return std::nullopt;
  return o;
}

}  // namespace

std::optional<std::string> OriginPolicy::host_of(std::string_view authority) {
  if (authority.empty()) return std::nullopt;
  std::string_view host = authority;
  std::string_view port;
  if (authority.front() == '[') {
    const auto close = authority.find(']');
    if (close == std::string_view::npos) return std::nullopt;
    host = authority.substr(1, close - 1);
    const auto rest = authority.substr(close + 1);
    if (!rest.empty()) {
      if (rest.front() != ':') return std::nullopt;
      port = rest.substr(1);
      if (!all_digits(port)) return std::nullopt;
    }
  } else {
    const auto colon = authority.find(':');
    if (colon != std::string_view::npos) {
      host = authority.substr(0, colon);
      port = authority.substr(colon + 1);
      if (!all_digits(port)) return std::nullopt;
    }
  }
  if (!valid_host_chars(host)) return std::nullopt;
  return lower(host);
}

std::optional<int> OriginPolicy::port_of(std::string_view authority) {
  const auto close = authority.rfind(']');
  const auto colon = authority.rfind(':');
  if (colon == std::string_view::npos || (close != std::string_view::npos && colon < close)) {
    return std::nullopt;
  }
  if (close == std::string_view::npos && authority.find(':') != colon) return std::nullopt;
  const auto digits = authority.substr(colon + 1);
  if (!all_digits(digits) || digits.size() > 5) return std::nullopt;
  return std::stoi(std::string(digits));
}

bool OriginPolicy::is_loopback_name(std::string_view host) {
  return host == "localhost" || host == "127.0.0.1" || host == "::1";
}

bool OriginPolicy::is_wildcard_address(std::string_view host) {
  return host.empty() || host == "0.0.0.0" || host == "::";
}

OriginPolicy::OriginPolicy(const std::string& bind_host,
                           const std::vector<std::string>& extra_hosts,
                           const std::vector<std::string>& extra_origins, int listen_port)
    : listen_port_(listen_port) {
  own_hosts_ = {"localhost", "127.0.0.1", "::1"};
  if (!is_wildcard_address(bind_host)) own_hosts_.insert(lower(bind_host));
  for (const auto& h : extra_hosts) {
    if (auto host = host_of(h)) extra_hosts_.insert(*host);
  }
  for (const auto& o : extra_origins) {
    if (auto origin = normalise_origin(o)) origins_.insert(*origin);
  }
}

bool OriginPolicy::host_allowed(std::string_view host_header) const {
  const auto host = host_of(host_header);
  if (!host) return false;
  if (extra_hosts_.count(*host) > 0) return true;
  if (own_hosts_.count(*host) == 0) return false;
  const auto port = port_of(host_header);
  return listen_port_ == 0 || !port || *port == listen_port_;
}

bool OriginPolicy::origin_allowed(std::string_view origin_header) const {
  if (origin_header.empty()) return true;
  const auto origin = normalise_origin(origin_header);
  if (!origin) return false;  // includes the opaque origin "null"
  if (origins_.count(*origin) > 0) return true;
  const auto host = host_of(std::string_view(*origin).substr(origin->find("://") + 3));
  return host && is_loopback_name(*host);
}

}  // namespace nmcp::mcp
