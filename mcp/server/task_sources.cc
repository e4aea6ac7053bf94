#include "mcp/server/task_source.h"

namespace nmcp::mcp {

namespace {

// "Not this source's": an unknown id, or one not shaped like its ids.
bool not_mine(const Error& e) {
  return e.code == ErrorCode::NotFound || e.code == ErrorCode::InvalidArgument;
}

Error no_such_task(const std::string& id) {
  return Error{ErrorCode::NotFound, "no task " + id.substr(0, 80), "", Action::None};
}

}  // namespace

Result<TaskSnapshot> TaskSources::get(const Principal& principal, const std::string& id) const {
  for (const TaskSource* source : sources_) {
    auto t = source->get(principal, id);
    if (t || !not_mine(t.error())) return t;
  }
  return fail(no_such_task(id));
}

Result<TaskSnapshot> TaskSources::cancel(const Principal& principal, const std::string& id) const {
  for (const TaskSource* source : sources_) {
    auto t = source->cancel(principal, id);
    if (t || !not_mine(t.error())) return t;
  }
  return fail(no_such_task(id));
}

Result<TaskPage> TaskSources::list(const Principal& principal, const std::string& cursor,
                                   std::size_t limit) const {
  if (sources_.empty()) return TaskPage{};
  return sources_.front()->list(principal, cursor, limit);
}

std::string TaskSources::read_tool() const {
  return sources_.empty() ? std::string() : sources_.front()->read_tool();
}

std::string TaskSources::cancel_tool() const {
  return sources_.empty() ? std::string() : sources_.front()->cancel_tool();
}

}  // namespace nmcp::mcp
