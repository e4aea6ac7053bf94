#include "mcp/http/message_queue.h"

#include <utility>

namespace nmcp::mcp {

bool MessageQueue::push(nlohmann::json message) {
  {
    std::lock_guard lock(mu_);
    if (closed_) return false;
    if (items_.size() >= capacity_) {
      items_.pop_front();
      ++dropped_;
    }
    items_.push_back(std::move(message));
  }
  cv_.notify_one();
  notify_listener();
  return true;
}

bool MessageQueue::try_pop(nlohmann::json& out) {
  std::lock_guard lock(mu_);
  if (items_.empty()) return false;
  out = std::move(items_.front());
  items_.pop_front();
  return true;
}

void MessageQueue::set_listener(std::function<void()> listener) {
  std::lock_guard lock(mu_);
  listener_ =
      listener ? std::make_shared<const std::function<void()>>(std::move(listener)) : nullptr;
}

void MessageQueue::notify_listener() {
  std::shared_ptr<const std::function<void()>> listener;
  {
    std::lock_guard lock(mu_);
    listener = listener_;
  }
  if (listener) (*listener)();
}

MessageQueue::Wait MessageQueue::pop(nlohmann::json& out, std::chrono::milliseconds timeout) {
  std::unique_lock lock(mu_);
  cv_.wait_for(lock, timeout, [this] { return closed_ || !items_.empty(); });
  if (!items_.empty()) {
    out = std::move(items_.front());
    items_.pop_front();
    return Wait::Message;
  }
  return closed_ ? Wait::Closed : Wait::Timeout;
}

void MessageQueue::close() {
  {
    std::lock_guard lock(mu_);
    closed_ = true;
  }
  cv_.notify_all();
  notify_listener();
}

bool MessageQueue::closed() const {
  std::lock_guard lock(mu_);
  return closed_;
}

std::size_t MessageQueue::dropped() const {
  std::lock_guard lock(mu_);
  return dropped_;
}

void BufferedReply::send(const nlohmann::json& message) {
  if (!keep_notifications_) return;
  std::lock_guard lock(mu_);
  if (!completed_) notifications_.push_back(message);
}

void BufferedReply::complete(std::optional<nlohmann::json> response) {
  std::lock_guard lock(mu_);
  if (completed_) return;
  completed_ = true;
  response_ = std::move(response);
}

bool BufferedReply::completed() const {
  std::lock_guard lock(mu_);
  return completed_;
}

std::vector<nlohmann::json> BufferedReply::notifications() const {
  std::lock_guard lock(mu_);
  return notifications_;
}

std::optional<nlohmann::json> BufferedReply::response() const {
  std::lock_guard lock(mu_);
  return response_;
}

}  // namespace nmcp::mcp
