#include "scanners/nessus/nessus_types.h"

#include <algorithm>
#include <cstdlib>

namespace nmcp::scanners {

using json = nlohmann::json;

namespace {

const json& field(const json& j, const char* key) {
  static const json kNull;
  if (!j.is_object()) return kNull;
  const auto it = j.find(key);
  return it == j.end() ? kNull : *it;
}

// Integers, or strings holding one ("1"), as some Nessus versions and clients send.
std::optional<long long> as_int(const json& v) {
  if (v.is_number_integer()) return v.get<long long>();
  if (v.is_number_float()) return static_cast<long long>(v.get<double>());
  if (v.is_string()) {
    const std::string& s = v.get_ref<const std::string&>();
    char* end = nullptr;
    const long long n = std::strtoll(s.c_str(), &end, 10);
    if (!s.empty() && *end == '\0') return n;
  }
  return std::nullopt;
}

int int_or(const json& j, const char* key, int fallback = 0) {
  const auto v = as_int(field(j, key));
  return v ? static_cast<int>(*v) : fallback;
}

std::string str_or(const json& j, const char* key) {
  const json& v = field(j, key);
  if (v.is_string()) return v.get<std::string>();
  if (v.is_number()) return v.dump();
  return {};
}

bool bool_or(const json& j, const char* key, bool fallback = false) {
  const json& v = field(j, key);
  if (v.is_boolean()) return v.get<bool>();
  if (const auto n = as_int(v)) return *n != 0;
  return fallback;
}

// A list field that may be null or missing.
const json& list(const json& j, const char* key) {
  static const json kEmpty = json::array();
  const json& v = field(j, key);
  return v.is_array() ? v : kEmpty;
}

tl::unexpected<NessusError> unexpected_reply(const std::string& what) {
  return nessus_fail(NessusErrorKind::Internal, 200, "unexpected reply from Nessus: " + what);
}

}  // namespace

std::string ServerProperties::edition() const {
  std::string t = nessus_type;
  std::transform(t.begin(), t.end(), t.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (t.find("manager") != std::string::npos) return "manager";
  if (t.find("essentials") != std::string::npos || t.find("home") != std::string::npos ||
      license_type == "home") {
    return "essentials";
  }
  if (t.find("professional") != std::string::npos || t.find("expert") != std::string::npos)
    return "professional";
  return "unknown";
}

bool is_terminal_status(const std::string& s) {
  return s == "completed" || s == "canceled" || s == "cancelled" || s == "aborted" ||
         s == "imported" || s == "stopped";
}

double ScanDetails::progress() const {
  if (is_terminal_status(status)) return 100.0;
  long long current = 0;
  long long total = 0;
  for (const auto& h : hosts) {
    current += h.current;
    total += h.total;
  }
  return total > 0
             ? std::min(100.0, 100.0 * static_cast<double>(current) / static_cast<double>(total))
             : 0.0;
}

ScanPhase ScanDetails::phase() const {
  if (status.empty() || status == "empty") return ScanPhase::NotLaunched;
  if (status == "completed" || status == "imported") return ScanPhase::Completed;
  if (is_terminal_status(status)) return ScanPhase::Stopped;
  return ScanPhase::Running;
}

NessusResult<ServerStatus> parse_server_status(const json& j) {
  if (!j.is_object()) return unexpected_reply("/server/status is not an object");
  ServerStatus s;
  s.status = str_or(j, "status");
  if (const auto p = as_int(field(j, "progress"))) s.progress = static_cast<int>(*p);
  s.must_destroy_session = bool_or(j, "must_destroy_session");
  if (s.status.empty()) return unexpected_reply("/server/status has no status");
  return s;
}

NessusResult<ServerProperties> parse_server_properties(const json& j) {
  if (!j.is_object()) return unexpected_reply("/server/properties is not an object");
  ServerProperties p;
  p.nessus_type = str_or(j, "nessus_type");
  p.server_version = str_or(j, "server_version");
  const json& license = field(j, "license");
  p.license_type = str_or(license, "type");
  p.restricted = bool_or(license, "restricted");
  p.licensed_ips = int_or(license, "ips");
  // Without the flag assume the documented API only works on Manager.
  p.scan_api = bool_or(field(license, "features"), "scan_api", p.edition() == "manager");
  return p;
}

NessusResult<std::vector<ScanTemplate>> parse_templates(const json& j) {
  std::vector<ScanTemplate> out;
  for (const auto& t : list(j, "templates")) {
    out.push_back({str_or(t, "uuid"), str_or(t, "name"), str_or(t, "title")});
  }
  return out;
}

NessusResult<std::vector<Folder>> parse_folders(const json& j) {
  std::vector<Folder> out;
  for (const auto& f : list(j, "folders"))
    out.push_back({int_or(f, "id"), str_or(f, "name"), str_or(f, "type")});
  return out;
}

NessusResult<std::vector<ScannerInfo>> parse_scanners(const json& j) {
  std::vector<ScannerInfo> out;
  for (const auto& s : list(j, "scanners")) {
    out.push_back({int_or(s, "id"), str_or(s, "name"), str_or(s, "type"), str_or(s, "status")});
  }
  return out;
}

NessusResult<std::vector<ScanSummary>> parse_scan_list(const json& j) {
  if (!j.is_object()) return unexpected_reply("GET /scans is not an object");
  std::vector<ScanSummary> out;
  for (const auto& s : list(j, "scans")) {
    out.push_back({int_or(s, "id"), str_or(s, "uuid"), str_or(s, "name"), str_or(s, "status"),
                   int_or(s, "folder_id")});
  }
  return out;
}

NessusResult<ScanDetails> parse_scan_details(const json& j) {
  const json& info = field(j, "info");
  if (!info.is_object()) return unexpected_reply("the scan has no info");
  ScanDetails d;
  d.status = str_or(info, "status");
  if (d.status.empty()) return unexpected_reply("the scan has no status");
  d.name = str_or(info, "name");
  d.uuid = str_or(info, "uuid");
  d.targets = str_or(info, "targets");
  d.host_count = int_or(info, "hostcount");
  if (const auto v = as_int(field(info, "scan_start"))) d.scan_start = *v;
  if (const auto v = as_int(field(info, "scan_end"))) d.scan_end = *v;
  for (const auto& h : list(j, "hosts")) {
    HostProgress p;
    p.host_id = int_or(h, "host_id");
    p.hostname = str_or(h, "hostname");
    p.current = int_or(h, "scanprogresscurrent");
    p.total = int_or(h, "scanprogresstotal");
    p.critical = int_or(h, "critical");
    p.high = int_or(h, "high");
    p.medium = int_or(h, "medium");
    p.low = int_or(h, "low");
    p.info = int_or(h, "info");
    d.hosts.push_back(std::move(p));
  }
  for (const auto& run : list(j, "history")) {
    d.history.push_back({int_or(run, "history_id"), str_or(run, "uuid"), str_or(run, "status")});
  }
  return d;
}

NessusResult<CreatedScan> parse_created_scan(const json& j) {
  const json& scan = field(j, "scan");
  const auto id = as_int(field(scan, "id"));
  if (!id || *id <= 0) return unexpected_reply("the created scan has no id");
  return CreatedScan{static_cast<int>(*id), str_or(scan, "uuid"), str_or(scan, "name")};
}

NessusResult<ExportHandle> parse_export_handle(const json& j) {
  const auto file = as_int(field(j, "file"));
  if (!file) return unexpected_reply("the export request returned no file id");
  return ExportHandle{static_cast<int>(*file), str_or(j, "token")};
}

NessusResult<ExportState> parse_export_state(const json& j) {
  const std::string s = str_or(j, "status");
  if (s == "ready") return ExportState::Ready;
  if (s == "loading" || s == "processing") return ExportState::Loading;
  if (s == "error") return ExportState::Error;
  return unexpected_reply("unknown export status \"" + s + "\"");
}

}  // namespace nmcp::scanners
