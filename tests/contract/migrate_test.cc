// admin_cli store migrate's core (core/store/migrate.h), both ways between a real SQLite file
// and a real redis-server: every task arrives with its state, history and dead-letter
// membership and behaves there as it did (queued ones are claimable, dead letters listed,
// idempotent resubmits return the same task); running tasks are refused with nothing copied;
// a second run copies nothing twice.
#include "core/store/migrate.h"

#include <doctest/doctest.h>

#include "core/store/lifecycle.h"
#include "core/store/presence.h"
#include "core/store/task_store.h"
#include "tests/contract/backends.h"

using namespace nmcp;
using store::ClaimRequest;
using store::OwnerScope;
using task::State;
using task::Task;
using testing::RedisBackend;
using testing::SqliteBackend;

namespace {

constexpr task::Millis T0 = 1'700'000'000'000;

Task make_task(const std::string& key, task::Millis created) {
  return testing::keyed_task("team-a", key, created);
}

ClaimRequest claim_req(task::Millis now) {
  ClaimRequest r;
  r.worker = "w1";
  r.now = now;
  r.lease_ms = 1000;
  r.opens_inline_credentials = true;
  r.pools["default"] = {{"a", 100}};
  return r;
}

struct Fixture {
  std::string queued, completed, dead, cancelled;
};

// A store with one task in each settled state.
Fixture fill(store::TaskStore& s) {
  Fixture f;
  for (const char* k : {"q", "c", "d", "x"}) {
    auto r = s.submit(make_task(k, T0 + (k[0] - 'a')));
    REQUIRE(r);
  }
  auto by_key = [&](const std::string& key) {
    store::TaskQuery q(OwnerScope::everyone());
    q.limit = 10;
    auto page = s.list(q);
    REQUIRE(page);
    for (const auto& t : page->tasks) {
      if (t.idempotency_key == key) return t;
    }
    FAIL("no task with key " << key);
    return Task{};
  };
  f.queued = by_key("q").id;
  f.completed = by_key("c").id;
  f.dead = by_key("d").id;
  f.cancelled = by_key("x").id;
  // Claims go oldest first: c, d, then q stays queued. x is cancelled while queued.
  REQUIRE(s.request_cancel(f.cancelled, OwnerScope::everyone(), T0 + 10));
  auto c = s.claim(claim_req(T0 + 20));
  REQUIRE(c);
  REQUIRE(c->has_value());
  REQUIRE((*c)->id == f.completed);
  store::StepUpdate u;
  u.step = task::Step::Launch;
  u.nessus_scan_id = 41;
  u.summary = nlohmann::json{{"hosts", 1}};
  REQUIRE(s.record(f.completed, store::lease_of(**c), u, T0 + 21, T0 + 900));
  REQUIRE(s.finish(f.completed, store::lease_of(**c), State::Completed, {}, T0 + 30));
  auto d = s.claim(claim_req(T0 + 40));
  REQUIRE(d);
  REQUIRE(d->has_value());
  REQUIRE((*d)->id == f.dead);
  REQUIRE(s.dead_letter(f.dead, store::lease_of(**d), {"nessus_rejected", "400", "fix"}, T0 + 41));
  return f;
}

template <typename From, typename To>
void check_migration() {
  From from_backend;
  To to_backend;
  auto from = from_backend.open();
  auto to = to_backend.open();
  const Fixture f = fill(*from);

  // A running task: refused, and nothing is copied.
  auto extra = from->submit(make_task("r", T0 - 100));  // the oldest: claimed next
  REQUIRE(extra);
  auto running = from->claim(claim_req(T0 + 60));
  REQUIRE(running);
  REQUIRE(running->has_value());
  auto refused = store::migrate_tasks(*from, *to, T0 + 80);
  REQUIRE_FALSE(refused);
  CHECK(refused.error().code == ErrorCode::FailedPrecondition);
  CHECK(refused.error().message.find((*running)->id) != std::string::npos);
  store::TaskQuery all(OwnerScope::everyone());
  all.limit = 50;
  CHECK(to->list(all)->tasks.empty());
  REQUIRE(from->finish((*running)->id, store::lease_of(**running), State::Completed, {}, T0 + 70));

  // A live process of the old store (its presence not yet expired): refused, naming it.
  store::Presence worker;
  worker.id = "nessus-worker@host-1-abcd";
  worker.seen_at = T0 + 75;
  worker.live_until = T0 + 81;
  REQUIRE(store::announce(*from, worker));
  auto live = store::migrate_tasks(*from, *to, T0 + 80);
  REQUIRE_FALSE(live);
  CHECK(live.error().code == ErrorCode::FailedPrecondition);
  CHECK(live.error().message.find(worker.id) != std::string::npos);
  CHECK(to->list(all)->tasks.empty());
  REQUIRE(store::withdraw(*from, worker.id));

  auto report = store::migrate_tasks(*from, *to, T0 + 80);
  REQUIRE(report);
  CHECK(report->copied == 5);
  CHECK(report->already == 0);
  CHECK(report->differing.empty());
  CHECK(report->conflicting.empty());

  // Every task as it was, field for field, and marked in the old store so that none of its
  // workers can ever run it there (a worker that was paused through the migration included).
  auto source = from->list(all);
  REQUIRE(source);
  for (const auto& t : source->tasks) {
    CHECK(t.moved_to == to->describe());
    auto copy = to->get(t.id, OwnerScope::everyone());
    REQUIRE(copy);
    CHECK(copy->moved_to.empty());
    CHECK(task::to_json(*copy) == task::to_json(store::lifecycle::unmoved_copy(t)));
  }
  auto late = from->claim(claim_req(T0 + 10'000'000));
  REQUIRE(late);
  CHECK_FALSE(late->has_value());
  auto cancel_there = from->request_cancel(f.queued, OwnerScope::everyone(), T0 + 90);
  REQUIRE_FALSE(cancel_there);
  CHECK(cancel_there.error().message.find("moved to") != std::string::npos);
  CHECK_FALSE(from->retry_dead_letter(f.dead, T0 + 90));
  // And it behaves there as it did.
  store::TaskQuery dlq(OwnerScope::everyone());
  dlq.dead_lettered_only = true;
  auto dead = to->list(dlq);
  REQUIRE(dead);
  REQUIRE(dead->tasks.size() == 1);
  CHECK(dead->tasks[0].id == f.dead);
  auto resubmit = to->submit(make_task("c", T0 + 100));
  REQUIRE(resubmit);
  CHECK_FALSE(resubmit->created);
  CHECK(resubmit->task.id == f.completed);
  auto stats = to->queue_stats();
  REQUIRE(stats);
  REQUIRE(stats->size() == 1);
  CHECK((*stats)[0].queued == 1);
  CHECK((*stats)[0].dead_letters == 1);
  auto claimed = to->claim(claim_req(T0 + 200));
  REQUIRE(claimed);
  REQUIRE(claimed->has_value());
  CHECK((*claimed)->id == f.queued);

  // A second run copies nothing twice; the task that moved on in the new store is left alone.
  auto again = store::migrate_tasks(*from, *to, T0 + 80);
  REQUIRE(again);
  CHECK(again->copied == 0);
  CHECK(again->already == 4);
  CHECK(again->differing == std::vector<std::string>{f.queued});

  // Records (schedules, quota use) move the same way: copied once, a changed one left alone.
  auto put = [](store::TaskStore& s, const std::string& kind, const std::string& key,
                const std::string& body) {
    REQUIRE(s.mutate_record(kind, key,
                            [&](const std::optional<std::string>&) -> Result<store::RecordEdit> {
                              return store::RecordEdit::put(body);
                            }));
  };
  put(*from, "schedule", "sch_a", R"({"n":1})");
  put(*from, "schedule", "sch_b", R"({"n":2})");
  put(*from, "quota", "team-a", R"({"q":1})");
  put(*from, "other", "x", "not migrated: no rule names it");
  store::MigrationReport records;
  REQUIRE(store::migrate_records(*from, *to, {"schedule", "quota"}, records));
  CHECK(records.records_copied == 3);
  CHECK(records.records_already == 0);
  CHECK(**to->load_record("schedule", "sch_b") == R"({"n":2})");
  CHECK(**to->load_record("quota", "team-a") == R"({"q":1})");
  CHECK_FALSE(to->load_record("other", "x")->has_value());
  put(*to, "schedule", "sch_a", R"({"n":10})");  // changed in the new store since
  store::MigrationReport twice;
  REQUIRE(store::migrate_records(*from, *to, {"schedule", "quota"}, twice));
  CHECK(twice.records_copied == 0);
  CHECK(twice.records_already == 2);
  CHECK(twice.records_differing == std::vector<std::string>{"schedule/sch_a"});
  CHECK(**to->load_record("schedule", "sch_a") == R"({"n":10})");

  // The old store migrated again, to yet another store: refused, saying where the tasks went.
  To third_backend;
  auto third = third_backend.open();
  auto elsewhere = store::migrate_tasks(*from, *third, T0 + 300);
  REQUIRE_FALSE(elsewhere);
  CHECK(elsewhere.error().message.find("was moved to " + to->describe()) != std::string::npos);
  CHECK(elsewhere.error().message.find("claimed it") == std::string::npos);
}

}  // namespace

TEST_CASE("store migrate: SQLite to Redis") { check_migration<SqliteBackend, RedisBackend>(); }
TEST_CASE("store migrate: Redis to SQLite") { check_migration<RedisBackend, SqliteBackend>(); }
