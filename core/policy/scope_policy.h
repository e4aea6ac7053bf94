#pragma once
// Scan targets and the pool scope policy. parse_targets() reads what an agent wrote (IPv4,
// IPv6, CIDR blocks, address ranges, hostnames; separated by commas or newlines) strictly:
// anything it cannot read exactly is refused, never guessed at. check_scope() then holds the
// parsed targets against a pool's allow and deny lists, hostname patterns and address limit.
// Both the submit path and the worker (again, right before the scan is created on Nessus)
// call check_targets(), so a configuration narrowed in between still applies.
//
// Pure functions; thread-safe.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/base/result.h"
#include "core/config/scanner_config.h"
#include "core/net/ip.h"

namespace nmcp::policy {

struct Target {
  enum class Kind { Address, Cidr, Range, Hostname };
  Kind kind = Kind::Address;
  std::string text;      // normalised: lower case, canonical addresses
  net::IpAddress first;  // address kinds: the inclusive range covered
  net::IpAddress last;
  std::uint64_t count = 1;  // addresses covered (saturating); 1 for a hostname
};

struct TargetList {
  std::vector<Target> targets;
  std::uint64_t address_count = 0;  // saturating sum
  // What Nessus gets: the normalised entries joined with commas.
  std::string normalized() const;
};

inline constexpr std::size_t kMaxTargetEntries = 1024;

// InvalidArgument naming every entry that could not be read and why.
Result<TargetList> parse_targets(std::string_view text);

// Per entry: whether the pool's scope allows it and which rule decided, as a phrase that
// follows the entry ("touches the denied block 10.0.0.0/24", "is inside the allowed block
// 10.0.0.0/8", "matches the allowed host name \"*.lab\""). check_scope() applies it.
struct TargetVerdict {
  std::string target;
  bool allowed = false;
  std::string rule;
  std::uint64_t addresses = 0;
};
std::vector<TargetVerdict> explain_scope(const TargetList& targets,
                                         const config::ScopePolicy& scope);

// PermissionDenied naming every entry outside the scope and why (denied block, not in any
// allowed block, hostname not allowed), or the address count over the limit.
Status check_scope(const TargetList& targets, const config::ScopePolicy& scope);

// parse_targets + check_scope.
Result<TargetList> check_targets(std::string_view text, const config::ScopePolicy& scope);

// True when the targets touch `query` (an address, CIDR or hostname): for list_tasks filters.
bool targets_overlap(const TargetList& targets, std::string_view query);

}  // namespace nmcp::policy
