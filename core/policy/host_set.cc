#include "core/policy/host_set.h"

#include <algorithm>
#include <vector>

#include "core/base/text.h"

namespace nmcp::policy {

namespace {

using net::IpAddress;

std::size_t family_index(const IpAddress& a) { return a.family == IpAddress::Family::V4 ? 0 : 1; }

// `a` with the bits past `prefix` cleared (set, when `ones`).
IpAddress masked(IpAddress a, std::size_t prefix, bool ones) {
  for (std::size_t bit = prefix; bit < a.bits(); ++bit) {
    const auto byte = bit / 8;
    const auto mask = static_cast<std::uint8_t>(0x80U >> (bit % 8));
    a.bytes[byte] = ones ? static_cast<std::uint8_t>(a.bytes[byte] | mask)
                         : static_cast<std::uint8_t>(a.bytes[byte] & ~mask);
  }
  return a;
}

// a + 1, or nullopt at the top of the family.
std::optional<IpAddress> next(IpAddress a) {
  for (std::size_t i = a.bits() / 8; i-- > 0;) {
    if (++a.bytes[i] != 0) return a;
  }
  return std::nullopt;
}

bool valid_name(std::string_view s) {
  if (s.empty() || s.size() > 253) return false;
  return std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '.';
  });
}

}  // namespace

void HostSet::add(std::string_view host) {
  if (auto a = IpAddress::parse(host)) {
    const auto p = prefix_[family_index(*a)];
    merge(masked(*a, p, false), masked(*a, p, true));
    if (ranges_.size() > kMaxRanges) widen();
    return;
  }
  if (names_.size() < kMaxNames && valid_name(host)) names_.insert(ascii_lower(host));
}

void HostSet::merge(IpAddress first, IpAddress last) {
  // Absorb every range that overlaps or touches [first, last].
  auto it = ranges_.upper_bound(first);
  if (it != ranges_.begin()) {
    auto prev = std::prev(it);
    const auto after = next(prev->second);
    if (prev->first.family == first.family && (!after || !(*after < first))) {
      first = prev->first;
      last = std::max(last, prev->second);
      it = ranges_.erase(prev);
    }
  }
  while (it != ranges_.end() && it->first.family == first.family) {
    const auto after = next(last);
    if (after && *after < it->first) break;
    last = std::max(last, it->second);
    it = ranges_.erase(it);
  }
  ranges_[first] = last;
}

void HostSet::widen() {
  while (ranges_.size() > kMaxRanges) {
    for (std::size_t f = 0; f < 2; ++f) {
      const std::size_t floor = f == 0 ? 8 : 32;
      const std::size_t step = f == 0 ? 8 : 16;
      if (prefix_[f] > floor) {
        const std::size_t top = f == 0 ? 32 : 128;
        prefix_[f] = prefix_[f] == top ? (f == 0 ? 24 : 64) : prefix_[f] - step;
      }
    }
    std::vector<std::pair<IpAddress, IpAddress>> old(ranges_.begin(), ranges_.end());
    ranges_.clear();
    for (const auto& [first, last] : old) {
      const auto p = prefix_[family_index(first)];
      merge(masked(first, p, false), masked(last, p, true));
    }
    if (prefix_[0] <= 8 && prefix_[1] <= 32) break;  // as wide as it gets
  }
}

std::string HostSet::targets() const {
  std::string out;
  auto append = [&out](const std::string& t) { out += (out.empty() ? "" : ", ") + t; };
  for (const auto& [first, last] : ranges_) {
    if (first == last) {
      append(first.to_string());
      continue;
    }
    // A whole aligned block is written as a CIDR.
    std::optional<std::string> cidr;
    for (std::size_t p = 0; p <= first.bits() && !cidr; ++p) {
      if (masked(first, p, false) == first && masked(first, p, true) == last) {
        cidr = first.to_string() + "/" + std::to_string(p);
      }
    }
    append(cidr ? *cidr : first.to_string() + "-" + last.to_string());
  }
  for (const auto& n : names_) append(n);
  return out;
}

}  // namespace nmcp::policy
