#include "core/task/task.h"

#include <set>

#include <doctest/doctest.h>

#include "core/store/lifecycle.h"
#include "core/task/state_machine.h"

using namespace nmcp::task;

TEST_CASE("task ids are unguessable and checked strictly") {
  std::set<std::string> seen;
  for (int i = 0; i < 100; ++i) {
    const std::string id = new_task_id();
    CHECK(is_valid_task_id(id));
    CHECK(seen.insert(id).second);
  }
  for (const char* bad :
       {"", "task_", "task_../../etc/passwd", "TASK_0123456789abcdef0123456789abcdef",
        "task_0123456789ABCDEF0123456789abcdef", "task_0123456789abcdef0123456789abcde",
        "task_0123456789abcdef0123456789abcdef0"}) {
    CAPTURE(bad);
    CHECK_FALSE(is_valid_task_id(bad));
  }
}

TEST_CASE("the state machine allows exactly the documented transitions") {
  const State all[] = {State::Queued, State::Running,   State::Completed,
                       State::Failed, State::Cancelled, State::TimedOut};
  std::set<std::pair<State, State>> allowed = {
      {State::Queued, State::Running},    {State::Queued, State::Cancelled},
      {State::Queued, State::Failed},     {State::Running, State::Queued},
      {State::Running, State::Completed}, {State::Running, State::Failed},
      {State::Running, State::Cancelled}, {State::Running, State::TimedOut},
  };
  for (State from : all) {
    for (State to : all) {
      CAPTURE(to_string(from));
      CAPTURE(to_string(to));
      CHECK(can_transition(from, to, false) == (allowed.count({from, to}) == 1));
    }
  }
  // Only a dead-lettered failure may be queued again.
  CHECK(can_transition(State::Failed, State::Queued, true));
  CHECK_FALSE(can_transition(State::Completed, State::Queued, true));
  Task t;
  t.id = "task_x";
  t.state = State::Completed;
  auto s = check_transition(t, State::Running);
  REQUIRE_FALSE(s);
  CHECK(s.error().code == nmcp::ErrorCode::FailedPrecondition);
  CHECK(s.error().message.find("completed") != std::string::npos);
}

TEST_CASE("a task round-trips through JSON") {
  Task t;
  t.id = new_task_id();
  t.owner = "team-a";
  t.pool = "default";
  t.scan_type = ScanType::AuthenticatedPrivileged;
  t.targets = "10.0.0.1";
  t.name = "weekly";
  t.state = State::Running;
  t.step = Step::Export;
  t.nessus_scan_id = 42;
  t.started_at = 1700000000123;
  t.error = {"x", "message", "hint"};
  t.summary = {{"hosts", 3}};
  auto back = task_from_json(to_json(t));
  REQUIRE(back);
  CHECK(to_json(*back) == to_json(t));
  CHECK_FALSE(task_from_json(nlohmann::json{{"id", 1}}));
  CHECK_FALSE(task_from_json(nlohmann::json::parse(R"({"id":"a","owner":"o","pool":"p",
    "scan_type":"bogus","state":"queued","step":"create","targets":"t"})")));
}

TEST_CASE("the request hash covers the arguments, not the idempotency key, in any key order") {
  auto a = nlohmann::json::parse(R"({"targets":"10.0.0.1","name":"n","idempotency_key":"k1"})");
  auto b = nlohmann::json::parse(R"({"name":"n","idempotency_key":"k2","targets":"10.0.0.1"})");
  auto c = nlohmann::json::parse(R"({"name":"n","targets":"10.0.0.2"})");
  CHECK(request_hash(a) == request_hash(b));
  CHECK(request_hash(a) != request_hash(c));
  CHECK(request_hash(a).size() == 64);
}

TEST_CASE("times are ISO 8601 UTC") {
  CHECK(format_time(0) == "1970-01-01T00:00:00.000Z");
  CHECK(format_time(1700000000123) == "2023-11-14T22:13:20.123Z");
}

TEST_CASE("backoff grows exponentially, is jittered and capped") {
  using nmcp::store::lifecycle::backoff_delay;
  CHECK(backoff_delay(0, 1000, 60000, 0.0) == 500);
  CHECK(backoff_delay(0, 1000, 60000, 1.0) == 1000);
  CHECK(backoff_delay(3, 1000, 60000, 1.0) == 8000);
  CHECK(backoff_delay(20, 1000, 60000, 1.0) == 60000);
  CHECK(backoff_delay(20, 1000, 60000, 0.5) > 20000);
}

TEST_CASE("least utilised instance: ratio, free slots, ties") {
  using nmcp::store::InstanceSlot;
  using nmcp::store::least_utilised;
  std::vector<InstanceSlot> offered = {{"a", 2}, {"b", 4}, {"c", 1}};
  CHECK(least_utilised(offered, {}) == "a");  // all empty: by id
  CHECK(least_utilised(offered, {{"a", 1}}) == "b");
  CHECK(least_utilised(offered, {{"a", 1}, {"b", 2}, {"c", 0}}) == "c");
  CHECK(least_utilised(offered, {{"a", 2}, {"b", 4}, {"c", 1}}) == std::nullopt);
  CHECK(least_utilised({{"z", 0}}, {}) == std::nullopt);
}
