#pragma once
// Folding one completed scan into a tenant's estate (issue 26): its hosts matched to assets
// (asset_identity.h), its findings recorded as seen, the findings it could have found and did
// not judged absent or not re-checked (coverage.h), and the history of every finding it touched
// derived again from its observations (finding_history.h). The algorithm is written once, here,
// against EstateTx: the primitive reads and writes of one transaction, which each engine (SQLite,
// PostgreSQL) implements as storage and atomicity only. fold_scan runs inside that transaction,
// so a crash mid-fold leaves nothing, and a scan already folded is recognised and left alone.
//
// Out of order: a scan folded after later scans of the same asset (it finished late, or an old
// export is imported) adds its observations where they belong in time, and a finding it is the
// first to see is also judged against the later scans that covered its asset (their coverage is
// kept per scan and asset for this), so the result is what folding in time order would give.
//
// Thread-safety: fold_scan uses only its transaction; see the engines for theirs.

#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "core/base/result.h"
#include "core/estate/asset_identity.h"
#include "core/estate/finding_history.h"

namespace nmcp::estate {

// A port and protocol ("tcp", "udp", ...) a scan saw open on a host.
using PortKey = std::pair<int, std::string>;

struct ScannedHost {
  ReportedHost reported;
  bool logged_in = false;        // the scan's login worked there (success or partial)
  std::set<PortKey> open_ports;  // every port and protocol it reported something on
};

// What the estate keeps of a plugin: enough to decide fixes and to answer searches.
struct PluginFacts {
  int plugin_id = 0;
  std::string name;
  std::string family;
  bool needs_login = false;  // a local check
};

struct ScannedFinding {
  std::size_t host = 0;  // index into ScanFold::hosts
  PluginFacts plugin;
  int port = 0;
  std::string protocol;
  int severity = 0;
  std::string details;  // JSON text of the rest (CVEs, scores, synopsis, ...), kept as the latest
};

struct ScanFold {
  std::string tenant;
  std::string scan_id;         // a task id, or an import's id
  std::int64_t scan_time = 0;  // when the scan ran (its start), ms since the epoch
  std::vector<ScannedHost> hosts;
  std::vector<ScannedFinding> findings;
  // The plugin families the scan's policy ran; empty: all of them (or not known).
  std::set<std::string> families_run;
};

struct MergeRecord {
  std::int64_t kept = 0;
  std::vector<AssetLink> links;  // how the host linked to each asset, the kept one's included
  std::vector<std::int64_t> merged;
};

struct FoldReport {
  bool already_folded = false;
  int assets_new = 0;
  int assets_matched = 0;
  std::vector<MergeRecord> merges;
  std::vector<AssetLink> conflicts;  // links not followed: another machine (asset_identity.h)
  int findings_seen = 0;
  int findings_new = 0;
  int fixed = 0;     // findings this fold turned FIXED
  int reopened = 0;  // findings this fold turned REOPENED
  int not_rechecked = 0;
};

// A finding as the estate stores it.
struct StoredFinding {
  std::int64_t id = 0;
  std::int64_t asset = 0;
  PluginFacts plugin;
  int port = 0;
  std::string protocol;
  FindingState state = FindingState::Open;
  std::int64_t last_scan_time = 0;  // the newest scan that observed it
};

// What one folded scan did on one asset: enough to judge any finding of the asset against it.
struct StoredCoverage {
  std::string scan_id;
  std::int64_t scan_time = 0;
  bool logged_in = false;
  std::set<PortKey> open_ports;
  std::set<std::string> families_run;  // empty: all
};

// One transaction's primitive operations, for one tenant. Errors are values; fold_scan stops at
// the first and the engine rolls back.
class EstateTx {
 public:
  virtual ~EstateTx() = default;
  virtual Result<bool> folded(const std::string& scan_id) = 0;
  virtual Status mark_folded(const ScanFold& scan, const FoldReport& report) = 0;

  // Live (not merged away) assets sharing an identifier value with `ids`.
  virtual Result<std::vector<KnownAsset>> assets_sharing(const HostIdentifiers& ids) = 0;
  virtual Result<std::int64_t> add_asset(const HostIdentifiers& ids, std::int64_t seen_at) = 0;
  // Fills the asset's empty identifiers from `ids`, and when `latest` replaces the changeable
  // ones (address, names) too; moves its last-seen time forward.
  virtual Status update_asset(std::int64_t asset, const HostIdentifiers& ids, bool latest,
                              std::int64_t seen_at) = 0;
  // The asset's last-seen time (to tell whether a scan is its latest).
  virtual Result<std::int64_t> asset_last_seen(std::int64_t asset) = 0;
  // Moves everything of `merged` to `kept` (findings with the same identity become one, their
  // observations joined; coverage rows follow) and records the merge; `merged` is then gone.
  // Returns the findings whose observations changed.
  virtual Result<std::vector<std::int64_t>> merge_asset(std::int64_t kept, std::int64_t merged,
                                                        const std::string& scan_id,
                                                        const std::vector<AssetLink>& links) = 0;

  virtual Result<std::vector<StoredFinding>> findings_of(std::int64_t asset) = 0;
  // The finding with this identity, created when missing; `created` says which. Its plugin
  // facts, severity and details are replaced when `latest`.
  virtual Result<std::int64_t> upsert_finding(std::int64_t asset, const ScannedFinding& f,
                                              bool latest, bool& created) = 0;
  // Adds one scan's observation of a finding; a second observation by the same scan keeps the
  // strongest (seen, then absent).
  virtual Status observe(std::int64_t finding, const Observation& o) = 0;
  virtual Result<std::vector<Observation>> observations(std::int64_t finding) = 0;
  // The history last stored for the finding; nullopt before its first.
  virtual Result<std::optional<FindingHistory>> history(std::int64_t finding) = 0;
  virtual Status set_history(std::int64_t finding, const FindingHistory& h) = 0;

  virtual Status add_coverage(std::int64_t asset, const StoredCoverage& c) = 0;
  // Coverage of the asset by other folded scans that ran after `after`.
  virtual Result<std::vector<StoredCoverage>> coverage_after(std::int64_t asset,
                                                             std::int64_t after) = 0;
};

Result<FoldReport> fold_scan(EstateTx& tx, const ScanFold& scan);

// How `coverage` judges a finding it did not report (coverage.h's facts, taken from it).
AbsenceVerdict judge_against(const StoredCoverage& coverage, const PluginFacts& plugin, int port,
                             const std::string& protocol);

}  // namespace nmcp::estate
