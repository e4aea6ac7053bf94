// The scans' use cases over a real SQLite store: the one status view, the waiting reason a
// submit and a status share, the quota dry run deciding as the submit does, listings by tenant
// and for operators, and re-indexing storing what the new index says; and the schedules' use
// cases, the same for a tenant and an operator.
#include "service/scan_service.h"

#include <filesystem>

#include <doctest/doctest.h>

#include "core/store/open_store.h"
#include "service/audit_service.h"
#include "service/export_indexer.h"
#include "service/schedule_service.h"
#include "tests/support/subprocess.h"

using namespace nmcp;

namespace {

const std::string kKey(64, 'a');
constexpr task::Millis kStart = 1'767'225'600'000;  // 2026-01-01T00:00:00Z

std::string config_yaml(const std::string& quotas = "", const std::string& pool_extra = "") {
  return quotas +
         "pools:\n"
         "  lab:\n"
         "    scope:\n"
         "      allow: [10.0.0.0/8]\n" +
         pool_extra +
         "    instances:\n"
         "      - id: one\n"
         "        url: https://nessus.lab:8834/\n"
         "        max_concurrent_scans: 2\n"
         "        auth: {mode: api_keys, access_key: " +
         kKey + ", secret_key: " + kKey +
         "}\n"
         "defaults:\n"
         "  pool: lab\n";
}

// Stands in for the worker's indexing path: answers what it was told to, counting calls.
struct RecordedIndexer : service::ExportIndexer {
  nlohmann::json summary = {{"hosts", 3}, {"findings", 7}};
  nlohmann::json validation = {{"credentials", "not_applicable"}};
  int calls = 0;
  Result<service::IndexedExport> index(const task::Task& t, const config::ScannerConfig&) override {
    ++calls;
    return service::IndexedExport{summary,  validation, 7, 3, "/results/" + t.id + "/index",
                                  t.targets};
  }
  // Refuses every foreign file, as the real indexer refuses one that is not an export.
  Result<service::IndexedExport> index_foreign(const std::string&, const std::string&) override {
    ++calls;
    return fail(ErrorCode::InvalidArgument, "not a .nessus export");
  }
};

struct World {
  testing::TempDir dir;
  std::unique_ptr<store::TaskStore> store;
  ManualClock clock{kStart};
  std::unique_ptr<config::ConfigHolder> config;
  RecordedIndexer indexer;
  service::Services services;

  explicit World(const std::string& quotas = "", const std::string& pool_extra = "") {
    auto s = store::open_store("sqlite:" + dir.path() + "/tasks.db", store::IfMissing::Create);
    REQUIRE(s);
    store = std::move(*s);
    const std::string path = dir.file("scanners.yaml", config_yaml(quotas, pool_extra));
    config = std::make_unique<config::ConfigHolder>(
        path, [](const std::string&) { return std::optional<std::string>(); });
    REQUIRE(config->reload());
    services.tasks = store.get();
    services.submitter = store.get();
    services.scanner_health = store.get();
    services.admin = store.get();
    services.records = store.get();
    services.clock = &clock;
    services.config = config.get();
    services.indexer = &indexer;
    services.data_dir = dir.path() + "/data";
  }
  service::ScanService scans() const { return service::ScanService(services); }

  // What a worker publishes once its probe found the pool's one instance usable.
  void scanner_is_usable() {
    store::ScannerStatus up;
    up.instance = "one";
    up.pool = "lab";
    up.probed = up.reachable = up.authenticated = up.scan_api = true;
    up.server_status = "ready";
    up.updated_at = kStart;
    REQUIRE(store->put_scanner_status(up));
  }
};

scans::ScanRequest request(const std::string& targets, const std::string& name = "nightly") {
  scans::ScanRequest r;
  r.targets = targets;
  r.name = name;
  return r;
}

service::Caller tenant(const std::string& name) {
  auto c = service::Caller::tenant_of(name);
  c.via = "test";
  return c;
}

}  // namespace

TEST_CASE("a submit and the task's status say the same thing about why it waits") {
  World w;
  // No worker has probed the pool's scanner: nothing can take the scan yet.
  auto submitted = w.scans().submit(tenant("team-a"), request("10.0.0.1"));
  REQUIRE(submitted);
  CHECK(submitted->submitted.created);
  REQUIRE_FALSE(submitted->submitted.waiting.empty());
  auto status = w.scans().status(tenant("team-a"), submitted->submitted.task.id);
  REQUIRE(status);
  REQUIRE(status->waiting);
  CHECK(status->waiting->reason == submitted->submitted.waiting);
  CHECK(status->waiting->hint == submitted->submitted.waiting_hint);
  const auto view = status->to_json();
  CHECK(view["waiting"]["reason"] == submitted->to_json()["waiting"]["reason"]);
  CHECK(view["queue_position"] == 1);

  // Once the scanner is usable, the task is next in line and neither says it is blocked.
  w.scanner_is_usable();
  w.clock.advance(1000);
  auto second = w.scans().submit(tenant("team-a"), request("10.0.0.2", "second"));
  REQUIRE(second);
  CHECK(second->submitted.waiting.empty());
  auto behind = w.scans().status(tenant("team-a"), second->submitted.task.id);
  REQUIRE(behind);
  CHECK(behind->waiting->kind == readiness::Waiting::Kind::Behind);
  CHECK_FALSE(behind->waiting->blocked());
}

