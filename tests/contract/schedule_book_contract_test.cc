// ScheduleBook on every backend: schedules persist in the store, are owner-scoped like tasks
// (another tenant's is "no such schedule"), updates are conditional on the revision read, and
// a damaged record is reported, not taken for a schedule.
#include <doctest/doctest.h>

#include "core/recurring/schedule_book.h"
#include "tests/contract/backends.h"

using namespace nmcp;
using recurring::Schedule;
using recurring::ScheduleBook;
using store::OwnerScope;
using testing::RedisBackend;
using testing::SqliteBackend;

#define BACKENDS SqliteBackend, RedisBackend

namespace {

constexpr task::Millis T0 = 1'780'000'000'000;

Schedule nightly(const std::string& owner) {
  Schedule s;
  s.id = recurring::new_schedule_id();
  s.owner = owner;
  s.name = "nightly dmz";
  s.targets = "10.0.0.0/28";
  s.pool = "default";
  s.template_name = "basic";
  s.cron = "0 22 * * *";
  s.timezone = "Europe/Berlin";
  s.start = T0;
  return s;
}

}  // namespace

TEST_CASE_TEMPLATE("schedule book: create, read back from another process, owner-scoped", B,
                   BACKENDS) {
  B b;
  auto conn = b.open();
  ScheduleBook book(*conn);
  auto a = book.create(nightly("team-a"), T0);
  REQUIRE(a);
  CHECK(a->revision == 1);
  REQUIRE(book.create(nightly("team-b"), T0));

  auto other = b.open();
  ScheduleBook again(*other);
  auto read = again.get(a->id, OwnerScope::tenant("team-a"));
  REQUIRE(read);
  CHECK(*read == *a);

  auto hidden = again.get(a->id, OwnerScope::tenant("team-b"));
  REQUIRE_FALSE(hidden);
  CHECK(hidden.error().code == ErrorCode::NotFound);
  CHECK(again.list(OwnerScope::tenant("team-a"))->size() == 1);
  CHECK(again.list(OwnerScope::everyone())->size() == 2);

  auto twice = book.create(*a, T0);
  REQUIRE_FALSE(twice);
  CHECK(twice.error().code == ErrorCode::AlreadyExists);
  auto bad = again.get("sch_nope", OwnerScope::everyone());
  REQUIRE_FALSE(bad);
  CHECK(bad.error().code == ErrorCode::InvalidArgument);
}

TEST_CASE_TEMPLATE("schedule book: updates are conditional on the revision; delete is scoped", B,
                   BACKENDS) {
  B b;
  auto conn = b.open();
  ScheduleBook book(*conn);
  auto s = book.create(nightly("team-a"), T0);
  REQUIRE(s);
  const auto pause = [](Schedule& x) {
    x.paused = true;
    x.owner = "someone-else";  // ignored: the owner never changes
    return ok();
  };
  auto paused = book.update(s->id, OwnerScope::tenant("team-a"), 1, pause, T0 + 1000);
  REQUIRE(paused);
  CHECK(paused->paused);
  CHECK(paused->revision == 2);
  CHECK(paused->owner == "team-a");
  CHECK(paused->updated_at == T0 + 1000);

  // A stale revision, another tenant and a refusing change write nothing.
  auto stale = book.update(s->id, OwnerScope::tenant("team-a"), 1, pause, T0 + 2000);
  REQUIRE_FALSE(stale);
  CHECK(stale.error().code == ErrorCode::Conflict);
  auto foreign = book.update(s->id, OwnerScope::tenant("team-b"), std::nullopt, pause, T0);
  REQUIRE_FALSE(foreign);
  CHECK(foreign.error().code == ErrorCode::NotFound);
  auto refused = book.update(
      s->id, OwnerScope::tenant("team-a"), std::nullopt,
      [](Schedule&) { return Status(fail(ErrorCode::InvalidArgument, "no")); }, T0);
  REQUIRE_FALSE(refused);
  CHECK(book.get(s->id, OwnerScope::everyone())->revision == 2);

  auto wrong = book.remove(s->id, OwnerScope::tenant("team-b"));
  REQUIRE_FALSE(wrong);
  CHECK(wrong.error().code == ErrorCode::NotFound);
  REQUIRE(book.remove(s->id, OwnerScope::tenant("team-a")));
  CHECK(book.get(s->id, OwnerScope::everyone()).error().code == ErrorCode::NotFound);
  CHECK(book.list(OwnerScope::everyone())->empty());
}

TEST_CASE_TEMPLATE("schedule book: a damaged record is counted, and only an operator deletes it", B,
                   BACKENDS) {
  B b;
  auto conn = b.open();
  ScheduleBook book(*conn);
  REQUIRE(book.create(nightly("team-a"), T0));
  const std::string id = recurring::new_schedule_id();
  REQUIRE(conn->mutate_record("schedule", id, [](const std::optional<std::string>&) {
    return Result<store::RecordEdit>(store::RecordEdit::put("{not json"));
  }));
  int damaged = 0;
  auto all = book.list(OwnerScope::everyone(), &damaged);
  REQUIRE(all);
  CHECK(all->size() == 1);
  CHECK(damaged == 1);
  CHECK(book.get(id, OwnerScope::everyone()).error().code == ErrorCode::DataLoss);
  CHECK_FALSE(book.remove(id, OwnerScope::tenant("team-a")));
  REQUIRE(book.remove(id, OwnerScope::everyone()));
}

TEST_CASE("schedule: the timing its fields describe, and bad ones refused") {
  Schedule s = nightly("t");
  auto t = recurring::timing_of(s);
  REQUIRE(t);
  CHECK(t->cron.has_value());
  CHECK(t->start == T0 / 1000);
  s.every = "6h";
  CHECK(recurring::timing_of(s).error().code == ErrorCode::InvalidArgument);  // both
  s.cron.clear();
  CHECK(recurring::timing_of(s).error().code == ErrorCode::InvalidArgument);  // zone w/o cron
  s.timezone = "UTC";
  auto every = recurring::timing_of(s);
  REQUIRE(every);
  CHECK(every->interval == 6 * 3600);
  s.end = T0;
  CHECK(recurring::timing_of(s).error().code == ErrorCode::InvalidArgument);  // end <= start
  s.end.reset();
  s.every = "1s";
  CHECK_FALSE(recurring::timing_of(s));
  Schedule z = nightly("t");
  z.timezone = "Mars/Olympus";
  CHECK_FALSE(recurring::timing_of(z));

  auto round = recurring::schedule_from_json(recurring::to_json(nightly("t")));
  REQUIRE(round);
}
