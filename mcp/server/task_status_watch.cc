#include "mcp/server/task_status_watch.h"

#include <algorithm>
#include <utility>

#include "mcp/jsonrpc/message.h"
#include "mcp/server/notifier.h"

namespace nmcp::mcp {

TaskStatusWatch::TaskStatusWatch(const TaskSource& tasks,
                                 std::function<nlohmann::json(TaskSnapshot)> render,
                                 std::size_t per_session)
    : tasks_(tasks), render_(std::move(render)), per_session_(per_session) {}

void TaskStatusWatch::follow(const std::shared_ptr<Session>& session, const Principal& principal,
                             const TaskSnapshot& task) {
  if (session == nullptr || task.ended()) return;
  std::lock_guard lock(mu_);
  const auto of_session = std::count_if(followed_.begin(), followed_.end(),
                                        [&](const auto& f) { return f.session.lock() == session; });
  if (static_cast<std::size_t>(of_session) >= per_session_) return;
  followed_.push_back({session, principal, task.id, TaskMark::of(task)});
}

void TaskStatusWatch::tick() {
  std::lock_guard one_tick(tick_mu_);
  std::vector<Followed> now;
  {
    std::lock_guard lock(mu_);
    now = followed_;
  }
  // The store is read without mu_; follow() only appends meanwhile, so the first now.size()
  // entries are still these when the results are written back.
  std::vector<bool> keep(now.size(), true);
  for (std::size_t i = 0; i < now.size(); ++i) {
    Followed& f = now[i];
    const auto session = f.session.lock();
    if (session == nullptr || session->closed()) {
      keep[i] = false;
      continue;
    }
    auto t = tasks_.get(f.principal, f.task_id);
    if (!t) {  // deleted: nothing more to say; the store did not answer: next turn
      keep[i] = t.error().code != ErrorCode::NotFound;
      continue;
    }
    const TaskMark mark = TaskMark::of(*t);
    keep[i] = !t->ended();
    if (mark != f.seen) {
      f.seen = mark;
      SessionNotifier(session).notify(
          jsonrpc::make_notification("notifications/tasks/status", render_(std::move(*t))));
    }
  }
  std::lock_guard lock(mu_);
  std::vector<Followed> kept;
  kept.reserve(followed_.size());
  for (std::size_t i = 0; i < followed_.size(); ++i) {
    if (i >= now.size()) {
      kept.push_back(std::move(followed_[i]));
    } else if (keep[i]) {
      kept.push_back(std::move(now[i]));
    }
  }
  followed_.swap(kept);
}

std::size_t TaskStatusWatch::following() const {
  std::lock_guard lock(mu_);
  return followed_.size();
}

}  // namespace nmcp::mcp
