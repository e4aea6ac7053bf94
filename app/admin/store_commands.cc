// store check, store migrate, store quarantine list/show/export/delete.
#include <sys/stat.h>

#include <cstdio>
#include <fstream>

#include "app/admin/admin.h"
#include "service/operator_service.h"

namespace nmcp::admin {

namespace {

int cmd_check(Context& c) {
  auto services = c.services();
  if (!services) return c.fail(services.error());
  auto health = service::OperatorService(*services).check_store();
  if (!health) return c.fail(health.error());
  const store::StoreCheck* check = &health->check;
  c.out.result(health->to_json(), [&] {
    std::printf("store: %s\n", health->store.c_str());
    std::printf("%s: %lld tasks readable, %lld records quarantined\n", check->ok ? "ok" : "DAMAGED",
                check->tasks, check->quarantined);
    for (const auto& p : check->problems) std::printf("  problem: %s\n", p.c_str());
    if (!check->ok) {
      std::printf(
          "restore the file from a backup, or move it aside to start a fresh store "
          "(results under results/ stay, their tasks are gone)\n");
    }
    if (check->quarantined > 0) {
      std::printf("see them with: admin_cli store quarantine list\n");
    }
  });
  return check->ok ? 0 : 1;
}

std::string joined(const std::vector<std::string>& ids) {
  std::string out;
  for (const auto& id : ids) out += (out.empty() ? "" : ", ") + id;
  return out;
}

int cmd_migrate(Context& c) {
  const auto to_spec = c.args.value("--to");
  if (!to_spec || to_spec->empty()) {
    return c.usage("store migrate needs --to SPEC, e.g. --to redis://redis:6379");
  }
  auto services = c.services_without_store();
  if (!services) return c.fail(services.error());
  // Without --from the source is this command's store (--data-dir or --store).
  std::optional<std::string> from_spec = c.args.value("--from");
  if (!from_spec) {
    auto opened = c.services();
    if (!opened) return c.fail(opened.error());
    services = std::move(opened);
  }
  auto migration = service::OperatorService(*services).migrate(from_spec, *to_spec);
  if (!migration) return c.fail(migration.error());
  const store::MigrationReport* report = &migration->report;
  const std::string results = c.engine.data_dir + "/results";
  c.out.result(migration->to_json(results), [&] {
    std::printf("from %s\nto   %s\n", migration->from.c_str(), migration->to.c_str());
    std::printf("copied %lld task(s); %lld already there\n", report->copied, report->already);
    std::printf("copied %lld record(s) (schedules, quota use); %lld already there\n",
                report->records_copied, report->records_already);
    if (!report->records_differing.empty()) {
      std::printf("records left alone, different in the new store: %s\n",
                  joined(report->records_differing).c_str());
    }
    if (!report->differing.empty()) {
      std::printf(
          "left alone, different in the new store (they changed there since an earlier "
          "run): %s\n",
          joined(report->differing).c_str());
    }
    if (!report->conflicting.empty()) {
      std::printf("NOT copied, their idempotency key names another task in the new store: %s\n",
                  joined(report->conflicting).c_str());
    }
    if (report->quarantined_left > 0) {
      std::printf(
          "%lld quarantined record(s) stay in the old store (admin_cli store quarantine "
          "list)\n",
          report->quarantined_left);
    }
    std::printf(
        "results stay files under %s: give every process of the new deployment a --data-dir "
        "that holds them (one directory they all share)\n",
        results.c_str());
  });
  return report->conflicting.empty() ? 0 : 1;
}

Result<store::QuarantinedRecord> find_record(Context& c, const std::string& id) {
  auto services = c.services();
  if (!services) return fail(services.error());
  auto all = service::OperatorService(*services).quarantined();
  if (!all) return fail(all.error());
  for (auto& r : *all) {
    if (r.id == id) return std::move(r);
  }
  return fail(ErrorCode::NotFound, "no quarantined record " + id,
              "admin_cli store quarantine list shows them");
}

int cmd_list(Context& c) {
  auto services = c.services();
  if (!services) return c.fail(services.error());
  auto all = service::OperatorService(*services).quarantined();
  if (!all) return c.fail(all.error());
  json out = json::array();
  std::vector<std::vector<std::string>> rows;
  for (const auto& r : *all) {
    out.push_back({{"task_id", r.id},
                   {"reason", r.reason},
                   {"quarantined_at", time_json(r.quarantined_at)},
                   {"bytes", r.record.size()}});
    rows.push_back({r.id, human_time(r.quarantined_at, c.clock.now()),
                    std::to_string(r.record.size()), r.reason});
  }
  c.out.result({{"quarantined", out}}, [&] {
    c.out.table({"TASK", "QUARANTINED", "BYTES", "REASON"}, rows, "(nothing is quarantined)");
  });
  return 0;
}

int cmd_show(Context& c) {
  auto r = find_record(c, c.args.operands[0]);
  if (!r) return c.fail(r.error());
  constexpr std::size_t kShown = 4096;
  const bool cut = r->record.size() > kShown;
  c.out.result(
      {{"task_id", r->id},
       {"reason", r->reason},
       {"quarantined_at", time_json(r->quarantined_at)},
       {"bytes", r->record.size()},
       {"record", r->record.substr(0, kShown)},
       {"truncated", cut}},
      [&] {
        std::printf("task_id      %s\nquarantined  %s\nreason       %s\nbytes        %zu\n\n",
                    r->id.c_str(), human_time(r->quarantined_at, c.clock.now()).c_str(),
                    r->reason.c_str(), r->record.size());
        std::fwrite(r->record.data(), 1, std::min(r->record.size(), kShown), stdout);
        std::printf("%s\n", cut ? "\n[... cut; store quarantine export writes it all]" : "");
      });
  return 0;
}

int cmd_export(Context& c) {
  auto r = find_record(c, c.args.operands[0]);
  if (!r) return c.fail(r.error());
  const std::string& file = c.args.operands[1];
  std::ofstream out(file, std::ios::binary | std::ios::trunc);
  if (!out || !out.write(r->record.data(), static_cast<std::streamsize>(r->record.size()))) {
    return c.fail(
        {ErrorCode::PermissionDenied, "cannot write " + file, "choose a path this user may write"});
  }
  out.close();
  (void)::chmod(file.c_str(), 0600);  // a task record may name hosts and accounts
  c.out.result({{"task_id", r->id}, {"written", file}, {"bytes", r->record.size()}}, [&] {
    std::printf("wrote %zu bytes of %s to %s\n", r->record.size(), r->id.c_str(), file.c_str());
  });
  return 0;
}

int cmd_delete(Context& c) {
  auto services = c.services();
  if (!services) return c.fail(services.error());
  const std::string& id = c.args.operands[0];
  if (auto d = service::OperatorService(*services).delete_quarantined(id); !d) {
    return c.fail(d.error());
  }
  c.out.result({{"deleted", id}}, [&] { std::printf("deleted the quarantined %s\n", id.c_str()); });
  return 0;
}

int cmd_adopt_results(Context& c) {
  auto services = c.services();
  if (!services) return c.fail(services.error());
  if (auto adopted = service::OperatorService(*services).adopt_results_dir(); !adopted) {
    return c.fail(adopted.error());
  }
  const std::string results = c.engine.data_dir + "/results";
  const std::string store = services->store->describe();
  c.out.result({{"store", store}, {"results_dir", results}}, [&] {
    std::printf(
        "%s is now the results directory of %s; processes using it take work again at "
        "their next check\n",
        results.c_str(), store.c_str());
  });
  return 0;
}

}  // namespace

std::vector<Command> store_commands() {
  return {
      {{"store", "check"},
       "",
       "check the store's integrity and read every record (unreadable ones are quarantined)",
       {},
       cmd_check},
      {{"store", "migrate"},
       "",
       "copy every task (state, history, dead letters), schedule and quota use into another "
       "store, e.g. from SQLite to Redis; refuses while tasks run or processes still use the "
       "old store, and marks each copied task there so that it never runs twice; a second run "
       "copies nothing twice",
       {{"--from", "SPEC", "the store to copy from (default: this command's --store)"},
        {"--to", "SPEC", "the store to copy into (created when new)"}},
       cmd_migrate},
      {{"store", "adopt-results"},
       "",
       "make this --data-dir's results directory the one the store names (after the shared "
       "volume was replaced); processes on another directory take no work",
       {},
       cmd_adopt_results},
      {{"store", "quarantine", "list"},
       "",
       "records that could not be read as tasks",
       {},
       cmd_list},
      {{"store", "quarantine", "show"}, "ID", "one quarantined record", {}, cmd_show, 1, 1},
      {{"store", "quarantine", "export"},
       "ID FILE",
       "write a quarantined record to FILE, as found",
       {},
       cmd_export,
       2,
       2},
      {{"store", "quarantine", "delete"},
       "ID",
       "delete a quarantined record",
       {},
       cmd_delete,
       1,
       1},
  };
}

}  // namespace nmcp::admin
