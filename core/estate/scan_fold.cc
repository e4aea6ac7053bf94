#include "core/estate/scan_fold.h"

#include <map>

namespace nmcp::estate {

namespace {

// What the finding's identity is within an asset.
struct Identity {
  int plugin_id;
  int port;
  std::string protocol;
  auto operator<=>(const Identity&) const = default;
};

}  // namespace

AbsenceVerdict judge_against(const StoredCoverage& c, const PluginFacts& plugin, int port,
                             const std::string& protocol) {
  return judge_absence(
      {.host_covered = true,
       .port_covered = port == 0 || c.open_ports.count({port, protocol}) != 0,
       .family_ran = c.families_run.empty() || c.families_run.count(plugin.family) != 0,
       .needs_login = plugin.needs_login,
       .logged_in = c.logged_in});
}

Result<FoldReport> fold_scan(EstateTx& tx, const ScanFold& scan) {
  FoldReport report;
  auto done = tx.folded(scan.scan_id);
  if (!done) return fail(done.error());
  if (*done) {
    report.already_folded = true;
    return report;
  }
  std::set<std::int64_t> touched;  // findings whose history changes
  // Findings whose history must be derived from all their observations: new ones, joined ones,
  // and those that later scans folded earlier judged; the others advance by this scan alone.
  std::set<std::int64_t> rederive;
  std::map<std::int64_t, Observation> this_scan;  // what this scan observed of each finding

  // 1. Each host to its asset.
  std::vector<std::int64_t> asset_of(scan.hosts.size(), 0);
  std::map<std::int64_t, std::size_t> host_of_asset;  // the first host of each asset
  std::map<std::int64_t, bool> latest;                // whether this scan is the asset's newest
  for (std::size_t i = 0; i < scan.hosts.size(); ++i) {
    const HostIdentifiers ids = normalise_host(scan.hosts[i].reported);
    auto candidates = tx.assets_sharing(ids);
    if (!candidates) return fail(candidates.error());
    const AssetMatch m = match_asset(ids, *candidates);
    report.conflicts.insert(report.conflicts.end(), m.conflicting.begin(), m.conflicting.end());
    std::int64_t asset = m.asset;
    if (m.kind == AssetMatch::Kind::New) {
      auto added = tx.add_asset(ids, scan.scan_time);
      if (!added) return fail(added.error());
      asset = *added;
      latest[asset] = true;
      ++report.assets_new;
    } else {
      ++report.assets_matched;
      for (const std::int64_t merged : m.merged) {
        auto changed = tx.merge_asset(asset, merged, scan.scan_id, m.links);
        if (!changed) return fail(changed.error());
        touched.insert(changed->begin(), changed->end());
        rederive.insert(changed->begin(), changed->end());
        // An earlier host of this scan may have matched the asset just merged away.
        for (std::size_t j = 0; j < i; ++j) {
          if (asset_of[j] == merged) asset_of[j] = asset;
        }
      }
      if (m.kind == AssetMatch::Kind::Merge) report.merges.push_back({asset, m.links, m.merged});
      auto last = tx.asset_last_seen(asset);
      if (!last) return fail(last.error());
      const bool newest = scan.scan_time >= *last;
      latest[asset] = latest.count(asset) != 0 ? latest[asset] && newest : newest;
      if (auto s = tx.update_asset(asset, ids, newest, scan.scan_time); !s) return fail(s.error());
    }
    asset_of[i] = asset;
  }
  // Two hosts of one scan that are one asset count as one below (their ports and logins joined).
  for (std::size_t i = 0; i < asset_of.size(); ++i) host_of_asset.emplace(asset_of[i], i);

  // 2. What the scan saw.
  std::map<std::int64_t, std::set<Identity>> seen_on;  // asset -> identities seen there
  // asset -> the findings seen there, with the scan's facts of them
  std::map<std::int64_t, std::vector<std::pair<std::int64_t, const ScannedFinding*>>> seen_ids;
  for (const ScannedFinding& f : scan.findings) {
    if (f.host >= asset_of.size()) {
      return fail(ErrorCode::InvalidArgument, "a finding names a host the scan does not have");
    }
    const std::int64_t asset = asset_of[f.host];
    bool is_new = false;
    auto id = tx.upsert_finding(asset, f, latest.at(asset), is_new);
    if (!id) return fail(id.error());
    const Observation seen{scan.scan_id, scan.scan_time, Sighting::Seen, {}};
    if (auto s = tx.observe(*id, seen); !s) return fail(s.error());
    this_scan[*id] = seen;
    seen_on[asset].insert({f.plugin.plugin_id, f.port, f.protocol});
    seen_ids[asset].push_back({*id, &f});
    touched.insert(*id);
    ++report.findings_seen;
    if (is_new) {
      ++report.findings_new;
      rederive.insert(*id);
    }
  }

  // 3. What it could have seen and did not, asset by asset; and its coverage, kept for scans
  // folded later that are older than it.
  for (const auto& [asset, host] : host_of_asset) {
    const ScannedHost& h = scan.hosts[host];
    StoredCoverage coverage{scan.scan_id, scan.scan_time, h.logged_in, h.open_ports,
                            scan.families_run};
    // Other hosts of the scan that are this asset add their ports and logins.
    for (std::size_t i = 0; i < scan.hosts.size(); ++i) {
      if (asset_of[i] != asset || i == host) continue;
      coverage.logged_in = coverage.logged_in || scan.hosts[i].logged_in;
      coverage.open_ports.insert(scan.hosts[i].open_ports.begin(), scan.hosts[i].open_ports.end());
    }
    if (auto s = tx.add_coverage(asset, coverage); !s) return fail(s.error());
    auto known = tx.findings_of(asset);
    if (!known) return fail(known.error());
    const auto& seen = seen_on[asset];
    for (const StoredFinding& f : *known) {
      if (seen.count({f.plugin.plugin_id, f.port, f.protocol}) != 0) continue;
      // A fixed finding still missing in a scan newer than all it has seen changes nothing, now
      // or later: should an older scan folded later see it again, step 4 of that fold judges it
      // against this scan's coverage. (Older than that, the absence may be its fix.)
      if (f.state == FindingState::Fixed && f.last_scan_time < scan.scan_time) continue;
      const AbsenceVerdict v = judge_against(coverage, f.plugin, f.port, f.protocol);
      const Observation judged{scan.scan_id, scan.scan_time, v.sighting, v.reason};
      if (auto s = tx.observe(f.id, judged); !s) return fail(s.error());
      this_scan.emplace(f.id, judged);
      touched.insert(f.id);
    }
  }

  // 4. Scans of the asset folded before this one that ran after it: what they say of the
  // findings this scan saw (a finding may not have existed in the estate when they were folded;
  // an observation they already made is kept, the stronger wins).
  for (const auto& [asset, seen] : seen_ids) {
    auto later = tx.coverage_after(asset, scan.scan_time);
    if (!later) return fail(later.error());
    for (const StoredCoverage& c : *later) {
      if (c.scan_id == scan.scan_id) continue;
      for (const auto& [id, f] : seen) {
        const AbsenceVerdict v = judge_against(c, f->plugin, f->port, f->protocol);
        if (auto st = tx.observe(id, {c.scan_id, c.scan_time, v.sighting, v.reason}); !st) {
          return fail(st.error());
        }
        rederive.insert(id);
      }
    }
  }

  // 5. Every touched finding's history: advanced by this scan when it is the newest the finding
  // has seen (the common case), else derived again from all its observations.
  for (const std::int64_t id : touched) {
    std::optional<FindingHistory> history;
    if (rederive.count(id) == 0 && this_scan.count(id) != 0) {
      auto stored = tx.history(id);
      if (!stored) return fail(stored.error());
      if (*stored && (*stored)->last_scan_time < scan.scan_time) {
        history = std::move(*stored);
        advance(*history, this_scan.at(id));
      }
    }
    if (!history) {
      auto observed = tx.observations(id);
      if (!observed) return fail(observed.error());
      history = derive_history(std::move(*observed));
      if (!history) continue;  // cannot happen: each touched finding was seen once at least
    }
    if (!history->changes.empty()) {
      const StateChange& last = history->changes.back();
      if (last.scan_id == scan.scan_id && last.state == FindingState::Fixed) ++report.fixed;
      if (last.scan_id == scan.scan_id && last.state == FindingState::Reopened) ++report.reopened;
    }
    if (history->not_rechecked_since) ++report.not_rechecked;
    if (auto s = tx.set_history(id, *history); !s) return fail(s.error());
  }
  if (auto s = tx.mark_folded(scan, report); !s) return fail(s.error());
  return report;
}

}  // namespace nmcp::estate
