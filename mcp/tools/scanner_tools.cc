#include <algorithm>

#include "core/readiness/pool_readiness.h"
#include "core/readiness/queue_wait.h"
#include "mcp/server/request_context.h"
#include "mcp/tools/scan_tools.h"

namespace nmcp::mcp {

using nlohmann::json;

namespace {

ToolAnnotations reader() { return {true, false, true, false}; }

ToolResult error_result(const std::string& message, const std::string& hint) {
  return ToolResult::failure(message + "\nHint: " + hint);
}
ToolResult error_result(const Error& e) { return error_result(e.message, e.hint); }

json pool_input_schema() {
  return json::parse(R"({"type": "object", "properties": {
    "pool": {"type": "string", "minLength": 1, "maxLength": 64,
             "description": "Only this pool; default: all pools."}},
    "additionalProperties": false})");
}

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

std::optional<Estate> load_estate(const service::Services& deps, std::string* error) {
  Estate e;
  e.config = deps.config != nullptr ? deps.config->current() : nullptr;
  if (!e.config) {
    *error = "no scanner configuration is loaded";
    return std::nullopt;
  }
  auto running = deps.tasks->running_per_instance();
  auto health = deps.scanner_health->scanner_statuses();
  if (!running || !health) {
    *error = "the task store is unavailable: " +
             (!running ? running.error().message : health.error().message);
    return std::nullopt;
  }
  e.running = std::move(*running);
  e.health = std::move(*health);
  e.now = deps.clock->now();
  return e;
}

const config::PoolConfig* wanted_pool(const Estate& e, const json& args, ToolResult* error) {
  if (!args.contains("pool")) return nullptr;
  auto p = e.config->find_pool(args["pool"].get<std::string>());
  if (!p) {
    *error = error_result(p.error());
    return nullptr;
  }
  return *p;
}

// The estate and the pool the caller named (null: every pool), or the isError result to
// return instead.
std::optional<ToolResult> load_for_pool(const service::Services& deps, const json& args,
                                        Estate& estate, const config::PoolConfig*& only) {
  std::string error;
  auto e = load_estate(deps, &error);
  if (!e) return error_result(error, "ask the operator to check the server");
  estate = std::move(*e);
  ToolResult bad;
  only = wanted_pool(estate, args, &bad);
  if (bad.is_error) return bad;
  return std::nullopt;
}

double utilisation(int running, int capacity) {
  return capacity > 0 ? std::min(1.0, static_cast<double>(running) / capacity) : 0.0;
}

json pool_status(const Estate& e, const config::PoolConfig& pool,
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

}  // namespace

