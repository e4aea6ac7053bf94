// Housekeeping (core/housekeeping) on both backends against a real store and real result files:
// retention deletes exactly the finished tasks past their retention, with their records,
// idempotency keys, index entries and result directories, and nothing else (queued and running
// tasks, another tenant's unexpired task); a dry run changes nothing; orphaned directories and
// partial files go only after their grace period; a crash between the record and the files is
// finished by the next run; stuck tasks end timed_out with their Nessus scan stopped; Nessus
// scans are deleted only for tasks that recorded them; two processes never lead at once.
#include <filesystem>
#include <fstream>
#include <set>

#include <doctest/doctest.h>

#include "core/findings/results_location.h"
#include "core/housekeeping/housekeeper.h"
#include "core/housekeeping/housekeeping_job.h"
#include "core/housekeeping/retention.h"
#include "tests/contract/backends.h"

using namespace nmcp;
using housekeeping::Housekeeper;
using store::OwnerScope;
using task::State;
using task::Task;
using testing::RedisBackend;
using testing::SqliteBackend;
namespace fs = std::filesystem;

#define BACKENDS SqliteBackend, RedisBackend

namespace {

constexpr task::Millis kDay = 24LL * 3600 * 1000;
constexpr task::Millis T0 = 1'700'000'000'000;

Task make_task(const std::string& owner, const std::string& key, task::Millis created) {
  return testing::keyed_task(owner, key, created);
}

store::ClaimRequest claim_req(task::Millis now) { return testing::claim_request(now); }

void set_mtime(const fs::path& p, task::Millis when) {
  const auto sys = std::chrono::system_clock::time_point(std::chrono::milliseconds(when));
  fs::last_write_time(p, std::chrono::file_clock::from_sys(sys));
}

// Writes a results directory for `id` with an export of `bytes` bytes, dated `when`.
std::string write_results(const std::string& data_dir, const std::string& id, task::Millis when,
                          std::size_t bytes = 1000) {
  auto paths = findings::results_paths(data_dir, id);
  REQUIRE(paths);
  fs::create_directories(paths->dir);
  std::ofstream(paths->export_file) << std::string(bytes, 'x');
  set_mtime(paths->export_file, when);
  set_mtime(paths->dir, when);
  return paths->dir;
}

// Records a Nessus clean-up's calls (the scanner side is tested against nessus-sim elsewhere).
struct RecordingCleanup final : housekeeping::ScannerCleanup {
  std::set<std::string> deleted, stopped;
  bool fail_deletes = false;
  // Each call asks the gate as the real clean-up's requests do: only a task still finished as
  // housekeeping read it may be touched on the scanner.
  Status delete_scan(const Task& t, SideEffectGate& gate) override {
    if (fail_deletes) return fail(ErrorCode::Unavailable, "scanner unreachable");
    if (auto admitted = gate.may_act(); !admitted) return admitted;
    deleted.insert(t.id);
    return ok();
  }
  Status stop_scan(const Task& t, SideEffectGate& gate) override {
    if (auto admitted = gate.may_act(); !admitted) return admitted;
    stopped.insert(t.id);
    return ok();
  }
};

// One task in each situation retention must judge, and their result directories.
struct Estate {
  std::string queued_old, running_old, completed_old, completed_young_other_tenant, failed_old,
      cancelled_old, dead_old, completed_with_scan;
};

// Drives `id` (the next claimable) to `to` at `at` through the real lease operations.
void run_to(store::TaskStore& s, const std::string& id, State to, task::Millis at,
            std::optional<int> scan_id = std::nullopt) {
  auto c = s.claim(claim_req(at));
  REQUIRE(c);
  REQUIRE(c->has_value());
  REQUIRE((*c)->id == id);
  if (scan_id) {
    store::StepUpdate u;
    u.step = task::Step::Launch;
    u.nessus_scan_id = *scan_id;
    REQUIRE(s.record(id, store::lease_of(**c), u, at, at + 60'000));
  }
  if (to == State::Failed) {
    REQUIRE(s.dead_letter(id, store::lease_of(**c), {"x", "y", "z"}, at));
  } else {
    REQUIRE(s.finish(id, store::lease_of(**c), to, {}, at));
  }
}

Estate build(store::TaskStore& s, const std::string& data_dir) {
  Estate e;
  auto add = [&](const std::string& owner, const std::string& key, task::Millis created) {
    auto r = s.submit(make_task(owner, key, created));
    REQUIRE(r);
    return r->task.id;
  };
  // Claims take the oldest first, so tasks are created in the order they are driven.
  e.completed_old = add("team-a", "c-old", T0 + 1);
  run_to(s, e.completed_old, State::Completed, T0 + 10);
  e.dead_old = add("team-a", "d-old", T0 + 2);
  run_to(s, e.dead_old, State::Failed, T0 + 11);
  e.completed_with_scan = add("team-a", "c-scan", T0 + 3);
  run_to(s, e.completed_with_scan, State::Completed, T0 + 12, 77);
  e.running_old = add("team-a", "r-old", T0 + 4);
  {
    auto c = s.claim(claim_req(T0 + 13));
    REQUIRE(c);
    REQUIRE((*c)->id == e.running_old);
    // Its lease is renewed up to "now" (it is being worked on): never touched.
    REQUIRE(s.renew(e.running_old, store::lease_of(**c), T0 + 14, T0 + 100 * kDay));
  }
  e.failed_old = add("team-b", "f-old", T0 + 5);
  {
    auto c = s.claim(claim_req(T0 + 15));
    REQUIRE(c);
    REQUIRE(s.finish(e.failed_old, store::lease_of(**c), State::Failed, {"e", "m", "h"}, T0 + 15));
  }
  e.cancelled_old = add("team-b", "x-old", T0 + 6);
  REQUIRE(s.request_cancel(e.cancelled_old, OwnerScope::everyone(), T0 + 16));
  e.completed_young_other_tenant = add("team-b", "c-young", T0 + 50 * kDay);
  run_to(s, e.completed_young_other_tenant, State::Completed, T0 + 55 * kDay);
  e.queued_old = add("team-a", "q-old", T0 + 7);
  for (const auto& id : {e.completed_old, e.dead_old, e.completed_with_scan, e.running_old,
                         e.failed_old, e.queued_old, e.completed_young_other_tenant}) {
    write_results(data_dir, id, T0 + 10);
  }
  return e;
}

housekeeping::Options options(const std::string& data_dir) {
  housekeeping::Options o;
  o.data_dir = data_dir;
  o.batch = 2;  // several batches per kind
  return o;     // default retention: completed 30 d, failed 14 d, cancelled 7 d, dead 30 d
}

// delete_finished of one task with a predicate that always agrees: whether it was deleted.
bool delete_one(store::TaskStore& s, const std::string& id) {
  auto deleted = s.delete_finished(std::vector<std::string>{id}, [](const Task&) { return true; });
  REQUIRE(deleted);
  return deleted->size() == 1;
}

bool exists(store::TaskStore& s, const std::string& id) {
  return static_cast<bool>(s.get(id, OwnerScope::everyone()));
}

}  // namespace

TEST_CASE_TEMPLATE("housekeeping: retention deletes exactly what is due, with its results", B,
                   BACKENDS) {
  B backend;
  auto s = backend.open();
  testing::TempDir data;
  const Estate e = build(*s, data.path());
  ManualClock clock(T0 + 60 * kDay);
  Housekeeper hk(*s, clock);
  auto o = options(data.path());

  o.dry_run = true;
  auto dry = hk.run(o);
  REQUIRE(dry);
  CHECK(dry->total_tasks_deleted() == 5);
  CHECK(dry->tasks_deleted.at("completed") == 2);
  CHECK(dry->tasks_deleted.at("dead_letter") == 1);
  CHECK(dry->tasks_deleted.at("failed") == 1);
  CHECK(dry->tasks_deleted.at("cancelled") == 1);
  CHECK(dry->bytes_freed == 4000);  // four of them had results (the cancelled one none)
  for (const auto& id : {e.completed_old, e.dead_old, e.failed_old, e.cancelled_old})
    CHECK(exists(*s, id));

  o.dry_run = false;
  auto real = hk.run(o);
  REQUIRE(real);
  CHECK(real->finished);
  CHECK(real->total_tasks_deleted() == 5);
  CHECK(real->bytes_freed == dry->bytes_freed);
  for (const auto& id :
       {e.completed_old, e.dead_old, e.completed_with_scan, e.failed_old, e.cancelled_old}) {
    CHECK_FALSE(exists(*s, id));
    CHECK_FALSE(fs::exists(data.path() + "/results/" + id));
  }
  for (const auto& id : {e.queued_old, e.running_old, e.completed_young_other_tenant}) {
    CHECK(exists(*s, id));
    CHECK(fs::exists(data.path() + "/results/" + id));
  }
  // The idempotency key and every index went with the record: the same key makes a new task,
  // lists and statistics no longer count the deleted ones.
  auto again = s->submit(make_task("team-a", "c-old", T0 + 60 * kDay));
  REQUIRE(again);
  CHECK(again->created);
  store::TaskQuery q(OwnerScope::everyone());
  q.limit = 50;
  auto page = s->list(q);
  REQUIRE(page);
  CHECK(page->tasks.size() == 4);
  q.dead_lettered_only = true;
  auto dead = s->list(q);
  REQUIRE(dead);
  CHECK(dead->tasks.empty());

  // Nothing is due any more.
  auto third = hk.run(o);
  REQUIRE(third);
  CHECK(third->total_tasks_deleted() == 0);
}

TEST_CASE_TEMPLATE("housekeeping: Nessus scans only for tasks that recorded them", B, BACKENDS) {
  B backend;
  auto s = backend.open();
  testing::TempDir data;
  const Estate e = build(*s, data.path());
  RecordingCleanup cleanup;
  auto o = options(data.path());
  o.scanners = &cleanup;
  o.policy.delete_nessus_scans_after_days = 40;

  // At 35 days nothing is deleted: the clean-up keeps every finished task until day 40.
  ManualClock early(T0 + 35 * kDay);
  Housekeeper at35(*s, early);
  auto r35 = at35.run(o);
  REQUIRE(r35);
  CHECK(r35->total_tasks_deleted() == 0);

  // The scanner is unreachable: the task that recorded a scan is kept (its id is not lost).
  ManualClock later(T0 + 45 * kDay);
  Housekeeper at45(*s, later);
  cleanup.fail_deletes = true;
  auto kept = at45.run(o);
  REQUIRE(kept);
  CHECK(exists(*s, e.completed_with_scan));
  CHECK(kept->errors == 1);

  cleanup.fail_deletes = false;
  auto r = at45.run(o);
  REQUIRE(r);
  CHECK(cleanup.deleted == std::set<std::string>{e.completed_with_scan});
  CHECK(r->nessus_scans_deleted == 1);
  CHECK_FALSE(exists(*s, e.completed_with_scan));
}

TEST_CASE_TEMPLATE("housekeeping: orphans after their grace period; a crash is finished later", B,
                   BACKENDS) {
  B backend;
  auto s = backend.open();
  testing::TempDir data;
  const Estate e = build(*s, data.path());
  const task::Millis now = T0 + 20 * kDay;  // nothing is due for retention yet but cancelled
  ManualClock clock(now);
  Housekeeper hk(*s, clock);
  auto o = options(data.path());
  o.policy.cancelled = std::chrono::hours(24 * 365);

  const std::string old_orphan = task::new_task_id();
  const std::string young_orphan = task::new_task_id();
  write_results(data.path(), old_orphan, now - 2 * kDay, 500);
  write_results(data.path(), young_orphan, now - 3600 * 1000, 500);
  // A partial download a crash left beside a finished task's export; and one of the running task.
  const auto partial = data.path() + "/results/" + e.completed_old + "/scan.nessus.part.abc";
  std::ofstream(partial) << "half";
  set_mtime(partial, now - 2 * kDay);
  const auto running_partial = data.path() + "/results/" + e.running_old + "/scan.nessus.part.x";
  std::ofstream(running_partial) << "in progress";
  set_mtime(running_partial, now - 2 * kDay);
  // Not ours to judge: a name that is not a task id.
  fs::create_directories(data.path() + "/results/notes");

  auto r = hk.run(o);
  REQUIRE(r);
  CHECK(r->orphans_removed == 2);
  CHECK_FALSE(fs::exists(data.path() + "/results/" + old_orphan));
  CHECK(fs::exists(data.path() + "/results/" + young_orphan));
  CHECK_FALSE(fs::exists(partial));
  CHECK(fs::exists(running_partial));
  CHECK(fs::exists(data.path() + "/results/notes"));
  CHECK(fs::exists(data.path() + "/results/" + e.completed_old + "/scan.nessus"));

  // A crash right after a task's record was deleted leaves its directory: the next run past the
  // grace period removes it, and nothing of the task is visible in between.
  REQUIRE(delete_one(*s, e.completed_young_other_tenant));
  CHECK_FALSE(exists(*s, e.completed_young_other_tenant));
  auto finish = hk.run(o);
  REQUIRE(finish);
  CHECK_FALSE(fs::exists(data.path() + "/results/" + e.completed_young_other_tenant));
  // delete_finished never deletes a task that has not finished.
  CHECK_FALSE(delete_one(*s, e.queued_old));
  CHECK_FALSE(delete_one(*s, e.running_old));
}

TEST_CASE_TEMPLATE("housekeeping: a stuck task ends timed_out with its scan stopped", B, BACKENDS) {
  B backend;
  auto s = backend.open();
  testing::TempDir data;
  const task::Millis now = T0 + 2 * kDay;  // scan timeout 24 h, stuck after 6 h more
  auto stuck = s->submit(make_task("team-a", "stuck", T0));
  REQUIRE(stuck);
  auto c = s->claim(claim_req(T0 + 1));  // lease: 60 s, never renewed
  REQUIRE(c);
  REQUIRE((*c)->id == stuck->task.id);
  store::StepUpdate u;
  u.step = task::Step::Poll;
  u.nessus_scan_id = 12;
  REQUIRE(s->record(stuck->task.id, store::lease_of(**c), u, T0 + 2, T0 + 60'000));
  // Claimed an hour ago and held: not stuck.
  auto fresh = s->submit(make_task("team-a", "fresh", now - 3600'000));
  REQUIRE(fresh);
  REQUIRE(s->claim(claim_req(now - 3600'000)));

  ManualClock clock(now);
  Housekeeper hk(*s, clock);
  RecordingCleanup cleanup;
  auto o = options(data.path());
  o.scanners = &cleanup;
  o.dry_run = true;
  auto dry = hk.run(o);
  REQUIRE(dry);
  CHECK(dry->stuck_timed_out == 1);
  CHECK(s->get(stuck->task.id, OwnerScope::everyone())->state == State::Running);
  CHECK(cleanup.stopped.empty());

  o.dry_run = false;
  auto r = hk.run(o);
  REQUIRE(r);
  CHECK(r->stuck_timed_out == 1);
  auto ended = s->get(stuck->task.id, OwnerScope::everyone());
  REQUIRE(ended);
  CHECK(ended->state == State::TimedOut);
  CHECK(ended->error.code == "stuck");
  CHECK(ended->worker.empty());
  CHECK(cleanup.stopped == std::set<std::string>{stuck->task.id});
  CHECK(s->get(fresh->task.id, OwnerScope::everyone())->state == State::Running);
  // Its former holder can no longer write.
  CHECK_FALSE(s->record(stuck->task.id, store::lease_of(**c), u, now, now + 60'000));
}

TEST_CASE_TEMPLATE("housekeeping: one process at a time runs it, through the leader lease", B,
                   BACKENDS) {
  B backend;
  auto first = backend.open();
  auto second = backend.open();
  testing::TempDir data;
  testing::TempDir cfg;
  const auto path = testing::minimal_scanner_config(cfg);
  config::ConfigHolder config(path, config::process_environment());
  auto loaded = config.reload();
  const std::string why = loaded ? std::string() : loaded.error().message;
  INFO(why);
  REQUIRE(loaded);
  ManualClock clock(T0 + 60 * kDay);
  housekeeping::Options o = options(data.path());
  housekeeping::HousekeepingJob a(*first, config, clock, "server-a", o);
  housekeeping::HousekeepingJob b(*second, config, clock, "worker-b", o);
  a.tick();
  b.tick();
  CHECK(a.leading());
  CHECK_FALSE(b.leading());
  CHECK(a.totals().runs == 1);
  CHECK(b.totals().runs == 0);
  // The leader keeps it while it ticks; the interval (60 min) gates the runs.
  clock.advance(30'000);
  a.tick();
  b.tick();
  CHECK(a.totals().runs == 1);
  CHECK_FALSE(b.leading());
  clock.advance(60 * 60'000);
  a.tick();
  CHECK(a.totals().runs == 2);
  // A leader that stops ticking (killed) loses the role only when its term ends.
  clock.advance(60'000);
  b.tick();
  CHECK_FALSE(b.leading());
  clock.advance(2 * 60'000);
  b.tick();
  CHECK(b.leading());
  CHECK(b.totals().runs == 1);
  a.tick();  // the old leader finds out and stands down
  CHECK_FALSE(a.leading());
}

TEST_CASE_TEMPLATE("housekeeping: a batch delete judges each record on its own", B, BACKENDS) {
  B backend;
  auto s = backend.open();
  testing::TempDir data;
  const Estate e = build(*s, data.path());
  const std::string missing = task::new_task_id();
  auto deleted = s->delete_finished(
      std::vector<std::string>{e.completed_old, e.queued_old, e.running_old, missing,
                               e.completed_young_other_tenant, e.dead_old},
      [&](const Task& t) { return t.id != e.completed_young_other_tenant; });
  REQUIRE(deleted);
  CHECK(*deleted == std::vector<std::string>{e.completed_old, e.dead_old});
  CHECK_FALSE(exists(*s, e.completed_old));
  CHECK_FALSE(exists(*s, e.dead_old));
  for (const auto& id : {e.queued_old, e.running_old, e.completed_young_other_tenant}) {
    CHECK(exists(*s, id));
  }
  auto empty = s->delete_finished(std::vector<std::string>{}, [](const Task&) { return true; });
  REQUIRE(empty);
  CHECK(empty->empty());
}

TEST_CASE_TEMPLATE("finished_since: finished tasks of a kind from a time on, oldest first", B,
                   BACKENDS) {
  B backend;
  auto s = backend.open();
  testing::TempDir data;
  const Estate e = build(*s, data.path());
  const auto ids = [](const std::vector<Task>& tasks) {
    std::vector<std::string> out;
    for (const auto& t : tasks) out.push_back(t.id);
    return out;
  };
  auto all = s->finished_since(store::FinishedKind::Completed, 0, 10);
  REQUIRE(all);
  CHECK(ids(*all) == std::vector<std::string>{e.completed_old, e.completed_with_scan,
                                              e.completed_young_other_tenant});
  // From a time on, that time included; at most `limit`.
  auto later = s->finished_since(store::FinishedKind::Completed, T0 + 12, 10);
  REQUIRE(later);
  CHECK(ids(*later) ==
        std::vector<std::string>{e.completed_with_scan, e.completed_young_other_tenant});
  auto first = s->finished_since(store::FinishedKind::Completed, 0, 1);
  REQUIRE(first);
  CHECK(ids(*first) == std::vector<std::string>{e.completed_old});
  auto none = s->finished_since(store::FinishedKind::Completed, T0 + 56 * kDay, 10);
  REQUIRE(none);
  CHECK(none->empty());
  // Other kinds have their own lists.
  auto dead = s->finished_since(store::FinishedKind::DeadLetter, 0, 10);
  REQUIRE(dead);
  CHECK(ids(*dead) == std::vector<std::string>{e.dead_old});
}
