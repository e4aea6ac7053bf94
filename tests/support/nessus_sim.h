#pragma once
// Starts a real nessus-sim on a free port for a test and talks to its control API. The
// simulator's fixed development identity (dev/nessus-sim/README.md) is repeated here.

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/config/scanner_config.h"
#include "tests/support/subprocess.h"

namespace nmcp::testing {

inline const std::string kSimAccessKey =
    "a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f90";
inline const std::string kSimSecretKey =
    "0f9e8d7c6b5a49382716f5e4d3c2b1a00f9e8d7c6b5a49382716f5e4d3c2b1a0";
inline const std::string kSimUser = "admin";
inline const std::string kSimPassword = "nessus-sim-admin";
inline const std::string kSimApiToken = "7A3F5C2E-9B1D-4E8F-A6C4-2D5B8E1F3A90";
inline const std::string kSimSshUser = "scanuser";
inline const std::string kSimSshPassword = "scan-pass-123";
inline const std::string kSimEscalationPassword = "root-pass-123";
// The published demo key pair the simulator's Linux hosts authorize, and a certificate for it
// (principal scanuser) signed by the demo user CA they trust (dev/nessus-sim/README.md).
inline const std::string kSimDemoKey =
    "-----BEGIN OPENSSH PRIVATE KEY-----\n"
    "b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZW\n"
    "QyNTUxOQAAACDAdjdBAEoPX0mpvIdaAzXUka2PPWYyXf4Ah5sWmOQbCAAAAJizx5k7s8eZ\n"
    "OwAAAAtzc2gtZWQyNTUxOQAAACDAdjdBAEoPX0mpvIdaAzXUka2PPWYyXf4Ah5sWmOQbCA\n"
    "AAAEADY20pJzyBbVWyavDiMUmt2XkcdN8JsrAPx+wU3IufB8B2N0EASg9fSam8h1oDNdSR\n"
    "rY89ZjJd/gCHmxaY5BsIAAAAE25lc3N1cy1zaW0gZGVtbyBrZXkBAg==\n"
    "-----END OPENSSH PRIVATE KEY-----\n";
inline const std::string kSimDemoCertificate =
    "ssh-ed25519-cert-v01@openssh.com "
    "AAAAIHNzaC1lZDI1NTE5LWNlcnQtdjAxQG9wZW5zc2guY29tAAAAIEkTgk+KVLVfC+S6CHWYLRsDhWp2tzC5/"
    "jA+psTAiZC+AAAAIMB2N0EASg9fSam8h1oDNdSRrY89ZjJd/"
    "gCHmxaY5BsIAAAAAAAAAAAAAAABAAAAD25lc3N1cy1zaW0tZGVtbwAAAAwAAAAIc2NhbnVzZXIAAAAAAAAAAP/////////"
    "/"
    "AAAAAAAAAIIAAAAVcGVybWl0LVgxMS1mb3J3YXJkaW5nAAAAAAAAABdwZXJtaXQtYWdlbnQtZm9yd2FyZGluZwAAAAAAAA"
    "AWcGVybWl0LXBvcnQtZm9yd2FyZGluZwAAAAAAAAAKcGVybWl0LXB0eQAAAAAAAAAOcGVybWl0LXVzZXItcmMAAAAAAAAA"
    "AAAAADMAAAALc3NoLWVkMjU1MTkAAAAg5CWwOSXYCx2GaehT/"
    "N0+1EhrSd4htwSB8jIZ9LWNGXoAAABTAAAAC3NzaC1lZDI1NTE5AAAAQIK4GckPgWbTvx+"
    "TyA4saZETZQ3L7zigX5xGkCsE1PzR9ct8pnC2DE39NaCGMOFPel5KIb3Dx++/0XMUMcGv0Q8= "
    "nessus-sim demo key";
inline const std::string kSimWindowsDomain = "LAB";
inline const std::string kSimWindowsAdmin = "scanadmin";
inline const std::string kSimWindowsAdminPassword = "win-admin-123";
inline const std::string kSimWindowsAdminNtlmHash = "b718242c44cc276cdcc0a750a4e8551e";
inline const std::string kSimWindowsUser = "labuser";
inline const std::string kSimWindowsUserPassword = "win-user-123";
inline const std::string kSimSnmpUser = "snmpuser";
inline const std::string kSimSnmpAuthPassword = "snmp-auth-123";
inline const std::string kSimSnmpPrivacyPassword = "snmp-priv-123";

class SimProcess {
 public:
  // `args` are added to: --port 0 --speed 1000.
  explicit SimProcess(const std::vector<std::string>& args = {});

  int port() const { return port_; }
  const std::string& fingerprint() const { return fingerprint_; }  // 64 hex digits
  std::string url() const { return "https://127.0.0.1:" + std::to_string(port_); }

  // An instance configuration pinned to this simulator, with API keys or a web session.
  config::InstanceConfig api_keys_instance(const std::string& id = "sim") const;
  config::InstanceConfig session_instance(bool ui_token, const std::string& id = "sim") const;

  nlohmann::json stats();
  void set_faults(const nlohmann::json& patch);
  std::string rotate_api_token();
  std::string log() { return process_.stderr_text(); }

 private:
  nlohmann::json control(const std::string& method, const std::string& path,
                         const nlohmann::json& body);

  Subprocess process_;
  int port_ = 0;
  std::string fingerprint_;
};

}  // namespace nmcp::testing
