#pragma once
// Message queues between the threads that produce MCP messages (tool calls, the dispatcher)
// and the HTTP threads that write them to a client.
//
// MessageQueue feeds a long-lived SSE stream (GET /mcp, GET /sse): bounded, oldest dropped
// when a client stops reading, closable so a stream ends promptly at session end or shutdown.
//
// PostReply is the Outbound of one Streamable HTTP POST: it hands the HTTP thread the
// notifications related to the request, then the final response (or its absence).
//
// Thread-safety: all methods may be called from any thread.

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <mutex>
#include <optional>

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

  void close();
  bool closed() const;
  std::size_t dropped() const;

 private:
  const std::size_t capacity_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<nlohmann::json> items_;  // guarded by mu_
  bool closed_ = false;               // guarded by mu_
  std::size_t dropped_ = 0;           // guarded by mu_
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

class PostReply final : public Outbound {
 public:
  // With keep_notifications false (the client cannot take an event stream) related
  // notifications are dropped and only the response is delivered.
  explicit PostReply(bool keep_notifications) : keep_notifications_(keep_notifications) {}

  void send(const nlohmann::json& message) override;
  void complete(std::optional<nlohmann::json> response) override;

  struct Event {
    enum class Kind { Notification, Final, Timeout } kind = Kind::Timeout;
    nlohmann::json message;  // the notification, or the response (null when there is none)
  };
  // The next event: pending notifications first, then the final response. Waits up to
  // `timeout` (nullopt: until something happens).
  Event next(std::optional<std::chrono::milliseconds> timeout);

 private:
  const bool keep_notifications_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<nlohmann::json> pending_;       // guarded by mu_
  bool done_ = false;                        // guarded by mu_
  std::optional<nlohmann::json> response_;   // guarded by mu_
};

}  // namespace nmcp::mcp
