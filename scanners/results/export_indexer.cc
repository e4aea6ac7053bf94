#include "scanners/results/export_indexer.h"

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <functional>
#include <string_view>
#include <utility>

#include "core/findings/index_writer.h"
#include "core/policy/host_set.h"

namespace nmcp::scanners {

namespace {

// Attributes that belong to the occurrence, not to the plugin.
bool per_finding_attribute(std::string_view name) {
  return name == "port" || name == "svc_name" || name == "protocol" || name == "severity" ||
         name == "pluginID" || name == "pluginName" || name == "pluginFamily";
}

// Folds `s` into the running hash 8 bytes at a time (a multiply-xorshift mix). It only tells
// plugin texts apart within one export; the worst a collision could do is show one variant's
// texts for another's findings of the same plugin id, in an export whose author could write
// any text anyway.
std::uint64_t mix(std::uint64_t h, std::string_view s) {
  constexpr std::uint64_t kMul = 0x9E3779B97F4A7C15ULL;
  h ^= s.size() * kMul;
  std::size_t i = 0;
  for (; i + 8 <= s.size(); i += 8) {
    std::uint64_t w;
    std::memcpy(&w, s.data() + i, 8);
    h = (h ^ w) * kMul;
    h ^= h >> 32U;
  }
  std::uint64_t tail = 0;
  std::memcpy(&tail, s.data() + i, s.size() - i);
  h = (h ^ tail) * kMul;
  return h ^ (h >> 29U);
}

// A hash of everything plugin-level in the item: equal hashes mean one stored variant.
std::uint64_t plugin_hash(const ReportItem& item) {
  std::uint64_t h = mix(0xCBF29CE484222325ULL, item.plugin_name);
  h = mix(h, item.plugin_family);
  for (const auto& a : item.attributes()) {
    if (per_finding_attribute(a.name)) continue;
    h = mix(mix(h, a.name), a.value);
  }
  for (const auto& c : item.children()) {
    if (c.name == "plugin_output") continue;
    h = mix(mix(h, c.name), c.value);
  }
  return h;
}

findings::PluginVariant plugin_of(const ReportItem& item) {
  findings::PluginVariant p;
  p.plugin_id = item.plugin_id;
  p.name = item.plugin_name;
  p.family = item.plugin_family;
  for (const auto& c : item.children()) {
    if (c.name != "plugin_output") p.children[c.name].push_back(c.value);
  }
  for (const auto& a : item.attributes()) {
    if (!per_finding_attribute(a.name)) p.children["@" + a.name].push_back(a.value);
  }
  return p;
}

// Whether a host of the export is one the scan's targets name.
bool targeted(const policy::TargetList& targets, const ReportHost& host) {
  const std::string ip = host.property("host-ip");
  for (const std::string& name : {ip, host.name, host.property("host-fqdn")}) {
    if (!name.empty() && policy::targets_overlap(targets, name)) return true;
  }
  return false;
}

class Indexer final : public ReportVisitor {
 public:
  Indexer(findings::IndexWriter& writer, ScanValidator& validator, const ExportExpectations& expect,
          IndexOutcome& out)
      : writer_(writer), validator_(validator), expect_(expect), out_(out) {}

  void on_report(const ReportInfo& info) override { validator_.on_report(info); }

  void on_host(const ReportHost& host) override {
    validator_.on_host(host);
    if (!status_) return;
    if (++hosts_ > expect_.max_hosts) {
      status_ = fail(ErrorCode::ResourceExhausted,
                     "the export has more than " + std::to_string(expect_.max_hosts) + " hosts",
                     "scan fewer targets at a time, or raise defaults.max_export_hosts in "
                     "scanners.yaml");
      return;
    }
    const std::string ip = host.property("host-ip");
    covered_.add(ip.empty() ? host.name : ip);
    if (expect_.targets && !targeted(*expect_.targets, host)) {
      ++out_.outside_targets;
      if (out_.outside_sample.size() < 5) out_.outside_sample.push_back(host.name);
    }
    writer_.begin_host();
  }

