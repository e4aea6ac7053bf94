#include "dev/nessus-sim/targets.h"

#include <arpa/inet.h>

#include <cctype>
#include <cstdlib>
#include <sstream>

namespace nessus_sim {
namespace {

std::uint32_t fnv(const std::string& s) {
  std::uint32_t h = 2166136261U;
  for (const char c : s) {
    h ^= static_cast<unsigned char>(c);
    h *= 16777619U;
  }
  return h;
}

bool parse_v4(const std::string& s, std::uint32_t& out) {
  in_addr a{};
  if (inet_pton(AF_INET, s.c_str(), &a) != 1) return false;
  out = ntohl(a.s_addr);
  return true;
}

std::string v4(std::uint32_t ip) {
  return std::to_string(ip >> 24U) + "." + std::to_string((ip >> 16U) & 255U) + "." +
         std::to_string((ip >> 8U) & 255U) + "." + std::to_string(ip & 255U);
}

void add(TargetSet& set, std::size_t cap, SimHost host) {
  ++set.addresses;
  if (set.hosts.size() < cap) {
    host.hash = fnv(host.name);
    set.hosts.push_back(std::move(host));
  }
}

void add_range(TargetSet& set, std::size_t cap, std::uint32_t first, std::uint32_t last) {
  for (std::uint64_t ip = first; ip <= last; ++ip) {
    if (set.hosts.size() >= cap) {
      set.addresses += static_cast<std::size_t>(last - ip + 1);
      return;
    }
    const std::string a = v4(static_cast<std::uint32_t>(ip));
    add(set, cap, {a, a, "", 0, HostKind::Linux, false});
  }
}

}  // namespace

TargetSet expand_targets(const std::string& text, std::size_t cap) {
  TargetSet set;
  std::string normalised = text;
  for (auto& c : normalised) {
    if (c == ',' || c == '\n' || c == '\r' || c == '\t') c = ' ';
  }
  std::istringstream words(normalised);
  std::string t;
  while (words >> t) {
    std::uint32_t a = 0;
    std::uint32_t b = 0;
    if (const auto slash = t.find('/'); slash != std::string::npos) {
      const std::string net = t.substr(0, slash);
      const int bits = std::atoi(t.substr(slash + 1).c_str());
      if (!parse_v4(net, a) || bits < 8 || bits > 32) {
        set.error = "Invalid target: " + t;
        return set;
      }
      const std::uint32_t mask = bits == 32 ? 0xFFFFFFFFU : ~((1U << (32 - bits)) - 1U);
      const std::uint32_t first = a & mask;
      const std::uint32_t last = first | ~mask;
      // Network and broadcast addresses are not hosts (except for /31 and /32).
      if (bits >= 31)
        add_range(set, cap, first, last);
      else
        add_range(set, cap, first + 1, last - 1);
    } else if (const auto dash = t.find('-');
               dash != std::string::npos && parse_v4(t.substr(0, dash), a)) {
      const std::string end = t.substr(dash + 1);
      if (parse_v4(end, b)) {
      } else if (!end.empty() && end.size() <= 3 &&
                 end.find_first_not_of("0123456789") == std::string::npos) {
        b = (a & 0xFFFFFF00U) | static_cast<std::uint32_t>(std::atoi(end.c_str()));
      } else {
        set.error = "Invalid target: " + t;
        return set;
      }
      if (b < a) {
        set.error = "Invalid target: " + t;
        return set;
      }
      add_range(set, cap, a, b);
    } else if (parse_v4(t, a)) {
      add(set, cap, {t, t, "", 0, HostKind::Linux, false});
    } else if (t.find(':') != std::string::npos) {
      in6_addr a6{};
      if (inet_pton(AF_INET6, t.c_str(), &a6) != 1) {
        set.error = "Invalid target: " + t;
        return set;
      }
      add(set, cap, {t, t, "", 0, HostKind::Linux, false});
    } else {
      for (const char c : t) {
        if (std::isalnum(static_cast<unsigned char>(c)) == 0 && c != '.' && c != '-') {
          set.error = "Invalid target: " + t;
          return set;
        }
      }
      const std::uint32_t h = fnv(t);
      add(set, cap,
          {t, "10.200." + std::to_string((h >> 8U) & 255U) + "." + std::to_string(1 + h % 254U), t,
           0});
    }
  }
  if (set.addresses == 0) set.error = "No targets were specified";
  return set;
}

}  // namespace nessus_sim

namespace nessus_sim {

bool ipv4_in_blocks(const std::string& ip, const std::string& blocks) {
  std::uint32_t address = 0;
  if (!parse_v4(ip, address)) return false;
  std::stringstream in(blocks);
  std::string block;
  while (std::getline(in, block, ',')) {
    const auto slash = block.find('/');
    std::uint32_t base = 0;
    if (!parse_v4(block.substr(0, slash), base)) continue;
    const int bits = slash == std::string::npos ? 32 : std::atoi(block.c_str() + slash + 1);
    if (bits < 0 || bits > 32) continue;
    const std::uint32_t mask = bits == 0 ? 0U : ~0U << static_cast<unsigned>(32 - bits);
    if ((address & mask) == (base & mask)) return true;
  }
  return false;
}

}  // namespace nessus_sim
