#pragma once
// Message queues between the threads that produce MCP messages (tool calls, the dispatcher)
// and the HTTP threads that write them to a client.
//
// MessageQueue feeds a long-lived SSE stream (GET /mcp, GET /sse): bounded, oldest dropped
// while no stream takes them, closable so a stream ends promptly at session end or shutdown.
// A stream that is open registers a listener and drains the queue as messages arrive.
//
// BufferedReply collects what a Streamable HTTP POST produced when its call ran in place.
//
// Thread-safety: all methods may be called from any thread.

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <vector>

#include <nlohmann/json.hpp>

#include "mcp/server/outbound.h"

namespace nmcp::mcp {

class MessageQueue {
 public:
  explicit MessageQueue(std::size_t capacity) : capacity_(capacity) {}

  // False when the queue is closed (the message is dropped).
  bool push(nlohmann::json message);

  enum class Wait { Message, Timeout, Closed };
  // Waits up to `timeout` for a message. Closed is reported only once the queue is drained.
  Wait pop(nlohmann::json& out, std::chrono::milliseconds timeout);
  // Takes a message if one is queued, without waiting.
  bool try_pop(nlohmann::json& out);
  // Runs after every push and on close, on the calling thread, outside the queue's lock (it
  // may call try_pop). Null removes it; a call already under way may still finish.
  void set_listener(std::function<void()> listener);

  void close();
  bool closed() const;
  std::size_t dropped() const;

 private:
  const std::size_t capacity_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<nlohmann::json> items_;                       // guarded by mu_
  bool closed_ = false;                                    // guarded by mu_
  std::size_t dropped_ = 0;                                // guarded by mu_
  std::shared_ptr<const std::function<void()>> listener_;  // guarded by mu_

  void notify_listener();
};

// Routes a request's messages onto the session's stream (legacy SSE: everything, responses
// included, travels on the one GET stream).
class QueueOutbound final : public Outbound {
 public:
  explicit QueueOutbound(std::shared_ptr<MessageQueue> queue) : queue_(std::move(queue)) {}
  void send(const nlohmann::json& message) override { queue_->push(message); }
  void complete(std::optional<nlohmann::json> response) override {
    if (response) queue_->push(std::move(*response));
  }

 private:
  std::shared_ptr<MessageQueue> queue_;
};

// The Outbound of a Streamable HTTP POST whose call ran in place (ToolDispatch::Caller): it
// keeps the related notifications and the response until the HTTP thread writes its reply.
class BufferedReply final : public Outbound {
 public:
  // With keep_notifications false (the client takes no event stream) related notifications
  // are dropped and only the response is kept.
  explicit BufferedReply(bool keep_notifications) : keep_notifications_(keep_notifications) {}

  void send(const nlohmann::json& message) override;
  void complete(std::optional<nlohmann::json> response) override;

  bool completed() const;
  std::vector<nlohmann::json> notifications() const;
  std::optional<nlohmann::json> response() const;

 private:
  const bool keep_notifications_;
  mutable std::mutex mu_;
  std::vector<nlohmann::json> notifications_;  // guarded by mu_
  std::optional<nlohmann::json> response_;     // guarded by mu_
  bool completed_ = false;                     // guarded by mu_
};

}  // namespace nmcp::mcp
