#include "mcp/tools/scan_task_source.h"

#include "mcp/tools/results_resources.h"
#include "mcp/tools/tool_support.h"

namespace nmcp::mcp {

using nlohmann::json;

ToolResult scan_status_result(const service::Services& deps, service::TaskStatus status) {
  const bool completed = status.task.state == task::State::Completed;
  ToolResult result = ToolResult::success(status.to_json());
  if (completed) result.links = scan_links(deps, status.task);
  return result;
}

namespace {

// Why a working task is where it is, in a line: the waiting reason of a queued task, the step
// of a running one.
std::string status_message(const service::TaskStatus& s) {
  const task::Task& t = s.task;
  if (t.state == task::State::Queued) {
    std::string text = "queued";
    if (s.queue && s.queue->position > 0) {
      text += " (position " + std::to_string(s.queue->position) + ")";
    }
    if (s.waiting && !s.waiting->reason.empty()) text += ": " + s.waiting->reason;
    return text;
  }
  if (t.state == task::State::Running) {
    return "running: " + std::string(task::to_string(t.step)) + ", " +
           std::to_string(static_cast<int>(t.progress)) + "%" +
           (t.cancel_requested ? "; stopping, as asked" : "");
  }
  return std::string(task::to_string(t.state));
}

}  // namespace

TaskSnapshot ScanTaskSource::snapshot(service::TaskStatus status, bool with_result) const {
  const task::Task& t = status.task;
  TaskSnapshot out;
  out.id = t.id;
  out.created_at = task::format_time(t.created_at);
  out.last_updated_at = task::format_time(t.updated_at != 0 ? t.updated_at : t.created_at);
  const auto kept = service::ScanService(deps_).kept_until(t);
  if (kept) out.ttl_ms = std::max<task::Millis>(0, *kept - t.created_at);
  out.status_message = status_message(status);
  switch (t.state) {
    case task::State::Queued:
    case task::State::Running:
      out.status = TaskSnapshot::Status::Working;
      out.poll_interval_ms = static_cast<std::int64_t>(service::poll_after_seconds(t)) * 1000;
      return out;
    case task::State::Cancelled:
      out.status = TaskSnapshot::Status::Cancelled;
      return out;
    case task::State::Completed:
    case task::State::Failed:
    case task::State::TimedOut:
      break;
  }
  out.status = TaskSnapshot::Status::Completed;
  const bool failed = t.state != task::State::Completed;
  out.work_failed = failed;
  if (!with_result) return out;
  ToolResult result = scan_status_result(deps_, std::move(status));
  if (failed) {
    // The scan's own failure: a tool result the agent reads, the view in its text.
    result = ToolResult::failure(result.structured.dump());
  }
  out.result = std::move(result);
  out.result_tool = read_tool();
  return out;
}

Result<TaskSnapshot> ScanTaskSource::get(const Principal& principal, const std::string& id) const {
  const service::ScanService scans(deps_);
  auto status = scans.status(caller_for(principal, "", "tasks/get"), id);
  if (!status) return fail(status.error());
  return snapshot(std::move(*status), true);
}

Result<TaskSnapshot> ScanTaskSource::cancel(const Principal& principal,
                                            const std::string& id) const {
  const service::ScanService scans(deps_);
  const service::Caller caller = caller_for(principal, "", "tasks/cancel");
  auto found = scans.find(caller, id);
  if (!found) return fail(found.error());
  // A task that has ended stays as it ended: cancelling it again is not an error.
  if (!task::is_terminal(found->state)) {
    if (auto cancelled = scans.cancel(caller, id);
        !cancelled && cancelled.error().code != ErrorCode::FailedPrecondition) {
      return fail(cancelled.error());
    }
  }
  return get(principal, id);
}

Result<TaskPage> ScanTaskSource::list(const Principal& principal, const std::string& cursor,
                                      std::size_t limit) const {
  const service::ScanService scans(deps_);
  service::TaskFilter filter;
  filter.cursor = cursor;
  filter.limit = limit;
  auto page = scans.list(caller_for(principal, "", "tasks/list"), filter);
  if (!page) return fail(page.error());
  TaskPage out;
  out.next_cursor = page->next_cursor;
  for (auto& status : scans.statuses_of(std::move(page->tasks))) {
    out.tasks.push_back(snapshot(std::move(status), false));
  }
  return out;
}

}  // namespace nmcp::mcp
