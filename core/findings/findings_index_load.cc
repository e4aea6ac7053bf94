// Opening a findings index: the SQLite file's rows read once into the compact in-memory
// columns every query runs over (findings_index.cc).
#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <numeric>

#include "core/base/text.h"
#include "core/findings/finding.h"
#include "core/findings/findings_index.h"
#include "core/findings/index_schema.h"
#include "core/net/ip.h"
#include "core/sqlite/sqlite_db.h"

namespace nmcp::findings {

using nlohmann::json;

namespace {

const std::string& first_of(const json& children, const char* name) {
  static const std::string empty;
  const auto it = children.find(name);
  if (it == children.end() || !it->is_array() || it->empty() || !(*it)[0].is_string()) return empty;
  return (*it)[0].get_ref<const std::string&>();
}

float score(const json& children, const char* name) {
  const auto v = parse_decimal(first_of(children, name));
  return v ? static_cast<float>(*v) : -1.0F;
}

// Intern small vocabularies (protocols, services) as 16-bit codes.
std::uint16_t intern(std::vector<std::string>& table, std::map<std::string, std::uint16_t>& codes,
                     const std::string& value) {
  const std::string key = ascii_lower(value);
  const auto it = codes.find(key);
  if (it != codes.end()) return it->second;
  const auto code = static_cast<std::uint16_t>(std::min<std::size_t>(table.size(), 65535));
  if (table.size() < 65535) {
    table.push_back(key);
    codes.emplace(key, code);
  }
  return code;
}

template <typename Less>
std::vector<std::uint32_t> ranks(std::size_t n, Less less) {
  std::vector<std::uint32_t> order(n);
  std::iota(order.begin(), order.end(), 0U);
  std::stable_sort(order.begin(), order.end(), less);
  std::vector<std::uint32_t> rank(n);
  for (std::size_t i = 0; i < n; ++i) rank[order[i]] = static_cast<std::uint32_t>(i);
  return rank;
}

}  // namespace

Result<std::shared_ptr<const FindingsIndex>> FindingsIndex::open(const std::string& path) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) {
    return fail(ErrorCode::NotFound, "the findings index " + path + " does not exist",
                "the scan has not been indexed yet");
  }
  std::shared_ptr<FindingsIndex> index(new FindingsIndex());
  if (auto s = index->load(path); !s) return fail(s.error());
  return std::shared_ptr<const FindingsIndex>(std::move(index));
}