TEST_CASE("outside the pool's window a submit and the status name the window and its opening") {
  // 2026-01-01T00:00Z: the window opens at 10:00Z.
  World w("", "    scan_window: {days: daily, start: \"10:00\", end: \"12:00\", timezone: UTC}\n");
  w.scanner_is_usable();
  auto submitted = w.scans().submit(tenant("team-a"), request("10.0.0.1"));
  REQUIRE(submitted);
  const auto answer = submitted->to_json();
  REQUIRE(answer.contains("scan_window"));
  CHECK(answer["scan_window"]["open"] == false);
  CHECK(answer["scan_window"]["opens_at"] == "2026-01-01T10:00:00.000Z");
  auto status = w.scans().status(tenant("team-a"), submitted->submitted.task.id);
  REQUIRE(status);
  CHECK(status->waiting->kind == readiness::Waiting::Kind::WindowClosed);
  CHECK(status->waiting->reason == submitted->submitted.waiting);
  CHECK(status->to_json()["waiting"]["until"] == "2026-01-01T10:00:00.000Z");
  CHECK(status->to_json()["scan_window"] == answer["scan_window"]);
}

TEST_CASE("the quota dry run decides as the submit does, on the same rule") {
  World w("quotas:\n  default: {scans_per_hour: 1}\n");
  auto before = w.scans().dry_run(tenant("team-a"), "", "10.0.0.1");
  REQUIRE(before);
  CHECK(before->accepted);
  REQUIRE(w.scans().submit(tenant("team-a"), request("10.0.0.1")));
  auto after = w.scans().dry_run(tenant("team-a"), "", "10.0.0.2");
  REQUIRE(after);
  CHECK_FALSE(after->accepted);
  auto refused = w.scans().submit(tenant("team-a"), request("10.0.0.2", "again"));
  REQUIRE_FALSE(refused);
  CHECK(refused.error().code == ErrorCode::ResourceExhausted);
  // The same words and the same time to retry, because the same function decided.
  CHECK(after->refusal == refused.error().message);
  CHECK(after->hint == refused.error().hint);
  // Another tenant's bucket is its own.
  auto other = w.scans().dry_run(tenant("team-b"), "", "10.0.0.2");
  REQUIRE(other);
  CHECK(other->accepted);
}

TEST_CASE("one view of a task: every front door renders the same fields and values") {
  World w;
  auto submitted = w.scans().submit(tenant("team-a"), request("10.0.0.1"));
  REQUIRE(submitted);
  const std::string id = submitted->submitted.task.id;
  auto mine = w.scans().status(tenant("team-a"), id);
  auto operators = w.scans().status(service::Caller::an_operator("task show"), id);
  REQUIRE(mine);
  REQUIRE(operators);
  CHECK(mine->to_json() == operators->to_json());
  const auto v = mine->to_json();
  for (const char* field : {"task_id",
                            "owner",
                            "name",
                            "state",
                            "step",
                            "scan_type",
                            "pool",
                            "targets",
                            "template",
                            "progress",
                            "attempts",
                            "failures",
                            "created_at",
                            "started_at",
                            "finished_at",
                            "updated_at",
                            "error",
                            "validation",
                            "summary",
                            "queue_position",
                            "estimated_wait_seconds",
                            "poll_after_seconds",
                            "trace_id",
                            "description"}) {
    CHECK_MESSAGE(v.contains(field), field);
  }
  CHECK(v["owner"] == "team-a");
  // A list row is the view's first fields, with the same values.
  auto rows = w.scans().list(tenant("team-a"), {});
  REQUIRE(rows);
  const auto row = rows->to_json()["tasks"][0];
  for (const auto& field : row.items()) {
    const std::string key = field.key();
    CHECK_MESSAGE(v[key] == field.value(), key);
  }
}

