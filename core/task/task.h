#pragma once
// The scan task: what an agent asked for and everything the worker has done about it, as one
// plain value. Backends store it, the worker advances it, the MCP tools show it. The state
// machine (state_machine.h) says which state changes are legal; this file only names things.
//
// Times are Unix milliseconds (UTC). A Task never holds a secret: credentials are referred to
// by profile name and resolved from the configuration by the worker at the moment it creates
// the Nessus scan. Pure values; thread-safe to copy.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace nmcp::task {

using Millis = std::int64_t;  // Unix time in milliseconds

enum class State { Queued, Running, Completed, Failed, Cancelled, TimedOut };
// The step a running task is on; a task resumed after a crash continues from here.
enum class Step { Create, Launch, Poll, Export, Download, Index, Done };
enum class ScanType { Untrusted, Authenticated, AuthenticatedPrivileged };

std::string_view to_string(State s);
std::string_view to_string(Step s);
std::string_view to_string(ScanType t);
std::optional<State> parse_state(std::string_view s);
std::optional<Step> parse_step(std::string_view s);
std::optional<ScanType> parse_scan_type(std::string_view s);
bool is_terminal(State s);

struct TaskError {
  std::string code;  // machine-readable: scope_denied, nessus_auth, credentials_rejected, ...
  std::string message;
  std::string hint;
  bool empty() const { return code.empty() && message.empty(); }
};

struct Task {
  std::string id;
  std::string owner;  // the API key's tenant, or "local" on stdio
  std::string trace_id;
  std::string pool;
  std::string instance;  // set when a worker first claims it; kept for re-attachment
  ScanType scan_type = ScanType::Untrusted;
  std::string targets;  // normalised by the scope policy
  std::string name;
  std::string description;
  std::string template_name;
  std::string credential_profile;   // name only
  std::string escalation_override;  // optional elevate_privileges_with override
  // Inline credentials (only when the configuration allows them): sealed with the SecretBox,
  // never in clear, and erased as soon as the Nessus scan exists or the task ends.
  std::string sealed_credentials;
  std::string idempotency_key;
  std::string request_hash;
  // A schedule's run: the schedule, and its previous completed run at the time this one was
  // submitted (what the worker compares the results with). Empty for a one-off scan.
  std::string schedule_id;
  std::string previous_run;

  State state = State::Queued;
  Step step = Step::Create;
  std::optional<int> nessus_scan_id;
  std::optional<int> export_file_id;
  std::string nessus_status;   // last status Nessus reported
  double progress = 0;         // 0..100
  bool window_paused = false;  // paused on Nessus because its pool's scan window closed

  int attempts = 0;  // times a worker has claimed the task
  int failures = 0;  // consecutive failed attempts since the last step that succeeded
  bool cancel_requested = false;
  bool dead_lettered = false;  // failed and parked in the pool's dead-letter queue
  // Copied to another store by admin_cli store migrate (that store's description): from then on
  // only the copy runs; this one is never claimed, cancelled or retried here.
  std::string moved_to;

  std::string worker;       // the lease holder while running
  std::string lease_token;  // new at every claim: only the current claim may write
  Millis lease_until = 0;
  Millis not_before = 0;  // a retried task waits for its backoff

  Millis created_at = 0;
  Millis updated_at = 0;
  std::optional<Millis> started_at;
  std::optional<Millis> finished_at;
  std::optional<Millis> dead_lettered_at;

  TaskError error;
  nlohmann::json validation;  // credential outcome per host, warnings (null until known)
  nlohmann::json summary;     // results summary (null until completed)
};

// An unguessable task id: "task_" + 32 hex digits (128 random bits).
std::string new_task_id();
// True for ids new_task_id() could have made; anything else is refused before it reaches a
// store or a path.
bool is_valid_task_id(std::string_view id);

std::string format_time(Millis t);  // ISO 8601 UTC with milliseconds and "Z"
Millis now_millis();

// The whole task as JSON (for admin_cli and stores that keep documents). Round-trips.
nlohmann::json to_json(const Task& t);
std::optional<Task> task_from_json(const nlohmann::json& j);

// The idempotency request hash: SHA-256 of the canonical JSON of the caller's arguments
// (object keys sorted, no whitespace), without the key itself.
std::string request_hash(const nlohmann::json& arguments);

}  // namespace nmcp::task
