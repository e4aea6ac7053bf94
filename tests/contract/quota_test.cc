// Tenant quotas on every backend, through the real submit use case with an injected clock: the
// hourly token bucket (refused with the limit, the use and when to retry; refilled over the
// hour), scans in flight, addresses per UTC day (and a scan that can never fit), idempotent
// repeats that use nothing, two connections ("replicas") racing for the last tokens without
// passing the limit, the dry run's remaining quota, and each refusal in the audit log once.
#include <atomic>
#include <thread>

#include <doctest/doctest.h>

#include "core/audit/audit_log.h"
#include "core/scans/check_targets.h"
#include "core/scans/submit_scan.h"
#include "tests/contract/backends.h"

using namespace nmcp;
using store::OwnerScope;
using testing::RedisBackend;
using testing::SqliteBackend;

#define BACKENDS SqliteBackend, RedisBackend

namespace {

constexpr task::Millis T0 = 1'780'000'000'000;  // 2026-05-28T20:26:40Z
constexpr task::Millis kMinute = 60'000;

config::ScannerConfig limited(config::QuotaLimits limits) {
  config::ScannerConfig c = testing::lab_config();
  c.quotas.tenants["team-a"] = limits;
  return c;
}

struct Replica {
  explicit Replica(std::unique_ptr<store::TaskStore> s, const Clock& clock,
                   audit::AuditLog* audit = nullptr)
      : store(std::move(s)), quotas(*store, *store) {
    deps.tasks = store.get();
    deps.clock = &clock;
    deps.quotas = &quotas;
    deps.audit = audit;
  }
  Result<scans::Submitted> submit(const config::ScannerConfig& c, const std::string& targets,
                                  const std::string& owner = "team-a",
                                  const std::string& key = "") {
    scans::ScanRequest r;
    r.owner = owner;
    r.name = "quota test";
    r.targets = targets;
    r.idempotency_key = key;
    r.via = "run_untrusted_scan";
    return scans::submit_scan(deps, c, r);
  }
  std::unique_ptr<store::TaskStore> store;
  quota::QuotaLedger quotas;
  scans::SubmitDeps deps;
};

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

}  // namespace

TEST_CASE_TEMPLATE("quota: scans per hour is a token bucket, refilled over the hour", B, BACKENDS) {
  B b;
  ManualClock clock{T0};
  Replica r(b.open(), clock);
  config::QuotaLimits limits;
  limits.scans_per_hour = 3;
  const auto config = limited(limits);
  for (int i = 0; i < 3; ++i) REQUIRE(r.submit(config, "10.0.0." + std::to_string(i + 1)));
  auto refused = r.submit(config, "10.0.0.9");
  REQUIRE(!refused);
  CHECK(refused.error().code == ErrorCode::ResourceExhausted);
  const std::string& m = refused.error().message;
  CHECK(contains(m, "quota scans_per_hour reached"));
  CHECK(contains(m, "3 of 3 scans"));
  // One token comes back every 20 minutes.
  CHECK(contains(m, "retry after " + task::format_time(T0 + 20 * kMinute)));
  // Other tenants have no quota here; their scans pass.
  CHECK(r.submit(config, "10.0.0.9", "team-b"));

  clock.set(T0 + 20 * kMinute - 1000);
  CHECK(!r.submit(config, "10.0.0.9"));
  clock.set(T0 + 20 * kMinute);
  CHECK(r.submit(config, "10.0.0.9"));
  CHECK(!r.submit(config, "10.0.0.10"));
  clock.set(T0 + 3 * 60 * kMinute);  // a full bucket again, never more than three
  for (int i = 0; i < 3; ++i) CHECK(r.submit(config, "10.0.1." + std::to_string(i + 1)));
  CHECK(!r.submit(config, "10.0.1.9"));
}

TEST_CASE_TEMPLATE("quota: scans in flight count queued and running tasks", B, BACKENDS) {
  B b;
  ManualClock clock{T0};
  Replica r(b.open(), clock);
  config::QuotaLimits limits;
  limits.concurrent_scans = 2;
  const auto config = limited(limits);
  auto first = r.submit(config, "10.0.0.1");
  REQUIRE(first);
  REQUIRE(r.submit(config, "10.0.0.2"));
  auto refused = r.submit(config, "10.0.0.3");
  REQUIRE(!refused);
  CHECK(contains(refused.error().message, "quota concurrent_scans reached: 2 of 2 scans"));
  // Neutral words below the front doors; the action is what an agent or operator is told.
  CHECK(contains(refused.error().hint, "cancel one"));
  CHECK(refused.error().action == Action::FreePlace);
  // A scan that ends frees its place.
  REQUIRE(r.store->request_cancel(first->task.id, OwnerScope::tenant("team-a"), clock.now()));
  CHECK(r.submit(config, "10.0.0.3"));
  CHECK(!r.submit(config, "10.0.0.4"));
}

