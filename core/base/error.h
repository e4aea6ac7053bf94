#pragma once
// Error values that cross module boundaries. Every fallible call between modules returns
// Result<T> (result.h) carrying one of these; exceptions stop at adapters and thread entry
// points. An Error is a plain value: copyable and safe to share between threads.

#include <string>
#include <string_view>

namespace nmcp {

enum class ErrorCode {
  InvalidArgument,     // the caller sent something malformed; retrying the same call fails again
  NotFound,            // the named thing does not exist (or is not visible to the caller)
  AlreadyExists,       // a create collided with an existing object
  Conflict,            // same key, different content (idempotency), or a lost race
  FailedPrecondition,  // the object is in a state that does not allow the operation
  PermissionDenied,    // authenticated, but not allowed
  Unauthenticated,     // credentials missing or wrong
  ResourceExhausted,   // a limit was reached (queue full, too many sessions); retry later
  Unavailable,         // a dependency is down or unreachable; retry with backoff
  Timeout,             // the operation ran out of time
  DataLoss,            // stored data is damaged or unreadable (a corrupt record or file)
  Internal,            // a bug or an impossible state; details belong in the log only
};

std::string_view to_string(ErrorCode code);

// What a refusal suggests doing next, as a code: each front door words it in its own terms (a
// tool for an agent, a command for an operator), so that core and the application layer never
// name either. The Error's hint is the neutral wording, for logs and front doors that have none.
enum class Action {
  None,
  ListTasks,          // see which tasks there are
  AwaitTask,          // follow the task until it has finished
  ListPools,          // see which pools there are
  ReadHosts,          // every host of a finished scan with its credential outcome
  ReindexTask,        // rebuild a finished task's findings index from its export (an operator)
  FreePlace,          // wait for one of the caller's scans to end, or cancel one
  ReadResults,        // finding ids come from the result pages of the same task
  ListSchedules,      // see which schedules there are
  ScanAuthenticated,  // an authenticated scan logs in to the targets
  UseProfileInstead,  // name a credential profile instead of giving secrets inline
  NameProfile,        // an authenticated scan names a credential profile
};

struct Error {
  ErrorCode code = ErrorCode::Internal;
  std::string message;  // what went wrong, for a human or a model; never contains secrets
  std::string hint;     // what to do about it; may be empty
  Action action = Action::None;
};

}  // namespace nmcp
