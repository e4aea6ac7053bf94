// The task lifecycle without a store: every operation in every state, under the right lease,
// a stale one and none, and what each does to failures, leases and credentials.
#include "core/store/lifecycle.h"

#include <vector>

#include <doctest/doctest.h>

using namespace nmcp;
using namespace nmcp::store;
namespace lc = nmcp::store::lifecycle;
using lc::ClaimPlanner;
using task::State;
using task::Step;
using task::Task;

namespace {

constexpr task::Millis T0 = 1'700'000'000'000;
const std::vector<State> kAllStates = {State::Queued, State::Running,   State::Completed,
                                       State::Failed, State::Cancelled, State::TimedOut};

Task task_in(State s) {
  Task t;
  t.id = task::new_task_id();
  t.owner = "local";
  t.pool = "default";
  t.state = s;
  t.created_at = t.not_before = T0;
  t.sealed_credentials = "sealed";
  if (s == State::Running) {
    t.worker = "w1";
    t.lease_token = "tok";
    t.lease_until = T0 + 1000;
    t.instance = "a";
  }
  if (s == State::Failed) t.dead_lettered = true;
  return t;
}

const Lease kHolder{"w1", "tok"};
const Lease kStale{"w1", "old-token"};
const Lease kOther{"w2", "tok"};

ClaimRequest request(const std::string& worker, task::Millis now) {
  ClaimRequest r;
  r.worker = worker;
  r.now = now;
  r.lease_ms = 1000;
  r.max_failures = 3;
  r.pools["default"] = {{"a", 2}, {"b", 2}};
  return r;
}

// Applies `op` to a copy of `t`: the copy when it succeeded, or the error code.
template <class Op>
std::pair<Task, std::optional<ErrorCode>> apply(const Task& t, Op op) {
  Task copy = t;
  auto s = op(copy);
  if (!s) return {t, s.error().code};
  return {copy, std::nullopt};
}

}  // namespace

TEST_CASE("lifecycle: holder operations need the current lease, in every state") {
  for (State s : kAllStates) {
    const Task t = task_in(s);
    for (const Lease& lease : {kHolder, kStale, kOther, Lease{}}) {
      const bool holder = s == State::Running && lease.worker == "w1" && lease.token == "tok";
      CAPTURE(task::to_string(s));
      CAPTURE(lease.token);
      std::vector<std::optional<ErrorCode>> codes = {
          apply(t, [&](Task& x) { return lc::renew(x, lease, T0 + 1, T0 + 2000); }).second,
          apply(t, [&](Task& x) { return lc::record(x, lease, {}, T0 + 1, T0 + 2000); }).second,
          apply(t, [&](Task& x) { return lc::finish(x, lease, State::Completed, {}, T0 + 1); })
              .second,
          apply(t,
                [&](Task& x) {
                  return lc::retry_later(x, lease, {"e", "m", ""}, {T0 + 5, 5, {}}, T0 + 1);
                })
              .second,
          apply(t,
                [&](Task& x) {
                  return lc::dead_letter(x, lease, {"e", "m", ""}, T0 + 1);
                })
              .second,
          apply(t, [&](Task& x) { return lc::release(x, lease, T0 + 1); }).second};
      for (const auto& code : codes) {
        if (holder) {
          CHECK_FALSE(code.has_value());
        } else {
          CHECK(code == ErrorCode::FailedPrecondition);
        }
      }
    }
  }
}

