#pragma once
// A tenant's quota use and the rules that admit a scan against its limits
// (config::QuotaLimits): a token bucket of scans per hour (full at first, refilled evenly over
// the hour), scans in flight (queued or running) at once, and addresses per UTC day. The use is
// one JSON record per tenant in the store (kind "quota"); quota_ledger.h reads and writes it
// atomically, and these pure functions decide. A scan admitted but not yet visible as a task is
// "pending" in the record, so that a concurrent admission on another replica counts it.
//
// Thread-safety: plain values and pure functions.

#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <variant>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/base/result.h"
#include "core/config/scanner_config.h"
#include "core/task/task.h"

namespace nmcp::quota {

inline constexpr const char* kRecordKind = "quota";
// A pending admission whose submitter died before it settled stops counting after this long.
inline constexpr task::Millis kPendingTtlMs = 10 * 60 * 1000;

struct Pending {
  std::string task_id;
  task::Millis at = 0;
  bool operator==(const Pending&) const = default;
};

struct Usage {
  std::optional<double> tokens;  // the bucket at tokens_at; nullopt: full
  task::Millis tokens_at = 0;
  std::string day;  // the UTC date ("2026-12-02") `addresses` counts for
  std::uint64_t addresses = 0;
  std::vector<Pending> pending;
  bool operator==(const Usage&) const = default;
};

nlohmann::json to_json(const Usage& u);
// DataLoss for a record that is not a quota use.
Result<Usage> usage_from_json(const nlohmann::json& j);

// What one scan asks for.
struct Demand {
  std::string task_id;
  std::uint64_t addresses = 0;
};

struct Refusal {
  std::string limit;  // scans_per_hour, concurrent_scans or addresses_per_day
  std::int64_t allowed = 0;
  std::int64_t used = 0;      // current use (tokens spent, scans in flight, addresses today)
  std::int64_t asked = 0;     // what this scan would add
  task::Millis retry_at = 0;  // 0: waiting alone will not do (see the message)
  // ResourceExhausted naming the limit, the use and when to retry.
  Error to_error(task::Millis now) const;
};

// What the tenant may still submit now (each field counts what is left, not what was used; the
// JSON says so: scans_left_this_hour, concurrent_scans_left, addresses_left_today). Unset: that
// limit is not configured.
struct Remaining {
  std::optional<std::int64_t> scans_this_hour;  // whole tokens left
  task::Millis next_token_at = 0;               // when the next token arrives (0: full)
  std::optional<std::int64_t> concurrent_scans;
  std::optional<std::int64_t> in_flight;
  std::optional<std::int64_t> addresses_today;
  task::Millis day_ends_at = 0;
  nlohmann::json to_json() const;
};

// `active`: the tenant's queued and running tasks as the store shows them.
Remaining remaining(const config::QuotaLimits& limits, const Usage& use,
                    const std::set<std::string>& active, task::Millis now);

// The use after admitting `demand`, or why not (concurrent scans first, then the hourly
// bucket, then the daily addresses). Expired and visible pending entries are dropped.
std::variant<Usage, Refusal> admit(const config::QuotaLimits& limits, Usage use,
                                   const std::set<std::string>& active, const Demand& demand,
                                   task::Millis now);

// After the submit: the pending entry goes; when no task was created (an earlier call's task
// with the same idempotency key, or the insert failed) what admit took is given back.
Usage settle(const config::QuotaLimits& limits, Usage use, const Demand& demand, bool created,
             task::Millis now);

std::string utc_day(task::Millis t);

}  // namespace nmcp::quota
