#pragma once
// The same host across scans (issue 26). A host in a scan's results is matched to an asset of
// the tenant's estate by its identifiers, strongest first:
//   1. Nessus Agent id: the same agent is the same asset, whatever else changed.
//   2. MAC address: the same network card, unless the agent ids differ.
//   3. DNS name (FQDN), then 4. NetBIOS name: the same name, unless the agent ids or MACs
//      differ (a name given to another machine).
//   5. IP address: only when nothing stronger contradicts (a different agent, MAC, DNS or
//      NetBIOS name means the address now belongs to another machine: DHCP, a re-used IP).
// Identifiers that identify nothing are dropped before matching: an empty or all-zero,
// broadcast or multicast MAC, "localhost", a "name" that is only an address.
// When the host links to several assets (its MAC to one, its DNS name to another), they are
// one machine seen in different ways: the match is a merge into the oldest asset, never silent
// (the estate records it and shows it to the agent with the identifiers that linked them). Two
// assets whose agent ids or MACs differ are never merged: the stronger link wins and the other
// is reported as a conflict.
// Pure; thread-safe.

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace nmcp::estate {

// A host's identifiers in their canonical forms (see normalise_host).
struct HostIdentifiers {
  std::string agent_id;  // lower case
  std::string mac;       // lower case, colon-separated pairs; the first usable one
  std::string fqdn;      // lower case, no trailing dot
  std::string netbios;   // upper case
  std::string address;   // an IP address's canonical text
};

// What an export says of a host, as written (hosts.mac may list several MACs, one per line).
struct ReportedHost {
  std::string agent_id, mac, fqdn, netbios, address;
};

HostIdentifiers normalise_host(const ReportedHost& reported);

enum class Identifier { AgentId, Mac, Fqdn, Netbios, Address };
std::string_view to_string(Identifier identifier);

struct KnownAsset {
  std::int64_t id = 0;  // older assets have smaller ids
  HostIdentifiers ids;
};

struct AssetLink {
  std::int64_t asset = 0;
  Identifier by = Identifier::Address;  // the strongest identifier they share
  std::string value;                    // its value
};

struct AssetMatch {
  enum class Kind { New, Existing, Merge };
  Kind kind = Kind::New;
  std::int64_t asset = 0;            // Existing: the asset; Merge: the one kept (the oldest)
  std::vector<AssetLink> links;      // the assets it is, strongest link first
  std::vector<std::int64_t> merged;  // Merge: the assets folded into `asset`
  // Assets it also linked to that are another machine than those above (their agent ids or
  // MACs differ): neither matched nor merged, shown so that the ambiguity is visible.
  std::vector<AssetLink> conflicting;
};

// Matches `seen` against `candidates`: the known assets sharing at least one identifier value
// with it (the store finds them through its indexes; any others are ignored).
AssetMatch match_asset(const HostIdentifiers& seen, std::span<const KnownAsset> candidates);

}  // namespace nmcp::estate
