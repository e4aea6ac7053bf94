#include "core/findings/findings_index.h"

#include <algorithm>
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

namespace {

using SortKey = FindingsIndex::SortKey;

// Sort keys pack every key of an order into one 128-bit value, so a comparison is two integer
// compares at most (ties fall to the finding id). Scores are kept to 0.01.
SortKey field(SortKey key, unsigned bits, std::uint64_t value) {
  key.hi = (key.hi << bits) | (key.lo >> (64U - bits));
  key.lo = (key.lo << bits) | (value & ((std::uint64_t{1} << bits) - 1));
  return key;
}

constexpr std::uint64_t kMax24 = (1U << 24U) - 1;

// A quantised score (0..1000, 1001 for none) in sort direction: none is last either way.
std::uint32_t score_key(std::uint16_t q, bool descending) {
  if (q > 1000) return 1001;
  return descending ? 1000U - q : q;
}

}  // namespace

FindingsIndex::SortKey FindingsIndex::sort_key(const SortSpec& sort, std::uint32_t row) const {
  const Row& r = rows_[row];
  const PluginKeys& p = plugin_keys_[r.plugin];
  const bool desc = sort.descending;
  const std::uint64_t sev_desc = 4U - r.severity;
  const std::uint64_t host = host_rank_[r.host];
  const auto port = static_cast<std::uint64_t>(std::clamp(r.port, 0, 65535));
  const std::uint64_t plugin = p.plugin_id;
  auto flip24 = [desc](std::uint64_t v) { return desc ? kMax24 - v : v; };
  SortKey k;
  switch (sort.field) {
    case SortField::Severity:
      k = field(k, 3, desc ? sev_desc : r.severity);
      k = field(k, 11, score_key(p.cvss3, true));
      k = field(k, 11, score_key(p.cvss2, true));
      k = field(k, 24, host);
      k = field(k, 16, port);
      return field(k, 24, plugin);
    case SortField::Cvss3:
    case SortField::Cvss2:
    case SortField::Vpr: {
      const std::uint16_t v = sort.field == SortField::Cvss3   ? p.cvss3
                              : sort.field == SortField::Cvss2 ? p.cvss2
                                                               : p.vpr;
      k = field(k, 11, score_key(v, desc));
      k = field(k, 3, sev_desc);
      k = field(k, 24, host);
      k = field(k, 16, port);
      return field(k, 24, plugin);
    }
    case SortField::Host:
      k = field(k, 24, flip24(host));
      k = field(k, 3, sev_desc);
      k = field(k, 16, port);
      return field(k, 24, plugin);
    case SortField::Port:
      k = field(k, 16, desc ? 65535 - port : port);
      k = field(k, 24, host);
      k = field(k, 3, sev_desc);
      return field(k, 24, plugin);
    case SortField::PluginId:
      k = field(k, 24, flip24(plugin));
      k = field(k, 24, host);
      return field(k, 16, port);
    case SortField::PluginName:
      k = field(k, 24, flip24(p.name_rank));
      k = field(k, 24, plugin);
      k = field(k, 24, host);
      return field(k, 16, port);
    case SortField::Family:
      k = field(k, 24, flip24(p.family_rank));
      k = field(k, 3, sev_desc);
      k = field(k, 24, plugin);
      k = field(k, 24, host);
      return field(k, 16, port);
  }
  return k;
}

std::uint32_t FindingsIndex::plugin_primary(const SortSpec& sort, std::uint32_t plugin) const {
  const PluginKeys& p = plugin_keys_[plugin];
  const bool desc = sort.descending;
  auto flip24 = [desc](std::uint64_t v) {
    return static_cast<std::uint32_t>(desc ? kMax24 - v : v);
  };
  switch (sort.field) {
    case SortField::Cvss3:
      return score_key(p.cvss3, desc);
    case SortField::Cvss2:
      return score_key(p.cvss2, desc);
    case SortField::Vpr:
      return score_key(p.vpr, desc);
    case SortField::PluginId:
      return flip24(p.plugin_id);
    case SortField::PluginName:
      return flip24(p.name_rank);
    case SortField::Family:
      return flip24(p.family_rank);
    default:
      return 0;
  }
}