  std::string targets() const { return covered_.targets(); }
  bool wants_more() const override { return status_.has_value(); }

  void on_item(const ReportHost& host, const ReportItem& item) override {
    validator_.on_item(host, item);
    if (!status_) return;
    const std::uint64_t hash = plugin_hash(item);
    auto ref = writer_.find_plugin(item.plugin_id, hash);
    if (!ref) {
      if (++variants_ > expect_.max_plugin_variants) {
        status_ = fail(ErrorCode::ResourceExhausted,
                       "the export has more than " + std::to_string(expect_.max_plugin_variants) +
                           " distinct plugins (Nessus has about 200,000)",
                       "the file is not a real scan export; check where it came from");
        return;
      }
      auto added = writer_.add_plugin(plugin_of(item), hash);
      if (!added) {
        status_ = fail(added.error());
        return;
      }
      ref = *added;
    }
    findings::FindingRecord f;
    f.port = item.port;
    f.protocol = item.protocol;
    f.service = item.svc_name;
    f.reported_severity = item.severity;
    f.severity = effective_severity(item);
    f.plugin_output = item.first("plugin_output");
    status_ = writer_.add_finding(*ref, std::move(f));
  }

  void on_host_end(const ReportHost& host) override {
    validator_.on_host_end(host);
    if (!status_) return;
    findings::HostRecord h;
    h.name = host.name;
    h.ip = host.property("host-ip");
    h.fqdn = host.property("host-fqdn");
    h.netbios = host.property("netbios-name");
    h.os = host.property("operating-system");
    h.mac = host.property("mac-address");
    h.start = host.property("HOST_START");
    h.end = host.property("HOST_END");
    h.properties = host.properties;
    const auto& c = validator_.last_host();
    h.credential_status = std::string(to_string(c.status));
    h.credential_account = c.account;
    h.credential_reason = c.reason;
    if (!c.protocols.empty()) h.credential_protocols = protocols_json(c).dump();
    status_ = writer_.end_host(h);
  }

  const Status& status() const { return status_; }

 private:
  findings::IndexWriter& writer_;
  ScanValidator& validator_;
  const ExportExpectations& expect_;
  IndexOutcome& out_;
  policy::HostSet covered_;
  std::uint64_t hosts_ = 0;
  std::uint64_t variants_ = 0;
  Status status_;
};

}  // namespace

Result<IndexOutcome> index_export(const std::string& export_path, const IndexDestination& dest,
                                  const SuppliedCredentials& credentials,
                                  const ExportExpectations& expect, const ParseLimits& limits) {
  auto writer = findings::IndexWriter::create(dest.path, dest.temp);
  if (!writer) return fail(writer.error());
  ScanValidator validator(credentials);
  IndexOutcome out;
  Indexer indexer(**writer, validator, expect, out);
  auto parsed = parse_nessus_file(export_path, indexer, limits);
  if (!indexer.status()) return fail(indexer.status().error());
  if (!parsed) return fail(parsed.error());
  out.summary = validator.summary();
  out.summary["export_bytes"] = parsed->bytes;
  out.targets = indexer.targets();
  if (out.outside_targets > 0) {
    out.summary["hosts_outside_targets"] = {{"count", out.outside_targets},
                                            {"sample", out.outside_sample}};
  }
  out.validation = validator.validation();
  out.verdict = validator.verdict();
  out.stats = *parsed;
  if (auto s = (*writer)->finish({{"scan_name", out.summary.value("scan_name", "")},
                                  {"policy_name", out.summary.value("policy_name", "")},
                                  {"summary", out.summary},
                                  {"validation", out.validation}},
                                 dest.may_publish);
      !s) {
    return fail(s.error());
  }
  return out;
}

}  // namespace nmcp::scanners
