#include "scanners/registry/scanner_registry.h"

#include "core/base/logging.h"

namespace nmcp::scanners {

ScannerRegistry::ScannerRegistry(std::shared_ptr<const config::ScannerConfig> config)
    : config_(std::move(config)) {}

Result<std::unique_ptr<ScannerRegistry>> ScannerRegistry::create(
    std::shared_ptr<const config::ScannerConfig> config, CircuitBreaker::Options breaker,
    RequestObserver observer) {
  std::unique_ptr<ScannerRegistry> r(new ScannerRegistry(std::move(config)));
  for (const auto& pool : r->config_->pools) {
    for (const auto& inst : pool.instances) {
      auto client = NessusClient::create(inst, observer);
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

bool InstanceHealth::usable() const {
  return probed && reachable && authenticated && scan_api && server_status == "ready";
}

namespace {

// Probes one instance: each check depends on the one before, and the first that fails says
// what is wrong and what to do.
InstanceHealth probe_instance(NessusClient& client, const config::InstanceConfig& config) {
  InstanceHealth h;
  h.probed = true;
  auto status = client.server_status();
  if (!status) {
    h.error = status.error().message;
    h.hint = !status.error().hint.empty()
                 ? status.error().hint
                 : "check the instance's url and that Nessus runs and is reachable from here";
    return h;
  }
  h.reachable = true;
  h.server_status = status->status;
  if (auto props = client.server_properties()) {
    h.edition = props->edition();
    h.version = props->server_version;
    // API keys need the licence's scan API; a session with the UI token works around it.
    h.scan_api =
        props->scan_api || (config.auth.mode == config::AuthMode::Session && config.auth.ui_token);
  } else {
    h.error = props.error().message;
    h.hint = props.error().hint;
    return h;
  }
  auto templates = client.templates();
  if (!templates) {
    h.error = templates.error().message;
    h.hint = templates.error().kind == NessusErrorKind::Auth
                 ? (config.auth.mode == config::AuthMode::ApiKeys
                        ? "check access_key and secret_key (Nessus: Settings > My Account > API "
                          "Keys generates a new pair)"
                        : "check username and password of the Nessus account")
                 : templates.error().hint;
    return h;
  }
  h.authenticated = true;
  for (const auto& t : *templates) h.templates.push_back(t.name);
  if (h.server_status != "ready") {
    h.error = "Nessus is not ready (status " + h.server_status + ")";
    h.hint = "Nessus is starting or compiling plugins; scans start once it is ready";
  } else if (!h.scan_api) {
    h.error = "this Nessus (" + (h.edition.empty() ? std::string("unknown edition") : h.edition) +
              ") does not allow scans to be created or launched through its API "
              "(license.features.scan_api is false)";
    h.hint =
        "use Nessus Manager (or Tenable's scanners managed by it) with API keys; Professional "
        "and Expert launch scans only through the web-UI token: auth mode session with "
        "ui_token: true (outside the documented API)";
  }
  return h;
}

}  // namespace

InstanceHealth ScannerRegistry::probe(const std::string& instance_id, TimePoint now,
                                      std::int64_t wall_now) {
  Entry* e = find_mutable(instance_id);
  if (e == nullptr) return {};
  InstanceHealth h = probe_instance(*e->client, *e->config);
  const bool ok = h.usable();
  if (ok) {
    e->breaker->record_success();
  } else {
    e->breaker->record_failure(now);
  }
  bool changed = false;
  {
    std::lock_guard lock(mu_);
    changed = !e->health.probed || e->health.usable() != ok;
    h.since = changed ? wall_now : e->health.since;
    e->health = h;
  }
  if (changed || !ok) {
    log::write(ok ? log::Level::Info : log::Level::Warn, "registry",
               ok ? "Nessus instance is healthy" : "Nessus instance is unhealthy",
               {{"instance", instance_id},
                {"edition", h.edition},
                {"version", h.version},
                {"scan_api", h.scan_api},
                {"error", h.error},
                {"hint", h.hint}});
  }
  return h;
}

void ScannerRegistry::probe_all(TimePoint now, std::int64_t wall_now) {
  for (const auto& [id, e] : entries_) {
    if (e.config->enabled && e.breaker->allow(now)) probe(id, now, wall_now);
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
    e->health.hint.clear();
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
  return e->health.usable();
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

std::vector<store::ScannerStatus> ScannerRegistry::statuses(TimePoint now) const {
  std::vector<store::ScannerStatus> out;
  for (const auto& [id, e] : entries_) {
    const InstanceHealth h = health(id);
    store::ScannerStatus s;
    s.instance = id;
    s.pool = e.pool;
    s.probed = h.probed;
    s.reachable = h.reachable;
    s.authenticated = h.authenticated;
    s.scan_api = h.scan_api;
    s.server_status = h.server_status;
    s.edition = h.edition;
    s.version = h.version;
    s.circuit = std::string(to_string(e.breaker->state(now)));
    s.error = h.error;
    s.hint = h.hint;
    s.templates = h.templates;
    s.since = h.since;
    if (h.probed && h.error.empty() && s.circuit == "open") {
      s.error = "calls to this instance keep failing (circuit breaker open)";
      s.hint = "it is probed again shortly; check the workers' log for the failures";
    }
    out.push_back(std::move(s));
  }
  return out;
}

}  // namespace nmcp::scanners
