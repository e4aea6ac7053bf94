// TaskStatusWatch (2025-11-25 notifications/tasks/status) and the x-mcp-header rules
// (header_params.h): one tick at a time, by hand; no clock, no thread.
#include "mcp/server/task_status_watch.h"

#include <map>
#include <vector>

#include <doctest/doctest.h>

#include "core/base/base64.h"
#include "mcp/protocol/header_params.h"

using nlohmann::json;
using namespace nmcp;
using namespace nmcp::mcp;

namespace {

// Tasks kept in a map, owned by tenants; what the store would say, changed by the test.
class MapTasks final : public TaskSource {
 public:
  std::map<std::string, std::pair<std::string, TaskSnapshot>> tasks;  // id -> (owner, task)
  bool down = false;                                                  // the store does not answer

  Result<TaskSnapshot> get(const Principal& p, const std::string& id) const override {
    if (down) return fail(ErrorCode::Unavailable, "store down");
    const auto it = tasks.find(id);
    if (it == tasks.end() || it->second.first != p.tenant) {
      return fail(ErrorCode::NotFound, "no such task");
    }
    return it->second.second;
  }
  Result<TaskSnapshot> cancel(const Principal& p, const std::string& id) const override {
    return get(p, id);
  }
  Result<TaskPage> list(const Principal&, const std::string&, std::size_t) const override {
    return TaskPage{};
  }
  std::string read_tool() const override { return "status"; }
  std::string cancel_tool() const override { return "cancel"; }

  TaskSnapshot& add(const std::string& owner, const std::string& id) {
    TaskSnapshot t;
    t.id = id;
    t.last_updated_at = "2026-12-06T10:00:00Z";
    tasks[id] = {owner, t};
    return tasks[id].second;
  }
};

// A session whose unsolicited messages are kept.
struct Listener {
  std::shared_ptr<Session> session;
  std::shared_ptr<std::vector<json>> got = std::make_shared<std::vector<json>>();

  explicit Listener(const std::string& tenant) {
    Principal p;
    p.tenant = tenant;
    session = std::make_shared<Session>("s-" + tenant, p, McpLogLevel::Info);
    session->initialize(ProtocolVersion::V2025_11_25, json::object());
    session->attach_channel([got = got](const json& m) {
      got->push_back(m);
      return true;
    });
  }
  Principal principal() const { return session->principal(); }
};

json render(TaskSnapshot t) {
  return {{"taskId", t.id},
          {"status", std::string(to_string(t.status))},
          {"statusMessage", t.status_message}};
}

}  // namespace

TEST_CASE("task status watch: one notification per change, none without, forgotten once ended") {
  MapTasks store;
  TaskStatusWatch watch(store, render, 10);
  Listener a("alpha");
  TaskSnapshot& t = store.add("alpha", "task_1");
  watch.follow(a.session, a.principal(), t);
  CHECK(watch.following() == 1);

  watch.tick();
  CHECK(a.got->empty());  // nothing changed since it was created

  t.status_message = "waiting for the scan window";
  watch.tick();
  REQUIRE(a.got->size() == 1);
  CHECK((*a.got)[0]["method"] == "notifications/tasks/status");
  CHECK((*a.got)[0]["params"]["statusMessage"] == "waiting for the scan window");
  watch.tick();
  CHECK(a.got->size() == 1);

  // The store not answering is not an ending: the task is read again next time.
  store.down = true;
  watch.tick();
  CHECK(watch.following() == 1);
  store.down = false;

  t.status = TaskSnapshot::Status::Completed;
  t.last_updated_at = "2026-12-06T10:05:00Z";
  watch.tick();
  REQUIRE(a.got->size() == 2);
  CHECK((*a.got)[1]["params"]["status"] == "completed");
  CHECK(watch.following() == 0);
  watch.tick();
  CHECK(a.got->size() == 2);
}

TEST_CASE("task status watch: an ended session, a deleted task and the per-session bound") {
  MapTasks store;
  TaskStatusWatch watch(store, render, 2);
  Listener a("alpha");
  Listener b("beta");
  for (const char* id : {"t1", "t2", "t3"})
    watch.follow(a.session, a.principal(), store.add("alpha", id));
  CHECK(watch.following() == 2);  // the third is not followed: the client polls it
  watch.follow(b.session, b.principal(), store.add("beta", "t4"));
  CHECK(watch.following() == 3);
  // An ended task is not followed at all: there is nothing left to tell.
  TaskSnapshot done = store.add("beta", "t5");
  done.status = TaskSnapshot::Status::Cancelled;
  watch.follow(b.session, b.principal(), done);
  CHECK(watch.following() == 3);

  store.tasks.erase("t1");  // housekeeping deleted it
  b.session->close();
  store.tasks["t2"].second.status_message = "running";
  store.tasks["t4"].second.status_message = "running";
  watch.tick();
  CHECK(watch.following() == 1);  // t2 only
  REQUIRE(a.got->size() == 1);
  CHECK((*a.got)[0]["params"]["taskId"] == "t2");
  CHECK(b.got->empty());  // a closed session hears nothing more
}

