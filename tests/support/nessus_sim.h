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
