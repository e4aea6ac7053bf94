#pragma once
// StdioTransport: MCP over a pair of file descriptors (stdin/stdout when spawned by Claude
// Desktop or Claude Code). One compact JSON message per '\n'-terminated line in each
// direction; stdout carries protocol bytes only and is flushed per message. A reader thread
// (the caller of run()) parses lines and dispatches them; tool calls run on the server's
// executor, so a slow call never blocks ping or notifications/cancelled.
//
// Thread-safety: run() is called once; stop() may be called from any thread (a signal-handling
// thread, typically) and makes run() return promptly.

#include <atomic>
#include <chrono>
#include <cstddef>
#include <memory>

#include "mcp/server/mcp_server.h"
#include "mcp/server/session.h"

namespace nmcp::mcp {

namespace detail {
class StdioLineWriter;
}

struct StdioOptions {
  std::size_t max_message_bytes = 4U << 20U;
  // At end of input, how long in-flight tool calls may run on so that `client | nessus-mcp`
  // style scripts still get their answers. stop() does not wait.
  std::chrono::milliseconds drain_timeout{10000};
};

class StdioTransport {
 public:
  StdioTransport(McpServer& server, int in_fd, int out_fd, StdioOptions options);
  ~StdioTransport();
  StdioTransport(const StdioTransport&) = delete;
  StdioTransport& operator=(const StdioTransport&) = delete;

  // Serves until end of input, an unrecoverable read error or stop(). At end of input, in-flight
  // tool calls get drain_timeout to finish and answer; on return the session is closed and
  // whatever is still in flight is cancelled and will send nothing.
  void run();
  void stop();
  // The one session this transport serves (for a SessionNotifier).
  const std::shared_ptr<Session>& session() const { return session_; }

 private:
  void dispatch_line(std::string_view line);

  McpServer& server_;
  const int in_fd_;
  const StdioOptions options_;
  std::shared_ptr<detail::StdioLineWriter> writer_;
  std::shared_ptr<Session> session_;
  std::atomic<bool> stopped_{false};
  int wake_read_ = -1;
  int wake_write_ = -1;
};

}  // namespace nmcp::mcp
