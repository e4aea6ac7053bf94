#include "scanners/registry/scanner_registry.h"

#include "core/base/logging.h"

namespace nmcp::scanners {

ScannerRegistry::ScannerRegistry(std::shared_ptr<const config::ScannerConfig> config)
    : config_(std::move(config)) {}

Result<std::unique_ptr<ScannerRegistry>> ScannerRegistry::create(
    std::shared_ptr<const config::ScannerConfig> config, CircuitBreaker::Options breaker) {
  std::unique_ptr<ScannerRegistry> r(new ScannerRegistry(std::move(config)));
  for (const auto& pool : r->config_->pools) {
    for (const auto& inst : pool.instances) {
      auto client = NessusClient::create(inst);
      if (!client) return fail(client.error());
      Entry e;
      e.config = &inst;
      e.pool = pool.name;
      e.client = std::move(*client);
      e.breaker = std::make_unique<CircuitBreaker>(breaker);
      r->entries_.emplace(inst.id, std::move(e));
    }
  }
  return r;
}

const ScannerRegistry::Entry* ScannerRegistry::find(const std::string& id) const {
  const auto it = entries_.find(id);
  return it == entries_.end() ? nullptr : &it->second;
}

ScannerRegistry::Entry* ScannerRegistry::find_mutable(const std::string& id) {
  const auto it = entries_.find(id);
  return it == entries_.end() ? nullptr : &it->second;
}

NessusClient* ScannerRegistry::client(const std::string& instance_id) const {
  const Entry* e = find(instance_id);
  return e == nullptr ? nullptr : e->client.get();
}

InstanceHealth ScannerRegistry::probe(const std::string& instance_id, TimePoint now) {
  Entry* e = find_mutable(instance_id);
  if (e == nullptr) return {};
  InstanceHealth h;
  h.probed = true;
  auto status = e->client->server_status();
  if (status) {
    h.server_status = status->status;
    auto props = e->client->server_properties();
    if (props) {
      h.reachable = true;
      h.edition = props->edition();
      h.version = props->server_version;
      // API keys need the licence's scan API; a session with the UI token works around it.
      h.scan_api = props->scan_api ||
                   (e->config->auth.mode == config::AuthMode::Session && e->config->auth.ui_token);
    } else {
      h.error = props.error().message;
    }
  } else {
    h.error = status.error().message;
  }
  const bool ok = h.reachable && h.server_status == "ready";
  if (ok) {
    e->breaker->record_success();
  } else {
    if (h.error.empty()) h.error = "Nessus is not ready (status " + h.server_status + ")";
    e->breaker->record_failure(now);
  }
  bool changed = false;
  {
    std::lock_guard lock(mu_);
    changed = e->health.reachable != ok;
    e->health = h;
  }
  if (changed || !ok) {
    log::write(ok ? log::Level::Info : log::Level::Warn, "registry",
               ok ? "Nessus instance is healthy" : "Nessus instance is unhealthy",
               {{"instance", instance_id},
                {"edition", h.edition},
                {"version", h.version},
                {"scan_api", h.scan_api},
                {"error", h.error}});
  }
  return h;
}

void ScannerRegistry::probe_all(TimePoint now) {
  for (const auto& [id, e] : entries_) {
    if (e.config->enabled && e.breaker->allow(now)) probe(id, now);
  }
}

InstanceHealth ScannerRegistry::health(const std::string& instance_id) const {
  std::lock_guard lock(mu_);
  const Entry* e = find(instance_id);
  return e == nullptr ? InstanceHealth{} : e->health;
}

CircuitBreaker::State ScannerRegistry::circuit(const std::string& instance_id,
                                               TimePoint now) const {
  const Entry* e = find(instance_id);
  return e == nullptr ? CircuitBreaker::State::Open : e->breaker->state(now);
}

void ScannerRegistry::record_success(const std::string& instance_id) {
  Entry* e = find_mutable(instance_id);
  if (e == nullptr) return;
  e->breaker->record_success();
  // A call that worked proves the instance reachable, whatever the last probe said.
  std::lock_guard lock(mu_);
  if (e->health.probed && !e->health.reachable) {
    e->health.reachable = true;
    e->health.error.clear();
  }
}

void ScannerRegistry::record_failure(const std::string& instance_id, TimePoint now) {
  if (const Entry* e = find(instance_id)) e->breaker->record_failure(now);
}

bool ScannerRegistry::healthy(const std::string& instance_id, TimePoint now) const {
  const Entry* e = find(instance_id);
  if (e == nullptr || !e->config->enabled) return false;
  if (e->breaker->state(now) == CircuitBreaker::State::Open) return false;
  std::lock_guard lock(mu_);
  return !e->health.probed || e->health.reachable;
}

std::vector<store::InstanceSlot> ScannerRegistry::usable(const std::string& pool,
                                                         TimePoint now) const {
  std::vector<store::InstanceSlot> out;
  for (const auto& [id, e] : entries_) {  // std::map: in id order
    if (e.pool == pool && healthy(id, now)) out.push_back({id, e.config->max_concurrent_scans});
  }
  return out;
}

std::optional<std::string> ScannerRegistry::select(const std::string& pool,
                                                   const std::map<std::string, int>& running,
                                                   TimePoint now) const {
  return store::least_utilised(usable(pool, now), running);
}

nlohmann::json ScannerRegistry::describe(TimePoint now) const {
  nlohmann::json out = nlohmann::json::array();
  for (const auto& [id, e] : entries_) {
    const InstanceHealth h = health(id);
    out.push_back(
        {{"id", id},
         {"pool", e.pool},
         {"url", e.config->url},
         {"enabled", e.config->enabled},
         {"auth", e.config->auth.mode == config::AuthMode::ApiKeys ? "api_keys" : "session"},
         {"tls", e.config->tls.insecure               ? "insecure (no verification)"
                 : !e.config->tls.fingerprint.empty() ? "pinned"
                 : !e.config->tls.ca_file.empty()     ? "ca_file"
                                                      : "system CAs"},
         {"max_concurrent_scans", e.config->max_concurrent_scans},
         {"probed", h.probed},
         {"reachable", h.reachable},
         {"status", h.server_status},
         {"edition", h.edition},
         {"version", h.version},
         {"scan_api", h.scan_api},
         {"error", h.error},
         {"circuit", to_string(e.breaker->state(now))}});
  }
  return out;
}

}  // namespace nmcp::scanners
