#include "core/estate/sqlite_estate.h"

#include <algorithm>
#include <cstdlib>
#include <map>
#include <utility>

#include <nlohmann/json.hpp>

#include "core/sqlite/sqlite_db.h"

namespace nmcp::estate {

using json = nlohmann::json;
using sqlite::SqliteDb;
using sqlite::Statement;

namespace {

constexpr int kBusyTimeoutMs = 10000;

// The schema's version, in estate_meta: a file of a newer version is refused, not misread.
constexpr int kSchemaVersion = 1;

constexpr const char* kSchema = R"sql(
CREATE TABLE IF NOT EXISTS estate_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
INSERT OR IGNORE INTO estate_meta (key, value) VALUES ('schema_version', '1');
CREATE TABLE IF NOT EXISTS assets (
  id INTEGER PRIMARY KEY, tenant TEXT NOT NULL, agent_id TEXT NOT NULL, mac TEXT NOT NULL,
  fqdn TEXT NOT NULL, netbios TEXT NOT NULL, address TEXT NOT NULL,
  first_seen INTEGER NOT NULL, last_seen INTEGER NOT NULL, merged_into INTEGER);
CREATE INDEX IF NOT EXISTS assets_agent ON assets(tenant, agent_id)
  WHERE agent_id <> '' AND merged_into IS NULL;
CREATE INDEX IF NOT EXISTS assets_mac ON assets(tenant, mac)
  WHERE mac <> '' AND merged_into IS NULL;
CREATE INDEX IF NOT EXISTS assets_fqdn ON assets(tenant, fqdn)
  WHERE fqdn <> '' AND merged_into IS NULL;
CREATE INDEX IF NOT EXISTS assets_netbios ON assets(tenant, netbios)
  WHERE netbios <> '' AND merged_into IS NULL;
CREATE INDEX IF NOT EXISTS assets_address ON assets(tenant, address)
  WHERE address <> '' AND merged_into IS NULL;
CREATE TABLE IF NOT EXISTS asset_merges (
  id INTEGER PRIMARY KEY, tenant TEXT NOT NULL, kept INTEGER NOT NULL, merged INTEGER NOT NULL,
  scan_id TEXT NOT NULL, links TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS findings (
  id INTEGER PRIMARY KEY, tenant TEXT NOT NULL, asset INTEGER NOT NULL,
  plugin_id INTEGER NOT NULL, port INTEGER NOT NULL, protocol TEXT NOT NULL,
  plugin_name TEXT NOT NULL, family TEXT NOT NULL, needs_login INTEGER NOT NULL,
  severity INTEGER NOT NULL, details TEXT NOT NULL,
  state TEXT NOT NULL, first_seen INTEGER NOT NULL, last_seen INTEGER NOT NULL,
  fixed_at INTEGER, reopened INTEGER NOT NULL, not_rechecked_since INTEGER,
  not_rechecked_reason TEXT NOT NULL, last_scan TEXT NOT NULL, last_scan_time INTEGER NOT NULL,
  changes TEXT NOT NULL,
  UNIQUE (asset, plugin_id, port, protocol));
CREATE INDEX IF NOT EXISTS findings_state ON findings(tenant, state, severity);
CREATE INDEX IF NOT EXISTS findings_plugin ON findings(tenant, plugin_id);
CREATE TABLE IF NOT EXISTS observations (
  finding INTEGER NOT NULL, scan_id TEXT NOT NULL, scan_time INTEGER NOT NULL,
  sighting INTEGER NOT NULL, reason TEXT NOT NULL, PRIMARY KEY (finding, scan_id)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS coverage (
  asset INTEGER NOT NULL, scan_id TEXT NOT NULL, scan_time INTEGER NOT NULL,
  logged_in INTEGER NOT NULL, open_ports TEXT NOT NULL, families TEXT NOT NULL,
  PRIMARY KEY (asset, scan_id)) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS coverage_time ON coverage(asset, scan_time);
CREATE TABLE IF NOT EXISTS folded_scans (
  tenant TEXT NOT NULL, scan_id TEXT NOT NULL, scan_time INTEGER NOT NULL,
  report TEXT NOT NULL, PRIMARY KEY (tenant, scan_id)) WITHOUT ROWID;
)sql";

FindingState state_of(const std::string& text) {
  if (text == "FIXED") return FindingState::Fixed;
  if (text == "REOPENED") return FindingState::Reopened;
  return FindingState::Open;
}

json ports_json(const std::set<PortKey>& ports) {
  json out = json::array();
  for (const auto& [port, protocol] : ports) out.push_back({port, protocol});
  return out;
}

std::set<PortKey> ports_of(const std::string& text) {
  std::set<PortKey> out;
  const json j = json::parse(text, nullptr, false);
  if (!j.is_array()) return out;
  for (const auto& p : j) {
    if (p.is_array() && p.size() == 2 && p[0].is_number_integer() && p[1].is_string()) {
      out.emplace(p[0].get<int>(), p[1].get_ref<const std::string&>());
    }
  }
  return out;
}

std::set<std::string> strings_of(const std::string& text) {
  std::set<std::string> out;
  const json j = json::parse(text, nullptr, false);
  if (!j.is_array()) return out;
  for (const auto& s : j) {
    if (s.is_string()) out.insert(s.get_ref<const std::string&>());
  }
  return out;
}

json changes_json(const std::vector<StateChange>& changes) {
  json out = json::array();
  for (const auto& c : changes) {
    out.push_back({{"state", to_string(c.state)}, {"at", c.at}, {"scan", c.scan_id}});
  }
  return out;
}

std::vector<StateChange> changes_of(const std::string& text) {
  std::vector<StateChange> out;
  const json j = json::parse(text, nullptr, false);
  if (!j.is_array()) return out;
  for (const auto& c : j) {
    if (!c.is_object() || !c.contains("state") || !c.contains("at") || !c.contains("scan")) {
      continue;
    }
    const json& state = c.at("state");
    const json& at = c.at("at");
    const json& scan = c.at("scan");
    if (!state.is_string() || !at.is_number_integer() || !scan.is_string()) continue;
    out.push_back({state_of(state.get_ref<const std::string&>()), at.get<std::int64_t>(),
                   scan.get_ref<const std::string&>()});
  }
  return out;
}

json links_json(const std::vector<AssetLink>& links) {
  json out = json::array();
  for (const auto& l : links) {
    out.push_back({{"asset", l.asset}, {"by", to_string(l.by)}, {"value", l.value}});
  }
  return out;
}

HostIdentifiers ids_at(const Statement& st, int first) {
  return {st.column_text(first), st.column_text(first + 1), st.column_text(first + 2),
          st.column_text(first + 3), st.column_text(first + 4)};
}

void bind_optional(Statement& st, int index, const std::optional<std::int64_t>& v) {
  if (v) {
    st.bind(index, *v);
  } else {
    st.bind_null(index);
  }
}

// One fold's transaction on one tenant's rows.
class SqliteTx final : public EstateTx {
 public:
  SqliteTx(SqliteDb& db, std::string tenant) : db_(db), tenant_(std::move(tenant)) {}

  Result<bool> folded(const std::string& scan_id) override {
    auto st = prepared("SELECT 1 FROM folded_scans WHERE tenant = ?1 AND scan_id = ?2");
    if (!st) return fail(st.error());
    (*st)->bind(1, tenant_).bind(2, scan_id);
    return (*st)->step();
  }

  Status mark_folded(const ScanFold& scan, const FoldReport& r) override {
    const json report = {{"assets_new", r.assets_new},     {"assets_matched", r.assets_matched},
                         {"merges", r.merges.size()},      {"findings_seen", r.findings_seen},
                         {"findings_new", r.findings_new}, {"fixed", r.fixed},
                         {"reopened", r.reopened},         {"not_rechecked", r.not_rechecked}};
    auto st = prepared(
        "INSERT INTO folded_scans (tenant, scan_id, scan_time, report) VALUES (?1, ?2, ?3, ?4)");
    if (!st) return fail(st.error());
    (*st)->bind(1, tenant_).bind(2, scan.scan_id).bind(3, scan.scan_time).bind(4, report.dump());
    return (*st)->run();
  }

  Result<std::vector<KnownAsset>> assets_sharing(const HostIdentifiers& ids) override {
    // One indexed lookup per identifier (the partial indexes hold live assets with a value);
    // an empty identifier is bound as NULL, which equals nothing.
    auto st = prepared(
        "SELECT id, agent_id, mac, fqdn, netbios, address FROM assets WHERE tenant = ?1 AND "
        "agent_id = ?2 AND agent_id <> '' AND merged_into IS NULL UNION "
        "SELECT id, agent_id, mac, fqdn, netbios, address FROM assets WHERE tenant = ?1 AND "
        "mac = ?3 AND mac <> '' AND merged_into IS NULL UNION "
        "SELECT id, agent_id, mac, fqdn, netbios, address FROM assets WHERE tenant = ?1 AND "
        "fqdn = ?4 AND fqdn <> '' AND merged_into IS NULL UNION "
        "SELECT id, agent_id, mac, fqdn, netbios, address FROM assets WHERE tenant = ?1 AND "
        "netbios = ?5 AND netbios <> '' AND merged_into IS NULL UNION "
        "SELECT id, agent_id, mac, fqdn, netbios, address FROM assets WHERE tenant = ?1 AND "
        "address = ?6 AND address <> '' AND merged_into IS NULL ORDER BY id");
    if (!st) return fail(st.error());
    (*st)->bind(1, tenant_);
    int i = 2;
    for (const std::string* v : {&ids.agent_id, &ids.mac, &ids.fqdn, &ids.netbios, &ids.address}) {
      if (v->empty()) {
        (*st)->bind_null(i++);
      } else {
        (*st)->bind(i++, *v);
      }
    }
    std::vector<KnownAsset> out;
    for (;;) {
      auto row = (*st)->step();
      if (!row) return fail(row.error());
      if (!*row) break;
      out.push_back({(*st)->column_int(0), ids_at(**st, 1)});
    }
    return out;
  }

  Result<std::int64_t> add_asset(const HostIdentifiers& ids, std::int64_t seen_at) override {
    auto st = prepared(
        "INSERT INTO assets (tenant, agent_id, mac, fqdn, netbios, address, first_seen, "
        "last_seen) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?7) RETURNING id");
    if (!st) return fail(st.error());
    (*st)->bind(1, tenant_).bind(2, ids.agent_id).bind(3, ids.mac).bind(4, ids.fqdn);
    (*st)->bind(5, ids.netbios).bind(6, ids.address).bind(7, seen_at);
    auto row = (*st)->step();
    if (!row) return fail(row.error());
    return (*st)->column_int(0);
  }

  Status update_asset(std::int64_t asset, const HostIdentifiers& ids, bool latest,
                      std::int64_t seen_at) override {
    // Empty columns are filled; when this scan is the asset's latest, a changed address or name
    // replaces the old one (agent id and MAC, which identify the machine, only fill in).
    auto st = prepared(
        "UPDATE assets SET "
        "agent_id = CASE WHEN agent_id = '' THEN ?3 ELSE agent_id END, "
        "mac = CASE WHEN mac = '' THEN ?4 ELSE mac END, "
        "fqdn = CASE WHEN fqdn = '' OR (?8 AND ?5 <> '') THEN ?5 ELSE fqdn END, "
        "netbios = CASE WHEN netbios = '' OR (?8 AND ?6 <> '') THEN ?6 ELSE netbios END, "
        "address = CASE WHEN address = '' OR (?8 AND ?7 <> '') THEN ?7 ELSE address END, "
        "first_seen = MIN(first_seen, ?9), last_seen = MAX(last_seen, ?9) "
        "WHERE id = ?1 AND tenant = ?2");
    if (!st) return fail(st.error());
    (*st)->bind(1, asset).bind(2, tenant_).bind(3, ids.agent_id).bind(4, ids.mac);
    (*st)->bind(5, ids.fqdn).bind(6, ids.netbios).bind(7, ids.address);
    (*st)->bind(8, latest ? 1 : 0).bind(9, seen_at);
    return (*st)->run();
  }

  Result<std::int64_t> asset_last_seen(std::int64_t asset) override {
    auto st = prepared("SELECT last_seen FROM assets WHERE id = ?1 AND tenant = ?2");
    if (!st) return fail(st.error());
    (*st)->bind(1, asset).bind(2, tenant_);
    auto row = (*st)->step();
    if (!row) return fail(row.error());
    if (!*row) return fail(ErrorCode::NotFound, "no such asset");
    return (*st)->column_int(0);
  }

  Result<std::vector<std::int64_t>> merge_asset(std::int64_t kept, std::int64_t merged,
                                                const std::string& scan_id,
                                                const std::vector<AssetLink>& links) override {
    std::vector<std::int64_t> changed;
    auto mine = findings_of(merged);
    if (!mine) return fail(mine.error());
    for (const StoredFinding& f : *mine) {
      // The same identity on the kept asset: one finding, the observations joined.
      auto twin = prepared(
          "SELECT id FROM findings WHERE asset = ?1 AND plugin_id = ?2 AND port = ?3 AND "
          "protocol = ?4");
      if (!twin) return fail(twin.error());
      (*twin)->bind(1, kept).bind(2, f.plugin.plugin_id).bind(3, f.port).bind(4, f.protocol);
      auto row = (*twin)->step();
      if (!row) return fail(row.error());
      if (!*row) {
        auto move = prepared("UPDATE findings SET asset = ?1 WHERE id = ?2");
        if (!move) return fail(move.error());
        (*move)->bind(1, kept).bind(2, f.id);
        if (auto s = (*move)->run(); !s) return fail(s.error());
        continue;
      }
      const std::int64_t into = (*twin)->column_int(0);
      auto observed = observations(f.id);
      if (!observed) return fail(observed.error());
      for (const Observation& o : *observed) {
        if (auto s = observe(into, o); !s) return fail(s.error());
      }
      for (const char* sql :
           {"DELETE FROM observations WHERE finding = ?1", "DELETE FROM findings WHERE id = ?1"}) {
        auto del = prepared(sql);
        if (!del) return fail(del.error());
        (*del)->bind(1, f.id);
        if (auto s = (*del)->run(); !s) return fail(s.error());
      }
      changed.push_back(into);
    }
    // Coverage follows (a scan that covered both keeps the kept asset's row).
    for (const char* sql :
         {"INSERT OR IGNORE INTO coverage SELECT ?1, scan_id, scan_time, logged_in, open_ports, "
          "families FROM coverage WHERE asset = ?2",
          "DELETE FROM coverage WHERE asset = ?2",
          "UPDATE assets SET merged_into = ?1 WHERE id = ?2"}) {
      auto st = prepared(sql);
      if (!st) return fail(st.error());
      (*st)->bind(1, kept).bind(2, merged);
      if (auto s = (*st)->run(); !s) return fail(s.error());
    }
    auto span = prepared(
        "UPDATE assets SET first_seen = MIN(first_seen, (SELECT first_seen FROM assets WHERE id "
        "= ?2)), last_seen = MAX(last_seen, (SELECT last_seen FROM assets WHERE id = ?2)) WHERE "
        "id = ?1");
    if (!span) return fail(span.error());
    (*span)->bind(1, kept).bind(2, merged);
    if (auto s = (*span)->run(); !s) return fail(s.error());
    auto record = prepared(
        "INSERT INTO asset_merges (tenant, kept, merged, scan_id, links) VALUES (?1, ?2, ?3, ?4, "
        "?5)");
    if (!record) return fail(record.error());
    (*record)->bind(1, tenant_).bind(2, kept).bind(3, merged).bind(4, scan_id);
    (*record)->bind(5, links_json(links).dump());
    if (auto s = (*record)->run(); !s) return fail(s.error());
    return changed;
  }

  Result<std::vector<StoredFinding>> findings_of(std::int64_t asset) override {
    auto st = prepared(
        "SELECT id, plugin_id, plugin_name, family, needs_login, port, protocol, state, "
        "last_scan_time FROM findings WHERE asset = ?1 AND +tenant = ?2");
    if (!st) return fail(st.error());
    (*st)->bind(1, asset).bind(2, tenant_);
    std::vector<StoredFinding> out;
    for (;;) {
      auto row = (*st)->step();
      if (!row) return fail(row.error());
      if (!*row) break;
      StoredFinding f;
      f.id = (*st)->column_int(0);
      f.asset = asset;
      f.plugin = {static_cast<int>((*st)->column_int(1)), (*st)->column_text(2),
                  (*st)->column_text(3), (*st)->column_int(4) != 0};
      f.port = static_cast<int>((*st)->column_int(5));
      f.protocol = (*st)->column_text(6);
      f.state = state_of((*st)->column_text(7));
      f.last_scan_time = (*st)->column_int(8);
      out.push_back(std::move(f));
    }
    return out;
  }

  Result<std::int64_t> upsert_finding(std::int64_t asset, const ScannedFinding& f, bool latest,
                                      bool& created) override {
    auto find = prepared(
        "SELECT id FROM findings WHERE asset = ?1 AND plugin_id = ?2 AND port = ?3 AND "
        "protocol = ?4");
    if (!find) return fail(find.error());
    (*find)->bind(1, asset).bind(2, f.plugin.plugin_id).bind(3, f.port).bind(4, f.protocol);
    auto row = (*find)->step();
    if (!row) return fail(row.error());
    if (*row) {
      created = false;
      const std::int64_t id = (*find)->column_int(0);
      if (latest) {
        auto upd = prepared(
            "UPDATE findings SET plugin_name = ?2, family = ?3, needs_login = ?4, severity = ?5, "
            "details = ?6 WHERE id = ?1");
        if (!upd) return fail(upd.error());
        (*upd)->bind(1, id).bind(2, f.plugin.name).bind(3, f.plugin.family);
        (*upd)->bind(4, f.plugin.needs_login ? 1 : 0).bind(5, f.severity).bind(6, f.details);
        if (auto s = (*upd)->run(); !s) return fail(s.error());
      }
      return id;
    }
    created = true;
    auto ins = prepared(
        "INSERT INTO findings (tenant, asset, plugin_id, port, protocol, plugin_name, family, "
        "needs_login, severity, details, state, first_seen, last_seen, reopened, "
        "not_rechecked_reason, last_scan, last_scan_time, changes) VALUES (?1, ?2, ?3, ?4, ?5, ?6, "
        "?7, ?8, ?9, ?10, 'OPEN', 0, 0, 0, '', '', 0, '[]') RETURNING id");
    if (!ins) return fail(ins.error());
    (*ins)->bind(1, tenant_).bind(2, asset).bind(3, f.plugin.plugin_id).bind(4, f.port);
    (*ins)->bind(5, f.protocol).bind(6, f.plugin.name).bind(7, f.plugin.family);
    (*ins)->bind(8, f.plugin.needs_login ? 1 : 0).bind(9, f.severity).bind(10, f.details);
    auto added = (*ins)->step();
    if (!added) return fail(added.error());
    return (*ins)->column_int(0);
  }

  Status observe(std::int64_t finding, const Observation& o) override {
    auto st = prepared(
        "INSERT INTO observations (finding, scan_id, scan_time, sighting, reason) VALUES (?1, "
        "?2, ?3, ?4, ?5) ON CONFLICT (finding, scan_id) DO UPDATE SET "
        "reason = CASE WHEN excluded.sighting < sighting THEN excluded.reason ELSE reason END, "
        "sighting = MIN(sighting, excluded.sighting)");
    if (!st) return fail(st.error());
    (*st)->bind(1, finding).bind(2, o.scan_id).bind(3, o.scan_time);
    (*st)->bind(4, strength(o.sighting)).bind(5, o.reason);
    return (*st)->run();
  }

  Result<std::vector<Observation>> observations(std::int64_t finding) override {
    auto st = prepared(
        "SELECT scan_id, scan_time, sighting, reason FROM observations WHERE finding = ?1");
    if (!st) return fail(st.error());
    (*st)->bind(1, finding);
    std::vector<Observation> out;
    for (;;) {
      auto row = (*st)->step();
      if (!row) return fail(row.error());
      if (!*row) break;
      out.push_back({(*st)->column_text(0), (*st)->column_int(1),
                     sighting_of_strength(static_cast<int>((*st)->column_int(2))),
                     (*st)->column_text(3)});
    }
    return out;
  }

  Result<std::optional<FindingHistory>> history(std::int64_t finding) override {
    auto st = prepared(
        "SELECT state, first_seen, last_seen, fixed_at, reopened, not_rechecked_since, "
        "not_rechecked_reason, last_scan, last_scan_time, changes FROM findings WHERE id = ?1");
    if (!st) return fail(st.error());
    (*st)->bind(1, finding);
    auto row = (*st)->step();
    if (!row) return fail(row.error());
    if (!*row) return fail(ErrorCode::NotFound, "no such finding");
    const Statement& r = **st;
    FindingHistory h;
    h.changes = changes_of(r.column_text(9));
    if (h.changes.empty()) return std::optional<FindingHistory>();  // none stored yet
    h.state = state_of(r.column_text(0));
    h.first_seen = r.column_int(1);
    h.last_seen = r.column_int(2);
    if (!r.column_is_null(3)) h.fixed_at = r.column_int(3);
    h.reopened = static_cast<int>(r.column_int(4));
    if (!r.column_is_null(5)) h.not_rechecked_since = r.column_int(5);
    h.not_rechecked_reason = r.column_text(6);
    h.last_scan_id = r.column_text(7);
    h.last_scan_time = r.column_int(8);
    return std::optional<FindingHistory>(std::move(h));
  }

  Status set_history(std::int64_t finding, const FindingHistory& h) override {
    auto st = prepared(
        "UPDATE findings SET state = ?2, first_seen = ?3, last_seen = ?4, fixed_at = ?5, "
        "reopened = ?6, not_rechecked_since = ?7, not_rechecked_reason = ?8, last_scan = ?9, "
        "changes = ?10, last_scan_time = ?11 WHERE id = ?1");
    if (!st) return fail(st.error());
    (*st)->bind(1, finding).bind(2, to_string(h.state)).bind(3, h.first_seen).bind(4, h.last_seen);
    bind_optional(**st, 5, h.fixed_at);
    (*st)->bind(6, h.reopened);
    bind_optional(**st, 7, h.not_rechecked_since);
    (*st)->bind(8, h.not_rechecked_reason).bind(9, h.last_scan_id);
    (*st)->bind(10, changes_json(h.changes).dump()).bind(11, h.last_scan_time);
    return (*st)->run();
  }

  Status add_coverage(std::int64_t asset, const StoredCoverage& c) override {
    auto st = prepared(
        "INSERT OR REPLACE INTO coverage (asset, scan_id, scan_time, logged_in, open_ports, "
        "families) VALUES (?1, ?2, ?3, ?4, ?5, ?6)");
    if (!st) return fail(st.error());
    json families = json::array();
    for (const auto& f : c.families_run) families.push_back(f);
    (*st)->bind(1, asset).bind(2, c.scan_id).bind(3, c.scan_time).bind(4, c.logged_in ? 1 : 0);
    (*st)->bind(5, ports_json(c.open_ports).dump()).bind(6, families.dump());
    return (*st)->run();
  }

  Result<std::vector<StoredCoverage>> coverage_after(std::int64_t asset,
                                                     std::int64_t after) override {
    auto st = prepared(
        "SELECT scan_id, scan_time, logged_in, open_ports, families FROM coverage WHERE asset = "
        "?1 AND scan_time > ?2 ORDER BY scan_time");
    if (!st) return fail(st.error());
    (*st)->bind(1, asset).bind(2, after);
    std::vector<StoredCoverage> out;
    for (;;) {
      auto row = (*st)->step();
      if (!row) return fail(row.error());
      if (!*row) break;
      out.push_back({(*st)->column_text(0), (*st)->column_int(1), (*st)->column_int(2) != 0,
                     ports_of((*st)->column_text(3)), strings_of((*st)->column_text(4))});
    }
    return out;
  }

 private:
  // Each statement is prepared once per fold and reset for its next use (a fold runs the same
  // few statements thousands of times).
  Result<Statement*> prepared(const char* sql) {
    if (const auto it = cache_.find(sql); it != cache_.end()) {
      it->second.reset();
      return &it->second;
    }
    auto st = db_.prepare(sql);
    if (!st) return fail(st.error());
    return &cache_.emplace(sql, std::move(*st)).first->second;
  }

  SqliteDb& db_;
  const std::string tenant_;
  std::map<const char*, Statement> cache_;  // keyed by the literal's address: one per call site
};

}  // namespace

SqliteEstate::SqliteEstate(std::unique_ptr<SqliteDb> db) : db_(std::move(db)) {}
SqliteEstate::~SqliteEstate() = default;

Result<std::unique_ptr<SqliteEstate>> SqliteEstate::open(const std::string& path) {
  auto db = SqliteDb::open(path, kBusyTimeoutMs);
  if (!db) return fail(db.error());
  if (auto s = (*db)->exec(kSchema); !s) return fail(s.error());
  auto version = (*db)->prepare("SELECT value FROM estate_meta WHERE key = 'schema_version'");
  if (!version) return fail(version.error());
  auto row = version->step();
  if (!row) return fail(row.error());
  if (!*row || std::atoi(version->column_text(0).c_str()) > kSchemaVersion) {
    return fail(ErrorCode::FailedPrecondition,
                "the estate file " + path + " was written by a newer nessus-mcp (schema " +
                    (*row ? version->column_text(0) : std::string("unknown")) +
                    ", this one reads " + std::to_string(kSchemaVersion) + ")",
                "run the nessus-mcp that wrote it, or a newer one");
  }
  return std::unique_ptr<SqliteEstate>(new SqliteEstate(std::move(*db)));
}

Result<FoldReport> SqliteEstate::fold(const ScanFold& scan) {
  std::lock_guard lock(mu_);
  auto tx = sqlite::Transaction::begin(*db_);
  if (!tx) return fail(tx.error());
  Result<FoldReport> report;
  {
    // Its statements end with it, before the commit (SQLite commits no busy statement).
    SqliteTx ops(*db_, scan.tenant);
    report = fold_scan(ops, scan);
  }
  if (!report) return report;  // rolled back
  if (report->already_folded) return report;
  if (auto s = tx->commit(); !s) return fail(s.error());
  return report;
}

Result<bool> SqliteEstate::folded(const std::string& tenant, const std::string& scan_id) {
  std::lock_guard lock(mu_);
  return SqliteTx(*db_, tenant).folded(scan_id);  // the fold's own check, outside a fold
}

Result<std::int64_t> SqliteEstate::feed_position() {
  std::lock_guard lock(mu_);
  auto st = db_->prepare("SELECT value FROM estate_meta WHERE key = 'feed_position'");
  if (!st) return fail(st.error());
  auto row = st->step();
  if (!row) return fail(row.error());
  return *row ? std::atoll(st->column_text(0).c_str()) : std::int64_t{0};
}

Status SqliteEstate::set_feed_position(std::int64_t position) {
  std::lock_guard lock(mu_);
  // Never backwards: two feeds (two processes) moving it race harmlessly.
  auto st = db_->prepare(
      "INSERT INTO estate_meta (key, value) VALUES ('feed_position', ?1) ON CONFLICT (key) DO "
      "UPDATE SET value = CAST(MAX(CAST(value AS INTEGER), CAST(excluded.value AS INTEGER)) AS "
      "TEXT)");
  if (!st) return fail(st.error());
  st->bind(1, std::to_string(position));
  return st->run();
}

Result<std::vector<EstateFindingRow>> SqliteEstate::findings(const std::string& tenant) {
  std::lock_guard lock(mu_);
  auto st = db_->prepare(
      "SELECT f.id, f.asset, a.agent_id, a.mac, a.fqdn, a.netbios, a.address, f.plugin_id, "
      "f.plugin_name, f.port, f.protocol, f.severity, f.state, f.first_seen, f.last_seen, "
      "f.fixed_at, f.reopened, f.not_rechecked_since, f.not_rechecked_reason, f.changes "
      "FROM findings f JOIN assets a ON a.id = f.asset WHERE f.tenant = ?1 "
      "ORDER BY f.asset, f.plugin_id, f.port, f.protocol");
  if (!st) return fail(st.error());
  st->bind(1, tenant);
  std::vector<EstateFindingRow> out;
  for (;;) {
    auto row = st->step();
    if (!row) return fail(row.error());
    if (!*row) break;
    EstateFindingRow r;
    r.id = st->column_int(0);
    r.asset = st->column_int(1);
    r.asset_ids = ids_at(*st, 2);
    r.plugin_id = static_cast<int>(st->column_int(7));
    r.plugin_name = st->column_text(8);
    r.port = static_cast<int>(st->column_int(9));
    r.protocol = st->column_text(10);
    r.severity = static_cast<int>(st->column_int(11));
    r.state = state_of(st->column_text(12));
    r.first_seen = st->column_int(13);
    r.last_seen = st->column_int(14);
    if (!st->column_is_null(15)) r.fixed_at = st->column_int(15);
    r.reopened = static_cast<int>(st->column_int(16));
    if (!st->column_is_null(17)) r.not_rechecked_since = st->column_int(17);
    r.not_rechecked_reason = st->column_text(18);
    r.changes = changes_of(st->column_text(19));
    out.push_back(std::move(r));
  }
  return out;
}

Result<std::vector<KnownAsset>> SqliteEstate::assets(const std::string& tenant) {
  std::lock_guard lock(mu_);
  auto st = db_->prepare(
      "SELECT id, agent_id, mac, fqdn, netbios, address FROM assets WHERE tenant = ?1 AND "
      "merged_into IS NULL ORDER BY id");
  if (!st) return fail(st.error());
  st->bind(1, tenant);
  std::vector<KnownAsset> out;
  for (;;) {
    auto row = st->step();
    if (!row) return fail(row.error());
    if (!*row) break;
    out.push_back({st->column_int(0), ids_at(*st, 1)});
  }
  return out;
}

}  // namespace nmcp::estate