TEST_CASE_TEMPLATE("quota: addresses per UTC day; a scan larger than the day never fits", B,
                   BACKENDS) {
  B b;
  ManualClock clock{T0};
  Replica r(b.open(), clock);
  config::QuotaLimits limits;
  limits.addresses_per_day = 20;
  const auto config = limited(limits);
  REQUIRE(r.submit(config, "10.0.0.0/28"));  // 16
  REQUIRE(r.submit(config, "10.0.1.0/30"));  // 4: 20 of 20
  auto refused = r.submit(config, "10.0.2.1");
  REQUIRE(!refused);
  CHECK(contains(refused.error().message, "20 of 20 addresses scanned today (UTC)"));
  CHECK(contains(refused.error().message, "retry after 2026-05-29T00:00:00.000Z"));
  auto never = r.submit(config, "10.0.3.0/27");  // 32 > 20
  REQUIRE(!never);
  CHECK(contains(never.error().message, "can never fit"));
  CHECK(contains(never.error().hint, "at most 20 addresses"));
  // A schedule that could never fit is refused when it is created.
  scans::ScanRequest check;
  check.owner = "team-a";
  check.name = "nightly";
  check.targets = "10.0.3.0/27";
  CHECK(!scans::check_submit(r.deps, config, check));
  check.targets = "10.0.3.0/28";
  CHECK(scans::check_submit(r.deps, config, check));

  clock.set(T0 + 4 * 60 * kMinute);  // the next UTC day
  CHECK(r.submit(config, "10.0.2.0/28"));
}

TEST_CASE_TEMPLATE("quota: an idempotent repeat finds its task and uses nothing", B, BACKENDS) {
  B b;
  ManualClock clock{T0};
  Replica r(b.open(), clock);
  config::QuotaLimits limits;
  limits.scans_per_hour = 1;
  limits.concurrent_scans = 1;
  const auto config = limited(limits);
  auto first = r.submit(config, "10.0.0.1", "team-a", "nightly-1");
  REQUIRE(first);
  CHECK(first->created);
  for (int i = 0; i < 3; ++i) {
    auto again = r.submit(config, "10.0.0.1", "team-a", "nightly-1");
    REQUIRE(again);
    CHECK_FALSE(again->created);
    CHECK(again->task.id == first->task.id);
  }
  CHECK(!r.submit(config, "10.0.0.2", "team-a", "nightly-2"));  // the quota is spent once
}

TEST_CASE_TEMPLATE("quota: two replicas racing never pass the limit", B, BACKENDS) {
  B b;
  ManualClock clock{T0};
  Replica one(b.open(), clock);
  Replica two(b.open(), clock);
  config::QuotaLimits limits;
  limits.scans_per_hour = 5;
  limits.concurrent_scans = 4;
  const auto config = limited(limits);
  std::atomic<int> accepted{0}, refused{0}, other{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < 8; ++i) {
    threads.emplace_back([&, i] {
      Replica& r = i % 2 == 0 ? one : two;
      auto s = r.submit(config, "10.0.0." + std::to_string(i + 1));
      if (s) {
        ++accepted;
      } else if (s.error().code == ErrorCode::ResourceExhausted) {
        ++refused;
      } else {
        ++other;
      }
    });
  }
  for (auto& t : threads) t.join();
  CHECK(other == 0);
  CHECK(accepted == 4);  // the tighter limit: four in flight
  CHECK(refused == 4);
  store::TaskQuery q(OwnerScope::tenant("team-a"));
  q.limit = 100;
  CHECK(one.store->list(q)->tasks.size() == 4);
}

TEST_CASE_TEMPLATE("quota: the dry run shows what is left; each refusal is audited once", B,
                   BACKENDS) {
  B b;
  ManualClock clock{T0};
  testing::TempDir dir;
  auto log = audit::AuditLog::open(dir.path() + "/audit.log");
  REQUIRE(log);
  Replica r(b.open(), clock, log->get());
  config::QuotaLimits limits;
  limits.scans_per_hour = 2;
  limits.addresses_per_day = 100;
  const auto config = limited(limits);
  REQUIRE(r.submit(config, "10.0.0.0/29"));  // 8 addresses

  auto dry = scans::check_targets_dry_run(config, "", "10.0.1.0/28", std::nullopt);
  REQUIRE(dry);
  REQUIRE(scans::add_quota(*dry, config, r.quotas, "team-a", clock.now()));
  CHECK(dry->accepted);
  CHECK(dry->quota["scans_left_this_hour"] == 1);
  CHECK(dry->quota["addresses_left_today"] == 92);
  CHECK(dry->quota["day_resets_at"] == "2026-05-29T00:00:00.000Z");
  REQUIRE(r.submit(config, "10.0.1.0/28"));

  dry = scans::check_targets_dry_run(config, "", "10.0.2.1", std::nullopt);
  REQUIRE(scans::add_quota(*dry, config, r.quotas, "team-a", clock.now()));
  CHECK_FALSE(dry->accepted);
  CHECK(contains(dry->refusal, "scans_per_hour"));
  CHECK(dry->quota["scans_left_this_hour"] == 0);
  auto none = scans::check_targets_dry_run(config, "", "10.0.2.1", std::nullopt);
  REQUIRE(scans::add_quota(*none, config, r.quotas, "team-b", clock.now()));
  CHECK(none->quota["unlimited"] == true);

  CHECK(!r.submit(config, "10.0.2.1"));
  CHECK(!r.submit(config, "10.0.2.2"));
  int denies = 0, allows = 0;
  REQUIRE(audit::read_audit(log->get()->path(), {}, [&](const nlohmann::json& e) {
    if (e["decision"] == "deny") {
      ++denies;
      CHECK(contains(e["rule"].get<std::string>(), "quota scans_per_hour reached"));
    } else {
      ++allows;
    }
  }));
  CHECK(denies == 2);  // one line per refused call, none from the dry runs
  CHECK(allows == 2);
}
