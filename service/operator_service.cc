#include "service/operator_service.h"

#include <set>

#include "core/housekeeping/housekeeping_job.h"
#include "core/quota/quota_usage.h"
#include "core/readiness/results_marker.h"
#include "core/recurring/schedule.h"
#include "core/store/open_store.h"
#include "service/task_status.h"

namespace nmcp::service {

using nlohmann::json;

json QueueOverview::to_json() const {
  json list = json::array();
  for (const auto& q : pools) {
    list.push_back({{"pool", q.pool},
                    {"queued", q.queued},
                    {"running", q.running},
                    {"dead_letters", q.dead_letters},
                    {"oldest_queued_at", time_or_null(q.oldest_queued_at)}});
  }
  return {{"store", store}, {"pools", list}, {"running_per_instance", running_per_instance}};
}

json StoreHealth::to_json() const {
  return {{"store", store},
          {"ok", check.ok},
          {"problems", check.problems},
          {"tasks", check.tasks},
          {"quarantined", check.quarantined}};
}

json Migration::to_json(const std::string& results_dir) const {
  return {{"from", from},
          {"to", to},
          {"copied", report.copied},
          {"already_there", report.already},
          {"differing", report.differing},
          {"conflicting", report.conflicting},
          {"quarantined_not_copied", report.quarantined_left},
          {"records_copied", report.records_copied},
          {"records_already_there", report.records_already},
          {"records_differing", report.records_differing},
          {"results_dir", results_dir}};
}

Result<store::TaskStore*> OperatorService::whole_store() const {
  if (s_.store == nullptr) {
    return fail(ErrorCode::FailedPrecondition, "no store is open for an operator here", "");
  }
  return s_.store;
}

Result<QueueOverview> OperatorService::queues() const {
  auto s = whole_store();
  if (!s) return fail(s.error());
  auto stats = (*s)->queue_stats();
  if (!stats) return fail(stats.error());
  auto running = (*s)->running_per_instance();
  if (!running) return fail(running.error());
  return QueueOverview{(*s)->describe(), std::move(*stats), std::move(*running)};
}

Result<StoreHealth> OperatorService::check_store() const {
  auto s = whole_store();
  if (!s) return fail(s.error());
  if (auto ping = (*s)->ping(); !ping) return fail(ping.error());
  auto check = (*s)->check();
  if (!check) return fail(check.error());
  return StoreHealth{(*s)->describe(), std::move(*check)};
}

Result<std::vector<store::QuarantinedRecord>> OperatorService::quarantined() const {
  auto s = whole_store();
  if (!s) return fail(s.error());
  return (*s)->quarantined();
}

Status OperatorService::delete_quarantined(const std::string& id) const {
  auto s = whole_store();
  if (!s) return fail(s.error());
  return (*s)->delete_quarantined(id);
}

Status OperatorService::check_known_pool(const std::string& pool) const {
  if (pool.empty()) return ok();
  // The pools an operator may name: those with tasks in the store and those configured.
  std::set<std::string> pools;
  if (auto stats = s_.tasks->queue_stats()) {
    for (const auto& q : *stats) pools.insert(q.pool);
  }
  if (auto c = s_.config != nullptr ? s_.config->current() : nullptr) {
    for (const auto& p : c->pools) pools.insert(p.name);
  }
  if (pools.count(pool) != 0) return ok();
  return fail(config::no_such_pool(pool, {pools.begin(), pools.end()}));
}

Result<std::vector<task::Task>> OperatorService::dead_letters(const std::string& pool,
                                                              std::size_t limit) const {
  if (auto k = check_known_pool(pool); !k) return fail(k.error());
  store::TaskQuery q(store::OwnerScope::everyone());
  q.dead_lettered_only = true;
  q.pool = pool;
  q.limit = limit;
  auto page = s_.tasks->list(q);
  if (!page) return fail(page.error());
  return page->tasks;
}

Result<task::Task> OperatorService::retry_dead_letter(const std::string& id) const {
  if (s_.admin == nullptr) return fail(ErrorCode::FailedPrecondition, "no store is open here");
  return s_.admin->retry_dead_letter(id, s_.clock->now());
}

Result<int> OperatorService::purge_dead_letters(const std::string& pool, task::Millis age) const {
  if (auto k = check_known_pool(pool); !k) return fail(k.error());
  if (s_.admin == nullptr) return fail(ErrorCode::FailedPrecondition, "no store is open here");
  return s_.admin->purge_dead_letters(pool, s_.clock->now() - age + 1);
}

Result<Migration> OperatorService::migrate(const std::optional<std::string>& from_spec,
                                           const std::string& to_spec) const {
  std::unique_ptr<store::TaskStore> from_owned;
  store::TaskStore* from = nullptr;
  if (from_spec) {
    auto opened = store::open_store(*from_spec, store::IfMissing::Refuse);
    if (!opened) return fail(opened.error());
    from_owned = std::move(*opened);
    from = from_owned.get();
  } else {
    auto s = whole_store();
    if (!s) return fail(s.error());
    from = *s;
  }
  const task::Millis now = s_.clock->now();
  if (auto idle = store::check_source_idle(*from, now); !idle) return fail(idle.error());
  auto to = store::open_store(to_spec, store::IfMissing::Create);
  if (!to) return fail(to.error());
  if ((*to)->describe() == from->describe()) {
    return fail(ErrorCode::InvalidArgument,
                "--from and --to name the same store (" + from->describe() + ")",
                "give the new store as --to");
  }
  auto report = store::migrate_tasks(*from, **to, now);
  if (!report) return fail(report.error());
  if (auto r = store::migrate_records(*from, **to, {recurring::kRecordKind, quota::kRecordKind},
                                      *report);
      !r) {
    return fail(r.error());
  }
  return Migration{from->describe(), (*to)->describe(), std::move(*report)};
}

Status OperatorService::adopt_results_dir() const {
  auto s = whole_store();
  if (!s) return fail(s.error());
  return readiness::adopt_results_dir(**s, s_.data_dir);
}

namespace {
// Longer than one bounded run (30 s), renewed between runs; short, so that an operator whose
// command was killed waits at most this long to run it again.
constexpr task::Millis kHousekeepingTermMs = 45'000;
}  // namespace

Result<housekeeping::Report> OperatorService::housekeep(const HousekeepingRun& run) const {
  auto config = s_.config != nullptr ? s_.config->current() : nullptr;
  if (!config) {
    return fail(ErrorCode::FailedPrecondition, "no scanner configuration is loaded",
                "housekeeping reads its retention from the configuration (housekeeping:)");
  }
  auto s = whole_store();
  if (!s) return fail(s.error());
  store::TaskStore& store = **s;
  const Clock& clock = *s_.clock;
  std::optional<store::Leadership> lease;
  if (!run.dry_run) {
    auto got =
        store.try_lead(housekeeping::kLeaderRole, run.holder, clock.now(), kHousekeepingTermMs);
    if (!got) return fail(got.error());
    if (!*got) {
      auto current = store.leader(housekeeping::kLeaderRole);
      const std::string who = current && *current
                                  ? (*current)->holder + " (its term ends " +
                                        task::format_time((*current)->expires_at) + ")"
                                  : "another process";
      return fail(ErrorCode::FailedPrecondition, "housekeeping is being run by " + who,
                  "it deletes the same things; wait for it, or see what is due with a dry run");
    }
    lease = *got;
  }
  housekeeping::Options o;
  o.policy = config->housekeeping;
  o.scan_timeout = config->defaults.scan_timeout;
  o.data_dir = s_.data_dir;
  o.dry_run = run.dry_run;
  o.scanners = run.scanners;
  o.max_listed = run.max_listed;
  housekeeping::Housekeeper hk(store, clock);
  // Runs of bounded length until nothing due is left (a dry run reads once), renewing the lease
  // between them.
  housekeeping::Report total;
  total.dry_run = run.dry_run;
  for (int round = 0; round < 1000; ++round) {
    auto r = hk.run(o);
    if (!r) {
      if (lease) (void)store.resign(*lease, clock.now());
      return fail(r.error());
    }
    total.add(*r);
    for (auto& i : r->items) {
      if (total.items.size() < o.max_listed) total.items.push_back(std::move(i));
    }
    for (auto& p : r->problems) total.problems.push_back(std::move(p));
    total.finished = r->finished;
    const bool progress = r->total_tasks_deleted() + r->orphans_removed + r->stuck_timed_out > 0;
    if (run.dry_run || r->finished || !progress) break;
    if (lease) {
      auto renewed = store.renew_lead(*lease, clock.now(), kHousekeepingTermMs);
      if (!renewed) return fail(renewed.error());
      lease = *renewed;
    }
  }
  if (lease) (void)store.resign(*lease, clock.now());
  return total;
}

}  // namespace nmcp::service
