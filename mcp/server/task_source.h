#pragma once
// TaskSource: the long-running work behind some tool calls, as the MCP tasks extension
// (io.modelcontextprotocol/tasks, 2026-07-28) shows it. A tool that starts such work names it
// in its result (ToolResult::task_id); a client that declared the extension then gets a
// CreateTaskResult instead of the tool result, and follows the task with tasks/get and
// tasks/cancel. The MCP layer knows nothing of what the work is: the composition root supplies
// a TaskSource (for nessus-mcp, the scan tasks of mcp/tools/scan_task_source.h).
//
// Owner-scoped: a task of another principal is NotFound, exactly like an unknown id.
//
// Thread-safety: implementations are called concurrently from request threads.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/base/result.h"
#include "mcp/server/session.h"
#include "mcp/server/tool.h"

namespace nmcp::mcp {

// The 2025-11-25 name of the `_meta` key that ties a tasks/result answer to its task.
inline constexpr const char* kMetaRelatedTask = "io.modelcontextprotocol/related-task";

// The extension's identifier, in ServerCapabilities.extensions and ClientCapabilities.extensions.
inline constexpr const char* kTasksExtension = "io.modelcontextprotocol/tasks";

// A task as the extension's wire shows it.
struct TaskSnapshot {
  enum class Status { Working, InputRequired, Completed, Failed, Cancelled };
  std::string id;
  Status status = Status::Working;
  std::string status_message;  // empty: none
  std::string created_at;      // ISO 8601
  std::string last_updated_at;
  // How long the task is kept, counted from its creation; nullopt: until further notice.
  std::optional<std::int64_t> ttl_ms;
  // When a poll is likely to show something new; nullopt once the task has ended.
  std::optional<std::int64_t> poll_interval_ms;
  // Completed: the tool result the work produced (a failed piece of work is a result with
  // is_error, as a tool that failed). `result_tool` names the tool whose outputSchema it meets.
  std::optional<ToolResult> result;
  std::string result_tool;
  // Failed: the protocol-level error the work ended with (not a tool's failure, which is a
  // completed task with an isError result).
  int error_code = 0;
  std::string error_message;

  // The work failed (a completed task whose result is an error): 2025-11-25 calls such a task
  // "failed", the extension "completed" with an isError result.
  bool work_failed = false;
  bool ended() const {
    return status == Status::Completed || status == Status::Failed || status == Status::Cancelled;
  }
};

// What a follower of a task remembers of it, to tell that it changed (and so is worth a
// notification): its status, its message and its update time.
struct TaskMark {
  TaskSnapshot::Status status = TaskSnapshot::Status::Working;
  std::string message;
  std::string updated;

  static TaskMark of(const TaskSnapshot& t) {
    return {t.status, t.status_message, t.last_updated_at};
  }
  bool operator==(const TaskMark&) const = default;
};

struct TaskPage {
  std::vector<TaskSnapshot> tasks;  // newest first, without results
  std::string next_cursor;          // empty on the last page
};

std::string_view to_string(TaskSnapshot::Status status);

class TaskSource {
 public:
  virtual ~TaskSource() = default;
  // NotFound for an unknown id, another principal's task or a malformed id.
  virtual Result<TaskSnapshot> get(const Principal& principal, const std::string& id) const = 0;
  // Asks the work to stop (cooperative: it may still end completed) and returns the task as it
  // is now. A task that has already ended is returned unchanged.
  virtual Result<TaskSnapshot> cancel(const Principal& principal, const std::string& id) const = 0;
  // The principal's tasks, a page at a time (2025-11-25 tasks/list). InvalidArgument for a cursor
  // that is not one this source gave.
  virtual Result<TaskPage> list(const Principal& principal, const std::string& cursor,
                                std::size_t limit) const = 0;
  // The tools whose rights govern reading and cancelling a task (a key that may not call them
  // may not do it through tasks/get or tasks/cancel either).
  virtual std::string read_tool() const = 0;
  virtual std::string cancel_tool() const = 0;
};

// Several task sources behind one server (the scans', and the conformance fixtures' under
// --test-tools): an id belongs to the first source that knows it. Listing and the rights are
// the first source's.
class TaskSources final : public TaskSource {
 public:
  // `source` must outlive this object.
  void add(const TaskSource& source) { sources_.push_back(&source); }

  Result<TaskSnapshot> get(const Principal& principal, const std::string& id) const override;
  Result<TaskSnapshot> cancel(const Principal& principal, const std::string& id) const override;
  Result<TaskPage> list(const Principal& principal, const std::string& cursor,
                        std::size_t limit) const override;
  std::string read_tool() const override;
  std::string cancel_tool() const override;

 private:
  std::vector<const TaskSource*> sources_;
};

}  // namespace nmcp::mcp
