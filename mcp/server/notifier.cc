#include "mcp/server/notifier.h"

#include <utility>

namespace nmcp::mcp {

bool SessionNotifier::notify(const nlohmann::json& notification) {
  const auto session = session_.lock();
  return session != nullptr && session->push(notification);
}

bool StreamNotifier::notify(const nlohmann::json& notification) {
  nlohmann::json message = notification;
  auto& params = message["params"];
  if (!params.is_object()) params = nlohmann::json::object();
  params["_meta"][kMetaSubscriptionId] = subscription_id_;
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
