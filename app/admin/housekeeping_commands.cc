// housekeeping run: one housekeeping pass now, from an operator's shell, under the same leader
// lease the servers and workers use (so it never runs beside theirs), until nothing due is left.
#include <unistd.h>

#include <cstdio>

#include "app/admin/admin.h"
#include "service/operator_service.h"
#include "worker/engine/nessus_cleanup.h"

namespace nmcp::admin {

namespace {

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
  // The configuration's own error (which file, which line) when it cannot be read.
  auto config = c.config();
  if (!config) return c.fail(config.error());
  auto services = c.services();
  if (!services) return c.fail(services.error());
  worker::NessusCleanup cleanup([&config] { return *config; });
  service::OperatorService::HousekeepingRun run;
  run.dry_run = c.args.has("--dry-run");
  run.max_listed = c.out.is_json() ? 10'000 : 50;
  run.holder = holder_name();
  run.scanners = &cleanup;
  auto total = service::OperatorService(*services).housekeep(run);
  if (!total) return c.fail(total.error());
  c.out.result(total->to_json(), [&] { print_human(*total); });
  return total->errors == 0 ? 0 : 1;
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
