#pragma once
// Writes a .nessus (NessusClientData_v2) document for a finished simulated scan, streamed in
// pieces so that exports of hundreds of megabytes never sit in memory. Deterministic: the same
// scan always produces the same bytes. Per host: properties (addresses, OS, timestamps,
// Credentialed_Scan), findings at every severity from a catalogue of realistic plugins
// (CVE lists, CVSS v2/v3, plugin output with characters XML must escape), and plugin 19506 whose
// "Credentialed checks" line follows from the scan's SSH credentials, with the authentication
// failure or insufficient-privilege plugins when they did not fully work.

#include <cstdint>
#include <ctime>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "dev/nessus-sim/targets.h"

namespace nessus_sim {

enum class CredentialOutcome {
  None,              // no credentials given: an unauthenticated scan
  Success,           // login and (if asked) escalation worked
  LoginFailed,       // wrong username or password
  EscalationFailed,  // login worked, escalation did not
};

enum class WindowsOutcome {
  None,         // no Windows credentials given
  Admin,        // an administrator logged in
  NotAdmin,     // a standard account logged in: no ADMIN$, no registry
  LoginFailed,  // wrong account, password or hash
};

// Restricted: the user and passwords are right but at authNoPriv the device's view for the
// user leaves out what local checks read (logged in, insufficient privilege).
enum class SnmpOutcome { None, Success, Restricted, LoginFailed };

// What a scan's credentials achieve, per protocol (the best of several entries).
struct ScanCredentials {
  CredentialOutcome ssh = CredentialOutcome::None;
  std::string ssh_user;
  std::string ssh_auth = "password";  // password | public key | certificate
  std::string ssh_failure;            // why the key or certificate was refused
  std::string escalation_method = "Nothing";
  WindowsOutcome windows = WindowsOutcome::None;
  std::string windows_user;  // DOMAIN\user as Nessus prints it
  bool start_remote_registry = false;
  SnmpOutcome snmp = SnmpOutcome::None;
  std::string snmp_user;
};

struct ExportSpec {
  std::string scan_name;
  std::string policy_name = "Advanced Scan";
  std::string targets;
  std::vector<SimHost> hosts;
  CredentialOutcome credentials = CredentialOutcome::None;  // SSH, on Linux hosts
  std::string ssh_user;
  std::string escalation_method;  // "Nothing", "sudo", ...
  ScanCredentials creds;          // every protocol
  std::string edition = "manager";
  int findings_per_host = 12;
  std::string plugin_output_note;  // quoted in each host's scan information output
  // How many times these targets were scanned before (with --network-drift; else 0): each
  // rescan, every Linux host has one vulnerability fixed and one new.
  int network_epoch = 0;
  std::time_t start = 0;
  std::time_t end = 0;
};

struct SeverityCounts {
  int info = 0, low = 0, medium = 0, high = 0, critical = 0;
};

// What the export will report for one host, without writing it (for GET /scans/{id}).
SeverityCounts count_findings(const SimHost& host, const ExportSpec& spec);

// Calls `out` with consecutive pieces of the document; stops early when it returns false.
// "truncated" cuts the document off halfway through; "malformed" breaks its XML.
void write_export(const ExportSpec& spec, const std::string& mode,
                  const std::function<bool(std::string_view)>& out);

std::string xml_escape(std::string_view text);

}  // namespace nessus_sim
