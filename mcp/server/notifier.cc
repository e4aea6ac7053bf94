#include "mcp/server/notifier.h"

#include <utility>

namespace nmcp::mcp {

bool SessionNotifier::notify(const nlohmann::json& notification) {
  const auto session = session_.lock();
  return session != nullptr && session->push(notification);
}

nlohmann::json for_subscription(nlohmann::json notification,
                                const nlohmann::json& subscription_id) {
  auto& params = notification["params"];
  if (!params.is_object()) params = nlohmann::json::object();
  params["_meta"][kMetaSubscriptionId] = subscription_id;
  return notification;
}

bool StreamNotifier::notify(const nlohmann::json& notification) {
  const nlohmann::json message = for_subscription(notification, subscription_id_);
  std::lock_guard lock(mu_);
  if (!stream_) return false;
  stream_->send(message);
  return true;
}

void StreamNotifier::end(std::optional<nlohmann::json> response) {
  std::shared_ptr<Outbound> stream;
  {
    std::lock_guard lock(mu_);
    stream = std::move(stream_);
  }
  if (stream) stream->complete(std::move(response));
}

}  // namespace nmcp::mcp
