#include "mcp/server/session.h"

#include <utility>
#include <vector>

#include "mcp/server/request_context.h"

namespace nmcp::mcp {

Session::Session(std::string id, Principal principal, McpLogLevel default_log_level,
                 const MonotonicClock& clock)
    : id_(std::move(id)),
      clock_(clock),
      created_ms_(clock.elapsed_ms()),
      principal_(std::move(principal)),
      log_level_(default_log_level),
      last_active_ms_(created_ms_) {}

Principal Session::principal() const {
  std::lock_guard lock(mu_);
  return principal_;
}

void Session::refresh_principal(Principal now) {
  std::lock_guard lock(mu_);
  principal_ = std::move(now);
}

std::shared_ptr<Session> Session::preinitialized(Principal principal, ProtocolVersion version,
                                                 McpLogLevel default_log_level) {
  auto s = std::make_shared<Session>("", std::move(principal), default_log_level);
  s->initialized_ = true;
  s->ready_ = true;
  s->version_ = version;
  return s;
}

bool Session::initialized() const {
  std::lock_guard lock(mu_);
  return initialized_;
}

ProtocolVersion Session::protocol_version() const {
  std::lock_guard lock(mu_);
  return version_;
}

bool Session::initialize(ProtocolVersion version, nlohmann::json client_info,
                         nlohmann::json client_capabilities) {
  std::lock_guard lock(mu_);
  if (initialized_) return false;
  initialized_ = true;
  version_ = version;
  client_info_ = std::move(client_info);
  client_capabilities_ = std::move(client_capabilities);
  return true;
}

nlohmann::json Session::client_info() const {
  std::lock_guard lock(mu_);
  return client_info_;
}

nlohmann::json Session::client_capabilities() const {
  std::lock_guard lock(mu_);
  return client_capabilities_;
}

McpLogLevel Session::log_level() const {
  std::lock_guard lock(mu_);
  return log_level_;
}

void Session::set_log_level(McpLogLevel level) {
  std::lock_guard lock(mu_);
  log_level_ = level;
}

void Session::attach_channel(Channel channel) {
  std::lock_guard lock(mu_);
  channel_ = std::make_shared<const Channel>(std::move(channel));
}

bool Session::push(const nlohmann::json& message) const {
  std::shared_ptr<const Channel> channel;
  {
    std::lock_guard lock(mu_);
    if (!initialized_ || closed_ || !channel_) return false;
    channel = channel_;
  }
  return (*channel)(message);
}

Session::Added Session::add_request(const std::string& key, std::shared_ptr<RequestContext> request,
                                    std::size_t max_in_flight) {
  std::lock_guard lock(mu_);
  if (closed_) return Added::Closed;
  if (requests_.count(key) > 0) return Added::DuplicateId;
  if (requests_.size() >= max_in_flight) return Added::Full;
  if (winding_down_) request->ask_to_end();  // it arrived as the close began: answer at once
  requests_.emplace(key, std::move(request));
  return Added::Yes;
}

void Session::mark_ready() {
  std::lock_guard lock(mu_);
  ready_ = true;
}

bool Session::ready() const {
  std::lock_guard lock(mu_);
  return ready_;
}

void Session::remove_request(const std::string& key) {
  {
    std::lock_guard lock(mu_);
    requests_.erase(key);
  }
  idle_cv_.notify_all();
}

void Session::cancel_request(const std::string& key) {
  std::shared_ptr<RequestContext> request;
  {
    std::lock_guard lock(mu_);
    const auto it = requests_.find(key);
    if (it == requests_.end()) return;  // unknown or finished: a normal race, ignore
    request = it->second;
  }
  request->cancel();
}

std::size_t Session::in_flight() const {
  std::lock_guard lock(mu_);
  return requests_.size();
}

bool Session::wait_idle(std::chrono::milliseconds timeout) const {
  std::unique_lock lock(mu_);
  return idle_cv_.wait_for(lock, timeout, [this] { return requests_.empty(); });
}

void Session::wind_down() {
  std::vector<std::shared_ptr<RequestContext>> running;
  {
    std::lock_guard lock(mu_);
    winding_down_ = true;
    for (auto& [key, request] : requests_) running.push_back(request);
  }
  for (auto& request : running) request->ask_to_end();
}

void Session::close() {
  std::vector<std::shared_ptr<RequestContext>> to_cancel;
  {
    std::lock_guard lock(mu_);
    closed_ = true;
    for (auto& [key, request] : requests_) to_cancel.push_back(request);
  }
  for (auto& request : to_cancel) request->cancel();
}

bool Session::closed() const {
  std::lock_guard lock(mu_);
  return closed_;
}

void Session::touch() {
  const std::int64_t now = clock_.elapsed_ms();
  std::lock_guard lock(mu_);
  last_active_ms_ = now;
}

std::int64_t Session::last_active_ms() const {
  std::lock_guard lock(mu_);
  return last_active_ms_;
}

}  // namespace nmcp::mcp
