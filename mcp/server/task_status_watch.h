#pragma once
// TaskStatusWatch: MCP 2025-11-25's notifications/tasks/status. A legacy session that created a
// task (tools/call with params.task) is told when that task's status or message changes, on the
// session's own channel (stdio's output; an HTTP session's GET stream, queued while none is
// open), until the task ends, the session ends or the task is deleted. The revision makes these
// notifications optional and tells clients not to rely on them; they save a polling client a
// round trip, and tasks/get stays the truth.
//
// One reader for every session: tick() reads each followed task once from the TaskSource (the
// store, so a change made by a worker in another process is seen as surely as one made here) and
// is run every ServerOptions::subscription_poll by the server's periodic runner; tests call it
// directly. A session follows at most `per_session` tasks at once; beyond that a task is simply
// not followed (the client polls, as it must be ready to).
//
// Thread-safety: follow() and tick() may be called from any thread, concurrently.

#include <cstddef>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "mcp/server/session.h"
#include "mcp/server/task_source.h"

namespace nmcp::mcp {

class TaskStatusWatch {
 public:
  // `render` makes the notification's params (a 2025-11-25 Task) of a snapshot. `tasks` must
  // outlive the watch.
  TaskStatusWatch(const TaskSource& tasks, std::function<nlohmann::json(TaskSnapshot)> render,
                  std::size_t per_session);

  // Follows `task` (as it was when created) for `session`, on behalf of `principal`.
  void follow(const std::shared_ptr<Session>& session, const Principal& principal,
              const TaskSnapshot& task);
  // Reads every followed task once; notifies each change; forgets ended tasks (after their
  // last notification), deleted ones and those of sessions that ended.
  void tick();
  std::size_t following() const;

 private:
  struct Followed {
    std::weak_ptr<Session> session;
    Principal principal;
    std::string task_id;
    TaskMark seen;
  };
  const TaskSource& tasks_;
  const std::function<nlohmann::json(TaskSnapshot)> render_;
  const std::size_t per_session_;
  std::mutex tick_mu_;  // one tick at a time: only tick() removes entries
  mutable std::mutex mu_;
  std::vector<Followed> followed_;  // guarded by mu_; tick() reads the store without it
};

}  // namespace nmcp::mcp
