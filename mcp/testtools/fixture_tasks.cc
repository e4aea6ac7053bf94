#include "mcp/testtools/fixture_tasks.h"

#include <chrono>
#include <cstdio>
#include <ctime>

#include "core/base/crypto.h"
#include "mcp/server/request_context.h"

namespace nmcp::mcp {

using json = nlohmann::json;

struct FixtureTasks::Work {
  std::string owner;
  TaskSnapshot snapshot;  // guarded by FixtureTasks::mu_
  bool cancel = false;    // guarded by FixtureTasks::mu_
};

namespace {

// Now as ISO 8601 UTC with milliseconds, as task times are shown.
std::string now_text() {
  const auto now = std::chrono::system_clock::now();
  const std::time_t secs = std::chrono::system_clock::to_time_t(now);
  const auto ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()) % 1000;
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char text[64];
  std::snprintf(text, sizeof text, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                static_cast<int>(ms.count()));
  return text;
}

ToolResult text_result(const std::string& text) {
  ToolResult r;
  r.content = json::array({{{"type", "text"}, {"text", text}}});
  return r;
}

Error no_task(const std::string& id) {
  return Error{ErrorCode::NotFound, "no task " + id.substr(0, 80), "", Action::None};
}

}  // namespace

FixtureTasks::~FixtureTasks() {
  std::vector<std::thread> threads;
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
    for (auto& [id, w] : work_) w->cancel = true;
    threads.swap(threads_);
  }
  changed_.notify_all();
  for (auto& t : threads) t.join();
}

std::string FixtureTasks::start(const std::string& owner,
                                std::function<TaskSnapshot(const std::function<bool(int)>&)> run) {
  auto w = std::make_shared<Work>();
  const std::string id = "fixture_" + random_hex(16);
  w->owner = owner;
  w->snapshot.id = id;
  w->snapshot.created_at = w->snapshot.last_updated_at = now_text();
  w->snapshot.poll_interval_ms = 200;
  w->snapshot.ttl_ms = 3600000;
  std::lock_guard lock(mu_);
  work_[id] = w;
  threads_.emplace_back([this, w, run = std::move(run)] {
    const auto wait = [this, w](int ms) {
      std::unique_lock held(mu_);
      changed_.wait_for(held, std::chrono::milliseconds(ms), [&] { return w->cancel; });
      return !w->cancel;
    };
    TaskSnapshot done = run(wait);
    std::lock_guard held(mu_);
    if (w->cancel && done.status != TaskSnapshot::Status::Failed) {
      done.status = TaskSnapshot::Status::Cancelled;
      done.result.reset();
    }
    done.id = w->snapshot.id;
    done.created_at = w->snapshot.created_at;
    done.last_updated_at = now_text();
    done.ttl_ms = w->snapshot.ttl_ms;
    done.poll_interval_ms.reset();
    done.result_tool = "slow_compute";
    w->snapshot = std::move(done);
  });
  return id;
}

Result<TaskSnapshot> FixtureTasks::get(const Principal& principal, const std::string& id) const {
  std::lock_guard lock(mu_);
  const auto it = work_.find(id);
  if (it == work_.end() || it->second->owner != principal.tenant) return fail(no_task(id));
  return it->second->snapshot;
}

Result<TaskSnapshot> FixtureTasks::cancel(const Principal& principal, const std::string& id) const {
  {
    std::lock_guard lock(mu_);
    const auto it = work_.find(id);
    if (it == work_.end() || it->second->owner != principal.tenant) return fail(no_task(id));
    it->second->cancel = true;
  }
  changed_.notify_all();
  return get(principal, id);
}

Result<TaskPage> FixtureTasks::list(const Principal& principal, const std::string& cursor,
                                    std::size_t limit) const {
  if (!cursor.empty()) return fail(ErrorCode::InvalidArgument, "unknown cursor", "");
  TaskPage page;
  std::lock_guard lock(mu_);
  for (const auto& [id, w] : work_) {
    if (w->owner == principal.tenant && page.tasks.size() < limit) {
      page.tasks.push_back(w->snapshot);
    }
  }
  return page;
}

