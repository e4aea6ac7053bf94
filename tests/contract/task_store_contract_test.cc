// The TaskStore contract: behaviour every backend must show. Each TEST_CASE_TEMPLATE runs once
// per backend listed in kBackends; a Redis backend joins by adding its fixture there.
#include <atomic>
#include <set>
#include <thread>

#include <doctest/doctest.h>

#include "core/store/open_store.h"
#include "core/store/task_store.h"
#include "tests/support/subprocess.h"

using namespace nmcp;
using store::ClaimRequest;
using store::TaskStore;
using task::State;
using task::Task;

namespace {

// A fresh SQLite store in a temp dir; open() gives another connection to the same file, as a
// second process would have.
struct SqliteBackend {
  testing::TempDir dir;
  std::string spec = "sqlite:" + dir.path() + "/store/tasks.db";
  std::unique_ptr<TaskStore> open() {
    auto s = store::open_store(spec);
    REQUIRE(s);
    return std::move(*s);
  }
};

constexpr task::Millis T0 = 1'700'000'000'000;

Task make_task(const std::string& owner = "local", const std::string& pool = "default",
               task::Millis created = T0) {
  Task t;
  t.id = task::new_task_id();
  t.owner = owner;
  t.pool = pool;
  t.targets = "10.0.0.1";
  t.name = "scan " + t.id.substr(5, 6);
  t.created_at = created;
  t.not_before = created;
  t.request_hash = "h";
  return t;
}

ClaimRequest claim_req(const std::string& worker, task::Millis now,
                       std::vector<store::InstanceSlot> slots = {{"a", 100}},
                       const std::string& pool = "default") {
  ClaimRequest r;
  r.worker = worker;
  r.now = now;
  r.lease_ms = 1000;
  r.pools[pool] = std::move(slots);
  return r;
}

Task submit(TaskStore& s, Task t) {
  auto r = s.submit(std::move(t));
  REQUIRE(r);
  return r->task;
}

}  // namespace

#define BACKENDS SqliteBackend

TEST_CASE_TEMPLATE("store: submit, get, not found", B, BACKENDS) {
  B b;
  auto s = b.open();
  CHECK(s->ping());
  const Task t = submit(*s, make_task());
  auto got = s->get(t.id);
  REQUIRE(got);
  CHECK(got->state == State::Queued);
  CHECK(got->owner == "local");
  auto missing = s->get(task::new_task_id());
  REQUIRE_FALSE(missing);
  CHECK(missing.error().code == ErrorCode::NotFound);
  // Durable: another connection sees it.
  CHECK(b.open()->get(t.id));
}

TEST_CASE_TEMPLATE("store: idempotency is scoped to the owner and checks the request hash", B,
                   BACKENDS) {
  B b;
  auto s = b.open();
  Task t = make_task();
  t.idempotency_key = "key-1";
  t.request_hash = "hash-a";
  auto first = s->submit(t);
  REQUIRE(first);
  CHECK(first->created);

  Task again = make_task();
  again.idempotency_key = "key-1";
  again.request_hash = "hash-a";
  auto second = s->submit(again);
  REQUIRE(second);
  CHECK_FALSE(second->created);
  CHECK(second->task.id == first->task.id);

  Task different = make_task();
  different.idempotency_key = "key-1";
  different.request_hash = "hash-b";
  auto conflict = s->submit(different);
  REQUIRE_FALSE(conflict);
  CHECK(conflict.error().code == ErrorCode::Conflict);

  Task other_owner = make_task("team-b");
  other_owner.idempotency_key = "key-1";
  other_owner.request_hash = "hash-b";
  auto other = s->submit(other_owner);
  REQUIRE(other);
  CHECK(other->created);
}

TEST_CASE_TEMPLATE("store: 20 concurrent duplicates on separate connections make one task", B,
                   BACKENDS) {
  B b;
  std::vector<std::unique_ptr<TaskStore>> conns;
  for (int i = 0; i < 20; ++i) conns.push_back(b.open());
  std::atomic<int> created{0};
  std::atomic<int> succeeded{0};
  std::mutex mu;
  std::set<std::string> ids;
  std::vector<std::thread> threads;
  for (int i = 0; i < 20; ++i) {
    threads.emplace_back([&, i] {
      Task t = make_task();
      t.idempotency_key = "same";
      t.request_hash = "same-hash";
      auto r = conns[static_cast<std::size_t>(i)]->submit(t);
      if (!r) return;
      ++succeeded;
      if (r->created) ++created;
      std::lock_guard lock(mu);
      ids.insert(r->task.id);
    });
  }
  for (auto& th : threads) th.join();
  CHECK(succeeded.load() == 20);
  CHECK(created.load() == 1);
  CHECK(ids.size() == 1);
}

