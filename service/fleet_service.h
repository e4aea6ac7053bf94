#pragma once
// The fleet as callers see it: the configured scanners with the health workers last published,
// the credential profiles (never a secret), the pools with their scope and capacity, each
// pool's load, and the queues. Read from the configuration and the store, never from Nessus on
// the request path. Capacity and readiness are core/readiness's rules, the same a queued
// task's wait estimate uses.
//
// Thread-safety: a FleetService holds only its Services; calls may run concurrently.

#include <string>

#include <nlohmann/json.hpp>

#include "core/base/result.h"
#include "service/services.h"

namespace nmcp::service {

class FleetService {
 public:
  explicit FleetService(Services s) : s_(std::move(s)) {}

  // `pool` empty: every pool; otherwise NotFound naming the configured pools.
  Result<nlohmann::json> scanners(const std::string& pool) const;
  Result<nlohmann::json> credential_profiles(const std::string& pool) const;
  Result<nlohmann::json> pools() const;
  Result<nlohmann::json> pool_status(const std::string& pool) const;
  Result<nlohmann::json> queues(const std::string& pool) const;

 private:
  Result<std::shared_ptr<const config::ScannerConfig>> configuration() const;
  // The pool named (null for every pool), or NotFound.
  Result<const config::PoolConfig*> wanted(const config::ScannerConfig& c,
                                           const std::string& pool) const;

  Services s_;
};

}  // namespace nmcp::service
