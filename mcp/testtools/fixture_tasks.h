#pragma once
// FixtureTasks: the tasks extension's conformance fixtures (--test-tools only): greet (always
// synchronous), slow_compute {seconds} (sleeps, then answers; cancellable while it sleeps),
// failing_job (a tool error after a second), protocol_error_job (ends failed with a JSON-RPC
// error). A task-taking caller gets a task, run on a thread of its own and kept in memory; any
// other caller gets the work done before the call returns. Task ids are unguessable and owned
// by the caller's tenant.
//
// Thread-safety: every method may be called concurrently; the destructor cancels and joins
// the work still running.

#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <thread>

#include "mcp/server/task_source.h"
#include "mcp/server/tool_registry.h"

namespace nmcp::mcp {

class FixtureTasks final : public TaskSource {
 public:
  FixtureTasks() = default;
  ~FixtureTasks() override;
  FixtureTasks(const FixtureTasks&) = delete;
  FixtureTasks& operator=(const FixtureTasks&) = delete;

  // Registers the four tools; `this` must outlive the registry's use.
  Status register_tools(ToolRegistry& registry);

  Result<TaskSnapshot> get(const Principal& principal, const std::string& id) const override;
  Result<TaskSnapshot> cancel(const Principal& principal, const std::string& id) const override;
  Result<TaskPage> list(const Principal& principal, const std::string& cursor,
                        std::size_t limit) const override;
  std::string read_tool() const override { return "slow_compute"; }
  std::string cancel_tool() const override { return "slow_compute"; }

 private:
  struct Work;
  // Starts `run` on a thread for `owner`; returns the task id. `run` gets a wait function
  // that sleeps and returns false once the task is cancelled.
  std::string start(const std::string& owner,
                    std::function<TaskSnapshot(const std::function<bool(int ms)>&)> run);

  mutable std::mutex mu_;
  mutable std::condition_variable changed_;            // a task's cancel flag changed
  std::map<std::string, std::shared_ptr<Work>> work_;  // guarded by mu_
  std::vector<std::thread> threads_;                   // guarded by mu_
  bool stopping_ = false;                              // guarded by mu_
};

}  // namespace nmcp::mcp