TEST_CASE_TEMPLATE("store: claims are FIFO per pool, honour capacity and pick the least utilised",
                   B, BACKENDS) {
  B b;
  auto s = b.open();
  std::vector<Task> tasks;
  for (int i = 0; i < 5; ++i) tasks.push_back(submit(*s, make_task("local", "default", T0 + i)));
  submit(*s, make_task("local", "other", T0 - 100));  // another pool: never offered here

  const std::vector<store::InstanceSlot> slots = {{"a", 1}, {"b", 2}};
  std::vector<std::string> instances;
  for (int i = 0; i < 3; ++i) {
    auto c = s->claim(claim_req("w1", T0 + 10, slots));
    REQUIRE(c);
    REQUIRE(c->has_value());
    CHECK((*c)->id == tasks[static_cast<std::size_t>(i)].id);  // oldest first
    CHECK((*c)->state == State::Running);
    CHECK((*c)->attempts == 1);
    instances.push_back((*c)->instance);
  }
  CHECK(instances == std::vector<std::string>{"a", "b", "b"});
  // Full: a + b = 3 slots.
  auto none = s->claim(claim_req("w1", T0 + 10, slots));
  REQUIRE(none);
  CHECK_FALSE(none->has_value());
  auto counts = s->running_per_instance();
  REQUIRE(counts);
  CHECK(*counts == std::map<std::string, int>{{"a", 1}, {"b", 2}});
  // The capacity is the store's: a second connection sees the pool full as well.
  auto from_other = b.open()->claim(claim_req("w2", T0 + 10, slots));
  REQUIRE(from_other);
  CHECK_FALSE(from_other->has_value());
  auto pos = s->queue_position(tasks[4].id);
  REQUIRE(pos);
  CHECK(*pos == 2);
}

TEST_CASE_TEMPLATE("store: concurrent claimers never get the same task", B, BACKENDS) {
  B b;
  auto s = b.open();
  constexpr int kTasks = 60;
  for (int i = 0; i < kTasks; ++i) submit(*s, make_task("local", "default", T0 + i));
  std::vector<std::unique_ptr<TaskStore>> conns;
  for (int i = 0; i < 6; ++i) conns.push_back(b.open());
  std::mutex mu;
  std::vector<std::string> claimed;
  std::vector<std::thread> threads;
  for (int w = 0; w < 6; ++w) {
    threads.emplace_back([&, w] {
      for (;;) {
        auto c = conns[static_cast<std::size_t>(w)]->claim(
            claim_req("w" + std::to_string(w), T0 + 100, {{"a", 1000}}));
        if (!c || !c->has_value()) return;
        std::lock_guard lock(mu);
        claimed.push_back((*c)->id);
      }
    });
  }
  for (auto& th : threads) th.join();
  CHECK(claimed.size() == kTasks);
  CHECK(std::set<std::string>(claimed.begin(), claimed.end()).size() == kTasks);
}

TEST_CASE_TEMPLATE("store: an expired lease makes the task claimable with its recorded step", B,
                   BACKENDS) {
  B b;
  auto s = b.open();
  const Task t = submit(*s, make_task());
  auto c = s->claim(claim_req("w1", T0 + 1));
  REQUIRE(c);
  REQUIRE(c->has_value());
  store::StepUpdate u;
  u.step = task::Step::Poll;
  u.nessus_scan_id = 41;
  REQUIRE(s->record(t.id, "w1", u, T0 + 2, T0 + 1001));

  // Still leased: nobody else gets it.
  auto early = s->claim(claim_req("w2", T0 + 900, {{"a", 100}, {"b", 100}}));
  REQUIRE(early);
  CHECK_FALSE(early->has_value());
  // Expired, but the scan lives on "a": an offer of only "b" cannot take it.
  auto wrong = s->claim(claim_req("w2", T0 + 2000, {{"b", 100}}));
  REQUIRE(wrong);
  CHECK_FALSE(wrong->has_value());
  // "a" takes it back even when full, because the scan already occupies its slot.
  auto back = s->claim(claim_req("w2", T0 + 2000, {{"a", 1}}));
  REQUIRE(back);
  REQUIRE(back->has_value());
  CHECK((*back)->worker == "w2");
  CHECK((*back)->step == task::Step::Poll);
  CHECK((*back)->nessus_scan_id == 41);
  CHECK((*back)->attempts == 2);
  // The old worker has lost it.
  auto stale = s->renew(t.id, "w1", T0 + 2001, T0 + 3000);
  REQUIRE_FALSE(stale);
  CHECK(stale.error().code == ErrorCode::FailedPrecondition);
  CHECK(s->renew(t.id, "w2", T0 + 2001, T0 + 3000));
}

