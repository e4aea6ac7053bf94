#include "core/readiness/pool_readiness.h"

#include <algorithm>

namespace nmcp::readiness {

std::string_view to_string(InstanceState s) {
  switch (s) {
    case InstanceState::Usable:
      return "healthy";
    case InstanceState::Unknown:
      return "unknown";
    case InstanceState::Unusable:
      return "unhealthy";
    case InstanceState::Disabled:
      return "disabled";
  }
  return "unknown";
}

namespace {

InstanceReadiness instance_readiness(const config::InstanceConfig& i,
                                     const std::map<std::string, store::ScannerStatus>& statuses,
                                     task::Millis now, task::Millis stale_after) {
  InstanceReadiness r;
  r.id = i.id;
  if (!i.enabled) {
    r.state = InstanceState::Disabled;
    r.error = "instance '" + i.id + "' is disabled in the configuration";
    r.hint = "an operator sets enabled: true in scanners.yaml and reloads (SIGHUP)";
    return r;
  }
  const auto it = statuses.find(i.id);
  if (it == statuses.end() || !it->second.probed) {
    r.state = InstanceState::Unknown;
    r.error = "instance '" + i.id + "' has not been checked yet";
    r.hint =
        "a worker checks it as soon as one runs for this pool (it starts with the server "
        "unless --no-worker is set)";
    return r;
  }
  const store::ScannerStatus& s = it->second;
  r.status = &s;
  r.checked_at = s.updated_at;
  r.since = s.since;
  if (stale_after > 0 && now - s.updated_at > stale_after) {
    r.state = InstanceState::Unknown;
    r.error = "instance '" + i.id + "' was last checked at " + task::format_time(s.updated_at) +
              "; no worker has checked it since";
    r.hint = "start a worker for this pool (nessus-worker, or nessus-mcp without --no-worker)";
    return r;
  }
  if (s.usable()) {
    r.state = InstanceState::Usable;
    return r;
  }
  r.state = InstanceState::Unusable;
  r.error = "instance '" + i.id + "': " + (s.error.empty() ? "unhealthy" : s.error);
  r.hint = s.hint;
  return r;
}

}  // namespace

PoolReadiness pool_readiness(const config::PoolConfig& pool,
                             const std::map<std::string, store::ScannerStatus>& statuses,
                             task::Millis now, task::Millis stale_after) {
  PoolReadiness p;
  p.pool = pool.name;
  bool any_enabled = false;
  bool all_enabled_lack_api = true;
  for (const auto& i : pool.instances) {
    auto r = instance_readiness(i, statuses, now, stale_after);
    if (r.state != InstanceState::Disabled) {
      any_enabled = true;
      const bool lacks_api = r.state == InstanceState::Unusable && r.status != nullptr &&
                             r.status->authenticated && !r.status->scan_api;
      if (!lacks_api) all_enabled_lack_api = false;
    }
    if (r.state == InstanceState::Usable) p.ready = true;
    p.instances.push_back(std::move(r));
  }
  p.can_ever_run = any_enabled && !all_enabled_lack_api;
  if (p.ready) return p;
  for (const auto& r : p.instances) {
    p.reason += (p.reason.empty() ? "" : "; ") + r.error;
    if (!r.hint.empty() && p.hint.find(r.hint) == std::string::npos) {
      p.hint += (p.hint.empty() ? "" : "; ") + r.hint;
    }
    p.since = std::max(p.since, r.since);
  }
  if (pool.instances.empty()) {
    p.reason = "pool '" + pool.name + "' has no instances";
    p.hint = "an operator adds a Nessus instance to it in scanners.yaml";
  }
  return p;
}

}  // namespace nmcp::readiness