TEST_CASE("lifecycle: the holder may renew an expired lease nobody took over") {
  Task t = task_in(State::Running);
  CHECK(lc::renew(t, kHolder, T0 + 50'000, T0 + 51'000));
  CHECK(t.lease_until == T0 + 51'000);
}

TEST_CASE("lifecycle: record applies fields, keeps the lease going and resets failures") {
  Task t = task_in(State::Running);
  t.failures = 2;
  t.error = {"worker_lost", "x", ""};
  StepUpdate u;
  u.step = Step::Poll;
  u.nessus_scan_id = 9;
  u.progress = 150;  // clamped
  u.erase_credentials = true;
  REQUIRE(lc::record(t, kHolder, u, T0 + 1, T0 + 3000));
  CHECK(t.step == Step::Poll);
  CHECK(t.nessus_scan_id == 9);
  CHECK(t.progress == 100);
  CHECK(t.sealed_credentials.empty());
  CHECK(t.failures == 0);
  CHECK(t.error.empty());
  CHECK(t.lease_until == T0 + 3000);
  // Waiting is not progress: the failure count stays.
  t.failures = 1;
  StepUpdate waiting;
  waiting.step_succeeded = false;
  REQUIRE(lc::record(t, kHolder, waiting, T0 + 2, T0 + 3000));
  CHECK(t.failures == 1);
}

TEST_CASE("lifecycle: finish ends the lease, erases credentials and checks the state machine") {
  Task t = task_in(State::Running);
  CHECK(lc::finish(t, kHolder, State::Queued, {}, T0 + 1).error().code ==
        ErrorCode::InvalidArgument);
  REQUIRE(lc::finish(t, kHolder, State::Completed, {}, T0 + 2));
  CHECK(t.state == State::Completed);
  CHECK(t.step == Step::Done);
  CHECK(t.progress == 100);
  CHECK(t.worker.empty());
  CHECK(t.lease_token.empty());
  CHECK(t.sealed_credentials.empty());
  CHECK(t.finished_at == T0 + 2);
}

TEST_CASE("lifecycle: retry_later backs off, then dead-letters at max_failures") {
  Task t = task_in(State::Running);
  StepUpdate forget;
  forget.clear_export = true;
  t.export_file_id = 5;
  REQUIRE(lc::retry_later(t, kHolder, {"x", "503", ""}, {T0 + 500, 2, forget}, T0 + 1));
  CHECK(t.state == State::Queued);
  CHECK(t.not_before == T0 + 500);
  CHECK(t.failures == 1);
  CHECK_FALSE(t.export_file_id);  // the update went in the same write
  CHECK(t.worker.empty());
  CHECK(t.sealed_credentials == "sealed");  // a retry keeps them: the scan may not exist yet
  t.state = State::Running;
  t.worker = "w1";
  t.lease_token = "tok";
  REQUIRE(lc::retry_later(t, kHolder, {"x", "503", ""}, {T0 + 900, 2, {}}, T0 + 2));
  CHECK(t.state == State::Failed);
  CHECK(t.dead_lettered);
  CHECK(t.dead_lettered_at == T0 + 2);
  CHECK(t.sealed_credentials.empty());
  CHECK(t.error.message.find("gave up after 2 attempts") != std::string::npos);
}

TEST_CASE("lifecycle: cancel and the dead-letter retry, by state and owner") {
  for (State s : kAllStates) {
    CAPTURE(task::to_string(s));
    Task t = task_in(s);
    auto r = lc::request_cancel(t, OwnerScope::tenant("local"), T0 + 1);
    if (task::is_terminal(s)) {
      CHECK(r.error().code == ErrorCode::FailedPrecondition);
    } else if (s == State::Queued) {
      CHECK(t.state == State::Cancelled);
      CHECK(t.sealed_credentials.empty());
    } else {
      CHECK(t.state == State::Running);
      CHECK(t.cancel_requested);
    }
    Task other = task_in(s);
    CHECK(lc::request_cancel(other, OwnerScope::tenant("someone"), T0 + 1).error().code ==
          ErrorCode::NotFound);
    Task retried = task_in(s);
    auto rr = lc::retry_dead_letter(retried, T0 + 2);
    CHECK(static_cast<bool>(rr) == (s == State::Failed));
  }
  // A queued task whose scan already exists must be stopped by a worker: cancel is requested.
  Task bound = task_in(State::Queued);
  bound.nessus_scan_id = 3;
  REQUIRE(lc::request_cancel(bound, OwnerScope::everyone(), T0 + 1));
  CHECK(bound.state == State::Queued);
  CHECK(bound.cancel_requested);
}

TEST_CASE("lifecycle: the planner takes, skips and buries") {
  ClaimPlanner planner(request("w1", T0 + 10), "new-token");
  planner.begin({{"a", 2}, {"b", 1}});
  Task fresh = task_in(State::Queued);
  fresh.sealed_credentials.clear();
  CHECK(planner.consider(fresh) == ClaimPlanner::Verdict::Take);
  CHECK(fresh.instance == "b");  // a is full
  CHECK(fresh.lease_token == "new-token");
  CHECK(fresh.lease_until == T0 + 1010);
  CHECK(fresh.attempts == 1);
  Task second = task_in(State::Queued);
  second.sealed_credentials.clear();
  CHECK(planner.consider(second) == ClaimPlanner::Verdict::Skip);  // the pool is full now

  Task early = task_in(State::Queued);
  early.not_before = T0 + 11;
  ClaimPlanner p2(request("w1", T0 + 10), "t2");
  p2.begin({});
  CHECK(p2.consider(early) == ClaimPlanner::Verdict::Skip);  // in backoff
  Task inline_creds = task_in(State::Queued);
  CHECK(p2.consider(inline_creds) == ClaimPlanner::Verdict::Skip);  // no key to open them

  Task held = task_in(State::Running);  // w1's, lease expired at T0 + 1000
  ClaimPlanner mine(request("w1", T0 + 5000), "t3");
  mine.begin({{"a", 1}});
  CHECK(mine.consider(held) == ClaimPlanner::Verdict::Skip);  // its own
  auto with_key = request("w2", T0 + 5000);
  with_key.opens_inline_credentials = true;
  ClaimPlanner theirs(with_key, "t4");
  theirs.begin({{"a", 1}});
  Task taken = task_in(State::Running);
  CHECK(theirs.consider(taken) == ClaimPlanner::Verdict::Take);
  CHECK(taken.failures == 1);
  CHECK(taken.worker == "w2");
  CHECK(taken.instance == "a");  // its scan's instance
  Task dying = task_in(State::Running);
  dying.failures = 2;
  CHECK(theirs.consider(dying) == ClaimPlanner::Verdict::Bury);
  CHECK(dying.state == State::Failed);
  CHECK(dying.dead_lettered);
  CHECK(dying.error.code == "worker_lost");
  CHECK(dying.sealed_credentials.empty());
}

TEST_CASE("lifecycle: a scan past its timeout is taken even when its instance is not offered") {
  Task stuck = task_in(State::Queued);
  stuck.sealed_credentials.clear();
  stuck.instance = "gone";
  stuck.nessus_scan_id = 12;
  stuck.started_at = T0;
  auto r = request("w1", T0 + 10'000);
  r.pools["default"] = {{"a", 2}};  // not "gone"
  ClaimPlanner waiting(r, "t1");
  waiting.begin({});
  Task copy = stuck;
  CHECK(waiting.consider(copy) == ClaimPlanner::Verdict::Skip);  // no limit: it waits
  r.scan_timeout_ms = 5'000;
  ClaimPlanner overdue(r, "t2");
  overdue.begin({});
  CHECK(overdue.consider(stuck) == ClaimPlanner::Verdict::Take);
  CHECK(stuck.instance == "gone");  // the worker ends it; its scan stays where it is
}

TEST_CASE("lifecycle: a task moved by a migration never runs, nor is cancelled or retried, here") {
  Task queued = task_in(State::Queued);
  const std::string to = "redis://new:6379";
  REQUIRE(lc::mark_moved(queued, to, T0 + 5));
  CHECK(queued.moved_to == to);
  CHECK_FALSE(lc::claimable(queued, T0 + 365LL * 24 * 3600 * 1000));
  auto cancel = lc::request_cancel(queued, OwnerScope::everyone(), T0 + 6);
  REQUIRE_FALSE(cancel);
  CHECK(cancel.error().message.find("moved to " + to) != std::string::npos);
  REQUIRE(lc::mark_moved(queued, to, T0 + 7));  // a second run of the migration: no change
  CHECK(queued.updated_at == T0 + 5);
  CHECK_FALSE(lc::mark_moved(queued, "sqlite:/elsewhere.db", T0 + 8));

  // What the new store receives: the task as it stood, due from when it was marked.
  const Task copy = lc::unmoved_copy(queued);
  CHECK(copy.moved_to.empty());
  CHECK(copy.state == State::Queued);
  CHECK(lc::claimable(copy, T0 + 5));

  Task dead = task_in(State::Failed);
  dead.dead_lettered = true;
  REQUIRE(lc::mark_moved(dead, to, T0 + 5));
  CHECK_FALSE(lc::retry_dead_letter(dead, T0 + 6));

  Task running = task_in(State::Running);
  auto refused = lc::mark_moved(running, to, T0 + 5);
  REQUIRE_FALSE(refused);
  CHECK(refused.error().code == ErrorCode::FailedPrecondition);
  CHECK(running.moved_to.empty());
}

TEST_CASE("lifecycle: a scan is overdue only once it has run longer than the timeout") {
  // One rule for the worker's step, the claim planner and housekeeping's stuck tasks.
  constexpr task::Millis kMinute = 60'000;
  Task t = task_in(State::Running);
  CHECK_FALSE(lc::overdue(t, T0 + 100 * kMinute, kMinute));  // never started: queue time is not
  t.started_at = T0;
  CHECK_FALSE(lc::overdue(t, T0 + kMinute, kMinute));
  CHECK(lc::overdue(t, T0 + kMinute + 1, kMinute));
  CHECK_FALSE(lc::overdue(t, T0 + 100 * kMinute, 0));  // no limit
  // Housekeeping ends as stuck only what is overdue, whose lease expired long ago.
  Task never_started = task_in(State::Running);
  CHECK_FALSE(lc::time_out_stuck(never_started, T0 + 100 * kMinute, T0 + 2000, kMinute));
  Task started = task_in(State::Running);
  started.started_at = T0;
  REQUIRE(lc::time_out_stuck(started, T0 + 100 * kMinute, T0 + 2000, kMinute));
  CHECK(started.state == State::TimedOut);
  CHECK(started.error.code == "stuck");
}
