#pragma once
// Turns a scan's text_targets into the hosts the simulator "finds": IPv4 addresses, IPv4
// CIDRs, ranges (a.b.c.d-e and a.b.c.d-a.b.c.e), IPv6 literals and host names (given a stable
// made-up address), separated by commas, spaces or newlines. Written for the simulator alone:
// it shares nothing with the server's own target parser, on purpose.

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace nessus_sim {

enum class HostKind { Linux, Windows, NetworkDevice };

struct SimHost {
  std::string name;  // the ReportHost name: the address, or the host name as given
  std::string ip;
  std::string fqdn;        // empty for bare addresses
  std::uint32_t hash = 0;  // drives which findings the host gets
  HostKind kind = HostKind::Linux;
  bool registry_stopped = false;  // Windows: the Remote Registry service is not running
};

struct TargetSet {
  std::vector<SimHost> hosts;  // at most `cap` of them
  std::size_t addresses = 0;   // how many addresses the targets name in total
  std::string error;           // non-empty when the text does not parse
};

TargetSet expand_targets(const std::string& text, std::size_t cap);

// True when the IPv4 address `ip` lies in one of the comma-separated IPv4 CIDR blocks.
bool ipv4_in_blocks(const std::string& ip, const std::string& blocks);

}  // namespace nessus_sim
