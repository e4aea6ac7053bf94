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
  return true;
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
}

bool MessageQueue::closed() const {
  std::lock_guard lock(mu_);
  return closed_;
}

std::size_t MessageQueue::dropped() const {
  std::lock_guard lock(mu_);
  return dropped_;
}

void PostReply::send(const nlohmann::json& message) {
  if (!keep_notifications_) return;
  {
    std::lock_guard lock(mu_);
    if (done_) return;
    pending_.push_back(message);
  }
  cv_.notify_all();
}

void PostReply::complete(std::optional<nlohmann::json> response) {
  {
    std::lock_guard lock(mu_);
    if (done_) return;
    done_ = true;
    response_ = std::move(response);
  }
  cv_.notify_all();
}

PostReply::Event PostReply::next(std::optional<std::chrono::milliseconds> timeout) {
  std::unique_lock lock(mu_);
  auto ready = [this] { return done_ || !pending_.empty(); };
  if (timeout) {
    if (!cv_.wait_for(lock, *timeout, ready)) return {};
  } else {
    cv_.wait(lock, ready);
  }
  if (!pending_.empty()) {
    Event e{Event::Kind::Notification, std::move(pending_.front())};
    pending_.pop_front();
    return e;
  }
  Event e{Event::Kind::Final, nullptr};
  if (response_) e.message = std::move(*response_);
  response_.reset();
  return e;
}

}  // namespace nmcp::mcp
