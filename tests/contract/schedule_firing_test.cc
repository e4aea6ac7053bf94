// Firing schedules on every backend, with the real submit use case and an injected clock: one
// task per due slot, one catch-up run after downtime, a slot skipped (and why) while the
// previous run is queued, a leader that died between submitting and recording not doubling the
// slot, paused schedules firing nothing, and a refused slot recorded once.
#include <doctest/doctest.h>

#include "core/recurring/schedule_firing_job.h"
#include "core/recurring/schedule_service.h"
#include "tests/contract/backends.h"

using namespace nmcp;
using recurring::Schedule;
using store::OwnerScope;
using testing::RedisBackend;
using testing::SqliteBackend;

#define BACKENDS SqliteBackend, RedisBackend

namespace {

constexpr task::Millis T0 = 1'780'000'000'000;  // a whole second
constexpr task::Millis kHour = 3'600'000;

Schedule hourly(const std::string& owner, const std::string& targets = "10.1.0.0/28") {
  Schedule s;
  s.id = recurring::new_schedule_id();
  s.owner = owner;
  s.name = "hourly lab";
  s.targets = targets;
  s.pool = "lab";
  s.template_name = "basic";
  s.every = "1h";
  s.start = T0;
  return s;
}

std::size_t task_count(store::TaskStore& s, const std::string& owner) {
  store::TaskQuery q(OwnerScope::tenant(owner));
  q.limit = 100;
  return s.list(q)->tasks.size();
}

struct Harness {
  explicit Harness(std::unique_ptr<store::TaskStore> s) : store(std::move(s)), book(*store) {
    deps.book = &book;
    deps.tasks = store.get();
    deps.submit.tasks = store.get();
    deps.submit.clock = &clock;
  }
  recurring::FiringReport fire() { return recurring::fire_due(deps, config); }
  Schedule read(const std::string& id) { return *book.get(id, OwnerScope::everyone()); }

  std::unique_ptr<store::TaskStore> store;
  recurring::ScheduleBook book;
  ManualClock clock{T0};
  config::ScannerConfig config = testing::lab_config();
  recurring::FiringDeps deps;
};

// Claims the lab pool's oldest task and ends it in `to` (Failed: dead-lettered).
void end_next(store::TaskStore& s, task::State to, task::Millis at) {
  store::ClaimRequest r;
  r.worker = "w1";
  r.now = at;
  r.lease_ms = 60'000;
  r.pools["lab"] = {{"a", 100}};
  auto c = s.claim(r);
  REQUIRE(c);
  REQUIRE(c->has_value());
  if (to == task::State::Failed) {
    REQUIRE(s.dead_letter((*c)->id, store::lease_of(**c), {"x", "y", "z"}, at));
  } else {
    REQUIRE(s.finish((*c)->id, store::lease_of(**c), to, {}, at));
  }
}

recurring::ScheduleServiceDeps service_deps(Harness& h) {
  recurring::ScheduleServiceDeps sd;
  sd.book = &h.book;
  sd.submit.clock = &h.clock;
  return sd;
}

recurring::Caller tenant_caller(const std::string& owner) {
  recurring::Caller caller;
  caller.owner = owner;
  caller.scope = OwnerScope::tenant(owner);
  caller.via = "schedule_scan";
  return caller;
}

}  // namespace

TEST_CASE_TEMPLATE("firing: each run names its schedule and the previous completed run", B,
                   BACKENDS) {
  B b;
  Harness h(b.open());
  auto s = h.book.create(hourly("team-a"), T0);
  REQUIRE(s);
  auto fire_at = [&](int hours) {
    h.clock.set(T0 + hours * kHour + 1000);
    REQUIRE(h.fire().submitted == 1);
    auto run = h.store->get(h.read(s->id).runs[0].task_id, OwnerScope::tenant("team-a"));
    REQUIRE(run);
    CHECK(run->schedule_id == s->id);
    return *run;
  };
  const auto first = fire_at(1);
  CHECK(first.previous_run.empty());  // nothing to compare with yet
  end_next(*h.store, task::State::Completed, h.clock.now());
  const auto second = fire_at(2);
  CHECK(second.previous_run == first.id);
  end_next(*h.store, task::State::Failed, h.clock.now());
  // A failed run is no baseline: the third is compared with the first, the last that completed.
  const auto third = fire_at(3);
  CHECK(third.previous_run == first.id);
  end_next(*h.store, task::State::Completed, h.clock.now());
  CHECK(fire_at(4).previous_run == third.id);

  auto completed = recurring::completed_runs(h.read(s->id), *h.store, 2);
  CHECK(completed == std::vector<std::string>{third.id, first.id});
  // Asking for more than there are gives what there is (the fourth still waits in the queue).
  CHECK(recurring::completed_runs(h.read(s->id), *h.store, 5).size() == 2);
}

