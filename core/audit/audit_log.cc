#include "core/audit/audit_log.h"

#include <fcntl.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <ctime>
#include <fstream>

#include "core/base/logging.h"
#include "core/base/redact.h"
#include "core/task/task.h"

namespace nmcp::audit {
namespace {

constexpr std::size_t kMaxField = 2000;

std::string clip(std::string v) {
  if (v.size() > kMaxField) v = v.substr(0, kMaxField) + "...";
  return v;
}

// Free text (the targets as given, the rule's words): credential shapes and the configuration's
// secrets masked. A task's inline secrets never reach here: they live only on the worker step
// that holds them (core/base/secret_values.h).
std::string clean(const std::string& value) { return clip(redact_text(value)); }

}  // namespace

Result<std::shared_ptr<AuditLog>> AuditLog::open(const std::string& path) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) {
    return fail(ErrorCode::InvalidArgument,
                "cannot open the audit log " + path + ": " + std::strerror(errno),
                "give --audit-log a writable path (default: DATA_DIR/audit.log)");
  }
  return std::shared_ptr<AuditLog>(new AuditLog(path, fd));
}

AuditLog::~AuditLog() {
  if (fd_ >= 0) ::close(fd_);
}

bool is_decision(const Error& refusal) {
  return refusal.code != ErrorCode::Unavailable && refusal.code != ErrorCode::Internal;
}

AuditEvent refusal(std::int64_t time_ms, std::string tenant, std::string tool, std::string trace_id,
                   std::string subject, const Error& why) {
  AuditEvent e;
  e.time_ms = time_ms;
  e.tenant = std::move(tenant);
  e.tool = std::move(tool);
  e.decision = "deny";
  e.rule = why.message;
  e.trace_id = std::move(trace_id);
  e.subject = std::move(subject);
  return e;
}

void AuditLog::record(const AuditEvent& e) noexcept {
  try {
    // Who, what and which decision are never masked: `admin_cli audit --tenant` must find every
    // line of a tenant, whatever text a caller chose.
    nlohmann::json line = {{"time", task::format_time(e.time_ms)},
                           {"tenant", clip(e.tenant)},
                           {"tool", clip(e.tool)},
                           {"pool", clip(e.pool)},
                           {"targets", clean(e.targets)},
                           {"decision", e.decision},
                           {"rule", clean(e.rule)}};
    if (!e.trace_id.empty()) line["trace_id"] = clip(e.trace_id);
    if (!e.subject.empty()) line["subject"] = clip(e.subject);
    const std::string text =
        line.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
    // One write: O_APPEND places it whole at the end, whatever other processes write.
    const ssize_t n = ::write(fd_, text.data(), text.size());
    if (n != static_cast<ssize_t>(text.size())) {
      static std::atomic<std::int64_t> last_warning{0};
      const auto now = std::chrono::duration_cast<std::chrono::seconds>(
                           std::chrono::steady_clock::now().time_since_epoch())
                           .count();
      if (now - last_warning.exchange(now) >= 60) {
        log::warn("audit", "could not append to the audit log",
                  {{"path", path_}, {"error", std::strerror(errno)}});
      }
    }
  } catch (...) {
    // An audit line that cannot be built must not fail the call it records.
  }
}

Status read_audit(const std::string& path, const AuditFilter& filter,
                  const std::function<void(const nlohmann::json&)>& each, long long* skipped) {
  std::ifstream in(path);
  if (!in) {
    return fail(ErrorCode::NotFound, "no audit log at " + path,
                "nessus-mcp creates DATA_DIR/audit.log when it starts (or where --audit-log "
                "says); pass the server's --data-dir, or --file");
  }
  const std::string since = filter.since_ms > 0 ? task::format_time(filter.since_ms) : "";
  std::string text;
  long long bad = 0;
  while (std::getline(in, text)) {
    if (text.empty()) continue;
    const auto j = nlohmann::json::parse(text, nullptr, false);
    if (!j.is_object() || !j.contains("time") || !j["time"].is_string() ||
        !j.contains("decision")) {
      ++bad;
      continue;
    }
    if (!filter.tenant.empty() && j.value("tenant", "") != filter.tenant) continue;
    if (!filter.decision.empty() && j.value("decision", "") != filter.decision) continue;
    // ISO 8601 UTC times of one format compare as text.
    if (!since.empty() && j["time"].get<std::string>() < since) continue;
    each(j);
  }
  if (skipped != nullptr) *skipped = bad;
  return ok();
}

}  // namespace nmcp::audit
