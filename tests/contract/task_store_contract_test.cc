// The TaskStore contract: behaviour every backend must show. Each TEST_CASE_TEMPLATE runs once
// per backend listed in BACKENDS (tests/contract/backends.h). What is checked here is what
// differs between backends: atomicity across connections, ordering, capacity, leases and the
// documented error codes. The rules themselves are lifecycle.h's, unit-tested without a store
// in tests/unit/core/lifecycle_test.cc.
#include <atomic>
#include <mutex>
#include <set>
#include <thread>

#include <doctest/doctest.h>

#include "core/store/open_store.h"
#include "core/store/task_store.h"
#include "tests/contract/backends.h"

using namespace nmcp;
using store::ClaimRequest;
using store::Lease;
using store::OwnerScope;
using store::TaskStore;
using task::State;
using task::Task;
using testing::RedisBackend;
using testing::SqliteBackend;

namespace {

constexpr task::Millis T0 = 1'700'000'000'000;
const OwnerScope kLocal = OwnerScope::tenant("local");
const OwnerScope kAll = OwnerScope::everyone();

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
  r.opens_inline_credentials = true;
  r.pools[pool] = std::move(slots);
  return r;
}

Task submit(TaskStore& s, Task t) {
  auto r = s.submit(std::move(t));
  REQUIRE(r);
  return r->task;
}

// Claims and returns the task (with its lease), failing the test if nothing is claimable.
Task claim(TaskStore& s, const ClaimRequest& r) {
  auto c = s.claim(r);
  REQUIRE(c);
  REQUIRE(c->has_value());
  return **c;
}

bool nothing_claimable(TaskStore& s, const ClaimRequest& r) {
  auto c = s.claim(r);
  REQUIRE(c);
  return !c->has_value();
}

}  // namespace

#define BACKENDS SqliteBackend, RedisBackend

