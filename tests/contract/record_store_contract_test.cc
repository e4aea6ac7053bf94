// The record contract (RecordStore), on every backend: put, read, list by key, erase, a change's
// error writing nothing, bad names refused, and concurrent read-modify-writes from many
// connections each applied exactly once (the atomicity quotas and schedules rely on).
#include <string>
#include <thread>
#include <vector>

#include <doctest/doctest.h>

#include "core/store/task_store.h"
#include "tests/contract/backends.h"

using namespace nmcp;
using store::RecordEdit;
using testing::RedisBackend;
using testing::SqliteBackend;

#define BACKENDS SqliteBackend, RedisBackend

namespace {

store::RecordChange put(std::string body) {
  return [body](const std::optional<std::string>&) -> Result<RecordEdit> {
    return RecordEdit::put(body);
  };
}

}  // namespace

TEST_CASE_TEMPLATE("records: put, read, list, erase; kinds are separate", B, BACKENDS) {
  B b;
  auto s = b.open();
  auto other = b.open();
  auto none = s->load_record("schedule", "s1");
  REQUIRE(none);
  CHECK_FALSE(none->has_value());

  REQUIRE(s->mutate_record("schedule", "s2", put("two")));
  auto after = s->mutate_record("schedule", "s1", put("one"));
  REQUIRE(after);
  CHECK(**after == "one");
  REQUIRE(s->mutate_record("quota", "s1", put("other kind")));

  auto read = other->load_record("schedule", "s1");
  REQUIRE(read);
  CHECK(**read == "one");
  auto listed = other->list_records("schedule");
  REQUIRE(listed);
  REQUIRE(listed->size() == 2);
  CHECK((*listed)[0] == store::Record{"s1", "one"});
  CHECK((*listed)[1] == store::Record{"s2", "two"});

  // Keep writes nothing and returns the stored body.
  auto kept = s->mutate_record("schedule", "s1", [](const std::optional<std::string>& cur) {
    CHECK(cur == std::optional<std::string>("one"));
    return Result<RecordEdit>(RecordEdit::keep());
  });
  REQUIRE(kept);
  CHECK(**kept == "one");

  auto erased = s->mutate_record("schedule", "s1", [](const std::optional<std::string>&) {
    return Result<RecordEdit>(RecordEdit::erase());
  });
  REQUIRE(erased);
  CHECK_FALSE(erased->has_value());
  CHECK_FALSE(other->load_record("schedule", "s1")->has_value());
  CHECK(other->list_records("schedule")->size() == 1);
  CHECK(**other->load_record("quota", "s1") == "other kind");

  // Reopened: still there.
  auto reopened = b.open();
  CHECK(**reopened->load_record("schedule", "s2") == "two");
}

TEST_CASE_TEMPLATE("records: a change's error and bad names write nothing", B, BACKENDS) {
  B b;
  auto s = b.open();
  REQUIRE(s->mutate_record("quota", "team-a", put("v1")));
  auto refused = s->mutate_record("quota", "team-a", [](const std::optional<std::string>&) {
    return Result<RecordEdit>(fail(ErrorCode::ResourceExhausted, "over the limit"));
  });
  REQUIRE_FALSE(refused);
  CHECK(refused.error().code == ErrorCode::ResourceExhausted);
  CHECK(**s->load_record("quota", "team-a") == "v1");

  for (const std::string& kind :
       std::vector<std::string>{"", "Upper", "has space", std::string(33, 'a')}) {
    auto r = s->mutate_record(kind, "k", put("x"));
    REQUIRE_FALSE(r);
    CHECK(r.error().code == ErrorCode::InvalidArgument);
  }
  for (const std::string& key :
       std::vector<std::string>{"", "has space", std::string(201, 'k'), "tab\there"}) {
    auto r = s->mutate_record("quota", key, put("x"));
    REQUIRE_FALSE(r);
    CHECK(r.error().code == ErrorCode::InvalidArgument);
  }
  auto huge = s->mutate_record("quota", "team-a", put(std::string(store::kMaxRecordBody + 1, 'x')));
  REQUIRE_FALSE(huge);
  CHECK(huge.error().code == ErrorCode::InvalidArgument);
  CHECK(**s->load_record("quota", "team-a") == "v1");
  CHECK(s->list_records("quota")->size() == 1);
}

TEST_CASE_TEMPLATE("records: concurrent increments from many connections all count", B, BACKENDS) {
  B b;
  constexpr int kThreads = 4;
  constexpr int kEach = 50;
  std::vector<std::unique_ptr<store::TaskStore>> conns;
  for (int i = 0; i < kThreads; ++i) conns.push_back(b.open());
  std::vector<std::thread> threads;
  for (int i = 0; i < kThreads; ++i) {
    threads.emplace_back([&, i] {
      for (int n = 0; n < kEach; ++n) {
        for (;;) {
          auto r = conns[static_cast<std::size_t>(i)]->mutate_record(
              "quota", "counter", [](const std::optional<std::string>& cur) -> Result<RecordEdit> {
                const int v = cur ? std::stoi(*cur) : 0;
                return RecordEdit::put(std::to_string(v + 1));
              });
          if (r || r.error().code != ErrorCode::Unavailable) break;  // busy: ask again
        }
      }
    });
  }
  for (auto& t : threads) t.join();
  CHECK(**conns[0]->load_record("quota", "counter") == std::to_string(kThreads * kEach));
}
