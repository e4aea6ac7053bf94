#include "mcp/transport/stdio_transport.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <unistd.h>

#include <array>
#include <mutex>
#include <string>

#include "core/base/logging.h"
#include "core/base/memory.h"
#include "mcp/jsonrpc/message.h"
#include "mcp/server/outbound.h"

namespace nmcp::mcp {

// Serialises whole lines onto the output descriptor. Once a write fails (the client went
// away) every later write is dropped.
class detail::StdioLineWriter {
 public:
  explicit StdioLineWriter(int fd) : fd_(fd) {}

  void write_message(const nlohmann::json& message) {
    std::string line = message.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    line.push_back('\n');
    std::lock_guard lock(mu_);
    if (broken_) return;
    std::size_t done = 0;
    while (done < line.size()) {
      const ssize_t n = ::write(fd_, line.data() + done, line.size() - done);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) {
        broken_ = true;
        log::warn("stdio", "stdout closed; dropping further output");
        return;
      }
      done += static_cast<std::size_t>(n);
    }
  }

 private:
  const int fd_;
  std::mutex mu_;
  bool broken_ = false;  // guarded by mu_
};

namespace {

class StdioOutbound final : public Outbound {
 public:
  explicit StdioOutbound(std::shared_ptr<detail::StdioLineWriter> writer)
      : writer_(std::move(writer)) {}
  void send(const nlohmann::json& message) override { writer_->write_message(message); }
  void complete(std::optional<nlohmann::json> response) override {
    if (response) writer_->write_message(*response);
  }

 private:
  std::shared_ptr<detail::StdioLineWriter> writer_;
};

bool blank(std::string_view line) {
  return line.find_first_not_of(" \t\r") == std::string_view::npos;
}

}  // namespace

StdioTransport::StdioTransport(McpServer& server, int in_fd, int out_fd, StdioOptions options)
    : server_(server),
      in_fd_(in_fd),
      options_(options),
      writer_(std::make_shared<detail::StdioLineWriter>(out_fd)),
      session_(
          std::make_shared<Session>("stdio", Principal{}, server.options().default_log_level)) {
  // Server-initiated notifications share the one output stream with replies.
  session_->attach_channel([writer = writer_](const nlohmann::json& message) {
    writer->write_message(message);
    return true;
  });
  std::array<int, 2> fds{};
  if (::pipe2(fds.data(), O_CLOEXEC | O_NONBLOCK) == 0) {
    wake_read_ = fds[0];
    wake_write_ = fds[1];
  }
}

StdioTransport::~StdioTransport() {
  if (wake_read_ >= 0) ::close(wake_read_);
  if (wake_write_ >= 0) ::close(wake_write_);
}

void StdioTransport::stop() {
  stopped_ = true;
  if (wake_write_ >= 0) {
    const char byte = 1;
    [[maybe_unused]] const ssize_t n = ::write(wake_write_, &byte, 1);
  }
}

void StdioTransport::dispatch_line(std::string_view line) {
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  if (blank(line)) return;
  server_.handle_text(session_, line, std::make_shared<StdioOutbound>(writer_));
  // What a large message's parse freed stays in glibc's arenas unless handed back.
  if (line.size() >= (1U << 20U)) release_free_memory();
}

void StdioTransport::run() {
  log::info("stdio", "serving MCP on stdin/stdout");
  std::string buffer;
  bool discarding = false;  // inside an over-long line, skipping to its end
  std::array<char, 65536> chunk{};
  for (;;) {
    std::array<pollfd, 2> fds{{{in_fd_, POLLIN, 0}, {wake_read_, POLLIN, 0}}};
    const int ready = ::poll(fds.data(), wake_read_ >= 0 ? 2 : 1, -1);
    if (ready < 0) {
      if (errno == EINTR) continue;
      log::error("stdio", "poll failed", {{"errno", errno}});
      break;
    }
    if (wake_read_ >= 0 && (fds[1].revents & POLLIN) != 0) {
      log::info("stdio", "stop requested");
      break;
    }
    if (fds[0].revents == 0) continue;
    const ssize_t n = ::read(in_fd_, chunk.data(), chunk.size());
    if (n < 0 && (errno == EINTR || errno == EAGAIN)) continue;
    if (n <= 0) {
      if (n < 0) log::error("stdio", "read from stdin failed", {{"errno", errno}});
      break;  // end of input: the client is gone
    }
    std::string_view data(chunk.data(), static_cast<std::size_t>(n));
    while (!data.empty()) {
      const auto nl = data.find('\n');
      const std::string_view piece = data.substr(0, nl);
      if (!discarding) buffer.append(piece);
      if (buffer.size() > options_.max_message_bytes && !discarding) {
        discarding = true;
        buffer.clear();
        writer_->write_message(jsonrpc::make_error(nullptr, jsonrpc::kInvalidRequest,
                                                   "Invalid Request: message larger than " +
                                                       std::to_string(options_.max_message_bytes) +
                                                       " bytes"));
      }
      if (nl == std::string_view::npos) break;
      if (!discarding) dispatch_line(buffer);
      buffer.clear();
      discarding = false;
      data.remove_prefix(nl + 1);
    }
  }
  // A final line without its newline still counts as a message.
  if (!discarding && !buffer.empty() && !stopped_) dispatch_line(buffer);
  // Subscriptions and result waits have no end of their own: they answer now, tool calls
  // finish within the drain.
  session_->wind_down();
  const auto deadline = std::chrono::steady_clock::now() + options_.drain_timeout;
  bool idle = session_->wait_idle(std::chrono::milliseconds(0));
  while (!idle && !stopped_ && std::chrono::steady_clock::now() < deadline) {
    idle = session_->wait_idle(std::chrono::milliseconds(50));  // slices, so stop() cuts it short
  }
  if (!idle) {
    log::warn("stdio", "tool calls still running at end of input; cancelling them",
              {{"in_flight", session_->in_flight()}});
  }
  session_->close();
  log::info("stdio", "stdio transport finished");
}

}  // namespace nmcp::mcp
