#include "core/findings/findings_index.h"

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <numeric>
#include <queue>

#include "core/base/text.h"
#include "core/findings/finding.h"
#include "core/findings/finding_fields.h"
#include "core/findings/index_schema.h"
#include "core/net/ip.h"
#include "core/sqlite/sqlite_db.h"

namespace nmcp::findings {

using nlohmann::json;

namespace {

std::optional<double> number_of(const std::string& text) {
  const std::string_view t = trim_space(text);
  if (t.empty()) return std::nullopt;
  char* end = nullptr;
  const std::string copy(t);
  const double v = std::strtod(copy.c_str(), &end);
  if (end == copy.c_str() || *end != '\0') return std::nullopt;
  return v;
}

const std::string& first_of(const json& children, const char* name) {
  static const std::string empty;
  const auto it = children.find(name);
  if (it == children.end() || !it->is_array() || it->empty() || !(*it)[0].is_string()) return empty;
  return (*it)[0].get_ref<const std::string&>();
}

float score(const json& children, const char* name) {
  const auto v = number_of(first_of(children, name));
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

void put_text(json& out, const char* field, const std::string& value) {
  if (!value.empty()) out[field] = value;
}

}  // namespace

struct FindingsIndex::Compiled {
  std::vector<char> host_ok, plugin_ok, protocol_ok, service_ok;  // empty: all pass
  std::vector<char> text_rows;     // rows whose output matches the text filter
  std::vector<char> text_plugins;  // plugins whose texts match it
  bool text = false;
  unsigned severity_mask = 0x1F;
  std::vector<int> ports;  // sorted
};

FindingsIndex::~FindingsIndex() = default;

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
  if (meta_.value("schema_version", 0) != schema::kVersion) {
    return fail(ErrorCode::Internal,
                "the findings index " + path + " has schema version " +
                    meta_.value("schema_version", json(0)).dump() + ", not " +
                    std::to_string(schema::kVersion),
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

  auto hosts = db_->prepare(
      "SELECT id, name, ip, fqdn, netbios, os, mac, start, end, credential_status, "
      "credential_account, credential_reason, critical, high, medium, low, info FROM hosts "
      "ORDER BY id");
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

Result<FindingsIndex::Compiled> FindingsIndex::compile(const FindingFilter& f) const {
  Compiled c;
  if (f.severity_min || f.severity_max || !f.severities.empty()) {
    c.severity_mask = 0;
    for (int s = 0; s <= 4; ++s) {
      const bool in_range = s >= f.severity_min.value_or(0) && s <= f.severity_max.value_or(4);
      const bool listed =
          f.severities.empty() ||
          std::find(f.severities.begin(), f.severities.end(), s) != f.severities.end();
      if (in_range && listed) c.severity_mask |= 1U << static_cast<unsigned>(s);
    }
  }
  if (!f.host.empty()) {
    auto matcher = HostMatcher::parse(f.host);
    if (!matcher) return fail(matcher.error());
    c.host_ok.assign(hosts_.size(), 0);
    for (std::size_t i = 0; i < hosts_.size(); ++i) {
      const auto& h = hosts_[i];
      c.host_ok[i] = matcher->matches(h.name, h.ip, h.fqdn, h.netbios) ? 1 : 0;
    }
  }
  auto vocabulary = [](const std::vector<std::string>& table,
                       const std::vector<std::string>& want) {
    std::vector<char> ok(table.size(), 0);
    for (std::size_t i = 0; i < table.size(); ++i) {
      ok[i] = std::find(want.begin(), want.end(), table[i]) != want.end() ? 1 : 0;
    }
    return ok;
  };
  if (!f.protocols.empty()) c.protocol_ok = vocabulary(protocols_, f.protocols);
  if (!f.services.empty()) c.service_ok = vocabulary(services_, f.services);
  c.ports = f.ports;
  std::sort(c.ports.begin(), c.ports.end());

  const bool plugin_level = !f.plugin_ids.empty() || !f.families.empty() || !f.name.empty() ||
                            !f.cves.empty() || f.cvss3_min || f.cvss3_max || f.cvss2_min ||
                            f.cvss2_max || f.exploit_available;
  if (plugin_level) {
    c.plugin_ok.assign(plugins_.size(), 0);
    auto in_range = [](float v, const std::optional<double>& lo, const std::optional<double>& hi) {
      if (!lo && !hi) return true;
      if (v < 0) return false;  // no score: outside any score range
      return (!lo || v >= *lo - 1e-6) && (!hi || v <= *hi + 1e-6);
    };
    for (std::size_t i = 0; i < plugins_.size(); ++i) {
      const Plugin& p = plugins_[i];
      bool pass = (f.plugin_ids.empty() || std::find(f.plugin_ids.begin(), f.plugin_ids.end(),
                                                     p.plugin_id) != f.plugin_ids.end()) &&
                  (f.families.empty() || std::find(f.families.begin(), f.families.end(),
                                                   ascii_lower(p.family)) != f.families.end()) &&
                  (f.name.empty() || contains_ignoring_case(p.name, f.name)) &&
                  in_range(p.cvss3, f.cvss3_min, f.cvss3_max) &&
                  in_range(p.cvss2, f.cvss2_min, f.cvss2_max) &&
                  (!f.exploit_available || p.exploit == *f.exploit_available);
      if (pass && !f.cves.empty()) {
        pass = std::any_of(p.cves.begin(), p.cves.end(), [&](const std::string& cve) {
          return std::find(f.cves.begin(), f.cves.end(), cve) != f.cves.end();
        });
      }
      c.plugin_ok[i] = pass ? 1 : 0;
    }
  }

  if (!f.text.empty()) {
    // Long texts live only in the file: ask SQLite which plugins and outputs mention the text.
    c.text = true;
    c.text_plugins.assign(plugins_.size(), 0);
    c.text_rows.assign(rows_.size(), 0);
    const std::string needle = ascii_lower(f.text);
    std::lock_guard lock(db_mutex_);
    auto mark = [&](const char* sql, std::vector<char>& out) -> Status {
      auto st = db_->prepare(sql);
      if (!st) return fail(st.error());
      st->bind(1, needle);
      for (;;) {
        auto row = st->step();
        if (!row) return fail(row.error());
        if (!*row) return ok();
        const auto id = st->column_int(0);
        if (id >= 1 && static_cast<std::size_t>(id) <= out.size())
          out[static_cast<std::size_t>(id - 1)] = 1;
      }
    };
    if (auto s = mark("SELECT id FROM plugins WHERE instr(lower(name || ' ' || family || ' ' || "
                      "children), ?1) > 0",
                      c.text_plugins);
        !s) {
      return fail(s.error());
    }
    if (auto s = mark("SELECT id FROM findings WHERE instr(lower(output), ?1) > 0", c.text_rows);
        !s) {
      return fail(s.error());
    }
  }
  return c;
}

bool FindingsIndex::before(const SortSpec& sort, std::uint32_t a, std::uint32_t b) const {
  const Row& x = rows_[a];
  const Row& y = rows_[b];
  const Plugin& px = plugins_[x.plugin];
  const Plugin& py = plugins_[y.plugin];
  const bool desc = sort.descending;
  // -1: x first, 1: y first, 0: tie.
  auto by = [desc](auto vx, auto vy) -> int {
    if (vx == vy) return 0;
    return (vx < vy) != desc ? -1 : 1;
  };
  // Scores: a finding without one comes last in either direction.
  auto by_score = [desc](float vx, float vy) -> int {
    if (vx == vy) return 0;
    if (vx < 0) return 1;
    if (vy < 0) return -1;
    return (vx < vy) != desc ? -1 : 1;
  };
  auto then = [](int primary, auto... rest) {
    int r = primary;
    ((r = r != 0 ? r : rest), ...);
    return r;
  };
  const int sev = y.severity - x.severity;  // higher first
  const int cvss3 = px.cvss3 == py.cvss3 ? 0 : (px.cvss3 > py.cvss3 ? -1 : 1);
  const int cvss2 = px.cvss2 == py.cvss2 ? 0 : (px.cvss2 > py.cvss2 ? -1 : 1);
  const int host = host_rank_[x.host] == host_rank_[y.host]
                       ? 0
                       : (host_rank_[x.host] < host_rank_[y.host] ? -1 : 1);
  const int port = x.port == y.port ? 0 : (x.port < y.port ? -1 : 1);
  const int plugin = px.plugin_id == py.plugin_id ? 0 : (px.plugin_id < py.plugin_id ? -1 : 1);
  int r = 0;
  switch (sort.field) {
    case SortField::Severity:
      r = then(by(x.severity, y.severity), cvss3, cvss2, host, port, plugin);
      break;
    case SortField::Cvss3:
      r = then(by_score(px.cvss3, py.cvss3), sev, host, port, plugin);
      break;
    case SortField::Cvss2:
      r = then(by_score(px.cvss2, py.cvss2), sev, host, port, plugin);
      break;
    case SortField::Vpr:
      r = then(by_score(px.vpr, py.vpr), sev, host, port, plugin);
      break;
    case SortField::Host:
      r = then(by(host_rank_[x.host], host_rank_[y.host]), sev, port, plugin);
      break;
    case SortField::Port:
      r = then(by(x.port, y.port), host, sev, plugin);
      break;
    case SortField::PluginId:
      r = then(by(px.plugin_id, py.plugin_id), host, port);
      break;
    case SortField::PluginName:
      r = then(by(px.name_rank, py.name_rank), plugin, host, port);
      break;
    case SortField::Family:
      r = then(by(px.family_rank, py.family_rank), sev, plugin, host, port);
      break;
  }
  return r != 0 ? r < 0 : a < b;
}

Result<SelectResult> FindingsIndex::select(const FindingFilter& filter, const SortSpec& sort,
                                           std::int64_t after, std::size_t limit) const {
  auto compiled = compile(filter);
  if (!compiled) return fail(compiled.error());
  const Compiled& c = *compiled;
  if (after != 0 && !has(after)) {
    return fail(ErrorCode::InvalidArgument, "the cursor points at no finding of this scan",
                "pass next_cursor from the previous page unchanged, or omit it to start over");
  }
  const bool has_after = after != 0;
  const auto after_row = static_cast<std::uint32_t>(after - 1);
  SelectResult out;
  // A max-heap on sort order: its top is the last of the best `limit` rows seen so far.
  auto later = [&](std::uint32_t a, std::uint32_t b) { return before(sort, a, b); };
  std::priority_queue<std::uint32_t, std::vector<std::uint32_t>, decltype(later)> page(later);
  const auto n = static_cast<std::uint32_t>(rows_.size());
  for (std::uint32_t i = 0; i < n; ++i) {
    const Row& r = rows_[i];
    if ((c.severity_mask & (1U << r.severity)) == 0) continue;
    if (!c.host_ok.empty() && c.host_ok[r.host] == 0) continue;
    if (!c.plugin_ok.empty() && c.plugin_ok[r.plugin] == 0) continue;
    if (!c.protocol_ok.empty() &&
        (r.protocol >= c.protocol_ok.size() || c.protocol_ok[r.protocol] == 0))
      continue;
    if (!c.service_ok.empty() && (r.service >= c.service_ok.size() || c.service_ok[r.service] == 0))
      continue;
    if (!c.ports.empty() && !std::binary_search(c.ports.begin(), c.ports.end(), r.port)) continue;
    if (c.text && c.text_plugins[r.plugin] == 0 && c.text_rows[i] == 0) continue;
    ++out.total;
    ++out.severity_counts[r.severity];
    if (has_after && !before(sort, after_row, i)) continue;
    ++out.remaining;
    if (limit == 0) continue;
    if (page.size() < limit) {
      page.push(i);
    } else if (before(sort, i, page.top())) {
      page.pop();
      page.push(i);
    }
  }
  out.ids.resize(page.size());
  for (std::size_t k = page.size(); k > 0; --k) {
    out.ids[k - 1] = static_cast<std::int64_t>(page.top()) + 1;
    page.pop();
  }
  return out;
}

Result<std::vector<json>> FindingsIndex::fetch(const std::vector<std::int64_t>& ids) const {
  std::vector<json> out;
  out.reserve(ids.size());
  std::lock_guard lock(db_mutex_);
  auto st = db_->prepare(
      "SELECT f.port, f.protocol, f.service, f.severity, f.reported_severity, f.output, "
      "p.plugin_id, p.name, p.family, p.children, f.host FROM findings f JOIN plugins p ON "
      "p.id = f.plugin WHERE f.id = ?1");
  if (!st) return fail(st.error());
  for (const auto id : ids) {
    if (!has(id)) {
      return fail(ErrorCode::NotFound, "finding " + std::to_string(id) + " is not in this scan",
                  "finding ids come from get_scan_results pages of the same task");
    }
    st->reset();
    st->bind(1, id);
    auto row = st->step();
    if (!row) return fail(row.error());
    if (!*row) return fail(ErrorCode::Internal, "finding " + std::to_string(id) + " is missing");
    const HostView& h = hosts_[static_cast<std::size_t>(st->column_int(10) - 1)];
    const int severity = static_cast<int>(st->column_int(3));
    json f = {{"finding_id", id}, {"host", h.name}};
    put_text(f, "host_ip", h.ip);
    put_text(f, "host_fqdn", h.fqdn);
    f["port"] = st->column_int(0);
    put_text(f, "protocol", st->column_text(1));
    put_text(f, "service", st->column_text(2));
    f["plugin_id"] = st->column_int(6);
    put_text(f, "plugin_name", st->column_text(7));
    put_text(f, "plugin_family", st->column_text(8));
    f["severity"] = severity;
    f["severity_label"] = std::string(severity_name(severity));
    json children = json::parse(st->column_text(9), nullptr, false);
    if (!children.is_object()) children = json::object();
    json other = json::object();
    const int reported = static_cast<int>(st->column_int(4));
    if (reported != severity) other["@severity"] = std::to_string(reported);
    for (auto& [name, values] : children.items()) {
      if (!values.is_array() || values.empty()) continue;
      const FieldInfo* field = find_field(name);
      const bool shown = field != nullptr && field->kind != FieldKind::Object && name != "host" &&
                         name != "port" && name != "severity" && name != "finding_id";
      if (!shown) {
        other[name] = values.size() == 1 ? values[0] : values;
        continue;
      }
      switch (field->kind) {
        case FieldKind::Number:
          if (auto v = number_of(values[0].get<std::string>()))
            f[name] = *v;
          else
            other[name] = values[0];
          break;
        case FieldKind::Bool:
          f[name] = ascii_lower(trim_space(values[0].get<std::string>())) == "true";
          break;
        case FieldKind::List: {
          json list = json::array();
          for (const auto& v : values) {
            const std::string& text = v.get_ref<const std::string&>();
            if (name != "see_also") {
              list.push_back(std::string(trim_space(text)));
              continue;
            }
            std::size_t start = 0;  // one URL per line
            while (start <= text.size()) {
              const std::size_t end = std::min(text.find('\n', start), text.size());
              const auto url = trim_space(std::string_view(text).substr(start, end - start));
              if (!url.empty()) list.push_back(std::string(url));
              start = end + 1;
            }
          }
          f[name] = std::move(list);
          break;
        }
        default:
          f[name] = values[0];
      }
    }
    put_text(f, "plugin_output", st->column_text(5));
    if (!other.empty()) f["other"] = std::move(other);
    out.push_back(std::move(f));
  }
  return out;
}

std::vector<std::int64_t> FindingsIndex::hosts_matching(const HostMatcher& matcher) const {
  std::vector<std::uint32_t> order;
  for (std::uint32_t i = 0; i < hosts_.size(); ++i) {
    const auto& h = hosts_[i];
    if (matcher.matches(h.name, h.ip, h.fqdn, h.netbios)) order.push_back(i);
  }
  std::sort(order.begin(), order.end(),
            [&](std::uint32_t a, std::uint32_t b) { return host_rank_[a] < host_rank_[b]; });
  std::vector<std::int64_t> out;
  for (const auto i : order) out.push_back(static_cast<std::int64_t>(i) + 1);
  return out;
}

FindingKey FindingsIndex::key(std::int64_t id) const {
  const Row& r = rows_[static_cast<std::size_t>(id - 1)];
  const HostView& h = hosts_[r.host];
  return {h.ip.empty() ? ascii_lower(h.name) : h.ip, plugins_[r.plugin].plugin_id, r.port,
          protocols_[r.protocol]};
}

const std::string& FindingsIndex::plugin_name(std::int64_t id) const {
  return plugins_[rows_[static_cast<std::size_t>(id - 1)].plugin].name;
}

}  // namespace nmcp::findings