Status FixtureTasks::register_tools(ToolRegistry& r) {
  const auto schema = [](const char* property, const char* type) {
    json s = {{"type", "object"}, {"properties", json::object()}};
    if (property != nullptr) s["properties"][property] = {{"type", type}};
    return s;
  };
  const auto define = [&](const char* name, const char* what, json input, bool task) {
    // Annotated as the other fixtures are: nothing here changes anything outside the process.
    ToolDefinition d{name,
                     name,
                     std::string("Conformance fixture (tasks): ") + what,
                     std::move(input),
                     nullptr,
                     ToolAnnotations{true, false, true, false}};
    d.task_optional = task;
    return d;
  };
  if (auto s = r.add(define("greet", "says hello, synchronously.", schema("name", "string"), false),
                     [](const json& args, RequestContext&) {
                       return text_result("Hello, " + args.value("name", "world") + "!");
                     });
      !s) {
    return s;
  }
  // The work of each task-supporting fixture, given a cancellable wait.
  const auto compute = [](int seconds) {
    return [seconds](const std::function<bool(int)>& wait) {
      TaskSnapshot t;
      t.status = TaskSnapshot::Status::Completed;
      if (!wait(seconds * 1000)) return t;  // cancelled: the caller records it
      t.result = text_result("Computed after " + std::to_string(seconds) + " seconds");
      return t;
    };
  };
  const auto failing = [](const std::function<bool(int)>& wait) {
    TaskSnapshot t;
    t.status = TaskSnapshot::Status::Completed;
    wait(1000);
    t.result = ToolResult::failure("the job failed (a tool error, as designed)");
    t.work_failed = true;
    return t;
  };
  const auto protocol_error = [](const std::function<bool(int)>& wait) {
    TaskSnapshot t;
    wait(200);
    t.status = TaskSnapshot::Status::Failed;
    t.error_code = -32603;
    t.error_message = "Internal error: the job broke (a protocol error, as designed)";
    return t;
  };
  using Run = std::function<TaskSnapshot(const std::function<bool(int)>&)>;
  const auto by_task = [this](Run run) {
    return [this, run](const json&, RequestContext& ctx) -> ToolResult {
      if (ctx.takes_tasks()) {
        ToolResult started = text_result("started");
        started.task_id = start(ctx.principal(), run);
        return started;
      }
      // Synchronous: do the work now, on the caller's thread.
      TaskSnapshot t = run([&ctx](int ms) { return ctx.sleep_for(std::chrono::milliseconds(ms)); });
      if (t.status == TaskSnapshot::Status::Failed) return ToolResult::failure(t.error_message);
      return t.result ? *t.result : ToolResult::failure("cancelled");
    };
  };
  if (auto s = r.add(define("slow_compute", "sleeps the given seconds, then answers.",
                            schema("seconds", "number"), true),
                     [compute, by_task](const json& args, RequestContext& ctx) {
                       const int seconds = static_cast<int>(args.value("seconds", 1.0));
                       return by_task(compute(seconds))(args, ctx);
                     });
      !s) {
    return s;
  }
  // Runs only as a task: a modern caller without the extension is refused -32021.
  ToolDefinition failing_job =
      define("failing_job", "returns a tool error after a second; runs only as a task.",
             schema(nullptr, ""), true);
  failing_job.requires_client = {{"extensions", {{kTasksExtension, json::object()}}}};
  if (auto s = r.add(std::move(failing_job), by_task(failing)); !s) {
    return s;
  }
  return r.add(define("protocol_error_job", "ends in a protocol error.", schema(nullptr, ""), true),
               by_task(protocol_error));
}

}  // namespace nmcp::mcp