TEST_CASE_TEMPLATE("store: retries back off, then dead-letter; the DLQ can be retried and purged",
                   B, BACKENDS) {
  B b;
  auto s = b.open();
  const Task t = submit(*s, make_task());
  task::Millis now = T0;
  for (int attempt = 1; attempt <= 3; ++attempt) {
    auto c = s->claim(claim_req("w1", now));
    REQUIRE(c);
    REQUIRE(c->has_value());
    auto r =
        s->retry_later(t.id, "w1", {"nessus_unavailable", "503", "retry"}, {now + 500, 3}, now);
    REQUIRE(r);
    CHECK(r->failures == attempt);
    if (attempt < 3) {
      CHECK(r->state == State::Queued);
      auto too_soon = s->claim(claim_req("w1", now + 499));
      REQUIRE(too_soon);
      CHECK_FALSE(too_soon->has_value());
      now += 500;
    } else {
      CHECK(r->state == State::Failed);
      CHECK(r->dead_lettered);
      CHECK(r->error.message.find("gave up after 3 attempts") != std::string::npos);
    }
  }
  store::TaskQuery q;
  q.dead_lettered_only = true;
  auto dlq = s->list(q);
  REQUIRE(dlq);
  REQUIRE(dlq->tasks.size() == 1);
  auto stats = s->queue_stats();
  REQUIRE(stats);
  REQUIRE(stats->size() == 1);
  CHECK((*stats)[0].dead_letters == 1);

  auto retried = s->retry_dead_letter(t.id, now + 1);
  REQUIRE(retried);
  CHECK(retried->state == State::Queued);
  CHECK(retried->failures == 0);
  CHECK(retried->error.empty());
  auto again = s->claim(claim_req("w1", now + 2));
  REQUIRE(again);
  CHECK(again->has_value());
  CHECK_FALSE(s->retry_dead_letter(t.id, now + 3));  // not dead-lettered any more

  REQUIRE(s->dead_letter(t.id, "w1", {"nessus_rejected", "400", ""}, now + 4));
  auto purged_early = s->purge_dead_letters("", now + 4);  // strictly older only
  REQUIRE(purged_early);
  CHECK(*purged_early == 0);
  auto purged = s->purge_dead_letters("default", now + 5);
  REQUIRE(purged);
  CHECK(*purged == 1);
  CHECK_FALSE(s->get(t.id));
}

TEST_CASE_TEMPLATE("store: finishing checks the lease and the state machine", B, BACKENDS) {
  B b;
  auto s = b.open();
  const Task t = submit(*s, make_task());
  REQUIRE(s->claim(claim_req("w1", T0 + 1)));
  CHECK_FALSE(s->finish(t.id, "w2", State::Completed, {}, T0 + 2));  // not the holder
  CHECK_FALSE(s->finish(t.id, "w1", State::Queued, {}, T0 + 2));     // not terminal
  auto done = s->finish(t.id, "w1", State::Completed, {}, T0 + 3);
  REQUIRE(done);
  CHECK(done->state == State::Completed);
  CHECK(done->finished_at == T0 + 3);
  CHECK(done->worker.empty());
  auto cancel = s->request_cancel(t.id, "local", T0 + 4);
  REQUIRE_FALSE(cancel);
  CHECK(cancel.error().code == ErrorCode::FailedPrecondition);
  auto durations = s->typical_duration("default");
  REQUIRE(durations);
  CHECK(durations->value_or(-1) == 2);
}

TEST_CASE_TEMPLATE("store: cancelling queued and running tasks, owners only", B, BACKENDS) {
  B b;
  auto s = b.open();
  const Task queued = submit(*s, make_task("local", "default", T0));
  const Task running = submit(*s, make_task("local", "default", T0 + 1));
  auto other = s->request_cancel(queued.id, "someone-else", T0 + 2);
  REQUIRE_FALSE(other);
  CHECK(other.error().code == ErrorCode::NotFound);
  auto c = s->request_cancel(queued.id, "local", T0 + 2);
  REQUIRE(c);
  CHECK(c->state == State::Cancelled);
  auto claimed = s->claim(claim_req("w1", T0 + 3));
  REQUIRE(claimed);
  REQUIRE(claimed->has_value());
  CHECK((*claimed)->id == running.id);
  auto r = s->request_cancel(running.id, "local", T0 + 4);
  REQUIRE(r);
  CHECK(r->state == State::Running);
  CHECK(r->cancel_requested);
  auto seen = s->renew(running.id, "w1", T0 + 5, T0 + 900);
  REQUIRE(seen);
  CHECK(seen->cancel_requested);
  CHECK(s->finish(running.id, "w1", State::Cancelled, {}, T0 + 6));
}

