#include "core/findings/estate_input.h"

#include <utility>

#include "core/net/ip.h"

namespace nmcp::findings {

namespace {

bool is_address(const std::string& text) { return net::IpAddress::parse(text).has_value(); }

}  // namespace

estate::ScanFold scan_fold_of(const FindingsIndex& index, std::string tenant, std::string scan_id,
                              std::int64_t scan_time) {
  estate::ScanFold fold;
  fold.tenant = std::move(tenant);
  fold.scan_id = std::move(scan_id);
  fold.scan_time = scan_time;
  for (const HostView& h : index.hosts()) {
    estate::ScannedHost host;
    // The report's host name is an address or a DNS name; the host properties say more.
    const bool name_is_address = is_address(h.name);
    host.reported = {"", h.mac, !h.fqdn.empty() ? h.fqdn : (name_is_address ? "" : h.name),
                     h.netbios, !h.ip.empty() ? h.ip : (name_is_address ? h.name : "")};
    host.logged_in = FindingsIndex::login_worked(h);
    fold.hosts.push_back(std::move(host));
  }
  fold.findings.reserve(static_cast<std::size_t>(index.finding_count()));
  for (std::int64_t id = 1; id <= index.finding_count(); ++id) {
    estate::ScannedFinding f;
    f.host = index.host_index(id);
    f.plugin = index.plugin_facts(id);
    f.port = index.port(id);
    f.protocol = index.protocol(id);
    f.severity = index.severity(id);
    f.details = index.search_details(id);
    fold.hosts[f.host].open_ports.insert({f.port, f.protocol});
    fold.findings.push_back(std::move(f));
  }
  return fold;
}

}  // namespace nmcp::findings
