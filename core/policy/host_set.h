#pragma once
// The hosts an export covered, kept in bounded memory whatever their number: addresses as
// merged ranges, names up to kMaxNames. Past kMaxRanges the ranges are widened to the blocks
// that hold them (/24, then /16, then /8 for IPv4; /64, /48, /32 for IPv6), so memory stays
// flat for a million hosts. targets() writes them as target text, so an imported scan's task
// has targets that list_tasks' filter matches. Not thread-safe: one per export.

#include <cstddef>
#include <map>
#include <set>
#include <string>
#include <string_view>

#include "core/net/ip.h"
#include "core/policy/scope_policy.h"

namespace nmcp::policy {

class HostSet {
 public:
  static constexpr std::size_t kMaxRanges = 256;
  static constexpr std::size_t kMaxNames = 64;

  // An address or a host name (anything else is ignored).
  void add(std::string_view host);
  // "10.0.0.1-10.0.0.9, 10.0.1.0/24, web.lab" (ranges whose ends align are written as CIDRs).
  std::string targets() const;
  bool empty() const { return ranges_.empty() && names_.empty(); }
  bool widened() const { return prefix_[0] < 32 || prefix_[1] < 128; }

 private:
  void merge(net::IpAddress first, net::IpAddress last);
  void widen();

  std::map<net::IpAddress, net::IpAddress> ranges_;  // first -> last, disjoint
  std::set<std::string> names_;
  std::size_t prefix_[2] = {32, 128};  // current granularity per family (V4, V6)
};

}  // namespace nmcp::policy
