#include "core/estate/asset_identity.h"

#include <algorithm>
#include <cctype>
#include <optional>

#include "core/net/ip.h"

namespace nmcp::estate {

namespace {

std::string trimmed(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front())) != 0) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back())) != 0) s.remove_suffix(1);
  return std::string(s);
}

std::string cased(std::string_view s, bool upper) {
  std::string out = trimmed(s);
  for (char& c : out) {
    const auto u = static_cast<unsigned char>(c);
    c = static_cast<char>(upper ? std::toupper(u) : std::tolower(u));
  }
  return out;
}

// "00:1A:2b:..", "00-1a-2b-..", "001a.2b.." -> "00:1a:2b:3c:4d:5e"; empty for anything that is
// not a usable unicast MAC.
std::string canonical_mac(std::string_view text) {
  std::string hex;
  for (const char c : text) {
    const auto u = static_cast<unsigned char>(c);
    if (std::isxdigit(u) != 0) {
      hex.push_back(static_cast<char>(std::tolower(u)));
    } else if (c != ':' && c != '-' && c != '.') {
      return {};
    }
  }
  if (hex.size() != 12) return {};
  if (hex == std::string(12, '0') || hex == std::string(12, 'f')) return {};
  const int first = std::stoi(hex.substr(0, 2), nullptr, 16);
  if ((first & 1) != 0) return {};  // multicast
  std::string out;
  for (std::size_t i = 0; i < 12; i += 2) {
    if (!out.empty()) out.push_back(':');
    out += hex.substr(i, 2);
  }
  return out;
}

bool is_address(std::string_view text) { return nmcp::net::IpAddress::parse(text).has_value(); }

const std::string& value_of(const HostIdentifiers& h, Identifier k) {
  switch (k) {
    case Identifier::AgentId:
      return h.agent_id;
    case Identifier::Mac:
      return h.mac;
    case Identifier::Fqdn:
      return h.fqdn;
    case Identifier::Netbios:
      return h.netbios;
    case Identifier::Address:
      return h.address;
  }
  return h.address;
}

constexpr Identifier kStrongestFirst[] = {Identifier::AgentId, Identifier::Mac, Identifier::Fqdn,
                                          Identifier::Netbios, Identifier::Address};

// Both have a value for `k` and the values differ.
bool differ(const HostIdentifiers& a, const HostIdentifiers& b, Identifier k) {
  const auto& x = value_of(a, k);
  const auto& y = value_of(b, k);
  return !x.empty() && !y.empty() && x != y;
}

// Whether a link by `by` is contradicted: a stronger identifier differs (for a link by address,
// any other identifier that differs).
bool contradicted(const HostIdentifiers& a, const HostIdentifiers& b, Identifier by) {
  for (const Identifier k : kStrongestFirst) {
    if (k == by) return false;
    if (differ(a, b, k)) return true;
  }
  return false;
}

// The strongest identifier `seen` and `known` share uncontradicted, if any.
std::optional<Identifier> link_of(const HostIdentifiers& seen, const HostIdentifiers& known) {
  for (const Identifier k : kStrongestFirst) {
    const auto& v = value_of(seen, k);
    if (v.empty() || v != value_of(known, k)) continue;
    if (k == Identifier::Address) {
      // An address is the weakest claim: any other identifier that differs denies it.
      for (const Identifier other : kStrongestFirst) {
        if (other != Identifier::Address && differ(seen, known, other)) return std::nullopt;
      }
      return k;
    }
    if (!contradicted(seen, known, k)) return k;
  }
  return std::nullopt;
}

}  // namespace

HostIdentifiers normalise_host(const ReportedHost& r) {
  HostIdentifiers h;
  h.agent_id = cased(r.agent_id, false);
  std::string_view macs = r.mac;
  while (!macs.empty() && h.mac.empty()) {
    const auto end = macs.find_first_of("\n, ");
    h.mac = canonical_mac(trimmed(macs.substr(0, end)));
    macs.remove_prefix(end == std::string_view::npos ? macs.size() : end + 1);
  }
  h.fqdn = cased(r.fqdn, false);
  while (!h.fqdn.empty() && h.fqdn.back() == '.') h.fqdn.pop_back();
  if (h.fqdn == "localhost" || h.fqdn.starts_with("localhost.") || is_address(h.fqdn)) {
    h.fqdn.clear();
  }
  h.netbios = cased(r.netbios, true);
  if (h.netbios == "LOCALHOST" || is_address(h.netbios)) h.netbios.clear();
  if (const auto ip = nmcp::net::IpAddress::parse(trimmed(r.address))) h.address = ip->to_string();
  return h;
}

std::string_view to_string(Identifier identifier) {
  switch (identifier) {
    case Identifier::AgentId:
      return "agent_id";
    case Identifier::Mac:
      return "mac";
    case Identifier::Fqdn:
      return "fqdn";
    case Identifier::Netbios:
      return "netbios";
    case Identifier::Address:
      return "address";
  }
  return "address";
}

AssetMatch match_asset(const HostIdentifiers& seen, std::span<const KnownAsset> candidates) {
  AssetMatch m;
  std::vector<std::pair<AssetLink, const HostIdentifiers*>> linked;
  for (const KnownAsset& known : candidates) {
    if (const auto by = link_of(seen, known.ids)) {
      linked.push_back({{known.id, *by, value_of(seen, *by)}, &known.ids});
    }
  }
  if (linked.empty()) return m;
  std::sort(linked.begin(), linked.end(), [](const auto& a, const auto& b) {
    return a.first.by != b.first.by ? a.first.by < b.first.by : a.first.asset < b.first.asset;
  });
  // Strongest link first; an asset that is another machine than one already linked (their
  // agent ids or MACs differ) is not merged, only reported.
  std::vector<const HostIdentifiers*> accepted;
  for (const auto& entry : linked) {
    const AssetLink& link = entry.first;
    const HostIdentifiers* ids = entry.second;  // a plain name: a lambda below captures it
    const bool other_machine = std::any_of(accepted.begin(), accepted.end(), [&](const auto* a) {
      return differ(*a, *ids, Identifier::AgentId) || differ(*a, *ids, Identifier::Mac);
    });
    if (other_machine) {
      m.conflicting.push_back(link);
    } else {
      accepted.push_back(ids);
      m.links.push_back(link);
    }
  }
  m.asset = m.links.front().asset;
  for (const auto& l : m.links) m.asset = std::min(m.asset, l.asset);
  m.kind = m.links.size() == 1 ? AssetMatch::Kind::Existing : AssetMatch::Kind::Merge;
  for (const auto& l : m.links) {
    if (l.asset != m.asset) m.merged.push_back(l.asset);
  }
  std::sort(m.merged.begin(), m.merged.end());
  return m;
}

}  // namespace nmcp::estate