TEST_CASE("tenants see their own tasks; operators see every tenant's, or one") {
  World w;
  auto a = w.scans().submit(tenant("team-a"), request("10.0.0.1"));
  auto b = w.scans().submit(tenant("team-b"), request("10.0.0.2"));
  REQUIRE(a);
  REQUIRE(b);
  const std::string b_id = b->submitted.task.id;
  auto hidden = w.scans().status(tenant("team-a"), b_id);
  REQUIRE_FALSE(hidden);
  CHECK(hidden.error().code == ErrorCode::NotFound);
  CHECK(hidden.error().action == Action::ListTasks);
  auto cancel = w.scans().cancel(tenant("team-a"), b_id);
  REQUIRE_FALSE(cancel);
  CHECK(cancel.error().code == ErrorCode::NotFound);

  CHECK(w.scans().list(tenant("team-a"), {})->tasks.size() == 1);
  const auto everyone = service::Caller::an_operator("task list");
  CHECK(w.scans().list(everyone, {})->tasks.size() == 2);
  service::TaskFilter only_b;
  only_b.owner = "team-b";
  auto listed = w.scans().list(everyone, only_b);
  REQUIRE(listed);
  REQUIRE(listed->tasks.size() == 1);
  CHECK(listed->tasks[0].id == b_id);
  // A tenant cannot widen its listing by naming another owner.
  CHECK(w.scans().list(tenant("team-a"), only_b)->tasks[0].owner == "team-a");

  service::TaskFilter typo;
  typo.pool = "labb";
  auto refused = w.scans().list(everyone, typo);
  REQUIRE_FALSE(refused);
  CHECK(refused.error().message.find("labb") != std::string::npos);

  service::TaskFilter target;
  target.target = "10.0.0.0/31";
  auto overlapping = w.scans().list(everyone, target);
  REQUIRE(overlapping);
  CHECK(overlapping->tasks.size() == 1);
  target.target = "10.0.0.1, 10.0.0.2";
  CHECK_FALSE(w.scans().list(everyone, target));
}