TEST_CASE_TEMPLATE("firing: one task per slot, skipped while the previous run is queued", B,
                   BACKENDS) {
  B b;
  Harness h(b.open());
  auto s = h.book.create(hourly("team-a"), T0);
  REQUIRE(s);

  h.clock.set(T0 + kHour / 2);
  CHECK(h.fire().submitted == 0);  // the first slot is at start + 1h

  h.clock.set(T0 + kHour + 1000);
  auto first = h.fire();
  CHECK(first.submitted == 1);
  CHECK(h.fire().submitted == 0);  // the slot is handled: nothing due
  auto after = h.read(s->id);
  REQUIRE(after.runs.size() == 1);
  CHECK(after.last_slot == (T0 + kHour) / 1000);
  CHECK(after.runs[0].outcome == "submitted");
  const std::string run1 = after.runs[0].task_id;
  auto t1 = h.store->get(run1, OwnerScope::tenant("team-a"));
  REQUIRE(t1);
  CHECK(t1->idempotency_key == schedule::slot_idempotency_key(s->id, (T0 + kHour) / 1000));
  CHECK(t1->targets == "10.1.0.0/28");

  // The next slot comes while run 1 still waits in the queue: skipped, and why.
  h.clock.set(T0 + 2 * kHour + 1000);
  CHECK(h.fire().skipped == 1);
  after = h.read(s->id);
  REQUIRE(after.runs.size() == 2);
  CHECK(after.runs[0].task_id.empty());
  CHECK(after.runs[0].outcome == "skipped: the previous run " + run1 + " is still queued");
  CHECK(task_count(*h.store, "team-a") == 1);

  // Run 1 ends (cancelled here); the next slot runs.
  REQUIRE(h.store->request_cancel(run1, OwnerScope::tenant("team-a"), h.clock.now()));
  h.clock.set(T0 + 3 * kHour + 1000);
  CHECK(h.fire().submitted == 1);
  CHECK(task_count(*h.store, "team-a") == 2);
}

TEST_CASE_TEMPLATE("firing: a leader dead between submit and record does not double the slot", B,
                   BACKENDS) {
  B b;
  Harness h(b.open());
  auto s = h.book.create(hourly("team-a"), T0);
  REQUIRE(s);
  h.clock.set(T0 + kHour + 5000);
  // What the dead leader did before it was killed: the slot's submit, nothing recorded.
  scans::ScanRequest r;
  r.owner = "team-a";
  r.targets = s->targets;
  r.name = s->name;
  r.pool = "lab";
  r.template_name = "basic";
  r.idempotency_key = schedule::slot_idempotency_key(s->id, (T0 + kHour) / 1000);
  auto dead = scans::submit_scan(h.deps.submit, h.config, r);
  REQUIRE(dead);
  REQUIRE(dead->created);

  // The new leader, on another connection, fires the same slot: it finds that task.
  Harness next(b.open());
  next.clock.set(T0 + kHour + 9000);
  auto report = next.fire();
  CHECK(report.found == 1);
  CHECK(report.submitted == 0);
  CHECK(task_count(*h.store, "team-a") == 1);
  auto after = next.read(s->id);
  REQUIRE(after.runs.size() == 1);
  CHECK(after.runs[0].task_id == dead->task.id);
}

