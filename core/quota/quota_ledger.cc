#include "core/quota/quota_ledger.h"

#include "core/base/logging.h"

namespace nmcp::quota {

namespace {

constexpr int kAttempts = 32;

Result<Usage> parse(const std::optional<std::string>& body) {
  if (!body) return Usage{};
  auto j = nlohmann::json::parse(*body, nullptr, false);
  if (j.is_discarded()) {
    return fail(ErrorCode::DataLoss, "a quota record is not JSON",
                "admin_cli store check reports damaged records");
  }
  return usage_from_json(j);
}

}  // namespace

Result<Usage> QuotaLedger::load(const std::string& tenant) {
  auto body = records_.load_record(kRecordKind, tenant);
  if (!body) return fail(body.error());
  return parse(*body);
}

Result<std::set<std::string>> QuotaLedger::active(const std::string& tenant,
                                                  const config::QuotaLimits& limits) {
  std::set<std::string> ids;
  if (!limits.concurrent_scans) return ids;
  // Past the limit the exact number does not matter: it is refused either way.
  const auto enough = static_cast<std::size_t>(*limits.concurrent_scans) + 1;
  for (const auto state : {task::State::Running, task::State::Queued}) {
    store::TaskQuery q(store::OwnerScope::tenant(tenant));
    q.state = state;
    q.limit = std::min<std::size_t>(enough, 500);
    while (ids.size() < enough) {
      auto page = tasks_.list(q);
      if (!page) return fail(page.error());
      for (const auto& t : page->tasks) ids.insert(t.id);
      if (page->next_cursor.empty()) break;
      q.cursor = page->next_cursor;
    }
  }
  return ids;
}

Status QuotaLedger::admit(const std::string& tenant, const config::QuotaLimits& limits,
                          const Demand& demand, task::Millis now) {
  if (!limits.any()) return ok();
  for (int attempt = 0; attempt < kAttempts; ++attempt) {
    auto seen = records_.load_record(kRecordKind, tenant);
    if (!seen) return fail(seen.error());
    auto tasks = active(tenant, limits);
    if (!tasks) return fail(tasks.error());
    std::optional<Refusal> refused;
    bool raced = false;
    auto written = records_.mutate_record(
        kRecordKind, tenant,
        [&](const std::optional<std::string>& current) -> Result<store::RecordEdit> {
          if (current != *seen) {
            raced = true;  // admitted or settled elsewhere since the tasks were read
            return store::RecordEdit::keep();
          }
          auto use = parse(current);
          if (!use) return fail(use.error());
          auto decided = quota::admit(limits, std::move(*use), *tasks, demand, now);
          if (auto* r = std::get_if<Refusal>(&decided)) {
            refused = *r;
            return store::RecordEdit::keep();
          }
          return store::RecordEdit::put(to_json(std::get<Usage>(decided)).dump());
        });
    if (!written) return fail(written.error());
    if (raced) continue;
    if (refused) return fail(refused->to_error(now));
    return ok();
  }
  return fail(ErrorCode::Unavailable, "too many scans are being submitted at once",
              "retry in a moment");
}

void QuotaLedger::settle(const std::string& tenant, const config::QuotaLimits& limits,
                         const Demand& demand, bool created, task::Millis now) {
  if (!limits.any()) return;
  auto written = records_.mutate_record(
      kRecordKind, tenant,
      [&](const std::optional<std::string>& current) -> Result<store::RecordEdit> {
        auto use = parse(current);
        if (!use) return fail(use.error());
        return store::RecordEdit::put(
            to_json(quota::settle(limits, std::move(*use), demand, created, now)).dump());
      });
  if (!written) {
    log::warn("quota", "could not settle an admission; it expires on its own",
              {{"tenant", tenant}, {"error", written.error().message}});
  }
}

Result<bool> QuotaLedger::earlier_task(const std::string& tenant, const std::string& key) {
  auto t = tasks_.find_keyed(tenant, key);
  if (!t) return fail(t.error());
  return t->has_value();
}

Result<Remaining> QuotaLedger::remaining(const std::string& tenant,
                                         const config::QuotaLimits& limits, task::Millis now) {
  auto use = load(tenant);
  if (!use) return fail(use.error());
  auto tasks = active(tenant, limits);
  if (!tasks) return fail(tasks.error());
  return quota::remaining(limits, *use, *tasks, now);
}

Result<QuotaLedger::DryRun> QuotaLedger::dry_run(const std::string& tenant,
                                                 const config::QuotaLimits& limits,
                                                 const Demand& demand, task::Millis now) {
  auto use = load(tenant);
  if (!use) return fail(use.error());
  auto tasks = active(tenant, limits);
  if (!tasks) return fail(tasks.error());
  DryRun out{quota::remaining(limits, *use, *tasks, now), std::nullopt};
  auto decided = quota::admit(limits, *use, *tasks, demand, now);
  if (auto* refused = std::get_if<Refusal>(&decided)) out.refusal = *refused;
  return out;
}

}  // namespace nmcp::quota
