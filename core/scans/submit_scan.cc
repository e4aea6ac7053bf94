#include "core/scans/submit_scan.h"

#include <algorithm>
#include <cstdio>

#include "core/base/secret_values.h"
#include "core/policy/scope_policy.h"
#include "core/readiness/pool_readiness.h"
#include "core/readiness/queue_wait.h"
#include "core/store/lifecycle.h"
#include "core/task/task.h"

namespace nmcp::scans {

namespace {

using nlohmann::json;

Error invalid(std::string message, std::string hint) {
  return {ErrorCode::InvalidArgument, std::move(message), std::move(hint)};
}

// Names reach Nessus and every log: no control characters (a description may break lines).
Status check_text(const std::string& field, const std::string& text, bool lines_allowed) {
  for (std::size_t i = 0; i < text.size(); ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    const bool line = c == '\n' || c == '\t' || c == '\r';
    if ((c < 0x20 && !(lines_allowed && line)) || c == 0x7f) {
      char code[8];
      std::snprintf(code, sizeof code, "0x%02x", c);
      return fail(invalid(
          field + " contains a control character (" + code + ") at position " + std::to_string(i),
          "use printable text"));
    }
  }
  return ok();
}

// The templates the pool's probed scanners offer (empty: not known yet).
std::vector<std::string> known_templates(const config::PoolConfig& pool,
                                         const std::map<std::string, store::ScannerStatus>& s) {
  std::vector<std::string> out;
  for (const auto& i : pool.instances) {
    const auto it = s.find(i.id);
    if (!i.enabled || it == s.end() || !it->second.authenticated) continue;
    for (const auto& t : it->second.templates) {
      if (std::find(out.begin(), out.end(), t) == out.end()) out.push_back(t);
    }
  }
  std::sort(out.begin(), out.end());
  return out;
}

Status check_credentials(const config::ScannerConfig& config, const config::PoolConfig& pool,
                         const ScanRequest& r, const SecretBox* secrets) {
  if (r.type == task::ScanType::Untrusted) {
    if (!r.credential_profile.empty() || r.inline_credentials || !r.escalation.empty()) {
      Error e = invalid("a network scan takes no credentials",
                        "use an authenticated scan to log in to the targets");
      e.action = Action::ScanAuthenticated;
      return fail(std::move(e));
    }
    return ok();
  }
  if (!r.escalation.empty() && !config::is_escalation_method(r.escalation)) {
    return fail(invalid("unknown escalation method '" + r.escalation + "'",
                        "use one of " + config::escalation_methods_text()));
  }
  bool escalates = !r.escalation.empty() && r.escalation != config::kNoEscalation;
  if (r.inline_credentials) {
    const auto& c = *r.inline_credentials;
    if (!r.credential_profile.empty() && c.username.empty() && c.password.empty()) {
      return fail(
          invalid("escalation_account and escalation_password go with inline "
                  "credentials only; profile '" +
                      r.credential_profile + "' holds its own escalation secrets",
                  "leave them out (escalation may still name another method)"));
    }
    if (!r.credential_profile.empty()) {
      return fail(invalid(
          "give either credential_profile or inline ssh_username/ssh_password, not both",
          "prefer credential_profile: the secret then never passes through the conversation"));
    }
    if (!config.defaults.allow_inline_credentials || secrets == nullptr) {
      return fail(Error{ErrorCode::PermissionDenied,
                        "inline credentials are disabled on this server",
                        "name a credential profile instead; secrets then never pass through the "
                        "conversation",
                        Action::UseProfileInstead});
    }
    if (r.inline_credentials->username.empty() || r.inline_credentials->password.empty()) {
      return fail(invalid("inline credentials need ssh_username and ssh_password",
                          "or name a credential profile"));
    }
  } else {
    if (r.credential_profile.empty()) {
      Error e = invalid("an authenticated scan needs credential_profile",
                        "name a credential profile the server lists");
      e.action = Action::NameProfile;
      return fail(std::move(e));
    }
    const config::CredentialProfile* profile = config.credential(r.credential_profile);
    if (profile == nullptr) {
      std::string names;
      for (const auto& [name, p] : config.credentials) names += (names.empty() ? "" : ", ") + name;
      return fail(ErrorCode::NotFound, "no credential profile named '" + r.credential_profile + "'",
                  names.empty() ? "no credential profiles are configured" : "use one of: " + names);
    }
    if (!pool.allows_profile(r.credential_profile)) {
      std::string allowed;
      for (const auto& n : pool.credential_profiles) allowed += (allowed.empty() ? "" : ", ") + n;
      return fail(ErrorCode::PermissionDenied,
                  "pool '" + pool.name + "' does not allow credential profile '" +
                      r.credential_profile + "'",
                  "use one of the profiles it allows: " + allowed);
    }
    if (!r.escalation.empty() && !profile->has(config::CredentialType::Ssh)) {
      return fail(invalid("escalation applies to SSH credentials, and profile '" +
                              r.credential_profile + "' holds none",
                          "leave escalation out; a Windows login needs an administrator "
                          "account instead"));
    }
    if (r.escalation.empty()) escalates = profile->escalates();
  }
  if (r.type == task::ScanType::AuthenticatedPrivileged && !escalates) {
    return fail(
        invalid("scan_type authenticated_privileged needs privilege escalation" +
                    std::string(r.inline_credentials ? ""
                                                     : ", but profile '" + r.credential_profile +
                                                           "' escalates with Nothing"),
                "pass escalation (sudo, su, ...) or use scan_type authenticated"));
  }
  return ok();
}

}  // namespace

std::string request_hash(const ScanRequest& r, const SecretBox* secrets) {
  json canonical = {{"scan_type", task::to_string(r.type)},
                    {"targets", r.targets},
                    {"name", r.name},
                    {"description", r.description},
                    {"pool", r.pool},
                    {"template", r.template_name},
                    {"credential_profile", r.credential_profile},
                    {"escalation", r.escalation}};
  if (r.inline_credentials) {
    // A secret enters the hash only as a keyed fingerprint: the hash cannot be recomputed
    // offline from a guessed password.
    auto print = [secrets](const std::string& secret) {
      return secret.empty() || secrets == nullptr ? std::string() : secrets->fingerprint(secret);
    };
    canonical["inline"] = {
        {"username", r.inline_credentials->username},
        {"password", print(r.inline_credentials->password)},
        {"escalation_account", r.inline_credentials->escalation_account},
        {"escalation_password", print(r.inline_credentials->escalation_password)}};
  }
  return task::request_hash(canonical);
}

Error unknown_pool(const config::ScannerConfig& config, const std::string& pool,
                   const std::optional<std::set<std::string>>& key_pools) {
  return config::no_such_pool(pool, config.pools_open_to(key_pools));
}

Status check_key_pools(const std::optional<std::set<std::string>>& key_pools,
                       const std::string& pool) {
  return store::lifecycle::check_key_pool(key_pools, pool, "submit scans to");
}

Status check_key_types(const std::optional<std::set<task::ScanType>>& key_types,
                       task::ScanType type) {
  if (!key_types || key_types->count(type) != 0) return ok();
  const bool authenticated = type != task::ScanType::Untrusted;
  return fail(ErrorCode::PermissionDenied,
              std::string("this API key may not start ") +
                  (authenticated ? "authenticated" : "unauthenticated") + " scans",
              "its tools= list does not allow them; ask the operator for a key that does");
}

namespace {

// Stores the task once the tenant's quotas admit it; an idempotent repeat (the key's task
// exists) uses none, and a submit that created nothing gives back what was admitted.
Result<store::SubmitResult> store_within_quota(const SubmitDeps& deps,
                                               const config::QuotaLimits& limits, task::Task t,
                                               std::uint64_t addresses, task::Millis now) {
  if (!limits.any()) return deps.tasks->submit(std::move(t));
  if (deps.quotas == nullptr) {
    return fail(ErrorCode::Internal, "quotas are configured but this process cannot enforce them",
                "report this: the submit path was wired without the quota ledger");
  }
  if (!t.idempotency_key.empty()) {
    auto earlier = deps.quotas->earlier_task(t.owner, t.idempotency_key);
    if (!earlier) return fail(earlier.error());
    if (*earlier) return deps.tasks->submit(std::move(t));
  }
  const std::string owner = t.owner;
  const quota::Demand demand{t.id, addresses};
  if (auto admitted = deps.quotas->admit(owner, limits, demand, now); !admitted) {
    return fail(admitted.error());
  }
  auto submitted = deps.tasks->submit(std::move(t));
  deps.quotas->settle(owner, limits, demand, submitted && submitted->created, now);
  return submitted;
}

Result<Submitted> submit_checked(const SubmitDeps& deps, const config::ScannerConfig& config,
                                 const ScanRequest& request, bool store);

Result<Submitted> audited(const SubmitDeps& deps, const config::ScannerConfig& config,
                          const ScanRequest& request, bool store);
}  // namespace

Result<Submitted> submit_scan(const SubmitDeps& deps, const config::ScannerConfig& config,
                              const ScanRequest& request) {
  return audited(deps, config, request, true);
}

Result<Submitted> check_submit(const SubmitDeps& deps, const config::ScannerConfig& config,
                               const ScanRequest& request) {
  return audited(deps, config, request, false);
}

namespace {

Result<Submitted> audited(const SubmitDeps& deps, const config::ScannerConfig& config,
                          const ScanRequest& request, bool store) {
  auto out = submit_checked(deps, config, request, store);
  if (deps.audit == nullptr) return out;
  // Every refusal is a decision (a malformed target beside an out-of-scope one included); a
  // store that did not answer decided nothing.
  const bool decided = out || audit::is_decision(out.error());
  if (!decided) return out;
  audit::AuditEvent e;
  e.time_ms = deps.clock->now();
  e.tenant = request.owner;
  e.tool = request.via;
  e.pool = request.pool.empty() ? config.defaults.pool : request.pool;
  e.targets = request.targets;
  e.trace_id = request.trace_id;
  e.subject = request.schedule_id;  // a scheduled run names its schedule
  if (out) {
    e.decision = "allow";
    e.rule = "targets within the scope of pool '" + out->task.pool + "'" +
             (out->task.credential_profile.empty()
                  ? std::string()
                  : ", credential profile '" + out->task.credential_profile + "' allowed there") +
             (store && !out->created ? " (an earlier call with this idempotency key)" : "") +
             (out->waiting.empty() ? std::string() : "; " + out->waiting);
  } else {
    e.decision = "deny";
    e.rule = out.error().message;
  }
  deps.audit->record(e);
  return out;
}

Result<Submitted> submit_checked(const SubmitDeps& deps, const config::ScannerConfig& config,
                                 const ScanRequest& req, bool store) {
  ScanRequest r = req;
  if (r.pool.empty()) r.pool = config.defaults.pool;
  if (r.template_name.empty()) r.template_name = config.defaults.template_name;
  const config::PoolConfig* pool = config.pool(r.pool);
  if (pool == nullptr) {
    return fail(unknown_pool(config, r.pool, r.allowed_pools));
  }
  if (auto s = check_key_pools(r.allowed_pools, r.pool); !s) return fail(s.error());
  if (auto s = check_key_types(r.allowed_types, r.type); !s) return fail(s.error());
  if (auto s = check_text("name", r.name, false); !s) return fail(s.error());
  if (auto s = check_text("description", r.description, true); !s) return fail(s.error());
  auto targets = policy::check_targets(r.targets, pool->scope);
  if (!targets) return fail(targets.error());
  if (auto s = check_credentials(config, *pool, r, deps.secrets.get()); !s) return fail(s.error());

  const task::Millis now = deps.clock->now();
  Submitted out;
  std::optional<readiness::PoolReadiness> ready;
  if (deps.scanner_health != nullptr) {
    auto health = deps.scanner_health->scanner_statuses();
    if (!health) return fail(health.error());
    ready = readiness::pool_readiness(*pool, *health, now);
    if (!ready->can_ever_run) {
      return fail(ErrorCode::FailedPrecondition,
                  "pool '" + r.pool + "' cannot run scans: " + ready->reason,
                  ready->hint.empty() ? "ask an operator to fix the pool's scanners" : ready->hint);
    }
    const auto templates = known_templates(*pool, *health);
    if (!templates.empty() &&
        std::find(templates.begin(), templates.end(), r.template_name) == templates.end()) {
      std::string list;
      for (const auto& t : templates) list += (list.empty() ? "" : ", ") + t;
      return fail(invalid(
          "the scanners of pool '" + r.pool + "' have no scan template '" + r.template_name + "'",
          "use one of: " + list));
    }
  }
  // The same words get_scan_status gives for the queued task (readiness::why_waiting).
  if (auto w = readiness::why_waiting(*pool, ready ? &*ready : nullptr, 0, 0, now); w.blocked()) {
    out.waiting = w.reason;
    out.waiting_hint = w.hint;
  }

  task::Task t;
  t.id = task::new_task_id();
  t.owner = r.owner;
  t.trace_id = r.trace_id;
  t.scan_type = r.type;
  t.pool = r.pool;
  t.targets = targets->normalized();
  t.name = r.name;
  t.description = r.description;
  t.template_name = r.template_name;
  t.idempotency_key = r.idempotency_key;
  t.schedule_id = r.schedule_id;
  t.previous_run = r.previous_run;
  t.request_hash = request_hash(r, deps.secrets.get());  // defaults applied: {} == {pool: default}
  t.created_at = now;
  t.not_before = now;
  if (r.type != task::ScanType::Untrusted) {
    if (r.inline_credentials) {
      config::SshCredential secret;
      secret.username = r.inline_credentials->username;
      secret.password = r.inline_credentials->password;
      secret.escalation_method = r.escalation.empty() ? config::kNoEscalation : r.escalation;
      secret.escalation_account = r.inline_credentials->escalation_account;
      secret.escalation_password = r.inline_credentials->escalation_password;
      // Sealed, and not remembered by this process: a task's inline secrets mask only the worker
      // step that sends them to Nessus, never another tenant's output (secret_values.h).
      std::string plain = config::inline_credentials_to_json(secret).dump();
      t.sealed_credentials = deps.secrets->seal(plain);
      wipe(plain);
    } else {
      t.credential_profile = r.credential_profile;
      t.escalation_override = r.escalation;
    }
  }
  out.addresses = targets->address_count;
  const config::QuotaLimits limits = config.quotas.for_tenant(r.owner);
  if (!store) {
    // A check (a schedule being created): only what no wait can fix refuses it now; the other
    // limits are met or not when it fires.
    if (limits.addresses_per_day &&
        out.addresses > static_cast<std::uint64_t>(*limits.addresses_per_day)) {
      return fail(quota::Refusal{"addresses_per_day", *limits.addresses_per_day, 0,
                                 static_cast<std::int64_t>(out.addresses), 0}
                      .to_error(now));
    }
    out.task = std::move(t);
    return out;
  }
  auto submitted = store_within_quota(deps, limits, std::move(t), out.addresses, now);
  if (!submitted) return fail(submitted.error());
  out.task = std::move(submitted->task);
  out.created = submitted->created;
  return out;
}

}  // namespace

}  // namespace nmcp::scans