TEST_CASE_TEMPLATE("store: submit, get, not found, owners", B, BACKENDS) {
  B b;
  auto s = b.open();
  CHECK(s->ping());
  const Task t = submit(*s, make_task());
  auto got = s->get(t.id, kLocal);
  REQUIRE(got);
  CHECK(got->state == State::Queued);
  CHECK(got->owner == "local");
  auto missing = s->get(task::new_task_id(), kAll);
  REQUIRE_FALSE(missing);
  CHECK(missing.error().code == ErrorCode::NotFound);
  // Another tenant's task is exactly a missing one.
  auto other = s->get(t.id, OwnerScope::tenant("team-b"));
  REQUIRE_FALSE(other);
  CHECK(other.error().code == ErrorCode::NotFound);
  CHECK(other.error().message == "no task " + t.id);
  // Durable: another connection sees it.
  CHECK(b.open()->get(t.id, kAll));
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
  std::set<std::string> tokens;
  for (int i = 0; i < 3; ++i) {
    const Task c = claim(*s, claim_req("w1", T0 + 10, slots));
    CHECK(c.id == tasks[static_cast<std::size_t>(i)].id);  // oldest first
    CHECK(c.state == State::Running);
    CHECK(c.attempts == 1);
    CHECK(c.worker == "w1");
    CHECK_FALSE(c.lease_token.empty());
    tokens.insert(c.lease_token);
    instances.push_back(c.instance);
  }
  CHECK(tokens.size() == 3);  // a token per claim
  CHECK(instances == std::vector<std::string>{"a", "b", "b"});
  // Full: a + b = 3 slots.
  CHECK(nothing_claimable(*s, claim_req("w1", T0 + 10, slots)));
  auto counts = s->running_per_instance();
  REQUIRE(counts);
  CHECK(*counts == std::map<std::string, int>{{"a", 1}, {"b", 2}});
  // The capacity is the store's: a second connection sees the pool full as well.
  CHECK(nothing_claimable(*b.open(), claim_req("w2", T0 + 10, slots)));
  auto pos = s->queue_position(tasks[4].id);
  REQUIRE(pos);
  CHECK(*pos == 2);
  auto running_pos = s->queue_position(tasks[0].id);
  REQUIRE(running_pos);
  CHECK(*running_pos == 0);
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

TEST_CASE_TEMPLATE("store: concurrent claimers never exceed an instance's capacity", B, BACKENDS) {
  B b;
  auto s = b.open();
  for (int i = 0; i < 40; ++i) submit(*s, make_task("local", "default", T0 + i));
  std::vector<std::unique_ptr<TaskStore>> conns;
  for (int i = 0; i < 4; ++i) conns.push_back(b.open());
  std::atomic<int> claimed{0};
  std::vector<std::thread> threads;
  for (int w = 0; w < 4; ++w) {
    threads.emplace_back([&, w] {
      for (int i = 0; i < 10; ++i) {
        auto c = conns[static_cast<std::size_t>(w)]->claim(
            claim_req("w" + std::to_string(w), T0 + 100, {{"a", 3}, {"b", 2}}));
        if (c && c->has_value()) ++claimed;
      }
    });
  }
  for (auto& th : threads) th.join();
  CHECK(claimed.load() == 5);
  auto counts = s->running_per_instance();
  REQUIRE(counts);
  CHECK(*counts == std::map<std::string, int>{{"a", 3}, {"b", 2}});
}

TEST_CASE_TEMPLATE(
    "store: an expired lease is taken over with its step; the stale one writes "
    "nothing",
    B, BACKENDS) {
  B b;
  auto s = b.open();
  const Task t = submit(*s, make_task());
  const Task first = claim(*s, claim_req("w1", T0 + 1));
  const Lease old = store::lease_of(first);
  store::StepUpdate u;
  u.step = task::Step::Poll;
  u.nessus_scan_id = 41;
  REQUIRE(s->record(t.id, old, u, T0 + 2, T0 + 1001));

  // Still leased: nobody else gets it.
  CHECK(nothing_claimable(*s, claim_req("w2", T0 + 900, {{"a", 100}, {"b", 100}})));
  // Expired, but the scan lives on "a": an offer of only "b" cannot take it.
  CHECK(nothing_claimable(*s, claim_req("w2", T0 + 2000, {{"b", 100}})));
  // "a" takes it back even when full, because the scan already occupies its slot.
  const Task back = claim(*s, claim_req("w2", T0 + 2000, {{"a", 1}}));
  CHECK(back.worker == "w2");
  CHECK(back.step == task::Step::Poll);
  CHECK(back.nessus_scan_id == 41);
  CHECK(back.attempts == 2);
  CHECK(back.lease_token != old.token);
  // Taking over counts the lost attempt.
  CHECK(back.failures == 1);
  CHECK(back.error.code == "worker_lost");

  // The old holder can do nothing any more, whatever it tries.
  store::StepUpdate later;
  later.step = task::Step::Export;
  for (auto result :
       {s->renew(t.id, old, T0 + 2001, T0 + 3000),
        s->record(t.id, old, later, T0 + 2001, T0 + 3000),
        s->finish(t.id, old, State::Completed, {}, T0 + 2001),
        s->retry_later(t.id, old, {"x", "y", ""}, {T0 + 2500, 5, std::nullopt}, T0 + 2001),
        s->dead_letter(t.id, old, {"x", "y", ""}, T0 + 2001), s->release(t.id, old, T0 + 2001)}) {
    REQUIRE_FALSE(result);
    CHECK(result.error().code == ErrorCode::FailedPrecondition);
  }
  auto now = s->get(t.id, kAll);
  REQUIRE(now);
  CHECK(now->step == task::Step::Poll);
  CHECK(now->state == State::Running);
  CHECK(s->renew(t.id, store::lease_of(back), T0 + 2001, T0 + 3000));
}

TEST_CASE_TEMPLATE("store: the same worker's superseded claim cannot write either", B, BACKENDS) {
  B b;
  auto s = b.open();
  const Task t = submit(*s, make_task());
  const Task first = claim(*s, claim_req("w1", T0 + 1));
  // w1 loses track; another worker takes the expired lease, then w1 gets it back after that
  // worker's lease expires too: the token tells the three claims apart.
  const Task second = claim(*s, claim_req("w2", T0 + 2000));
  const Task third = claim(*s, claim_req("w1", T0 + 4000));
  CHECK(third.worker == "w1");
  CHECK(third.lease_token != first.lease_token);
  auto stale = s->record(t.id, store::lease_of(first), {}, T0 + 4001, T0 + 5000);
  REQUIRE_FALSE(stale);
  CHECK(stale.error().code == ErrorCode::FailedPrecondition);
  CHECK_FALSE(s->renew(t.id, store::lease_of(second), T0 + 4001, T0 + 5000));
  CHECK(s->renew(t.id, store::lease_of(third), T0 + 4001, T0 + 5000));
}

TEST_CASE_TEMPLATE("store: a claim never hands a worker a task it holds, even expired", B,
                   BACKENDS) {
  B b;
  auto s = b.open();
  const Task t = submit(*s, make_task());
  const Task held = claim(*s, claim_req("w1", T0 + 1));
  // The lease ran out while w1 was still working on a long step: w1 does not claim it again...
  CHECK(nothing_claimable(*s, claim_req("w1", T0 + 5000)));
  // ...and may still renew it, because nobody took it over.
  auto renewed = s->renew(t.id, store::lease_of(held), T0 + 5001, T0 + 6000);
  REQUIRE(renewed);
  CHECK(renewed->lease_until == T0 + 6000);
  CHECK(renewed->failures == 0);
  // Once it expires again, another worker does take it.
  CHECK(claim(*s, claim_req("w2", T0 + 7000)).id == t.id);
}

TEST_CASE_TEMPLATE("store: a task whose worker keeps dying ends in the dead-letter queue", B,
                   BACKENDS) {
  B b;
  auto s = b.open();
  const Task t = submit(*s, make_task());
  task::Millis now = T0;
  for (int attempt = 1; attempt <= 3; ++attempt) {
    auto r = claim_req("w" + std::to_string(attempt), now);
    r.max_failures = 3;
    const Task c = claim(*s, r);
    CHECK(c.attempts == attempt);
    now += 2000;  // the worker dies; its lease expires
  }
  auto r = claim_req("w9", now);
  r.max_failures = 3;
  CHECK(nothing_claimable(*s, r));  // buried instead of handed out a fourth time
  auto dead = s->get(t.id, kAll);
  REQUIRE(dead);
  CHECK(dead->state == State::Failed);
  CHECK(dead->dead_lettered);
  CHECK(dead->error.code == "worker_lost");
  CHECK(dead->error.message.find("gave up after 3 attempts") != std::string::npos);
  auto counts = s->running_per_instance();
  REQUIRE(counts);
  CHECK(counts->empty());
}

TEST_CASE_TEMPLATE("store: retries back off, then dead-letter; the DLQ can be retried and purged",
                   B, BACKENDS) {
  B b;
  auto s = b.open();
  const Task t = submit(*s, make_task());
  task::Millis now = T0;
  Lease lease;
  for (int attempt = 1; attempt <= 3; ++attempt) {
    lease = store::lease_of(claim(*s, claim_req("w1", now)));
    auto r = s->retry_later(t.id, lease, {"nessus_unavailable", "503", "retry"},
                            {now + 500, 3, std::nullopt}, now);
    REQUIRE(r);
    CHECK(r->failures == attempt);
    if (attempt < 3) {
      CHECK(r->state == State::Queued);
      CHECK(r->worker.empty());
      CHECK(nothing_claimable(*s, claim_req("w1", now + 499)));
      now += 500;
    } else {
      CHECK(r->state == State::Failed);
      CHECK(r->dead_lettered);
      CHECK(r->error.message.find("gave up after 3 attempts") != std::string::npos);
    }
  }
  store::TaskQuery q(kAll);
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
  const Task again = claim(*s, claim_req("w1", now + 2));
  auto not_dead = s->retry_dead_letter(t.id, now + 3);
  REQUIRE_FALSE(not_dead);
  CHECK(not_dead.error().code == ErrorCode::FailedPrecondition);

  REQUIRE(s->dead_letter(t.id, store::lease_of(again), {"nessus_rejected", "400", ""}, now + 4));
  auto purged_early = s->purge_dead_letters("", now + 4);  // strictly older only
  REQUIRE(purged_early);
  CHECK(*purged_early == 0);
  auto purged_other_pool = s->purge_dead_letters("elsewhere", now + 5);
  REQUIRE(purged_other_pool);
  CHECK(*purged_other_pool == 0);
  auto purged = s->purge_dead_letters("default", now + 5);
  REQUIRE(purged);
  CHECK(*purged == 1);
  CHECK_FALSE(s->get(t.id, kAll));
}

TEST_CASE_TEMPLATE("store: finishing checks the lease and the state machine", B, BACKENDS) {
  B b;
  auto s = b.open();
  const Task t = submit(*s, make_task());
  const Lease lease = store::lease_of(claim(*s, claim_req("w1", T0 + 1)));
  CHECK_FALSE(s->finish(t.id, {"w2", lease.token}, State::Completed, {}, T0 + 2));
  CHECK_FALSE(s->finish(t.id, {"w1", "not-the-token"}, State::Completed, {}, T0 + 2));
  auto not_terminal = s->finish(t.id, lease, State::Queued, {}, T0 + 2);
  REQUIRE_FALSE(not_terminal);
  CHECK(not_terminal.error().code == ErrorCode::InvalidArgument);
  auto done = s->finish(t.id, lease, State::Completed, {}, T0 + 3);
  REQUIRE(done);
  CHECK(done->state == State::Completed);
  CHECK(done->finished_at == T0 + 3);
  CHECK(done->worker.empty());
  CHECK(done->lease_token.empty());
  auto cancel = s->request_cancel(t.id, kLocal, T0 + 4);
  REQUIRE_FALSE(cancel);
  CHECK(cancel.error().code == ErrorCode::FailedPrecondition);
  auto durations = s->typical_duration("default");
  REQUIRE(durations);
  CHECK(durations->value_or(-1) == 2);
}

TEST_CASE_TEMPLATE("store: release hands a task back without counting a failure", B, BACKENDS) {
  B b;
  auto s = b.open();
  const Task t = submit(*s, make_task());
  const Task c = claim(*s, claim_req("w1", T0 + 1));
  store::StepUpdate u;
  u.step = task::Step::Poll;
  u.nessus_scan_id = 7;
  REQUIRE(s->record(t.id, store::lease_of(c), u, T0 + 2, T0 + 1002));
  auto released = s->release(t.id, store::lease_of(c), T0 + 3);
  REQUIRE(released);
  CHECK(released->state == State::Queued);
  CHECK(released->failures == 0);
  CHECK(released->worker.empty());
  // Another worker resumes it at once, on its instance, from its step.
  const Task next = claim(*s, claim_req("w2", T0 + 3));
  CHECK(next.step == task::Step::Poll);
  CHECK(next.nessus_scan_id == 7);
  CHECK(next.failures == 0);
  CHECK_FALSE(s->release(t.id, store::lease_of(c), T0 + 4));
}

TEST_CASE_TEMPLATE("store: back_off waits until the scanner's time without counting a failure", B,
                   BACKENDS) {
  B b;
  auto s = b.open();
  const Task t = submit(*s, make_task());
  const Task c = claim(*s, claim_req("w1", T0 + 1));
  auto waiting = s->back_off(t.id, store::lease_of(c), T0 + 30'000, T0 + 2);
  REQUIRE(waiting);
  CHECK(waiting->state == State::Queued);
  CHECK(waiting->failures == 0);
  CHECK(waiting->not_before == T0 + 30'000);
  CHECK(waiting->worker.empty());
  CHECK(nothing_claimable(*s, claim_req("w2", T0 + 29'999)));
  const Task again = claim(*s, claim_req("w2", T0 + 30'000));
  CHECK(again.failures == 0);
  CHECK(again.attempts == 2);
  // Only the lease holder may back off, and a time already past means now.
  CHECK_FALSE(s->back_off(t.id, store::lease_of(c), T0 + 40'000, T0 + 30'001));
  CHECK(s->back_off(t.id, store::lease_of(again), T0, T0 + 30'002)->not_before == T0 + 30'002);
}

TEST_CASE_TEMPLATE("store: sealed credentials are erased when the scan exists and when a task ends",
                   B, BACKENDS) {
  B b;
  auto s = b.open();
  auto with_secret = [] {
    Task t = make_task();
    t.sealed_credentials = "sealed-blob";
    return t;
  };
  // Erased once the scan exists.
  const Task a = submit(*s, with_secret());
  CHECK(s->get(a.id, kAll)->sealed_credentials == "sealed-blob");
  // A worker without the key to open them leaves such a task to one that has it.
  auto keyless = claim_req("w2", T0 + 1);
  keyless.opens_inline_credentials = false;
  CHECK(nothing_claimable(*s, keyless));
  const Task ca = claim(*s, claim_req("w1", T0 + 1));
  store::StepUpdate created;
  created.step = task::Step::Launch;
  created.nessus_scan_id = 1;
  created.erase_credentials = true;
  CHECK(
      s->record(a.id, store::lease_of(ca), created, T0 + 2, T0 + 900)->sealed_credentials.empty());
  // Erased when finished, dead-lettered or cancelled.
  const Task f = submit(*s, with_secret());
  CHECK(s->finish(f.id, store::lease_of(claim(*s, claim_req("w1", T0 + 3))), State::Failed, {},
                  T0 + 4)
            ->sealed_credentials.empty());
  const Task d = submit(*s, with_secret());
  CHECK(s->dead_letter(d.id, store::lease_of(claim(*s, claim_req("w1", T0 + 5))), {"x", "y", ""},
                       T0 + 6)
            ->sealed_credentials.empty());
  CHECK(s->retry_dead_letter(d.id, T0 + 7)->sealed_credentials.empty());
  const Task q = submit(*s, with_secret());
  CHECK(s->request_cancel(q.id, kLocal, T0 + 8)->sealed_credentials.empty());
  CHECK(s->get(q.id, kAll)->sealed_credentials.empty());
}

TEST_CASE_TEMPLATE("store: cancelling queued and running tasks, owners only", B, BACKENDS) {
  B b;
  auto s = b.open();
  const Task queued = submit(*s, make_task("local", "default", T0));
  const Task running = submit(*s, make_task("local", "default", T0 + 1));
  auto other = s->request_cancel(queued.id, OwnerScope::tenant("someone-else"), T0 + 2);
  REQUIRE_FALSE(other);
  CHECK(other.error().code == ErrorCode::NotFound);
  CHECK(s->get(queued.id, kAll)->state == State::Queued);  // unchanged
  auto c = s->request_cancel(queued.id, kLocal, T0 + 2);
  REQUIRE(c);
  CHECK(c->state == State::Cancelled);
  const Task claimed = claim(*s, claim_req("w1", T0 + 3));
  CHECK(claimed.id == running.id);
  auto r = s->request_cancel(running.id, kAll, T0 + 4);  // an operator
  REQUIRE(r);
  CHECK(r->state == State::Running);
  CHECK(r->cancel_requested);
  auto seen = s->renew(running.id, store::lease_of(claimed), T0 + 5, T0 + 900);
  REQUIRE(seen);
  CHECK(seen->cancel_requested);
  CHECK(s->finish(running.id, store::lease_of(claimed), State::Cancelled, {}, T0 + 6));
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
  store::TaskQuery q(kLocal);
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

  store::TaskQuery everyone(kAll);
  everyone.limit = 100;
  CHECK(s->list(everyone)->tasks.size() == 26);

  store::TaskQuery dmz(kLocal);
  dmz.pool = "dmz";
  dmz.limit = 100;
  auto d = s->list(dmz);
  REQUIRE(d);
  CHECK(d->tasks.size() == 12);

  store::TaskQuery pred(kLocal);
  pred.limit = 3;
  int calls = 0;
  pred.predicate = [&calls](const Task&) { return ++calls % 5 == 0; };
  auto p = s->list(pred);
  REQUIRE(p);
  CHECK(p->tasks.size() == 3);
  CHECK_FALSE(p->next_cursor.empty());

  store::TaskQuery bad(kAll);
  bad.cursor = "../../etc";
  auto e = s->list(bad);
  REQUIRE_FALSE(e);
  CHECK(e.error().code == ErrorCode::InvalidArgument);
}

TEST_CASE_TEMPLATE("store: scanner status is a typed record shared between connections", B,
                   BACKENDS) {
  B b;
  auto s = b.open();
  store::ScannerStatus st;
  st.instance = "local";
  st.pool = "default";
  st.probed = st.reachable = st.authenticated = st.scan_api = true;
  st.templates = {"advanced", "basic"};
  st.updated_at = T0;
  REQUIRE(s->put_scanner_status(st));
  st.reachable = false;
  st.error = "connection refused";
  st.hint = "check the url";
  st.since = T0 + 1;
  st.updated_at = T0 + 1;
  REQUIRE(s->put_scanner_status(st));
  auto all = b.open()->scanner_statuses();
  REQUIRE(all);
  REQUIRE(all->count("local") == 1);
  const auto& got = all->at("local");
  CHECK_FALSE(got.reachable);
  CHECK_FALSE(got.usable());
  CHECK(got.error == "connection refused");
  CHECK(got.hint == "check the url");
  CHECK(got.templates == std::vector<std::string>{"advanced", "basic"});
  CHECK(got.since == T0 + 1);
  CHECK(got.updated_at == T0 + 1);
}

TEST_CASE_TEMPLATE("store: a busy store answers Unavailable; the holder keeps its lease", B,
                   BACKENDS) {
  B b;
  auto s = b.open();
  const Task t = submit(*s, make_task());
  const Task c = claim(*s, claim_req("w1", T0 + 1));
  {
    auto busy = b.busy();
    auto renewed = s->renew(t.id, store::lease_of(c), T0 + 2, T0 + 5000);
    REQUIRE_FALSE(renewed);
    CHECK(renewed.error().code == ErrorCode::Unavailable);
    auto submitted = s->submit(make_task());
    REQUIRE_FALSE(submitted);
    CHECK(submitted.error().code == ErrorCode::Unavailable);
    auto claimed = s->claim(claim_req("w2", T0 + 3));
    REQUIRE_FALSE(claimed);
    CHECK(claimed.error().code == ErrorCode::Unavailable);
  }
  // The lease is still the holder's (a store that did not answer may still have applied a
  // write it received: retrying is safe, never a second claim).
  auto after = s->get(t.id, kAll);
  REQUIRE(after);
  CHECK(after->worker == "w1");
  CHECK(after->lease_token == c.lease_token);
  CHECK(s->renew(t.id, store::lease_of(c), T0 + 4, T0 + 5000));
  store::TaskQuery q(kAll);
  CHECK(s->list(q)->tasks.size() <= 2);
}

TEST_CASE_TEMPLATE("store: an imported scan is completed at once and never claimed", B, BACKENDS) {
  B b;
  auto s = b.open();
  Task t = make_task();
  t.summary = {{"findings", 3}};
  auto imported = s->import_completed(t);
  REQUIRE(imported);
  CHECK(imported->created);
  CHECK(imported->task.state == State::Completed);
  auto got = s->get(t.id, kAll);
  REQUIRE(got);
  CHECK(got->state == State::Completed);
  CHECK(got->summary["findings"] == 3);
  CHECK(got->finished_at.has_value());
  CHECK(nothing_claimable(*s, claim_req("w", T0 + 1000, {{"sim", 10}})));
  auto twice = s->import_completed(t);  // the same id twice
  REQUIRE_FALSE(twice);
  CHECK(twice.error().code == ErrorCode::AlreadyExists);
  // With an idempotency key, the same import again is the same task.
  Task keyed = make_task();
  keyed.idempotency_key = "import-abc";
  auto first = s->import_completed(keyed);
  REQUIRE(first);
  CHECK(first->created);
  Task again = make_task();
  again.idempotency_key = "import-abc";
  auto second = s->import_completed(again);
  REQUIRE(second);
  CHECK_FALSE(second->created);
  CHECK(second->task.id == keyed.id);
}

TEST_CASE_TEMPLATE("store: an unreadable record is quarantined and stalls nothing", B, BACKENDS) {
  B b;
  auto s = b.open();
  const Task bad = submit(*s, make_task("local", "default", T0));
  const Task good = submit(*s, make_task("local", "default", T0 + 1));
  b.corrupt(bad.id);
  // The claim skips it (it is the oldest) and hands out the next task.
  const Task claimed = claim(*s, claim_req("w1", T0 + 2));
  CHECK(claimed.id == good.id);
  auto q = s->quarantined();
  REQUIRE(q);
  REQUIRE(q->size() == 1);
  CHECK((*q)[0].id == bad.id);
  CHECK((*q)[0].record == B::kCorruptRecord);
  // It is gone from the tasks: lists and reads carry on without it.
  store::TaskQuery all(kAll);
  auto listed = s->list(all);
  REQUIRE(listed);
  REQUIRE(listed->tasks.size() == 1);
  auto got = s->get(bad.id, kAll);
  REQUIRE_FALSE(got);
  CHECK(got.error().code == ErrorCode::NotFound);
  // A record damaged after the claim: its next write quarantines it with a clear error.
  b.corrupt(good.id);
  auto renewed = s->renew(good.id, store::lease_of(claimed), T0 + 3, T0 + 900);
  REQUIRE_FALSE(renewed);
  CHECK(renewed.error().code == ErrorCode::DataLoss);
  CHECK(renewed.error().hint.find("admin_cli store quarantine show") != std::string::npos);
  auto check = s->check();
  REQUIRE(check);
  CHECK(check->ok);
  CHECK(check->tasks == 0);
  CHECK(check->quarantined == 2);
  REQUIRE(s->delete_quarantined(bad.id));
  CHECK_FALSE(s->delete_quarantined(bad.id));
  CHECK(s->quarantined()->size() == 1);
}

TEST_CASE("open_store: clear errors for what it cannot open") {
  // Nothing listens there (port 1, a socket in no directory): a Redis of the machine's own is
  // never touched.
  auto redis = store::open_store("redis://127.0.0.1:1?timeout_ms=500");
  REQUIRE_FALSE(redis);
  CHECK(redis.error().message.find("Redis") != std::string::npos);
  CHECK_FALSE(store::open_store("unix:///nonexistent-nmcp/redis.sock"));
  CHECK_FALSE(store::open_store("mysql://x"));
  CHECK_FALSE(store::open_store("sqlite:"));
  CHECK_FALSE(store::open_store("sqlite:/tmp/x.db?busy_timeout_ms=abc"));
  CHECK_FALSE(store::open_store("sqlite:/tmp/x.db?whatever=1"));
  auto unwritable = store::open_store("sqlite:/proc/nope/tasks.db");
  REQUIRE_FALSE(unwritable);
}
