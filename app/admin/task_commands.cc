// stats, task list/show/cancel/reindex, import.
#include <cstdio>

#include "app/admin/admin.h"
#include "service/operator_service.h"

namespace nmcp::admin {

namespace {

int cmd_stats(Context& c) {
  auto services = c.services();
  if (!services) return c.fail(services.error());
  auto overview = service::OperatorService(*services).queues();
  if (!overview) return c.fail(overview.error());
  std::vector<std::vector<std::string>> rows;
  for (const auto& q : overview->pools) {
    rows.push_back({q.pool, std::to_string(q.queued), std::to_string(q.running),
                    std::to_string(q.dead_letters),
                    q.oldest_queued_at ? human_time(*q.oldest_queued_at, c.clock.now()) : "-"});
  }
  c.out.result(overview->to_json(), [&] {
    std::printf("store: %s\n\n", overview->store.c_str());
    c.out.table({"POOL", "QUEUED", "RUNNING", "DEAD LETTERS", "OLDEST QUEUED"}, rows, "(no tasks)");
    if (!overview->running_per_instance.empty()) {
      std::vector<std::vector<std::string>> inst;
      for (const auto& [id, n] : overview->running_per_instance) {
        inst.push_back({id, std::to_string(n)});
      }
      std::printf("\n");
      c.out.table({"INSTANCE", "RUNNING"}, inst, "");
    }
  });
  return 0;
}

int cmd_task_list(Context& c) {
  auto services = c.services();
  if (!services) return c.fail(services.error());
  service::TaskFilter f;
  if (auto state = c.args.value("--state")) {
    f.state = task::parse_state(*state);
    if (!f.state) {
      return c.usage(
          "--state must be queued, running, completed, failed, cancelled or "
          "timed_out, got \"" +
          state->substr(0, 40) + "\"");
    }
  }
  f.pool = c.args.value("--pool").value_or("");
  if (auto since = c.args.value("--since")) {
    auto t = parse_since(*since, "--since", c.clock.now());
    if (!t) return c.fail(t.error(), 2);
    f.created_since = *t;
  }
  f.limit = 50;
  if (auto limit = c.args.value("--limit")) {
    const auto n = app::parse_whole_number(*limit);
    if (!n || *n < 1 || *n > 10000) return c.usage("--limit must be a number from 1 to 10000");
    f.limit = static_cast<std::size_t>(*n);
  }
  f.cursor = c.args.value("--cursor").value_or("");
  f.owner = c.args.value("--owner").value_or("");
  auto page = service::ScanService(*services).list(service::Caller::an_operator("task list"), f);
  if (!page) return c.fail(page.error());
  std::vector<std::vector<std::string>> rows;
  for (const auto& t : page->tasks) {
    rows.push_back({t.id, t.owner, t.pool, std::string(task::to_string(t.state)),
                    std::string(task::to_string(t.step)), human_time(t.created_at, c.clock.now()),
                    t.name.substr(0, 40)});
  }
  // An operator's listing carries each task's whole view (the one get_scan_status and task
  // show print), not only the short rows an agent pages through.
  json views = json::array();
  for (const auto& v : service::ScanService(*services).statuses_of(page->tasks)) {
    views.push_back(v.to_json());
  }
  c.out.result(
      {{"tasks", views},
       {"next_cursor", page->next_cursor.empty() ? json(nullptr) : json(page->next_cursor)}},
      [&] {
        c.out.table({"TASK", "OWNER", "POOL", "STATE", "STEP", "CREATED", "NAME"}, rows,
                    "(no tasks match)");
        if (!page->next_cursor.empty()) {
          std::printf("\nmore: admin_cli task list --cursor %s\n", page->next_cursor.c_str());
        }
      });
  return 0;
}

// Key/value lines of a task, times readable.
void print_task(const Context& c, const task::Task& t, bool internal) {
  const Millis now = c.clock.now();
  auto line = [](const char* k, const std::string& v) {
    if (!v.empty()) std::printf("%-18s %s\n", k, v.c_str());
  };
  line("task_id", t.id);
  line("name", t.name);
  line("owner", t.owner);
  line("state", std::string(task::to_string(t.state)) +
                    (t.dead_lettered ? " (dead-lettered)" : "") +
                    (t.cancel_requested ? " (cancel requested)" : ""));
  line("step", std::string(task::to_string(t.step)));
  line("scan_type", std::string(task::to_string(t.scan_type)));
  line("pool", t.pool);
  line("instance", t.instance);
  line("targets", t.targets);
  line("template", t.template_name);
  line("credential_profile", t.credential_profile);
  if (t.nessus_scan_id) line("nessus_scan_id", std::to_string(*t.nessus_scan_id));
  line("nessus_status", t.nessus_status);
  line("progress", std::to_string(static_cast<int>(t.progress)) + "%");
  line("attempts",
       std::to_string(t.attempts) + " (failures in a row: " + std::to_string(t.failures) + ")");
  line("created_at", human_time(t.created_at, now));
  if (t.started_at) line("started_at", human_time(*t.started_at, now));
  if (t.finished_at) line("finished_at", human_time(*t.finished_at, now));
  if (t.dead_lettered_at) line("dead_lettered_at", human_time(*t.dead_lettered_at, now));
  line("trace_id", t.trace_id);
  if (!t.error.empty()) {
    line("error", t.error.code + ": " + t.error.message);
    line("hint", t.error.hint);
  }
  if (!t.summary.is_null()) line("summary", t.summary.dump());
  if (!t.validation.is_null()) line("credentials", t.validation.value("credentials", ""));
  if (internal) {
    line("worker", t.worker);
    if (t.lease_until != 0) line("lease_until", human_time(t.lease_until, now));
    if (t.not_before > now) line("not_before", human_time(t.not_before, now));
    line("idempotency_key", t.idempotency_key);
    line("sealed credentials", t.sealed_credentials.empty() ? "" : "present (never shown)");
  }
}

int cmd_task_show(Context& c) {
  auto id = task_id_operand(c, 0);
  if (!id) return c.fail(id.error(), 2);
  auto services = c.services();
  if (!services) return c.fail(services.error());
  auto v = service::ScanService(*services).status(service::Caller::an_operator("task show"), *id);
  if (!v) return c.fail(v.error());
  const bool internal = c.args.has("--internal");
  c.out.result(task_json(*v, internal), [&] { print_task(c, v->task, internal); });
  return 0;
}

int cmd_task_cancel(Context& c) {
  auto id = task_id_operand(c, 0);
  if (!id) return c.fail(id.error(), 2);
  auto services = c.services();
  if (!services) return c.fail(services.error());
  const service::ScanService scans(*services);
  auto t = scans.cancel(service::Caller::an_operator("task cancel"), *id);
  if (!t) return c.fail(t.error());
  c.out.result(task_json(scans.status_of(*t), false), [&] {
    std::printf("%s: %s\n", id->c_str(),
                t->state == task::State::Cancelled
                    ? "cancelled"
                    : "cancel requested; its worker stops the Nessus scan");
  });
  return 0;
}

// The worker's own indexing path (service::ScanService::reindex), so that the stored summary
// and credential outcome are what the new index says.
int cmd_task_reindex(Context& c) {
  auto id = task_id_operand(c, 0);
  if (!id) return c.fail(id.error(), 2);
  auto services = c.services();
  if (!services) return c.fail(services.error());
  auto done =
      service::ScanService(*services).reindex(service::Caller::an_operator("task reindex"), *id);
  if (!done) return c.fail(done.error());
  c.out.result(done->to_json(), [&] {
    std::printf("%s: re-indexed %llu findings on %llu hosts\n", done->task.id.c_str(),
                static_cast<unsigned long long>(done->findings),
                static_cast<unsigned long long>(done->hosts));
  });
  return 0;
}

// service::ScanService::import_export: a refused file leaves neither a task nor files behind.
int cmd_import(Context& c) {
  auto services = c.services(/*create_store=*/true);
  if (!services) return c.fail(services.error());
  service::ImportRequest request;
  request.file = c.args.operands[0];
  request.owner = c.args.value("--owner").value_or("");
  request.pool = c.args.value("--pool").value_or("");
  request.name = c.args.value("--name").value_or("");
  request.force = c.args.has("--force");
  auto recorded = service::ScanService(*services).import_export(
      service::Caller::an_operator("import"), request);
  // No file, or one that is not an export, is the command line's mistake (exit 2); an
  // unreadable file or the store's trouble is the operation's (exit 1).
  if (!recorded) {
    const auto code = recorded.error().code;
    const bool mistake = code == ErrorCode::NotFound || code == ErrorCode::InvalidArgument ||
                         code == ErrorCode::ResourceExhausted;
    return c.fail(recorded.error(), mistake ? 2 : 1);
  }
  const std::string& file = request.file;
  const task::Task& r = recorded->task;
  c.out.result(recorded->to_json(), [&] {
    if (!recorded->created) {
      std::printf(
          "%s was imported already as %s (owner %s); --force imports it "
          "again\n",
          file.c_str(), r.id.c_str(), r.owner.c_str());
      return;
    }
    std::printf("imported %s as %s (owner %s): %lld hosts, %lld findings\n", file.c_str(),
                r.id.c_str(), r.owner.c_str(), r.summary.value("hosts", 0LL),
                r.summary.value("findings", 0LL));
  });
  return 0;
}

const Option kPool{"--pool", "P", "only this pool"};
const Option kLimit{"--limit", "N", "at most N rows (default 50)"};

}  // namespace

std::vector<Command> task_commands() {
  return {
      {{"stats"}, "", "queue depth, running, dead letters and oldest wait per pool", {}, cmd_stats},
      {{"task", "list"},
       "",
       "tasks, newest first",
       {{"--state", "S", "queued, running, completed, failed, cancelled or timed_out"},
        kPool,
        {"--owner", "TENANT", "only this tenant's tasks"},
        {"--since", "WHEN",
         "created since then: 2026-12-01, 2026-12-01T22:00:00Z, or back from now: 30m, 12h, 7d, "
         "2w"},
        kLimit,
        {"--cursor", "C", "continue a listing"}},
       cmd_task_list},
      {{"task", "show"},
       "ID",
       "one task in full (never a secret)",
       {{"--internal", "", "also the lease, backoff and idempotency fields"}},
       cmd_task_show,
       1,
       1},
      {{"task", "cancel"},
       "ID",
       "cancel a task (a running scan is stopped by its worker)",
       {},
       cmd_task_cancel,
       1,
       1},
      {{"task", "reindex"},
       "ID",
       "rebuild a finished task's findings index from its export",
       {},
       cmd_task_reindex,
       1,
       1},
      {{"import"},
       "FILE",
       "turn a .nessus export into a completed task agents can query (the same file again is "
       "the same task)",
       {{"--name", "N", "the task's name (default: the scan's)"},
        {"--pool", "P", "default: imported"},
        {"--owner", "TENANT", "default: local, the stdio user; give the tenant for HTTP users"},
        {"--force", "", "import a file imported before as a new task"}},
       cmd_import,
       1,
       1},
  };
}

}  // namespace nmcp::admin
