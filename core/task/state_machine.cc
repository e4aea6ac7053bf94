#include "core/task/state_machine.h"

#include <string>

namespace nmcp::task {

bool can_transition(State from, State to, bool dead_lettered) {
  switch (from) {
    case State::Queued:
      return to == State::Running || to == State::Cancelled || to == State::Failed;
    case State::Running:
      return to == State::Queued || to == State::Completed || to == State::Failed ||
             to == State::Cancelled || to == State::TimedOut;
    case State::Failed:
      return to == State::Queued && dead_lettered;
    case State::Completed:
    case State::Cancelled:
    case State::TimedOut:
      return false;
  }
  return false;
}

Status check_transition(const Task& task, State to) {
  if (can_transition(task.state, to, task.dead_lettered)) return ok();
  std::string message = "task " + task.id + " cannot go from " +
                        std::string(to_string(task.state)) + " to " + std::string(to_string(to));
  std::string hint;
  if (is_terminal(task.state)) {
    hint = task.state == State::Failed ? "only a dead-lettered task can be retried"
                                       : "the task has already finished";
  }
  return fail(ErrorCode::FailedPrecondition, std::move(message), std::move(hint));
}

}  // namespace nmcp::task