std::uint32_t FindingsIndex::host_primary(const SortSpec& sort, std::uint32_t host) const {
  return static_cast<std::uint32_t>(sort.descending ? kMax24 - host_rank_[host] : host_rank_[host]);
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
  using Keyed = std::pair<SortKey, std::uint32_t>;  // (sort key, row): a total order
  const Keyed cursor = has_after ? Keyed{sort_key(sort, static_cast<std::uint32_t>(after - 1)),
                                         static_cast<std::uint32_t>(after - 1)}
                                 : Keyed{};
  SelectResult out;
  // The first key of the order, as a table per plugin variant, per host or per severity, so
  // that the pass reads it instead of computing it.
  enum class By { PluginValue, HostValue, SeverityValue, PortValue } by = By::PluginValue;
  std::vector<std::uint32_t> table;
  switch (sort.field) {
    case SortField::Severity:
      by = By::SeverityValue;
      for (std::uint32_t sev = 0; sev <= 4; ++sev) table.push_back(sort.descending ? 4 - sev : sev);
      break;
    case SortField::Host:
      by = By::HostValue;
      for (std::uint32_t h = 0; h < hosts_.size(); ++h) table.push_back(host_primary(sort, h));
      break;
    case SortField::Port:
      by = By::PortValue;
      break;
    default:
      for (std::uint32_t p = 0; p < plugins_.size(); ++p) table.push_back(plugin_primary(sort, p));
  }
  auto first_key = [&](std::uint32_t i) -> std::uint32_t {
    const Row& r = rows_[i];
    switch (by) {
      case By::PluginValue:
        return table[r.plugin];
      case By::HostValue:
        return table[r.host];
      case By::SeverityValue:
        return table[r.severity];
      case By::PortValue:
        break;
    }
    const auto port = static_cast<std::uint32_t>(std::clamp(r.port, 0, 65535));
    return sort.descending ? 65535U - port : port;
  };
  const std::uint32_t cursor_first =
      has_after ? first_key(static_cast<std::uint32_t>(after - 1)) : 0;
  // A max-heap: its top is the last of the best `limit` rows seen so far.
  std::priority_queue<Keyed> page;
  bool full = false;  // the heap holds `limit` rows
  std::uint32_t top_first = 0;
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
    // The first key of the order decides most comparisons; the full key only settles ties.
    const std::uint32_t first = first_key(i);
    if (has_after && (first < cursor_first ||
                      (first == cursor_first && !(cursor < Keyed{sort_key(sort, i), i})))) {
      continue;
    }
    ++out.remaining;
    if (limit == 0) continue;
    if (full && first > top_first) continue;
    const Keyed k{sort_key(sort, i), i};
    if (!full) {
      page.push(k);
      full = page.size() == limit;
    } else if (k < page.top()) {
      page.pop();
      page.push(k);
    } else {
      continue;
    }
    top_first = first_key(page.top().second);
  }
  out.ids.resize(page.size());
  for (std::size_t k = page.size(); k > 0; --k) {
    out.ids[k - 1] = static_cast<std::int64_t>(page.top().second) + 1;
    page.pop();
  }
  return out;
}

