#pragma once
// Outbound: where the messages produced for one incoming message go. Each transport supplies
// its own: stdio writes lines, a Streamable HTTP POST buffers them for its JSON or SSE reply,
// the legacy SSE transport queues them on the session stream.
//
// Thread-safety: implementations must accept send() and complete() from any thread;
// complete() is called exactly once per incoming message, after the last send().

#include <optional>

#include <nlohmann/json.hpp>

namespace nmcp::mcp {

class Outbound {
 public:
  virtual ~Outbound() = default;

  // A notification related to the incoming request (progress, log messages).
  virtual void send(const nlohmann::json& message) = 0;

  // The end of the exchange: the response to send, or nothing (notifications, responses,
  // cancelled requests).
  virtual void complete(std::optional<nlohmann::json> response) = 0;
};

}  // namespace nmcp::mcp
