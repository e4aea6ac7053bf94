#include "service/fleet_service.h"

#include <algorithm>
#include <map>

#include "core/readiness/pool_readiness.h"
#include "core/readiness/queue_wait.h"
#include "service/scan_service.h"

namespace nmcp::service {

using nlohmann::json;

namespace {

// An instance's health as the workers last published it (readiness.h says what each state
// means).
json health_of(const readiness::InstanceReadiness& r) {
  json h = {{"state", readiness::to_string(r.state)}};
  if (const store::ScannerStatus* s = r.status) {
    h["reachable"] = s->reachable;
    h["authenticated"] = s->authenticated;
    h["server_status"] = s->server_status;
    h["edition"] = s->edition;
    h["version"] = s->version;
    h["scan_api"] = s->scan_api;
    h["circuit"] = s->circuit;
    h["checked_at"] = task::format_time(s->updated_at);
  }
  if (r.since > 0) h["since"] = task::format_time(r.since);
  if (r.state != readiness::InstanceState::Usable) {
    h["error"] = r.error;
    if (!r.hint.empty()) h["hint"] = r.hint;
  }
  return h;
}

struct Estate {
  std::shared_ptr<const config::ScannerConfig> config;
  std::map<std::string, int> running;
  std::map<std::string, store::ScannerStatus> health;
  task::Millis now = 0;