TEST_CASE_TEMPLATE("firing: downtime leads to one catch-up run; paused fires nothing", B,
                   BACKENDS) {
  B b;
  Harness h(b.open());
  auto s = h.book.create(hourly("team-a"), T0);
  REQUIRE(s);
  h.clock.set(T0 + 10 * kHour + 1000);  // nothing ran for ten hours
  CHECK(h.fire().submitted == 1);
  auto after = h.read(s->id);
  CHECK(after.last_slot == (T0 + 10 * kHour) / 1000);
  CHECK(after.missed_slots == 9);
  CHECK(task_count(*h.store, "team-a") == 1);

  REQUIRE(
      h.store->request_cancel(after.runs[0].task_id, OwnerScope::tenant("team-a"), h.clock.now()));
  REQUIRE(h.book.update(
      s->id, OwnerScope::tenant("team-a"), std::nullopt,
      [](Schedule& x) {
        x.paused = true;
        return ok();
      },
      h.clock.now()));
  h.clock.set(T0 + 13 * kHour + 1000);
  CHECK(h.fire().submitted == 0);
  REQUIRE(h.book.update(
      s->id, OwnerScope::tenant("team-a"), std::nullopt,
      [](Schedule& x) {
        x.paused = false;
        return ok();
      },
      h.clock.now()));
  CHECK(h.fire().submitted == 1);  // resumed: one run for the slots it slept through
  CHECK(h.read(s->id).missed_slots == 9 + 2);
  CHECK(task_count(*h.store, "team-a") == 2);
}

TEST_CASE_TEMPLATE("firing: a slot the rules refuse is recorded once, with the rule", B, BACKENDS) {
  B b;
  Harness h(b.open());
  auto s = h.book.create(hourly("team-a", "192.168.1.1"), T0);  // outside the pool's scope now
  REQUIRE(s);
  h.clock.set(T0 + kHour + 1000);
  CHECK(h.fire().refused == 1);
  CHECK(h.fire().refused == 0);
  auto after = h.read(s->id);
  REQUIRE(after.runs.size() == 1);
  CHECK(after.runs[0].outcome.rfind("refused: ", 0) == 0);
  CHECK(after.runs[0].outcome.find("scope") != std::string::npos);
  CHECK(task_count(*h.store, "team-a") == 0);
}

TEST_CASE_TEMPLATE("firing: a schedule fires only while its key is published and allows it", B,
                   BACKENDS) {
  B b;
  Harness h(b.open());
  recurring::KeyRightsBook keys(*h.store);
  h.deps.keys = &keys;
  const std::string full(64, 'a');
  const std::string narrow(64, 'b');
  const std::string gone(64, 'c');
  const std::string other_tenant(64, 'd');
  recurring::KeyRights lab{full, "team-a", std::nullopt, std::set<std::string>{"lab"}};
  recurring::KeyRights dmz{narrow, "team-a", std::nullopt, std::set<std::string>{"dmz"}};
  recurring::KeyRights untrusted_only{
      gone, "team-a", std::set<task::ScanType>{task::ScanType::Untrusted}, std::nullopt};
  recurring::KeyRights moved{other_tenant, "team-b", std::nullopt, std::nullopt};
  REQUIRE(keys.publish({lab, dmz, untrusted_only, moved}));
  CHECK(*keys.find(full) == std::optional<recurring::KeyRights>(lab));
  CHECK(keys.find(std::string(64, 'e'))->has_value() == false);

  auto bound = [&](const std::string& key, task::ScanType type = task::ScanType::Untrusted) {
    Schedule s = hourly("team-a");
    s.key_id = key;
    s.scan_type = type;
    if (type != task::ScanType::Untrusted) s.credential_profile = "lab-ssh";
    return h.book.create(s, T0)->id;
  };
  const auto fires = bound(full);
  const auto other_pool = bound(narrow);
  const auto wrong_type = bound(gone, task::ScanType::Authenticated);
  const auto wrong_tenant = bound(other_tenant);
  Schedule unbound = hourly("team-a");
  REQUIRE(h.book.create(unbound, T0));
  h.clock.set(T0 + kHour + 1000);
  auto report = h.fire();
  CHECK(report.submitted == 2);  // the lab key's and the unbound one
  CHECK(report.refused == 3);
  CHECK(h.read(fires).runs[0].outcome == "submitted");
  CHECK(h.read(other_pool).runs[0].outcome.find("pool") != std::string::npos);
  CHECK(h.read(wrong_type).runs[0].outcome.find("authenticated") != std::string::npos);
  CHECK(h.read(wrong_tenant).runs[0].outcome.find("no longer accepted") != std::string::npos);

  // The key is deleted from the file: the next publish erases it, and its schedule is refused.
  REQUIRE(keys.publish({dmz}));
  CHECK_FALSE(keys.find(full)->has_value());
  h.clock.set(T0 + 2 * kHour + 1000);
  end_next(*h.store, task::State::Completed, h.clock.now());
  end_next(*h.store, task::State::Completed, h.clock.now());
  h.fire();
  const auto after = h.read(fires);
  REQUIRE(after.runs.size() == 2);
  CHECK(after.runs[0].outcome.rfind("refused: the API key that made this schedule", 0) == 0);
  CHECK(recurring::schedule_view(after, h.clock.now())["key"] == "sha256:aaaaaaaaaaaa");
  CHECK(h.read(unbound.id).runs[0].outcome == "submitted");
}

