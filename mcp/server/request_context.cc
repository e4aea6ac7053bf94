#include "mcp/server/request_context.h"

#include <utility>

#include "core/base/redact.h"
#include "mcp/jsonrpc/message.h"
#include "mcp/server/outbound.h"
#include "mcp/server/session.h"

namespace nmcp::mcp {

RequestContext::RequestContext(RequestScope scope, std::shared_ptr<Outbound> outbound)
    : scope_(std::move(scope)), outbound_(std::move(outbound)) {}

bool RequestContext::cancelled() const {
  std::lock_guard lock(mu_);
  return cancelled_;
}

bool RequestContext::sleep_for(std::chrono::milliseconds duration) { return wait(duration, false); }

bool RequestContext::hold_for(std::chrono::milliseconds duration) { return wait(duration, true); }

bool RequestContext::wait(std::chrono::milliseconds duration, bool ends_when_asked) {
  std::unique_lock lock(mu_);
  return !cv_.wait_for(lock, duration,
                       [&] { return cancelled_ || (ends_when_asked && asked_to_end_); });
}

void RequestContext::ask_to_end() {
  {
    std::lock_guard lock(mu_);
    asked_to_end_ = true;
  }
  cv_.notify_all();
}

bool RequestContext::asked_to_end() const {
  std::lock_guard lock(mu_);
  return asked_to_end_;
}

void RequestContext::report_progress(double progress, std::optional<double> total,
                                     std::string_view message) {
  if (scope_.progress_token.is_null()) return;
  nlohmann::json params = {{"progressToken", scope_.progress_token}, {"progress", progress}};
  if (total) params["total"] = *total;
  if (!message.empty() && protocol_version() >= ProtocolVersion::V2025_03_26) {
    params["message"] = redact_shapes(message);
  }
  {
    std::lock_guard lock(mu_);
    if (last_progress_ && progress <= *last_progress_) return;
    last_progress_ = progress;
  }
  send_notification(jsonrpc::make_notification("notifications/progress", std::move(params)));
}

void RequestContext::log(McpLogLevel level, std::string_view logger, const nlohmann::json& data) {
  const auto threshold = scope_.current_log_level();
  if (!threshold || level < *threshold) return;
  nlohmann::json params = {{"level", to_string(level)}, {"data", redact_for_caller(data)}};
  if (!logger.empty()) params["logger"] = logger;
  send_notification(jsonrpc::make_notification("notifications/message", std::move(params)));
}

void RequestContext::cancel() {
  {
    std::lock_guard lock(mu_);
    cancelled_ = true;
  }
  cv_.notify_all();
}

void RequestContext::finish() {
  std::lock_guard send_lock(send_mu_);
  std::lock_guard lock(mu_);
  finished_ = true;
}

void RequestContext::send_notification(const nlohmann::json& message) {
  // mu_ is not held while sending: a transport may block on a slow client, and cancel() must
  // never wait for that.
  std::lock_guard send_lock(send_mu_);
  {
    std::lock_guard lock(mu_);
    if (finished_ || cancelled_) return;
  }
  outbound_->send(message);
}

}  // namespace nmcp::mcp
