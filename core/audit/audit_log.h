#pragma once
// The audit log: one JSON line per allow or deny decision of the rules of engagement (scope,
// tool and pool authorisation; later quotas and scan windows), with the time, tenant, tool,
// pool, targets as given, decision and the rule that decided, in a file of its own (never the
// debug log). Lines are appended with one write() on a descriptor opened O_APPEND, so several
// processes sharing a data directory interleave whole lines; every value passes through
// redact_text(), so no secret is ever written. read_audit() filters it for admin_cli audit.
//
// Thread-safety: record() may be called from any thread.

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include <nlohmann/json.hpp>

#include "core/base/result.h"

namespace nmcp::audit {

struct AuditEvent {
  std::int64_t time_ms = 0;  // Unix milliseconds
  std::string tenant;
  std::string tool;  // the tool or command that asked ("run_untrusted_scan", "resources/read")
  std::string pool;
  std::string targets;   // as given
  std::string decision;  // "allow" or "deny"
  std::string rule;      // which rule decided, in words
  std::string trace_id;
  std::string subject;  // the task or schedule the call named, when it named one
};

// Whether a refusal is a decision the log records: every refusal except a store or a process
// that did not answer (Unavailable, Internal), which decided nothing.
bool is_decision(const Error& refusal);
// The deny line of a refused call that would have changed something.
AuditEvent refusal(std::int64_t time_ms, std::string tenant, std::string tool, std::string trace_id,
                   std::string subject, const Error& why);

class AuditLog {
 public:
  // Creates the file (mode 0600) if needed; appends to it.
  static Result<std::shared_ptr<AuditLog>> open(const std::string& path);
  ~AuditLog();
  AuditLog(const AuditLog&) = delete;
  AuditLog& operator=(const AuditLog&) = delete;

  // Never throws; a failed write is logged once per minute and otherwise dropped.
  void record(const AuditEvent& event) noexcept;
  const std::string& path() const { return path_; }

 private:
  AuditLog(std::string path, int fd) : path_(std::move(path)), fd_(fd) {}
  std::string path_;
  int fd_ = -1;
};

struct AuditFilter {
  std::string tenant;         // empty: every tenant
  std::int64_t since_ms = 0;  // only events at or after
  std::string decision;       // empty, "allow" or "deny"
};

// Calls `each` with every event of the file that passes `filter`, in file order. A line that
// is not an audit event (a torn last line after a crash) is skipped and counted in `skipped`.
Status read_audit(const std::string& path, const AuditFilter& filter,
                  const std::function<void(const nlohmann::json&)>& each,
                  long long* skipped = nullptr);

}  // namespace nmcp::audit