Result<std::vector<json>> FindingsIndex::fetch(const std::vector<std::int64_t>& ids) const {
  std::vector<json> out;
  out.reserve(ids.size());
  std::lock_guard lock(db_mutex_);
  auto st = db_->prepare(
      "SELECT port, protocol, service, severity, reported_severity, output, host, plugin FROM "
      "findings WHERE id = ?1");
  if (!st) return fail(st.error());
  auto children_of = [this](std::int64_t ref) -> Result<std::shared_ptr<const json>> {
    if (auto it = children_cache_.find(ref); it != children_cache_.end()) return it->second;
    auto q = db_->prepare("SELECT children FROM plugins WHERE id = ?1");
    if (!q) return fail(q.error());
    q->bind(1, ref);
    auto row = q->step();
    if (!row) return fail(row.error());
    json parsed = *row ? json::parse(q->column_text(0), nullptr, false) : json::object();
    if (!parsed.is_object()) parsed = json::object();
    if (children_cache_.size() >= kChildrenCache) children_cache_.clear();
    auto shared = std::make_shared<const json>(std::move(parsed));
    children_cache_.emplace(ref, shared);
    return shared;
  };
  for (const auto id : ids) {
    if (!has(id)) {
      return fail(
          Error{ErrorCode::NotFound, "finding " + std::to_string(id) + " is not in this scan",
                "finding ids come from the result pages of the same task", Action::ReadResults});
    }
    st->reset();
    st->bind(1, id);
    auto row = st->step();
    if (!row) return fail(row.error());
    if (!*row) return fail(ErrorCode::Internal, "finding " + std::to_string(id) + " is missing");
    const HostView& h = hosts_[static_cast<std::size_t>(st->column_int(6) - 1)];
    const std::int64_t ref = st->column_int(7);
    if (ref < 1 || ref > static_cast<std::int64_t>(plugins_.size())) {
      return fail(ErrorCode::Internal, "finding " + std::to_string(id) + " names no plugin");
    }
    const Plugin& plugin = plugins_[static_cast<std::size_t>(ref - 1)];
    const int severity = static_cast<int>(st->column_int(3));
    json f = {{"finding_id", id}, {"host", h.name}};
    put_text(f, "host_ip", h.ip);
    put_text(f, "host_fqdn", h.fqdn);
    f["port"] = st->column_int(0);
    put_text(f, "protocol", st->column_text(1));
    put_text(f, "service", st->column_text(2));
    f["plugin_id"] = plugin.plugin_id;
    put_text(f, "plugin_name", plugin.name);
    put_text(f, "plugin_family", plugin.family);
    f["severity"] = severity;
    f["severity_label"] = std::string(severity_name(severity));
    auto children_ptr = children_of(ref);
    if (!children_ptr) return fail(children_ptr.error());
    const json& children = **children_ptr;
    json other = json::object();
    const int reported = static_cast<int>(st->column_int(4));
    if (reported != severity) other["@severity"] = std::to_string(reported);
    for (const auto& [name, values] : children.items()) {
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
          if (auto v = parse_decimal(values[0].get<std::string>()))
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

std::string FindingsIndex::host_key(const HostView& h) {
  return h.ip.empty() ? ascii_lower(h.name) : h.ip;
}

bool FindingsIndex::login_worked(const HostView& h) {
  return h.credential_status == "success" || h.credential_status == "partial";
}

estate::PluginFacts FindingsIndex::plugin_facts(std::int64_t id) const {
  const Plugin& p = plugins_[rows_[static_cast<std::size_t>(id - 1)].plugin];
  return {p.plugin_id, p.name, p.family, p.needs_login};
}

std::string FindingsIndex::search_details(std::int64_t id) const {
  const Plugin& p = plugins_[rows_[static_cast<std::size_t>(id - 1)].plugin];
  nlohmann::json d = {{"cves", p.cves}, {"exploit_available", p.exploit}};
  if (p.cvss3 >= 0) d["cvss3_base_score"] = p.cvss3;
  if (p.cvss2 >= 0) d["cvss_base_score"] = p.cvss2;
  if (p.vpr >= 0) d["vpr_score"] = p.vpr;
  return d.dump();
}

FindingKey FindingsIndex::key(std::int64_t id) const {
  const Row& r = rows_[static_cast<std::size_t>(id - 1)];
  return {host_key(hosts_[r.host]), plugins_[r.plugin].plugin_id, r.port, protocols_[r.protocol]};
}

const std::string& FindingsIndex::plugin_name(std::int64_t id) const {
  return plugins_[rows_[static_cast<std::size_t>(id - 1)].plugin].name;
}

}  // namespace nmcp::findings
