#pragma once
// An Outbound that records what a dispatcher sends, for in-process tests of McpServer.
// Thread-safe: tool calls complete on executor threads while the test thread waits.

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <optional>
#include <vector>

#include <nlohmann/json.hpp>

#include "mcp/server/outbound.h"

namespace nmcp::testing {

class RecordingOutbound final : public mcp::Outbound {
 public:
  void send(const nlohmann::json& message) override {
    std::lock_guard lock(mu_);
    sent_.push_back(message);
    cv_.notify_all();
  }
  void complete(std::optional<nlohmann::json> response) override {
    std::lock_guard lock(mu_);
    ++completions_;
    response_ = std::move(response);
    cv_.notify_all();
  }

  // Waits for complete(); false on timeout.
  bool wait(std::chrono::milliseconds timeout = std::chrono::milliseconds(5000)) {
    std::unique_lock lock(mu_);
    return cv_.wait_for(lock, timeout, [this] { return completions_ > 0; });
  }
  // Waits until at least `n` notifications were sent.
  bool wait_sent(std::size_t n,
                 std::chrono::milliseconds timeout = std::chrono::milliseconds(5000)) {
    std::unique_lock lock(mu_);
    return cv_.wait_for(lock, timeout, [&] { return sent_.size() >= n; });
  }

  std::optional<nlohmann::json> response() {
    std::lock_guard lock(mu_);
    return response_;
  }
  std::vector<nlohmann::json> sent() {
    std::lock_guard lock(mu_);
    return sent_;
  }
  int completions() {
    std::lock_guard lock(mu_);
    return completions_;
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<nlohmann::json> sent_;
  std::optional<nlohmann::json> response_;
  int completions_ = 0;
};

}  // namespace nmcp::testing