Status FindingsIndex::load(const std::string& path) {
  auto db = sqlite::SqliteDb::open(path, 5000, sqlite::OpenMode::ReadOnly);
  if (!db) return fail(db.error());
  db_ = std::move(*db);
  auto damaged = [&](const Error& e) {
    return fail(ErrorCode::Internal, "the findings index " + path + " is unreadable: " + e.message,
                "re-index the scan from its export (admin_cli task reindex ID)");
  };

  auto meta = db_->prepare("SELECT key, value FROM meta");
  if (!meta) return damaged(meta.error());
  meta_ = json::object();
  for (;;) {
    auto row = meta->step();
    if (!row) return damaged(row.error());
    if (!*row) break;
    meta_[meta->column_text(0)] = json::parse(meta->column_text(1), nullptr, false);
  }
  const int version = meta_.value("schema_version", 0);
  if (version < schema::kOldestReadable || version > schema::kVersion) {
    return fail(ErrorCode::Internal,
                "the findings index " + path + " has schema version " +
                    meta_.value("schema_version", json(0)).dump() +
                    ", which this build does "
                    "not read (it reads " +
                    std::to_string(schema::kOldestReadable) + " to " +
                    std::to_string(schema::kVersion) + ")",
                "re-index the scan from its export (admin_cli task reindex ID)");
  }

  auto plugins =
      db_->prepare("SELECT id, plugin_id, name, family, children FROM plugins ORDER BY id");
  if (!plugins) return damaged(plugins.error());
  for (;;) {
    auto row = plugins->step();
    if (!row) return damaged(row.error());
    if (!*row) break;
    Plugin p;
    p.plugin_id = static_cast<int>(plugins->column_int(1));
    p.name = plugins->column_text(2);
    p.family = plugins->column_text(3);
    const json children = json::parse(plugins->column_text(4), nullptr, false);
    if (children.is_object()) {
      p.cvss3 = score(children, "cvss3_base_score");
      p.cvss2 = score(children, "cvss_base_score");
      p.vpr = score(children, "vpr_score");
      p.exploit = ascii_lower(first_of(children, "exploit_available")) == "true";
      // Checks that run on the host itself need a login; without one their absence proves
      // nothing. plugin_type says so; older exports only show it in the family.
      const std::string type = ascii_lower(first_of(children, "plugin_type"));
      p.needs_login = type == "local" ||
                      ascii_lower(p.family).find("local security checks") != std::string::npos;
      if (const auto c = children.find("cve"); c != children.end() && c->is_array()) {
        for (const auto& v : *c) {
          if (v.is_string()) p.cves.push_back(ascii_upper(trim_space(v.get<std::string>())));
        }
      }
    }
    plugins_.push_back(std::move(p));
  }
  const auto name_rank = ranks(plugins_.size(), [&](std::uint32_t a, std::uint32_t b) {
    return ascii_lower(plugins_[a].name) < ascii_lower(plugins_[b].name);
  });
  const auto family_rank = ranks(plugins_.size(), [&](std::uint32_t a, std::uint32_t b) {
    return ascii_lower(plugins_[a].family) < ascii_lower(plugins_[b].family);
  });
  for (std::size_t i = 0; i < plugins_.size(); ++i) {
    plugins_[i].name_rank = name_rank[i];
    plugins_[i].family_rank = family_rank[i];
  }
  auto quantised = [](float v) -> std::uint16_t {
    return v < 0 ? std::uint16_t{1001}
                 : static_cast<std::uint16_t>(std::clamp(std::lround(v * 100.0F), 0L, 1000L));
  };
  plugin_keys_.reserve(plugins_.size());
  for (const auto& p : plugins_) {
    plugin_keys_.push_back({quantised(p.cvss3), quantised(p.cvss2), quantised(p.vpr),
                            static_cast<std::uint32_t>(std::clamp(p.plugin_id, 0, (1 << 24) - 1)),
                            p.name_rank, p.family_rank});
  }

  auto hosts = db_->prepare(
      "SELECT id, name, ip, fqdn, netbios, os, mac, start, end, credential_status, "
      "credential_account, credential_reason, critical, high, medium, low, info, " +
      std::string(version >= 2 ? "credential_protocols" : "''") + " FROM hosts ORDER BY id");
  if (!hosts) return damaged(hosts.error());
  for (;;) {
    auto row = hosts->step();
    if (!row) return damaged(row.error());
    if (!*row) break;
    HostView h;
    h.id = hosts->column_int(0);
    h.name = hosts->column_text(1);
    h.ip = hosts->column_text(2);
    h.fqdn = hosts->column_text(3);
    h.netbios = hosts->column_text(4);
    h.os = hosts->column_text(5);
    h.mac = hosts->column_text(6);
    h.start = hosts->column_text(7);
    h.end = hosts->column_text(8);
    h.credential_status = hosts->column_text(9);
    h.credential_account = hosts->column_text(10);
    h.credential_reason = hosts->column_text(11);
    h.credential_protocols = hosts->column_text(17);
    for (int s = 0; s < 5; ++s) {
      h.severity_counts[static_cast<std::size_t>(4 - s)] = hosts->column_int(12 + s);
    }
    if (h.id != static_cast<std::int64_t>(hosts_.size()) + 1) {
      return damaged({ErrorCode::Internal, "host ids are not contiguous", ""});
    }
    hosts_.push_back(std::move(h));
  }
  std::vector<std::optional<net::IpAddress>> addresses;
  for (const auto& h : hosts_) {
    auto a = net::IpAddress::parse(h.ip);
    addresses.push_back(a ? a : net::IpAddress::parse(h.name));
  }
  host_rank_ = ranks(hosts_.size(), [&](std::uint32_t a, std::uint32_t b) {
    const auto& x = addresses[a];
    const auto& y = addresses[b];
    if (x.has_value() != y.has_value()) return x.has_value();
    if (x && *x != *y) return *x < *y;
    return ascii_lower(hosts_[a].name) < ascii_lower(hosts_[b].name);
  });

  auto findings = db_->prepare(
      "SELECT id, host, plugin, port, protocol, service, severity FROM findings ORDER BY id");
  if (!findings) return damaged(findings.error());
  std::map<std::string, std::uint16_t> protocol_codes, service_codes;
  for (;;) {
    auto row = findings->step();
    if (!row) return damaged(row.error());
    if (!*row) break;
    const auto id = findings->column_int(0);
    const auto host = findings->column_int(1);
    const auto plugin = findings->column_int(2);
    const auto severity = findings->column_int(6);
    if (id != static_cast<std::int64_t>(rows_.size()) + 1 || host < 1 ||
        host > static_cast<std::int64_t>(hosts_.size()) || plugin < 1 ||
        plugin > static_cast<std::int64_t>(plugins_.size()) || severity < 0 || severity > 4) {
      return damaged(
          {ErrorCode::Internal, "finding " + std::to_string(id) + " is inconsistent", ""});
    }
    Row r{};
    r.host = static_cast<std::uint32_t>(host - 1);
    r.plugin = static_cast<std::uint32_t>(plugin - 1);
    r.port = static_cast<std::int32_t>(findings->column_int(3));
    r.protocol = intern(protocols_, protocol_codes, findings->column_text(4));
    r.service = intern(services_, service_codes, findings->column_text(5));
    r.severity = static_cast<std::uint8_t>(severity);
    rows_.push_back(r);
  }
  rows_.shrink_to_fit();
  return ok();
}

}  // namespace nmcp::findings
