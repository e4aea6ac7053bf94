#pragma once
// Notifier: the server-initiated path. A notification that answers no request in flight (a
// resource changed, a subscribed scan finished) goes to a Notifier, which is scoped:
//  - SessionNotifier: to one legacy session, on the stream that carries its unsolicited
//    messages (stdio's output; an HTTP session's GET stream or legacy SSE stream, queued while
//    none is open). Nothing is sent before the session is initialized or after it ended.
//  - StreamNotifier: to one subscription of a 2026-07-28 client, on the stream of the request
//    that opened it (subscriptions/listen); each notification carries the subscription's id in
//    `_meta` as that revision requires.
// A notifier never outlives what it sends on in a harmful way: a session notifier holds its
// session weakly, and both report false once nothing can receive.
//
// Thread-safety: notify() may be called from any thread, concurrently.

#include <memory>
#include <mutex>

#include <nlohmann/json.hpp>

#include "mcp/server/outbound.h"
#include "mcp/server/session.h"

namespace nmcp::mcp {

class Notifier {
 public:
  virtual ~Notifier() = default;
  // Sends `notification` (a JSON-RPC notification); false when it could not be delivered
  // (the session or stream ended, or the session is not initialized yet).
  virtual bool notify(const nlohmann::json& notification) = 0;
};

class SessionNotifier final : public Notifier {
 public:
  explicit SessionNotifier(const std::shared_ptr<Session>& session) : session_(session) {}
  bool notify(const nlohmann::json& notification) override;

 private:
  const std::weak_ptr<Session> session_;
};

// The `_meta` key naming the subscription a notification belongs to (2026-07-28).
inline constexpr const char* kMetaSubscriptionId = "io.modelcontextprotocol/subscriptionId";

// `notification` with the subscription's id in its params' `_meta`.
nlohmann::json for_subscription(nlohmann::json notification, const nlohmann::json& subscription_id);

class StreamNotifier final : public Notifier {
 public:
  StreamNotifier(std::shared_ptr<Outbound> stream, nlohmann::json subscription_id)
      : stream_(std::move(stream)), subscription_id_(std::move(subscription_id)) {}
  bool notify(const nlohmann::json& notification) override;
  // Ends the subscription's stream with `response` (the listen request's result); later
  // notify() calls return false.
  void end(std::optional<nlohmann::json> response);

 private:
  std::mutex mu_;
  std::shared_ptr<Outbound> stream_;  // guarded by mu_; null once ended
  const nlohmann::json subscription_id_;
};

}  // namespace nmcp::mcp