TEST_CASE_TEMPLATE("store: listing is per owner, filtered and paged without gaps", B, BACKENDS) {
  B b;
  auto s = b.open();
  std::set<std::string> mine;
  for (int i = 0; i < 25; ++i) {
    Task t = make_task("local", i % 2 == 0 ? "default" : "dmz", T0 + i / 3);  // equal times
    mine.insert(submit(*s, t).id);
  }
  submit(*s, make_task("team-b"));
  std::set<std::string> seen;
  store::TaskQuery q;
  q.owner = "local";
  q.limit = 7;
  int pages = 0;
  for (;;) {
    auto page = s->list(q);
    REQUIRE(page);
    ++pages;
    for (const auto& t : page->tasks) CHECK(seen.insert(t.id).second);
    if (page->next_cursor.empty()) break;
    q.cursor = page->next_cursor;
  }
  CHECK(pages == 4);
  CHECK(seen == mine);

  store::TaskQuery dmz;
  dmz.owner = "local";
  dmz.pool = "dmz";
  dmz.limit = 100;
  auto d = s->list(dmz);
  REQUIRE(d);
  CHECK(d->tasks.size() == 12);

  store::TaskQuery pred;
  pred.owner = "local";
  pred.limit = 3;
  int calls = 0;
  pred.predicate = [&calls](const Task&) { return ++calls % 5 == 0; };
  auto p = s->list(pred);
  REQUIRE(p);
  CHECK(p->tasks.size() == 3);
  CHECK_FALSE(p->next_cursor.empty());

  store::TaskQuery bad;
  bad.cursor = "../../etc";
  auto e = s->list(bad);
  REQUIRE_FALSE(e);
  CHECK(e.error().code == ErrorCode::InvalidArgument);
}

TEST_CASE_TEMPLATE("store: scanner status is shared between connections", B, BACKENDS) {
  B b;
  auto s = b.open();
  REQUIRE(s->put_scanner_status("local", {{"reachable", true}}, T0));
  REQUIRE(s->put_scanner_status("local", {{"reachable", false}}, T0 + 1));
  auto all = b.open()->scanner_statuses();
  REQUIRE(all);
  REQUIRE(all->count("local") == 1);
  CHECK(all->at("local")["reachable"] == false);
  CHECK(all->at("local")["updated_at"] == T0 + 1);
}

TEST_CASE("open_store: clear errors for what it cannot open") {
  auto redis = store::open_store("redis://localhost:6379");
  REQUIRE_FALSE(redis);
  CHECK(redis.error().message.find("Redis") != std::string::npos);
  CHECK_FALSE(store::open_store("mysql://x"));
  CHECK_FALSE(store::open_store("sqlite:"));
  auto unwritable = store::open_store("sqlite:/proc/nope/tasks.db");
  REQUIRE_FALSE(unwritable);
  testing::TempDir dir;
  auto garbage = dir.file("not-a-db", std::string(4096, 'x'));
  auto g = store::open_store("sqlite:" + garbage);
  REQUIRE_FALSE(g);
  CHECK_FALSE(g.error().message.empty());
}

TEST_CASE_TEMPLATE("store: an imported scan is completed at once and never claimed", B, BACKENDS) {
  B b;
  auto s = b.open();
  Task t = make_task();
  t.summary = {{"findings", 3}};
  auto imported = s->import_completed(t);
  REQUIRE(imported);
  CHECK(imported->state == State::Completed);
  auto got = s->get(t.id);
  REQUIRE(got);
  CHECK(got->state == State::Completed);
  CHECK(got->summary["findings"] == 3);
  CHECK(got->finished_at.has_value());
  store::ClaimRequest r;
  r.worker = "w";
  r.pools["default"] = {{"sim", 10}};
  r.now = T0 + 1000;
  auto claimed = s->claim(r);
  REQUIRE(claimed);
  CHECK_FALSE(claimed->has_value());
  CHECK_FALSE(s->import_completed(t));  // the same id twice
}
