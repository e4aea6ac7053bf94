#pragma once
// Typed views of what Nessus returns, read tolerantly: every list may be null, integers may
// arrive as strings, unknown fields are ignored, missing optional fields take defaults. Only a
// missing field we cannot do without (a scan id) is an error. Pure values.

#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "scanners/nessus/nessus_error.h"

namespace nmcp::scanners {

struct ServerStatus {
  std::string status;  // ready, loading, register, ...
  std::optional<int> progress;
  bool must_destroy_session = false;
};

struct ServerProperties {
  std::string nessus_type;  // "Nessus Manager", "Nessus Professional", "Nessus Essentials"
  std::string server_version;
  std::string license_type;
  bool scan_api = false;  // license.features.scan_api: scan control allowed with API keys
  bool restricted = false;
  int licensed_ips = 0;
  // manager | professional | essentials | unknown
  std::string edition() const;
};

struct ScanTemplate {
  std::string uuid;
  std::string name;
  std::string title;
};

struct Folder {
  int id = 0;
  std::string name;
  std::string type;  // main, trash, custom
};

struct ScannerInfo {
  int id = 0;
  std::string name;
  std::string type;
  std::string status;
};

struct ScanSummary {
  int id = 0;
  std::string uuid;
  std::string name;
  std::string status;
  int folder_id = 0;
};

struct HostProgress {
  int host_id = 0;
  std::string hostname;
  int current = 0;
  int total = 0;
  int critical = 0, high = 0, medium = 0, low = 0, info = 0;
};

struct ScanRun {
  int history_id = 0;
  std::string uuid;
  std::string status;
};

// Where a scan stands, as far as driving it goes.
enum class ScanPhase {
  NotLaunched,  // "empty": created, never run
  Running,      // pending, running, paused, stopping, ... (and statuses we do not know)
  Completed,    // completed, imported: the results can be exported
  Stopped,      // canceled, cancelled, stopped, aborted: ended without results
};

struct ScanDetails {
  std::string status;
  std::string name;
  std::string uuid;
  std::string targets;
  int host_count = 0;
  std::optional<long long> scan_start;
  std::optional<long long> scan_end;
  std::vector<HostProgress> hosts;
  std::vector<ScanRun> history;

  // 0..100 from the per-host progress (info carries no overall percentage).
  double progress() const;
  ScanPhase phase() const;
};

struct CreatedScan {
  int id = 0;
  std::string uuid;
  std::string name;
};

struct ExportHandle {
  int file = 0;
  std::string token;
};

enum class ExportState { Loading, Ready, Error };

// Statuses after which a scan changes no more: completed, canceled (and cancelled), aborted,
// imported, stopped. Unknown statuses count as still running.
bool is_terminal_status(const std::string& status);

NessusResult<ServerStatus> parse_server_status(const nlohmann::json& j);
NessusResult<ServerProperties> parse_server_properties(const nlohmann::json& j);
NessusResult<std::vector<ScanTemplate>> parse_templates(const nlohmann::json& j);
NessusResult<std::vector<Folder>> parse_folders(const nlohmann::json& j);
NessusResult<std::vector<ScannerInfo>> parse_scanners(const nlohmann::json& j);
NessusResult<std::vector<ScanSummary>> parse_scan_list(const nlohmann::json& j);
NessusResult<ScanDetails> parse_scan_details(const nlohmann::json& j);
NessusResult<CreatedScan> parse_created_scan(const nlohmann::json& j);
NessusResult<ExportHandle> parse_export_handle(const nlohmann::json& j);
NessusResult<ExportState> parse_export_state(const nlohmann::json& j);

}  // namespace nmcp::scanners
