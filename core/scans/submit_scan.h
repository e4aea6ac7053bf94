#pragma once
// Submitting a scan: the use case behind run_untrusted_scan and run_authenticated_scan (and,
// later, each firing of a schedule), with every check made before anything is stored:
//   - the pool exists, the caller's key may use it, and it can ever run scans (readiness.h: not
//   when no instance is enabled or
//     every one lacks the scan API);
//   - the name and description carry no control characters;
//   - the targets parse strictly and lie inside the pool's scope;
//   - the template exists on the pool's scanners, when a probe has listed their templates;
//   - an authenticated scan names a configured credential profile, or (only when the
//     configuration allows it) inline SSH credentials, which are sealed for the worker; the two
//     are never mixed, and escalation secrets come with inline credentials only;
// then the tenant's quotas admit it (core/quota: scans per hour, scans in flight, addresses per
// day, in the store for the whole deployment), and the task is stored with an owner-scoped
// idempotency key and a request hash over the caller's request in canonical form, secrets only
// as keyed fingerprints. An idempotent repeat that finds the earlier task uses no quota.
//
// Decisions go to the audit log once each: an accepted submit is "allow", a refusal by a rule
// (PermissionDenied: scope, pool, key, profile, inline credentials; FailedPrecondition: a pool
// that cannot run scans; ResourceExhausted: a quota) is "deny" with the rule's words; malformed
// input and store errors are not decisions.
//
// Errors are caller errors (InvalidArgument, NotFound, PermissionDenied, FailedPrecondition for
// a pool that cannot run scans, ResourceExhausted for a quota, Conflict for a reused key) or
// store errors. Thread-safe: the
// dependencies are.

#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>

#include "core/audit/audit_log.h"
#include "core/base/clock.h"
#include "core/base/result.h"
#include "core/base/secret_box.h"
#include "core/config/scanner_config.h"
#include "core/quota/quota_ledger.h"
#include "core/store/task_store.h"

namespace nmcp::scans {

struct InlineCredentials {
  std::string username;
  std::string password;
  std::string escalation_account;
  std::string escalation_password;
};

struct ScanRequest {
  std::string owner;
  std::string trace_id;
  task::ScanType type = task::ScanType::Untrusted;
  std::string targets;
  std::string name;
  std::string description;
  std::string pool;           // empty: the configured default
  std::string template_name;  // empty: the configured default
  std::string idempotency_key;
  std::string credential_profile;
  std::string escalation;  // overrides the profile's (or sets the inline) escalation method
  std::optional<InlineCredentials> inline_credentials;
  // The pools the caller may use (its API key's pools=); nullopt: every pool.
  std::optional<std::set<std::string>> allowed_pools;
  // The kinds of scan the caller may start (its API key's tools=); nullopt: every kind. A
  // schedule carries its creator's, so scheduling is no way around them.
  std::optional<std::set<task::ScanType>> allowed_types;
  std::string via;  // the tool or command asking, for the audit log
  // Set by a schedule's firing (see task::Task); neither enters the request hash: the slot's
  // idempotency key already names the schedule.
  std::string schedule_id;
  std::string previous_run;
};

struct Submitted {
  task::Task task;
  bool created = false;         // false: the task an earlier call with this key created
  std::uint64_t addresses = 0;  // how many addresses the targets name
  std::string waiting;  // non-empty: it cannot start now (no instance can take it, or the pool's
                        // scan window is closed), and why
  std::string waiting_hint;
};

struct SubmitDeps {
  store::TaskSubmitter* tasks = nullptr;
  store::ScannerStatusStore* scanner_health = nullptr;  // optional: readiness and templates
  std::shared_ptr<const SecretBox> secrets;             // null: inline credentials off
  const Clock* clock = &system_clock();
  // Each authorisation decision (allowed, or refused by scope, pool, key, profile or quota
  // rules) is one line here; may be null.
  audit::AuditLog* audit = nullptr;
  // The tenants' quotas (config quotas:); needed only when some are configured, and a submit
  // refuses rather than passing them unenforced.
  quota::QuotaLedger* quotas = nullptr;
};

Result<Submitted> submit_scan(const SubmitDeps& deps, const config::ScannerConfig& config,
                              const ScanRequest& request);

// Every check submit_scan makes, and its audit line, without storing anything: what a schedule
// is checked against when it is created or changed, not only when it fires. The task returned
// is the one a submit would store now (created = false). Schedules never carry inline
// credentials: their tools take a credential profile only.
Result<Submitted> check_submit(const SubmitDeps& deps, const config::ScannerConfig& config,
                               const ScanRequest& request);

// A pool that is not configured: NotFound naming the pools the caller's key may use (never the
// others), shared with dry runs.
Error unknown_pool(const config::ScannerConfig& config, const std::string& pool,
                   const std::optional<std::set<std::string>>& key_pools);
// The key's pools= rule (PermissionDenied naming the pools it may use), shared with dry runs.
Status check_key_pools(const std::optional<std::set<std::string>>& key_pools,
                       const std::string& pool);
// The key's tools= rule for the kind of scan (PermissionDenied).
Status check_key_types(const std::optional<std::set<task::ScanType>>& key_types,
                       task::ScanType type);

// The request hash of a request (exposed for tests): canonical JSON of what the caller asked
// for, with every secret replaced by its keyed fingerprint.
std::string request_hash(const ScanRequest& request, const SecretBox* secrets);

}  // namespace nmcp::scans