TEST_CASE("re-indexing stores what the new index says; only finished tasks, only operators") {
  World w;
  auto submitted = w.scans().submit(tenant("team-a"), request("10.0.0.1"));
  REQUIRE(submitted);
  const std::string queued = submitted->submitted.task.id;
  const auto op = service::Caller::an_operator("task reindex");
  auto running = w.scans().reindex(op, queued);
  REQUIRE_FALSE(running);
  CHECK(running.error().code == ErrorCode::FailedPrecondition);
  CHECK(w.indexer.calls == 0);

  task::Task done;
  done.id = task::new_task_id();
  done.owner = "team-a";
  done.pool = "lab";
  done.name = "imported";
  done.targets = "10.0.0.3";
  done.created_at = kStart;
  done.summary = {{"hosts", 1}, {"findings", 1}};
  REQUIRE(w.store->import_completed(done));

  auto tenants = w.scans().reindex(tenant("team-a"), done.id);
  REQUIRE_FALSE(tenants);
  CHECK(tenants.error().code == ErrorCode::PermissionDenied);

  w.clock.advance(60'000);
  auto redone = w.scans().reindex(op, done.id);
  REQUIRE(redone);
  CHECK(w.indexer.calls == 1);
  CHECK(redone->findings == 7);
  auto stored = w.scans().status(tenant("team-a"), done.id);
  REQUIRE(stored);
  CHECK(stored->task.summary == w.indexer.summary);
  CHECK(stored->task.validation == w.indexer.validation);
  CHECK(stored->task.state == task::State::Completed);
  CHECK(stored->task.updated_at == kStart + 60'000);
}

TEST_CASE("a refused import leaves neither a task nor files behind") {
  World w;
  const std::string file = w.dir.file("not-an-export.nessus", "<html>no</html>");
  const auto op = service::Caller::an_operator("import");
  auto refused = w.scans().import_export(op, {file, "team-a", "", "", false});
  REQUIRE_FALSE(refused);
  CHECK(refused.error().code == ErrorCode::InvalidArgument);
  CHECK(refused.error().message.find("refused") != std::string::npos);
  CHECK(w.indexer.calls == 1);
  CHECK(w.scans().list(op, {})->tasks.empty());
  std::error_code ec;
  CHECK(std::filesystem::is_empty(w.services.data_dir + "/results", ec));

  auto missing = w.scans().import_export(op, {w.dir.path() + "/nothing", "", "", "", false});
  REQUIRE_FALSE(missing);
  CHECK(missing.error().code == ErrorCode::NotFound);
  auto tenants = w.scans().import_export(tenant("team-a"), {file, "", "", "", false});
  REQUIRE_FALSE(tenants);
  CHECK(tenants.error().code == ErrorCode::PermissionDenied);
}

// ---- Schedules (service/schedule_service.h), the same use cases for tools and admin_cli ----

TEST_CASE("schedules: a tenant's are its own; an operator sees and names every tenant's") {
  World w;
  const service::ScheduleService schedules(w.services);
  recurring::ScheduleSpec spec;
  spec.name = "nightly";
  spec.targets = "10.0.0.1";
  spec.every = "1d";
  REQUIRE(recurring::set_start(spec, "2026-01-02"));
  auto made = schedules.create(tenant("team-a"), spec);
  REQUIRE_MESSAGE(made, (made ? "" : made.error().message));
  CHECK(made->schedule.owner == "team-a");
  CHECK_FALSE(made->to_json().contains("tenant"));  // a tenant's view does not name it

  // Another tenant neither sees nor changes it; an operator does both.
  CHECK(schedules.find(tenant("team-b"), made->schedule.id).error().code == ErrorCode::NotFound);
  CHECK(schedules.find(tenant("team-b"), made->schedule.id).error().action ==
        Action::ListSchedules);
  const auto op = service::Caller::an_operator("test");
  auto seen = schedules.find(op, made->schedule.id);
  REQUIRE(seen);
  CHECK(seen->to_json()["tenant"] == "team-a");
  recurring::ScheduleSpec pause;
  pause.paused = true;
  CHECK(schedules.update(tenant("team-b"), made->schedule.id, pause).error().code ==
        ErrorCode::NotFound);
  auto paused = schedules.update(op, made->schedule.id, pause);
  REQUIRE(paused);
  CHECK(paused->schedule.paused);
  CHECK(paused->schedule.owner == "team-a");

  // Listings: the tenant's page, an operator's whole listing or one tenant's.
  CHECK(schedules.page(tenant("team-a"), "", 20)->schedules.size() == 1);
  CHECK(schedules.page(tenant("team-b"), "", 20)->schedules.empty());
  CHECK(schedules.all(op, std::nullopt)->schedules.size() == 1);
  CHECK(schedules.all(op, std::string("team-b"))->schedules.empty());

  // An operator's new schedule names its tenant.
  CHECK(schedules.create(op, spec).error().code == ErrorCode::InvalidArgument);
  auto for_b = schedules.create(op, spec, "team-b");
  REQUIRE(for_b);
  CHECK(for_b->schedule.owner == "team-b");

  CHECK(schedules.remove(tenant("team-b"), made->schedule.id).error().code == ErrorCode::NotFound);
  REQUIRE(schedules.remove(tenant("team-a"), made->schedule.id));
  CHECK(schedules.find(op, made->schedule.id).error().code == ErrorCode::NotFound);
}

TEST_CASE("schedules: text fields are read by one rule for every front door") {
  recurring::ScheduleSpec spec;
  CHECK(recurring::set_scan_type(spec, "authenticated"));
  CHECK(spec.scan_type == task::ScanType::Authenticated);
  const auto bad_type = recurring::set_scan_type(spec, "deep");
  REQUIRE_FALSE(bad_type);
  CHECK(bad_type.error().message.find("scan_type") == 0);
  CHECK(recurring::set_start(spec, "2026-12-24T22:00:00Z"));
  const auto ago = recurring::set_start(spec, "24h");  // a duration would mean "ago"
  REQUIRE_FALSE(ago);
  CHECK(ago.error().message.find("start") == 0);
  CHECK(recurring::set_end(spec, std::string_view("2027-01-01")));
  REQUIRE(spec.end.has_value());
  CHECK(spec.end->has_value());
  CHECK(recurring::set_end(spec, std::nullopt));
  CHECK_FALSE(spec.end->has_value());  // set to no end
}

TEST_CASE("audit queries: an operator reads every tenant's decisions, a tenant only its own") {
  World w;
  std::filesystem::create_directories(w.services.data_dir);
  {
    auto log = audit::AuditLog::open(w.services.data_dir + "/audit.log");
    REQUIRE(log);
    (*log)->record(
        {kStart, "team-a", "run_untrusted_scan", "lab", "10.0.0.1", "allow", "in scope", "t1", ""});
    (*log)->record({kStart + 1000, "team-b", "run_untrusted_scan", "lab", "8.8.8.8", "deny",
                    "out of scope", "t2", ""});
  }
  const service::AuditService audits(w.services);
  const auto op = service::Caller::an_operator("test");
  auto all = audits.decisions(op, {});
  REQUIRE(all);
  CHECK(all->events.size() == 2);
  service::AuditQuery denied;
  denied.decision = "deny";
  CHECK(audits.decisions(op, denied)->events.size() == 1);
  service::AuditQuery later;
  later.since_ms = kStart + 500;
  CHECK(audits.decisions(op, later)->events.size() == 1);
  // A tenant asking for another's decisions still gets only its own.
  service::AuditQuery theirs;
  theirs.tenant = "team-b";
  auto mine = audits.decisions(tenant("team-a"), theirs);
  REQUIRE(mine);
  REQUIRE(mine->events.size() == 1);
  CHECK(mine->events[0]["tenant"] == "team-a");
  service::AuditQuery bad;
  bad.decision = "maybe";
  CHECK(audits.decisions(op, bad).error().code == ErrorCode::InvalidArgument);
}
