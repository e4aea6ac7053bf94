// housekeeping run: one housekeeping pass now, from an operator's shell, under the same leader
// lease the servers and workers use (so it never runs beside theirs), until nothing due is left.
#include <unistd.h>

#include <cstdio>

#include "app/admin/admin.h"
#include "core/housekeeping/housekeeper.h"
#include "core/housekeeping/housekeeping_job.h"
#include "worker/engine/nessus_cleanup.h"

namespace nmcp::admin {

namespace {

// Longer than one bounded run (30 s), renewed between runs; short, so that an operator whose
// admin_cli was killed waits at most this long to run it again.
constexpr Millis kTermMs = 45'000;

std::string holder_name() {
  char host[256] = {};
  if (::gethostname(host, sizeof host - 1) != 0) host[0] = '\0';
  return std::string("admin_cli@") + (host[0] != '\0' ? host : "localhost") + "-" +
         std::to_string(::getpid());
}

void print_human(const housekeeping::Report& r) {
  std::printf("%s\n", r.dry_run ? "dry run: nothing was changed; this is what a run would do"
                                : "housekeeping run");
  for (const auto kind : store::kFinishedKinds) {
    const auto it = r.tasks_deleted.find(store::to_string(kind));
    std::printf("  %-22s %llu\n", (std::string(store::to_string(kind)) + " tasks").c_str(),
                static_cast<unsigned long long>(it == r.tasks_deleted.end() ? 0 : it->second));
  }
  std::printf("  %-22s %llu\n  %-22s %llu\n  %-22s %llu\n  %-22s %llu\n", "orphans",
              static_cast<unsigned long long>(r.orphans_removed), "stuck -> timed_out",
              static_cast<unsigned long long>(r.stuck_timed_out), "nessus scans",
              static_cast<unsigned long long>(r.nessus_scans_deleted), "bytes freed",
              static_cast<unsigned long long>(r.bytes_freed));
  for (const auto& item : r.items) {
    const std::string what = item.value("what", "");
    const std::string id = item.contains("id") ? item.value("id", "") : item.value("path", "");
    std::printf("  %s %s %s\n", r.dry_run ? "would delete" : "deleted", what.c_str(), id.c_str());
  }
  if (!r.finished) std::printf("not finished: run it again to continue\n");
  for (const auto& p : r.problems) std::printf("problem: %s\n", p.c_str());
}

int cmd_run(Context& c) {
  auto config = c.config();
  if (!config) return c.fail(config.error());
  auto s = c.store();
  if (!s) return c.fail(s.error());
  store::TaskStore& store = **s;
  const bool dry = c.args.has("--dry-run");

  std::optional<store::Leadership> lease;
  if (!dry) {
    auto got = store.try_lead(housekeeping::kLeaderRole, holder_name(), c.clock.now(), kTermMs);
    if (!got) return c.fail(got.error());
    if (!*got) {
      auto current = store.leader(housekeeping::kLeaderRole);
      const std::string who = current && *current
                                  ? (*current)->holder + " (its term ends " +
                                        human_time((*current)->expires_at, c.clock.now()) + ")"
                                  : "another process";
      return c.fail({ErrorCode::FailedPrecondition, "housekeeping is being run by " + who,
                     "it deletes the same things; wait for it, or see what is due with --dry-run"});
    }
    lease = *got;
  }

  worker::NessusCleanup cleanup([&config] { return *config; });
  housekeeping::Options o;
  o.policy = (*config)->housekeeping;
  o.scan_timeout = (*config)->defaults.scan_timeout;
  o.data_dir = c.engine.data_dir;
  o.dry_run = dry;
  o.scanners = &cleanup;
  o.max_listed = c.out.is_json() ? 10'000 : 50;
  housekeeping::Housekeeper hk(store, c.clock);
  // Runs of bounded length until nothing due is left (a dry run reads once), renewing the lease
  // between them.
  housekeeping::Report total;
  total.dry_run = dry;
  for (int round = 0; round < 1000; ++round) {
    auto r = hk.run(o);
    if (!r) {
      if (lease) (void)store.resign(*lease, c.clock.now());
      return c.fail(r.error());
    }
    total.add(*r);
    for (auto& i : r->items) {
      if (total.items.size() < o.max_listed) total.items.push_back(std::move(i));
    }
    for (auto& p : r->problems) total.problems.push_back(std::move(p));
    total.finished = r->finished;
    const bool progress = r->total_tasks_deleted() + r->orphans_removed + r->stuck_timed_out > 0;
    if (dry || r->finished || !progress) break;
    if (lease) {
      auto renewed = store.renew_lead(*lease, c.clock.now(), kTermMs);
      if (!renewed) return c.fail(renewed.error());
      lease = *renewed;
    }
  }
  if (lease) (void)store.resign(*lease, c.clock.now());
  c.out.result(total.to_json(), [&] { print_human(total); });
  return total.errors == 0 ? 0 : 1;
}

}  // namespace

std::vector<Command> housekeeping_commands() {
  return {
      {{"housekeeping", "run"},
       "",
       "delete finished tasks past their retention (config housekeeping:) with their results, "
       "orphaned files, and end stuck tasks; prints what it deleted, counts and bytes freed",
       {{"--dry-run", "", "only print what would be deleted; changes nothing"}, config_option()},
       cmd_run},
  };
}

}  // namespace nmcp::admin