  readiness::PoolReadiness pool(const config::PoolConfig& p) const {
    return readiness::pool_readiness(p, health, now);
  }
};

double utilisation(int running, int capacity) {
  return capacity > 0 ? std::min(1.0, static_cast<double>(running) / capacity) : 0.0;
}

json pool_view(const Estate& e, const config::PoolConfig& pool,
               const std::vector<store::QueueStats>& queues) {
  int running = 0;
  json instances = json::array();
  const auto ready = e.pool(pool);
  for (std::size_t n = 0; n < pool.instances.size(); ++n) {
    const auto& i = pool.instances[n];
    const int r = e.running.count(i.id) != 0 ? e.running.at(i.id) : 0;
    running += r;
    const json h = health_of(ready.instances[n]);
    instances.push_back({{"id", i.id},
                         {"enabled", i.enabled},
                         {"health", h["state"]},
                         {"running", r},
                         {"max_concurrent_scans", i.max_concurrent_scans},
                         {"utilisation", utilisation(r, i.max_concurrent_scans)}});
  }
  // The same capacity the wait estimate of a queued task counts with.
  const int capacity = readiness::usable_capacity(pool, ready);
  json out = {{"pool", pool.name},
              {"ready", ready.ready},
              {"capacity", capacity},
              {"running", running},
              {"available", std::max(0, capacity - running)},
              {"utilisation", utilisation(running, capacity)},
              {"queued", 0},
              {"dead_letters", 0},
              {"instances", instances}};
  for (const auto& q : queues) {
    if (q.pool == pool.name) {
      out["queued"] = q.queued;
      out["dead_letters"] = q.dead_letters;
    }
  }
  if (!ready.ready) {
    out["not_ready"] = ready.reason;
    if (!ready.hint.empty()) out["hint"] = ready.hint;
  }
  return out;
}

Error store_unavailable(const Error& e) {
  return Error{ErrorCode::Unavailable, "the task store is unavailable: " + e.message,
               "retry shortly"};
}

}  // namespace

Result<std::shared_ptr<const config::ScannerConfig>> FleetService::configuration() const {
  return ScanService(s_).configuration();
}

Result<const config::PoolConfig*> FleetService::wanted(const config::ScannerConfig& c,
                                                       const std::string& pool) const {
  if (pool.empty()) return static_cast<const config::PoolConfig*>(nullptr);
  return c.find_pool(pool);
}

Result<json> FleetService::scanners(const std::string& pool_name) const {
  auto config = configuration();
  if (!config) return fail(config.error());
  auto chosen = wanted(**config, pool_name);
  if (!chosen) return fail(chosen.error());
  const config::PoolConfig* only = *chosen;
  auto running = s_.tasks->running_per_instance();
  if (!running) return fail(store_unavailable(running.error()));
  auto health = s_.scanner_health->scanner_statuses();
  if (!health) return fail(store_unavailable(health.error()));
  const Estate estate{*config, std::move(*running), std::move(*health), s_.clock->now()};
  const Estate* e = &estate;
  json scanners = json::array();
  for (const auto& pool : e->config->pools) {
    if (only != nullptr && only != &pool) continue;
    const auto ready = e->pool(pool);
    for (std::size_t n = 0; n < pool.instances.size(); ++n) {
      const auto& i = pool.instances[n];
      const int busy = e->running.count(i.id) != 0 ? e->running.at(i.id) : 0;
      json row = {{"id", i.id},
                  {"pool", pool.name},
                  {"url", i.url},
                  {"enabled", i.enabled},
                  {"auth", i.auth.mode == config::AuthMode::ApiKeys ? "api_keys" : "session"},
                  {"tls", i.tls.insecure               ? "insecure"
                          : !i.tls.fingerprint.empty() ? "pinned"
                          : !i.tls.ca_file.empty()     ? "ca_file"
                                                       : "system_cas"},
                  {"max_concurrent_scans", i.max_concurrent_scans},
                  {"running", busy},
                  {"utilisation", utilisation(busy, i.max_concurrent_scans)},
                  {"health", health_of(ready.instances[n])}};
      if (const auto* st = ready.instances[n].status; st && !st->templates.empty()) {
        row["templates"] = st->templates;
      }
      if (i.tls.insecure) {
        row["warning"] = "TLS verification is off for this instance (insecure: true)";
      }
      scanners.push_back(std::move(row));
    }
  }
  json profiles = json::array();
  for (const auto& [name, p] : e->config->credentials) {
    if (only == nullptr || only->allows_profile(name))
      profiles.push_back(config::describe_profile(*e->config, p));
  }
  return json{{"scanners", scanners}, {"credential_profiles", profiles}};
}

Result<json> FleetService::credential_profiles(const std::string& pool_name) const {
  auto config = configuration();
  if (!config) return fail(config.error());
  auto chosen = wanted(**config, pool_name);
  if (!chosen) return fail(chosen.error());
  json profiles = json::array();
  for (const auto& [name, p] : (*config)->credentials) {
    if (*chosen == nullptr || (*chosen)->allows_profile(name)) {
      profiles.push_back(config::describe_profile(**config, p));
    }
  }
  return json{{"credential_profiles", profiles}};
}

Result<json> FleetService::pools() const {
  auto config = configuration();
  if (!config) return fail(config.error());
  const auto& c = *config;
  json pools = json::array();
  for (const auto& p : c->pools) {
    json allow = json::array(), deny = json::array();
    for (const auto& a : p.scope.allow) allow.push_back(a.to_string());
    for (const auto& d : p.scope.deny) deny.push_back(d.to_string());
    pools.push_back({{"name", p.name},
                     {"description", p.description},
                     {"instances", p.instances.size()},
                     {"capacity", p.capacity()},
                     {"scope",
                      {{"allow", allow},
                       {"deny", deny},
                       {"hostnames", p.scope.hostnames},
                       {"max_addresses", p.scope.max_addresses}}},
                     {"credential_profiles",
                      p.credential_profiles.empty() ? json("any") : json(p.credential_profiles)}});
  }
  return json{{"pools", pools}, {"default_pool", c->defaults.pool}};
}

Result<json> FleetService::pool_status(const std::string& pool_name) const {
  auto config = configuration();
  if (!config) return fail(config.error());
  auto chosen = wanted(**config, pool_name);
  if (!chosen) return fail(chosen.error());
  auto running = s_.tasks->running_per_instance();
  if (!running) return fail(store_unavailable(running.error()));
  auto health = s_.scanner_health->scanner_statuses();
  if (!health) return fail(store_unavailable(health.error()));
  auto queues = s_.tasks->queue_stats();
  if (!queues) return fail(store_unavailable(queues.error()));
  const Estate e{*config, std::move(*running), std::move(*health), s_.clock->now()};
  json pools = json::array();
  for (const auto& p : e.config->pools) {
    if (*chosen == nullptr || *chosen == &p) pools.push_back(pool_view(e, p, *queues));
  }
  return json{{"pools", pools}};
}

Result<json> FleetService::queues(const std::string& pool_name) const {
  auto config = configuration();
  if (!config) return fail(config.error());
  auto chosen = wanted(**config, pool_name);
  if (!chosen) return fail(chosen.error());
  const auto& c = *config;
  const std::string only = pool_name;
  auto stats = s_.tasks->queue_stats();
  if (!stats) return fail(store_unavailable(stats.error()));
  const task::Millis now = s_.clock->now();
  json queues = json::array();
  for (const auto& pool : c->pools) {
    if (!only.empty() && pool.name != only) continue;
    json q = {{"pool", pool.name},
              {"queued", 0},
              {"running", 0},
              {"dead_letters", 0},
              {"oldest_queued_age_seconds", nullptr}};
    for (const auto& st : *stats) {
      if (st.pool != pool.name) continue;
      q["queued"] = st.queued;
      q["running"] = st.running;
      q["dead_letters"] = st.dead_letters;
      if (st.oldest_queued_at) q["oldest_queued_age_seconds"] = (now - *st.oldest_queued_at) / 1000;
    }
    queues.push_back(std::move(q));
  }
  return json{{"queues", queues}};
}

}  // namespace nmcp::service
