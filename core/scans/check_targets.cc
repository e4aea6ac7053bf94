#include "core/scans/check_targets.h"

#include "core/readiness/scan_window.h"
#include "core/scans/submit_scan.h"

namespace nmcp::scans {

nlohmann::json TargetCheck::to_json() const {
  nlohmann::json list = nlohmann::json::array();
  for (const auto& t : targets) {
    list.push_back({{"target", t.target},
                    {"in_scope", t.allowed},
                    {"rule", t.rule},
                    {"addresses", t.addresses}});
  }
  nlohmann::json j = {{"pool", pool},
                      {"accepted", accepted},
                      {"address_count", address_count},
                      {"max_addresses", max_addresses},
                      {"targets", list}};
  if (!refusal.empty()) j["refusal"] = refusal;
  if (!hint.empty()) j["hint"] = hint;
  if (!tenant.empty()) j["tenant"] = tenant;
  if (!quota.is_null()) j["quota"] = quota;
  j["scan_window"] = window;
  return j;
}

void add_window(TargetCheck& check, const config::ScannerConfig& config, task::Millis now) {
  if (const auto* pool = config.pool(check.pool)) check.window = readiness::window_json(*pool, now);
}

Status add_quota(TargetCheck& check, const config::ScannerConfig& config,
                 quota::QuotaLedger& ledger, const std::string& tenant, task::Millis now) {
  check.tenant = tenant;
  const auto limits = config.quotas.for_tenant(tenant);
  // The submit's own admission rule on the same numbers (quota::admit), not a copy of it.
  auto dry = ledger.dry_run(tenant, limits, {"", check.address_count}, now);
  if (!dry) return fail(dry.error());
  check.quota = dry->left.to_json();
  if (!check.accepted) return ok();
  const auto& refusal = dry->refusal;
  if (refusal) {
    const Error e = refusal->to_error(now);
    check.accepted = false;
    check.refusal = e.message;
    check.hint = e.hint;
  }
  return ok();
}

Result<TargetCheck> check_targets_dry_run(const config::ScannerConfig& config,
                                          const std::string& pool_name, std::string_view targets,
                                          const std::optional<std::set<std::string>>& key_pools) {
  TargetCheck c;
  c.pool = pool_name.empty() ? config.defaults.pool : pool_name;
  const config::PoolConfig* pool = config.pool(c.pool);
  if (pool == nullptr) return fail(unknown_pool(config, c.pool, key_pools));
  c.max_addresses = pool->scope.max_addresses;
  auto parsed = policy::parse_targets(targets);
  if (!parsed) {
    c.refusal = parsed.error().message;
    c.hint = parsed.error().hint;
    return c;
  }
  c.address_count = parsed->address_count;
  c.targets = policy::explain_scope(*parsed, pool->scope);
  if (auto s = check_key_pools(key_pools, c.pool); !s) {
    c.refusal = s.error().message;
    c.hint = s.error().hint;
    return c;
  }
  if (auto s = policy::check_scope(*parsed, pool->scope); !s) {
    c.refusal = s.error().message;
    c.hint = s.error().hint;
    return c;
  }
  c.accepted = true;
  return c;
}

}  // namespace nmcp::scans
