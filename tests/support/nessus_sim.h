#pragma once
// Starts a real nessus-sim on a free port for a test and talks to its control API. The
// simulator's fixed development identity is in sim_identity.h.

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/config/scanner_config.h"
#include "tests/support/sim_identity.h"
#include "tests/support/subprocess.h"

namespace nmcp::testing {

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