TEST_CASE_TEMPLATE("firing job: one leader fires; after it is killed the next does not refire", B,
                   BACKENDS) {
  B backend;
  auto first = backend.open();
  auto second = backend.open();
  testing::TempDir cfg;
  const auto path = testing::minimal_scanner_config(cfg);
  config::ConfigHolder config(path, config::process_environment());
  REQUIRE(config.reload());
  ManualClock clock(T0);
  Schedule s = hourly("team-a");
  s.pool = "default";
  s.template_name.clear();
  recurring::ScheduleBook book(*first);
  REQUIRE(book.create(s, T0));

  scans::SubmitDeps deps;
  deps.clock = &clock;
  recurring::ScheduleFiringJob a(*first, config, deps, "server-a");
  recurring::ScheduleFiringJob b(*second, config, deps, "worker-b");
  clock.set(T0 + kHour + 1000);
  a.tick();  // a leads and fires the slot, then is killed (never ticks again)
  b.tick();
  CHECK(a.leading());
  CHECK_FALSE(b.leading());
  CHECK(a.totals().submitted == 1);
  CHECK(task_count(*first, "team-a") == 1);

  // Within the term b is refused; after it, b leads and finds the slot handled.
  clock.advance(30'000);
  b.tick();
  CHECK_FALSE(b.leading());
  clock.advance(61'000);
  b.tick();
  CHECK(b.leading());
  CHECK(b.totals().submitted == 0);
  CHECK(b.totals().found == 0);
  CHECK(task_count(*second, "team-a") == 1);
  // The next slot is b's to fire (run 1 is still queued: skipped).
  clock.set(T0 + 2 * kHour + 1000);
  b.tick();
  CHECK(b.totals().skipped == 1);
  CHECK(task_count(*second, "team-a") == 1);
}

TEST_CASE_TEMPLATE("schedule service: checked at creation and change, not only when it fires", B,
                   BACKENDS) {
  B b;
  Harness h(b.open());
  const auto sd = service_deps(h);
  const auto caller = tenant_caller("team-a");

  recurring::ScheduleSpec spec;
  spec.name = "nightly";
  spec.targets = "10.1.0.0/28";
  spec.cron = "0 22 * * 1-5";
  spec.timezone = "Europe/Berlin";
  auto s = recurring::create_schedule(sd, h.config, caller, spec);
  REQUIRE(s);
  CHECK(s->pool == "lab");  // the default, stored
  CHECK(s->owner == "team-a");
  const auto view = recurring::schedule_view(*s, h.clock.now());
  CHECK(view["next_fire"].is_string());
  CHECK(view["last_run"].is_null());

  auto out = spec;
  out.targets = "8.8.8.8";
  auto refused = recurring::create_schedule(sd, h.config, caller, out);
  REQUIRE_FALSE(refused);
  CHECK(refused.error().code == ErrorCode::PermissionDenied);
  auto keyed = caller;
  keyed.allowed_pools = std::set<std::string>{"dmz"};
  CHECK(recurring::create_schedule(sd, h.config, keyed, spec).error().code ==
        ErrorCode::PermissionDenied);
  auto bad = spec;
  bad.cron = "61 * * * *";
  CHECK(recurring::create_schedule(sd, h.config, caller, bad).error().code ==
        ErrorCode::InvalidArgument);
  CHECK(h.book.list(OwnerScope::everyone())->size() == 1);

  // A change is checked again; a refused one writes nothing.
  recurring::ScheduleSpec change;
  change.targets = "192.168.0.1";
  CHECK_FALSE(recurring::update_schedule(sd, h.config, caller, s->id, change));
  CHECK(h.read(s->id).targets == "10.1.0.0/28");
  recurring::ScheduleSpec interval;
  interval.every = "6h";
  auto changed = recurring::update_schedule(sd, h.config, caller, s->id, interval);
  REQUIRE(changed);
  CHECK(changed->cron.empty());
  CHECK(changed->timezone == "UTC");
  recurring::ScheduleSpec pause;
  pause.paused = true;
  auto paused = recurring::update_schedule(sd, h.config, caller, s->id, pause);
  REQUIRE(paused);
  CHECK(recurring::schedule_view(*paused, h.clock.now())["next_fire"].is_null());
  auto other = caller;
  other.owner = "team-b";
  other.scope = OwnerScope::tenant("team-b");
  CHECK(recurring::update_schedule(sd, h.config, other, s->id, pause).error().code ==
        ErrorCode::NotFound);
}

TEST_CASE_TEMPLATE("schedule service: a tenant's schedules are limited, and listed in pages", B,
                   BACKENDS) {
  B b;
  Harness h(b.open());
  h.config.quotas.tenants["team-a"].schedules = 3;
  const auto sd = service_deps(h);
  const auto caller = tenant_caller("team-a");
  recurring::ScheduleSpec spec;
  spec.name = "nightly";
  spec.targets = "10.1.0.0/28";
  spec.every = "1d";
  for (int i = 0; i < 3; ++i) REQUIRE(recurring::create_schedule(sd, h.config, caller, spec));
  auto refused = recurring::create_schedule(sd, h.config, caller, spec);
  REQUIRE_FALSE(refused);
  CHECK(refused.error().code == ErrorCode::ResourceExhausted);
  CHECK(refused.error().message.find("team-a keeps 3 schedules") != std::string::npos);
  CHECK(refused.error().hint.find("quotas.tenants.team-a.schedules") != std::string::npos);
  CHECK(h.book.list(OwnerScope::tenant("team-a"))->size() == 3);
  // Another tenant has the default limit and its own count.
  CHECK(recurring::create_schedule(sd, h.config, tenant_caller("team-b"), spec));
  CHECK(h.config.quotas.for_tenant("team-b").schedule_limit() == config::kDefaultScheduleLimit);

  // Two replicas that both passed the count before writing: the later one takes its own back.
  auto mine = *h.book.list(OwnerScope::tenant("team-a"));
  Schedule early = hourly("team-a");
  early.created_at = h.clock.now() + 1;
  Schedule late = hourly("team-a");
  late.created_at = h.clock.now() + 2;
  mine.push_back(early);
  mine.push_back(late);
  CHECK(recurring::keeps_place(mine, early, 4));
  CHECK_FALSE(recurring::keeps_place(mine, late, 4));
  CHECK(recurring::keeps_place(mine, late, 5));
  // A limit lowered below what is kept refuses more, and takes nothing away.
  REQUIRE(h.book.create(early, early.created_at));
  h.config.quotas.tenants["team-a"].schedules = 2;
  CHECK(recurring::create_schedule(sd, h.config, caller, spec).error().code ==
        ErrorCode::ResourceExhausted);
  CHECK(h.book.list(OwnerScope::tenant("team-a"))->size() == 4);

  // Pages by id, each schedule once, however many pages.
  std::set<std::string> seen;
  std::string cursor;
  int pages = 0;
  do {
    auto page = h.book.page(OwnerScope::tenant("team-a"), cursor, 3);
    REQUIRE(page);
    for (const auto& s : page->schedules) CHECK(seen.insert(s.id).second);
    cursor = page->next_cursor;
    ++pages;
  } while (!cursor.empty());
  CHECK(seen.size() == 4);
  CHECK(pages == 2);
  CHECK(h.book.page(OwnerScope::tenant("team-a"), "not-a-cursor", 3).error().code ==
        ErrorCode::InvalidArgument);
  CHECK(h.book.page(OwnerScope::tenant("team-c"), "", 3)->schedules.empty());
}
