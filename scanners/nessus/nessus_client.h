#pragma once
// NessusClient: the typed Nessus REST API of one configured instance.
//
// Authentication follows the instance's configuration: API keys (X-ApiKeys) on every call, or a
// web session (POST /session, X-Cookie) opened on first use, renewed once when Nessus answers
// 401, and closed by the destructor. With ui_token the web UI's X-API-Token is read from
// /nessus6.js at login and read again once when scan control answers 412, which lets
// Professional and Essentials accept scan control. server_properties() tells up front whether
// the scan API is available (license.features.scan_api).
//
// Every call has timeouts; failures come back classified (nessus_error.h). Nothing secret ever
// reaches a log line or an error message.
//
// Every call that changes something on the scanner (create, upload, launch, stop, pause,
// resume, delete, export) takes a SideEffectGate (core/base/side_effect_gate.h) and asks it
// immediately before each of its requests leaves, after any login: when the gate refuses,
// nothing is sent and the call fails as Withheld. Reads need no gate.
//
// Thread-safety: all methods may be called concurrently.

#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/base/result.h"
#include "core/base/side_effect_gate.h"
#include "core/config/scanner_config.h"
#include "scanners/nessus/https_client.h"
#include "scanners/nessus/nessus_error.h"
#include "scanners/nessus/nessus_types.h"
#include "scanners/nessus/request_observer.h"

namespace nmcp::scanners {

struct CreateScanRequest {
  std::string template_name = "advanced";  // resolved to its uuid through the template list
  std::string name;
  std::string description;
  std::string targets;  // comma or newline separated, as Nessus takes them
  std::optional<int> folder_id;
  // An authenticated scan: every credential of the profile goes into the scan; SSH keys and
  // certificates are uploaded first (POST /file/upload), once per scan.
  std::optional<config::CredentialProfile> credentials;
  bool launch_now = false;
};

class NessusClient {
 public:
  static Result<std::unique_ptr<NessusClient>> create(const config::InstanceConfig& instance,
                                                      RequestObserver observer = {});
  ~NessusClient();  // logs out of an open session
  NessusClient(const NessusClient&) = delete;
  NessusClient& operator=(const NessusClient&) = delete;

  const std::string& instance_id() const { return instance_.id; }
  const config::InstanceConfig& instance() const { return instance_; }

  NessusResult<ServerStatus> server_status();
  NessusResult<ServerProperties> server_properties();

  // Session mode: opens a session now (calls do it lazily anyway); logout() closes it.
  NessusResult<void> login();
  void logout();
  // The X-API-Token from /nessus6.js.
  NessusResult<std::string> fetch_api_token();

  NessusResult<std::vector<ScanTemplate>> templates();
  NessusResult<std::vector<Folder>> folders();
  NessusResult<std::vector<ScannerInfo>> scanners();
  NessusResult<std::vector<ScanSummary>> list_scans();
  NessusResult<CreatedScan> create_scan(const CreateScanRequest& request, SideEffectGate& gate);
  // POST /file/upload (multipart, field Filedata): the name Nessus stored the file under. The
  // content is a secret (a key) and is wiped from every buffer this client made.
  NessusResult<std::string> upload_file(const std::string& filename, std::string_view content,
                                        SideEffectGate& gate);
  NessusResult<ScanDetails> scan_details(int scan_id);
  NessusResult<void> delete_scan(int scan_id, SideEffectGate& gate);
  NessusResult<std::string> launch_scan(int scan_id, SideEffectGate& gate);  // the run's uuid
  NessusResult<void> stop_scan(int scan_id, SideEffectGate& gate);
  NessusResult<void> pause_scan(int scan_id, SideEffectGate& gate);
  NessusResult<void> resume_scan(int scan_id, SideEffectGate& gate);
  NessusResult<ExportHandle> request_export(int scan_id, SideEffectGate& gate);
  NessusResult<ExportState> export_status(int scan_id, int file);
  // Streams the export to `sink`; returns the number of bytes.
  NessusResult<std::uint64_t> download_export(int scan_id, int file,
                                              const std::function<bool(std::string_view)>& sink);

 private:
  enum class Access { Public, Authenticated, ScanControl };

  NessusClient(config::InstanceConfig instance, std::unique_ptr<HttpsClient> https);

  // `gate`: null for a read; asked before each send of a request that changes something.
  NessusResult<nlohmann::json> call(std::string_view operation, const std::string& method,
                                    const std::string& path, const nlohmann::json& body,
                                    Access access, SideEffectGate* gate = nullptr);
  NessusResult<HttpsReply> exchange(std::string_view operation, HttpsRequest request, Access access,
                                    const std::function<bool(std::string_view)>* sink,
                                    SideEffectGate* gate = nullptr);
  NessusResult<std::vector<std::pair<std::string, std::string>>> auth_headers(Access access);
  NessusError transport_failure(std::string_view operation, const TransportError& e) const;
  NessusResult<std::string> template_uuid(const std::string& name);

  const config::InstanceConfig instance_;
  const std::unique_ptr<HttpsClient> https_;
  RequestObserver observer_;  // set once at creation
  std::mutex mu_;
  std::string session_token_;                           // guarded by mu_
  std::string api_token_;                               // guarded by mu_
  std::optional<std::vector<ScanTemplate>> templates_;  // guarded by mu_
};

}  // namespace nmcp::scanners