Status register_scanner_tools(ToolRegistry& r, const service::Services& deps) {
  if (auto s = r.add(
          {"list_scanners", "List Nessus scanners",
           "Lists the configured Nessus instances with their pool, health (as last probed by a "
           "worker), edition and version, whether scan control is available, running scans and "
           "utilisation, and the credential profile names usable with run_authenticated_scan. "
           "Never shows secrets.",
           pool_input_schema(), json::parse(R"({"type": "object", "properties": {
             "scanners": {"type": "array", "items": {"type": "object"}},
             "credential_profiles": {"type": "array", "items": {"type": "object"}}},
             "required": ["scanners", "credential_profiles"]})"),
           reader()},
          [deps](const json& args, RequestContext&) {
            Estate estate;
            const config::PoolConfig* only = nullptr;
            if (auto bad = load_for_pool(deps, args, estate, only)) return *bad;
            const Estate* e = &estate;
            json scanners = json::array();
            for (const auto& pool : e->config->pools) {
              if (only != nullptr && only != &pool) continue;
              const auto ready = e->pool(pool);
              for (std::size_t n = 0; n < pool.instances.size(); ++n) {
                const auto& i = pool.instances[n];
                const int running = e->running.count(i.id) != 0 ? e->running.at(i.id) : 0;
                json row = {
                    {"id", i.id},
                    {"pool", pool.name},
                    {"url", i.url},
                    {"enabled", i.enabled},
                    {"auth", i.auth.mode == config::AuthMode::ApiKeys ? "api_keys" : "session"},
                    {"tls", i.tls.insecure               ? "insecure"
                            : !i.tls.fingerprint.empty() ? "pinned"
                            : !i.tls.ca_file.empty()     ? "ca_file"
                                                         : "system_cas"},
                    {"max_concurrent_scans", i.max_concurrent_scans},
                    {"running", running},
                    {"utilisation", utilisation(running, i.max_concurrent_scans)},
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
            return ToolResult::success({{"scanners", scanners}, {"credential_profiles", profiles}});
          });
      !s) {
    return s;
  }

  if (auto s = r.add(
          {"list_credential_profiles", "List credential profiles",
           "Lists the credential profiles run_authenticated_scan accepts: for each, its name, "
           "the credentials it holds (ssh, windows, snmpv3) with their authentication method, "
           "user name, SSH escalation and Windows options, and the pools whose scans may use "
           "it. With pool, only the profiles that pool allows. Never shows a secret.",
           pool_input_schema(), json::parse(R"({"type": "object", "properties": {
             "credential_profiles": {"type": "array", "items": {"type": "object", "properties": {
               "name": {"type": "string"}, "types": {"type": "array"},
               "credentials": {"type": "array"}, "pools": {"type": "array"}},
               "required": ["name", "types", "credentials", "pools"]}}},
             "required": ["credential_profiles"]})"),
           reader()},
          [deps](const json& args, RequestContext&) {
            auto c = deps.config != nullptr ? deps.config->current() : nullptr;
            if (!c) return error_result("no scanner configuration is loaded", "ask the operator");
            const config::PoolConfig* only = nullptr;
            if (args.contains("pool")) {
              auto found = c->find_pool(args["pool"].get<std::string>());
              if (!found) return error_result(found.error());
              only = *found;
            }
            json profiles = json::array();
            for (const auto& [name, p] : c->credentials) {
              if (only == nullptr || only->allows_profile(name))
                profiles.push_back(config::describe_profile(*c, p));
            }
            return ToolResult::success({{"credential_profiles", profiles}});
          });
      !s) {
    return s;
  }

  if (auto s = r.add(
          {"list_pools", "List scanner pools",
           "Lists the scanner pools with their description, capacity and scope (allowed and "
           "denied networks, allowed host names, maximum addresses per scan). Use it to see "
           "what may be scanned before submitting.",
           json::parse(R"({"type": "object", "additionalProperties": false})"),
           json::parse(R"({"type": "object", "properties": {
             "pools": {"type": "array", "items": {"type": "object"}},
             "default_pool": {"type": "string"}}, "required": ["pools", "default_pool"]})"),
           reader()},
          [deps](const json&, RequestContext&) {
            auto c = deps.config != nullptr ? deps.config->current() : nullptr;
            if (!c) return error_result("no scanner configuration is loaded", "ask the operator");
            json pools = json::array();
            for (const auto& p : c->pools) {
              json allow = json::array(), deny = json::array();
              for (const auto& a : p.scope.allow) allow.push_back(a.to_string());
              for (const auto& d : p.scope.deny) deny.push_back(d.to_string());
              pools.push_back(
                  {{"name", p.name},
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
            return ToolResult::success({{"pools", pools}, {"default_pool", c->defaults.pool}});
          });
      !s) {
    return s;
  }

  if (auto s = r.add(
          {"get_pool_status", "Get pool capacity and load",
           "For each pool (or one): capacity from its healthy enabled instances, scans running, "
           "free slots, utilisation, queued tasks and dead letters, per instance.",
           pool_input_schema(), json::parse(R"({"type": "object", "properties": {
             "pools": {"type": "array", "items": {"type": "object"}}}, "required": ["pools"]})"),
           reader()},
          [deps](const json& args, RequestContext&) {
            Estate estate;
            const config::PoolConfig* only = nullptr;
            if (auto bad = load_for_pool(deps, args, estate, only)) return *bad;
            const Estate* e = &estate;
            auto queues = deps.tasks->queue_stats();
            if (!queues) return error_result(queues.error().message, "retry shortly");
            json pools = json::array();
            for (const auto& pool : e->config->pools) {
              if (only == nullptr || only == &pool) pools.push_back(pool_status(*e, pool, *queues));
            }
            return ToolResult::success({{"pools", pools}});
          });
      !s) {
    return s;
  }

  return r.add(
      {"get_queue_status", "Get queue depths",
       "Per pool: tasks waiting, running, in the dead-letter queue, and the age of the oldest "
       "waiting task. Never shows task contents.",
       pool_input_schema(), json::parse(R"({"type": "object", "properties": {
         "queues": {"type": "array", "items": {"type": "object"}}}, "required": ["queues"]})"),
       reader()},
      [deps](const json& args, RequestContext&) {
        auto c = deps.config != nullptr ? deps.config->current() : nullptr;
        if (!c) return error_result("no scanner configuration is loaded", "ask the operator");
        const std::string only = args.value("pool", "");
        if (!only.empty()) {
          if (auto found = c->find_pool(only); !found) return error_result(found.error());
        }
        auto stats = deps.tasks->queue_stats();
        if (!stats) return error_result(stats.error().message, "retry shortly");
        const task::Millis now = deps.clock->now();
        json queues = json::array();
        for (const auto& pool : c->pools) {
          if (!only.empty() && pool.name != only) continue;
          json q = {{"pool", pool.name},
                    {"queued", 0},
                    {"running", 0},
                    {"dead_letters", 0},
                    {"oldest_queued_age_seconds", nullptr}};
          for (const auto& s : *stats) {
            if (s.pool != pool.name) continue;
            q["queued"] = s.queued;
            q["running"] = s.running;
            q["dead_letters"] = s.dead_letters;
            if (s.oldest_queued_at)
              q["oldest_queued_age_seconds"] = (now - *s.oldest_queued_at) / 1000;
          }
          queues.push_back(std::move(q));
        }
        return ToolResult::success({{"queues", queues}});
      });
}

}  // namespace nmcp::mcp
