// The leader lease rules (core/store/leadership.h), without a store.
#include "core/store/leadership.h"

#include <doctest/doctest.h>

using namespace nmcp;
using store::Leadership;
namespace leadership = store::leadership;

namespace {
constexpr task::Millis T = 1'000'000;
constexpr task::Millis kTtl = 5'000;
}  // namespace

TEST_CASE("leadership: a role never led goes to the first asker with token 1") {
  auto l = leadership::lead(std::nullopt, "r", "a", T, kTtl);
  REQUIRE(l);
  CHECK(*l == Leadership{"r", "a", 1, T + kTtl});
}

TEST_CASE("leadership: held roles refuse others and extend their holder") {
  const Leadership held{"r", "a", 4, T + kTtl};
  CHECK_FALSE(leadership::lead(held, "r", "b", T + kTtl - 1, kTtl));
  auto again = leadership::lead(held, "r", "a", T + 1, kTtl);
  REQUIRE(again);
  CHECK(again->token == 4);
  CHECK(again->expires_at == T + 1 + kTtl);
}

TEST_CASE("leadership: an expired or vacant role goes to the next asker with the next token") {
  const Leadership held{"r", "a", 4, T + kTtl};
  auto taken = leadership::lead(held, "r", "b", T + kTtl, kTtl);
  REQUIRE(taken);
  CHECK(taken->holder == "b");
  CHECK(taken->token == 5);
  // The previous holder asking after expiry gets a new token as well: its old term is over.
  auto same = leadership::lead(held, "r", "a", T + kTtl, kTtl);
  REQUIRE(same);
  CHECK(same->token == 5);
  const Leadership vacant{"r", "", 7, 0};
  auto v = leadership::lead(vacant, "r", "c", T, kTtl);
  REQUIRE(v);
  CHECK(v->token == 8);
}

TEST_CASE("leadership: renew and resign only by the current holder, token and term") {
  const Leadership mine{"r", "a", 4, T + kTtl};
  auto renewed = leadership::renew(mine, mine, T + 100, kTtl);
  REQUIRE(renewed);
  CHECK(renewed->expires_at == T + 100 + kTtl);
  CHECK_FALSE(leadership::renew(mine, mine, T + kTtl, kTtl));                        // expired
  CHECK_FALSE(leadership::renew(std::nullopt, mine, T, kTtl));                       // never stored
  CHECK_FALSE(leadership::renew(Leadership{"r", "b", 5, T + kTtl}, mine, T, kTtl));  // taken
  CHECK_FALSE(leadership::renew(Leadership{"r", "a", 5, T + kTtl}, mine, T, kTtl));  // re-granted
  auto err = leadership::renew(mine, mine, T + kTtl, kTtl);
  CHECK(err.error().code == ErrorCode::FailedPrecondition);

  auto resigned = leadership::resign(mine, mine, T);
  REQUIRE(resigned);
  CHECK(resigned->holder.empty());
  CHECK(resigned->token == 4);
  CHECK_FALSE(resigned->held_at(T));
  CHECK_FALSE(leadership::resign(Leadership{"r", "b", 5, T + kTtl}, mine, T));
}

TEST_CASE("leadership: names and terms are checked") {
  CHECK(leadership::validate_name("role", "housekeeping"));
  CHECK(leadership::validate_name("holder", "host-1:pid-42"));
  CHECK_FALSE(leadership::validate_name("role", ""));
  CHECK_FALSE(leadership::validate_name("role", "a b"));
  CHECK_FALSE(leadership::validate_name("role", "caf\xc3\xa9"));
  CHECK(leadership::validate_ttl(1'000));
  CHECK(leadership::validate_ttl(86'400'000));
  CHECK_FALSE(leadership::validate_ttl(999));
  CHECK_FALSE(leadership::validate_ttl(86'400'001));
}
