#include "core/scans/check_targets.h"

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
  return j;
}

Result<TargetCheck> check_targets_dry_run(const config::ScannerConfig& config,
                                          const std::string& pool_name, std::string_view targets,
                                          const std::optional<std::set<std::string>>& key_pools) {
  TargetCheck c;
  c.pool = pool_name.empty() ? config.defaults.pool : pool_name;
  const config::PoolConfig* pool = config.pool(c.pool);
  if (pool == nullptr) {
    std::string names;
    for (const auto& p : config.pools) names += (names.empty() ? "" : ", ") + p.name;
    return fail(ErrorCode::NotFound, "no pool named '" + c.pool + "'", "use one of: " + names);
  }
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
