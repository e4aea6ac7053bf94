#pragma once
// ScannerRegistry: the Nessus instances of a configuration, one NessusClient and one circuit
// breaker each, their last known health, and the choice of where a scan goes.
//
// Health comes from probing /server/status, /server/properties and the template list: the
// instance is reachable (TLS pin or CA included), ready, logs in with the configured
// credentials (the template list needs them), and its edition allows scan control through the
// API. Each failure is reported with what to fix. An instance never probed is not usable. A
// failed probe or call counts against the instance's breaker; an open breaker takes the
// instance out of selection until a half-open probe succeeds. select() picks the least utilised
// healthy, enabled instance of a pool with a free slot, from running-scan counts the caller
// supplies (the shared task store, so every process sees the same numbers).
//
// Thread-safety: all methods may be called concurrently. Time is passed in for breaker
// decisions.

#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/base/result.h"
#include "core/config/scanner_config.h"
#include "core/store/instance_choice.h"
#include "core/store/scanner_status.h"
#include "scanners/nessus/nessus_client.h"
#include "scanners/registry/circuit_breaker.h"

namespace nmcp::scanners {

struct InstanceHealth {
  bool probed = false;
  bool reachable = false;
  bool authenticated = false;  // the configured credentials were accepted
  std::string server_status;   // ready, loading, ...
  std::string edition;         // manager, professional, essentials, unknown
  std::string version;
  bool scan_api = false;               // scan control works with this instance's auth mode
  std::vector<std::string> templates;  // scan template names
  std::string error;                   // why it cannot take scans, for operators and agents
  std::string hint;                    // what to do about it
  std::int64_t since = 0;              // Unix ms when it last became usable or unusable

  // Probed, reachable, ready, logged in and allowed to control scans.
  bool usable() const;
};

class ScannerRegistry {
 public:
  using TimePoint = std::chrono::steady_clock::time_point;

  // `observer` sees every Nessus request of every client (metrics).
  static Result<std::unique_ptr<ScannerRegistry>> create(
      std::shared_ptr<const config::ScannerConfig> config, CircuitBreaker::Options breaker = {},
      RequestObserver observer = {});

  const config::ScannerConfig& config() const { return *config_; }
  // The client of an instance, or null for an unknown id.
  NessusClient* client(const std::string& instance_id) const;

  // Probes one instance now and records the outcome; `wall_now` (Unix ms) dates changes.
  InstanceHealth probe(const std::string& instance_id, TimePoint now, std::int64_t wall_now);
  // Probes every enabled instance whose breaker allows it.
  void probe_all(TimePoint now, std::int64_t wall_now);

  InstanceHealth health(const std::string& instance_id) const;
  CircuitBreaker::State circuit(const std::string& instance_id, TimePoint now) const;
  // Outcomes of ordinary calls (made by the worker) feed the breaker too.
  void record_success(const std::string& instance_id);
  void record_failure(const std::string& instance_id, TimePoint now);

  // Whether the instance can take work now: enabled, usable when last probed, breaker not open.
  bool healthy(const std::string& instance_id, TimePoint now) const;

  // The instances of `pool` that can take work now, with their limits (what a worker offers
  // the store when it claims).
  std::vector<store::InstanceSlot> usable(const std::string& pool, TimePoint now) const;

  // The instance of `pool` to run the next scan on (store::least_utilised over usable()), or
  // nullopt when none is healthy with a free slot. `running` maps instance ids to scans there.
  std::optional<std::string> select(const std::string& pool,
                                    const std::map<std::string, int>& running, TimePoint now) const;

  // Every instance's health and circuit state, as the store shares it.
  std::vector<store::ScannerStatus> statuses(TimePoint now) const;

 private:
  struct Entry {
    const config::InstanceConfig* config = nullptr;
    std::string pool;
    std::unique_ptr<NessusClient> client;
    std::unique_ptr<CircuitBreaker> breaker;
    InstanceHealth health;  // guarded by the registry's mu_
  };

  explicit ScannerRegistry(std::shared_ptr<const config::ScannerConfig> config);
  const Entry* find(const std::string& id) const;
  Entry* find_mutable(const std::string& id);

  std::shared_ptr<const config::ScannerConfig> config_;
  std::map<std::string, Entry> entries_;  // fixed after create(); health guarded by mu_
  mutable std::mutex mu_;
};

}  // namespace nmcp::scanners
