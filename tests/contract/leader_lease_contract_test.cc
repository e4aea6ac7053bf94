// The leader lease contract (LeaderLeases), on every backend: one holder per role, hand-over
// only after expiry or resignation, a fencing token that only grows, and exactly one winner when
// many connections ask at once. The rules are leadership.h's (tests/unit/core/leadership_test.cc);
// what is checked here is that each backend applies them atomically and keeps them.
#include <atomic>
#include <thread>
#include <vector>

#include <doctest/doctest.h>

#include "core/store/task_store.h"
#include "tests/contract/backends.h"

using namespace nmcp;
using store::Leadership;
using testing::RedisBackend;
using testing::SqliteBackend;

namespace {

constexpr task::Millis T0 = 1'700'000'000'000;
constexpr task::Millis kTerm = 10'000;

}  // namespace

#define BACKENDS SqliteBackend, RedisBackend

TEST_CASE_TEMPLATE("leader lease: one holder, hand-over only after expiry, tokens grow", B,
                   BACKENDS) {
  B b;
  auto a = b.open();
  auto other = b.open();  // another process

  auto none = a->leader("housekeeping");
  REQUIRE(none);
  CHECK_FALSE(none->has_value());

  auto first = a->try_lead("housekeeping", "host-a", T0, kTerm);
  REQUIRE(first);
  REQUIRE(first->has_value());
  const Leadership la = **first;
  CHECK(la.holder == "host-a");
  CHECK(la.token == 1);
  CHECK(la.expires_at == T0 + kTerm);

  // Held: another holder is told no, and nothing changes.
  auto refused = other->try_lead("housekeeping", "host-b", T0 + 5'000, kTerm);
  REQUIRE(refused);
  CHECK_FALSE(refused->has_value());
  auto seen = other->leader("housekeeping");
  REQUIRE(seen);
  REQUIRE(seen->has_value());
  CHECK(**seen == la);

  // The holder asking again extends its term with the same token; so does a renewal.
  auto again = a->try_lead("housekeeping", "host-a", T0 + 6'000, kTerm);
  REQUIRE(again);
  REQUIRE(again->has_value());
  CHECK((*again)->token == 1);
  CHECK((*again)->expires_at == T0 + 16'000);
  auto renewed = a->renew_lead(**again, T0 + 8'000, kTerm);
  REQUIRE(renewed);
  CHECK(renewed->token == 1);
  CHECK(renewed->expires_at == T0 + 18'000);

  // Roles are independent.
  auto schedules = other->try_lead("schedules", "host-b", T0 + 8'000, kTerm);
  REQUIRE(schedules);
  CHECK(schedules->has_value());

  // Up to the last millisecond of the term the role stays with its holder.
  auto early = other->try_lead("housekeeping", "host-b", T0 + 17'999, kTerm);
  REQUIRE(early);
  CHECK_FALSE(early->has_value());
  // Expired: the next asker leads, with a new token.
  auto taken = other->try_lead("housekeeping", "host-b", T0 + 18'000, kTerm);
  REQUIRE(taken);
  REQUIRE(taken->has_value());
  const Leadership lb = **taken;
  CHECK(lb.holder == "host-b");
  CHECK(lb.token == 2);

  // The old holder cannot renew (its token is stale) and its resignation changes nothing.
  auto stale = a->renew_lead(*renewed, T0 + 18'001, kTerm);
  REQUIRE_FALSE(stale);
  CHECK(stale.error().code == ErrorCode::FailedPrecondition);
  REQUIRE(a->resign(*renewed, T0 + 18'002));
  CHECK(**a->leader("housekeeping") == lb);

  // Resigning frees the role at once; the token survives, so the next one is greater.
  REQUIRE(other->resign(lb, T0 + 19'000));
  auto vacant = a->leader("housekeeping");
  REQUIRE(vacant);
  REQUIRE(vacant->has_value());
  CHECK_FALSE((*vacant)->held_at(T0 + 19'000));
  CHECK((*vacant)->token == 2);
  auto back = a->try_lead("housekeeping", "host-a", T0 + 19'001, kTerm);
  REQUIRE(back);
  REQUIRE(back->has_value());
  CHECK((*back)->token == 3);

  // An expired holder has lost the role even when nobody took it: it must ask again.
  auto late = a->renew_lead(**back, T0 + 19'001 + kTerm, kTerm);
  REQUIRE_FALSE(late);
  CHECK(late.error().code == ErrorCode::FailedPrecondition);

  // Kept by the store: a fresh connection sees the same record.
  auto reopened = b.open();
  auto kept = reopened->leader("housekeeping");
  REQUIRE(kept);
  REQUIRE(kept->has_value());
  CHECK(**kept == **back);
}

TEST_CASE_TEMPLATE("leader lease: many connections asking at once make one leader", B, BACKENDS) {
  B b;
  constexpr int kAskers = 8;
  std::vector<std::unique_ptr<store::TaskStore>> conns;
  for (int i = 0; i < kAskers; ++i) conns.push_back(b.open());
  for (int round = 0; round < 3; ++round) {
    // Each round starts after the previous term expired.
    const task::Millis now = T0 + round * (kTerm + 1);
    std::atomic<int> winners{0};
    std::atomic<int> errors{0};
    std::vector<std::thread> threads;
    for (int i = 0; i < kAskers; ++i) {
      threads.emplace_back([&, i] {
        auto r = conns[static_cast<std::size_t>(i)]->try_lead(
            "schedules", "asker-" + std::to_string(i), now, kTerm);
        if (!r) {
          ++errors;
        } else if (r->has_value()) {
          ++winners;
        }
      });
    }
    for (auto& t : threads) t.join();
    CHECK(errors.load() == 0);
    CHECK(winners.load() == 1);
    auto l = conns[0]->leader("schedules");
    REQUIRE(l);
    REQUIRE(l->has_value());
    CHECK((*l)->token == round + 1);
  }
}

TEST_CASE_TEMPLATE("leader lease: bad names and terms are refused and change nothing", B,
                   BACKENDS) {
  B b;
  auto s = b.open();
  for (const std::string& bad :
       std::vector<std::string>{"", "has space", std::string(129, 'r'), "tab\there"}) {
    auto r = s->try_lead(bad, "host-a", T0, kTerm);
    REQUIRE_FALSE(r);
    CHECK(r.error().code == ErrorCode::InvalidArgument);
    auto h = s->try_lead("housekeeping", bad, T0, kTerm);
    REQUIRE_FALSE(h);
    CHECK(h.error().code == ErrorCode::InvalidArgument);
  }
  for (const task::Millis ttl :
       {task::Millis{0}, task::Millis{999}, task::Millis{-5}, task::Millis{24 * 3'600'000 + 1}}) {
    auto r = s->try_lead("housekeeping", "host-a", T0, ttl);
    REQUIRE_FALSE(r);
    CHECK(r.error().code == ErrorCode::InvalidArgument);
  }
  auto l = s->leader("housekeeping");
  REQUIRE(l);
  CHECK_FALSE(l->has_value());
}
