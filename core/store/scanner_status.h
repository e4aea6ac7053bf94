#pragma once
// What a worker last learned about one Nessus instance by probing it, shared through the store
// so that tools (which never call Nessus) and every process see the same health. A typed
// record: the store keeps it as a document, but nobody reads it back by string keys.
// Plain value; thread-safe to copy.

#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/task/task.h"

namespace nmcp::store {

struct ScannerStatus {
  std::string instance;
  std::string pool;
  bool probed = false;         // false until a worker has probed it once
  bool reachable = false;      // answered over TLS with the configured pin or CA
  bool authenticated = false;  // the probe logged in with the configured credentials
  bool scan_api = false;       // the edition lets the API create and launch scans
  std::string server_status;   // Nessus's own: "ready", "loading", ...
  std::string edition;
  std::string version;
  std::string circuit = "closed";      // the worker's breaker: closed, half_open, open
  std::string error;                   // why it cannot take scans (empty when usable)
  std::string hint;                    // what to do about it
  std::vector<std::string> templates;  // scan template names it offers (empty: not read)
  task::Millis since = 0;              // when it last became usable, or unusable
  task::Millis updated_at = 0;         // when a worker last wrote this

  // Can take new scans: probed, reachable, logged in, scan API on, no error, breaker not open.
  bool usable() const {
    return probed && reachable && authenticated && scan_api && error.empty() && circuit != "open";
  }
};

nlohmann::json to_json(const ScannerStatus& s);
std::optional<ScannerStatus> scanner_status_from_json(const nlohmann::json& j);

}  // namespace nmcp::store
