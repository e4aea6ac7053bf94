// The simulator's exports: asking for one, its status while it is prepared, and the file once
// ready, with the faults a real Nessus shows (exports that never finish, vanish or fail).
#include <filesystem>

#include "dev/nessus-sim/state.h"
#include "dev/nessus-sim/state_internal.h"

namespace nessus_sim {

using namespace support;  // NOLINT: the simulator's own helpers

ExportSpec SimState::spec_for(const Scan& scan) const {
  ExportSpec spec;
  spec.scan_name = scan.name;
  spec.targets = scan.targets;
  spec.hosts = expand_targets(scan.targets, kMaxHosts).hosts;
  for (auto& h : spec.hosts) {
    if (ipv4_in_blocks(h.ip, options_.windows_hosts)) {
      h.kind = HostKind::Windows;
      h.registry_stopped = ipv4_in_blocks(h.ip, options_.registry_stopped_hosts);
    } else if (ipv4_in_blocks(h.ip, options_.network_hosts)) {
      h.kind = HostKind::NetworkDevice;
    }
  }
  spec.credentials = scan.creds.ssh;
  spec.ssh_user = scan.creds.ssh_user;
  spec.escalation_method = scan.creds.escalation_method;
  spec.creds = scan.creds;
  spec.edition = options_.edition;
  spec.findings_per_host = options_.findings_per_host;
  spec.network_epoch = scan.network_epoch;
  spec.start = scan.run_start;
  spec.end = scan.run_end != 0 ? scan.run_end : scan.run_start;
  return spec;
}

std::string SimState::next_export_file() {
  if (options_.exports_dir.empty()) return {};
  std::vector<std::string> files;
  std::error_code ec;
  for (const auto& e : std::filesystem::directory_iterator(options_.exports_dir, ec)) {
    if (e.is_regular_file()) files.push_back(e.path().string());
  }
  if (files.empty()) return {};
  std::sort(files.begin(), files.end());
  return files[next_real_export_++ % files.size()];
}

int SimState::request_export(int id, const nlohmann::json& request, nlohmann::json& body) {
  std::lock_guard lock(mu_);
  const auto it = scans_.find(id);
  if (it == scans_.end()) {
    body = error_body("The requested file was not found.");
    return 404;
  }
  const std::string format = request.is_object() ? str_field(request, "format") : "";
  if (format != "nessus") {
    body = error_body(format.empty() ? "Invalid 'format' field"
                                     : "Format not supported by the simulator: " + format);
    return 400;
  }
  const std::string status = refresh(it->second, Clock::now());
  if (is_active(status) || status == "empty") {
    body = error_body("Can not export running scans");
    return 409;
  }
  Export e;
  e.file = next_file_++;
  e.scan_id = id;
  e.token = random_hex(64);
  e.ready_at =
      Clock::now() + std::chrono::duration_cast<Clock::duration>(
                         std::chrono::duration<double>(kTransitionSeconds / options_.speed));
  e.mode = faults_.export_mode;
  e.spec = spec_for(it->second);
  e.spec.plugin_output_note = faults_.plugin_output_note;
  e.path = next_export_file();
  ++exports_requested_;
  body = {{"file", e.file}, {"token", e.token}};
  exports_.emplace(e.file, std::move(e));
  return 200;
}

int SimState::export_status(int id, int file, nlohmann::json& body) {
  std::lock_guard lock(mu_);
  const auto it = exports_.find(file);
  if (it == exports_.end() || it->second.scan_id != id) {
    body = error_body("The requested file was not found.");
    return 404;
  }
  const bool ready = it->second.mode != "loading" && Clock::now() >= it->second.ready_at;
  body = {{"status", ready ? "ready" : "loading"}};
  return 200;
}

std::optional<Export> SimState::ready_export(int id, int file, int& status, std::string& error) {
  std::lock_guard lock(mu_);
  const auto it = exports_.find(file);
  if (it == exports_.end() || it->second.scan_id != id) {
    status = 404;
    error = "The requested file was not found.";
    return std::nullopt;
  }
  if (it->second.mode == "loading" || Clock::now() < it->second.ready_at) {
    status = 409;
    error = "Report is still being generated";
    return std::nullopt;
  }
  status = 200;
  return it->second;
}

}  // namespace nessus_sim
