#pragma once
// The dry run of a submit (check_targets tool, admin_cli policy validate): whether a scan of
// these targets in this pool would be accepted, and for each target whether the pool's scope
// allows it and which rule decided, with the address count against the pool's limit. It
// applies the same rules as submit_scan (policy::parse_targets, explain_scope/check_scope, the
// key's pools) and submits nothing. Pure; thread-safe.

#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/base/result.h"
#include "core/config/scanner_config.h"
#include "core/policy/scope_policy.h"
#include "core/quota/quota_ledger.h"

namespace nmcp::scans {

struct TargetCheck {
  std::string pool;
  bool accepted = false;
  std::vector<policy::TargetVerdict> targets;  // empty when the text does not parse
  std::uint64_t address_count = 0;
  std::uint64_t max_addresses = 0;
  std::string refusal;  // why not, when not accepted
  std::string hint;
  std::string tenant;     // set by add_quota
  nlohmann::json quota;   // the tenant's remaining quota (add_quota); null: not asked
  nlohmann::json window;  // the pool's scan window now (add_window); null: none

  nlohmann::json to_json() const;
};

// NotFound for an unknown pool; anything about the targets is in the answer.
Result<TargetCheck> check_targets_dry_run(const config::ScannerConfig& config,
                                          const std::string& pool, std::string_view targets,
                                          const std::optional<std::set<std::string>>& key_pools);

// Adds the pool's scan window as it is at `now`: open or not, when it next opens or closes,
// and what happens to running scans at the close. A closed window does not refuse the scan (it
// waits queued), so `accepted` stays.
void add_window(TargetCheck& check, const config::ScannerConfig& config, task::Millis now);

// Adds the tenant's remaining quota (from the store, as admissions see it) and whether this
// scan would fit it now: a scan the rules accept but a quota would refuse is not accepted, with
// the quota's words and when to retry.
Status add_quota(TargetCheck& check, const config::ScannerConfig& config,
                 quota::QuotaLedger& ledger, const std::string& tenant, task::Millis now);

}  // namespace nmcp::scans
