#pragma once
// One scan's findings index, opened for reading. Opening loads what filters and sorts need into
// compact in-memory columns (a few dozen bytes per finding; plugin metadata once per plugin
// variant); the long texts stay in the SQLite file and are read only for the findings a page
// returns. Every query is one linear pass over the columns with a bounded heap for the page, so
// a page costs the same wherever it starts and whatever the sort.
//
// Thread-safety: an opened index is immutable; select(), hosts() and the other readers may run
// concurrently (reads of the file are serialised inside).

#include <array>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/base/result.h"
#include "core/estate/scan_fold.h"
#include "core/findings/finding_query.h"

namespace nmcp::sqlite {
class SqliteDb;
}

namespace nmcp::findings {

struct HostView {
  std::int64_t id = 0;
  std::string name, ip, fqdn, netbios, os, mac, start, end;
  std::string credential_status, credential_account, credential_reason;
  std::string credential_protocols;               // JSON array text, or ""
  std::array<std::int64_t, 5> severity_counts{};  // index = severity
};

struct SelectResult {
  std::vector<std::int64_t> ids;  // finding ids of this page, in order
  std::int64_t total = 0;         // findings matching the filter
  std::int64_t remaining = 0;     // matching findings after the cursor, this page included
  std::array<std::int64_t, 5> severity_counts{};  // of the matching findings
};

// A finding's identity across scans: the same host, plugin, port and protocol.
struct FindingKey {
  std::string host;  // the host's address when known, else its lower-case name
  int plugin_id = 0;
  int port = 0;
  std::string protocol;
  bool operator==(const FindingKey&) const = default;
};

class FindingsIndex {
 public:
  // A position in a sort order, compared as one 128-bit number.
  struct SortKey {
    std::uint64_t hi = 0, lo = 0;
    auto operator<=>(const SortKey&) const = default;
  };

  static Result<std::shared_ptr<const FindingsIndex>> open(const std::string& path);
  ~FindingsIndex();
  FindingsIndex(const FindingsIndex&) = delete;
  FindingsIndex& operator=(const FindingsIndex&) = delete;

  std::int64_t finding_count() const { return static_cast<std::int64_t>(rows_.size()); }
  // The scan's metadata as the writer stored it: scan_name, policy_name, summary, validation.
  const nlohmann::json& meta() const { return meta_; }

  // The page of `limit` findings that follows finding `after` (0: from the start) in `sort`.
  Result<SelectResult> select(const FindingFilter& filter, const SortSpec& sort, std::int64_t after,
                              std::size_t limit) const;
  // Whether `id` is a finding of this scan.
  bool has(std::int64_t id) const { return id >= 1 && id <= finding_count(); }
  // Every field of each finding (see finding_fields.h); absent values are omitted.
  Result<std::vector<nlohmann::json>> fetch(const std::vector<std::int64_t>& ids) const;

  const std::vector<HostView>& hosts() const { return hosts_; }
  // Host ids (1-based) matching `matcher`, in address order.
  std::vector<std::int64_t> hosts_matching(const HostMatcher& matcher) const;

  FindingKey key(std::int64_t id) const;
  int severity(std::int64_t id) const { return rows_[static_cast<std::size_t>(id - 1)].severity; }
  const std::string& plugin_name(std::int64_t id) const;
  // The host a finding is on.
  const HostView& host_of(std::int64_t id) const {
    return hosts_[rows_[static_cast<std::size_t>(id - 1)].host];
  }
  // Whether the finding comes from a check that runs on the host (needs a working login).
  bool needs_login(std::int64_t id) const {
    return plugins_[rows_[static_cast<std::size_t>(id - 1)].plugin].needs_login;
  }
  // A host's identity across scans: its address when known, else its lower-case name.
  static std::string host_key(const HostView& h);
  // Whether the scan's login worked on the host (success, or partial: some rights missing).
  static bool login_worked(const HostView& h);

  // What the estate keeps of a finding's plugin, and the rest of what its searches read (CVEs,
  // scores, exploit) as JSON text; the index of its host in hosts().
  estate::PluginFacts plugin_facts(std::int64_t id) const;
  std::string search_details(std::int64_t id) const;
  std::size_t host_index(std::int64_t id) const {
    return rows_[static_cast<std::size_t>(id - 1)].host;
  }
  const std::string& protocol(std::int64_t id) const {
    return protocols_[rows_[static_cast<std::size_t>(id - 1)].protocol];
  }
  int port(std::int64_t id) const { return rows_[static_cast<std::size_t>(id - 1)].port; }

 private:
  struct Row {
    std::uint32_t host;    // index into hosts_
    std::uint32_t plugin;  // index into plugins_
    std::int32_t port;
    std::uint16_t protocol;  // index into protocols_
    std::uint16_t service;   // index into services_
    std::uint8_t severity;
  };
  struct Plugin {
    int plugin_id = 0;
    std::string name, family;
    float cvss3 = -1, cvss2 = -1, vpr = -1;  // -1: none
    bool exploit = false;
    bool needs_login = false;       // a local check (plugin_type local)
    std::vector<std::string> cves;  // upper case
    std::uint32_t name_rank = 0, family_rank = 0;
  };
  // What sorting needs of a plugin variant, packed: scores as 0..1000 (1001: none).
  struct PluginKeys {
    std::uint16_t cvss3 = 1001, cvss2 = 1001, vpr = 1001;
    std::uint32_t plugin_id = 0;  // clamped to 24 bits
    std::uint32_t name_rank = 0, family_rank = 0;
  };
  struct Compiled;

  FindingsIndex() = default;
  Status load(const std::string& path);
  Result<Compiled> compile(const FindingFilter& filter) const;
  // The row's position in `sort` (ties: the row number decides).
  SortKey sort_key(const SortSpec& sort, std::uint32_t row) const;
  // The first key of `sort` alone (the full key's top bits) for orders led by a plugin's or a
  // host's value.
  std::uint32_t plugin_primary(const SortSpec& sort, std::uint32_t plugin) const;
  std::uint32_t host_primary(const SortSpec& sort, std::uint32_t host) const;

  std::unique_ptr<sqlite::SqliteDb> db_;
  mutable std::mutex db_mutex_;
  nlohmann::json meta_;
  std::vector<Row> rows_;
  std::vector<Plugin> plugins_;
  std::vector<PluginKeys> plugin_keys_;  // parallel to plugins_
  std::vector<HostView> hosts_;
  std::vector<std::uint32_t> host_rank_;  // by address, then name
  std::vector<std::string> protocols_, services_;
  // Parsed plugin texts of recently shown findings (guarded by db_mutex_).
  static constexpr std::size_t kChildrenCache = 4096;
  mutable std::unordered_map<std::int64_t, std::shared_ptr<const nlohmann::json>> children_cache_;
};

}  // namespace nmcp::findings