TEST_CASE("header params: the annotations a tool may carry") {
  const auto with = [](json property) {
    return json{{"type", "object"}, {"properties", {{"a", std::move(property)}}}};
  };
  const auto ok =
      header_params_of(json{{"type", "object"},
                            {"properties",
                             {{"region", {{"type", "string"}, {"x-mcp-header", "Region"}}},
                              {"n", {{"type", "integer"}, {"x-mcp-header", "N-1"}}},
                              {"on", {{"type", "boolean"}, {"x-mcp-header", "On"}}},
                              {"free", {{"type", "string"}}}}}},
                       "t");
  REQUIRE(ok);
  CHECK(ok->size() == 3);
  for (const json& bad : {with({{"type", "string"}, {"x-mcp-header", ""}}),
                          with({{"type", "string"}, {"x-mcp-header", "My Region"}}),
                          with({{"type", "string"}, {"x-mcp-header", "Region:Primary"}}),
                          with({{"type", "string"}, {"x-mcp-header", "R\xc3\xa9gion"}}),
                          with({{"type", "string"}, {"x-mcp-header", "Region\t1"}}),
                          with({{"type", "string"}, {"x-mcp-header", 7}}),
                          with({{"type", "number"}, {"x-mcp-header", "Score"}}),
                          with({{"type", "object"}, {"x-mcp-header", "Data"}}),
                          with({{"type", "array"}, {"x-mcp-header", "Items"}}),
                          with({{"type", "null"}, {"x-mcp-header", "Nil"}})}) {
    CAPTURE(bad.dump());
    const auto r = header_params_of(bad, "inputSchema of t");
    REQUIRE_FALSE(r);
    CHECK(r.error().message.find("property \"a\"") != std::string::npos);
  }
  const auto twice =
      header_params_of(json{{"type", "object"},
                            {"properties",
                             {{"f1", {{"type", "string"}, {"x-mcp-header", "MyField"}}},
                              {"f2", {{"type", "string"}, {"x-mcp-header", "myfield"}}}}}},
                       "t");
  CHECK_FALSE(twice);
}

TEST_CASE("header params: values as the client meant them, and what mirrors what") {
  CHECK(header_value_text("plain") == "plain");
  CHECK(header_value_text("=?base64?" + base64_encode("Caf\xc3\xa9 ") + "?=") == "Caf\xc3\xa9 ");
  CHECK_FALSE(header_value_text("=?base64?SGVsbG8?="));                  // padding missing
  CHECK_FALSE(header_value_text("=?base64?SGVs!!!bG8=?="));              // not the alphabet
  CHECK(header_value_text("=?base64?SGVsbG8=") == "=?base64?SGVsbG8=");  // no suffix: literal
  CHECK(header_value_text("SGVsbG8=?=") == "SGVsbG8=?=");                // no prefix: literal

  const HeaderParam s{"region", "Region", HeaderParam::Kind::String};
  const HeaderParam i{"n", "N", HeaderParam::Kind::Integer};
  const HeaderParam b{"on", "On", HeaderParam::Kind::Boolean};
  CHECK(mirrors(s, "eu-west", json("eu-west")));
  CHECK_FALSE(mirrors(s, "eu-west", json("us-east")));
  CHECK_FALSE(mirrors(s, "1", json(1)));
  CHECK(mirrors(i, "42", json(42)));
  CHECK(mirrors(i, "-7", json(-7)));
  CHECK(mirrors(i, "042", json(42)));  // integers compare numerically
  CHECK_FALSE(mirrors(i, "42.0", json(42)));
  CHECK_FALSE(mirrors(i, "43", json(42)));
  CHECK(mirrors(b, "true", json(true)));
  CHECK(mirrors(b, "false", json(false)));
  CHECK_FALSE(mirrors(b, "True", json(true)));
  CHECK_FALSE(mirrors(b, "1", json(true)));
}
