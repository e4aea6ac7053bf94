#include "core/quota/quota_usage.h"

#include <algorithm>
#include <cmath>

namespace nmcp::quota {

using nlohmann::json;

namespace {

constexpr task::Millis kHourMs = 3'600'000;
constexpr task::Millis kDayMs = 86'400'000;

// The bucket's tokens at `now`: refilled at `capacity` per hour, never above it.
double tokens_now(const Usage& u, std::int64_t capacity, task::Millis now) {
  const double cap = static_cast<double>(capacity);
  if (!u.tokens) return cap;
  const double elapsed = static_cast<double>(std::max<task::Millis>(0, now - u.tokens_at));
  return std::min(cap, *u.tokens + elapsed * cap / static_cast<double>(kHourMs));
}

// When the bucket holds `want` tokens again.
task::Millis token_at(double tokens, double want, std::int64_t capacity, task::Millis now) {
  if (tokens >= want) return now;
  const double ms = (want - tokens) * static_cast<double>(kHourMs) / static_cast<double>(capacity);
  return now + static_cast<task::Millis>(std::ceil(ms));
}

task::Millis next_midnight(task::Millis now) { return (now / kDayMs + 1) * kDayMs; }

std::uint64_t addresses_today(const Usage& u, task::Millis now) {
  return u.day == utc_day(now) ? u.addresses : 0;
}

// Drops pending entries that expired or whose task the store shows already.
void prune(Usage& u, const std::set<std::string>& active, task::Millis now) {
  std::erase_if(u.pending, [&](const Pending& p) {
    return p.at + kPendingTtlMs < now || active.count(p.task_id) != 0;
  });
}

std::int64_t in_flight(const Usage& u, const std::set<std::string>& active, task::Millis now) {
  std::int64_t n = static_cast<std::int64_t>(active.size());
  for (const auto& p : u.pending) {
    if (p.at + kPendingTtlMs >= now && active.count(p.task_id) == 0) ++n;
  }
  return n;
}

std::string when(task::Millis t, task::Millis now) {
  const task::Millis s = std::max<task::Millis>(0, (t - now + 999) / 1000);
  const std::string in = s < 120    ? std::to_string(s) + " s"
                         : s < 7200 ? std::to_string((s + 59) / 60) + " min"
                                    : std::to_string((s + 3599) / 3600) + " h";
  return task::format_time(t) + " (in " + in + ")";
}

}  // namespace

std::string utc_day(task::Millis t) { return task::format_time(t).substr(0, 10); }

json to_json(const Usage& u) {
  json pending = json::array();
  for (const auto& p : u.pending) pending.push_back({{"task_id", p.task_id}, {"at", p.at}});
  return {{"tokens", u.tokens ? json(*u.tokens) : json(nullptr)},
          {"tokens_at", u.tokens_at},
          {"day", u.day},
          {"addresses", u.addresses},
          {"pending", pending}};
}

Result<Usage> usage_from_json(const json& j) {
  try {
    Usage u;
    if (!j.at("tokens").is_null()) u.tokens = j.at("tokens").get<double>();
    u.tokens_at = j.at("tokens_at").get<task::Millis>();
    u.day = j.at("day").get<std::string>();
    u.addresses = j.at("addresses").get<std::uint64_t>();
    for (const auto& p : j.at("pending")) {
      u.pending.push_back({p.at("task_id").get<std::string>(), p.at("at").get<task::Millis>()});
    }
    return u;
  } catch (const json::exception& e) {
    return fail(ErrorCode::DataLoss, std::string("a quota record is damaged: ") + e.what(),
                "admin_cli store check reports damaged records");
  }
}

Error Refusal::to_error(task::Millis now) const {
  std::string message = "quota " + limit + " reached: ";
  std::string hint;
  Action action = Action::None;
  if (limit == "scans_per_hour") {
    message += std::to_string(used) + " of " + std::to_string(allowed) +
               " scans submitted in the last hour";
  } else if (limit == "concurrent_scans") {
    message +=
        std::to_string(used) + " of " + std::to_string(allowed) + " scans are queued or running";
    hint = "retry when one of them ends, or cancel one to free a place";
    action = Action::FreePlace;
  } else {
    message += std::to_string(used) + " of " + std::to_string(allowed) +
               " addresses scanned today (UTC), and this scan names " + std::to_string(asked);
  }
  if (retry_at != 0) {
    message += "; retry after " + when(retry_at, now);
  } else if (limit == "addresses_per_day") {
    message += "; one scan of " + std::to_string(asked) + " addresses can never fit";
    hint = "split the targets into scans of at most " + std::to_string(allowed) + " addresses";
  }
  if (hint.empty()) hint = "the limit is the operator's (quotas: in scanners.yaml)";
  return {ErrorCode::ResourceExhausted, message, hint, action};
}

Remaining remaining(const config::QuotaLimits& limits, const Usage& use,
                    const std::set<std::string>& active, task::Millis now) {
  Remaining r;
  if (limits.scans_per_hour) {
    const double t = tokens_now(use, *limits.scans_per_hour, now);
    r.scans_this_hour = static_cast<std::int64_t>(std::floor(t));
    const double cap = static_cast<double>(*limits.scans_per_hour);
    r.next_token_at = t >= cap ? 0 : token_at(t, std::floor(t) + 1, *limits.scans_per_hour, now);
  }
  if (limits.concurrent_scans) {
    r.in_flight = in_flight(use, active, now);
    r.concurrent_scans = std::max<std::int64_t>(0, *limits.concurrent_scans - *r.in_flight);
  }
  if (limits.addresses_per_day) {
    const auto used = static_cast<std::int64_t>(addresses_today(use, now));
    r.addresses_today = std::max<std::int64_t>(0, *limits.addresses_per_day - used);
    r.day_ends_at = next_midnight(now);
  }
  return r;
}

json Remaining::to_json() const {
  json j = json::object();
  if (scans_this_hour) {
    j["scans_left_this_hour"] = *scans_this_hour;
    j["next_scan_token_at"] =
        next_token_at == 0 ? json(nullptr) : json(task::format_time(next_token_at));
  }
  if (concurrent_scans) {
    j["concurrent_scans_left"] = *concurrent_scans;
    j["in_flight"] = *in_flight;
  }
  if (addresses_today) {
    j["addresses_left_today"] = *addresses_today;
    j["day_resets_at"] = task::format_time(day_ends_at);
  }
  if (j.empty()) j["unlimited"] = true;
  return j;
}

std::variant<Usage, Refusal> admit(const config::QuotaLimits& limits, Usage use,
                                   const std::set<std::string>& active, const Demand& demand,
                                   task::Millis now) {
  if (limits.concurrent_scans) {
    const auto n = in_flight(use, active, now);
    if (n >= *limits.concurrent_scans) {
      return Refusal{"concurrent_scans", *limits.concurrent_scans, n, 1, 0};
    }
  }
  std::optional<double> tokens;
  if (limits.scans_per_hour) {
    const double t = tokens_now(use, *limits.scans_per_hour, now);
    if (t < 1.0) {
      return Refusal{"scans_per_hour", *limits.scans_per_hour,
                     *limits.scans_per_hour - static_cast<std::int64_t>(std::floor(t)), 1,
                     token_at(t, 1.0, *limits.scans_per_hour, now)};
    }
    tokens = t - 1.0;
  }
  const std::uint64_t today = addresses_today(use, now);
  if (limits.addresses_per_day) {
    const auto cap = static_cast<std::uint64_t>(*limits.addresses_per_day);
    if (today + demand.addresses > cap) {
      return Refusal{"addresses_per_day", *limits.addresses_per_day,
                     static_cast<std::int64_t>(today), static_cast<std::int64_t>(demand.addresses),
                     demand.addresses > cap ? 0 : next_midnight(now)};
    }
  }
  prune(use, active, now);
  if (tokens) {
    use.tokens = tokens;
    use.tokens_at = now;
  }
  use.day = utc_day(now);
  use.addresses = today + demand.addresses;
  if (limits.concurrent_scans) use.pending.push_back({demand.task_id, now});
  return use;
}

Usage settle(const config::QuotaLimits& limits, Usage use, const Demand& demand, bool created,
             task::Millis now) {
  std::erase_if(use.pending, [&](const Pending& p) { return p.task_id == demand.task_id; });
  if (created) return use;
  if (limits.scans_per_hour) {
    const double t = tokens_now(use, *limits.scans_per_hour, now);
    use.tokens = std::min(static_cast<double>(*limits.scans_per_hour), t + 1.0);
    use.tokens_at = now;
  }
  if (use.day == utc_day(now)) use.addresses -= std::min(use.addresses, demand.addresses);
  return use;
}

}  // namespace nmcp::quota
